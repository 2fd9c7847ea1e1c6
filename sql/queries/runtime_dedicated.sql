-- Dedicated agents' Kubernetes objects and their status as last read
-- (cgi-bin/runtime/dedicated.c; lib/k8s/orchestrator.h).

-- name: rt_orch_put
insert into agent_orchestration (agent_id, name, namespace, status, reason)
values ($1::text, $2::text, $3::text, $4::text, nullif($5::text, ''))
on conflict (agent_id) do update
set name = excluded.name, namespace = excluded.namespace, status = excluded.status,
    reason = excluded.reason, checked_at = now()

-- name: rt_orch_get
-- The last status read, and whether it is older than $2 milliseconds.
select name, namespace, status, coalesce(reason, ''),
       checked_at < now() - make_interval(secs => $2::int / 1000.0)
from agent_orchestration where agent_id = $1::text
