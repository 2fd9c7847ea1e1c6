-- 012_executions: durable executions (SPEC §7). An execution that waits
-- for a person, is paused, or runs from the queue keeps where it stands
-- (the next step and what the earlier ones left), so any process of any
-- host can take it up; interventions are what a waiting one waits for.
-- The runtime keeps the same tables in schema archestra (its executions'
-- server_id column holds the agent's id: both programs share one set of
-- statements, sql/queries/executions.sql, each finding its own tables by
-- its search_path).

alter table executions
    add column next_step        integer not null default 0,
    -- {"steps": {toolId: output}, "skip": [index...], "env": {...}}
    add column state            json,
    add column mode             text not null default 'sync'
                                check (mode in ('sync', 'async')),
    add column pause_requested  boolean not null default false,
    add column cancel_requested boolean not null default false,
    -- who started it: the key (allowSelfApproval), or the caller of an agent
    add column started_by       text,
    -- sha256 of the capability token that reads it (an agent's status URL)
    add column token_hash       text,
    add column updated_at       timestamptz not null default now();
create index executions_unfinished on executions (status)
    where status in ('running', 'waiting', 'paused');

create table interventions (
    seq           bigint generated always as identity unique,
    id            text primary key check (id ~ '^int_[a-z0-9]{8,64}$'),
    execution_id  text not null references executions (id) on delete cascade,
    step_index    integer not null,
    tool_id       text not null,
    owner_id      text not null,
    prompt        text not null,
    -- form or options, approvers, required, timeout, onTimeout, onDeny,
    -- allowSelfApproval: the approval step's rendered config
    spec          json not null,
    status        text not null default 'pending' check (status in
                      ('pending', 'approved', 'denied', 'expired', 'cancelled')),
    -- [{"by", "at", "response", "notes"}], one per approver so far
    approvals     json not null default '[]',
    -- what the step's output becomes once it is resolved
    response      json,
    expires_at    timestamptz,
    created_at    timestamptz not null default now(),
    answered_at   timestamptz
);
create index interventions_execution on interventions (execution_id);
create index interventions_due on interventions (expires_at) where status = 'pending';
create index interventions_pending_owner on interventions (owner_id, seq)
    where status = 'pending';

-- The key that signs approval links (HMAC-SHA256 of the intervention's id
-- and expiry): made at first use, one per schema. Whoever reads it could
-- as well answer in the database.
create table exec_keys (
    name  text primary key,
    key   bytea not null check (length(key) = 32)
);

-- Executions to run (async ones, and those an answer or a resume let go
-- on), taken by the program's executors with FOR UPDATE SKIP LOCKED under
-- a lease: one whose lease ran out (its process died) is taken again and
-- goes on from its last durable step.
create table execution_queue (
    execution_id  text primary key references executions (id) on delete cascade,
    available_at  timestamptz not null default now(),
    leased_until  timestamptz,
    leased_by     text,
    attempts      integer not null default 0
);
create index execution_queue_available on execution_queue (available_at);

-- The runtime's copies.
create table archestra.executions (like executions including all);
comment on column archestra.executions.server_id is 'the agent''s id';
create table archestra.interventions (like interventions including all,
    foreign key (execution_id) references archestra.executions (id) on delete cascade);
create table archestra.execution_queue (like execution_queue including all,
    foreign key (execution_id) references archestra.executions (id) on delete cascade);
create table archestra.exec_keys (like exec_keys including all);
