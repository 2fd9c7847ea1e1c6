-- 013_events: what happens in an execution, as it happens (SPEC §7): the
-- events a subscriber follows live (Server-Sent Events through the event
-- hub, or polling), kept for ORX_EVENTS_KEEP_HOURS. An event's id orders
-- the events of one execution (one process writes them at a time) and is
-- the SSE id a reconnect resumes after. NOTIFY orx_events carries
-- "<executionId> <serverId> <ownerId>" after each write.

create table execution_events (
    id            bigint generated always as identity primary key,
    execution_id  text not null,
    server_id     text not null,
    type          text not null check (type in ('step_started', 'step_completed',
                      'intervention_required', 'intervention_answered', 'paused',
                      'resumed', 'cancelled', 'succeeded', 'failed')),
    data          json not null default '{}',
    at            timestamptz not null default now()
);
create index execution_events_execution on execution_events (execution_id, id);
create index execution_events_server on execution_events (server_id, id);
create index execution_events_at on execution_events (at);

create table archestra.execution_events (like execution_events including all);
