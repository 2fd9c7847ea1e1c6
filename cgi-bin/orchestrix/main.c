/*
 * orchestrix: the development side's FastCGI program. Its whole surface is
 * the route table below.
 */
#include <string.h>

#include "orchestrix.h"
#include "server.h"

#define KB	1024
#define MB	(1024 * 1024)

static int h_me(struct req *, struct resp *);

static const struct route routes[] = {
	{ HTTP_GET,    "/healthz", h_healthz, 0, 0, 0, {0} },
	{ HTTP_GET,    "/metrics", h_metrics, 0, 0, 0, {0} },
	{ HTTP_POST,   "/mcp/servers", h_workflow_create, S_WRITE, MB,
	    ROUTE_JSON | ROUTE_BODY_REQUIRED, {0} },
	{ HTTP_GET,    "/mcp/servers", h_workflow_list, S_READ, 0, 0, {0} },
	{ HTTP_GET,    "/mcp/servers/:serverId", h_workflow_get, S_READ, 0, 0,
	    { PARAM_SERVER_ID } },
	{ HTTP_PUT,    "/mcp/servers/:serverId", h_workflow_put, S_WRITE, MB,
	    ROUTE_JSON | ROUTE_BODY_REQUIRED, { PARAM_SERVER_ID } },
	{ HTTP_DELETE, "/mcp/servers/:serverId", h_workflow_delete, S_WRITE, KB,
	    ROUTE_JSON, { PARAM_SERVER_ID } },
	{ HTTP_PUT,    "/mcp/servers/:serverId/secrets/:name", h_secret_put, S_WRITE,
	    16 * KB, ROUTE_JSON | ROUTE_BODY_REQUIRED, { PARAM_SERVER_ID, PARAM_NAME } },
	{ HTTP_DELETE, "/mcp/servers/:serverId/secrets/:name", h_secret_delete, S_WRITE,
	    0, 0, { PARAM_SERVER_ID, PARAM_NAME } },
	{ HTTP_GET,    "/mcp/servers/:serverId/secrets", h_secret_list, S_READ, 0, 0,
	    { PARAM_SERVER_ID } },
	{ HTTP_POST,   "/mcp/servers/:serverId/runtime/start", h_runtime_start, S_RUN,
	    KB, ROUTE_JSON, { PARAM_SERVER_ID } },
	{ HTTP_POST,   "/mcp/servers/:serverId/runtime/stop", h_runtime_stop, S_RUN,
	    KB, ROUTE_JSON, { PARAM_SERVER_ID } },
	{ HTTP_GET,    "/mcp/servers/:serverId/runtime", h_runtime_get, S_READ, 0, 0,
	    { PARAM_SERVER_ID } },
	{ HTTP_POST,   "/mcp/servers/:serverId/run", h_run, S_RUN, MB, ROUTE_JSON,
	    { PARAM_SERVER_ID } },
	{ HTTP_GET,    "/mcp/servers/:serverId/executions", h_execution_list, S_READ,
	    0, 0, { PARAM_SERVER_ID } },
	{ HTTP_GET,    "/api/v1/executions/:executionId", h_execution_get, S_READ, 0, 0,
	    { PARAM_EXEC_ID } },
	{ HTTP_POST,   "/mcp/servers/:serverId/executions", h_execute_async, S_RUN, MB,
	    ROUTE_JSON, { PARAM_SERVER_ID } },
	{ HTTP_POST,   "/api/v1/executions/:executionId/pause", h_execution_pause, S_RUN,
	    KB, ROUTE_JSON, { PARAM_EXEC_ID } },
	{ HTTP_POST,   "/api/v1/executions/:executionId/resume", h_execution_resume, S_RUN,
	    KB, ROUTE_JSON, { PARAM_EXEC_ID } },
	{ HTTP_POST,   "/api/v1/executions/:executionId/cancel", h_execution_cancel, S_RUN,
	    KB, ROUTE_JSON, { PARAM_EXEC_ID } },
	{ HTTP_GET,    "/api/v1/interventions", h_interventions_open, S_READ, 0, 0, {0} },
	{ HTTP_GET,    "/api/v1/executions/:executionId/interventions", h_interventions,
	    S_READ, 0, 0, { PARAM_EXEC_ID } },
	{ HTTP_POST,   "/api/v1/executions/:executionId/interventions/:interventionId",
	    h_intervention_answer, S_READ, 64 * KB, ROUTE_JSON | ROUTE_BODY_REQUIRED,
	    { PARAM_EXEC_ID, PARAM_INTERVENTION_ID } },
	/* Approval links: public, the token is the credential. */
	{ HTTP_GET,    "/api/v1/links/:token", h_link_get, 0, 0, 0, { PARAM_LINK } },
	{ HTTP_POST,   "/api/v1/links/:token", h_link_answer, 0, 64 * KB,
	    ROUTE_JSON | ROUTE_BODY_REQUIRED, { PARAM_LINK } },
	{ HTTP_GET,    "/api/v1/tools", h_tool_catalog, S_READ, 0, 0, {0} },
	/* Schema discovery: a workflow's schemas, a tool type, a key's rights. */
	{ HTTP_GET,    "/mcp/servers/:serverId/schema", h_workflow_schema, S_READ, 0, 0,
	    { PARAM_SERVER_ID } },
	{ HTTP_GET,    "/api/v1/tools/:type", h_tool_type, S_READ, 0, 0, { PARAM_TOOL_TYPE } },
	{ HTTP_GET,    "/api/v1/me", h_me, S_READ, 0, 0, {0} },
	{ HTTP_POST,   "/api/v1/chat", h_chat, S_WRITE, 16 * KB,
	    ROUTE_JSON | ROUTE_BODY_REQUIRED, {0} },
	{ HTTP_POST,   "/mcp/servers/:serverId/deploy", h_deploy, S_DEPLOY, KB,
	    ROUTE_JSON, { PARAM_SERVER_ID } },
	{ HTTP_DELETE, "/mcp/servers/:serverId/deploy", h_undeploy, S_DEPLOY, KB,
	    ROUTE_JSON, { PARAM_SERVER_ID } },
	{ HTTP_POST,   "/mcp/servers/:serverId/redeploy", h_redeploy, S_DEPLOY, KB,
	    ROUTE_JSON, { PARAM_SERVER_ID } },
	{ HTTP_POST,   "/mcp/servers/:serverId/rollback", h_rollback, S_DEPLOY, KB,
	    ROUTE_JSON | ROUTE_BODY_REQUIRED, { PARAM_SERVER_ID } },
	{ HTTP_GET,    "/mcp/servers/:serverId/deployments", h_deployments, S_READ, 0, 0,
	    { PARAM_SERVER_ID } },
	/* Orchestrix as an MCP server (Streamable HTTP; lib/mcp/ reads the body). */
	{ HTTP_POST,   "/mcp", h_mcp, S_READ, MB, 0, {0} },
	{ HTTP_GET,    "/mcp", h_mcp, S_READ, 0, 0, {0} },
	{ HTTP_DELETE, "/mcp", h_mcp, S_READ, 0, 0, {0} },
	{ 0, NULL, NULL, 0, 0, 0, {0} }
};

/* The seed's ownerId (body or query) must be the key's owner on every route. */
static const struct router router = { routes, orx_authenticate, "ownerId", NULL };

/*
 * GET /api/v1/me: the key's owner and scopes, and every route they allow
 * (those of the table above whose scope the key carries; public ones too).
 */
static int
h_me(struct req *r, struct resp *w)
{
	int first = 1;

	buf_puts(&w->body, "{\"ownerId\":");
	buf_put_json_string(&w->body, r->auth.owner_id, strlen(r->auth.owner_id));
	buf_puts(&w->body, ",\"keyId\":");
	buf_put_json_string(&w->body, r->auth.key_id, strlen(r->auth.key_id));
	buf_puts(&w->body, ",\"scopes\":[");
	for (int i = 0; i < SCOPE__MAX; i++)
		if (r->auth.scopes & (1u << i)) {
			buf_printf(&w->body, "%s\"%s\"", first ? "" : ",", scope_names[i]);
			first = 0;
		}
	buf_puts(&w->body, "],\"allows\":[");
	first = 1;
	for (const struct route *rt = routes; rt->pattern != NULL; rt++) {
		if ((r->auth.scopes & rt->scope) != rt->scope)
			continue;
		buf_printf(&w->body, "%s{\"method\":\"%s\",\"path\":\"%s\"}", first ? "" : ",",
		    http_method_names[rt->method], rt->pattern);
		first = 0;
	}
	buf_puts(&w->body, "]}");
	w->status = HTTP_OK;
	return HTTP_OK;
}

static const struct program program = {
	.name = "orchestrix",
	.router = &router,
	.worker_init = orx_worker_init,
	.worker_fini = orx_worker_fini,
	.executor = ops_executor,
	.helper = orx_event_hub,
	.helper_name = "orx-events",
	.secrets = "workflow secrets",
};

int
main(int argc, char **argv)
{
	return server_main(&program, argc, argv);
}
