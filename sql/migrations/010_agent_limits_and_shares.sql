-- 010_agent_limits_and_shares: what a deployment sets for its agent beyond
-- the graph (issue 25 items 7 and 8).
--
-- rate_per_second / rate_burst: the calls per second an agent takes, set
-- by its deployment package ("rateLimit"); null for no limit of its own
-- (nginx's per-agent and per-client limits still apply). The runtime's
-- workers enforce it in shared memory (lib/proc/ratelimit.h).
--
-- dashboard_token: the read-only share token of the agent's dashboard,
-- made when the agent is (122 random bits from PostgreSQL's CSPRNG), kept
-- across replaces, handed out in the dashboardUrl. It opens the dashboard
-- data and nothing else.

alter table archestra.agents
    add column rate_per_second double precision
        check (rate_per_second is null or rate_per_second between 0.001 and 1000000),
    add column rate_burst integer
        check (rate_burst is null or rate_burst between 1 and 1000000),
    add column dashboard_token text not null
        default 'dsh_' || replace(gen_random_uuid()::text, '-', '');
