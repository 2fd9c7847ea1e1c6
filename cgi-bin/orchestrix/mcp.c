/*
 * Orchestrix's own MCP endpoint, /mcp (SPEC §8; the seeds' Orgata
 * adapter): an assistant lists, creates, runs and deploys workflows, reads
 * workflows and executions as resources, and uses two prompts.
 *
 * Every tool is a route of this program called in-process: the tool's
 * arguments become the route's path parameter, query and body; the route's
 * answer becomes the tool's result (structuredContent and the same JSON as
 * text), and a route's 4xx/5xx a result with isError. So MCP can do
 * exactly what the REST API does for the same key, with the same checks,
 * and nothing twice.
 */
#include <stdio.h>
#include <string.h>

#include "mcp.h"
#include "orchestrix.h"

/* Builds a tool's query and body from its (type-checked) arguments. */
typedef int (*args_fn)(struct mcp_ctx *, struct json_object *args,
    const char **query, struct json_object **body);

struct orx_tool {
	const char	*name;
	const char	*title;
	const char	*description;
	const char	*input_schema;	/* JSON text */
	unsigned	 scope;
	enum http_method method;
	route_handler	 handler;
	const char	*id_arg;	/* argument that is the path parameter */
	enum param_kind	 id_kind;
	args_fn		 args;		/* NULL: no query, no body */
};

/* "limit" and "cursor" arguments as the list routes' query. */
static int
args_page(struct mcp_ctx *ctx, struct json_object *args, const char **query,
    struct json_object **body)
{
	struct json_object *lim = json_object_object_get(args, "limit");
	struct json_object *cur = json_object_object_get(args, "cursor");
	struct buf q;

	(void)body;
	if (lim != NULL && !json_object_is_type(lim, json_type_int))
		return mcp_fail(ctx, MCP_INVALID_PARAMS, "limit must be an integer");
	if (cur != NULL && !json_object_is_type(cur, json_type_string))
		return mcp_fail(ctx, MCP_INVALID_PARAMS, "cursor must be a string");
	buf_init(&q, ctx->arena, 64);
	if (lim != NULL)
		buf_printf(&q, "limit=%lld", (long long)json_object_get_int64(lim));
	if (cur != NULL) {
		const char *c = json_object_get_string(cur);
		if (strspn(c, "0123456789") != strlen(c) || strlen(c) > 18)
			return mcp_fail(ctx, MCP_INVALID_PARAMS,
			    "cursor must be a value returned as nextCursor");
		buf_printf(&q, "%scursor=%s", lim != NULL ? "&" : "", c);
	}
	buf_putc(&q, '\0');
	*query = q.data;
	return 0;
}

/* create_workflow: exactly one of "prompt" (text) and "workflow" (a document). */
static int
args_create(struct mcp_ctx *ctx, struct json_object *args, const char **query,
    struct json_object **body)
{
	struct json_object *prompt = json_object_object_get(args, "prompt");
	struct json_object *doc = json_object_object_get(args, "workflow");

	(void)query;
	if ((prompt == NULL) == (doc == NULL))
		return mcp_fail(ctx, MCP_INVALID_PARAMS,
		    "give either prompt (a description) or workflow (a document)");
	if (prompt != NULL) {
		if (!json_object_is_type(prompt, json_type_string))
			return mcp_fail(ctx, MCP_INVALID_PARAMS, "prompt must be a string");
		*body = json_object_new_object();
		json_object_object_add(*body, "prompt", json_object_get(prompt));
	} else {
		if (!json_object_is_type(doc, json_type_object))
			return mcp_fail(ctx, MCP_INVALID_PARAMS, "workflow must be an object");
		*body = json_object_get(doc);
	}
	return 0;
}

/* run_workflow: {"input": input or {}}. */
static int
args_run(struct mcp_ctx *ctx, struct json_object *args, const char **query,
    struct json_object **body)
{
	struct json_object *in = json_object_object_get(args, "input");

	(void)query;
	if (in != NULL && !json_object_is_type(in, json_type_object))
		return mcp_fail(ctx, MCP_INVALID_PARAMS, "input must be an object");
	*body = json_object_new_object();
	json_object_object_add(*body, "input", in != NULL ? json_object_get(in) :
	    json_object_new_object());
	return 0;
}

#define SERVER_ID_ARG \
	"\"serverId\":{\"type\":\"string\",\"pattern\":\"^mcp_[a-z0-9]{8,64}$\"," \
	"\"description\":\"The workflow's id\"}"
#define PAGE_ARGS \
	"\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100}," \
	"\"cursor\":{\"type\":\"string\",\"description\":\"nextCursor of the previous page\"}"

static const struct orx_tool tools[] = {
	{ "list_workflows", "List workflows",
	  "Lists the workflows of the API key's owner, newest first, a page at a time.",
	  "{\"type\":\"object\",\"properties\":{" PAGE_ARGS "},\"additionalProperties\":false}",
	  S_READ, HTTP_GET, h_workflow_list, NULL, PARAM__MAX, args_page },
	{ "get_workflow", "Get a workflow",
	  "The workflow document: tools, execution order, input schema, version and, "
	  "once deployed, its Archestra agent and endpoint.",
	  "{\"type\":\"object\",\"properties\":{" SERVER_ID_ARG "},"
	  "\"required\":[\"serverId\"],\"additionalProperties\":false}",
	  S_READ, HTTP_GET, h_workflow_get, "serverId", PARAM_SERVER_ID, NULL },
	{ "create_workflow", "Create a workflow",
	  "Creates a workflow from a description (prompt, e.g. \"a sign up api with name, "
	  "email and password\") or from a whole workflow document (workflow).",
	  "{\"type\":\"object\",\"properties\":{"
	  "\"prompt\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":4000},"
	  "\"workflow\":{\"type\":\"object\",\"description\":\"A workflow document (SPEC §3)\"}},"
	  "\"additionalProperties\":false}",
	  S_WRITE, HTTP_POST, h_workflow_create, NULL, PARAM__MAX, args_create },
	{ "start_runtime", "Start the local runtime",
	  "Starts the workflow's local runtime, which run_workflow needs.",
	  "{\"type\":\"object\",\"properties\":{" SERVER_ID_ARG "},"
	  "\"required\":[\"serverId\"],\"additionalProperties\":false}",
	  S_RUN, HTTP_POST, h_runtime_start, "serverId", PARAM_SERVER_ID, NULL },
	{ "run_workflow", "Run a workflow locally",
	  "Runs the workflow on an input with its local runtime (start_runtime first) and "
	  "answers with the execution: status, output, per-step records and logs.",
	  "{\"type\":\"object\",\"properties\":{" SERVER_ID_ARG ","
	  "\"input\":{\"type\":\"object\",\"description\":\"The workflow's input\"}},"
	  "\"required\":[\"serverId\"],\"additionalProperties\":false}",
	  S_RUN, HTTP_POST, h_run, "serverId", PARAM_SERVER_ID, args_run },
	{ "deploy_workflow", "Deploy to Archestra",
	  "Deploys the workflow's current version: it becomes a public HTTP endpoint and an "
	  "MCP server. Answers with the agent id, endpoint and dashboard URL.",
	  "{\"type\":\"object\",\"properties\":{" SERVER_ID_ARG "},"
	  "\"required\":[\"serverId\"],\"additionalProperties\":false}",
	  S_DEPLOY, HTTP_POST, h_deploy, "serverId", PARAM_SERVER_ID, NULL },
	{ "list_executions", "List executions",
	  "Lists the workflow's local executions, newest first.",
	  "{\"type\":\"object\",\"properties\":{" SERVER_ID_ARG "," PAGE_ARGS "},"
	  "\"required\":[\"serverId\"],\"additionalProperties\":false}",
	  S_READ, HTTP_GET, h_execution_list, "serverId", PARAM_SERVER_ID, args_page },
};
#define NTOOLS	(sizeof(tools) / sizeof(tools[0]))

/*
 * Calls handler in-process as the route method path would be called, with
 * id as its path parameter, and answers with its status; *body_out is the
 * answer's body (arena-owned, NUL-terminated).
 */
static int
call_route(struct mcp_ctx *ctx, enum http_method method, route_handler handler,
    const char *id, const char *query, struct json_object *body,
    const char **body_out)
{
	struct req sub = *ctx->req;
	struct resp tmp;

	sub.method = method;
	sub.query = query != NULL ? query : "";
	memset(sub.param, 0, sizeof(sub.param));
	sub.nparam = 0;
	if (id != NULL) {
		sub.param[0] = id;
		sub.nparam = 1;
	}
	sub.json = body;
	sub.body = NULL;
	sub.body_len = 0;
	sub.content_length = -1;
	resp_init(&tmp, ctx->arena);
	handler(&sub, &tmp);
	buf_putc(&tmp.body, '\0');
	*body_out = tmp.body.data != NULL ? tmp.body.data : "";
	return tmp.status;
}

static int
orx_tools_list(struct mcp_ctx *ctx, struct json_object *params,
    struct json_object *result)
{
	struct json_object *list = json_object_new_array();

	(void)ctx;
	(void)params;
	for (size_t i = 0; i < NTOOLS; i++) {
		struct json_object *t = json_object_new_object();
		json_object_object_add(t, "name", json_object_new_string(tools[i].name));
		json_object_object_add(t, "title", json_object_new_string(tools[i].title));
		json_object_object_add(t, "description",
		    json_object_new_string(tools[i].description));
		json_object_object_add(t, "inputSchema",
		    json_tokener_parse(tools[i].input_schema));
		json_object_array_add(list, t);
	}
	json_object_object_add(result, "tools", list);
	return 0;
}

static int
orx_tools_call(struct mcp_ctx *ctx, struct json_object *params,
    struct json_object *result)
{
	const char *name = params ? json_get_str(params, "name") : NULL;
	struct json_object *args = params ? json_object_object_get(params, "arguments") : NULL;
	struct json_object *body = NULL, *parsed;
	const struct orx_tool *t = NULL;
	const char *query = NULL, *id = NULL, *out;
	int status, rc;

	for (size_t i = 0; name != NULL && i < NTOOLS; i++)
		if (strcmp(tools[i].name, name) == 0)
			t = &tools[i];
	if (t == NULL)
		return mcp_fail(ctx, MCP_INVALID_PARAMS, "unknown tool: %s",
		    name ? name : "(none)");
	if (args != NULL && !json_object_is_type(args, json_type_object))
		return mcp_fail(ctx, MCP_INVALID_PARAMS, "arguments must be an object");
	if (args == NULL) {
		args = json_object_new_object();
		arena_defer(ctx->arena, json_put_cb, args);
	}
	if (t->id_arg != NULL) {
		id = json_get_str(args, t->id_arg);
		if (id == NULL || !param_valid(t->id_kind, id))
			return mcp_fail(ctx, MCP_INVALID_PARAMS, "%s must be a %s id",
			    t->id_arg, t->id_kind == PARAM_SERVER_ID ? "workflow" : "valid");
	}
	if (t->args != NULL && (rc = t->args(ctx, args, &query, &body)) != 0)
		return rc;
	if (body != NULL)
		arena_defer(ctx->arena, json_put_cb, body);
	if ((ctx->req->auth.scopes & t->scope) != t->scope) {
		mcp_tool_text(result, 1, "this API key may not %s (it lacks the scope)",
		    t->title);
		return 0;
	}
	status = call_route(ctx, t->method, t->handler, id, query, body, &out);
	mcp_content_add(result, mcp_text_item(out));
	if (status >= 400) {
		json_object_object_add(result, "isError", json_object_new_boolean(1));
		return 0;
	}
	if ((parsed = json_tokener_parse(out)) != NULL &&
	    json_object_is_type(parsed, json_type_object))
		json_object_object_add(result, "structuredContent", parsed);
	else
		json_object_put(parsed);
	return 0;
}

/* --- resources ----------------------------------------------------------- */

#define WF_URI		"orchestrix://workflow/"
#define EXE_URI		"orchestrix://execution/"

static struct json_object *
resource_item(const char *uri, const char *name, const char *title,
    const char *desc)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "uri", json_object_new_string(uri));
	json_object_object_add(o, "name", json_object_new_string(name));
	if (title != NULL)
		json_object_object_add(o, "title", json_object_new_string(title));
	if (desc != NULL)
		json_object_object_add(o, "description", json_object_new_string(desc));
	json_object_object_add(o, "mimeType", json_object_new_string("application/json"));
	return o;
}

/* The owner's workflows, a page of list_workflows at a time. */
static int
orx_resources_list(struct mcp_ctx *ctx, struct json_object *params,
    struct json_object *result)
{
	const char *cursor = params ? json_get_str(params, "cursor") : NULL;
	struct json_object *page, *items, *list = json_object_new_array();
	const char *out, *next;
	char query[64];
	size_t n;

	if (cursor != NULL && (strspn(cursor, "0123456789") != strlen(cursor) ||
	    strlen(cursor) > 18)) {
		json_object_put(list);
		return mcp_fail(ctx, MCP_INVALID_PARAMS, "cursor is not one this server gave");
	}
	snprintf(query, sizeof(query), "limit=50%s%s", cursor ? "&cursor=" : "",
	    cursor ? cursor : "");
	if (call_route(ctx, HTTP_GET, h_workflow_list, NULL, query, NULL, &out) != HTTP_OK ||
	    (page = json_tokener_parse(out)) == NULL) {
		json_object_put(list);
		return mcp_fail(ctx, MCP_INTERNAL_ERROR, "the workflows cannot be listed now");
	}
	items = json_get(page, "items", json_type_array);
	n = items ? json_object_array_length(items) : 0;
	for (size_t i = 0; i < n; i++) {
		struct json_object *wf = json_object_array_get_idx(items, i);
		const char *sid = json_get_str(wf, "serverId");
		if (sid == NULL)
			continue;
		json_object_array_add(list, resource_item(
		    arena_printf(ctx->arena, WF_URI "%s", sid), sid,
		    json_get_str(wf, "name"), json_get_str(wf, "description")));
	}
	json_object_object_add(result, "resources", list);
	if ((next = json_get_str(page, "nextCursor")) != NULL)
		json_object_object_add(result, "nextCursor", json_object_new_string(next));
	json_object_put(page);
	return 0;
}

static int
orx_resources_templates_list(struct mcp_ctx *ctx, struct json_object *params,
    struct json_object *result)
{
	struct json_object *list = json_object_new_array(), *t;

	(void)ctx;
	(void)params;
	t = json_object_new_object();
	json_object_object_add(t, "uriTemplate", json_object_new_string(WF_URI "{serverId}"));
	json_object_object_add(t, "name", json_object_new_string("workflow"));
	json_object_object_add(t, "description", json_object_new_string(
	    "A workflow document, as GET /mcp/servers/{serverId} answers it"));
	json_object_object_add(t, "mimeType", json_object_new_string("application/json"));
	json_object_array_add(list, t);
	t = json_object_new_object();
	json_object_object_add(t, "uriTemplate", json_object_new_string(EXE_URI "{executionId}"));
	json_object_object_add(t, "name", json_object_new_string("execution"));
	json_object_object_add(t, "description", json_object_new_string(
	    "An execution with its steps and logs, as GET /api/v1/executions/{id} answers it"));
	json_object_object_add(t, "mimeType", json_object_new_string("application/json"));
	json_object_array_add(list, t);
	json_object_object_add(result, "resourceTemplates", list);
	return 0;
}

/*
 * Reads uri through its route; 0 with *text set, or the JSON-RPC error
 * (unknown scheme or id: -32602; not found: -32002).
 */
static int
read_uri(struct mcp_ctx *ctx, const char *uri, const char **text)
{
	route_handler h;
	enum param_kind kind;
	const char *id;
	int status;

	if (uri != NULL && strncmp(uri, WF_URI, strlen(WF_URI)) == 0) {
		id = uri + strlen(WF_URI);
		kind = PARAM_SERVER_ID;
		h = h_workflow_get;
	} else if (uri != NULL && strncmp(uri, EXE_URI, strlen(EXE_URI)) == 0) {
		id = uri + strlen(EXE_URI);
		kind = PARAM_EXEC_ID;
		h = h_execution_get;
	} else
		return mcp_fail(ctx, MCP_INVALID_PARAMS, "unknown resource: %s",
		    uri ? uri : "(none)");
	if (!param_valid(kind, id))
		return mcp_fail(ctx, MCP_RESOURCE_NOT_FOUND, "resource not found: %s", uri);
	status = call_route(ctx, HTTP_GET, h, id, NULL, NULL, text);
	if (status == HTTP_NOT_FOUND)
		return mcp_fail(ctx, MCP_RESOURCE_NOT_FOUND, "resource not found: %s", uri);
	if (status != HTTP_OK)
		return mcp_fail(ctx, MCP_INTERNAL_ERROR, "the resource cannot be read now");
	return 0;
}

static int
orx_resources_read(struct mcp_ctx *ctx, struct json_object *params,
    struct json_object *result)
{
	const char *uri = params ? json_get_str(params, "uri") : NULL, *text;
	struct json_object *contents, *c;
	int rc;

	if ((rc = read_uri(ctx, uri, &text)) != 0)
		return rc;
	c = json_object_new_object();
	json_object_object_add(c, "uri", json_object_new_string(uri));
	json_object_object_add(c, "mimeType", json_object_new_string("application/json"));
	json_object_object_add(c, "text", json_object_new_string(text));
	contents = json_object_new_array();
	json_object_array_add(contents, c);
	json_object_object_add(result, "contents", contents);
	return 0;
}

/* --- prompts ------------------------------------------------------------- */

static struct json_object *
prompt_arg(const char *name, const char *desc)
{
	struct json_object *a = json_object_new_object();

	json_object_object_add(a, "name", json_object_new_string(name));
	json_object_object_add(a, "description", json_object_new_string(desc));
	json_object_object_add(a, "required", json_object_new_boolean(1));
	return a;
}

static int
orx_prompts_list(struct mcp_ctx *ctx, struct json_object *params,
    struct json_object *result)
{
	struct json_object *list = json_object_new_array(), *p, *args;

	(void)ctx;
	(void)params;
	p = json_object_new_object();
	json_object_object_add(p, "name", json_object_new_string("design_workflow"));
	json_object_object_add(p, "title", json_object_new_string("Design a workflow"));
	json_object_object_add(p, "description", json_object_new_string(
	    "Turns a description of an API into an Orchestrix workflow, step by step"));
	args = json_object_new_array();
	json_object_array_add(args, prompt_arg("description",
	    "What the API should do, e.g. a sign up api with name, email and password"));
	json_object_object_add(p, "arguments", args);
	json_object_array_add(list, p);
	p = json_object_new_object();
	json_object_object_add(p, "name", json_object_new_string("review_execution"));
	json_object_object_add(p, "title", json_object_new_string("Review an execution"));
	json_object_object_add(p, "description", json_object_new_string(
	    "Explains what happened in one execution and what to change if it failed"));
	args = json_object_new_array();
	json_object_array_add(args, prompt_arg("executionId", "The execution's id (exe_...)"));
	json_object_object_add(p, "arguments", args);
	json_object_array_add(list, p);
	json_object_object_add(result, "prompts", list);
	return 0;
}

static int
orx_prompts_get(struct mcp_ctx *ctx, struct json_object *params,
    struct json_object *result)
{
	const char *name = params ? json_get_str(params, "name") : NULL;
	struct json_object *args = params ? json_get(params, "arguments", json_type_object) : NULL;
	struct json_object *messages;

	if (name != NULL && strcmp(name, "design_workflow") == 0) {
		const char *desc = args ? json_get_str(args, "description") : NULL;
		if (desc == NULL || *desc == '\0')
			return mcp_fail(ctx, MCP_INVALID_PARAMS, "description is required");
		messages = json_object_new_array();
		mcp_prompt_message(messages, mcp_text_item(arena_printf(ctx->arena,
		    "Design an Orchestrix workflow for this API: %s\n\n"
		    "A workflow is a graph of declarative tools run in executionOrder. Tool "
		    "types: input, validate, transform, db_insert, db_find, password_hash, "
		    "password_verify, jwt_sign, jwt_verify, http_request, condition, approval, "
		    "response. Templates read {{input.field}}, {{steps.<toolId>.<path>}}, "
		    "{{secrets.<name>}} and {{env.now}}.\n\n"
		    "First call create_workflow with a short prompt (e.g. \"a sign up api with "
		    "name, email and password\"), read the result with get_workflow, check every "
		    "field of the input schema against the description, then start_runtime and "
		    "run_workflow with a realistic input. Report what each step does and the "
		    "output; deploy_workflow only when the user asks.", desc)));
		json_object_object_add(result, "description", json_object_new_string(
		    "Design a workflow"));
		json_object_object_add(result, "messages", messages);
		return 0;
	}
	if (name != NULL && strcmp(name, "review_execution") == 0) {
		const char *exe = args ? json_get_str(args, "executionId") : NULL, *text;
		struct json_object *res, *r;
		char *uri;
		int rc;
		if (exe == NULL || !param_valid(PARAM_EXEC_ID, exe))
			return mcp_fail(ctx, MCP_INVALID_PARAMS, "executionId must be an execution id");
		uri = arena_printf(ctx->arena, EXE_URI "%s", exe);
		if ((rc = read_uri(ctx, uri, &text)) != 0)
			return rc == MCP_RESOURCE_NOT_FOUND ? mcp_fail(ctx, MCP_INVALID_PARAMS,
			    "no such execution: %s", exe) : rc;
		messages = json_object_new_array();
		mcp_prompt_message(messages, mcp_text_item(
		    "Review this Orchestrix execution. Say whether it succeeded, what each step "
		    "did and how long it took, and, if it failed, which step failed, why, and "
		    "what to change in the workflow or the input."));
		r = json_object_new_object();
		json_object_object_add(r, "uri", json_object_new_string(uri));
		json_object_object_add(r, "mimeType", json_object_new_string("application/json"));
		json_object_object_add(r, "text", json_object_new_string(text));
		res = json_object_new_object();
		json_object_object_add(res, "type", json_object_new_string("resource"));
		json_object_object_add(res, "resource", r);
		mcp_prompt_message(messages, res);
		json_object_object_add(result, "description", json_object_new_string(
		    "Review an execution"));
		json_object_object_add(result, "messages", messages);
		return 0;
	}
	return mcp_fail(ctx, MCP_INVALID_PARAMS, "unknown prompt: %s", name ? name : "(none)");
}

static const struct mcp_server orx_server = {
	.name = "orchestrix",
	.title = "Orchestrix",
	.version = "1.0.0",
	.instructions = "Build APIs as workflows: create_workflow from a description, "
	    "get_workflow to read it, start_runtime then run_workflow to test it, "
	    "deploy_workflow to publish it as an endpoint and MCP server. Workflows and "
	    "executions are also resources (orchestrix://workflow/{serverId}, "
	    "orchestrix://execution/{executionId}).",
	.tools_list = orx_tools_list,
	.tools_call = orx_tools_call,
	.resources_list = orx_resources_list,
	.resources_read = orx_resources_read,
	.resources_templates_list = orx_resources_templates_list,
	.prompts_list = orx_prompts_list,
	.prompts_get = orx_prompts_get,
};

/* POST, GET and DELETE /mcp (API key as Bearer, checked by the router). */
int
h_mcp(struct req *r, struct resp *w)
{
	return mcp_handle(&orx_server, NULL, r, w);
}
