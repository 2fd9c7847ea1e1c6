/*
 * A deployed agent as an MCP server (SPEC §6, §8): /agents/:agentId/mcp,
 * Streamable HTTP through lib/mcp/. The agent is one tool: its name comes
 * from the workflow's, its inputSchema is the workflow's, its outputSchema
 * the response tool's when it declares one. A call runs the graph exactly
 * as the public endpoint does (rt_agent, rt_run: same key, same log), so a
 * validation failure is a tool result with isError, not a protocol error.
 * The agent is resolved once per request and handed to the handlers as
 * ctx->user (they call nothing that could evict it from the plan cache).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "crypto.h"
#include "mcp.h"
#include "runtime.h"
#include "workflow.h"

#define TOOL_NAME_MAX	64

/*
 * The tool's name: the workflow's name lowered, every run of characters
 * outside [a-z0-9] turned into one '_' (MCP names are [A-Za-z0-9_.-]).
 * "Sign up" → "sign_up"; a name with nothing usable gives "run".
 */
static void
tool_name(const char *wf_name, char out[TOOL_NAME_MAX + 1])
{
	size_t n = 0;
	int gap = 0;

	for (const char *s = wf_name ? wf_name : ""; *s != '\0' && n < TOOL_NAME_MAX; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) && c < 0x80) {
			if (gap && n > 0 && n < TOOL_NAME_MAX - 1)
				out[n++] = '_';
			out[n++] = (char)tolower(c);
			gap = 0;
		} else
			gap = 1;
	}
	if (n == 0)
		memcpy(out, "run", n = 3);
	out[n] = '\0';
}

static int
agent_tools_list(struct mcp_ctx *ctx, struct json_object *params,
    struct json_object *result)
{
	const struct plan *p = ctx->user;
	struct json_object *tools, *t, *in, *os;
	const char *name, *desc;
	char tn[TOOL_NAME_MAX + 1];

	(void)params;
	name = json_get_str(p->doc, "name");
	desc = json_get_str(p->doc, "description");
	tool_name(name, tn);
	t = json_object_new_object();
	json_object_object_add(t, "name", json_object_new_string(tn));
	if (name != NULL)
		json_object_object_add(t, "title", json_object_new_string(name));
	json_object_object_add(t, "description", json_object_new_string(
	    desc != NULL && *desc != '\0' ? desc : "Runs the deployed workflow"));
	in = json_get(p->doc, "inputSchema", json_type_object);
	json_object_object_add(t, "inputSchema", in != NULL ? json_object_get(in) :
	    json_tokener_parse("{\"type\":\"object\"}"));
	if ((os = workflow_output_schema(p->doc)) != NULL)
		json_object_object_add(t, "outputSchema", json_object_get(os));
	tools = json_object_new_array();
	json_object_array_add(tools, t);
	json_object_object_add(result, "tools", tools);
	return 0;
}

/*
 * tools/call: the run's output becomes structuredContent (an object, as MCP
 * requires: anything else is wrapped as {"result": ...}) and the same JSON
 * as text. A failed run, or a response with a 4xx/5xx status, is a result
 * with isError and the error envelope as text (no structuredContent, which
 * a client would check against the outputSchema).
 */
static int
agent_tools_call(struct mcp_ctx *ctx, struct json_object *params,
    struct json_object *result)
{
	struct plan *p = ctx->user;
	struct json_object *args, *sc;
	struct exec_result res;
	const char *name = params ? json_get_str(params, "name") : NULL;
	char tn[TOOL_NAME_MAX + 1];

	tool_name(json_get_str(p->doc, "name"), tn);
	if (name == NULL || strcmp(name, tn) != 0)
		return mcp_fail(ctx, MCP_INVALID_PARAMS, "unknown tool: %s (this agent has %s)",
		    name ? name : "(none)", tn);
	args = params ? json_object_object_get(params, "arguments") : NULL;
	if (args != NULL && !json_object_is_type(args, json_type_object))
		return mcp_fail(ctx, MCP_INVALID_PARAMS, "arguments must be an object");
	if (args == NULL) {
		args = json_object_new_object();
		arena_defer(ctx->arena, json_put_cb, args);
	}
	if (rt_run(ctx->req, p, args, "mcp", &res) == -1)
		return mcp_fail(ctx, MCP_INTERNAL_ERROR, "the agent cannot run");
	if (res.status == EXEC_SUCCEEDED && res.http_status < 400) {
		const char *text = res.output ? json_text(ctx->arena, res.output, NULL) : "null";
		mcp_content_add(result, mcp_text_item(text));
		if (res.output != NULL && json_object_is_type(res.output, json_type_object))
			sc = json_object_get(res.output);
		else {
			sc = json_object_new_object();
			json_object_object_add(sc, "result", json_object_get(res.output));
		}
		json_object_object_add(result, "structuredContent", sc);
	} else {
		struct json_object *env = json_object_new_object(), *e = res.error;
		if (e == NULL && res.output != NULL)
			e = res.output;   /* a response tool that answered an error */
		json_object_object_add(env, "status", json_object_new_int(res.http_status));
		json_object_object_add(env, "error", e ? json_object_get(e) : NULL);
		mcp_content_add(result, mcp_text_item(arena_strdup(ctx->arena,
		    json_plain(env))));
		json_object_object_add(result, "isError", json_object_new_boolean(1));
		json_object_put(env);
	}
	exec_result_free(&res);
	return 0;
}

static const struct mcp_server agent_server = {
	.name = "orchestrix-agent",
	.title = "Orchestrix agent",
	.version = "1.0.0",
	.flags = MCP_TOOLS_LIST_CHANGED,   /* sent when the agent is redeployed */
	.instructions = "One tool: the deployed workflow. Call it with the workflow's "
	    "input; the result carries what the workflow answers.",
	.tools_list = agent_tools_list,
	.tools_call = agent_tools_call,
};

/*
 * POST, GET and DELETE /agents/:agentId/mcp. The agent must exist, and its
 * access key, when it has one, is required as Bearer on every request. A
 * request refused (malformed JSON-RPC, no session, ...) is logged as a call
 * on channel mcp; a tools/call is logged by its run.
 */
int
h_agent_mcp(struct req *r, struct resp *w)
{
	struct plan *p;
	int st, version;
	char id[80];

	if ((p = rt_agent(r, w, "mcp", &st)) == NULL)
		return st;
	/* The plan may leave the cache during the request: keep what the log needs. */
	snprintf(id, sizeof(id), "%s", p->id);
	version = p->version;
	if ((st = mcp_handle(&agent_server, p, r, w)) >= 400)
		rt_log_call(r, id, version, "mcp", st, mono_us() - r->started_us,
		    wall_us(), http_reason(st));
	return st;
}
