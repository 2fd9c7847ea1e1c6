-- current_vs_superseded.sql: current vs superseded versions (SPEC §9).
--
-- Answers: for every workflow that was ever deployed, which version is live
-- now, on which agent, how many earlier deployments it replaced, and is the
-- live version behind what the owner has saved since?
--
-- Columns:
--   owner            the workflow's owner
--   server_id        the workflow
--   name             the workflow's name (cut to 40 characters)
--   live_version     the version of the active deployment (empty if none)
--   agent_id         the active deployment's agent (empty if none)
--   superseded       deployments of this workflow replaced by a later one
--   latest_saved     the workflow's latest saved version
--   behind           yes: saved versions are not live yet (rolled back, or
--                    edited since the deploy); no: the latest is live;
--                    "not deployed": no active deployment
--   versions_behind  latest_saved - live_version (0 if not deployed)
--
-- psql variables (-v name=value), each optional:
--   owner_like   LIKE pattern on the owner id (default '%': every owner)
--
-- Usage:
--   psql "$DATABASE_URL" -f sql/reports/current_vs_superseded.sql
--   psql "$DATABASE_URL" -v owner_like='acme%' -f sql/reports/current_vs_superseded.sql

\if :{?owner_like}
\else
\set owner_like '%'
\endif

with per_workflow as (
    select d.server_id,
           count(*) filter (where d.status = 'superseded')     as superseded,
           max(d.version) filter (where d.status = 'active')   as live_version,
           max(d.agent_id) filter (where d.status = 'active')  as agent_id
    from deployments d
    group by d.server_id
)
select w.owner_id                                         as owner,
       w.server_id,
       left(coalesce(w.name, ''), 40)                      as name,
       p.live_version,
       p.agent_id,
       p.superseded,
       w.version                                           as latest_saved,
       case when p.live_version is null then 'not deployed'
            when p.live_version < w.version then 'yes'
            else 'no' end                                  as behind,
       coalesce(w.version - p.live_version, 0)             as versions_behind
from per_workflow p
join workflows w on w.server_id = p.server_id
where w.owner_id like :'owner_like'
order by w.owner_id, w.server_id;
