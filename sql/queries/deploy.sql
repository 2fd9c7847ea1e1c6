-- Deployments (Orchestrix side). A deploy holds the workflow's row lock
-- from its first read to its commit, so of two concurrent deploys exactly
-- one reaches the runtime; the other then sees the first one's agent.

-- name: deploy_lock
select w.version, w.doc::text, w.archestra_agent_id, w.archestra_endpoint,
       w.archestra_dashboard_url, orx_ts(w.created_at),
       sealed_of(w.server_id),
       (select count(*) from deployments d where d.server_id = w.server_id)
from workflows w
where w.server_id = $1::text and w.owner_id = $2::text
for update of w

-- name: deploy_supersede
update deployments set status = 'superseded', ended_at = now()
where server_id = $1::text and status = 'active'

-- name: deploy_record
with w as (
    update workflows
    set archestra_agent_id = $2::text, archestra_endpoint = $3::text,
        archestra_dashboard_url = $4::text, archestra_deployed_at = now()
    where server_id = $1::text
    returning server_id, owner_id, archestra_deployed_at
)
insert into deployments (server_id, owner_id, version, agent_id, endpoint, dashboard_url,
                         status, deployed_at, isolation, orchestrator_status,
                         orchestrator_reason)
select w.server_id, w.owner_id, $5::int, $2::text, $3::text, $4::text, 'active',
       w.archestra_deployed_at, $6::text, nullif($7::text, ''), nullif($8::text, '')
from w
returning orx_ts(deployed_at)

-- name: deploy_clear
with w as (
    update workflows
    set archestra_agent_id = null, archestra_endpoint = null,
        archestra_dashboard_url = null, archestra_deployed_at = null
    where server_id = $1::text
    returning server_id
)
update deployments set status = 'undeployed', ended_at = now()
where server_id = (select server_id from w) and status = 'active'

-- name: attempt_insert
insert into deploy_attempts (server_id, owner_id, version, action, started_at,
                             outcome, http_status, error, agent_id)
values ($1::text, $2::text, $3::int, $4::text, to_timestamp($5::bigint / 1e6),
        $6::text, nullif($7::int, 0), nullif($8::text, ''), nullif($9::text, ''))

-- name: deployments_list
-- Newest first, a page of $4 rows after the cursor $3 (the id of the last
-- row of the page before; 0 for the first page).
select d.id, d.version, d.agent_id, d.endpoint, d.dashboard_url, d.status,
       orx_ts(d.deployed_at), orx_ts(d.ended_at), d.isolation,
       coalesce(d.orchestrator_status, ''), coalesce(d.orchestrator_reason, '')
from deployments d join workflows w using (server_id)
where w.server_id = $1::text and w.owner_id = $2::text
  and ($3::bigint = 0 or d.id < $3::bigint)
order by d.id desc
limit $4::int

-- name: deploy_orchestrator_update
-- A dedicated deployment's status, as the runtime reports it now.
update deployments set orchestrator_status = nullif($2::text, ''),
                       orchestrator_reason = nullif($3::text, '')
where id = $1::bigint
