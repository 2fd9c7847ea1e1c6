-- Workflows and their versions. Every statement that changes a workflow
-- writes its version row in the same statement, so the two cannot diverge.
-- Statements that return documents return the columns workflow_render()
-- (lib/engine/wfrender.c) expects, in this order:
--   server_id, owner_id, doc, version, created_at, updated_at,
--   archestra_agent_id, archestra_endpoint, archestra_dashboard_url,
--   archestra_deployed_at, seq, and the version the active deployment
--   serves (null when not deployed)

-- name: workflow_insert
with w as (
    insert into workflows (server_id, owner_id, doc)
    values ($1::text, $2::text, $3::json)
    returning server_id, owner_id, doc, version, orx_ts(created_at), orx_ts(updated_at),
              archestra_agent_id, archestra_endpoint, archestra_dashboard_url,
              orx_ts(archestra_deployed_at), seq, null::int as live_version
), v as (
    insert into workflow_versions (server_id, version, doc)
    select server_id, version, doc from w
)
select * from w

-- name: workflow_get
select server_id, owner_id, doc, version, orx_ts(created_at), orx_ts(updated_at),
              archestra_agent_id, archestra_endpoint, archestra_dashboard_url,
              orx_ts(archestra_deployed_at), seq,
              (select d.version from deployments d
               where d.server_id = workflows.server_id and d.status = 'active') as live_version
from workflows
where server_id = $1::text and owner_id = $2::text

-- name: workflow_list
-- (after the rendered columns: the name and description, for lists that
-- show only those.) Oldest first from after a cursor; workflow_list_newest
-- pages the other way (from before a cursor, 0 meaning the newest).
select server_id, owner_id, doc, version, orx_ts(created_at), orx_ts(updated_at),
              archestra_agent_id, archestra_endpoint, archestra_dashboard_url,
              orx_ts(archestra_deployed_at), seq,
              (select d.version from deployments d
               where d.server_id = workflows.server_id and d.status = 'active') as live_version,
              doc ->> 'name', doc ->> 'description'
from workflows
where owner_id = $1::text and seq > $2::bigint
order by seq
limit $3::int

-- name: workflow_list_newest
select server_id, owner_id, doc, version, orx_ts(created_at), orx_ts(updated_at),
              archestra_agent_id, archestra_endpoint, archestra_dashboard_url,
              orx_ts(archestra_deployed_at), seq,
              (select d.version from deployments d
               where d.server_id = workflows.server_id and d.status = 'active') as live_version,
              doc ->> 'name', doc ->> 'description'
from workflows
where owner_id = $1::text and ($2::bigint = 0 or seq < $2::bigint)
order by seq desc
limit $3::int

-- name: workflow_update
with w as (
    update workflows
    set doc = $3::json, version = version + 1, updated_at = now()
    where server_id = $1::text and owner_id = $2::text and version = $4::int
    returning server_id, owner_id, doc, version, orx_ts(created_at), orx_ts(updated_at),
              archestra_agent_id, archestra_endpoint, archestra_dashboard_url,
              orx_ts(archestra_deployed_at), seq,
              (select d.version from deployments d
               where d.server_id = workflows.server_id and d.status = 'active') as live_version
), v as (
    insert into workflow_versions (server_id, version, doc)
    select server_id, version, doc from w
)
select * from w

-- name: workflow_state
select version, archestra_agent_id is not null from workflows
where server_id = $1::text and owner_id = $2::text

-- name: workflow_delete
delete from workflows
where server_id = $1::text and owner_id = $2::text and archestra_agent_id is null
returning server_id

-- name: collections_lock
-- Saves of one owner's workflows that store documents take turns, so two
-- of them cannot declare different unique fields of one collection at once.
select pg_advisory_xact_lock(hashtextextended('orx.collections/' || $1::text, 0))

-- name: collections_declared
-- What the owner's other workflows ($2: the one being saved) declare of
-- their collections: one element per db_insert step,
-- {collection, unique, serverId, name}, oldest workflow first.
select coalesce(json_agg(json_build_object(
           'collection', t -> 'config' ->> 'collection',
           'unique', coalesce(t -> 'config' -> 'unique', '[]'::json),
           'serverId', w.server_id, 'name', w.doc ->> 'name') order by w.seq), '[]')::text
from workflows w, json_array_elements(w.doc -> 'tools') as t
where w.owner_id = $1::text and w.server_id <> $2::text and t ->> 'type' = 'db_insert'
