-- 004_mcp: MCP Streamable HTTP sessions, their SSE streams and stored
-- events (SEP-1699 resumption on any worker), server-to-client requests
-- awaiting the client's answer, and resource subscriptions (lib/mcp*.c).
-- The same tables exist in public (Orchestrix's /mcp, the test fixture) and
-- in schema archestra (the runtime, whose search_path is archestra only);
-- sql/queries/mcp.sql names them unqualified so one set of statements serves
-- both. Workers wake each other with NOTIFY on channel "mcp".

create table mcp_sessions (
    id                text primary key check (id ~ '^[0-9a-f]{32}$'),
    endpoint          text not null,             -- the path it was created at
    owner_id          text,                      -- the authenticated owner, if any
    protocol_version  text not null,
    client_info       json not null default '{}',
    client_caps       json not null default '{}',
    log_level         text not null default 'info',
    get_stream        text not null,             -- the standalone (GET) stream
    created_at        timestamptz not null default now(),
    last_seen         timestamptz not null default now()
);
create index mcp_sessions_seen on mcp_sessions (last_seen);

create table mcp_streams (
    id          text primary key check (id ~ '^[0-9a-f]{24}$'),
    session_id  text not null references mcp_sessions (id) on delete cascade,
    kind        text not null check (kind in ('post', 'get')),
    request_id  text,                            -- JSON text of the request id
    done        boolean not null default false,
    created_at  timestamptz not null default now()
);
create index mcp_streams_request on mcp_streams (session_id, request_id);
create index mcp_streams_age on mcp_streams (created_at) where kind = 'post';

create table mcp_events (
    id          bigint generated always as identity primary key,
    stream_id   text not null references mcp_streams (id) on delete cascade,
    data        text not null,                   -- one JSON-RPC message
    created_at  timestamptz not null default now()
);
create index mcp_events_stream on mcp_events (stream_id, id);
create index mcp_events_age on mcp_events (created_at);

create table mcp_pending (
    session_id   text not null references mcp_sessions (id) on delete cascade,
    request_id   text not null,
    method       text not null,
    response     text,                           -- the client's answer (JSON)
    created_at   timestamptz not null default now(),
    answered_at  timestamptz,
    primary key (session_id, request_id)
);

-- Requests the client cancelled (notifications/cancelled); the worker
-- running one checks here and is woken by NOTIFY. Request ids are never
-- reused within a session (JSON-RPC as MCP uses it).
create table mcp_cancelled (
    session_id  text not null references mcp_sessions (id) on delete cascade,
    request_id  text not null,                   -- JSON text of the request id
    created_at  timestamptz not null default now(),
    primary key (session_id, request_id)
);

create table mcp_subscriptions (
    session_id  text not null references mcp_sessions (id) on delete cascade,
    uri         text not null,
    primary key (session_id, uri)
);

-- The runtime's copies.
create table archestra.mcp_sessions (like mcp_sessions including all);
create table archestra.mcp_streams (like mcp_streams including all,
    foreign key (session_id) references archestra.mcp_sessions (id) on delete cascade);
create table archestra.mcp_events (like mcp_events including all,
    foreign key (stream_id) references archestra.mcp_streams (id) on delete cascade);
create table archestra.mcp_pending (like mcp_pending including all,
    foreign key (session_id) references archestra.mcp_sessions (id) on delete cascade);
create table archestra.mcp_cancelled (like mcp_cancelled including all,
    foreign key (session_id) references archestra.mcp_sessions (id) on delete cascade);
create table archestra.mcp_subscriptions (like mcp_subscriptions including all,
    foreign key (session_id) references archestra.mcp_sessions (id) on delete cascade);
