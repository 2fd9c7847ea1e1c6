/*
 * runtime: the bundled Archestra-compatible runtime's FastCGI program.
 */
#include "runtime.h"
#include "server.h"

#define KB	1024
#define MB	(1024 * 1024)

static const struct route routes[] = {
	{ HTTP_POST,   "/mcp/agents", h_agent_create, S_ADMIN, 2 * MB,
	    ROUTE_JSON | ROUTE_BODY_REQUIRED, {0} },
	{ HTTP_GET,    "/mcp/agents/:agentId", h_agent_get, S_ADMIN, 0, 0,
	    { PARAM_AGENT_ID } },
	{ HTTP_PUT,    "/mcp/agents/:agentId", h_agent_replace, S_ADMIN, 2 * MB,
	    ROUTE_JSON | ROUTE_BODY_REQUIRED, { PARAM_AGENT_ID } },
	{ HTTP_DELETE, "/mcp/agents/:agentId", h_agent_delete, S_ADMIN, 0, 0,
	    { PARAM_AGENT_ID } },
	{ HTTP_GET,    "/mcp/agents/:agentId/interventions", h_agent_interventions, S_ADMIN,
	    0, 0, { PARAM_AGENT_ID } },
	{ HTTP_POST,   "/mcp/agents/:agentId/executions/:executionId/interventions/:interventionId",
	    h_agent_intervention_answer, S_ADMIN, 64 * KB, ROUTE_JSON | ROUTE_BODY_REQUIRED,
	    { PARAM_AGENT_ID, PARAM_EXEC_ID, PARAM_INTERVENTION_ID } },
	/* Calls to agents: what the dispatcher refuses is logged too. */
	{ HTTP_POST,   "/agents/:agentId", h_agent_invoke, 0, MB,
	    ROUTE_JSON | ROUTE_TELL_REFUSED, { PARAM_AGENT_ID } },
	/* A waiting call's status URL (its token or the agent's key), and the
	 * approval links (public: the token is the credential). */
	{ HTTP_GET,    "/agents/:agentId/executions/:executionId", h_agent_execution_get, 0,
	    0, 0, { PARAM_AGENT_ID, PARAM_EXEC_ID } },
	{ HTTP_GET,    "/agents/:agentId/links/:token", h_agent_link_get, 0, 0, 0,
	    { PARAM_AGENT_ID, PARAM_LINK } },
	{ HTTP_POST,   "/agents/:agentId/links/:token", h_agent_link_answer, 0, 64 * KB,
	    ROUTE_JSON | ROUTE_BODY_REQUIRED, { PARAM_AGENT_ID, PARAM_LINK } },
	/* The agent as an MCP server (Streamable HTTP; lib/mcp/ reads the body). */
	{ HTTP_POST,   "/agents/:agentId/mcp", h_agent_mcp, 0, MB, ROUTE_TELL_REFUSED,
	    { PARAM_AGENT_ID } },
	{ HTTP_GET,    "/agents/:agentId/mcp", h_agent_mcp, 0, 0, 0, { PARAM_AGENT_ID } },
	{ HTTP_DELETE, "/agents/:agentId/mcp", h_agent_mcp, 0, 0, 0, { PARAM_AGENT_ID } },
	/* A dedicated agent's pod: its Service's /mcp (404 elsewhere). */
	{ HTTP_POST,   "/mcp", h_dedicated_mcp, 0, MB, 0, {0} },
	{ HTTP_GET,    "/mcp", h_dedicated_mcp, 0, 0, 0, {0} },
	{ HTTP_DELETE, "/mcp", h_dedicated_mcp, 0, 0, 0, {0} },
	{ HTTP_GET,    "/dashboard/:agentId/data", h_dashboard_data, 0, 0, 0,
	    { PARAM_AGENT_ID } },
	{ HTTP_GET,    "/metrics", h_rt_metrics, 0, 0, 0, {0} },
	{ HTTP_GET,    "/healthz", h_rt_healthz, 0, 0, 0, {0} },
	{ 0, NULL, NULL, 0, 0, 0, {0} }
};

static const struct router router = { routes, rt_authenticate, NULL, rt_call_refused };

static const struct program program = {
	.name = "runtime",
	.router = &router,
	.db_options = "-c search_path=archestra",
	.worker_init = rt_worker_init,
	.worker_fini = rt_worker_fini,
	.log_writer = rt_log_writer,
	.shared_size = sizeof(struct rt_shared),
	.shared_init = rt_shared_init,
	.helper = rt_committer,
	.helper_name = "orx-committer",
	.executor = rt_executor,
	.secrets = "agent secrets",
	.seals = rt_seals,
};

int
main(int argc, char **argv)
{
	return server_main(&program, argc, argv);
}
