-- 003_deploy: deployment records (Orchestrix) and the bundled
-- Archestra-compatible runtime's own tables, in schema "archestra". The
-- runtime's connections use search_path=archestra and never read public.

-- Every deployment of a workflow version; at most one active per workflow.
create table deployments (
    id             bigint generated always as identity primary key,
    server_id      text not null references workflows (server_id) on delete cascade,
    owner_id       text not null,
    version        integer not null,
    agent_id       text not null,
    endpoint       text not null,
    dashboard_url  text not null,
    status         text not null check (status in ('active', 'superseded', 'undeployed')),
    deployed_at    timestamptz not null default now(),
    ended_at       timestamptz
);
create unique index deployments_one_active on deployments (server_id) where status = 'active';
create index deployments_owner on deployments (owner_id, deployed_at);

-- Every try, successful or not: what an admin reads to learn why deploys fail.
create table deploy_attempts (
    id           bigint generated always as identity primary key,
    server_id    text not null,
    owner_id     text not null,
    version      integer,
    action       text not null check (action in ('deploy', 'redeploy', 'undeploy', 'rollback')),
    started_at   timestamptz not null,
    finished_at  timestamptz not null default now(),
    outcome      text not null check (outcome in ('succeeded', 'failed', 'refused')),
    http_status  integer,
    error        text,
    agent_id     text
);
create index deploy_attempts_time on deploy_attempts (started_at);

create schema archestra;

create function archestra.orx_ts(t timestamptz) returns text
language sql immutable strict parallel safe
as $$ select to_char(t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;

create table archestra.agents (
    id               text primary key check (id ~ '^agent_[a-z0-9]{8,64}$'),
    name             text not null,
    description      text not null default '',
    version          integer not null default 1,
    doc              json not null,          -- the canonical workflow it runs
    metadata         json not null default '{}',
    idempotency_key  text unique,
    key_hash         text,                   -- optional per-agent key (SHA-256 hex)
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now(),
    deleted_at       timestamptz
);

create table archestra.agent_versions (
    agent_id    text not null references archestra.agents (id) on delete cascade,
    version     integer not null,
    doc         json not null,
    created_at  timestamptz not null default now(),
    primary key (agent_id, version)
);

create table archestra.agent_secrets (
    agent_id  text not null references archestra.agents (id) on delete cascade,
    name      text not null,
    sealed    bytea not null,
    primary key (agent_id, name)
);

-- One row per call of a deployed agent (HTTP or MCP).
create table archestra.invocations (
    id          bigint generated always as identity primary key,
    agent_id    text not null,
    version     integer not null,
    channel     text not null default 'http' check (channel in ('http', 'mcp')),
    status      integer not null,
    latency_us  bigint not null,
    at          timestamptz not null default now(),
    error       text
);
create index invocations_agent_at on archestra.invocations (agent_id, at);

-- The runtime's own document collections (scope = agent id).
create table archestra.documents (
    seq         bigint generated always as identity unique,
    id          text primary key,
    scope       text not null,
    collection  text not null,
    data        jsonb not null,
    created_at  timestamptz not null default now()
);
create index documents_scope_collection on archestra.documents (scope, collection, seq);
create index documents_data on archestra.documents using gin (data jsonb_path_ops);

create table archestra.document_keys (
    scope       text not null,
    collection  text not null,
    field       text not null,
    value       text not null,
    doc_id      text not null references archestra.documents (id) on delete cascade,
    primary key (scope, collection, field, value)
);

-- Commits a run's buffered inserts in one statement (one round trip, one
-- synchronous commit). A duplicate unique field raises unique_violation
-- (23505) and nothing is kept. Invocations are written apart, in batches,
-- by the runtime's log writer.
create function archestra.commit_run(p_docs json, p_agent text)
returns void language plpgsql as $$
declare
    d json;
begin
    for d in select * from json_array_elements(p_docs) loop
        insert into archestra.documents (id, scope, collection, data)
        values (d ->> 'id', p_agent, d ->> 'collection', (d -> 'document')::jsonb);
        insert into archestra.document_keys (scope, collection, field, value, doc_id)
        select p_agent, d ->> 'collection', f, (d -> 'document') ->> f, d ->> 'id'
        from json_array_elements_text(d -> 'unique') as f
        where (d -> 'document') ->> f is not null;
    end loop;
end
$$;
