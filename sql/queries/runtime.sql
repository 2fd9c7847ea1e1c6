-- Secrets, the local runtime, runs and executions (development side).

-- name: secret_put
-- Sealed under key $5 (and maybe also under $7, the previous key), which
-- the schema must record: secrets_key_admit (sql/migrations/008).
insert into workflow_secrets (server_id, name, sealed, key_id, prev_sealed, prev_key_id)
select w.server_id, $3::text, decode($4::text, 'hex'), $5::text,
       decode(nullif($6::text, ''), 'hex'), nullif($7::text, '')
from workflows w
where w.server_id = $1::text and w.owner_id = $2::text and secrets_key_admit($5::text)
on conflict (server_id, name) do update
set sealed = excluded.sealed, key_id = excluded.key_id, prev_sealed = excluded.prev_sealed,
    prev_key_id = excluded.prev_key_id, updated_at = now()
returning name

-- name: secret_list
select s.name, orx_ts(s.updated_at)
from workflow_secrets s join workflows w using (server_id)
where w.server_id = $1::text and w.owner_id = $2::text
order by s.name

-- name: secret_delete
delete from workflow_secrets s using workflows w
where s.server_id = w.server_id and w.server_id = $1::text
  and w.owner_id = $2::text and s.name = $3::text
returning s.name

-- name: runtime_set
insert into runtimes (server_id, status, started_at, stopped_at)
select w.server_id, $3::text,
       case when $3::text = 'running' then now() end,
       case when $3::text = 'stopped' then now() end
from workflows w where w.server_id = $1::text and w.owner_id = $2::text
on conflict (server_id) do update
set status = excluded.status,
    started_at = coalesce(excluded.started_at, runtimes.started_at),
    stopped_at = excluded.stopped_at
returning status, orx_ts(started_at), orx_ts(stopped_at)

-- name: runtime_get
select coalesce(r.status, 'stopped'), orx_ts(r.started_at), orx_ts(r.stopped_at)
from workflows w left join runtimes r on r.server_id = w.server_id
where w.server_id = $1::text and w.owner_id = $2::text

-- name: run_context
select w.version, coalesce(r.status, 'stopped'),
       sealed_of(w.server_id)
from workflows w left join runtimes r on r.server_id = w.server_id
where w.server_id = $1::text and w.owner_id = $2::text

-- name: workflow_version_doc
select doc from workflow_versions where server_id = $1::text and version = $2::int

-- name: execution_insert
-- A run that ended, with its events ($14: [{type, at, data}]) in the same
-- statement.
with x as (
    insert into executions (id, server_id, owner_id, version, status, http_status,
                            input, output, error, steps, logs, started_at,
                            finished_at, duration_us)
    values ($1::text, $2::text, $3::text, $4::int, $5::text, $6::int, $7::json,
            $8::json, $9::json, $10::json, $11::json,
            to_timestamp($12::bigint / 1e6), to_timestamp($12::bigint / 1e6) +
            make_interval(secs => $13::bigint / 1e6), $13::bigint)
    returning id
), ev as (
    insert into execution_events (execution_id, server_id, type, data, at)
    select $1::text, $2::text, e ->> 'type', coalesce(e -> 'data', '{}'::json),
           coalesce((e ->> 'at')::timestamptz, now())
    from json_array_elements($14::json) e
)
select id from x

-- name: execution_list
select e.id, e.status, e.http_status, e.version, orx_ts(e.started_at),
       e.duration_us, e.seq
from executions e
where e.server_id = $1::text and e.owner_id = $2::text and e.seq > $3::bigint
order by e.seq
limit $4::int

-- name: execution_get
select json_build_object(
    'executionId', e.id, 'serverId', e.server_id, 'version', e.version,
    'status', e.status, 'httpStatus', e.http_status, 'input', e.input,
    'output', e.output, 'error', e.error, 'steps', e.steps, 'logs', e.logs,
    'startedAt', orx_ts(e.started_at), 'finishedAt', orx_ts(e.finished_at),
    'durationUs', e.duration_us)::text
from executions e
where e.id = $1::text and e.owner_id = $2::text

-- name: exec_enqueue_new
-- An asynchronous run of the current version of the owner's workflow,
-- whose runtime must be started: the execution (its state the input as it
-- came; input the trace's) and its queue row. No row: not found or stopped.
with w as (
    select w.version from workflows w join runtimes r on r.server_id = w.server_id
    where w.server_id = $2::text and w.owner_id = $3::text and r.status = 'running'
), e as (
    insert into executions (id, server_id, owner_id, version, status, input, state,
        steps, logs, started_at, mode, started_by)
    select $1::text, $2::text, $3::text, w.version, 'running', $4::json, $5::json,
        '[]', '[]', now(), 'async', $6::text
    from w
    returning id, version
), q as (
    insert into execution_queue (execution_id) select id from e
)
select e.id, e.version from e

-- name: exec_run_context
-- What an executor needs to go on with an execution of a workflow: the
-- owner's sealed secrets of it.
select sealed_of(w.server_id)
from workflows w
where w.server_id = $1::text and w.owner_id = $2::text
