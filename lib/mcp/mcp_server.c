/*
 * The MCP protocol over one request: method dispatch to the program's
 * handlers, the initialize result, and what a handler sends to the client
 * while it runs (notifications, server-to-client requests, closing its
 * stream). Every SSE event is stored in PostgreSQL before it is written, so
 * a client resumes on any worker (lib/mcp/mcp_http.c replays).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "buf.h"
#include "clock.h"
#include "crypto.h"
#include "db.h"
#include "json.h"
#include "log.h"
#include "mcp.h"
#include "mcp_private.h"
#include "mcp_shared.h"

int
mcp_fail(struct mcp_ctx *c, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->errmsg, sizeof(c->errmsg), fmt, ap);
	va_end(ap);
	return code;
}

struct json_object *
mcp_text_item(const char *text)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "type", json_object_new_string("text"));
	json_object_object_add(o, "text", json_object_new_string(text));
	return o;
}

/* Appends {"role": "user", "content": content (taken)} to a prompt's messages. */
void
mcp_prompt_message(struct json_object *messages, struct json_object *content)
{
	struct json_object *m = json_object_new_object();

	json_object_object_add(m, "role", json_object_new_string("user"));
	json_object_object_add(m, "content", content);
	json_object_array_add(messages, m);
}

/* Appends item (taken) to result.content, creating the array if needed. */
void
mcp_content_add(struct json_object *result, struct json_object *item)
{
	struct json_object *content;

	if (!json_object_object_get_ex(result, "content", &content)) {
		content = json_object_new_array();
		json_object_object_add(result, "content", content);
	}
	if (json_object_array_add(content, item) != 0)
		json_object_put(item);
}

/* A text item in result.content; is_error marks a failed tool call. */
void
mcp_tool_text(struct json_object *result, int is_error, const char *fmt, ...)
{
	char text[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	mcp_content_add(result, mcp_text_item(text));
	if (is_error)
		json_object_object_add(result, "isError", json_object_new_boolean(1));
}

/*
 * A tool's structured result: structuredContent, plus the same JSON as a
 * text item (the specification asks for it, for clients that predate
 * structured output). value is taken.
 */
void
mcp_tool_structured(struct json_object *result, struct json_object *value,
    int is_error)
{
	mcp_content_add(result, mcp_text_item(json_plain(value)));
	json_object_object_add(result, "structuredContent", value);
	if (is_error)
		json_object_object_add(result, "isError", json_object_new_boolean(1));
}

/* --- the stream -------------------------------------------------------- */

/* Creates the request's mcp_streams row once. Returns 0 or -1. */
int
mcp_stream_row(struct mcp_ctx *c)
{
	struct mcp_stream *s = c->stream;
	const char *p[3];
	PGresult *res;

	if (s->has_row)
		return 0;
	if (crypto_random_id(s->id, sizeof(s->id), 12) != 24)
		return -1;
	p[0] = s->id;
	p[1] = c->session_id;
	p[2] = c->request_id ? json_plain(c->request_id) : NULL;
	res = db_query(c->req->app->db, c->arena, Q_MCP_STREAM_CREATE, 3, p);
	if (!db_ok(res))
		return -1;
	s->has_row = 1;
	return 0;
}

/* Writes one SSE event "id: <stream>.<n>" with data (one line of JSON). */
int
mcp_sse_event(struct mcp_ctx *c, const char *stream, long long n,
    const char *data)
{
	struct buf b;

	buf_init(&b, c->arena, strlen(data) + 64);
	buf_printf(&b, "id: %s.%lld\ndata: %s\n\n", stream, n, data);
	return resp_stream_write(c->resp, b.data, b.len);
}

/* Turns the response into an SSE stream: headers, then the priming event. */
static int
start_sse(struct mcp_ctx *c)
{
	struct mcp_stream *s = c->stream;
	char prime[96];
	int retry = c->srv->retry_ms > 0 ? c->srv->retry_ms : 1000;

	if (mcp_stream_row(c) == -1)
		return -1;
	if (resp_stream_begin(c->resp, HTTP_OK, "text/event-stream") == -1) {
		s->mode = MCP_DETACHED;
		return 0;
	}
	/* SEP-1699: an id the client can resume from, and how soon to come back. */
	snprintf(prime, sizeof(prime), "id: %s.0\nretry: %d\ndata: \n\n", s->id, retry);
	s->mode = resp_stream_write(c->resp, prime, strlen(prime)) == 0 ?
	    MCP_SSE : MCP_DETACHED;
	return 0;
}

/*
 * Sends one message of this request on its stream: stored (final marks the
 * stream done and wakes resumers), then written if the client is still
 * there. A buffered response turns into SSE here. Returns 0 or -1.
 */
int
mcp_emit(struct mcp_ctx *c, const char *json, int final)
{
	struct mcp_stream *s = c->stream;
	const char *p[3];
	PGresult *res;
	const char *n;

	if (s->mode == MCP_BUFFERED) {
		if (!s->accept_sse)
			return -1;
		if (start_sse(c) == -1)
			return -1;
	}
	p[0] = s->id;
	p[1] = json;
	p[2] = final ? "true" : "false";
	res = db_query(c->req->app->db, c->arena, Q_MCP_EVENT_ADD, 3, p);
	if (!db_ok(res) || (n = db_value(res, 0, 0)) == NULL) {
		log_error("mcp: could not store an event of stream %s", s->id);
		/* The client that is still here gets it all the same, unresumable. */
		if (s->mode == MCP_SSE) {
			struct buf b;
			buf_init(&b, c->arena, strlen(json) + 16);
			buf_printf(&b, "data: %s\n\n", json);
			if (resp_stream_write(c->resp, b.data, b.len) == -1)
				s->mode = MCP_DETACHED;
		}
		return -1;
	}
	if (s->mode == MCP_SSE &&
	    mcp_sse_event(c, s->id, strtoll(n, NULL, 10), json) == -1)
		s->mode = MCP_DETACHED;  /* stored: the client may resume */
	return 0;
}

/* A notification on the request's stream; params taken (may be NULL). */
int
mcp_notify(struct mcp_ctx *c, const char *method, struct json_object *params)
{
	struct json_object *m = json_object_new_object();
	int rc;

	json_object_object_add(m, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(m, "method", json_object_new_string(method));
	if (params != NULL)
		json_object_object_add(m, "params", params);
	rc = mcp_emit(c, json_plain(m), 0);
	json_object_put(m);
	return rc;
}

/* notifications/progress, when the request asked for progress. */
int
mcp_progress(struct mcp_ctx *c, double progress, double total,
    const char *message)
{
	struct json_object *p;

	if (c->progress_token == NULL)
		return 0;
	p = json_object_new_object();
	json_object_object_add(p, "progressToken", json_object_get(c->progress_token));
	json_object_object_add(p, "progress", json_object_new_double(progress));
	if (total > 0)
		json_object_object_add(p, "total", json_object_new_double(total));
	if (message != NULL)
		json_object_object_add(p, "message", json_object_new_string(message));
	return mcp_notify(c, "notifications/progress", p);
}

/* notifications/message, at or above the session's level. */
int
mcp_log(struct mcp_ctx *c, enum mcp_log_level level, const char *logger,
    const char *text)
{
	struct json_object *p;

	if (level < c->log_level || level >= MCP_LOG__MAX)
		return 0;
	p = json_object_new_object();
	json_object_object_add(p, "level",
	    json_object_new_string(mcp_log_level_names[level]));
	if (logger != NULL)
		json_object_object_add(p, "logger", json_object_new_string(logger));
	json_object_object_add(p, "data", json_object_new_string(text));
	return mcp_notify(c, "notifications/message", p);
}

int
mcp_resource_updated(struct mcp_ctx *c, const char *uri)
{
	struct buf b;
	const char *p[3];

	buf_init(&b, c->arena, 128);
	buf_puts(&b, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/resources/updated\","
	    "\"params\":{\"uri\":");
	buf_put_json_string(&b, uri, strlen(uri));
	buf_puts(&b, "}}");
	p[0] = c->endpoint;
	p[1] = uri;
	p[2] = b.data;
	return db_ok(db_query(c->req->app->db, c->arena, Q_MCP_RESOURCE_UPDATED,
	    3, p)) ? 0 : -1;
}

int
mcp_broadcast(struct db *d, struct arena *a, const char *endpoint,
    const char *method)
{
	struct buf b;
	const char *p[2];

	buf_init(&b, a, 96);
	buf_puts(&b, "{\"jsonrpc\":\"2.0\",\"method\":");
	buf_put_json_string(&b, method, strlen(method));
	buf_putc(&b, '}');
	p[0] = endpoint;
	p[1] = b.data;
	return db_ok(db_query(d, a, Q_MCP_BROADCAST, 2, p)) ? 0 : -1;
}

int
mcp_close_stream(struct mcp_ctx *c)
{
	struct mcp_stream *s = c->stream;

	if (s->mode == MCP_BUFFERED && (!s->accept_sse || start_sse(c) == -1))
		return -1;
	resp_stream_end(c->resp);
	s->mode = MCP_DETACHED;
	return 0;
}

int
mcp_cancelled(struct mcp_ctx *c)
{
	const char *p[2];
	PGresult *res;

	if (c->request_id == NULL || c->session_id == NULL)
		return 0;
	p[0] = c->session_id;
	p[1] = json_plain(c->request_id);
	res = db_query(c->req->app->db, c->arena, Q_MCP_IS_CANCELLED, 2, p);
	return db_ok(res) && PQntuples(res) == 1;
}

/* The client capability a server-to-client method needs, or NULL. */
static const char *
needed_capability(const char *method)
{
	if (strcmp(method, "sampling/createMessage") == 0)
		return "sampling";
	if (strcmp(method, "elicitation/create") == 0)
		return "elicitation";
	if (strcmp(method, "roots/list") == 0)
		return "roots";
	return NULL;
}

/* Reads the client's stored answer: 1 answered (rc set), 0 not yet, -1 error. */
static int
read_answer(struct mcp_ctx *c, const char *id, struct json_object **result,
    int *rc)
{
	const char *p[2] = { c->session_id, id };
	PGresult *res = db_query(c->req->app->db, c->arena, Q_MCP_PENDING_GET, 2, p);
	struct json_object *v, *r, *e;
	const char *text;

	if (!db_ok(res))
		return -1;
	if ((text = db_value(res, 0, 0)) == NULL)
		return 0;
	if (json_parse_strict(text, strlen(text), 64, &v, NULL) != JP_OK) {
		*rc = mcp_fail(c, MCP_INTERNAL_ERROR, "the client's answer is not JSON");
		return 1;
	}
	arena_defer(c->arena, json_put_cb, v);
	if (json_object_object_get_ex(v, "result", &r)) {
		*result = r;
		*rc = 0;
	} else if (json_object_object_get_ex(v, "error", &e)) {
		struct json_object *code = json_get(e, "code", json_type_int);
		const char *msg = json_get_str(e, "message");
		*rc = mcp_fail(c, code ? json_object_get_int(code) : MCP_INTERNAL_ERROR,
		    "%s", msg ? msg : "the client answered with an error");
		if (*rc >= 0)
			*rc = MCP_INTERNAL_ERROR;
	} else
		*rc = mcp_fail(c, MCP_INTERNAL_ERROR, "the client's answer has no result");
	return 1;
}

/* Whether the session's client declared capability cap. */
static int
client_has(const struct mcp_ctx *c, const char *cap)
{
	struct json_object *caps;
	int has;

	if (c->client_caps == NULL || json_parse_strict(c->client_caps,
	    strlen(c->client_caps), 64, &caps, NULL) != JP_OK)
		return 0;
	has = json_object_object_get_ex(caps, cap, NULL);
	json_object_put(caps);
	return has;
}

/*
 * Sends a request to the client and waits for its answer, which any worker
 * may receive (it stores it and NOTIFYs "r:<session>:<id>").
 */
int
mcp_request(struct mcp_ctx *c, const char *method, struct json_object *params,
    int timeout_ms, struct json_object **result)
{
	struct db *d = c->req->app->db;
	const char *cap = needed_capability(method), *p[3];
	struct json_object *m;
	char id[40], rid[25], rkey[128], ckey[320];
	const char *keys[2];
	long long deadline;
	int rc = MCP_INTERNAL_ERROR, got;

	*result = NULL;
	if (cap != NULL && !client_has(c, cap)) {
		json_object_put(params);
		return mcp_fail(c, MCP_INVALID_REQUEST,
		    "the client does not support %s", cap);
	}
	if (!c->stream->accept_sse || crypto_random_id(rid, sizeof(rid), 12) != 24) {
		json_object_put(params);
		return mcp_fail(c, MCP_INTERNAL_ERROR,
		    "this request's client does not accept a stream");
	}
	snprintf(id, sizeof(id), "srv-%s", rid);
	if (timeout_ms <= 0)
		timeout_ms = c->srv->request_timeout_ms > 0 ?
		    c->srv->request_timeout_ms : 60000;
	m = json_object_new_object();
	json_object_object_add(m, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(m, "id", json_object_new_string(id));
	json_object_object_add(m, "method", json_object_new_string(method));
	if (params != NULL)
		json_object_object_add(m, "params", params);

	p[0] = c->session_id;
	p[1] = id;
	p[2] = method;
	/* Listen first: an answer that comes back at once is not missed. */
	if (mcp_stream_row(c) == -1 || mcp_listen(d, 1) == -1 ||
	    !db_ok(db_query(d, c->arena, Q_MCP_PENDING_ADD, 3, p))) {
		json_object_put(m);
		mcp_listen(d, 0);
		return mcp_fail(c, MCP_INTERNAL_ERROR, "could not send the request");
	}
	if (mcp_emit(c, json_plain(m), 0) == -1) {
		json_object_put(m);
		rc = mcp_fail(c, MCP_INTERNAL_ERROR, "could not send the request");
		goto out;
	}
	json_object_put(m);
	snprintf(rkey, sizeof(rkey), "r:%s:%s", c->session_id, id);
	snprintf(ckey, sizeof(ckey), "c:%s:%s", c->session_id,
	    c->request_id ? json_plain(c->request_id) : "");
	keys[0] = rkey;
	keys[1] = ckey;
	deadline = mono_ms() + timeout_ms;
	for (;;) {
		if ((got = read_answer(c, id, result, &rc)) != 0) {
			if (got < 0)
				rc = mcp_fail(c, MCP_INTERNAL_ERROR, "could not read the answer");
			break;
		}
		if (mcp_cancelled(c)) {
			rc = mcp_fail(c, MCP_REQUEST_TIMEOUT, "the request was cancelled");
			break;
		}
		got = mcp_wait(d, keys, 2, resp_stream_fd(c->resp), deadline);
		if (got == MCP_WAIT_GONE) {
			/* The client may still answer after resuming: keep waiting. */
			c->stream->mode = MCP_DETACHED;
			resp_stream_end(c->resp);
			continue;
		}
		if (got == 0 && mono_ms() >= deadline) {
			rc = mcp_fail(c, MCP_REQUEST_TIMEOUT,
			    "no answer to %s within %d ms", method, timeout_ms);
			break;
		}
		if (got < 0) {
			rc = mcp_fail(c, MCP_INTERNAL_ERROR, "lost the database while waiting");
			break;
		}
	}
out:
	mcp_listen(d, 0);
	(void)db_query(d, c->arena, Q_MCP_PENDING_DELETE, 2, p);
	return rc;
}

/* --- methods ------------------------------------------------------------ */

/* The initialize result: version, capabilities, server info, instructions. */
struct json_object *
mcp_initialize_result(const struct mcp_server *s, const char *version)
{
	struct json_object *r = json_object_new_object(), *caps, *info, *o;

	json_object_object_add(r, "protocolVersion", json_object_new_string(version));
	caps = json_object_new_object();
	if (s->tools_list != NULL) {
		o = json_object_new_object();
		json_object_object_add(o, "listChanged",
		    json_object_new_boolean(!!(s->flags & MCP_TOOLS_LIST_CHANGED)));
		json_object_object_add(caps, "tools", o);
	}
	if (s->resources_list != NULL) {
		o = json_object_new_object();
		json_object_object_add(o, "subscribe",
		    json_object_new_boolean(!!(s->flags & MCP_RESOURCES_SUBSCRIBE)));
		json_object_object_add(o, "listChanged",
		    json_object_new_boolean(!!(s->flags & MCP_RESOURCES_LIST_CHANGED)));
		json_object_object_add(caps, "resources", o);
	}
	if (s->prompts_list != NULL) {
		o = json_object_new_object();
		json_object_object_add(o, "listChanged",
		    json_object_new_boolean(!!(s->flags & MCP_PROMPTS_LIST_CHANGED)));
		json_object_object_add(caps, "prompts", o);
	}
	if (s->completion_complete != NULL)
		json_object_object_add(caps, "completions", json_object_new_object());
	json_object_object_add(caps, "logging", json_object_new_object());
	json_object_object_add(r, "capabilities", caps);
	info = json_object_new_object();
	json_object_object_add(info, "name", json_object_new_string(s->name));
	if (s->title != NULL)
		json_object_object_add(info, "title", json_object_new_string(s->title));
	json_object_object_add(info, "version", json_object_new_string(s->version));
	json_object_object_add(r, "serverInfo", info);
	if (s->instructions != NULL)
		json_object_object_add(r, "instructions",
		    json_object_new_string(s->instructions));
	return r;
}

enum mcp_method {
	M_PING, M_TOOLS_LIST, M_TOOLS_CALL, M_RESOURCES_LIST, M_RESOURCES_READ,
	M_RESOURCES_TEMPLATES_LIST, M_RESOURCES_SUBSCRIBE, M_RESOURCES_UNSUBSCRIBE,
	M_PROMPTS_LIST, M_PROMPTS_GET, M_COMPLETION_COMPLETE, M_LOGGING_SET_LEVEL,
	M__MAX
};

static const struct {
	const char	*name;
	size_t		 handler;    /* offset of the mcp_method_fn, or 0 */
	const char	*required;   /* a string member params must carry */
} methods[M__MAX] = {
	[M_PING] = { "ping", 0, NULL },
	[M_TOOLS_LIST] = { "tools/list", offsetof(struct mcp_server, tools_list), NULL },
	[M_TOOLS_CALL] = { "tools/call", offsetof(struct mcp_server, tools_call), "name" },
	[M_RESOURCES_LIST] = { "resources/list",
	    offsetof(struct mcp_server, resources_list), NULL },
	[M_RESOURCES_READ] = { "resources/read",
	    offsetof(struct mcp_server, resources_read), "uri" },
	[M_RESOURCES_TEMPLATES_LIST] = { "resources/templates/list",
	    offsetof(struct mcp_server, resources_templates_list), NULL },
	[M_RESOURCES_SUBSCRIBE] = { "resources/subscribe",
	    offsetof(struct mcp_server, resources_subscribe), "uri" },
	[M_RESOURCES_UNSUBSCRIBE] = { "resources/unsubscribe",
	    offsetof(struct mcp_server, resources_unsubscribe), "uri" },
	[M_PROMPTS_LIST] = { "prompts/list", offsetof(struct mcp_server, prompts_list), NULL },
	[M_PROMPTS_GET] = { "prompts/get", offsetof(struct mcp_server, prompts_get), "name" },
	[M_COMPLETION_COMPLETE] = { "completion/complete",
	    offsetof(struct mcp_server, completion_complete), "" },
	[M_LOGGING_SET_LEVEL] = { "logging/setLevel",
	    offsetof(struct mcp_server, logging_set_level), "level" },
};

static mcp_method_fn
handler_at(const struct mcp_server *s, size_t off)
{
	mcp_method_fn fn;

	memcpy(&fn, (const char *)s + off, sizeof(fn));
	return fn;
}

/*
 * Runs one request (not initialize) against the server's handlers. Returns
 * 0 with result filled, or a JSON-RPC error code with ctx->errmsg set.
 */
int
mcp_dispatch(struct mcp_ctx *c, const char *method, struct json_object *params,
    struct json_object *result)
{
	const struct mcp_server *s = c->srv;
	const char *p[2];
	mcp_method_fn fn;
	int m;

	for (m = 0; m < M__MAX; m++)
		if (strcmp(method, methods[m].name) == 0)
			break;
	if (m == M__MAX)
		return mcp_fail(c, MCP_METHOD_NOT_FOUND, "unknown method %.100s", method);
	if (m == M_PING)
		return 0;
	fn = handler_at(s, methods[m].handler);
	/* A capability the server does not offer is an unknown method. */
	if ((m == M_RESOURCES_SUBSCRIBE || m == M_RESOURCES_UNSUBSCRIBE) ?
	    !(s->flags & MCP_RESOURCES_SUBSCRIBE) || s->resources_list == NULL :
	    m == M_LOGGING_SET_LEVEL ? 0 : fn == NULL)
		return mcp_fail(c, MCP_METHOD_NOT_FOUND, "%s is not offered here", method);
	if (methods[m].required != NULL &&
	    (params == NULL || (methods[m].required[0] != '\0' &&
	    json_get(params, methods[m].required, json_type_string) == NULL)))
		return mcp_fail(c, MCP_INVALID_PARAMS, "params.%s must be a string",
		    methods[m].required[0] ? methods[m].required : "ref");
	p[0] = c->session_id;
	switch (m) {
	case M_RESOURCES_SUBSCRIBE:
	case M_RESOURCES_UNSUBSCRIBE:
		p[1] = json_get_str(params, "uri");
		if (!db_ok(db_query(c->req->app->db, c->arena,
		    m == M_RESOURCES_SUBSCRIBE ? Q_MCP_SUBSCRIBE : Q_MCP_UNSUBSCRIBE,
		    2, p)))
			return mcp_fail(c, MCP_INTERNAL_ERROR, "could not store the subscription");
		break;
	case M_LOGGING_SET_LEVEL: {
		int lv = mcp_log_level_parse(json_get_str(params, "level"));
		if (lv < 0)
			return mcp_fail(c, MCP_INVALID_PARAMS, "unknown logging level");
		p[1] = mcp_log_level_names[lv];
		if (!db_ok(db_query(c->req->app->db, c->arena, Q_MCP_SESSION_SET_LEVEL,
		    2, p)))
			return mcp_fail(c, MCP_INTERNAL_ERROR, "could not store the level");
		mcp_sessions_changed(c->req->app->mcp_shared);
		c->log_level = (enum mcp_log_level)lv;
		break;
	}
	case M_TOOLS_CALL: {
		struct json_object *args = NULL;
		if (json_object_object_get_ex(params, "arguments", &args) &&
		    !json_object_is_type(args, json_type_object))
			return mcp_fail(c, MCP_INVALID_PARAMS, "params.arguments must be an object");
		break;
	}
	default:
		break;
	}
	return fn != NULL ? fn(c, params, result) : 0;
}
