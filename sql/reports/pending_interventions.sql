-- pending_interventions.sql: executions waiting for a person (SPEC §7, §9).
--
-- Answers: which interventions are open, on which workflow or deployed
-- agent, since when, until when, and who may answer them? Local runs
-- (Orchestrix) and deployed agents' calls (the runtime's schema
-- "archestra") both; the oldest first.
--
-- Columns:
--   side            local (a workflow's run) or agent (a deployed agent's call)
--   intervention    the intervention's id
--   execution       the execution that waits
--   workflow        its workflow (serverId) or agent (agentId)
--   owner           the owner (the agent's from its metadata)
--   prompt          what is asked (cut to 40 characters)
--   approvers       who may answer: owners and scopes the approval names,
--                   "owner (run)" by default
--   approvals       answers so far / answers needed
--   age_min         whole minutes it has waited
--   expires_utc     when its time runs out, UTC, or "never"
--
-- psql variables (-v name=value), each optional:
--   owner_like   LIKE pattern on the owner (default '%': every owner)
--
-- Usage:
--   psql "$DATABASE_URL" -f sql/reports/pending_interventions.sql
--   psql "$DATABASE_URL" -v owner_like='alice' -f sql/reports/pending_interventions.sql

\if :{?owner_like}
\else
\set owner_like '%'
\endif

with open_ones as (
    select 'local' as side, i.*, e.server_id as workflow
    from interventions i join executions e on e.id = i.execution_id
    where i.status = 'pending'
    union all
    select 'agent', i.*, e.server_id
    from archestra.interventions i join archestra.executions e on e.id = i.execution_id
    where i.status = 'pending'
)
select side,
       id                                                           as intervention,
       execution_id                                                 as execution,
       workflow,
       owner_id                                                     as owner,
       left(prompt, 40)                                             as prompt,
       coalesce(nullif(concat_ws(' ',
           (select 'owners: ' || string_agg(o, ',')
            from json_array_elements_text(spec -> 'approvers' -> 'owners') o),
           (select 'scopes: ' || string_agg(sc, ',')
            from json_array_elements_text(spec -> 'approvers' -> 'scopes') sc)), ''),
           'owner (run)')                                           as approvers,
       json_array_length(approvals) || '/' ||
           coalesce(spec ->> 'required', '1')                       as approvals,
       floor(extract(epoch from now() - created_at) / 60)::int      as age_min,
       coalesce(to_char(expires_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS'),
                'never')                                            as expires_utc
from open_ones
where owner_id like :'owner_like'
order by created_at, id;
