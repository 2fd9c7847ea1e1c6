/*
 * Orchestrix's own MCP endpoint, /mcp (SPEC §8; the seeds' Orgata
 * adapter): an assistant lists, creates, runs and deploys workflows, reads
 * workflows and executions as resources, and uses two prompts.
 *
 * Every tool calls the operation its REST route calls (lib/ops/), with the
 * tool's arguments as the operation's data; the operation's answer becomes
 * the tool's result (structuredContent and the same JSON as text), and a
 * refusal a result with isError. So MCP can do exactly what the REST API
 * does for the same key, with the same checks (the operations check the
 * key's scopes), and nothing twice.
 */
#include <stdio.h>
#include <string.h>

#include "mcp.h"
#include "orchestrix.h"

/*
 * A tool's call of its operation, with its (type-checked) arguments; the
 * path id is checked already. Returns 0 with res filled, or a JSON-RPC
 * error from mcp_fail() for arguments that do not fit.
 */
typedef int (*tool_fn)(struct mcp_ctx *, const struct op_env *, const struct op_caller *,
    const char *id, struct json_object *args, struct op_result *);

struct orx_tool {
	const char	*name;
	const char	*title;
	const char	*description;
	const char	*input_schema;	/* JSON text */
	const char	*id_arg;	/* argument that is the workflow id, or NULL */
	tool_fn		 call;
};

/* "limit" and "cursor" arguments of the list tools. */
static int
args_page(struct mcp_ctx *ctx, struct json_object *args, long long *limit,
    long long *cursor)
{
	struct json_object *lim = json_object_object_get(args, "limit");
	struct json_object *cur = json_object_object_get(args, "cursor");

	*limit = OP_LIST_DEFAULT;
	*cursor = 0;
	if (lim != NULL && !json_object_is_type(lim, json_type_int))
		return mcp_fail(ctx, MCP_INVALID_PARAMS, "limit must be an integer");
	if (cur != NULL && !json_object_is_type(cur, json_type_string))
		return mcp_fail(ctx, MCP_INVALID_PARAMS, "cursor must be a string");
	if (lim != NULL)
		*limit = json_object_get_int64(lim);
	if (cur != NULL) {
		const char *c = json_object_get_string(cur);
		if (strspn(c, "0123456789") != strlen(c) || strlen(c) > 18 || *c == '\0')
			return mcp_fail(ctx, MCP_INVALID_PARAMS,
			    "cursor must be a value returned as nextCursor");
		*cursor = strtoll(c, NULL, 10);
	}
	return 0;
}

static int
t_list_workflows(struct mcp_ctx *ctx, const struct op_env *env,
    const struct op_caller *who, const char *id, struct json_object *args,
    struct op_result *res)
{
	long long limit, cursor;
	int rc;

	(void)id;
	if ((rc = args_page(ctx, args, &limit, &cursor)) != 0)
		return rc;
	op_workflow_list(env, who, limit, cursor, res);
	return 0;
}

static int
t_get_workflow(struct mcp_ctx *ctx, const struct op_env *env,
    const struct op_caller *who, const char *id, struct json_object *args,
    struct op_result *res)
{
	(void)ctx;
	(void)args;
	op_workflow_get(env, who, id, res);
	return 0;
}

/* create_workflow: exactly one of "prompt" (text) and "workflow" (a document). */
static int
t_create_workflow(struct mcp_ctx *ctx, const struct op_env *env,
    const struct op_caller *who, const char *id, struct json_object *args,
    struct op_result *res)
{
	struct json_object *prompt = json_object_object_get(args, "prompt");
	struct json_object *doc = json_object_object_get(args, "workflow");

	(void)id;
	if ((prompt == NULL) == (doc == NULL))
		return mcp_fail(ctx, MCP_INVALID_PARAMS,
		    "give either prompt (a description) or workflow (a document)");
	if (prompt != NULL) {
		if (!json_object_is_type(prompt, json_type_string))
			return mcp_fail(ctx, MCP_INVALID_PARAMS, "prompt must be a string");
		if (op_allowed(who, S_WRITE, res) == OP_OK &&
		    op_text_check(prompt, "/prompt", res) == OP_OK)
			op_workflow_build(env, who, json_object_get_string(prompt), res);
		return 0;
	}
	if (!json_object_is_type(doc, json_type_object))
		return mcp_fail(ctx, MCP_INVALID_PARAMS, "workflow must be an object");
	op_workflow_create(env, who, doc, res);
	return 0;
}

static int
t_start_runtime(struct mcp_ctx *ctx, const struct op_env *env,
    const struct op_caller *who, const char *id, struct json_object *args,
    struct op_result *res)
{
	(void)ctx;
	(void)args;
	op_runtime_set(env, who, id, 1, res);
	return 0;
}

/* run_workflow: the input, or {}. */
static int
t_run_workflow(struct mcp_ctx *ctx, const struct op_env *env,
    const struct op_caller *who, const char *id, struct json_object *args,
    struct op_result *res)
{
	struct json_object *in = json_object_object_get(args, "input");

	if (in != NULL && !json_object_is_type(in, json_type_object))
		return mcp_fail(ctx, MCP_INVALID_PARAMS, "input must be an object");
	op_run(env, who, id, in, res);
	return 0;
}

static int
t_deploy_workflow(struct mcp_ctx *ctx, const struct op_env *env,
    const struct op_caller *who, const char *id, struct json_object *args,
    struct op_result *res)
{
	(void)ctx;
	(void)args;
	op_deploy(env, who, id, res);
	return 0;
}

static int
t_list_executions(struct mcp_ctx *ctx, const struct op_env *env,
    const struct op_caller *who, const char *id, struct json_object *args,
    struct op_result *res)
{
	long long limit, cursor;
	int rc;

	if ((rc = args_page(ctx, args, &limit, &cursor)) != 0)
		return rc;
	op_execution_list(env, who, id, limit, cursor, res);
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
	  NULL, t_list_workflows },
	{ "get_workflow", "Get a workflow",
	  "The workflow document: tools, execution order, input schema, version and, "
	  "once deployed, its Archestra agent and endpoint.",
	  "{\"type\":\"object\",\"properties\":{" SERVER_ID_ARG "},"
	  "\"required\":[\"serverId\"],\"additionalProperties\":false}",
	  "serverId", t_get_workflow },
	{ "create_workflow", "Create a workflow",
	  "Creates a workflow from a description (prompt, e.g. \"a sign up api with name, "
	  "email and password\") or from a whole workflow document (workflow).",
	  "{\"type\":\"object\",\"properties\":{"
	  "\"prompt\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":4000},"
	  "\"workflow\":{\"type\":\"object\",\"description\":\"A workflow document (SPEC §3)\"}},"
	  "\"additionalProperties\":false}",
	  NULL, t_create_workflow },
	{ "start_runtime", "Start the local runtime",
	  "Starts the workflow's local runtime, which run_workflow needs.",
	  "{\"type\":\"object\",\"properties\":{" SERVER_ID_ARG "},"
	  "\"required\":[\"serverId\"],\"additionalProperties\":false}",
	  "serverId", t_start_runtime },
	{ "run_workflow", "Run a workflow locally",
	  "Runs the workflow on an input with its local runtime (start_runtime first) and "
	  "answers with the execution: status, output, per-step records and logs.",
	  "{\"type\":\"object\",\"properties\":{" SERVER_ID_ARG ","
	  "\"input\":{\"type\":\"object\",\"description\":\"The workflow's input\"}},"
	  "\"required\":[\"serverId\"],\"additionalProperties\":false}",
	  "serverId", t_run_workflow },
	{ "deploy_workflow", "Deploy to Archestra",
	  "Deploys the workflow's current version: it becomes a public HTTP endpoint and an "
	  "MCP server. Answers with the agent id, endpoint and dashboard URL.",
	  "{\"type\":\"object\",\"properties\":{" SERVER_ID_ARG "},"
	  "\"required\":[\"serverId\"],\"additionalProperties\":false}",
	  "serverId", t_deploy_workflow },
	{ "list_executions", "List executions",
	  "Lists the workflow's local executions, newest first.",
	  "{\"type\":\"object\",\"properties\":{" SERVER_ID_ARG "," PAGE_ARGS "},"
	  "\"required\":[\"serverId\"],\"additionalProperties\":false}",
	  "serverId", t_list_executions },
};
#define NTOOLS	(sizeof(tools) / sizeof(tools[0]))

/* What the tools' operations run with: the request's worker and key. */
static void
tool_op(struct mcp_ctx *ctx, struct op_env *env, struct op_caller *who,
    struct op_result *res)
{
	struct req *r = ctx->req;

	memset(env, 0, sizeof(*env));
	env->arena = ctx->arena;
	env->db = r->app->db;
	env->cfg = r->app->cfg;
	env->kit = &STATE(r)->kit;
	env->waiter = &r->app->waiter;
	env->keys = r->app->keys;
	who->owner_id = ctx->auth->owner_id;
	who->key_id = ctx->auth->key_id;
	who->scopes = ctx->auth->scopes;
	op_result_init(res, ctx->arena);
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

/*
 * A tool's result is its operation's answer as REST gives it: the JSON as
 * text, and as structuredContent when it is an object; a failure (a REST
 * status of 400 or more: a refusal, or a run whose workflow failed) has
 * isError, with the error envelope or the seed's failure shape as text.
 */
static int
orx_tools_call(struct mcp_ctx *ctx, struct json_object *params,
    struct json_object *result)
{
	const char *name = params ? json_get_str(params, "name") : NULL;
	struct json_object *args = params ? json_object_object_get(params, "arguments") : NULL;
	const struct orx_tool *t = NULL;
	const char *id = NULL;
	struct op_env env;
	struct op_caller who;
	struct op_result res;
	struct buf text;
	int rc;

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
		if (id == NULL || !param_valid(PARAM_SERVER_ID, id))
			return mcp_fail(ctx, MCP_INVALID_PARAMS, "%s must be a workflow id",
			    t->id_arg);
	}
	tool_op(ctx, &env, &who, &res);
	if ((rc = t->call(ctx, &env, &who, id, args, &res)) != 0)
		return rc;
	buf_init(&text, ctx->arena, res.body.len + 64);
	op_render(&res, &text);
	mcp_content_add(result, mcp_text_item(text.data));
	if (op_http(&res) >= 400) {
		json_object_object_add(result, "isError", json_object_new_boolean(1));
		return 0;
	}
	if (res.body.len > 0 && res.body.data[0] == '{')
		json_object_object_add(result, "structuredContent",
		    json_raw_new(ctx->arena, res.body.data, res.body.len));
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
	struct json_object *list;
	struct op_env env;
	struct op_caller who;
	struct op_result res;

	if (cursor != NULL && (strspn(cursor, "0123456789") != strlen(cursor) ||
	    strlen(cursor) > 18))
		return mcp_fail(ctx, MCP_INVALID_PARAMS, "cursor is not one this server gave");
	tool_op(ctx, &env, &who, &res);
	if (op_workflow_list(&env, &who, 50, cursor != NULL ? strtoll(cursor, NULL, 10) : 0,
	    &res) != OP_OK)
		return mcp_fail(ctx, MCP_INTERNAL_ERROR, "the workflows cannot be listed now");
	list = json_object_new_array();
	for (size_t i = 0; i < res.nitems; i++)
		json_object_array_add(list, resource_item(
		    arena_printf(ctx->arena, WF_URI "%s", res.items[i].id), res.items[i].id,
		    res.items[i].name, res.items[i].description));
	json_object_object_add(result, "resources", list);
	if (res.next_cursor != NULL)
		json_object_object_add(result, "nextCursor",
		    json_object_new_string(res.next_cursor));
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
 * Reads uri through its operation; 0 with *text set, or the JSON-RPC error
 * (unknown scheme or id: -32602; not found: -32002).
 */
static int
read_uri(struct mcp_ctx *ctx, const char *uri, const char **text)
{
	struct op_env env;
	struct op_caller who;
	struct op_result res;
	const char *id;

	tool_op(ctx, &env, &who, &res);
	if (uri != NULL && strncmp(uri, WF_URI, strlen(WF_URI)) == 0) {
		id = uri + strlen(WF_URI);
		if (!param_valid(PARAM_SERVER_ID, id))
			return mcp_fail(ctx, MCP_RESOURCE_NOT_FOUND, "resource not found: %s", uri);
		op_workflow_get(&env, &who, id, &res);
	} else if (uri != NULL && strncmp(uri, EXE_URI, strlen(EXE_URI)) == 0) {
		id = uri + strlen(EXE_URI);
		if (!param_valid(PARAM_EXEC_ID, id))
			return mcp_fail(ctx, MCP_RESOURCE_NOT_FOUND, "resource not found: %s", uri);
		op_execution_get(&env, &who, id, &res);
	} else
		return mcp_fail(ctx, MCP_INVALID_PARAMS, "unknown resource: %s",
		    uri ? uri : "(none)");
	if (res.status == OP_NOT_FOUND)
		return mcp_fail(ctx, MCP_RESOURCE_NOT_FOUND, "resource not found: %s", uri);
	if (op_failed(&res))
		return mcp_fail(ctx, op_status_info[res.status].rpc,
		    "the resource cannot be read now");
	*text = res.body.data;
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
