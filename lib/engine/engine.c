/*
 * The executor: compiles workflows into plans and runs them step by step.
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
#include "template.h"
#include "tools.h"

const char *const exec_status_names[EXEC_STATUS__MAX] = {
	"succeeded", "failed",
};
const char *const step_status_names[STEP_STATUS__MAX] = {
	"succeeded", "failed", "skipped",
};

/* ISO 8601 UTC with milliseconds, as every timestamp the API shows. */
static struct json_object *
iso_time(long long us)
{
	char s[ISO_UTC_SIZE];

	iso_utc(us, s);
	return json_object_new_string(s);
}

void
plan_free(struct plan *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->nsteps; i++)
		if (p->steps[i].compiled != NULL &&
		    tool_impls[p->steps[i].type].free_compiled != NULL)
			tool_impls[p->steps[i].type].free_compiled(p->steps[i].compiled);
	free(p->steps);
	js_free(p->input_schema);
	json_object_put(p->doc);
	json_object_put(p->secrets);
	free(p);
}

/* tpl_scan callback: sets *(int *)ctx when a reference reads {{env.*}}. */
static void
env_ref_cb(void *ctx, const struct tpl_ref *ref, const char *path)
{
	(void)path;
	if (ref->root == TPL_ENV)
		*(int *)ctx = 1;
}

/*
 * Compiles a canonical (already validated) document into a plan. The plan
 * takes its own reference to doc. Returns 0, or -1 with errors appended.
 */
int
plan_compile(struct json_object *doc, const char *id, int version,
    struct plan **out, struct json_object *errors)
{
	struct json_object *tools, *order, *schema;
	struct plan *p;
	size_t i, j, n;

	*out = NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return -1;
	snprintf(p->id, sizeof(p->id), "%s", id);
	p->version = version;
	p->doc = json_object_get(doc);
	tools = json_get(doc, "tools", json_type_array);
	order = json_get(doc, "executionOrder", json_type_array);
	if (tools == NULL || order == NULL) {
		errs_add(errors, "", "the stored workflow has no tools or executionOrder");
		goto fail;
	}
	if ((schema = json_object_object_get(doc, "inputSchema")) != NULL &&
	    js_compile(schema, &p->input_schema, errors) != JS_OK)
		goto fail;
	n = json_object_array_length(order);
	if ((p->steps = calloc(n ? n : 1, sizeof(*p->steps))) == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		const char *tid = json_object_get_string(json_object_array_get_idx(order, i));
		struct json_object *t = NULL;
		struct plan_step *s = &p->steps[i];
		char path[96];

		for (j = 0; j < json_object_array_length(tools); j++) {
			struct json_object *c = json_object_array_get_idx(tools, j);
			const char *cid = json_get_str(c, "toolId");
			if (cid != NULL && tid != NULL && strcmp(cid, tid) == 0) {
				t = c;
				break;
			}
		}
		if (t == NULL || tool_type_lookup(json_get_str(t, "type") ?
		    json_get_str(t, "type") : "") < 0) {
			errs_add(errors, "/executionOrder", "step %zu names no known tool", i);
			goto fail;
		}
		s->tool_id = json_get_str(t, "toolId");
		s->name = json_get_str(t, "name") ? json_get_str(t, "name") : s->tool_id;
		s->type = (enum tool_type)tool_type_lookup(json_get_str(t, "type"));
		s->config = json_object_object_get(t, "config");
		s->has_refs = tpl_has_refs(s->config);
		if (s->has_refs)
			tpl_scan(s->config, "", env_ref_cb, &p->uses_env, NULL);
		p->nsteps++;
		snprintf(path, sizeof(path), "/tools/%zu/config", j);
		if (tool_impls[s->type].compile != NULL &&
		    tool_impls[s->type].compile(s->config, path, errors, &s->compiled) != 0)
			goto fail;
	}
	p->bytes = strlen(json_object_to_json_string(doc)) * 4 + sizeof(*p);
	p->deferrable = 1;
	p->needs_now = p->uses_env;
	for (i = 0, j = 0; i < p->nsteps; i++) {
		enum tool_type t = p->steps[i].type;
		if (t == TOOL_DB_INSERT)
			j = p->needs_now = 1;  /* a deferred insert's createdAt */
		else if (j && (t == TOOL_DB_FIND || t == TOOL_HTTP_REQUEST ||
		    t == TOOL_APPROVAL))
			p->deferrable = 0;
	}
	*out = p;
	return 0;
fail:
	plan_free(p);
	return -1;
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

/*
 * Runs plan on input (borrowed). Fills res (free it with exec_result_free).
 * Returns 0 when the run succeeded, -1 when a step failed (res says how).
 *
 * Database writes of db tools happen in one transaction the engine opens
 * at the first write (env->in_tx). On failure the engine rolls it back, so
 * a failed run leaves no partial record; on success it is left open for the
 * caller to add its own record and commit.
 */
int
engine_run(const struct plan *p, struct exec_env *env, struct json_object *input,
    struct exec_result *res)
{
	struct json_object *scope, *steps_out, *envobj;
	unsigned char *skip;
	long long t0 = mono_us(), deadline_ms;
	size_t i;
	int failed = 0;

	memset(res, 0, sizeof(*res));
	res->started_at_us = wall_us();
	if (!env->no_trace) {
		res->steps = json_object_new_array();
		res->logs = json_object_new_array();
	}
	res->http_status = 200;
	deadline_ms = mono_ms() + env->cfg->run_budget_ms;
	if ((skip = calloc(p->nsteps ? p->nsteps : 1, 1)) == NULL)
		abort();

	scope = json_object_new_object();
	steps_out = json_object_new_object();
	json_add_new(scope, "input", json_object_get(input));
	json_add_new(scope, "steps", steps_out);
	json_add_new(scope, "secrets", env->secrets != NULL ?
	    json_object_get(env->secrets) : json_object_new_object());
	/* Nothing reads env unless a template names it or a db_insert dates a row. */
	if (p->needs_now) {
		envobj = json_object_new_object();
		json_add_new(envobj, "now", iso_time(res->started_at_us));
		json_add_new(envobj, "timestamp",
		    json_object_new_int64(res->started_at_us / 1000000));
		json_add_new(envobj, "executionId",
		    json_object_new_string(env->execution_id ? env->execution_id : ""));
		json_add_new(scope, "env", envobj);
	}

	if (res->logs != NULL) {
		struct json_object *d = json_object_new_object();
		json_add_new(d, "workflow", json_object_new_string(p->id));
		json_add_new(d, "version", json_object_new_int(p->version));
		add_log(res, "info", d, "Execution started: %zu steps", p->nsteps);
	}

	for (i = 0; i < p->nsteps; i++) {
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
		memset(&ctx, 0, sizeof(ctx));
		ctx.env = env;
		ctx.plan = p;
		ctx.step = s;
		ctx.index = i;
		ctx.scope = scope;
		ctx.skip = skip;
		ctx.deadline_ms = mono_ms() + env->cfg->step_timeout_ms;
		if (ctx.deadline_ms > deadline_ms)
			ctx.deadline_ms = deadline_ms;
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
		if (rc != 0) {
			err = error_object(ctx.err_code ? ctx.err_code : "step_failed",
			    ctx.err_msg, ctx.err_details);
			if (res->steps != NULL)
				json_object_array_add(res->steps,
				    step_record(s, STEP_FAILED, st, dur, NULL, err));
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
		if (res->steps != NULL)
			json_object_array_add(res->steps,
			    step_record(s, STEP_SUCCEEDED, st, dur, ctx.output, NULL));
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
		if (ctx.stop)
			break;
	}
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
	} else {
		res->status = EXEC_SUCCEEDED;
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
	memset(res, 0, sizeof(*res));
}

/* Keys whose values a trace must never show. */
static int
sensitive_key(const char *k)
{
	static const char *const words[] = { "password", "passwd", "secret",
	    "apikey", "api_key", "authorization", NULL };

	for (const char *const *w = words; *w != NULL; w++) {
		size_t n = strlen(*w);
		for (const char *p = k; *p != '\0'; p++)
			if (strncasecmp(p, *w, n) == 0)
				return 1;
	}
	return 0;
}

/* Replaces each occurrence of a secret's value in s with "***". */
static struct json_object *
scrub_string(const char *s, struct json_object *secrets)
{
	char *out = NULL;
	int changed = 0;

	if (secrets == NULL)
		return NULL;
	json_object_object_foreach(secrets, name, val) {
		const char *sv = json_object_get_string(val);
		size_t sl = sv ? strlen(sv) : 0;
		const char *cur = out ? out : s, *hit;

		(void)name;
		if (sl < 4 || (hit = strstr(cur, sv)) == NULL)
			continue;
		size_t n = strlen(cur);
		char *nw = malloc(n * 3 + 4), *d = nw;
		if (nw == NULL)
			abort();
		while ((hit = strstr(cur, sv)) != NULL) {
			memcpy(d, cur, (size_t)(hit - cur));
			d += hit - cur;
			memcpy(d, "***", 3);
			d += 3;
			cur = hit + sl;
		}
		strcpy(d, cur);
		free(out);
		out = nw;
		changed = 1;
	}
	if (!changed)
		return NULL;
	struct json_object *r = json_object_new_string(out);
	free(out);
	return r;
}

/*
 * Hides what must not be shown, in place: any secret's value inside a
 * string becomes "***", and with keys set, so do values under
 * password-like keys. Callers redact copies (traces share objects).
 */
void
redact(struct json_object *v, struct json_object *secrets, int keys)
{
	if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, key, val) {
			struct json_object *r;
			if (keys && sensitive_key(key) && val != NULL &&
			    !json_object_is_type(val, json_type_object) &&
			    !json_object_is_type(val, json_type_array))
				json_object_object_add(v, key, json_object_new_string("***"));
			else if (json_object_is_type(val, json_type_string) &&
			    (r = scrub_string(json_object_get_string(val), secrets)) != NULL)
				json_object_object_add(v, key, r);
			else
				redact(val, secrets, keys);
		}
	} else if (json_object_is_type(v, json_type_array)) {
		size_t n = json_object_array_length(v);
		for (size_t i = 0; i < n; i++) {
			struct json_object *e = json_object_array_get_idx(v, i), *r;
			if (json_object_is_type(e, json_type_string) &&
			    (r = scrub_string(json_object_get_string(e), secrets)) != NULL)
				json_object_array_put_idx(v, i, r);
			else
				redact(e, secrets, keys);
		}
	}
}

/* --- plan cache ---------------------------------------------------------- */

struct plan_cache {
	size_t		  max;
	size_t		  n;
	unsigned long	  tick;
	struct plan	**plans;
	unsigned long	 *used;
};

struct plan_cache *
plan_cache_new(size_t max)
{
	struct plan_cache *c = calloc(1, sizeof(*c));

	if (c == NULL)
		abort();
	c->max = max ? max : 1;
	c->plans = calloc(c->max, sizeof(*c->plans));
	c->used = calloc(c->max, sizeof(*c->used));
	if (c->plans == NULL || c->used == NULL)
		abort();
	return c;
}

void
plan_cache_free(struct plan_cache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++)
		plan_free(c->plans[i]);
	free(c->plans);
	free(c->used);
	free(c);
}

/* The cached plan of (id, version), or NULL. The cache keeps ownership. */
struct plan *
plan_cache_get(struct plan_cache *c, const char *id, int version)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->plans[i]->version == version && strcmp(c->plans[i]->id, id) == 0) {
			c->used[i] = ++c->tick;
			return c->plans[i];
		}
	return NULL;
}

/* The newest cached plan of id, whatever its version, or NULL. */
struct plan *
plan_cache_find(struct plan_cache *c, const char *id)
{
	struct plan *best = NULL;
	size_t bi = 0;

	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->plans[i]->id, id) == 0 &&
		    (best == NULL || c->plans[i]->version > best->version)) {
			best = c->plans[i];
			bi = i;
		}
	if (best != NULL)
		c->used[bi] = ++c->tick;
	return best;
}

/* Drops every plan of id (a redeploy or a delete happened elsewhere). */
void
plan_cache_evict(struct plan_cache *c, const char *id)
{
	size_t i = 0;

	while (i < c->n) {
		if (strcmp(c->plans[i]->id, id) == 0) {
			plan_free(c->plans[i]);
			c->n--;
			c->plans[i] = c->plans[c->n];
			c->used[i] = c->used[c->n];
		} else
			i++;
	}
}

void
plan_cache_clear(struct plan_cache *c)
{
	for (size_t i = 0; i < c->n; i++)
		plan_free(c->plans[i]);
	c->n = 0;
}

/* Adds p (ownership passes to the cache), evicting the least recently used. */
void
plan_cache_put(struct plan_cache *c, struct plan *p)
{
	size_t slot = c->n, i;

	if (c->n == c->max) {
		slot = 0;
		for (i = 1; i < c->n; i++)
			if (c->used[i] < c->used[slot])
				slot = i;
		plan_free(c->plans[slot]);
	} else
		c->n++;
	c->plans[slot] = p;
	c->used[slot] = ++c->tick;
}
