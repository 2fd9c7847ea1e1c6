-- Durable executions (lib/exec/): shared by both programs, each finding
-- its own tables by its search_path (the runtime's executions.server_id is
-- the agent's id). Status changes NOTIFY orx_executions with the
-- execution's id: executors wake for queued ones.
--
-- A transaction that NOTIFYs holds a lock every other NOTIFYing one waits
-- for until its commit is flushed, so NOTIFY in a synchronous commit makes
-- those commits one at a time (no group commit: about one fsync per
-- commit). The hot paths -- an async run's enqueue, a synchronous run's
-- record, an executor's end of a run -- commit first and NOTIFY after, in
-- a statement that writes nothing (exec_notify).

-- name: exec_notify
-- NOTIFY channel $1 once per payload of $2 (a transaction of its own that
-- writes nothing, so it flushes nothing).
select count(*) from (select pg_notify($1::text, x) from unnest($2::text[]) x) n

-- name: exec_insert_stopped
-- A synchronous run that stopped before its end (it waits for a person):
-- the execution with where it stands.
insert into executions (id, server_id, owner_id, version, status, http_status,
    input, output, error, steps, logs, started_at, duration_us,
    next_step, state, mode, started_by, token_hash)
values ($1::text, $2::text, $3::text, $4::int, $5::text, $6::int, $7::json,
    $8::json, $9::json, $10::json, $11::json, to_timestamp($12::bigint / 1e6),
    $13::bigint, $14::int, $15::json, 'sync', $16::text, $17::text)

-- name: intervention_insert
insert into interventions (id, execution_id, step_index, tool_id, owner_id, prompt,
    spec, expires_at)
values ($1::text, $2::text, $3::int, $4::text, $5::text, $6::text, $7::json,
    case when $8::int > 0 then now() + make_interval(secs => $8::int) end)
returning orx_ts(expires_at),
    extract(epoch from coalesce(expires_at, created_at + interval '7 days'))::bigint

-- name: exec_lease
-- Up to $2 executions whose turn it is and that nobody holds (or whose
-- holder's lease ran out), leased to $1 for $3 seconds, with all a run
-- needs to go on: where it stands, and the answer of the intervention it
-- waited at (the newest resolved one of its next step).
with c as (
    select q.execution_id from execution_queue q
    where q.available_at <= now()
      and (q.leased_until is null or q.leased_until < now())
    order by q.available_at
    limit $2::int
    for update skip locked
), l as (
    update execution_queue q
    set leased_until = now() + make_interval(secs => $3::int),
        leased_by = $1::text, attempts = q.attempts + 1
    from c where q.execution_id = c.execution_id
    returning q.execution_id, q.attempts
)
select e.id, e.server_id, e.owner_id, e.version, e.status, e.input, e.state,
       e.steps, e.logs, e.next_step, e.pause_requested, e.cancel_requested,
       l.attempts, e.started_by, coalesce(e.duration_us, 0),
       (select i.response from interventions i
        where i.execution_id = e.id and i.step_index = e.next_step
          and i.status in ('approved', 'denied', 'expired')
        order by i.seq desc limit 1)
from l join executions e on e.id = l.execution_id

-- name: exec_hold
-- The lease of $1, locked for the rest of the transaction if $2 still
-- holds it: what an executor checks before it makes progress durable, so a
-- process whose lease ran out (and was taken) commits nothing.
select 1 from execution_queue
where execution_id = $1::text and leased_by = $2::text
for update

-- name: exec_progress
-- Where a running execution stands after a step with effects; answers its
-- pause and cancel requests.
update executions
set state = $2::json, next_step = $3::int, steps = $4::json, logs = $5::json,
    updated_at = now()
where id = $1::text
returning pause_requested, cancel_requested

-- name: exec_flags
select status, pause_requested, cancel_requested from executions where id = $1::text

-- name: exec_stop
-- An executor's run of $1 ended or stopped (status $2): its record, its
-- events ($13), and its queue row gone -- only while $12 holds its lease.
-- finished_at for an end. One statement: a run's end is one round trip.
with d as (
    delete from execution_queue
    where execution_id = $1::text and leased_by = $12::text
    returning execution_id
), e as (
    update executions x
    set status = $2::text, http_status = $3::int, output = $4::json, error = $5::json,
        steps = $6::json, logs = $7::json, state = $8::json, next_step = $9::int,
        duration_us = coalesce(x.duration_us, 0) + $10::bigint,
        finished_at = case when $11::bool then now() else x.finished_at end,
        pause_requested = false, cancel_requested = false, updated_at = now()
    from d where x.id = d.execution_id
    returning x.id, x.server_id, x.owner_id
), ev as (
    insert into execution_events (execution_id, server_id, type, data, at)
    select e.id, e.server_id, v ->> 'type', coalesce(v -> 'data', '{}'::json),
           coalesce((v ->> 'at')::timestamptz, now())
    from e, json_array_elements($13::json) v
)
select id, server_id, owner_id from e

-- name: exec_status_of
select status, pause_requested, cancel_requested from executions
where id = $1::text and owner_id = $2::text

-- name: exec_pause
-- Pause: a running one stops at its next step boundary (requested), a
-- waiting one at once (its interventions stay open).
update executions
set pause_requested = (status = 'running'),
    status = case when status = 'waiting' then 'paused' else status end,
    updated_at = now()
where id = $1::text and owner_id = $2::text and status in ('running', 'waiting')
  and not cancel_requested
returning status, pause_requested, server_id

-- name: exec_resume
-- Resume a paused one (or take back a pause not yet in effect): it waits
-- again while an intervention is open, else it is queued to go on.
with e as (
    update executions x
    set status = case when exists (select 1 from interventions i
                     where i.execution_id = x.id and i.status = 'pending')
                 then 'waiting' else 'running' end,
        pause_requested = false, updated_at = now()
    where x.id = $1::text and x.owner_id = $2::text
      and (x.status = 'paused' or (x.status = 'running' and x.pause_requested))
    returning x.id, x.status, x.server_id
), q as (
    insert into execution_queue (execution_id)
    select id from e where status = 'running'
    on conflict (execution_id) do nothing
)
select status, false, server_id, pg_notify('orx_executions', id) from e

-- name: exec_cancel
-- Cancel: a running one stops at its next step boundary (requested); a
-- waiting or paused one ends at once, its open interventions closed.
with e as (
    update executions x
    set cancel_requested = (x.status = 'running'),
        status = case when x.status in ('waiting', 'paused') then 'cancelled'
                 else x.status end,
        finished_at = case when x.status in ('waiting', 'paused') then now()
                      else x.finished_at end,
        updated_at = now()
    where x.id = $1::text and x.owner_id = $2::text
      and x.status in ('running', 'waiting', 'paused')
    returning x.id, x.status, x.cancel_requested, x.server_id
), i as (
    update interventions set status = 'cancelled', answered_at = now()
    where execution_id in (select id from e where status = 'cancelled')
      and status = 'pending'
), q as (
    delete from execution_queue
    where execution_id in (select id from e where status = 'cancelled')
)
select status, cancel_requested, server_id, pg_notify('orx_executions', id) from e

-- name: intervention_list
-- The open interventions of an execution of owner $2.
select i.id, i.tool_id, i.prompt, i.spec, i.status, i.approvals,
       orx_ts(i.created_at), orx_ts(i.expires_at),
       extract(epoch from coalesce(i.expires_at, i.created_at + interval '7 days'))::bigint
from interventions i
where i.execution_id = $1::text and i.owner_id = $2::text and i.status = 'pending'
order by i.seq

-- name: intervention_lock
-- An intervention with its execution, both locked until the answer is
-- recorded: concurrent answers are taken one at a time.
select i.status, i.spec, i.approvals, i.step_index, i.owner_id, e.status,
       e.started_by, e.server_id, extract(epoch from i.expires_at)::bigint,
       i.expires_at is not null and i.expires_at <= now(), i.prompt
from interventions i join executions e on e.id = i.execution_id
where i.id = $1::text and i.execution_id = $2::text
for update of i, e

-- name: intervention_record
-- An answer recorded; with a resolved status ($3), the response the step's
-- output becomes.
update interventions
set approvals = $2::json, status = $3::text, response = $4::json,
    answered_at = case when $3::text <> 'pending' then now() end
where id = $1::text

-- name: exec_continue
-- The intervention it waited at is resolved: a waiting execution is queued
-- to go on (a paused one goes on when resumed).
with e as (
    update executions set status = 'running', updated_at = now()
    where id = $1::text and status = 'waiting'
    returning id
), q as (
    insert into execution_queue (execution_id) select id from e
    on conflict (execution_id) do nothing
)
select pg_notify('orx_executions', id) from e

-- name: exec_end
-- A waiting or paused execution ends without going on (a deny that
-- cancels or fails it, a timeout that does).
update executions
set status = $2::text, error = $3::json, http_status = $4::int,
    finished_at = now(), updated_at = now()
where id = $1::text and status in ('waiting', 'paused', 'running')
returning id

-- name: interventions_due
-- Open interventions whose time ran out, for the sweeper.
select i.id, i.execution_id, i.spec, e.server_id
from interventions i join executions e on e.id = i.execution_id
where i.status = 'pending' and i.expires_at <= now()
order by i.expires_at
limit 100
for update of i skip locked

-- name: exec_sweeper_lock
-- One sweeper per database (across hosts): the one whose transaction holds
-- this advisory lock.
select pg_try_advisory_xact_lock(hashtext(current_schema() || '.orx_sweeper'))

-- name: exec_key_get
with k as (
    insert into exec_keys (name, key) values ($1::text, $2::bytea)
    on conflict (name) do nothing
    returning key
)
select encode(key, 'hex') from k
union all
select encode(key, 'hex') from exec_keys where name = $1::text
limit 1

-- name: intervention_by_id
-- An intervention found by its link (the link is the credential).
select i.execution_id, i.prompt, i.spec, i.status, orx_ts(i.expires_at),
       e.server_id, e.status
from interventions i join executions e on e.id = i.execution_id
where i.id = $1::text

-- name: exec_events_add
-- Events of execution $1 (of workflow or agent $2): [{type, at, data}].
with e as (
    insert into execution_events (execution_id, server_id, type, data, at)
    select $1::text, $2::text, x ->> 'type', coalesce(x -> 'data', '{}'::json),
           coalesce((x ->> 'at')::timestamptz, now())
    from json_array_elements($3::json) x
    returning id
)
select count(*), pg_notify('orx_events', $1::text || ' ' || $2::text || ' ' ||
       coalesce((select owner_id from executions where id = $1::text), '')) from e

-- name: exec_events_since
-- The events of execution $1 after id $2, in order (polling, and what a
-- subscriber missed).
select id, type, data::text,
       to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') from execution_events
where execution_id = $1::text and id > $2::bigint
order by id
limit $3::int

-- name: exec_events_of_server
-- The events of workflow $1's executions after id $2, in order.
select id, execution_id, type, data::text,
       to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') from execution_events
where server_id = $1::text and id > $2::bigint
order by id
limit $3::int

-- name: exec_events_expire
-- Events older than $1 hours go (the sweeper, in batches).
delete from execution_events
where id in (select id from execution_events
             where at < now() - make_interval(hours => $1::int) limit 10000)

-- name: exec_events_of_owner
-- The events of owner $1's executions after id $2, in order.
select v.id, v.execution_id, v.type, v.data::text,
       to_char(v.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
from execution_events v join executions e on e.id = v.execution_id
where e.owner_id = $1::text and v.id > $2::bigint
order by v.id
limit $3::int

-- name: interventions_open_for
-- Every open intervention owner $1 may be asked to answer: of its own
-- executions, and of others' whose approval names it. Newest first.
select i.id, i.execution_id, e.server_id, i.prompt, i.spec, orx_ts(i.created_at),
       orx_ts(i.expires_at),
       extract(epoch from coalesce(i.expires_at, i.created_at + interval '7 days'))::bigint,
       i.owner_id
from interventions i join executions e on e.id = i.execution_id
where i.status = 'pending'
  and (i.owner_id = $1::text or exists (
      select 1 from json_array_elements_text(i.spec -> 'approvers' -> 'owners') o
      where o = $1::text))
order by i.seq desc
limit $2::int

-- name: exec_events_last
-- The newest event's id: where a stream of a workflow or an owner that
-- names no Last-Event-ID starts (it follows from now on).
select coalesce(max(id), 0) from execution_events
