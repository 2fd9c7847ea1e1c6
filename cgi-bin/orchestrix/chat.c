/*
 * The supervisor (SPEC §1, §5): POST /api/v1/chat {message, serverId?}.
 * A message is read as create, edit, run, deploy or explain
 * (builder_intent) and carried out by the operations the routes that do
 * each thing call (lib/ops/: create, replace, run, deploy), so the chat can
 * do nothing a route could not; each operation checks the key's scopes
 * itself. The answer says what was done, in the seed's log shape:
 *
 *   {"intent","reply","serverId"?,"workflow"?,"changes"?,"execution"?,
 *    "deployment"?,"logs":[{timestamp,type,message,details?}]}
 *
 * Anything not understood answers 422 not_understood and changes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builder.h"
#include "clock.h"
#include "config.h"
#include "orchestrix.h"

/* The answer being built: the body object and its logs. */
struct chat {
	struct json_object	*body;
	struct json_object	*logs;
};

static void
chat_log(struct chat *c, const char *type, const char *message, struct json_object *details)
{
	struct json_object *l = json_object_new_object();
	char ts[ISO_UTC_SIZE];

	iso_utc(wall_us(), ts);
	json_object_object_add(l, "timestamp", json_object_new_string(ts));
	json_object_object_add(l, "type", json_object_new_string(type));
	json_object_object_add(l, "message", json_object_new_string(message));
	if (details != NULL)
		json_object_object_add(l, "details", details);
	json_object_array_add(c->logs, l);
}

static void
chat_init(struct req *r, struct chat *c, enum intent in)
{
	c->body = json_object_new_object();
	c->logs = json_object_new_array();
	arena_defer(r->arena, json_put_cb, c->body);
	json_object_object_add(c->body, "intent", json_object_new_string(intent_names[in]));
}

/* Writes the answer with status; body and logs stay owned by the arena. */
static int
chat_answer(struct resp *w, struct chat *c, int status, const char *reply)
{
	const char *s;

	json_object_object_add(c->body, "reply", json_object_new_string(reply));
	json_object_object_add(c->body, "logs", c->logs);
	s = json_plain(c->body);
	return resp_raw_json(w, status, s, strlen(s));
}

/* The operation's result as a value of the answer, without parsing it. */
static struct json_object *
raw_body(struct req *r, const struct op_result *res)
{
	return json_raw_new(r->arena, res->body.data, res->body.len);
}

/*
 * create of an app (several workflows stored together, like POST
 * /mcp/servers does): the answer has "app", "serverIds" and "workflows"
 * (all of them) instead of one "serverId" and "workflow".
 */
static int
chat_create_app(struct req *r, struct resp *w, const struct op_result *res,
    struct json_object *changes)
{
	struct json_object *ids = json_object_new_array();
	struct chat c;

	for (size_t i = 0; i < res->nitems; i++)
		json_object_array_add(ids, json_object_new_string(res->items[i].id));
	chat_init(r, &c, INTENT_CREATE);
	json_object_object_add(c.body, "app", json_object_new_string(res->app));
	json_object_object_add(c.body, "serverIds", ids);
	json_object_object_add(c.body, "workflows", json_raw_new(r->arena, res->app_workflows,
	    strlen(res->app_workflows)));
	json_object_object_add(c.body, "changes", json_object_get(changes));
	chat_log(&c, "info", "Building an app from the message", NULL);
	chat_log(&c, "success", res->message, json_object_get(changes));
	chat_log(&c, "success", arena_printf(r->arena, "%zu workflows stored as version 1",
	    res->nitems), json_object_get(ids));
	return chat_answer(w, &c, HTTP_CREATED, arena_printf(r->arena,
	    "%s They are stored as %s.", res->message, json_plain(ids)));
}

/* create: build, store like POST /mcp/servers, answer 201 with what was made. */
static int
chat_create(struct req *r, struct resp *w, const char *msg)
{
	struct json_object *changes = NULL;
	struct op_env env;
	struct op_caller who;
	struct op_result res;
	struct chat c;

	orx_op(r, &env, &who, &res);
	if (op_workflow_build_changes(&env, &who, msg, &res, &changes) != OP_CREATED)
		return orx_answer(w, &res);
	if (res.app != NULL)
		return chat_create_app(r, w, &res, changes);
	resp_header(w, "Location", res.location);
	chat_init(r, &c, INTENT_CREATE);
	json_object_object_add(c.body, "serverId", json_object_new_string(res.server_id));
	json_object_object_add(c.body, "workflow", raw_body(r, &res));
	json_object_object_add(c.body, "changes", json_object_get(changes));
	chat_log(&c, "info", "Building a workflow from the message", NULL);
	chat_log(&c, "success", res.message, json_object_get(changes));
	chat_log(&c, "success", "Workflow stored as version 1",
	    json_object_new_string(res.server_id));
	return chat_answer(w, &c, HTTP_CREATED, arena_printf(r->arena,
	    "%s It is stored as %s.", res.message, res.server_id));
}

/*
 * The builder's refusal of an instruction: not understood, or understood
 * but its result invalid (422 either way, with what it can do or why).
 */
static int
refused(struct resp *w, struct build_result *br, enum build_status bs)
{
	int st;

	if (bs == BUILD_NOT_UNDERSTOOD)
		/* Whole: resp_error would cut the list of what the builder can do. */
		st = resp_error_details(w, HTTP_UNPROCESSABLE, "not_understood", br->summary, NULL);
	else if (bs == BUILD_INVALID)
		st = resp_error_details(w, HTTP_UNPROCESSABLE, "invalid_edit", br->summary,
		    br->errors != NULL ? json_object_get(br->errors) : NULL);
	else
		st = resp_error(w, HTTP_INTERNAL_ERROR, "internal", "out of memory");
	build_result_clear(br);
	return st;
}

/*
 * edit: the stored document, the instruction applied, stored like PUT at
 * the version it was read at (a concurrent change answers 409).
 */
static int
chat_edit(struct req *r, struct resp *w, const char *sid, const char *msg)
{
	struct build_result br;
	struct json_object *doc;
	enum build_status bs;
	struct op_env env;
	struct op_caller who;
	struct op_result res;
	struct chat c;
	int st;

	orx_op(r, &env, &who, &res);
	if (op_workflow_doc(&env, &who, sid, &doc, &res) != OP_OK)
		return orx_answer(w, &res);
	bs = builder_edit(r->arena, env.kit->catalog, doc, msg, &br);
	if (bs != BUILD_OK)
		return refused(w, &br, bs);
	op_result_init(&res, r->arena);
	if (op_workflow_replace(&env, &who, sid, br.doc, json_object_get_int64(
	    json_object_object_get(doc, "version")), &res) != OP_OK) {
		build_result_clear(&br);
		return orx_answer(w, &res);
	}
	chat_init(r, &c, INTENT_EDIT);
	json_object_object_add(c.body, "serverId", json_object_new_string(sid));
	json_object_object_add(c.body, "workflow", raw_body(r, &res));
	json_object_object_add(c.body, "changes", json_object_get(br.changes));
	chat_log(&c, "info", "Applying the instruction to the workflow", NULL);
	for (size_t i = 0; i < json_object_array_length(br.changes); i++)
		chat_log(&c, "success", json_object_get_string(
		    json_object_array_get_idx(br.changes, i)), NULL);
	const char *saved = arena_printf(r->arena, "Saved as version %d", res.version);
	chat_log(&c, "success", saved, NULL);
	st = chat_answer(w, &c, HTTP_OK, arena_printf(r->arena, "%s %s.", br.summary, saved));
	build_result_clear(&br);
	return st;
}

/*
 * The first JSON object written in the message ("run it with {...}"),
 * parsed strictly (depth limit, no NUL). Returns it (arena-owned), or NULL
 * with *why set.
 */
static struct json_object *
input_in(struct req *r, const char *msg, const char **why)
{
	const char *open = strchr(msg, '{');
	struct json_tokener *tok;
	struct json_object *v = NULL;
	size_t used;

	*why = "Tell me the input as a JSON object, e.g. run it with {\"email\": \"ann@example.com\"}.";
	if (open == NULL)
		return NULL;
	if ((tok = json_tokener_new_ex(r->app->cfg->json_max_depth)) == NULL)
		return NULL;
	v = json_tokener_parse_ex(tok, open, (int)strlen(open));
	used = (size_t)json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (v == NULL) {
		*why = "The JSON in the message does not parse; send the input as one JSON object.";
		return NULL;
	}
	json_object_put(v);
	if (json_parse_strict(open, used, r->app->cfg->json_max_depth, &v, NULL) != JP_OK ||
	    !json_object_is_type(v, json_type_object)) {
		json_object_put(v);
		*why = "The input must be one JSON object.";
		return NULL;
	}
	arena_defer(r->arena, json_put_cb, v);
	return v;
}

/*
 * Runs like POST .../run: the runtime must have been started (the same
 * 409 runtime_stopped otherwise); the chat never starts it behind the
 * user's back. An execution that happened answers 200; its own outcome is
 * in execution.status and execution.httpStatus.
 */
static int
chat_run(struct req *r, struct resp *w, const char *sid, const char *msg)
{
	struct json_object *input;
	struct op_env env;
	struct op_caller who;
	struct op_result res;
	const char *why;
	struct chat c;
	char line[160];

	orx_op(r, &env, &who, &res);
	/* The key's right to run comes before what the message lacks. */
	if (op_allowed(&who, S_RUN, &res) != OP_OK)
		return orx_answer(w, &res);
	if ((input = input_in(r, msg, &why)) == NULL)
		return resp_error(w, HTTP_UNPROCESSABLE, "input_required", "%s", why);
	if (op_run(&env, &who, sid, input, &res) != OP_OK && res.status != OP_ACCEPTED)
		return orx_answer(w, &res);
	chat_init(r, &c, INTENT_RUN);
	json_object_object_add(c.body, "serverId", json_object_new_string(sid));
	json_object_object_add(c.body, "execution", raw_body(r, &res));
	chat_log(&c, "info", "Running the workflow with the input from the message", NULL);
	if (res.status == OP_ACCEPTED)
		snprintf(line, sizeof(line), "Execution %s waits for a person's answer "
		    "(GET /api/v1/executions/%s/interventions)", res.execution_id,
		    res.execution_id);
	else
		snprintf(line, sizeof(line), "Execution %s %s with HTTP status %d",
		    res.execution_id, res.state, res.http);
	chat_log(&c, strcmp(res.state, "succeeded") == 0 ? "success" :
	    strcmp(res.state, "waiting") == 0 ? "info" : "error", line, NULL);
	return chat_answer(w, &c, HTTP_OK, arena_printf(r->arena, "Ran the workflow: %s.",
	    line));
}

/*
 * Deploys like POST .../deploy; the seed's answers (200, 400 already
 * deployed, 500 failed) come back as "deployment" with the same status.
 */
static int
chat_deploy(struct req *r, struct resp *w, const char *sid)
{
	struct chat c;
	const char *reply;

	OP_LOCALS(r);
	if (op_deploy(&env, &who, sid, &res) != OP_OK && !res.raw)
		return orx_answer(w, &res);
	chat_init(r, &c, INTENT_DEPLOY);
	json_object_object_add(c.body, "serverId", json_object_new_string(sid));
	json_object_object_add(c.body, "deployment", raw_body(r, &res));
	chat_log(&c, "info", "Deploying the current version to Archestra", NULL);
	if (!op_failed(&res)) {
		reply = arena_printf(r->arena, "Deployed as %s; the endpoint is %s.",
		    res.agent_id, res.endpoint);
		chat_log(&c, "success", reply, NULL);
	} else {
		reply = arena_printf(r->arena, "Not deployed: %s.", res.message);
		chat_log(&c, "error", reply, NULL);
	}
	return chat_answer(w, &c, op_http(&res), reply);
}

static int
chat_explain(struct req *r, struct resp *w, const char *sid)
{
	struct json_object *doc;
	struct chat c;

	OP_LOCALS(r);
	if (op_workflow_doc(&env, &who, sid, &doc, &res) != OP_OK)
		return orx_answer(w, &res);
	chat_init(r, &c, INTENT_EXPLAIN);
	json_object_object_add(c.body, "serverId", json_object_new_string(sid));
	json_object_object_add(c.body, "workflow", raw_body(r, &res));
	chat_log(&c, "info", "Explaining the workflow", NULL);
	return chat_answer(w, &c, HTTP_OK, builder_explain(r->arena, doc));
}

/* POST /api/v1/chat {"message": "...", "serverId"?: "mcp_..."} */
int
h_chat(struct req *r, struct resp *w)
{
	struct json_object *m, *sid = NULL;
	const char *msg, *id;
	enum intent in;

	if (!json_object_is_type(r->json, json_type_object))
		return resp_error(w, HTTP_BAD_REQUEST, "validation_failed",
		    "send {\"message\": \"...\", \"serverId\": \"mcp_...\"}");
	m = json_object_object_get(r->json, "message");
	{
		struct op_result res;

		op_result_init(&res, r->arena);
		if (op_text_check(m, "/message", &res) != OP_OK)
			return orx_answer(w, &res);
	}
	msg = json_object_get_string(m);
	if (json_object_object_get_ex(r->json, "serverId", &sid) && sid != NULL &&
	    (!json_object_is_type(sid, json_type_string) ||
	    !param_valid(PARAM_SERVER_ID, json_object_get_string(sid))))
		return resp_error_details(w, HTTP_BAD_REQUEST, "validation_failed",
		    "serverId is not a workflow id", json_tokener_parse(
		    "[{\"path\":\"/serverId\",\"message\":\"mcp_ followed by 8-64 of a-z0-9\"}]"));
	in = builder_intent(msg, sid != NULL);
	/* With a language model configured, what no template knows is its to try. */
	if (in == INTENT_UNKNOWN && sid == NULL && *config_get(r->app->cfg, CFG_LLM_URL) != '\0')
		in = INTENT_CREATE;
	if (in == INTENT_UNKNOWN)
		return resp_error_details(w, HTTP_UNPROCESSABLE, "not_understood",
		    arena_printf(r->arena, "I did not understand that. %s", builder_help()), NULL);
	if (in == INTENT_CREATE)
		return chat_create(r, w, msg);
	if (sid == NULL)
		return resp_error(w, HTTP_UNPROCESSABLE, "workflow_required",
		    "Which workflow? Send its serverId with the message to %s it.",
		    intent_names[in]);
	/* Each operation checks the key's scopes itself: the chat may do only
	 * what the key could do through the route. */
	id = arena_strdup(r->arena, json_object_get_string(sid));
	switch (in) {
	case INTENT_EDIT:    return chat_edit(r, w, id, msg);
	case INTENT_RUN:     return chat_run(r, w, id, msg);
	case INTENT_DEPLOY:  return chat_deploy(r, w, id);
	default:             return chat_explain(r, w, id);
	}
}
