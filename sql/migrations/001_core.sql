-- 001_core: owners and their API keys, workflows and their versions.

create function orx_ts(t timestamptz) returns text
language sql immutable strict parallel safe
as $$ select to_char(t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;

create table owners (
    id          text primary key check (id ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    name        text not null default '',
    created_at  timestamptz not null default now()
);

-- A key is shown once, at creation; only its SHA-256 is kept.
create table api_keys (
    id          text primary key,                    -- key_<random>, safe to show
    owner_id    text not null references owners (id),
    key_hash    text not null unique check (key_hash ~ '^[0-9a-f]{64}$'),
    scopes      text[] not null,
    label       text not null default '',
    created_at  timestamptz not null default now(),
    revoked_at  timestamptz,
    check (scopes <@ array['read', 'write', 'run', 'deploy', 'admin'])
);

-- doc holds the user's part of the document, in canonical order (name,
-- description, inputSchema, tools, executionOrder), as json so it is kept
-- byte for byte and spliced into responses unparsed. Everything else is a
-- column.
create table workflows (
    seq                     bigint generated always as identity unique,
    server_id               text primary key check (server_id ~ '^mcp_[a-z0-9]{8,64}$'),
    owner_id                text not null references owners (id),
    doc                     json not null check (json_typeof(doc) = 'object'),
    name                    text generated always as (doc ->> 'name') stored,
    version                 integer not null default 1 check (version > 0),
    created_at              timestamptz not null default now(),
    updated_at              timestamptz not null default now(),
    archestra_agent_id      text,
    archestra_endpoint      text,
    archestra_dashboard_url text,
    archestra_deployed_at   timestamptz
);
create index workflows_owner_seq on workflows (owner_id, seq);

-- Every saved version, so a deploy can pin one.
create table workflow_versions (
    server_id   text not null references workflows (server_id) on delete cascade,
    version     integer not null,
    doc         json not null,
    created_at  timestamptz not null default now(),
    primary key (server_id, version)
);
