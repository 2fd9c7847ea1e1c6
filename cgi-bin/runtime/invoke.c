/*
 * The public endpoint POST /agents/:agentId: runs the agent's graph on the
 * JSON body and answers with what its response tool built. Each call is
 * logged (agent, version, status, latency) without a second synchronous
 * commit: a run that inserted documents commits them and its log line in
 * one statement; a run that wrote nothing logs with an asynchronous commit.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "config.h"
#include "crypto.h"
#include "log.h"
#include "runtime.h"
#include "tools.h"

/*
 * Hands the call's log row to the log writer (never waits): one line of
 * COPY text, the columns of the rt_log_copy statement.
 */
void
rt_log_call(struct req *r, const char *agent, int version, const char *channel,
    int status, long long latency_us, long long at_us, const char *error)
{
	char at[ISO_UTC_SIZE];
	struct buf b;

	iso_utc_us(at_us, at);
	buf_init(&b, r->arena, 256);
	buf_put_copy_text(&b, agent, strlen(agent));
	buf_putc(&b, '\t');
	buf_put_llong(&b, version);
	buf_putc(&b, '\t');
	buf_puts(&b, channel);
	buf_putc(&b, '\t');
	buf_put_llong(&b, status);
	buf_putc(&b, '\t');
	buf_put_llong(&b, latency_us);
	buf_putc(&b, '\t');
	buf_puts(&b, at);
	buf_putc(&b, '\t');
	if (error != NULL) {
		size_t n = strnlen(error, 301);
		if (n > 300)   /* cut at a character boundary: COPY wants UTF-8 */
			for (n = 300; n > 0 && ((unsigned char)error[n] & 0xc0) == 0x80; n--)
				;
		buf_put_copy_text(&b, error, n);
	} else
		buf_puts(&b, "\\N");
	buf_putc(&b, '\n');
	app_log(r->app, b.data, b.len);
}

/*
 * 1 if the request may call the agent: it has no access key, or the
 * request carries it as Bearer (compared by hash, in constant time).
 */
static int
key_ok(struct req *r, const struct plan *p)
{
	const char *tok;
	char h[65];

	if (p->access_hash[0] == '\0')
		return 1;
	if ((tok = bearer_token(r)) == NULL)
		return 0;
	sha256_hex(tok, strlen(tok), h);
	return crypto_timingsafe_eq(h, p->access_hash, 64);
}

/*
 * 1 if the agent's own rate (its deployment's rateLimit) lets this call
 * in, else 0 with 429 written. The buckets are in the runtime's shared
 * memory, so the rate holds across this host's workers; with
 * ORX_RATE_HOSTS hosts serving the agent, each takes its share of it.
 */
static int
rate_ok(struct req *r, struct resp *w, const struct plan *p)
{
	double milli = p->rate_per_second * 1000.0 / (double)r->app->cfg->rate_hosts;
	long long retry;
	char *secs;

	if (p->rate_per_second <= 0 || RT_SHARED(r) == NULL ||
	    rl_take(&RT_SHARED(r)->rates, p->id, milli < 1 ? 1 : (unsigned long)milli,
	    p->rate_burst, mono_us(), &retry))
		return 1;
	secs = arena_printf(r->arena, "%lld", retry / 1000000 + 1);
	resp_header(w, "Retry-After", secs);
	resp_error(w, HTTP_TOO_MANY_REQUESTS, "rate_limited",
	    "this agent takes %g calls per second; slow down", p->rate_per_second);
	return 0;
}

/*
 * The agent of the request's path (r->param[0]), when the request may call
 * it. Returns its plan -- valid until the next rt_plan() of this worker --
 * or NULL with the refusal written into w (404, 401, 503 or 500) and *st
 * set to its status. A call refused for its access key or the agent's
 * rate is logged, on channel ("http" or "mcp").
 */
struct plan *
rt_agent(struct req *r, struct resp *w, const char *channel, int *st)
{
	struct plan *p;
	const char *key_trouble = NULL;
	int status = HTTP_NOT_FOUND;

	if ((p = rt_plan(r, r->param[0], &status, &key_trouble)) == NULL) {
		if (status == HTTP_NOT_FOUND)
			*st = resp_error(w, status, "not_found", "no such agent");
		else if (status == HTTP_MISDIRECTED)
			*st = resp_error(w, status, "dedicated", "this agent runs in its own "
			    "Kubernetes deployment; call it at its endpoint (GET /mcp/agents/%s)",
			    r->param[0]);
		else if (key_trouble != NULL)
			*st = resp_error(w, HTTP_INTERNAL_ERROR, "secrets_key",
			    "the runtime's secrets key cannot open this agent's secrets: %s",
			    key_trouble);
		else if (status == HTTP_SERVICE_UNAVAILABLE)
			*st = resp_unavailable(w);
		else
			*st = resp_error(w, HTTP_INTERNAL_ERROR, "internal",
			    "the agent cannot run");
		return NULL;
	}
	if (!key_ok(r, p)) {
		resp_header(w, "WWW-Authenticate", "Bearer");
		*st = resp_error(w, HTTP_UNAUTHORIZED, "unauthorized",
		    "this agent needs its access key as a Bearer token");
		rt_log_call(r, p->id, p->version, channel, *st,
		    mono_us() - r->started_us, wall_us(), "unauthorized");
		return NULL;
	}
	if (!rate_ok(r, w, p)) {
		*st = w->status;
		rt_log_call(r, p->id, p->version, channel, *st,
		    mono_us() - r->started_us, wall_us(), "rate limited");
		return NULL;
	}
	return p;
}

/*
 * The router's refused hook (ROUTE_TELL_REFUSED routes): a call to an
 * agent that the dispatcher refused (a body that is not a JSON object, too
 * large, of another type, a bad query) is still a call its dashboard
 * shows, with the refusal's status and message -- when the agent exists.
 * An id that names no agent is not logged: anyone could fill the log so.
 */
void
rt_call_refused(struct req *r, const struct route *rte, const struct resp *w)
{
	const char *channel = rte->handler == h_agent_mcp ? "mcp" : "http";
	struct json_object *env, *e;
	struct plan *p;
	const char *key_trouble = NULL;
	int status = 0;

	if (r->nparam < 1 || (p = rt_plan(r, r->param[0], &status, &key_trouble)) == NULL)
		return;
	env = w->body.len > 0 ? json_tokener_parse(w->body.data) : NULL;
	e = env != NULL ? json_object_object_get(env, "error") : NULL;
	rt_log_call(r, p->id, p->version, channel, w->status,
	    mono_us() - r->started_us, wall_us(),
	    e != NULL && json_get_str(e, "message") ? json_get_str(e, "message") :
	    http_reason(w->status));
	json_object_put(env);
}

/*
 * Commits a run's buffered inserts (pending) into the collections of the
 * agent's owner and environment: one statement, one commit; a lone
 * document with at most one unique field is grouped with other workers'
 * (commit.c). On GC_DUPLICATE, field names the taken field.
 */
static enum gc_outcome
commit_pending(struct req *r, const struct plan *p, struct json_object *pending,
    char *field, size_t fieldsz)
{
	struct json_object *w = json_object_array_get_idx(pending, 0);
	struct json_object *uniq = json_object_object_get(w, "unique");
	size_t nuniq = json_object_array_length(uniq);
	PGresult *pg;

	snprintf(field, fieldsz, "a unique field");
	if (json_object_array_length(pending) == 1 && nuniq <= 1 && r->app->shared != NULL) {
		const char *f = nuniq == 1 ?
		    json_object_get_string(json_object_array_get_idx(uniq, 0)) : NULL;

		if (f != NULL)
			snprintf(field, fieldsz, "%s", f);
		return rt_commit_grouped(r, json_get_str(w, "id"), p->owner, p->environment,
		    json_get_str(w, "collection"),
		    json_text(r->arena, json_object_object_get(w, "document"), NULL), f);
	}
	if (json_object_array_length(pending) == 1) {
		const char *params[6] = { json_get_str(w, "id"), p->owner, p->environment,
		    json_get_str(w, "collection"),
		    json_plain(json_object_object_get(w, "document")), json_plain(uniq) };
		pg = db_query(r->app->db, r->arena, Q_RT_COMMIT_ONE, 6, params);
	} else {
		const char *params[3] = { json_plain(pending), p->owner, p->environment };
		pg = db_query(r->app->db, r->arena, Q_RT_COMMIT_RUN, 3, params);
	}
	return rt_commit_outcome(pg, field, fieldsz);
}

/*
 * Replaces a run's result with the failure of a commit (out, not GC_OK):
 * 409 with the taken field, or 503 as when the database is away.
 */
static void
run_not_stored(struct exec_result *res, enum gc_outcome out, const char *field)
{
	struct json_object *details = NULL;
	char msg[200];

	exec_result_free(res);
	memset(res, 0, sizeof(*res));
	res->status = EXEC_FAILED;
	res->http_status = out == GC_DUPLICATE ? HTTP_CONFLICT : HTTP_SERVICE_UNAVAILABLE;
	if (out == GC_DUPLICATE) {
		details = json_object_new_array();
		snprintf(msg, sizeof(msg), "/%s", field);
		errs_add(details, msg, "is already taken");
		snprintf(msg, sizeof(msg), "a document with this %s already exists", field);
	} else if (out == GC_UNKNOWN)
		snprintf(msg, sizeof(msg), "the process committing this call stopped: its write may or may not be stored");
	else
		snprintf(msg, sizeof(msg), "%s", DB_UNAVAILABLE_MESSAGE);
	res->error = json_object_new_object();
	json_object_object_add(res->error, "code",
	    json_object_new_string(out == GC_DUPLICATE ? "duplicate" : "unavailable"));
	json_object_object_add(res->error, "message", json_object_new_string(msg));
	if (details != NULL)
		json_object_object_add(res->error, "details", details);
}

/*
 * Runs the agent's plan p on input for a channel ("http" or "mcp"),
 * persisting its writes and its invocation. Returns 0 with res filled
 * (free it), or -1 when no execution id could be made.
 */
int
rt_run(struct req *r, struct plan *p, struct json_object *input,
    const char *channel, struct exec_result *res)
{
	long long t0 = mono_us(), at = wall_us();
	const char *agent_id = p->id;
	struct exec_env env;
	char exe[40] = "";

	/* Production keeps no execution record: an id only for templates. */
	if (p->uses_env && id_pool_new(&RT(r)->kit.ids, exe, sizeof(exe), "exe_", 20) == -1)
		return -1;
	memset(&env, 0, sizeof(env));
	env.ids = &RT(r)->kit.ids;
	env.db = r->app->db;
	env.cfg = r->app->cfg;
	env.owner = p->owner;
	env.environment = p->environment;
	env.secrets = p->secrets;
	/* {{request.*}}: the call's headers and raw body (HTTP), or the MCP
	 * call's arguments as JSON text and no headers. */
	if (p->uses_request) {
		if (strcmp(channel, "http") == 0)
			env.request = req_request_json(r);
		else {
			env.request = json_object_new_object();
			json_object_object_add(env.request, "headers", json_object_new_object());
			json_object_object_add(env.request, "body",
			    json_object_new_string(json_text(r->arena, input, NULL)));
		}
		arena_defer(r->arena, json_put_cb, env.request);
	}
	env.execution_id = exe;
	env.defer_writes = p->deferrable;
	env.no_trace = 1;  /* production answers with the output alone */
	env.pending = json_object_new_array();
	engine_run(p, &env, input, res);

	if (res->status == EXEC_WAITING) {
		/* Kept with its writes; the answer is the 202 that says where to
		 * follow it. */
		if ((exe[0] == '\0' && id_pool_new(&RT(r)->kit.ids, exe, sizeof(exe), "exe_",
		    20) == -1) || rt_keep_waiting(r, p, exe, input, res) == -1) {
			log_warn("agent %s: a waiting call could not be kept", agent_id);
			run_not_stored(res, GC_FAILED, NULL);
		}
	} else if (res->status == EXEC_SUCCEEDED && json_object_array_length(env.pending) > 0) {
		char field[80];
		enum gc_outcome out = commit_pending(r, p, env.pending, field, sizeof(field));

		if (out != GC_OK)
			run_not_stored(res, out, field);
	} else if (env.in_tx && db_commit(r->app->db) == -1) {
		/* A plan that could not defer ran in the engine's transaction. */
		run_not_stored(res, GC_FAILED, NULL);
	}
	rt_log_call(r, agent_id, p->version, channel, res->http_status, mono_us() - t0, at,
	    res->error ? json_get_str(res->error, "message") : NULL);
	json_object_put(env.pending);
	return 0;
}

int
h_agent_invoke(struct req *r, struct resp *w)
{
	struct json_object *input = r->json;
	struct exec_result res;
	struct plan *p;
	int st;

	if ((p = rt_agent(r, w, "http", &st)) == NULL) {
		/* The agent could not be read (database away): still a call
		 * its dashboard shows, once the log writer can write it. Its
		 * version is not known here: 0. */
		if (st == HTTP_SERVICE_UNAVAILABLE)
			rt_log_call(r, r->param[0], 0, "http", st, mono_us() - r->started_us,
			    wall_us(), DB_UNAVAILABLE_MESSAGE);
		return st;
	}
	if (input == NULL) {
		input = json_object_new_object();
		arena_defer(r->arena, json_put_cb, input);
	}
	if (rt_run(r, p, input, "http", &res) == -1)
		return resp_error(w, HTTP_INTERNAL_ERROR, "internal", "the agent cannot run");
	if (res.status == EXEC_SUCCEEDED || res.status == EXEC_WAITING) {
		size_t len = 4;
		const char *body = res.output ? json_text(r->arena, res.output, &len) : "null";
		resp_raw_json(w, res.http_status, body, len);
		if (res.headers != NULL) {
			json_object_object_foreach(res.headers, name, val)
				resp_header(w, arena_strdup(r->arena, name),
				    arena_strdup(r->arena, json_object_get_string(val)));
		}
	} else {
		struct json_object *e = res.error;

		/* The database away, in a tool or at the commit: as on every route. */
		if (res.http_status == HTTP_SERVICE_UNAVAILABLE)
			resp_header(w, "Retry-After", "1");
		resp_error_details(w, res.http_status,
		    e ? json_get_str(e, "code") : "failed",
		    e && json_get_str(e, "message") ? json_get_str(e, "message") : "the run failed",
		    e && json_object_object_get(e, "details") ?
		    json_object_get(json_object_object_get(e, "details")) : NULL);
	}
	exec_result_free(&res);
	return w->status;
}
