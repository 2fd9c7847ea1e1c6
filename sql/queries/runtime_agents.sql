-- The bundled Archestra-compatible runtime. Its connections run with
-- search_path=archestra: every table here is the runtime's own.

-- name: rt_agent_by_key
select id, version, dashboard_token from agents
where idempotency_key = $1::text and deleted_at is null

-- name: rt_agent_insert
-- $8 isolation; $9, $10: the package's rateLimit (perSecond, burst), '' for none.
with a as (
    insert into agents (id, name, description, doc, metadata, idempotency_key, key_hash,
                        isolation, rate_per_second, rate_burst)
    values ($1::text, $2::text, $3::text, $4::json, $5::json, nullif($6::text, ''),
            nullif($7::text, ''), $8::text, nullif($9::text, '')::float8,
            nullif($10::text, '')::int)
    returning id, version, doc, dashboard_token
), v as (
    insert into agent_versions (agent_id, version, doc) select id, version, doc from a
)
select id, version, dashboard_token from a

-- name: rt_agent_replace
-- $7 'keep' (a package without rateLimit), 'clear' (null) or 'set' with
-- $8, $9 perSecond and burst. The agent keeps its isolation and share token.
with a as (
    update agents
    set name = $2::text, description = $3::text, doc = $4::json, metadata = $5::json,
        key_hash = nullif($6::text, ''), version = version + 1, updated_at = now(),
        rate_per_second = case $7::text when 'keep' then rate_per_second
                          when 'set' then $8::text::float8 end,
        rate_burst = case $7::text when 'keep' then rate_burst
                     when 'set' then $9::text::int end
    where id = $1::text and deleted_at is null
    returning id, version, doc, isolation, dashboard_token
), v as (
    insert into agent_versions (agent_id, version, doc) select id, version, doc from a
)
select id, version, isolation, dashboard_token from a

-- name: rt_agent_delete
update agents set deleted_at = now()
where id = $1::text and deleted_at is null
returning id, isolation

-- name: rt_secrets_clear
delete from agent_secrets where agent_id = $1::text

-- name: rt_secret_put
-- As secret_put: under a key the schema records (secrets_key_admit).
insert into agent_secrets (agent_id, name, sealed, key_id, prev_sealed, prev_key_id)
select $1::text, $2::text, decode($3::text, 'hex'), $4::text,
       decode(nullif($5::text, ''), 'hex'), nullif($6::text, '')
where secrets_key_admit($4::text)
returning name

-- name: rt_notify
select pg_notify('agents', $1::text)

-- name: rt_agent_get
select id, name, description, version, doc::text, metadata::text, orx_ts(created_at),
       orx_ts(updated_at), key_hash is not null, isolation, dashboard_token,
       case when rate_per_second is null then 'null' else
            json_build_object('perSecond', rate_per_second, 'burst', rate_burst)::text end
from agents where id = $1::text and deleted_at is null

-- name: rt_agent_load
-- Also the agent's owner and environment: the scope of its documents.
select a.version, a.doc::text, coalesce(a.key_hash, ''),
       sealed_of(a.id),
       a.isolation, a.owner_id, a.environment, coalesce(a.rate_per_second, 0),
       coalesce(a.rate_burst, 0)
from agents a where a.id = $1::text and a.deleted_at is null

-- name: rt_commit_run
-- A run's buffered inserts, [{id, collection, document, unique}], for the
-- owner $2 in the environment $3, in one statement: one round trip, one
-- synchronous commit. A duplicate unique field raises unique_violation
-- (23505) on document_keys and nothing is kept.
with d as (
    select x.id, x.collection, x.document, x."unique"
    from json_to_recordset($1::json) as x(id text, collection text, document jsonb, "unique" json)
), i as (
    insert into documents (id, owner_id, environment, collection, data)
    select d.id, $2::text, $3::text, d.collection, d.document from d
), k as (
    insert into document_keys (owner_id, environment, collection, field, value, doc_id)
    select $2::text, $3::text, d.collection, f, d.document ->> f, d.id
    from d, json_array_elements_text(d."unique") as f
    where d.document ->> f is not null
)
select 1

-- name: rt_commit_one
-- The common case of rt_commit_run, a run that buffered one insert, as a
-- plain VALUES insert: ($1 id, $2 owner, $3 environment, $4 collection,
-- $5 document, $6 unique fields). json_to_recordset and its CTE cost
-- PostgreSQL about 50 µs more per call than this (pgbench, one client,
-- asynchronous commit).
with i as (
    insert into documents (id, owner_id, environment, collection, data)
    values ($1::text, $2::text, $3::text, $4::text, $5::jsonb)
)
insert into document_keys (owner_id, environment, collection, field, value, doc_id)
select $2::text, $3::text, $4::text, f, $5::jsonb ->> f, $1::text
from json_array_elements_text($6::json) as f
where $5::jsonb ->> f is not null

-- name: rt_commit_batch
-- Several calls' documents at once, grouped by cgi-bin/runtime/commit.c:
-- one row per call in the arrays $1 ids, $2 owners, $3 environments,
-- $4 collections, $5 documents, $6 unique fields (null for none). All or
-- nothing: a taken unique value fails the batch (23505), and the caller
-- retries its rows one by one. Plain inserts: ON CONFLICT's speculative
-- insertion made a batch about 20 % dearer (pgbench, 8 rows, one client).
with r as (
    select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[],
                         $6::text[])
        as r (id, owner_id, environment, collection, data, field)
), k as (
    insert into document_keys (owner_id, environment, collection, field, value, doc_id)
    select owner_id, environment, collection, field, data ->> field, id from r
    where data ->> field is not null
)
insert into documents (id, owner_id, environment, collection, data)
select id, owner_id, environment, collection, data from r

-- name: rt_log_copy
-- The log writer's batch: rows in COPY text format, one per call (at as
-- ISO 8601 UTC with microseconds, error \N when none).
copy invocations (agent_id, version, channel, status, latency_us, at, error) from stdin

-- name: rt_dashboard
with w as (
    select * from invocations
    where agent_id = $1::text and at > now() - make_interval(mins => $2::int)
), totals as (
    select count(*) as calls,
           count(*) filter (where status >= 400) as errors,
           coalesce(percentile_cont(0.5) within group (order by latency_us), 0) as p50,
           coalesce(percentile_cont(0.95) within group (order by latency_us), 0) as p95,
           coalesce(percentile_cont(0.99) within group (order by latency_us), 0) as p99
    from w
), series as (
    select date_trunc('minute', at) as t, count(*) as calls,
           count(*) filter (where status >= 400) as errors,
           percentile_cont(0.5) within group (order by latency_us) as p50,
           percentile_cont(0.95) within group (order by latency_us) as p95,
           percentile_cont(0.99) within group (order by latency_us) as p99
    from w group by 1
), recent as (
    select at, channel, status, latency_us, error from invocations
    where agent_id = $1::text order by at desc limit 25
)
select json_build_object(
    'calls', t.calls, 'errors', t.errors,
    'latencyUs', json_build_object('p50', round(t.p50), 'p95', round(t.p95), 'p99', round(t.p99)),
    'series', (select coalesce(json_agg(json_build_object(
                   't', orx_ts(s.t), 'calls', s.calls, 'errors', s.errors,
                   'p50', round(s.p50), 'p95', round(s.p95), 'p99', round(s.p99))
                   order by s.t), '[]') from series s),
    'recent', (select coalesce(json_agg(json_build_object(
                   'at', orx_ts(r.at), 'channel', r.channel, 'status', r.status,
                   'latencyUs', r.latency_us, 'error', r.error) order by r.at desc), '[]')
               from recent r))::text
from totals t

-- name: rt_agent_count
select count(*) from agents where deleted_at is null

-- name: rt_agent_owner
select coalesce(metadata ->> 'ownerId', '') from agents where id = $1::text

-- name: rt_agent_version_load
-- An agent's version as a resumed execution needs it: the document it ran,
-- the agent's secrets now, and its documents' owner and environment.
select v.doc::text, sealed_of(v.agent_id), a.owner_id, a.environment
from agent_versions v join agents a on a.id = v.agent_id
where v.agent_id = $1::text and v.version = $2::int

-- name: rt_execution_get
-- An agent's execution for its status URL.
select e.status, e.http_status, e.output::text, e.error::text, coalesce(e.token_hash, ''),
       orx_ts(e.started_at), orx_ts(e.finished_at)
from executions e
where e.id = $1::text and e.server_id = $2::text

-- name: rt_interventions_pending
-- The open interventions of an agent's executions, oldest first.
select i.id, i.execution_id, i.prompt, i.spec, orx_ts(i.expires_at),
       extract(epoch from coalesce(i.expires_at, i.created_at + interval '7 days'))::bigint
from interventions i join executions e on e.id = i.execution_id
where e.server_id = $1::text and i.status = 'pending'
order by i.seq
limit 500
