/*
 * The Streamable HTTP transport of the MCP layer: one handler for POST, GET
 * and DELETE of an endpoint. It checks Host and Origin (403), the session
 * header (400 missing or malformed, 404 unknown or expired), the protocol
 * version header (400 unsupported), then serves: POST with JSON or SSE
 * (202 for notifications and responses), GET as a bounded SSE stream that
 * replays stored events after Last-Event-ID and waits for new ones, DELETE
 * to end the session.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "clock.h"
#include "config.h"
#include "crypto.h"
#include "db.h"
#include "json.h"
#include "log.h"
#include "mcp.h"
#include "mcp_cache.h"
#include "mcp_private.h"
#include "mcp_shared.h"

#define DEFAULT_TTL_S		3600
#define DEFAULT_HOLD_MS		10000

/* Headers copied out of envp at once (a stream's end frees envp). */
struct hdrs {
	const char	*session, *version, *accept, *origin, *host, *last_event;
};

static const char *
copy_header(struct req *r, const char *name)
{
	const char *v = req_header(r, name);

	return v ? arena_strdup(r->arena, v) : NULL;
}

/* An HTTP-level refusal with a JSON-RPC error body (id null). */
static int
refuse(struct req *r, struct resp *w, int status, int code, const char *msg)
{
	const char *s = mcp_error_json(r->arena, NULL, code, msg);

	return resp_raw_json(w, status, s, strlen(s));
}

static int
json_type_ok(const char *ct)
{
	size_t n;

	if (ct == NULL)
		return 0;
	n = strcspn(ct, "; ");
	return n == 16 && strncasecmp(ct, "application/json", 16) == 0;
}

/*
 * This worker's session cache, synced with the program's change counter;
 * NULL (read the database every time) when it is configured off, the
 * program's workers share no memory, or it cannot be made.
 */
static struct mcp_cache *
session_cache(struct mcp_ctx *c)
{
	struct app *app = c->req->app;

	if (app->cfg->mcp_session_cache_ms <= 0 || app->mcp_shared == NULL)
		return NULL;
	if (app->mcp_cache == NULL && (app->mcp_cache = mcp_cache_new()) == NULL)
		return NULL;
	mcp_cache_sync(app->mcp_cache, atomic_load(&app->mcp_shared->session_changes));
	return app->mcp_cache;
}

static const char *
or_empty(const char *v)
{
	return v != NULL ? v : "";
}

/* What a session's row says, from the cache or the database. */
struct session_row {
	const char	*protocol_version, *caps, *log_level, *owner, *get_stream;
};

/*
 * Loads the session into c: from this worker's cache, or from the database
 * (touching its last_seen). 0, or the HTTP status to answer.
 */
static int
load_session(struct mcp_ctx *c, const struct hdrs *h, struct resp *w)
{
	char ttl[16];
	const char *p[3];
	PGresult *res;
	struct mcp_cache *cache;
	const struct mcp_cached_session *hit = NULL;
	struct session_row row;
	long long now = mono_us();
	int lv;

	if (h->session == NULL)
		return refuse(c->req, w, HTTP_BAD_REQUEST, MCP_SERVER_ERROR,
		    "Bad Request: the MCP-Session-Id header is required");
	if (!mcp_session_id_valid(h->session))
		return refuse(c->req, w, HTTP_BAD_REQUEST, MCP_SERVER_ERROR,
		    "Bad Request: MCP-Session-Id must be 32 lowercase hex digits");
	if ((cache = session_cache(c)) != NULL)
		hit = mcp_cache_find(cache, h->session, c->endpoint, now,
		    c->req->app->cfg->mcp_session_cache_ms * 1000);
	if (hit != NULL) {
		row.protocol_version = hit->protocol_version;
		row.caps = hit->caps;
		row.log_level = hit->log_level;
		row.owner = hit->owner;
		row.get_stream = hit->get_stream;
	} else {
		snprintf(ttl, sizeof(ttl), "%d", c->srv->session_ttl_s > 0 ?
		    c->srv->session_ttl_s : DEFAULT_TTL_S);
		p[0] = h->session;
		p[1] = c->endpoint;
		p[2] = ttl;
		res = db_query(c->req->app->db, c->arena, Q_MCP_SESSION_TOUCH, 3, p);
		if (res == NULL)
			return resp_unavailable(w);
		if (!db_ok(res))
			return refuse(c->req, w, HTTP_INTERNAL_ERROR, MCP_INTERNAL_ERROR,
			    "the session could not be read");
		if (PQntuples(res) != 1)
			return refuse(c->req, w, HTTP_NOT_FOUND, MCP_SERVER_ERROR,
			    "Session not found: it ended or expired; initialize a new one");
		/* Columns NOT NULL (owner through coalesce): "" if ever not. */
		row.protocol_version = or_empty(db_value(res, 0, 0));
		row.caps = or_empty(db_value(res, 0, 1));
		row.log_level = or_empty(db_value(res, 0, 2));
		row.owner = or_empty(db_value(res, 0, 3));
		row.get_stream = or_empty(db_value(res, 0, 4));
		if (cache != NULL)
			(void)mcp_cache_put(cache, h->session, c->endpoint, row.protocol_version,
			    row.owner, row.get_stream, row.log_level, row.caps, now);
	}
	/* Another owner's session is no session of yours. */
	if (row.owner[0] != '\0' && (c->req->auth.owner_id == NULL ||
	    strcmp(row.owner, c->req->auth.owner_id) != 0))
		return refuse(c->req, w, HTTP_NOT_FOUND, MCP_SERVER_ERROR,
		    "Session not found: it ended or expired; initialize a new one");
	c->session_id = h->session;
	c->protocol_version = arena_strdup(c->arena, row.protocol_version);
	c->client_caps = arena_strdup(c->arena, row.caps);  /* parsed if asked */
	snprintf(c->stream->session_stream, sizeof(c->stream->session_stream), "%s",
	    row.get_stream);
	lv = mcp_log_level_parse(row.log_level);
	c->log_level = lv >= 0 ? (enum mcp_log_level)lv : MCP_LOG_INFO;
	return 0;
}

/* initialize: a new session, its id in the MCP-Session-Id header. */
static int
initialize(struct mcp_ctx *c, struct mcp_msg *m, struct resp *w)
{
	struct json_object *pv = m->params ? json_get(m->params, "protocolVersion",
	    json_type_string) : NULL;
	struct json_object *caps = m->params ? json_get(m->params, "capabilities",
	    json_type_object) : NULL;
	struct json_object *info = m->params ? json_get(m->params, "clientInfo",
	    json_type_object) : NULL;
	char sid[33], gid[25], ttl[16];
	const char *p[7], *version, *s;
	struct json_object *result;

	if (pv == NULL || info == NULL) {
		s = mcp_error_json(c->arena, m->id, MCP_INVALID_PARAMS,
		    "initialize needs params.protocolVersion and params.clientInfo");
		return resp_raw_json(w, HTTP_OK, s, strlen(s));
	}
	version = mcp_version_negotiate(json_object_get_string(pv));
	if (crypto_random_id(sid, sizeof(sid), 16) != 32 ||
	    crypto_random_id(gid, sizeof(gid), 12) != 24)
		return refuse(c->req, w, HTTP_INTERNAL_ERROR, MCP_INTERNAL_ERROR,
		    "no randomness");
	/* Idle sessions go here, a few at a time, by whoever starts one. */
	snprintf(ttl, sizeof(ttl), "%d", c->srv->session_ttl_s > 0 ?
	    c->srv->session_ttl_s : DEFAULT_TTL_S);
	p[0] = ttl;
	(void)db_query(c->req->app->db, c->arena, Q_MCP_SESSIONS_EXPIRE, 1, p);
	(void)db_query(c->req->app->db, c->arena, Q_MCP_STREAMS_PRUNE, 0, p);
	p[0] = sid;
	p[1] = c->endpoint;
	p[2] = c->req->auth.owner_id;
	p[3] = version;
	p[4] = json_plain(info);
	p[5] = caps ? json_plain(caps) : "{}";
	p[6] = gid;
	PGresult *res = db_query(c->req->app->db, c->arena, Q_MCP_SESSION_CREATE, 7, p);
	if (res == NULL)
		return resp_unavailable(w);
	if (!db_ok(res))
		return refuse(c->req, w, HTTP_INTERNAL_ERROR, MCP_INTERNAL_ERROR,
		    "the session could not be stored");
	result = mcp_initialize_result(c->srv, version);
	s = mcp_result_json(c->arena, m->id, result);
	json_object_put(result);
	resp_header(w, "MCP-Session-Id", arena_strdup(c->arena, sid));
	return resp_raw_json(w, HTTP_OK, s, strlen(s));
}

/* A client's answer to one of our requests: stored, and its waiter woken. */
static int
client_answer(struct mcp_ctx *c, struct mcp_msg *m, const char *body,
    struct resp *w)
{
	const char *p[3];

	if (json_object_is_type(m->id, json_type_string)) {
		p[0] = c->session_id;
		p[1] = json_object_get_string(m->id);
		p[2] = body;
		if (db_query(c->req->app->db, c->arena, Q_MCP_PENDING_ANSWER, 3, p) == NULL)
			return resp_unavailable(w);
	}
	w->status = HTTP_ACCEPTED;
	return HTTP_ACCEPTED;
}

static int
notification(struct mcp_ctx *c, struct mcp_msg *m, struct resp *w)
{
	struct json_object *rid;
	const char *p[2];

	if (strcmp(m->method, "notifications/cancelled") == 0 && m->params != NULL &&
	    json_object_object_get_ex(m->params, "requestId", &rid)) {
		p[0] = c->session_id;
		p[1] = json_plain(rid);
		if (db_query(c->req->app->db, c->arena, Q_MCP_CANCEL, 2, p) == NULL)
			return resp_unavailable(w);
	}
	/* notifications/initialized and others need nothing from us. */
	w->status = HTTP_ACCEPTED;
	return HTTP_ACCEPTED;
}

static int
post(struct mcp_ctx *c, const struct hdrs *h, struct resp *w)
{
	struct req *r = c->req;
	struct json_object *root, *result, *meta;
	struct mcp_msg m;
	const char *why, *s;
	int rc, st;

	if (!json_type_ok(r->content_type))
		return refuse(r, w, HTTP_UNSUPPORTED_MEDIA_TYPE, MCP_SERVER_ERROR,
		    "Unsupported Media Type: send application/json");
	if (!mcp_accepts(h->accept, "application/json") ||
	    !mcp_accepts(h->accept, "text/event-stream"))
		return refuse(r, w, HTTP_NOT_ACCEPTABLE, MCP_SERVER_ERROR,
		    "Not Acceptable: accept both application/json and text/event-stream");
	rc = mcp_msg_parse(r->body ? r->body : "", r->body_len,
	    r->app->cfg->json_max_depth, &root, &m, &why);
	if (root != NULL)
		arena_defer(r->arena, json_put_cb, root);
	if (rc != 0)
		return refuse(r, w, HTTP_BAD_REQUEST, rc, why);
	if (m.kind == MCP_MSG_REQUEST && strcmp(m.method, "initialize") == 0) {
		if (h->session != NULL)
			return refuse(r, w, HTTP_BAD_REQUEST, MCP_INVALID_REQUEST,
			    "Bad Request: this session is already initialized");
		return initialize(c, &m, w);
	}
	if ((st = load_session(c, h, w)) != 0)
		return st;
	if (m.kind == MCP_MSG_RESPONSE)
		return client_answer(c, &m, r->body, w);
	if (m.kind == MCP_MSG_NOTIFICATION)
		return notification(c, &m, w);

	c->request_id = m.id;
	c->stream->accept_sse = h->accept == NULL ||
	    mcp_accepts(h->accept, "text/event-stream");
	if (m.params != NULL && (meta = json_get(m.params, "_meta", json_type_object)) &&
	    json_object_object_get_ex(meta, "progressToken", &c->progress_token) &&
	    !json_object_is_type(c->progress_token, json_type_string) &&
	    !json_object_is_type(c->progress_token, json_type_int))
		c->progress_token = NULL;
	result = json_object_new_object();
	arena_defer(r->arena, json_put_cb, result);
	rc = mcp_dispatch(c, m.method, m.params, result);
	s = rc == 0 ? mcp_result_json(r->arena, m.id, result) :
	    mcp_error_json(r->arena, m.id, rc, c->errmsg);
	if (c->stream->mode == MCP_BUFFERED)
		return resp_raw_json(w, HTTP_OK, s, strlen(s));
	(void)mcp_emit(c, s, 1);  /* a failure is logged; a present client has it */
	return HTTP_OK;
}

/*
 * Replays stream's events after *after and waits for more, until the
 * stream is done (a request's stream: its answer was sent), the hold time
 * passes, or the client leaves. The client comes back with Last-Event-ID.
 */
static void
follow(struct mcp_ctx *c, const char *stream, long long after, int is_post)
{
	struct db *d = c->req->app->db;
	char key[32], last[24];
	const char *keys[1] = { key }, *p[2];
	int hold = c->srv->stream_hold_ms > 0 ? c->srv->stream_hold_ms : DEFAULT_HOLD_MS;
	int slot, locked = 0, limit = c->req->app->cfg->workers / 2;
	long long deadline;
	PGresult *res;
	const char *v;

	/*
	 * Idle clients must not pin the workers: at most half of them hold a
	 * standalone stream, one per session; beyond that a GET answers what
	 * is stored and closes at once, and the client polls (retry:). The
	 * resumption of a request's stream waits for that request's answer.
	 */
	slot = -1;
	if (!is_post) {
		slot = mcp_stream_claim(c->req->app->mcp_shared, limit > 0 ? limit : 1);
		p[0] = c->session_id;
		res = slot >= 0 ? db_query(d, c->arena, Q_MCP_GET_LOCK, 1, p) : NULL;
		v = db_ok(res) ? db_value(res, 0, 0) : NULL;
		locked = v != NULL && v[0] == 't';
		if (!locked)
			hold = 0;
	}
	deadline = mono_ms() + hold;

	snprintf(key, sizeof(key), "e:%s", stream);
	/* Listen before reading: nothing stored meanwhile goes unnoticed. */
	if (hold > 0 && mcp_listen(d, 1) == -1)
		goto out;
	for (;;) {
		int n, done = 0;

		/*
		 * Done is read before the events: the answer and the flag are
		 * written by one statement, so a done stream's events are all in.
		 */
		p[0] = stream;
		if (is_post) {
			p[1] = c->session_id;
			res = db_query(d, c->arena, Q_MCP_STREAM_GET, 2, p);
			v = db_ok(res) ? db_value(res, 0, 1) : NULL;
			done = v == NULL || v[0] == 't';
		}
		snprintf(last, sizeof(last), "%lld", after);
		p[1] = last;
		res = db_query(d, c->arena, Q_MCP_EVENTS_AFTER, 2, p);
		if (!db_ok(res))
			break;
		n = PQntuples(res);
		for (int i = 0; i < n; i++) {
			after = strtoll(db_value(res, i, 0), NULL, 10);
			if (mcp_sse_event(c, stream, after, db_value(res, i, 1)) == -1)
				goto out;
		}
		if (n == 200)
			continue;
		if (done || hold == 0 ||
		    mcp_wait(d, keys, 1, resp_stream_fd(c->resp), deadline) != 1)
			break;
	}
out:
	if (hold > 0)
		mcp_listen(d, 0);
	if (locked) {
		p[0] = c->session_id;
		(void)db_query(d, c->arena, Q_MCP_GET_UNLOCK, 1, p);
	}
	mcp_stream_release(c->req->app->mcp_shared, slot);
}

static int
get(struct mcp_ctx *c, const struct hdrs *h, struct resp *w)
{
	char stream[25], prime[96];
	long long after = 0;
	int st, is_post = 0;
	const char *p[2];
	PGresult *res;

	if (!mcp_accepts(h->accept, "text/event-stream"))
		return refuse(c->req, w, HTTP_NOT_ACCEPTABLE, MCP_SERVER_ERROR,
		    "Not Acceptable: a GET stream is text/event-stream");
	if ((st = load_session(c, h, w)) != 0)
		return st;
	if (h->last_event != NULL) {
		if (mcp_event_id_parse(h->last_event, stream, &after) == -1)
			return refuse(c->req, w, HTTP_BAD_REQUEST, MCP_SERVER_ERROR,
			    "Bad Request: malformed Last-Event-ID");
		p[0] = stream;
		p[1] = c->session_id;
		res = db_query(c->req->app->db, c->arena, Q_MCP_STREAM_GET, 2, p);
		if (res == NULL)
			return resp_unavailable(w);
		if (!db_ok(res) || PQntuples(res) != 1)
			return refuse(c->req, w, HTTP_NOT_FOUND, MCP_SERVER_ERROR,
			    "Last-Event-ID names no stream of this session");
		is_post = strcmp(db_value(res, 0, 0), "post") == 0;
	} else {
		/* A fresh standalone stream starts after what is stored now. */
		snprintf(stream, sizeof(stream), "%s", c->stream->session_stream);
		p[0] = stream;
		res = db_query(c->req->app->db, c->arena, Q_MCP_EVENTS_LAST, 1, p);
		if (!db_ok(res))
			return resp_unavailable(w);
		after = strtoll(db_value(res, 0, 0), NULL, 10);
	}
	if (resp_stream_begin(w, HTTP_OK, "text/event-stream") == -1)
		return refuse(c->req, w, HTTP_METHOD_NOT_ALLOWED, MCP_SERVER_ERROR,
		    "this server offers no GET stream");
	snprintf(prime, sizeof(prime), "id: %s.%lld\nretry: %d\ndata: \n\n", stream,
	    after, c->srv->retry_ms > 0 ? c->srv->retry_ms : 1000);
	if (resp_stream_write(w, prime, strlen(prime)) == 0)
		follow(c, stream, after, is_post);
	return HTTP_OK;
}

static int
del(struct mcp_ctx *c, const struct hdrs *h, struct resp *w)
{
	const char *p[2];
	int st;

	if ((st = load_session(c, h, w)) != 0)
		return st;
	p[0] = c->session_id;
	p[1] = c->endpoint;
	if (db_query(c->req->app->db, c->arena, Q_MCP_SESSION_DELETE, 2, p) == NULL)
		return resp_unavailable(w);
	mcp_sessions_changed(c->req->app->mcp_shared);
	w->status = HTTP_NO_CONTENT;
	return HTTP_NO_CONTENT;
}

/*
 * The route handler of an MCP endpoint (POST, GET, DELETE). srv is the
 * program's static description; user is passed to its handlers in ctx.
 */
int
mcp_handle(const struct mcp_server *srv, void *user, struct req *r,
    struct resp *w)
{
	struct mcp_stream stream;
	struct mcp_ctx c;
	struct hdrs h;
	const char *allow = config_get(r->app->cfg, CFG_MCP_ALLOWED_ORIGINS);

	h.session = copy_header(r, "MCP-Session-Id");
	h.version = copy_header(r, "MCP-Protocol-Version");
	h.accept = copy_header(r, "Accept");
	h.origin = copy_header(r, "Origin");
	h.host = copy_header(r, "Host");
	h.last_event = copy_header(r, "Last-Event-ID");

	/* DNS rebinding: a page elsewhere must not reach a local server. */
	if (!mcp_host_allowed(h.host, config_get(r->app->cfg, CFG_PUBLIC_URL), allow))
		return refuse(r, w, HTTP_FORBIDDEN, MCP_SERVER_ERROR,
		    "Forbidden: this Host is not served here");
	if (!mcp_origin_allowed(h.origin, h.host, allow))
		return refuse(r, w, HTTP_FORBIDDEN, MCP_SERVER_ERROR,
		    "Forbidden: requests from this Origin are not allowed");
	if (h.version != NULL && mcp_version_parse(h.version) < 0)
		return refuse(r, w, HTTP_BAD_REQUEST, MCP_SERVER_ERROR,
		    "Bad Request: unsupported MCP-Protocol-Version");
	if (db_ready(r->app->db) == -1)
		return resp_unavailable(w);

	memset(&stream, 0, sizeof(stream));
	memset(&c, 0, sizeof(c));
	stream.mode = MCP_BUFFERED;
	c.req = r;
	c.resp = w;
	c.auth = &r->auth;
	c.arena = r->arena;
	c.srv = srv;
	c.user = user;
	/* "/x/mcp/" is "/x/mcp" (the router takes both): one session key. */
	c.endpoint = r->path;
	size_t plen = strlen(r->path);
	if (plen > 1 && r->path[plen - 1] == '/')
		c.endpoint = arena_strndup(r->arena, r->path, plen - 1);
	c.stream = &stream;
	c.log_level = MCP_LOG_INFO;
	switch (r->method) {
	case HTTP_POST:
		return post(&c, &h, w);
	case HTTP_GET:
		return get(&c, &h, w);
	case HTTP_DELETE:
		return del(&c, &h, w);
	default:
		resp_header(w, "Allow", "GET, POST, DELETE");
		return refuse(r, w, HTTP_METHOD_NOT_ALLOWED, MCP_SERVER_ERROR,
		    "Method Not Allowed");
	}
}
