-- failed_attempts.sql: failed deploy attempts and their reasons (SPEC §9).
--
-- Answers: which deploy, redeploy, undeploy and rollback attempts did not
-- go through in the last :days days, and why? Two results:
--
-- 1. Every such attempt, newest first. Columns:
--      started_utc   when the attempt started, UTC
--      owner         who tried
--      server_id     the workflow
--      workflow      its name ("(deleted)" if the workflow is gone)
--      action        deploy | redeploy | undeploy | rollback
--      outcome       failed (the Archestra endpoint said no or was unreachable)
--                    | refused (Orchestrix said no: already deployed, not deployed)
--      http_status   failed: the Archestra endpoint's answer (empty if it never
--                    answered: network, timeout); refused: Orchestrix's own
--      error         the reason recorded with the attempt
--
-- 2. The same attempts counted by reason, most frequent first. Columns:
--      error         the reason
--      failed        attempts with outcome failed
--      refused       attempts with outcome refused
--      attempts      both together
--      owners        distinct owners who hit it
--      workflows     distinct workflows that hit it
--      last_utc      the latest one, UTC
--
-- psql variables (-v name=value), each optional:
--   days         the window, in days back from now (default 7)
--   owner_like   LIKE pattern on the owner id (default '%': every owner)
--
-- Usage:
--   psql "$DATABASE_URL" -f sql/reports/failed_attempts.sql
--   psql "$DATABASE_URL" -v days=30 -v owner_like='acme%' -f sql/reports/failed_attempts.sql

\if :{?days}
\else
\set days 7
\endif
\if :{?owner_like}
\else
\set owner_like '%'
\endif

\echo 'Failed and refused deploy attempts, last' :days 'days, newest first'
select to_char(a.started_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS')  as started_utc,
       a.owner_id                                                      as owner,
       a.server_id,
       coalesce(left(w.name, 30), '(deleted)')                         as workflow,
       a.action,
       a.outcome,
       a.http_status,
       coalesce(a.error, '')                                           as error
from deploy_attempts a
left join workflows w on w.server_id = a.server_id
where a.outcome in ('failed', 'refused')
  and a.started_at > now() - make_interval(days => :'days'::int)
  and a.owner_id like :'owner_like'
order by a.started_at desc, a.id desc;

\echo 'The same attempts by reason'
select coalesce(a.error, '(no reason recorded)')            as error,
       count(*) filter (where a.outcome = 'failed')         as failed,
       count(*) filter (where a.outcome = 'refused')        as refused,
       count(*)                                             as attempts,
       count(distinct a.owner_id)                           as owners,
       count(distinct a.server_id)                          as workflows,
       to_char(max(a.started_at) at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS') as last_utc
from deploy_attempts a
where a.outcome in ('failed', 'refused')
  and a.started_at > now() - make_interval(days => :'days'::int)
  and a.owner_id like :'owner_like'
group by 1
order by attempts desc, error;
