-- MCP sessions, streams, events and server-to-client requests (lib/mcp_store.c).
-- Table names are unqualified: the runtime resolves them in schema archestra,
-- Orchestrix and the conformance fixture in public.

-- name: mcp_session_create
with s as (
    insert into mcp_sessions (id, endpoint, owner_id, protocol_version,
                              client_info, client_caps, get_stream)
    values ($1, $2, $3, $4, $5::json, $6::json, $7)
    returning id, get_stream)
insert into mcp_streams (id, session_id, kind)
select get_stream, id, 'get' from s

-- name: mcp_session_touch
-- A live session of this endpoint; last_seen is written at most once a
-- minute, so most requests only read.
with s as (select protocol_version, client_caps::text as caps, log_level,
                  coalesce(owner_id, '') as owner, get_stream
             from mcp_sessions
            where id = $1 and endpoint = $2
              and last_seen > now() - make_interval(secs => $3::int)),
     t as (update mcp_sessions set last_seen = now()
            where id = $1 and last_seen < now() - interval '60 seconds'
              and exists (select 1 from s))
select protocol_version, caps, log_level, owner, get_stream from s

-- name: mcp_session_delete
delete from mcp_sessions where id = $1 and endpoint = $2

-- name: mcp_sessions_expire
delete from mcp_sessions
 where id in (select id from mcp_sessions
               where last_seen < now() - make_interval(secs => $1::int)
               order by last_seen limit 200)

-- name: mcp_streams_prune
-- Streams whose request ended long ago, old cancellations, and old events
-- of standalone streams: a client resumes within seconds, not a quarter of
-- an hour.
with c as (delete from mcp_cancelled
            where (session_id, request_id) in
                  (select session_id, request_id from mcp_cancelled
                    where created_at < now() - interval '15 minutes' limit 500)),
     p as (delete from mcp_streams
            where id in (select id from mcp_streams
                          where kind = 'post' and done
                            and created_at < now() - interval '15 minutes'
                          limit 500))
delete from mcp_events
 where id in (select e.id from mcp_events e join mcp_streams s on s.id = e.stream_id
               where s.kind = 'get' and e.created_at < now() - interval '15 minutes'
               limit 500)

-- name: mcp_get_lock
-- One held GET stream per session (a session-level advisory lock of the
-- worker's connection, released after the stream).
select pg_try_advisory_lock(7262010, hashtext($1))

-- name: mcp_get_unlock
select pg_advisory_unlock(7262010, hashtext($1))

-- name: mcp_session_set_level
update mcp_sessions set log_level = $2 where id = $1

-- name: mcp_stream_create
insert into mcp_streams (id, session_id, kind, request_id) values ($1, $2, 'post', $3)

-- name: mcp_stream_get
select kind, done from mcp_streams where id = $1 and session_id = $2

-- name: mcp_event_add
with e as (insert into mcp_events (stream_id, data) values ($1, $2) returning id),
     d as (update mcp_streams set done = true where id = $1 and $3::boolean)
select e.id, pg_notify('mcp', 'e:' || $1) from e

-- name: mcp_events_after
select id, data from mcp_events where stream_id = $1 and id > $2::bigint
 order by id limit 200

-- name: mcp_events_last
select coalesce(max(id), 0) from mcp_events where stream_id = $1

-- name: mcp_pending_add
insert into mcp_pending (session_id, request_id, method) values ($1, $2, $3)

-- name: mcp_pending_answer
with u as (update mcp_pending set response = $3, answered_at = now()
            where session_id = $1 and request_id = $2 and response is null
            returning 1)
select pg_notify('mcp', 'r:' || $1 || ':' || $2) from u

-- name: mcp_pending_get
select response from mcp_pending where session_id = $1 and request_id = $2

-- name: mcp_pending_delete
delete from mcp_pending where session_id = $1 and request_id = $2

-- name: mcp_cancel
with i as (insert into mcp_cancelled (session_id, request_id) values ($1, $2)
           on conflict do nothing returning 1)
select pg_notify('mcp', 'c:' || $1 || ':' || $2) from i

-- name: mcp_is_cancelled
select 1 from mcp_cancelled where session_id = $1 and request_id = $2

-- name: mcp_subscribe
insert into mcp_subscriptions (session_id, uri) values ($1, $2) on conflict do nothing

-- name: mcp_unsubscribe
delete from mcp_subscriptions where session_id = $1 and uri = $2

-- name: mcp_resource_updated
with t as (select s.get_stream from mcp_subscriptions u
             join mcp_sessions s on s.id = u.session_id
            where s.endpoint = $1 and u.uri = $2),
     e as (insert into mcp_events (stream_id, data) select get_stream, $3 from t
           returning stream_id)
select pg_notify('mcp', 'e:' || stream_id) from e

-- name: mcp_broadcast
with t as (select get_stream from mcp_sessions where endpoint = $1),
     e as (insert into mcp_events (stream_id, data) select get_stream, $2 from t
           returning stream_id)
select pg_notify('mcp', 'e:' || stream_id) from e
