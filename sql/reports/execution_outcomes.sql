-- execution_outcomes.sql: how executions end, per workflow (SPEC §7, §9).
--
-- Answers: of the executions started in the last :days days, per workflow
-- (local runs) or deployed agent (calls that waited, and so were kept), how
-- many succeeded, failed, were cancelled, and how many still wait, are
-- paused or run; and how long the finished ones took, start to end
-- (p50 / p95, in milliseconds, time spent waiting included). Most
-- executions first.
--
-- Columns:
--   side        local or agent
--   workflow    the workflow (serverId) or the agent (agentId)
--   owner       its owner
--   total       executions started in the window
--   succeeded, failed, cancelled, waiting, paused, running
--               how many are in each status now
--   p50_ms      median time from start to end of the finished ones
--   p95_ms      95th percentile of the same
--
-- psql variables (-v name=value), each optional:
--   days         the window, in days back from now (default 7)
--   owner_like   LIKE pattern on the owner (default '%': every owner)
--
-- Usage:
--   psql "$DATABASE_URL" -f sql/reports/execution_outcomes.sql
--   psql "$DATABASE_URL" -v days=30 -f sql/reports/execution_outcomes.sql

\if :{?days}
\else
\set days 7
\endif
\if :{?owner_like}
\else
\set owner_like '%'
\endif

with x as (
    select 'local' as side, server_id, owner_id, status, started_at, finished_at
    from executions
    union all
    select 'agent', server_id, owner_id, status, started_at, finished_at
    from archestra.executions
)
select side,
       server_id                                              as workflow,
       owner_id                                               as owner,
       count(*)                                               as total,
       count(*) filter (where status = 'succeeded')           as succeeded,
       count(*) filter (where status = 'failed')              as failed,
       count(*) filter (where status = 'cancelled')           as cancelled,
       count(*) filter (where status = 'waiting')             as waiting,
       count(*) filter (where status = 'paused')              as paused,
       count(*) filter (where status = 'running')             as running,
       round((percentile_cont(0.5) within group (order by
           extract(epoch from finished_at - started_at) * 1000)
           filter (where finished_at is not null))::numeric, 1) as p50_ms,
       round((percentile_cont(0.95) within group (order by
           extract(epoch from finished_at - started_at) * 1000)
           filter (where finished_at is not null))::numeric, 1) as p95_ms
from x
where started_at > now() - make_interval(days => :'days'::int)
  and owner_id like :'owner_like'
group by side, server_id, owner_id
order by total desc, side, workflow;
