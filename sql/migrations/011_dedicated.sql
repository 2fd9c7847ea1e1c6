-- 011_dedicated: agents that run in a Kubernetes Deployment of their own
-- (issue 24; lib/k8s/orchestrator.h). The shared runtime stays the default.

-- The runtime's side: each agent's isolation, and for a dedicated one the
-- status of its Deployment as last read from the cluster.
alter table archestra.agents
    add column isolation text not null default 'shared'
        check (isolation in ('shared', 'dedicated'));

create table archestra.agent_orchestration (
    agent_id    text primary key references archestra.agents (id) on delete cascade,
    name        text not null,            -- mcp-<slug>: Deployment, Secret and Service
    namespace   text not null,
    status      text not null check (status in ('not_created', 'pending', 'running', 'failed')),
    reason      text,                     -- why failed, or what a pending pod waits on
    checked_at  timestamptz not null default now()
);

-- Orchestrix's side: what each deployment asked for and, for a dedicated
-- one, its status as the runtime last reported it.
alter table deployments
    add column isolation text not null default 'shared'
        check (isolation in ('shared', 'dedicated')),
    add column orchestrator_status text
        check (orchestrator_status in ('not_created', 'pending', 'running', 'failed')),
    add column orchestrator_reason text;
