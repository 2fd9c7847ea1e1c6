/*
 * The local runtime (SPEC §5, §7): start/stop per workflow, synchronous
 * runs with their trace, and the executions kept in PostgreSQL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "log.h"
#include "orchestrix.h"
#include "toolcheck.h"

#define LIST_DEFAULT	20
#define LIST_MAX	100

static int
runtime_answer(struct req *r, struct resp *w, PGresult *res)
{
	buf_puts(&w->body, "{\"serverId\":");
	buf_put_json_string(&w->body, r->param[0], strlen(r->param[0]));
	buf_printf(&w->body, ",\"status\":\"%s\"", PQgetvalue(res, 0, 0));
	buf_puts(&w->body, ",\"startedAt\":");
	if (PQgetisnull(res, 0, 1))
		buf_puts(&w->body, "null");
	else
		buf_printf(&w->body, "\"%s\"", PQgetvalue(res, 0, 1));
	buf_puts(&w->body, ",\"stoppedAt\":");
	if (PQgetisnull(res, 0, 2))
		buf_puts(&w->body, "null");
	else
		buf_printf(&w->body, "\"%s\"", PQgetvalue(res, 0, 2));
	buf_putc(&w->body, '}');
	w->status = HTTP_OK;
	return HTTP_OK;
}

static int
runtime_set(struct req *r, struct resp *w, const char *status)
{
	const char *params[3] = { r->param[0], r->auth.owner_id, status };
	PGresult *res;

	if ((res = db_query(r->app->db, r->arena, Q_RUNTIME_SET, 3, params)) == NULL)
		return unavailable(w);
	if (!db_ok(res))
		return resp_error(w, HTTP_INTERNAL_ERROR, "internal", "runtime change failed");
	if (PQntuples(res) == 0)
		return resp_error(w, HTTP_NOT_FOUND, "not_found", "no such workflow");
	return runtime_answer(r, w, res);
}

int
h_runtime_start(struct req *r, struct resp *w)
{
	return runtime_set(r, w, "running");
}

int
h_runtime_stop(struct req *r, struct resp *w)
{
	return runtime_set(r, w, "stopped");
}

int
h_runtime_get(struct req *r, struct resp *w)
{
	const char *params[2] = { r->param[0], r->auth.owner_id };
	PGresult *res;

	if ((res = db_query(r->app->db, r->arena, Q_RUNTIME_GET, 2, params)) == NULL)
		return unavailable(w);
	if (!db_ok(res))
		return resp_error(w, HTTP_INTERNAL_ERROR, "internal", "lookup failed");
	if (PQntuples(res) == 0)
		return resp_error(w, HTTP_NOT_FOUND, "not_found", "no such workflow");
	return runtime_answer(r, w, res);
}

/* The plan of (id, version): from the worker's cache, else compiled. */
static struct plan *
plan_for(struct req *r, struct resp *w, const char *id, int version, int *st)
{
	struct plan *p = plan_cache_get(STATE(r)->kit.plans, id, version);
	char ver[16];
	const char *params[2] = { id, ver };
	struct json_object *doc, *errors;
	PGresult *res;

	if (p != NULL)
		return p;
	snprintf(ver, sizeof(ver), "%d", version);
	if ((res = db_query(r->app->db, r->arena, Q_WORKFLOW_VERSION_DOC, 2, params)) == NULL) {
		*st = unavailable(w);
		return NULL;
	}
	if (!db_ok(res) || PQntuples(res) != 1 ||
	    (doc = json_tokener_parse(PQgetvalue(res, 0, 0))) == NULL) {
		*st = resp_error(w, HTTP_INTERNAL_ERROR, "internal",
		    "version %d of the workflow is missing", version);
		return NULL;
	}
	errors = json_object_new_array();
	if (plan_compile(doc, id, version, &p, errors) == -1) {
		json_object_put(doc);
		*st = resp_error_details(w, HTTP_UNPROCESSABLE, "not_runnable",
		    "the workflow does not compile", errors);
		return NULL;
	}
	json_object_put(errors);
	json_object_put(doc);
	plan_cache_put(STATE(r)->kit.plans, p);
	return p;
}

static const char *
plain_or_null(struct json_object *v)
{
	return v != NULL ? json_plain(v) : "null";
}

/*
 * A copy with secrets' values hidden and, for traces (keys set), the values
 * of password-like fields too.
 */
static struct json_object *
redacted(struct json_object *v, struct json_object *secrets, int keys)
{
	struct json_object *copy = NULL;

	if (v == NULL)
		return NULL;
	if (json_object_deep_copy(v, &copy, NULL) != 0)
		abort();
	redact(copy, secrets, keys);
	return copy;
}

/*
 * POST /mcp/servers/:id/run {"input": {...}}: runs the current version
 * synchronously. The answer carries the workflow's own status (the one its
 * response tool set, or the failing step's), and the execution: output,
 * steps and logs. The execution is stored in the run's transaction, so a
 * successful run's writes and its record commit together.
 */
int
h_run(struct req *r, struct resp *w)
{
	struct json_object *input = NULL;

	if (r->json != NULL && (!json_object_is_type(r->json, json_type_object) ||
	    (json_object_object_get_ex(r->json, "input", &input) && input != NULL &&
	    !json_object_is_type(input, json_type_object))))
		return resp_error_details(w, HTTP_BAD_REQUEST, "validation_failed",
		    "send {\"input\": {...}}", json_tokener_parse(
		    "[{\"path\":\"/input\",\"message\":\"input must be an object\"}]"));
	return run_current(r, w, input);
}

/*
 * Runs the current version of r->param[0] on input (borrowed; NULL is {})
 * and answers like POST .../run. Shared by the run route and the
 * supervisor.
 */
int
run_current(struct req *r, struct resp *w, struct json_object *input)
{
	const char *params[13];
	struct json_object *secrets, *trace_in, *out_safe, *steps, *logs;
	struct exec_result res;
	struct exec_env env;
	struct plan *p;
	PGresult *pg;
	char exe[40], ver[16], http[8], started[24], dur[24];
	int version, st = 0;

	params[0] = r->param[0];
	params[1] = r->auth.owner_id;
	if ((pg = db_query(r->app->db, r->arena, Q_RUN_CONTEXT, 2, params)) == NULL)
		return unavailable(w);
	if (!db_ok(pg))
		return resp_error(w, HTTP_INTERNAL_ERROR, "internal", "lookup failed");
	if (PQntuples(pg) == 0)
		return resp_error(w, HTTP_NOT_FOUND, "not_found", "no such workflow");
	if (strcmp(PQgetvalue(pg, 0, 1), "running") != 0)
		return resp_error(w, HTTP_CONFLICT, "runtime_stopped",
		    "the runtime is stopped; POST /mcp/servers/%s/runtime/start first",
		    r->param[0]);
	version = atoi(PQgetvalue(pg, 0, 0));
	if ((p = plan_for(r, w, r->param[0], version, &st)) == NULL)
		return st;
	if (id_new(exe, sizeof(exe), "exe_", 20) == -1)
		return resp_error(w, HTTP_INTERNAL_ERROR, "internal", "no randomness");

	secrets = secrets_open(r, r->param[0], PQgetvalue(pg, 0, 2));
	arena_defer(r->arena, json_put_cb, secrets);
	if (input == NULL) {
		input = json_object_new_object();
		arena_defer(r->arena, json_put_cb, input);
	}
	memset(&env, 0, sizeof(env));
	env.db = r->app->db;
	env.cfg = r->app->cfg;
	env.scope = r->param[0];
	env.secrets = secrets;
	env.execution_id = exe;
	engine_run(p, &env, input, &res);

	/* What is stored and shown hides secrets; the output keeps its fields. */
	trace_in = redacted(input, secrets, 1);
	out_safe = redacted(res.output, secrets, 0);
	steps = redacted(res.steps, secrets, 1);
	logs = redacted(res.logs, secrets, 1);
	arena_defer(r->arena, json_put_cb, out_safe);
	arena_defer(r->arena, json_put_cb, trace_in);
	arena_defer(r->arena, json_put_cb, steps);
	arena_defer(r->arena, json_put_cb, logs);

	snprintf(ver, sizeof(ver), "%d", version);
	snprintf(http, sizeof(http), "%d", res.http_status);
	snprintf(started, sizeof(started), "%lld", res.started_at_us);
	snprintf(dur, sizeof(dur), "%lld", res.duration_us);
	params[0] = exe;
	params[1] = r->param[0];
	params[2] = r->auth.owner_id;
	params[3] = ver;
	params[4] = exec_status_names[res.status];
	params[5] = http;
	params[6] = plain_or_null(trace_in);
	params[7] = plain_or_null(out_safe);
	params[8] = plain_or_null(res.error);
	params[9] = json_plain(steps);
	params[10] = json_plain(logs);
	params[11] = started;
	params[12] = dur;
	pg = db_query(r->app->db, r->arena, Q_EXECUTION_INSERT, 13, params);
	if (pg == NULL || !db_ok(pg) || (env.in_tx && db_commit(r->app->db) == -1)) {
		if (env.in_tx)
			db_rollback(r->app->db);
		exec_result_free(&res);
		return pg == NULL ? unavailable(w) : resp_error(w, HTTP_INTERNAL_ERROR,
		    "internal", "the execution could not be stored");
	}

	buf_printf(&w->body, "{\"executionId\":\"%s\",\"serverId\":\"%s\",\"version\":%d,"
	    "\"status\":\"%s\",\"httpStatus\":%d,\"output\":%s", exe, r->param[0],
	    version, exec_status_names[res.status], res.http_status,
	    plain_or_null(out_safe));
	if (res.error != NULL)
		buf_printf(&w->body, ",\"error\":%s", json_plain(res.error));
	buf_printf(&w->body, ",\"durationUs\":%lld,\"steps\":%s,\"logs\":%s}",
	    res.duration_us, json_plain(steps), json_plain(logs));
	w->status = res.http_status;
	exec_result_free(&res);
	return w->status;
}

int
h_execution_list(struct req *r, struct resp *w)
{
	long long limit = req_query_number(r, "limit", 1, LIST_MAX, LIST_DEFAULT);
	long long cursor = req_query_number(r, "cursor", 0, 999999999999999999LL, 0);
	char lim[24], cur[24];
	const char *params[4] = { r->param[0], r->auth.owner_id, cur, lim };
	PGresult *res;
	int n, i, st;

	if (limit < 0 || cursor < 0)
		return resp_error(w, HTTP_BAD_REQUEST, "bad_request",
		    "limit is 1 to %d; cursor is a nextCursor value", LIST_MAX);
	if ((st = owned_workflow(r, w)) != 0)
		return st;
	snprintf(cur, sizeof(cur), "%lld", cursor);
	snprintf(lim, sizeof(lim), "%lld", limit + 1);
	if ((res = db_query(r->app->db, r->arena, Q_EXECUTION_LIST, 4, params)) == NULL)
		return unavailable(w);
	if (!db_ok(res))
		return resp_error(w, HTTP_INTERNAL_ERROR, "internal", "list failed");
	n = PQntuples(res);
	buf_puts(&w->body, "{\"items\":[");
	for (i = 0; i < n && i < limit; i++)
		buf_printf(&w->body, "%s{\"executionId\":\"%s\",\"status\":\"%s\","
		    "\"httpStatus\":%s,\"version\":%s,\"startedAt\":\"%s\","
		    "\"durationUs\":%s}", i ? "," : "", PQgetvalue(res, i, 0),
		    PQgetvalue(res, i, 1), PQgetisnull(res, i, 2) ? "null" :
		    PQgetvalue(res, i, 2), PQgetvalue(res, i, 3), PQgetvalue(res, i, 4),
		    PQgetisnull(res, i, 5) ? "null" : PQgetvalue(res, i, 5));
	buf_puts(&w->body, "],\"nextCursor\":");
	if (n > limit)
		buf_printf(&w->body, "\"%s\"}", PQgetvalue(res, (int)limit - 1, 6));
	else
		buf_puts(&w->body, "null}");
	w->status = HTTP_OK;
	return HTTP_OK;
}

int
h_execution_get(struct req *r, struct resp *w)
{
	const char *params[2] = { r->param[0], r->auth.owner_id };
	PGresult *res;

	if ((res = db_query(r->app->db, r->arena, Q_EXECUTION_GET, 2, params)) == NULL)
		return unavailable(w);
	if (!db_ok(res))
		return resp_error(w, HTTP_INTERNAL_ERROR, "internal", "lookup failed");
	if (PQntuples(res) == 0)
		return resp_error(w, HTTP_NOT_FOUND, "not_found", "no such execution");
	return resp_raw_json(w, HTTP_OK, PQgetvalue(res, 0, 0),
	    (size_t)PQgetlength(res, 0, 0));
}

int
h_tool_catalog(struct req *r, struct resp *w)
{
	const char *j = catalog_json(STATE(r)->kit.catalog);

	return resp_raw_json(w, HTTP_OK, j, strlen(j));
}
