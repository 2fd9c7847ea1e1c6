-- 002_engine: secrets, the local runtime, executions, and the documents the
-- db_insert / db_find tools keep.

-- Secrets are sealed with AES-256-GCM (nonce | ciphertext | tag) under a
-- key that is not in the database; the AAD binds each to its workflow and name.
create table workflow_secrets (
    server_id   text not null references workflows (server_id) on delete cascade,
    name        text not null check (name ~ '^[A-Za-z][A-Za-z0-9_.-]{0,63}$'),
    sealed      bytea not null,
    updated_at  timestamptz not null default now(),
    primary key (server_id, name)
);

-- "Start Runtime": a workflow runs locally only while its runtime is started.
create table runtimes (
    server_id   text primary key references workflows (server_id) on delete cascade,
    status      text not null check (status in ('running', 'stopped')),
    started_at  timestamptz,
    stopped_at  timestamptz
);

create table executions (
    seq          bigint generated always as identity unique,
    id           text primary key check (id ~ '^exe_[a-z0-9]{8,64}$'),
    server_id    text not null references workflows (server_id) on delete cascade,
    owner_id     text not null,
    version      integer not null,
    status       text not null check (status in
                     ('running', 'succeeded', 'failed', 'waiting', 'paused', 'cancelled')),
    http_status  integer,
    input        json,
    output       json,
    error        json,
    steps        json not null default '[]',
    logs         json not null default '[]',
    started_at   timestamptz not null,
    finished_at  timestamptz,
    duration_us  bigint
);
create index executions_server_seq on executions (server_id, seq);

-- Documents of the db tools, in collections that belong to a scope: a
-- workflow (local runs) or an agent (production).
create table documents (
    seq         bigint generated always as identity unique,
    id          text primary key,
    scope       text not null,
    collection  text not null,
    data        jsonb not null,
    created_at  timestamptz not null default now()
);
create index documents_scope_collection on documents (scope, collection, seq);
create index documents_data on documents using gin (data jsonb_path_ops);

-- Declared unique fields: one row per (field, value), so the database, not
-- a read-then-write race, decides which of two concurrent inserts wins.
create table document_keys (
    scope       text not null,
    collection  text not null,
    field       text not null,
    value       text not null,
    doc_id      text not null references documents (id) on delete cascade,
    primary key (scope, collection, field, value)
);
