/*
 * The executor: runs a plan's steps in order, from the first or from where
 * an earlier run stopped (a step that waits for a person, a pause).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "clock.h"
#include "config.h"
#include "db.h"
#include "engine.h"
#include "json.h"
#include "jsonschema.h"
#include "log.h"
#include "mask.h"
#include "template.h"
#include "tools.h"

const char *const exec_status_names[EXEC_STATUS__MAX] = {
	"succeeded", "failed", "waiting", "paused", "cancelled", "running",
};
const char *const step_status_names[STEP_STATUS__MAX] = {
	"succeeded", "failed", "skipped", "waiting",
};

/* The exec_status named s, or -1. */
int
exec_status_lookup(const char *s)
{
	for (int i = 0; s != NULL && i < EXEC_STATUS__MAX; i++)
		if (strcmp(s, exec_status_names[i]) == 0)
			return i;
	return -1;
}

/*
 * 1 for a type whose step has effects outside the run when it completes (a
 * write in the run's transaction, a call out): a durable execution makes
 * its progress durable after such a step. db_insert that buffers its
 * document (exec_env.defer_writes) is counted too: the checkpoint commits.
 */
static int
has_effects(enum tool_type t)
{
	switch (t) {
	case TOOL_DB_INSERT:
	case TOOL_DB_UPDATE:
	case TOOL_DB_DELETE:
	case TOOL_HTTP_REQUEST:
	case TOOL_SEND_EMAIL:
	case TOOL_RANDOM_TOKEN:   /* a single-use link's use is recorded */
		return 1;
	case TOOL_INPUT:
	case TOOL_VALIDATE:
	case TOOL_TRANSFORM:
	case TOOL_DB_FIND:
	case TOOL_PASSWORD_HASH:
	case TOOL_PASSWORD_VERIFY:
	case TOOL_JWT_SIGN:
	case TOOL_JWT_VERIFY:
	case TOOL_HMAC_VERIFY:
	case TOOL_CONDITION:
	case TOOL_APPROVAL:
	case TOOL_RESPONSE:
	case TOOL__MAX:
		break;
	}
	return 0;
}

/* ISO 8601 UTC with milliseconds, as every timestamp the API shows. */
static struct json_object *
iso_time(long long us)
{
	char s[ISO_UTC_SIZE];

	iso_utc(us, s);
	return json_object_new_string(s);
}

/* --- running ------------------------------------------------------------- */

static void
add_log(struct exec_result *res, const char *type, struct json_object *details,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
add_log(struct exec_result *res, const char *type, struct json_object *details,
    const char *fmt, ...)
{
	struct json_object *l;
	char msg[300];
	va_list ap;

	if (res->logs == NULL) {  /* no trace wanted */
		json_object_put(details);
		return;
	}
	l = json_object_new_object();
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_add_new(l, "timestamp", iso_time(wall_us()));
	json_add_new(l, "type", json_object_new_string(type));
	json_add_new(l, "message", json_object_new_string(msg));
	json_add_new(l, "details", details ? details : json_object_new_object());
	json_object_array_add(res->logs, l);
}

static struct json_object *
step_record(const struct plan_step *s, enum step_status st, long long started,
    long long dur, struct json_object *output, struct json_object *error)
{
	struct json_object *r = json_object_new_object();

	json_add_new(r, "toolId", json_object_new_string(s->tool_id));
	json_add_new(r, "name", json_object_new_string(s->name));
	json_add_new(r, "type", json_object_new_string(tool_type_names[s->type]));
	json_add_new(r, "status", json_object_new_string(step_status_names[st]));
	json_add_new(r, "startedAt", iso_time(started));
	json_add_new(r, "durationUs", json_object_new_int64(dur));
	if (output != NULL)
		json_add_new(r, "output", json_object_get(output));
	if (error != NULL)
		json_add_new(r, "error", json_object_get(error));
	return r;
}

static struct json_object *
error_object(const char *code, const char *message, struct json_object *details)
{
	struct json_object *e = json_object_new_object();

	json_add_new(e, "code", json_object_new_string(code));
	json_add_new(e, "message", json_object_new_string(message));
	if (details != NULL)
		json_add_new(e, "details", details);
	return e;
}

/* A deep copy of v (a new reference), or a new empty value of the same kind. */
static struct json_object *
copy_or(struct json_object *v, int array)
{
	struct json_object *c = NULL;

	if (v == NULL)
		return array ? json_object_new_array() : json_object_new_object();
	if (json_object_deep_copy(v, &c, NULL) != 0)
		abort();
	return c;
}

/* {now, timestamp, executionId} of a run that started at started_us. */
static struct json_object *
env_object(long long started_us, const char *execution_id)
{
	struct json_object *e = json_object_new_object();

	json_add_new(e, "now", iso_time(started_us));
	json_add_new(e, "timestamp", json_object_new_int64(started_us / 1000000));
	json_add_new(e, "executionId",
	    json_object_new_string(execution_id ? execution_id : ""));
	return e;
}

/*
 * What the run leaves to go on from: {"steps": {toolId: output}, "skip":
 * [index...], "env": {...}} (a new reference; outputs shared with scope).
 */
static struct json_object *
state_of(const struct plan *p, struct json_object *scope, const unsigned char *skip)
{
	struct json_object *st = json_object_new_object(), *sk = json_object_new_array();
	struct json_object *v;

	json_add_new(st, "steps", json_object_get(json_object_object_get(scope, "steps")));
	for (size_t i = 0; i < p->nsteps; i++)
		if (skip[i])
			json_object_array_add(sk, json_object_new_int64((int64_t)i));
	json_add_new(st, "skip", sk);
	if (json_object_object_get_ex(scope, "env", &v))
		json_add_new(st, "env", json_object_get(v));
	return st;
}

/*
 * A step's end: its trace record (in res->steps when there is a trace),
 * told to env->on_step when it listens -- masked as the trace will be at
 * the run's end (mask.h): what a listener shows leaves the engine too.
 */
static void
step_done(struct exec_result *res, const struct exec_env *env, size_t i,
    const struct plan_step *s, enum step_status st, long long started, long long dur,
    struct json_object *output, struct json_object *error)
{
	struct json_object *rec;

	if (res->steps == NULL && env->on_step == NULL)
		return;
	rec = step_record(s, st, started, dur, output, error);
	if (env->on_step != NULL) {
		struct json_object *shown = mask_json(rec, env->secrets, MASK_TRACE);

		env->on_step(env->step_ctx, i, s, shown);
		json_object_put(shown);
	}
	if (res->steps != NULL)
		json_object_array_add(res->steps, rec);
	else
		json_object_put(rec);
}

/* Replaces the trace record of the step that waited (the last one of it). */
static void
replace_waiting(struct json_object *steps, const char *tool_id, struct json_object *rec)
{
	size_t n = json_object_array_length(steps);

	for (size_t i = n; i-- > 0;) {
		struct json_object *r = json_object_array_get_idx(steps, i);
		const char *id = json_get_str(r, "toolId"), *st = json_get_str(r, "status");
		if (id != NULL && st != NULL && strcmp(id, tool_id) == 0 &&
		    strcmp(st, "waiting") == 0) {
			json_object_array_put_idx(steps, i, rec);
			return;
		}
	}
	json_object_array_add(steps, rec);
}

/* Replaces *v by its masked form (lib/engine/mask.h). */
static void
mask_field(struct json_object **v, struct json_object *secrets, enum mask_mode mode)
{
	struct json_object *m = mask_json(*v, secrets, mode);

	json_object_put(*v);
	*v = m;
}

/*
 * Runs plan on input (borrowed), from the first step or from env->resume.
 * Fills res (free it with exec_result_free). Returns 0 when the run
 * succeeded or stopped to wait, pause or be cancelled (res->status says
 * which, and res->next_step and res->state where it stands), -1 when a
 * step failed (res says how).
 *
 * Database writes of db tools happen in one transaction the engine opens
 * at the first write (env->in_tx). On failure the engine rolls it back, so
 * a failed run leaves no partial record; otherwise it is left open for the
 * caller to add its own record and commit (a checkpoint may commit it
 * earlier, and the next write opens another).
 */
int
engine_run(const struct plan *p, struct exec_env *env, struct json_object *input,
    struct exec_result *res)
{
	const struct exec_resume *from = env->resume;
	struct json_object *scope, *steps_out, *envobj;
	unsigned char *skip;
	long long t0 = mono_us(), deadline_ms;
	size_t i;
	int failed = 0;

	memset(res, 0, sizeof(*res));
	res->started_at_us = wall_us();
	res->status = EXEC_SUCCEEDED;
	if (!env->no_trace) {
		res->steps = from != NULL ? copy_or(from->steps, 1) : json_object_new_array();
		res->logs = from != NULL ? copy_or(from->logs, 1) : json_object_new_array();
	}
	res->http_status = 200;
	deadline_ms = mono_ms() + env->cfg->run_budget_ms;
	if ((skip = calloc(p->nsteps ? p->nsteps : 1, 1)) == NULL)
		abort();

	scope = json_object_new_object();
	json_add_new(scope, "input", json_object_get(input));
	if (from != NULL) {
		struct json_object *sk = json_get(from->state, "skip", json_type_array);
		steps_out = copy_or(json_get(from->state, "steps", json_type_object), 0);
		for (size_t k = 0; sk != NULL && k < json_object_array_length(sk); k++) {
			int64_t x = json_object_get_int64(json_object_array_get_idx(sk, k));
			if (x >= 0 && (size_t)x < p->nsteps)
				skip[x] = 1;
		}
	} else
		steps_out = json_object_new_object();
	json_add_new(scope, "steps", steps_out);
	json_add_new(scope, "secrets", env->secrets != NULL ?
	    json_object_get(env->secrets) : json_object_new_object());
	if (p->uses_request)
		json_add_new(scope, "request", env->request != NULL ?
		    json_object_get(env->request) :
		    json_tokener_parse("{\"headers\":{},\"body\":\"\"}"));
	/* Nothing reads env unless a template names it or a db_insert dates a
	 * row; a run that goes on keeps the values it started with. */
	if (from != NULL && (envobj = json_get(from->state, "env", json_type_object)) != NULL)
		json_add_new(scope, "env", copy_or(envobj, 0));
	else if (p->needs_now)
		json_add_new(scope, "env", env_object(res->started_at_us, env->execution_id));

	if (res->logs != NULL && json_object_array_length(res->logs) == 0) {
		struct json_object *d = json_object_new_object();
		json_add_new(d, "workflow", json_object_new_string(p->id));
		json_add_new(d, "version", json_object_new_int(p->version));
		add_log(res, "info", d, "Execution started: %zu step%s",
		    p->nsteps, p->nsteps == 1 ? "" : "s");
	}

	for (i = from != NULL ? from->next_step : 0; i < p->nsteps; i++) {
		const struct plan_step *s = &p->steps[i];
		struct tool_ctx ctx;
		struct json_object *cfg = NULL, *err;
		char why[200];
		long long st, dur;
		int rc;

		if (skip[i]) {
			if (res->steps != NULL)
				json_object_array_add(res->steps,
				    step_record(s, STEP_SKIPPED, wall_us(), 0, NULL, NULL));
			add_log(res, "info", NULL, "%s skipped", s->name);
			continue;
		}
		/* The person's answer to the approval that waited is its output. */
		if (from != NULL && i == from->next_step && from->answer != NULL &&
		    s->type == TOOL_APPROVAL) {
			struct json_object *rec = step_record(s, STEP_SUCCEEDED, wall_us(), 0,
			    from->answer, NULL);
			if (env->on_step != NULL)
				env->on_step(env->step_ctx, i, s, rec);
			if (res->steps != NULL)
				replace_waiting(res->steps, s->tool_id, rec);
			else
				json_object_put(rec);
			add_log(res, "success", NULL, "%s answered", s->name);
			json_object_object_add(steps_out, s->tool_id, copy_or(from->answer, 0));
			continue;
		}
		if (env->boundary != NULL) {
			enum exec_status b = env->boundary(env->hook_ctx, i);
			if (b == EXEC_PAUSED || b == EXEC_CANCELLED) {
				res->status = b;
				add_log(res, "info", NULL, "Execution %s before %s",
				    exec_status_names[b], s->name);
				break;
			}
		}
		if (env->on_step != NULL)
			env->on_step(env->step_ctx, i, s, NULL);
		memset(&ctx, 0, sizeof(ctx));
		ctx.env = env;
		ctx.plan = p;
		ctx.step = s;
		ctx.index = i;
		ctx.scope = scope;
		ctx.skip = skip;
		ctx.deadline_ms = mono_ms() + env->cfg->step_timeout_ms;
		if (ctx.deadline_ms > deadline_ms) {
			ctx.deadline_ms = deadline_ms;
			ctx.deadline_is_run = 1;
		}
		st = wall_us();
		dur = mono_us();
		if (mono_ms() >= deadline_ms)
			rc = tool_fail(&ctx, 504, "run_budget_exceeded",
			    "the run took longer than %ld ms", env->cfg->run_budget_ms);
		else if (s->has_refs && tpl_render(s->config, scope, &cfg, why,
		    sizeof(why)) == -1)
			rc = tool_fail(&ctx, 500, "template_error", "%s", why);
		else {
			if (!s->has_refs)
				cfg = s->config != NULL ? json_object_get(s->config) :
				    json_object_new_object();
			ctx.config = cfg;
			rc = tool_impls[s->type].run(&ctx);
		}
		dur = mono_us() - dur;
		if (rc == 0 && dur / 1000 > env->cfg->step_timeout_ms) {
			json_object_put(ctx.output);
			ctx.output = NULL;
			rc = tool_fail(&ctx, 504, "step_timeout",
			    "%s took %lld ms; the limit is %ld ms", s->name,
			    dur / 1000, env->cfg->step_timeout_ms);
		}
		json_object_put(cfg);
		if (rc == TOOL_WAIT) {
			/* The step waits for a person: the run stops before it. */
			step_done(res, env, i, s, STEP_WAITING, st, dur, NULL, NULL);
			add_log(res, "info", NULL, "%s waits for a person", s->name);
			res->status = EXEC_WAITING;
			res->intervention = ctx.output;
			res->http_status = 202;
			break;
		}
		if (rc != 0) {
			err = error_object(ctx.err_code ? ctx.err_code : "step_failed",
			    ctx.err_msg, ctx.err_details);
			step_done(res, env, i, s, STEP_FAILED, st, dur, NULL, err);
			if (res->logs != NULL) {
				struct json_object *d = json_object_new_object();
				json_add_new(d, "toolId", json_object_new_string(s->tool_id));
				json_add_new(d, "error", json_object_get(err));
				add_log(res, "error", d, "%s failed: %s", s->name, ctx.err_msg);
			}
			res->error = err;
			res->http_status = ctx.err_status ? ctx.err_status : 500;
			failed = 1;
			break;
		}
		if (ctx.output == NULL)
			ctx.output = json_object_new_object();
		step_done(res, env, i, s, STEP_SUCCEEDED, st, dur, ctx.output, NULL);
		if (res->logs != NULL) {
			struct json_object *d = json_object_new_object();
			json_add_new(d, "toolId", json_object_new_string(s->tool_id));
			json_add_new(d, "durationUs", json_object_new_int64(dur));
			add_log(res, "success", d, "%s completed", s->name);
		}
		if (s->type == TOOL_RESPONSE) {
			struct json_object *v;
			if ((v = json_get(ctx.output, "status", json_type_int)) != NULL)
				res->http_status = json_object_get_int(v);
			res->output = json_object_object_get_ex(ctx.output, "body", &v) ?
			    json_object_get(v) : NULL;
			if ((v = json_get(ctx.output, "headers", json_type_object)) != NULL)
				res->headers = json_object_get(v);
		}
		json_object_object_add(steps_out, s->tool_id, ctx.output);
		if (ctx.stop) {
			i = p->nsteps;
			break;
		}
		if (env->checkpoint != NULL && has_effects(s->type) && i + 1 < p->nsteps) {
			json_object_put(res->state);
			res->state = state_of(p, scope, skip);
			res->next_step = i + 1;
			if (env->checkpoint(env->hook_ctx, res, i + 1) == -1) {
				res->error = error_object("unavailable",
				    "the execution's progress could not be stored", NULL);
				res->http_status = 503;
				failed = 1;
				break;
			}
		}
	}
	res->next_step = i;
	json_object_put(res->state);
	res->state = state_of(p, scope, skip);
	res->duration_us = mono_us() - t0;
	if (failed) {
		res->status = EXEC_FAILED;
		if (env->pending != NULL)
			json_object_array_del_idx(env->pending, 0,
			    json_object_array_length(env->pending));
		if (env->in_tx) {
			db_rollback(env->db);
			env->in_tx = 0;
		}
		add_log(res, "error", NULL, "Execution failed after %.1f ms",
		    (double)res->duration_us / 1000);
	} else if (res->status == EXEC_SUCCEEDED) {
		if (res->output == NULL && p->nsteps > 0) {
			/* No response tool: the last step's output is the answer. */
			struct json_object *v;
			if (json_object_object_get_ex(steps_out,
			    p->steps[p->nsteps - 1].tool_id, &v))
				res->output = json_object_get(v);
		}
		add_log(res, "success", NULL, "Execution succeeded in %.1f ms",
		    (double)res->duration_us / 1000);
	}
	json_object_put(scope);
	free(skip);
	/* What the run hands out shows no secret, whoever stores or answers it
	 * (an approval's prompt goes to a person); its trace no password
	 * either. res->state, what a run that waits goes on from, keeps the
	 * values. */
	mask_field(&res->output, env->secrets, MASK_SECRETS);
	mask_field(&res->headers, env->secrets, MASK_SECRETS);
	mask_field(&res->error, env->secrets, MASK_SECRETS);
	mask_field(&res->intervention, env->secrets, MASK_SECRETS);
	mask_field(&res->steps, env->secrets, MASK_TRACE);
	mask_field(&res->logs, env->secrets, MASK_TRACE);
	return failed ? -1 : 0;
}

void
exec_result_free(struct exec_result *res)
{
	json_object_put(res->output);
	json_object_put(res->headers);
	json_object_put(res->steps);
	json_object_put(res->logs);
	json_object_put(res->error);
	json_object_put(res->state);
	json_object_put(res->intervention);
	memset(res, 0, sizeof(*res));
}

