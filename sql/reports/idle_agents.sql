-- idle_agents.sql: agents without traffic (SPEC §9).
--
-- Answers: which deployed agents (not deleted) had no call at all in the
-- last :days days, candidates for an undeploy? Those never called first,
-- then the longest idle. Reads the runtime's schema "archestra".
--
-- Columns:
--   agent_id       the agent
--   name           its name (cut to 30 characters)
--   version        its current version
--   owner          the Orchestrix owner that deployed it (from its metadata)
--   created_utc    when it was deployed, UTC
--   last_call_utc  its latest call ever, UTC, or "never"
--   idle_days      whole days since that call (since its deployment if never called)
--
-- psql variables (-v name=value), each optional:
--   days         the window, in days back from now (default 7)
--   agent_like   LIKE pattern on the agent id (default '%': every agent)
--
-- Usage:
--   psql "$DATABASE_URL" -f sql/reports/idle_agents.sql
--   psql "$DATABASE_URL" -v days=30 -f sql/reports/idle_agents.sql

\if :{?days}
\else
\set days 7
\endif
\if :{?agent_like}
\else
\set agent_like '%'
\endif

select a.id                                                          as agent_id,
       left(a.name, 30)                                              as name,
       a.version,
       coalesce(a.metadata ->> 'ownerId', '')                        as owner,
       to_char(a.created_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS') as created_utc,
       coalesce(to_char(l.at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS'),
                'never')                                             as last_call_utc,
       floor(extract(epoch from now() - coalesce(l.at, a.created_at)) / 86400)::int
                                                                     as idle_days
from archestra.agents a
left join lateral (select max(i.at) as at          -- one index range per agent
                   from archestra.invocations i
                   where i.agent_id = a.id) l on true
where a.deleted_at is null
  and a.id like :'agent_like'
  and (l.at is null or l.at <= now() - make_interval(days => :'days'::int))
order by l.at nulls first, a.id;
