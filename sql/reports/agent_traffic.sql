-- agent_traffic.sql: traffic and latency per agent (SPEC §9).
--
-- Answers: which deployed agents were called in the last :hours hours, how
-- often, how often did they fail, and how fast were they? One row per agent
-- with at least one call in the window (agents without traffic: see
-- idle_agents.sql), busiest first. Reads the runtime's schema "archestra".
--
-- Columns:
--   agent_id       the agent
--   name           its name (cut to 30 characters; "(unknown)" if no such agent row)
--   calls          invocations in the window, HTTP and MCP
--   errors         of those, answered with status >= 400
--   error_pct      errors / calls, percent, one decimal
--   p50_ms p95_ms p99_ms
--                  latency percentiles (continuous, interpolated), milliseconds
--   max_ms         the slowest call
--   last_call_utc  the latest call in the window, UTC
--
-- psql variables (-v name=value), each optional:
--   hours        the window, in hours back from now (default 24)
--   agent_like   LIKE pattern on the agent id (default '%': every agent)
--
-- Usage:
--   psql "$DATABASE_URL" -f sql/reports/agent_traffic.sql
--   psql "$DATABASE_URL" -v hours=1 -f sql/reports/agent_traffic.sql

\if :{?hours}
\else
\set hours 24
\endif
\if :{?agent_like}
\else
\set agent_like '%'
\endif

with w as (
    select i.agent_id,
           count(*)                                                  as calls,
           count(*) filter (where i.status >= 400)                   as errors,
           percentile_cont(0.50) within group (order by i.latency_us) as p50,
           percentile_cont(0.95) within group (order by i.latency_us) as p95,
           percentile_cont(0.99) within group (order by i.latency_us) as p99,
           max(i.latency_us)                                         as worst,
           max(i.at)                                                 as last_call
    from archestra.invocations i
    where i.at > now() - make_interval(hours => :'hours'::int)
      and i.agent_id like :'agent_like'
    group by i.agent_id
)
select w.agent_id,
       coalesce(left(a.name, 30), '(unknown)')                          as name,
       w.calls,
       w.errors,
       round(100.0 * w.errors / w.calls, 1)                              as error_pct,
       round((w.p50 / 1000)::numeric, 2)                                 as p50_ms,
       round((w.p95 / 1000)::numeric, 2)                                 as p95_ms,
       round((w.p99 / 1000)::numeric, 2)                                 as p99_ms,
       round(w.worst / 1000.0, 2)                                        as max_ms,
       to_char(w.last_call at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS')  as last_call_utc
from w
left join archestra.agents a on a.id = w.agent_id
order by w.calls desc, w.agent_id;
