/*
 * The supervisor (SPEC §1, §5): POST /api/v1/chat {message, serverId?}.
 * A message is read as create, edit, run, deploy or explain
 * (builder_intent) and carried out through the same functions as the
 * routes that do each thing (workflow_insert, workflow_replace,
 * run_current, deploy_current), so the chat can do nothing a route could
 * not. The answer says what was done, in the seed's log shape:
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
#include "wfrender.h"

#define CHAT_MAX_CHARS	4000

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

/*
 * JSON we wrote ourselves (a sub-call's body, a rendered row), parsed;
 * arena-owned, or NULL.
 */
static struct json_object *
parse_own(struct req *r, const struct buf *b)
{
	/* Our own output: as deep as what was accepted, plus a few levels. */
	struct json_tokener *tok = json_tokener_new_ex(r->app->cfg->json_max_depth + 8);
	struct json_object *v;

	if (tok == NULL)
		return NULL;
	v = json_tokener_parse_ex(tok, b->data, (int)b->len);
	json_tokener_free(tok);
	if (v != NULL)
		arena_defer(r->arena, json_put_cb, v);
	return v;
}

/* Passes a sub-call's answer (an error) through unchanged. */
static int
pass(struct resp *w, struct resp *tmp)
{
	return resp_raw_json(w, tmp->status, tmp->body.data, tmp->body.len);
}

/*
 * A chat message or prompt: a non-empty string of at most 4000 characters
 * (the body is already valid UTF-8). Returns 0 or the 400 answer.
 */
int
chat_text_check(struct resp *w, struct json_object *v, const char *path)
{
	const char *s;
	size_t chars = 0;
	int blank = 1;

	if (v == NULL || !json_object_is_type(v, json_type_string)) {
		struct json_object *errors = json_object_new_array();
		errs_add(errors, path, "a string is required");
		return resp_error_details(w, HTTP_BAD_REQUEST, "validation_failed",
		    "send the text as a string", errors);
	}
	for (s = json_object_get_string(v); *s != '\0'; s++) {
		chars += ((unsigned char)*s & 0xc0) != 0x80;
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			blank = 0;
	}
	if (blank || chars > CHAT_MAX_CHARS)
		return resp_error(w, HTTP_BAD_REQUEST, "validation_failed",
		    "%s must be 1 to %d characters of text", path + 1, CHAT_MAX_CHARS);
	return 0;
}

/* The stored workflow r->param[0] as JSON (arena-owned); answers 404/503. */
static struct json_object *
load_workflow(struct req *r, struct resp *w, int *st)
{
	const char *params[2] = { r->param[0], r->auth.owner_id };
	struct json_object *doc;
	struct buf b;
	PGresult *res;

	if ((res = db_query(r->app->db, r->arena, Q_WORKFLOW_GET, 2, params)) == NULL) {
		*st = unavailable(w);
		return NULL;
	}
	if (!db_ok(res) || PQntuples(res) == 0) {
		*st = db_ok(res) ? resp_error(w, HTTP_NOT_FOUND, "not_found", "no such workflow") :
		    resp_error(w, HTTP_INTERNAL_ERROR, "internal", "lookup failed");
		return NULL;
	}
	buf_init(&b, r->arena, 4096);
	workflow_render(&b, res, 0);
	if ((doc = parse_own(r, &b)) == NULL)
		*st = resp_error(w, HTTP_INTERNAL_ERROR, "internal", "stored document unreadable");
	return doc;
}

static int
refused(struct resp *w, struct build_result *br, enum build_status bs)
{
	int st;

	if (bs == BUILD_NOT_UNDERSTOOD)
		st = resp_error(w, HTTP_UNPROCESSABLE, "not_understood", "%s", br->summary);
	else if (bs == BUILD_INVALID)
		st = resp_error_details(w, HTTP_UNPROCESSABLE, "invalid_edit", br->summary,
		    br->errors != NULL ? json_object_get(br->errors) : NULL);
	else
		st = resp_error(w, HTTP_INTERNAL_ERROR, "internal", "out of memory");
	build_result_clear(br);
	return st;
}

/* create: build, store like POST /mcp/servers, answer 201 with what was made. */
static int
chat_create(struct req *r, struct resp *w, const char *msg)
{
	struct build_result br;
	enum build_status bs;
	struct resp tmp;
	struct json_object *stored;
	struct chat c;

	/* The builder may ask the LLM over HTTP: the CPU gate's place goes. */
	waiter_notify(&r->app->waiter);
	bs = builder_create_with(r->arena, STATE(r)->kit.catalog, r->app->cfg, msg, &br);
	if (bs != BUILD_OK)
		return refused(w, &br, bs);
	resp_init(&tmp, r->arena);
	workflow_insert(r, &tmp, br.doc);
	if (tmp.status != HTTP_CREATED || (stored = parse_own(r, &tmp.body)) == NULL) {
		build_result_clear(&br);
		return pass(w, &tmp);
	}
	for (size_t i = 0; i < tmp.nheaders; i++)
		resp_header(w, tmp.headers[i].name, tmp.headers[i].value);
	chat_init(r, &c, INTENT_CREATE);
	json_object_object_add(c.body, "serverId",
	    json_object_get(json_object_object_get(stored, "serverId")));
	json_object_object_add(c.body, "workflow", json_object_get(stored));
	json_object_object_add(c.body, "changes", json_object_get(br.changes));
	chat_log(&c, "info", "Building a workflow from the message", NULL);
	chat_log(&c, "success", br.summary, json_object_get(br.changes));
	chat_log(&c, "success", "Workflow stored as version 1",
	    json_object_get(json_object_object_get(stored, "serverId")));
	int st = chat_answer(w, &c, HTTP_CREATED, arena_printf(r->arena, "%s It is stored as %s.",
	    br.summary, json_get_str(stored, "serverId")));
	build_result_clear(&br);
	return st;
}

/*
 * edit: the stored document, the instruction applied, stored like PUT at
 * the version it was read at (a concurrent change answers 409).
 */
static int
chat_edit(struct req *r, struct resp *w, const char *msg)
{
	struct build_result br;
	struct json_object *doc, *stored;
	enum build_status bs;
	struct resp tmp;
	struct chat c;
	int st;

	if ((doc = load_workflow(r, w, &st)) == NULL)
		return st;
	bs = builder_edit(r->arena, STATE(r)->kit.catalog, doc, msg, &br);
	if (bs != BUILD_OK)
		return refused(w, &br, bs);
	resp_init(&tmp, r->arena);
	workflow_replace(r, &tmp, br.doc,
	    json_object_get_int64(json_object_object_get(doc, "version")));
	if (tmp.status != HTTP_OK || (stored = parse_own(r, &tmp.body)) == NULL) {
		build_result_clear(&br);
		return pass(w, &tmp);
	}
	chat_init(r, &c, INTENT_EDIT);
	json_object_object_add(c.body, "serverId", json_object_new_string(r->param[0]));
	json_object_object_add(c.body, "workflow", json_object_get(stored));
	json_object_object_add(c.body, "changes", json_object_get(br.changes));
	chat_log(&c, "info", "Applying the instruction to the workflow", NULL);
	for (size_t i = 0; i < json_object_array_length(br.changes); i++)
		chat_log(&c, "success", json_object_get_string(
		    json_object_array_get_idx(br.changes, i)), NULL);
	const char *saved = arena_printf(r->arena, "Saved as version %d",
	    json_object_get_int(json_object_object_get(stored, "version")));
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
chat_run(struct req *r, struct resp *w, const char *msg)
{
	const char *why;
	struct json_object *input = input_in(r, msg, &why), *ex;
	struct resp tmp;
	struct chat c;
	char line[160];

	if (input == NULL)
		return resp_error(w, HTTP_UNPROCESSABLE, "input_required", "%s", why);
	resp_init(&tmp, r->arena);
	run_current(r, &tmp, input);
	if ((ex = parse_own(r, &tmp.body)) == NULL || json_get_str(ex, "executionId") == NULL)
		return pass(w, &tmp);
	chat_init(r, &c, INTENT_RUN);
	json_object_object_add(c.body, "serverId", json_object_new_string(r->param[0]));
	json_object_object_add(c.body, "execution", json_object_get(ex));
	chat_log(&c, "info", "Running the workflow with the input from the message", NULL);
	snprintf(line, sizeof(line), "Execution %s %s with HTTP status %d",
	    json_get_str(ex, "executionId"), json_get_str(ex, "status"),
	    json_object_get_int(json_object_object_get(ex, "httpStatus")));
	int ok = strcmp(json_get_str(ex, "status"), "succeeded") == 0;
	chat_log(&c, ok ? "success" : "error", line, NULL);
	return chat_answer(w, &c, HTTP_OK, arena_printf(r->arena, "Ran the workflow: %s.",
	    line));
}

/*
 * Deploys like POST .../deploy; the seed's answers (200, 400 already
 * deployed, 500 failed) come back as "deployment" with the same status.
 */
static int
chat_deploy(struct req *r, struct resp *w)
{
	struct json_object *dep;
	struct resp tmp;
	struct chat c;
	const char *reply;

	resp_init(&tmp, r->arena);
	deploy_current(r, &tmp);
	if ((dep = parse_own(r, &tmp.body)) == NULL ||
	    json_get(dep, "error", json_type_object) != NULL)
		return pass(w, &tmp);
	chat_init(r, &c, INTENT_DEPLOY);
	json_object_object_add(c.body, "serverId", json_object_new_string(r->param[0]));
	json_object_object_add(c.body, "deployment", json_object_get(dep));
	chat_log(&c, "info", "Deploying the current version to Archestra", NULL);
	if (tmp.status == HTTP_OK) {
		reply = arena_printf(r->arena, "Deployed as %s; the endpoint is %s.",
		    json_get_str(dep, "agentId"), json_get_str(dep, "endpoint"));
		chat_log(&c, "success", reply, NULL);
	} else {
		reply = arena_printf(r->arena, "Not deployed: %s.", json_get_str(dep, "error") ?
		    json_get_str(dep, "error") : "the deployment failed");
		chat_log(&c, "error", reply, NULL);
	}
	return chat_answer(w, &c, tmp.status, reply);
}

static int
chat_explain(struct req *r, struct resp *w)
{
	struct json_object *doc;
	const char *text;
	struct chat c;
	int st;

	if ((doc = load_workflow(r, w, &st)) == NULL)
		return st;
	text = builder_explain(r->arena, doc);
	chat_init(r, &c, INTENT_EXPLAIN);
	json_object_object_add(c.body, "serverId", json_object_new_string(r->param[0]));
	json_object_object_add(c.body, "workflow", json_object_get(doc));
	chat_log(&c, "info", "Explaining the workflow", NULL);
	return chat_answer(w, &c, HTTP_OK, text);
}

/* POST /api/v1/chat {"message": "...", "serverId"?: "mcp_..."} */
int
h_chat(struct req *r, struct resp *w)
{
	struct json_object *m, *sid = NULL;
	const char *msg;
	enum intent in;
	int st;

	if (!json_object_is_type(r->json, json_type_object))
		return resp_error(w, HTTP_BAD_REQUEST, "validation_failed",
		    "send {\"message\": \"...\", \"serverId\": \"mcp_...\"}");
	if ((st = owner_field_check(r, w)) != 0)
		return st;
	m = json_object_object_get(r->json, "message");
	if ((st = chat_text_check(w, m, "/message")) != 0)
		return st;
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
		return resp_error(w, HTTP_UNPROCESSABLE, "not_understood",
		    "I did not understand that. %s", builder_help());
	if (in == INTENT_CREATE)
		return chat_create(r, w, msg);
	if (sid == NULL)
		return resp_error(w, HTTP_UNPROCESSABLE, "workflow_required",
		    "Which workflow? Send its serverId with the message to %s it.",
		    intent_names[in]);
	/* The chat may do only what the key could do through the route itself. */
	if ((in == INTENT_RUN && !(r->auth.scopes & S_RUN)) ||
	    (in == INTENT_DEPLOY && !(r->auth.scopes & S_DEPLOY)))
		return resp_error(w, HTTP_FORBIDDEN, "forbidden", "this key lacks the scope: %s",
		    in == INTENT_RUN ? "run" : "deploy");
	r->param[0] = arena_strdup(r->arena, json_object_get_string(sid));
	r->nparam = 1;
	switch (in) {
	case INTENT_EDIT:    return chat_edit(r, w, msg);
	case INTENT_RUN:     return chat_run(r, w, msg);
	case INTENT_DEPLOY:  return chat_deploy(r, w);
	default:             return chat_explain(r, w);
	}
}
