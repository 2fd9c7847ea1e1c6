/*
 * Executions that wait (SPEC §7) as operations: asynchronous runs from the
 * queue, pause / resume / cancel, the interventions of a waiting one and
 * their answers (with a key, or by a signed link), and the executors that
 * take the queue (ops_executor, the orchestrix program's executor
 * processes).
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
#include "log.h"
#include "ops.h"
#include "runkit.h"

/*
 * Starts an asynchronous run of server_id's current version on input: the
 * execution is queued and answered at once (accepted), and the program's
 * executors run it. Conflict while the runtime is stopped.
 */
enum op_status
op_execute_async(const struct op_env *env, const struct op_caller *who,
    const char *server_id, struct json_object *input, struct op_result *out)
{
	struct json_object *empty = NULL, *trace = NULL, *state;
	const char *p[6];
	char exe[40];
	PGresult *res;

	if (op_allowed(who, S_RUN, out) != OP_OK)
		return out->status;
	if (input == NULL) {
		input = empty = json_object_new_object();
		arena_defer(env->arena, json_put_cb, empty);
	}
	if (id_new(exe, sizeof(exe), "exe_", 20) == -1)
		return op_fail(out, OP_INTERNAL, "internal", "no randomness");
	if (json_object_deep_copy(input, &trace, NULL) != 0)
		return op_fail(out, OP_INTERNAL, "internal", "out of memory");
	arena_defer(env->arena, json_put_cb, trace);
	redact(trace, NULL, 1);
	state = json_object_new_object();
	json_object_object_add(state, "input", json_object_get(input));
	arena_defer(env->arena, json_put_cb, state);
	p[0] = exe;
	p[1] = server_id;
	p[2] = who->owner_id;
	p[3] = json_plain(trace);
	p[4] = json_plain(state);
	p[5] = who->key_id;
	if ((res = db_query(env->db, env->arena, Q_EXEC_ENQUEUE_NEW, 6, p)) == NULL)
		return op_unavailable(out);
	if (!db_ok(res))
		return op_fail(out, OP_INTERNAL, "internal", "the execution could not be queued");
	if (PQntuples(res) == 0) {
		struct op_result rt;

		op_result_init(&rt, env->arena);
		if (op_runtime_get(env, who, server_id, &rt) != OP_OK) {
			*out = rt;
			return out->status;
		}
		return op_fail(out, OP_CONFLICT, "runtime_stopped",
		    "the runtime is stopped; POST /mcp/servers/%s/runtime/start first", server_id);
	}
	/* Executors wake for it (after its commit: see exec_notify). */
	{
		const char *pl[1] = { exe };
		(void)exec_notify(env->db, env->arena, "orx_executions", pl, 1);
	}
	buf_printf(&out->body, "{\"executionId\":\"%s\",\"serverId\":", exe);
	buf_put_json_string(&out->body, server_id, strlen(server_id));
	buf_printf(&out->body, ",\"version\":%s,\"status\":\"running\","
	    "\"statusUrl\":\"/api/v1/executions/%s\"}", PQgetvalue(res, 0, 1), exe);
	out->status = OP_ACCEPTED;
	out->execution_id = arena_strdup(env->arena, exe);
	out->server_id = server_id;
	out->state = "running";
	out->location = arena_printf(env->arena, "/api/v1/executions/%s", exe);
	return OP_ACCEPTED;
}

/*
 * Pause, resume or cancel an execution (SPEC §7). A running one pauses or
 * cancels at its next step boundary (accepted, pauseRequested or
 * cancelRequested); a waiting one pauses or cancels at once; a transition
 * that makes no sense is a conflict that names the current status.
 */
enum op_status
op_execution_control(const struct op_env *env, const struct op_caller *who,
    const char *execution_id, enum exec_action act, struct op_result *out)
{
	const char *status;
	int requested;

	if (op_allowed(who, S_RUN, out) != OP_OK)
		return out->status;
	switch (exec_control(env->db, env->arena, execution_id, who->owner_id, act,
	    &status, &requested)) {
	case EXC_OK:
		break;
	case EXC_NOT_FOUND:
		return op_fail(out, OP_NOT_FOUND, "not_found", "no such execution");
	case EXC_CONFLICT:
		op_fail(out, OP_CONFLICT, "invalid_transition",
		    "the execution is %s%s; it cannot be %s", status,
		    requested ? act == EXEC_CANCEL ? " (cancel requested)" :
		    " (pause requested)" : "", act == EXEC_PAUSE ? "paused" :
		    act == EXEC_RESUME ? "resumed" : "cancelled");
		buf_printf(&out->body, "{\"error\":{\"code\":\"invalid_transition\","
		    "\"message\":");
		buf_put_json_string(&out->body, out->message, strlen(out->message));
		buf_printf(&out->body, "},\"status\":\"%s\"}", status);
		out->raw = 1;
		out->state = status;
		return out->status;
	case EXC_UNAVAILABLE:
		return op_unavailable(out);
	case EXC_FAILED:
		return op_fail(out, OP_INTERNAL, "internal", "the change could not be made");
	}
	buf_printf(&out->body, "{\"executionId\":\"%s\",\"status\":\"%s\"", execution_id,
	    status);
	if (act == EXEC_PAUSE)
		buf_printf(&out->body, ",\"pauseRequested\":%s", requested ? "true" : "false");
	if (act == EXEC_CANCEL)
		buf_printf(&out->body, ",\"cancelRequested\":%s", requested ? "true" : "false");
	buf_putc(&out->body, '}');
	out->execution_id = execution_id;
	out->state = status;
	out->status = requested ? OP_ACCEPTED : OP_OK;
	return out->status;
}

/* The open interventions of an execution, each with its signed link. */
enum op_status
op_interventions_list(const struct op_env *env, const struct op_caller *who,
    const char *execution_id, struct op_result *out)
{
	const char *p[2] = { execution_id, who->owner_id };
	PGresult *res, *ex;

	if (op_allowed(who, S_READ, out) != OP_OK)
		return out->status;
	if ((ex = db_query(env->db, env->arena, Q_EXEC_STATUS_OF, 2, p)) == NULL)
		return op_unavailable(out);
	if (!db_ok(ex) || PQntuples(ex) == 0)
		return op_fail(out, OP_NOT_FOUND, "not_found", "no such execution");
	if ((res = db_query(env->db, env->arena, Q_INTERVENTION_LIST, 2, p)) == NULL)
		return op_unavailable(out);
	if (!db_ok(res))
		return op_fail(out, OP_INTERNAL, "internal", "the interventions cannot be listed");
	buf_printf(&out->body, "{\"executionId\":\"%s\",\"status\":\"%s\",\"items\":[",
	    execution_id, PQgetvalue(ex, 0, 0));
	for (int i = 0; i < PQntuples(res); i++) {
		struct json_object *spec = json_tokener_parse(PQgetvalue(res, i, 3));
		const char *link = op_link_of(env, PQgetvalue(res, i, 0),
		    strtoll(PQgetvalue(res, i, 8), NULL, 10));

		if (i > 0)
			buf_putc(&out->body, ',');
		exec_intervention_json(&out->body, PQgetvalue(res, i, 0), PQgetvalue(res, i, 2),
		    spec, PQgetisnull(res, i, 7) ? NULL : PQgetvalue(res, i, 7), link);
		json_object_put(spec);
	}
	buf_puts(&out->body, "]}");
	out->status = OP_OK;
	out->execution_id = execution_id;
	return OP_OK;
}

/*
 * The approvals inbox: every open intervention the caller may be asked to
 * answer -- of its owner's executions, and of others' whose approval names
 * its owner -- newest first, each with its execution, workflow and link.
 */
enum op_status
op_interventions_open(const struct op_env *env, const struct op_caller *who,
    struct op_result *out)
{
	const char *p[2] = { who->owner_id, "200" };
	PGresult *res;

	if (op_allowed(who, S_READ, out) != OP_OK)
		return out->status;
	if ((res = db_query(env->db, env->arena, Q_INTERVENTIONS_OPEN_FOR, 2, p)) == NULL)
		return op_unavailable(out);
	if (!db_ok(res))
		return op_fail(out, OP_INTERNAL, "internal", "the interventions cannot be listed");
	buf_puts(&out->body, "{\"items\":[");
	for (int i = 0; i < PQntuples(res); i++) {
		struct json_object *spec = json_tokener_parse(PQgetvalue(res, i, 4));
		const char *link = op_link_of(env, PQgetvalue(res, i, 0),
		    strtoll(PQgetvalue(res, i, 7), NULL, 10));

		buf_printf(&out->body, "%s{\"executionId\":\"%s\",\"serverId\":\"%s\","
		    "\"ownerId\":", i ? "," : "", PQgetvalue(res, i, 1), PQgetvalue(res, i, 2));
		buf_put_json_string(&out->body, PQgetvalue(res, i, 8), strlen(PQgetvalue(res, i, 8)));
		buf_printf(&out->body, ",\"createdAt\":\"%s\",\"intervention\":",
		    PQgetvalue(res, i, 5));
		exec_intervention_json(&out->body, PQgetvalue(res, i, 0), PQgetvalue(res, i, 3),
		    spec, PQgetisnull(res, i, 6) ? NULL : PQgetvalue(res, i, 6), link);
		buf_putc(&out->body, '}');
		json_object_put(spec);
	}
	buf_puts(&out->body, "]}");
	out->status = OP_OK;
	return OP_OK;
}

/* The answer's outcome as a result. */
static enum op_status
answered(const struct op_env *env, const char *exe, const char *iid,
    struct exec_answer_result *ar, struct op_result *out)
{
	static const enum op_status map[EXA__MAX] = {
		[EXA_OK] = OP_OK, [EXA_NOT_FOUND] = OP_NOT_FOUND,
		[EXA_CONFLICT] = OP_CONFLICT, [EXA_FORBIDDEN] = OP_FORBIDDEN,
		[EXA_INVALID] = OP_INVALID, [EXA_UNAVAILABLE] = OP_UNAVAILABLE,
	};
	static const char *const codes[EXA__MAX] = {
		NULL, "not_found", "already_answered", "forbidden", "validation_failed",
		"unavailable",
	};

	if (ar->status != EXA_OK) {
		op_fail_details(out, map[ar->status], codes[ar->status], ar->message,
		    ar->details != NULL ? json_object_get(ar->details) : NULL);
		exec_answer_result_free(ar);
		return out->status;
	}
	buf_printf(&out->body, "{\"executionId\":\"%s\",\"interventionId\":\"%s\","
	    "\"interventionStatus\":\"%s\",\"status\":\"%s\"}", exe, iid,
	    ar->intervention_status, ar->execution_status);
	out->status = OP_OK;
	out->execution_id = arena_strdup(env->arena, exe);
	out->state = arena_strdup(env->arena, ar->execution_status);
	exec_answer_result_free(ar);
	return OP_OK;
}

/*
 * Answers intervention iid of execution exe: {"response", "notes"} checked
 * against its form or options; the caller must be one who may answer. An
 * answer that resolves it lets the execution go on (queued: any executor
 * takes it) or ends it (a deny that cancels or fails).
 */
enum op_status
op_intervention_answer(const struct op_env *env, const struct op_caller *who,
    const char *exe, const char *iid, struct json_object *response, const char *notes,
    struct op_result *out)
{
	struct exec_answerer a;
	struct exec_answer_result ar;

	if (op_allowed(who, S_READ, out) != OP_OK)
		return out->status;
	/* Who may answer -- the owner, or another the approval names -- is the
	 * intervention's to say; to anyone else it is not found. */
	memset(&a, 0, sizeof(a));
	a.owner_id = who->owner_id;
	a.key_id = who->key_id;
	a.scopes = who->scopes;
	exec_answer(env->db, env->arena, exe, iid, &a, response, notes, &ar);
	return answered(env, exe, iid, &ar, out);
}

/* The intervention behind link token: 0 with its id and execution, or failed. */
static enum op_status
link_target(const struct op_env *env, const char *token, char *iid, size_t iidsz,
    PGresult **row, struct op_result *out)
{
	const char *p[1] = { iid };

	if (!env->kit->have_link_key &&
	    exec_link_key(env->db, env->arena, env->kit->link_key) == 0)
		env->kit->have_link_key = 1;
	if (!env->kit->have_link_key)
		return op_unavailable(out);
	if (exec_link_parse(env->kit->link_key, token, iid, iidsz) == -1)
		return op_fail(out, OP_NOT_FOUND, "not_found",
		    "this link is not valid, or it has expired");
	if ((*row = db_query(env->db, env->arena, Q_INTERVENTION_BY_ID, 1, p)) == NULL)
		return op_unavailable(out);
	if (!db_ok(*row) || PQntuples(*row) == 0)
		return op_fail(out, OP_NOT_FOUND, "not_found", "no such intervention");
	return OP_OK;
}

/* What a link's bearer is asked: the intervention, while it is open. */
enum op_status
op_link_get(const struct op_env *env, const char *token, struct op_result *out)
{
	struct json_object *spec;
	char iid[80];
	PGresult *row;

	if (link_target(env, token, iid, sizeof(iid), &row, out) != OP_OK)
		return out->status;
	if (strcmp(PQgetvalue(row, 0, 3), "pending") != 0)
		return op_fail(out, OP_CONFLICT, "already_answered",
		    "the intervention is %s already", PQgetvalue(row, 0, 3));
	spec = json_tokener_parse(PQgetvalue(row, 0, 2));
	buf_printf(&out->body, "{\"executionId\":\"%s\",\"serverId\":\"%s\","
	    "\"intervention\":", PQgetvalue(row, 0, 0), PQgetvalue(row, 0, 5));
	exec_intervention_json(&out->body, iid, PQgetvalue(row, 0, 1), spec,
	    PQgetisnull(row, 0, 4) ? NULL : PQgetvalue(row, 0, 4), NULL);
	buf_putc(&out->body, '}');
	json_object_put(spec);
	out->status = OP_OK;
	return OP_OK;
}

/* The link's bearer answers (once: a link counts as one approver). */
enum op_status
op_link_answer(const struct op_env *env, const char *token, struct json_object *response,
    const char *notes, struct op_result *out)
{
	struct exec_answerer a;
	struct exec_answer_result ar;
	char iid[80];
	PGresult *row;
	const char *exe;

	if (link_target(env, token, iid, sizeof(iid), &row, out) != OP_OK)
		return out->status;
	exe = arena_strdup(env->arena, PQgetvalue(row, 0, 0));
	memset(&a, 0, sizeof(a));
	a.via_link = 1;
	exec_answer(env->db, env->arena, exe, iid, &a, response, notes, &ar);
	return answered(env, exe, arena_strdup(env->arena, iid), &ar, out);
}

/* --- the executors --------------------------------------------------------- */

/* The orchestrix program's executor: its own kit and plans. */
struct ops_host {
	struct run_kit	*kit;
	const struct config *cfg;
	const struct keyring *keys;   /* from the master, as workers get them */
};

/*
 * A plan and the env of a run for an executor: the version the execution
 * started with, the workflow's current secrets, its documents' owner and
 * environment.
 */
static int
ops_prepare(void *ctx, struct db *db, struct arena *a, const struct exec_job *job,
    const struct plan **pp, struct exec_env *env, char *why, size_t whysz)
{
	struct ops_host *h = ctx;
	struct op_env oe = { a, db, h->cfg, h->kit, NULL, h->keys };
	struct op_result res;
	const char *trouble;
	const char *p[2] = { job->plan_id, job->owner_id };
	struct plan *plan;
	PGresult *pg;

	op_result_init(&res, a);
	if ((plan = op_plan_for(&oe, job->plan_id, job->version, &res)) == NULL) {
		snprintf(why, whysz, "%s", res.message != NULL ? res.message : "no plan");
		return -1;
	}
	env->db = db;
	env->cfg = h->cfg;
	env->owner = arena_strdup(a, job->owner_id);
	env->environment = ENV_DEVELOPMENT;
	/* A plan that reads no secret needs no round trip for them. */
	if (!plan->needs_secrets) {
		env->secrets = json_object_new_object();
		*pp = plan;
		env->ids = &h->kit->ids;
		return 0;
	}
	if ((pg = db_query(db, a, Q_EXEC_RUN_CONTEXT, 2, p)) == NULL || !db_ok(pg) ||
	    PQntuples(pg) != 1) {
		snprintf(why, whysz, "the workflow is gone");
		return -1;
	}
	if ((env->secrets = op_secrets_open(&oe, job->plan_id, PQgetvalue(pg, 0, 0),
	    &trouble)) == NULL) {
		snprintf(why, whysz, "%s", trouble);
		return -1;
	}
	env->ids = &h->kit->ids;
	*pp = plan;
	return 0;
}

/* The body of each of orchestrix's executor processes. */
void
ops_executor(const struct config *cfg, const struct keyring *keys, void *shared,
    volatile sig_atomic_t *stop)
{
	struct run_kit kit;
	struct ops_host h;
	struct exec_host host;
	struct db db;

	(void)shared;
	if (run_kit_init(&kit, 64) == -1) {
		log_error("executor: out of memory");
		return;
	}
	db_init(&db, config_get(cfg, CFG_DATABASE_URL), "orchestrix-exec");
	h.kit = &kit;
	h.cfg = cfg;
	h.keys = keys;
	host.prepare = ops_prepare;
	host.ctx = &h;
	exec_serve(cfg, &db, &host, "orchestrix", stop);
	db_close(&db);
	run_kit_fini(&kit);
}
