/*
 * The local runtime (SPEC §5, §7) as operations: start/stop per workflow,
 * runs with their trace, and the executions kept in PostgreSQL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "config.h"
#include "db.h"
#include "engine.h"
#include "exec.h"
#include "ids.h"
#include "json.h"
#include "ops.h"
#include "runkit.h"
#include "toolcheck.h"

/* {"serverId","status","startedAt","stoppedAt"} of a runtimes row. */
static enum op_status
runtime_answer(const char *server_id, PGresult *res, struct op_result *out)
{
	struct buf *b = &out->body;

	buf_puts(b, "{\"serverId\":");
	buf_put_json_string(b, server_id, strlen(server_id));
	buf_printf(b, ",\"status\":\"%s\"", PQgetvalue(res, 0, 0));
	buf_puts(b, ",\"startedAt\":");
	if (PQgetisnull(res, 0, 1))
		buf_puts(b, "null");
	else
		buf_printf(b, "\"%s\"", PQgetvalue(res, 0, 1));
	buf_puts(b, ",\"stoppedAt\":");
	if (PQgetisnull(res, 0, 2))
		buf_puts(b, "null");
	else
		buf_printf(b, "\"%s\"", PQgetvalue(res, 0, 2));
	buf_putc(b, '}');
	out->status = OP_OK;
	out->server_id = server_id;
	out->state = arena_strdup(out->body.arena, PQgetvalue(res, 0, 0));
	return OP_OK;
}

/* "Start Runtime" (running set) and its stop. */
enum op_status
op_runtime_set(const struct op_env *env, const struct op_caller *who,
    const char *server_id, int running, struct op_result *out)
{
	const char *params[3] = { server_id, who->owner_id, running ? "running" : "stopped" };
	PGresult *res;

	if (op_allowed(who, S_RUN, out) != OP_OK)
		return out->status;
	if ((res = db_query(env->db, env->arena, Q_RUNTIME_SET, 3, params)) == NULL)
		return op_unavailable(out);
	if (!db_ok(res))
		return op_fail(out, OP_INTERNAL, "internal", "runtime change failed");
	if (PQntuples(res) == 0)
		return op_fail(out, OP_NOT_FOUND, "not_found", "no such workflow");
	return runtime_answer(server_id, res, out);
}

enum op_status
op_runtime_get(const struct op_env *env, const struct op_caller *who,
    const char *server_id, struct op_result *out)
{
	const char *params[2] = { server_id, who->owner_id };
	PGresult *res;

	if (op_allowed(who, S_READ, out) != OP_OK)
		return out->status;
	if ((res = db_query(env->db, env->arena, Q_RUNTIME_GET, 2, params)) == NULL)
		return op_unavailable(out);
	if (!db_ok(res))
		return op_fail(out, OP_INTERNAL, "internal", "lookup failed");
	if (PQntuples(res) == 0)
		return op_fail(out, OP_NOT_FOUND, "not_found", "no such workflow");
	return runtime_answer(server_id, res, out);
}

/* The plan of (id, version): from the worker's cache, else compiled. */
struct plan *
op_plan_for(const struct op_env *env, const char *id, int version, struct op_result *out)
{
	struct plan *p = plan_cache_get(env->kit->plans, id, version);
	char ver[16];
	const char *params[2] = { id, ver };
	struct json_object *doc, *errors;
	PGresult *res;

	if (p != NULL)
		return p;
	snprintf(ver, sizeof(ver), "%d", version);
	if ((res = db_query(env->db, env->arena, Q_WORKFLOW_VERSION_DOC, 2, params)) == NULL) {
		op_unavailable(out);
		return NULL;
	}
	if (!db_ok(res) || PQntuples(res) != 1 ||
	    (doc = json_tokener_parse(PQgetvalue(res, 0, 0))) == NULL) {
		op_fail(out, OP_INTERNAL, "internal", "version %d of the workflow is missing",
		    version);
		return NULL;
	}
	errors = json_object_new_array();
	if (plan_compile(doc, id, version, &p, errors) == -1) {
		json_object_put(doc);
		op_fail_details(out, OP_UNPROCESSABLE, "not_runnable",
		    "the workflow does not compile", errors);
		return NULL;
	}
	json_object_put(errors);
	json_object_put(doc);
	plan_cache_put(env->kit->plans, p);
	return p;
}

static const char *
plain_or_null(struct json_object *v)
{
	return v != NULL ? json_plain(v) : "null";
}

/*
 * A copy with secrets' values hidden and, for traces (keys set), the values
 * of password-like fields too; arena-owned.
 */
static struct json_object *
redacted(struct arena *a, struct json_object *v, struct json_object *secrets, int keys)
{
	struct json_object *copy = NULL;

	if (v == NULL)
		return NULL;
	if (json_object_deep_copy(v, &copy, NULL) != 0)
		abort();
	redact(copy, secrets, keys);
	arena_defer(a, json_put_cb, copy);
	return copy;
}

/*
 * A run that stopped at an approval: the execution and its intervention
 * are stored with the run's writes (one commit), and the answer is 202
 * with where to follow it and what it waits for (with the signed link).
 */
static enum op_status
run_waits(const struct op_env *env, const struct op_caller *who, const char *server_id,
    int version, const char *exe, struct json_object *input, struct json_object *trace_in,
    struct json_object *steps, struct json_object *logs, struct exec_result *res,
    struct exec_events *ev, struct op_result *out)
{
	struct json_object *iv = NULL;
	char iid[40];
	int rc;

	if (id_new(iid, sizeof(iid), "int_", 20) == -1) {
		rc = -2;
		goto fail;
	}
	if ((rc = exec_save_waiting(env->db, env->arena, exe, server_id, who->owner_id,
	    version, input, trace_in, steps, logs, res, who->key_id, NULL, iid, &iv)) != 0)
		goto fail;
	arena_defer(env->arena, json_put_cb, iv);
	exec_events_outcome(ev, res, iid, json_get_str(iv, "expiresAt"));
	if (exec_events_flush(env->db, env->arena, exe, server_id, ev) == -1 ||
	    db_commit(env->db) == -1) {
		rc = -1;
		goto fail;
	}
	exec_events_free(ev);
	buf_printf(&out->body, "{\"executionId\":\"%s\",\"serverId\":\"%s\",\"version\":%d,"
	    "\"status\":\"waiting\",\"httpStatus\":202,\"statusUrl\":\"/api/v1/executions/%s\","
	    "\"interventions\":[", exe, server_id, version, exe);
	exec_intervention_json(&out->body, iid, json_get_str(iv, "prompt"),
	    json_object_object_get(iv, "spec"), json_get_str(iv, "expiresAt"),
	    op_link_of(env, iid, json_object_get_int64(json_object_object_get(iv, "expires"))));
	buf_printf(&out->body, "],\"output\":null,\"durationUs\":%lld,\"steps\":%s,"
	    "\"logs\":%s}", res->duration_us, json_plain(steps), json_plain(logs));
	out->status = OP_ACCEPTED;
	out->http = 202;
	out->server_id = server_id;
	out->execution_id = arena_strdup(env->arena, exe);
	out->state = "waiting";
	out->version = version;
	exec_result_free(res);
	return OP_ACCEPTED;
fail:
	if (env->db->in_tx)
		db_rollback(env->db);
	exec_events_free(ev);
	exec_result_free(res);
	return rc == -1 ? op_unavailable(out) : op_fail(out, OP_INTERNAL, "internal",
	    "the waiting execution could not be stored");
}

/*
 * The request a local run answers ({{request.*}}, hmac_verify), from a
 * run's body: headers from its optional "headers" (an object of strings;
 * names lower-cased), the raw body from its optional "rawBody" -- the text
 * a webhook sender signed, which is then the input too (*input, parsed
 * strictly; the body's "input" may not be sent beside it). *request is
 * arena-owned, or NULL when the body carries neither (the input is then
 * the raw body, as compact JSON). Invalid: what is wrong, with its path.
 */
enum op_status
op_run_request_of(const struct op_env *env, struct json_object *body,
    struct json_object **input, struct json_object **request, struct op_result *out)
{
	struct json_object *h = NULL, *raw = NULL, *hdrs, *parsed = NULL;
	const char *why = NULL, *path = NULL;

	*request = NULL;
	json_object_object_get_ex(body, "headers", &h);
	json_object_object_get_ex(body, "rawBody", &raw);
	if (h == NULL && raw == NULL)
		return OP_OK;
	if (h != NULL && !json_object_is_type(h, json_type_object))
		why = "headers must be an object of strings", path = "/headers";
	else if (raw != NULL && (!json_object_is_type(raw, json_type_string) || *input != NULL))
		why = "rawBody is a string, sent instead of input", path = "/rawBody";
	else if (raw != NULL && (json_parse_strict(json_object_get_string(raw),
	    (size_t)json_object_get_string_len(raw), env->cfg->json_max_depth, &parsed,
	    NULL) != JP_OK || !json_object_is_type(parsed, json_type_object)))
		why = "rawBody must be the text of a JSON object", path = "/rawBody";
	if (parsed != NULL)
		arena_defer(env->arena, json_put_cb, parsed);
	hdrs = json_object_new_object();
	if (why == NULL && h != NULL) {
		json_object_object_foreach(h, name, v) {
			char low[128];
			size_t n = strlen(name);
			if (!json_object_is_type(v, json_type_string) || n == 0 || n >= sizeof(low)) {
				why = "headers must be an object of strings", path = "/headers";
				break;
			}
			for (size_t i = 0; i <= n; i++)
				low[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
			json_object_object_add(hdrs, low, json_object_get(v));
		}
	}
	if (why != NULL) {
		struct json_object *errors = json_object_new_array();
		json_object_put(hdrs);
		errs_add(errors, path, "%s", why);
		return op_fail_details(out, OP_INVALID, "validation_failed", why, errors);
	}
	if (parsed != NULL)
		*input = parsed;
	*request = json_object_new_object();
	arena_defer(env->arena, json_put_cb, *request);
	json_object_object_add(*request, "headers", hdrs);
	json_object_object_add(*request, "body", raw != NULL ? json_object_get(raw) :
	    json_object_new_string(*input != NULL ? json_plain(*input) : "{}"));
	return OP_OK;
}

/*
 * Runs the current version of server_id on input (borrowed; NULL is {})
 * synchronously, and stores the execution in the run's transaction, so a
 * successful run's writes and its record commit together. The result is
 * the execution (executionId, status, httpStatus, output, steps, logs),
 * whose HTTP status is the workflow's own (the one its response tool set,
 * or the failing step's). Conflict when the runtime is stopped.
 */
enum op_status
op_run(const struct op_env *env, const struct op_caller *who, const char *server_id,
    struct json_object *input, struct op_result *out)
{
	return op_run_request(env, who, server_id, input, NULL, out);
}

/*
 * op_run, answering request (borrowed; {headers, body} as
 * op_run_request_of makes it; NULL: no headers, the input as the body). The
 * run's documents are the caller's, in the development environment.
 */
enum op_status
op_run_request(const struct op_env *env, const struct op_caller *who,
    const char *server_id, struct json_object *input, struct json_object *request,
    struct op_result *out)
{
	const char *params[14];
	struct json_object *secrets, *trace_in, *out_safe, *steps, *logs;
	struct exec_result res;
	struct exec_env ee;
	struct exec_events ev;
	struct plan *p;
	PGresult *pg;
	char exe[40], ver[16], http[8], started[24], dur[24];
	const char *why;
	int version;

	if (op_allowed(who, S_RUN, out) != OP_OK)
		return out->status;
	params[0] = server_id;
	params[1] = who->owner_id;
	if ((pg = db_query(env->db, env->arena, Q_RUN_CONTEXT, 2, params)) == NULL)
		return op_unavailable(out);
	if (!db_ok(pg))
		return op_fail(out, OP_INTERNAL, "internal", "lookup failed");
	if (PQntuples(pg) == 0)
		return op_fail(out, OP_NOT_FOUND, "not_found", "no such workflow");
	if (strcmp(PQgetvalue(pg, 0, 1), "running") != 0)
		return op_fail(out, OP_CONFLICT, "runtime_stopped",
		    "the runtime is stopped; POST /mcp/servers/%s/runtime/start first",
		    server_id);
	version = atoi(PQgetvalue(pg, 0, 0));
	if ((p = op_plan_for(env, server_id, version, out)) == NULL)
		return out->status;
	if (id_new(exe, sizeof(exe), "exe_", 20) == -1)
		return op_fail(out, OP_INTERNAL, "internal", "no randomness");

	if ((secrets = op_secrets_open(env, server_id, PQgetvalue(pg, 0, 2), &why)) == NULL)
		return op_fail(out, OP_INTERNAL, "secrets_key", "%s", why);
	arena_defer(env->arena, json_put_cb, secrets);
	if (input == NULL) {
		input = json_object_new_object();
		arena_defer(env->arena, json_put_cb, input);
	}
	memset(&ee, 0, sizeof(ee));
	ee.db = env->db;
	ee.cfg = env->cfg;
	ee.owner = who->owner_id;
	ee.environment = ENV_DEVELOPMENT;
	ee.secrets = secrets;
	if (request == NULL && p->uses_request) {
		request = json_object_new_object();
		arena_defer(env->arena, json_put_cb, request);
		json_object_object_add(request, "headers", json_object_new_object());
		json_object_object_add(request, "body", json_object_new_string(json_plain(input)));
	}
	ee.request = request;
	ee.execution_id = exe;
	exec_events_init(&ev, secrets);
	ee.on_step = exec_events_on_step;
	ee.step_ctx = &ev;
	engine_run(p, &ee, input, &res);

	/* What is stored and shown hides secrets; the output keeps its fields. */
	trace_in = redacted(env->arena, input, secrets, 1);
	out_safe = redacted(env->arena, res.output, secrets, 0);
	steps = redacted(env->arena, res.steps, secrets, 1);
	logs = redacted(env->arena, res.logs, secrets, 1);

	snprintf(ver, sizeof(ver), "%d", version);
	snprintf(http, sizeof(http), "%d", res.http_status);
	snprintf(started, sizeof(started), "%lld", res.started_at_us);
	snprintf(dur, sizeof(dur), "%lld", res.duration_us);
	params[0] = exe;
	params[1] = server_id;
	params[2] = who->owner_id;
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
	if (res.status == EXEC_WAITING)
		return run_waits(env, who, server_id, version, exe, input, trace_in, steps,
		    logs, &res, &ev, out);
	/* Its events are written with it: a run of its own costs no statement
	 * more for them. */
	exec_events_outcome(&ev, &res, NULL, NULL);
	params[13] = exec_events_json(env->arena, &ev);
	exec_events_free(&ev);
	pg = db_query(env->db, env->arena, Q_EXECUTION_INSERT, 14, params);
	if (pg == NULL || !db_ok(pg) || (ee.in_tx && db_commit(env->db) == -1)) {
		if (ee.in_tx)
			db_rollback(env->db);
		exec_result_free(&res);
		return pg == NULL ? op_unavailable(out) : op_fail(out, OP_INTERNAL,
		    "internal", "the execution could not be stored");
	}
	{
		const char *pl[1] = { arena_printf(env->arena, "%s %s %s", exe, server_id,
		    who->owner_id) };
		(void)exec_notify(env->db, env->arena, "orx_events", pl, 1);
	}

	buf_printf(&out->body, "{\"executionId\":\"%s\",\"serverId\":\"%s\",\"version\":%d,"
	    "\"status\":\"%s\",\"httpStatus\":%d,\"output\":%s", exe, server_id,
	    version, exec_status_names[res.status], res.http_status,
	    plain_or_null(out_safe));
	if (res.error != NULL)
		buf_printf(&out->body, ",\"error\":%s", json_plain(res.error));
	buf_printf(&out->body, ",\"durationUs\":%lld,\"steps\":%s,\"logs\":%s}",
	    res.duration_us, json_plain(steps), json_plain(logs));
	out->status = OP_OK;
	out->http = res.http_status;
	out->server_id = server_id;
	out->execution_id = arena_strdup(env->arena, exe);
	out->state = exec_status_names[res.status];
	out->version = version;
	exec_result_free(&res);
	return OP_OK;
}

/* The workflow's executions, oldest first, a page at a time. */
enum op_status
op_execution_list(const struct op_env *env, const struct op_caller *who,
    const char *server_id, long long limit, long long cursor, struct op_result *out)
{
	char lim[24], cur[24];
	const char *params[4] = { server_id, who->owner_id, cur, lim };
	PGresult *res;
	int n, i;

	if (op_allowed(who, S_READ, out) != OP_OK)
		return out->status;
	if (limit < 1 || limit > OP_LIST_MAX || cursor < 0)
		return op_fail(out, OP_BAD_REQUEST, "bad_request",
		    "limit is 1 to %d; cursor is a nextCursor value", OP_LIST_MAX);
	if (op_workflow_owned(env, who, server_id, out) != OP_OK)
		return out->status;
	snprintf(cur, sizeof(cur), "%lld", cursor);
	snprintf(lim, sizeof(lim), "%lld", limit + 1);
	if ((res = db_query(env->db, env->arena, Q_EXECUTION_LIST, 4, params)) == NULL)
		return op_unavailable(out);
	if (!db_ok(res))
		return op_fail(out, OP_INTERNAL, "internal", "list failed");
	n = PQntuples(res);
	buf_puts(&out->body, "{\"items\":[");
	for (i = 0; i < n && i < limit; i++)
		buf_printf(&out->body, "%s{\"executionId\":\"%s\",\"status\":\"%s\","
		    "\"httpStatus\":%s,\"version\":%s,\"startedAt\":\"%s\","
		    "\"durationUs\":%s}", i ? "," : "", PQgetvalue(res, i, 0),
		    PQgetvalue(res, i, 1), PQgetisnull(res, i, 2) ? "null" :
		    PQgetvalue(res, i, 2), PQgetvalue(res, i, 3), PQgetvalue(res, i, 4),
		    PQgetisnull(res, i, 5) ? "null" : PQgetvalue(res, i, 5));
	buf_puts(&out->body, "],\"nextCursor\":");
	if (n > limit)
		buf_printf(&out->body, "\"%s\"}", PQgetvalue(res, (int)limit - 1, 6));
	else
		buf_puts(&out->body, "null}");
	out->status = OP_OK;
	return OP_OK;
}

/* One execution with its input, output, steps and logs. */
enum op_status
op_execution_get(const struct op_env *env, const struct op_caller *who,
    const char *execution_id, struct op_result *out)
{
	const char *params[2] = { execution_id, who->owner_id };
	PGresult *res;

	if (op_allowed(who, S_READ, out) != OP_OK)
		return out->status;
	if ((res = db_query(env->db, env->arena, Q_EXECUTION_GET, 2, params)) == NULL)
		return op_unavailable(out);
	if (!db_ok(res))
		return op_fail(out, OP_INTERNAL, "internal", "lookup failed");
	if (PQntuples(res) == 0)
		return op_fail(out, OP_NOT_FOUND, "not_found", "no such execution");
	buf_put(&out->body, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
	out->status = OP_OK;
	out->execution_id = execution_id;
	return OP_OK;
}

/* Every tool type with the JSON Schema of its config (schema discovery). */
enum op_status
op_tool_catalog(const struct op_env *env, struct op_result *out)
{
	buf_puts(&out->body, catalog_json(env->kit->catalog));
	out->status = OP_OK;
	return OP_OK;
}

/* One tool type's metadata (schema discovery); not found for another name. */
enum op_status
op_tool_type(const struct op_env *env, const char *name, struct op_result *out)
{
	int t = tool_type_lookup(name);

	if (t < 0)
		return op_fail(out, OP_NOT_FOUND, "not_found", "no tool type %s", name);
	buf_puts(&out->body, catalog_type_json(env->kit->catalog, (enum tool_type)t));
	out->status = OP_OK;
	return OP_OK;
}
