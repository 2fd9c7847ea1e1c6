-- deployments_per_owner.sql: deployments per owner (SPEC §9).
--
-- Answers: how many deployments has each owner made, and where do they stand
-- now? One row per owner, owners who never deployed included (all zeros),
-- busiest first.
--
-- Columns:
--   owner             the owner's id
--   deployments       every deployment ever recorded (deploy, redeploy, rollback)
--   active            deployments live now (at most one per workflow)
--   superseded        replaced by a later redeploy or rollback
--   undeployed        taken down with DELETE .../deploy
--   workflows         distinct workflows that were ever deployed
--   last_deployed_utc the most recent deployment, UTC ("never" if none)
--
-- psql variables (-v name=value), each optional:
--   owner_like   LIKE pattern on the owner id (default '%': every owner)
--
-- Usage:
--   psql "$DATABASE_URL" -f sql/reports/deployments_per_owner.sql
--   psql "$DATABASE_URL" -v owner_like='acme%' -f sql/reports/deployments_per_owner.sql

\if :{?owner_like}
\else
\set owner_like '%'
\endif

select o.id                                                 as owner,
       count(d.id)                                          as deployments,
       count(d.id) filter (where d.status = 'active')       as active,
       count(d.id) filter (where d.status = 'superseded')   as superseded,
       count(d.id) filter (where d.status = 'undeployed')   as undeployed,
       count(distinct d.server_id)                          as workflows,
       coalesce(to_char(max(d.deployed_at) at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS'),
                'never')                                    as last_deployed_utc
from owners o
left join deployments d on d.owner_id = o.id
where o.id like :'owner_like'
group by o.id
order by deployments desc, o.id;
