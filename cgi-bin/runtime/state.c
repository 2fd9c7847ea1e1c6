/*
 * The runtime worker's state, the platform key check, and the plan cache.
 * A redeploy or delete is published in the runtime's shared memory
 * (lib/proc/changes.h) by the worker that made it and, for changes made on
 * other hosts, by the log writer, which LISTENs for NOTIFY agents; every
 * worker applies what is new before serving a call -- an atomic load, no
 * query and no system call per call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "crypto.h"
#include "log.h"
#include "sealed.h"
#include "runtime.h"
#include "toolcheck.h"

#define PLAN_CACHE_ENTRIES 256

/* changes_apply callback: that agent's plan is stale. */
static void
evict_agent(void *ctx, const char *agent_id)
{
	struct rt_state *st = ctx;

	plan_cache_evict(st->kit.plans, agent_id);
}

int
rt_worker_init(struct app *app)
{
	struct rt_state *st = calloc(1, sizeof(*st));

	if (st == NULL)
		return -1;
	if (run_kit_init(&st->kit, PLAN_CACHE_ENTRIES) == -1) {
		free(st);
		return -1;
	}
	app->prog = st;
	if (app->shared != NULL) {
		struct rt_shared *sh = app->shared;

		st->changes_seen = changes_now(&sh->agents);
		gc_slot_reset(&sh->commits, app->slot);
	}
	return 0;
}

void
rt_worker_fini(struct app *app)
{
	struct rt_state *st = app->prog;

	if (st == NULL)
		return;
	run_kit_fini(&st->kit);
	free(st);
	app->prog = NULL;
}

/*
 * Whether the runtime seals secrets with the key: not as a dedicated
 * agent's pod (ORX_RUNTIME_AGENT), whose secrets come from its Secret
 * (ORX_AGENT_SECRETS) and which seals nothing.
 */
int
rt_seals(const struct config *cfg)
{
	return config_get(cfg, CFG_RUNTIME_AGENT)[0] == '\0';
}

/* The deployment API takes the platform key (constant-time compare). */
int
rt_authenticate(struct req *r, struct resp *w, unsigned scope)
{
	(void)scope;
	if (bearer_token(r) == NULL) {
		resp_header(w, "WWW-Authenticate", "Bearer");
		return resp_error(w, HTTP_UNAUTHORIZED, "unauthorized",
		    "send the platform key as 'Authorization: Bearer <key>'");
	}
	/* Compared by hash in constant time; an empty key accepts nothing. */
	if (!bearer_is(r, config_get(r->app->cfg, CFG_RUNTIME_API_KEY)))
		return resp_error(w, HTTP_UNAUTHORIZED, "unauthorized",
		    "the platform key is not valid");
	return 0;
}

/*
 * After a committed replace or delete of agent_id: this worker's plan goes
 * now, the other workers' at their next call (the NOTIFY sent with the
 * change tells other hosts, through their log writers).
 */
void
rt_agent_changed(struct req *r, const char *agent_id)
{
	plan_cache_evict(RT(r)->kit.plans, agent_id);
	if (RT_SHARED(r) != NULL)
		changes_publish(&RT_SHARED(r)->agents, agent_id);
}

/* Applies the agent changes published since the last call to the plan cache. */
void
rt_sync_cache(struct req *r)
{
	struct rt_state *st = RT(r);

	if (RT_SHARED(r) != NULL &&
	    changes_apply(&RT_SHARED(r)->agents, &st->changes_seen, evict_agent, st) != 0)
		plan_cache_clear(st->kit.plans);
}

/*
 * The secrets of a dedicated agent's pod: ORX_AGENT_SECRETS, a JSON object
 * of strings from the agent's Kubernetes Secret (a new object, owned).
 */
static struct json_object *
pod_secrets(const struct config *cfg)
{
	const char *s = config_get(cfg, CFG_AGENT_SECRETS);
	struct json_object *o = NULL;

	if (*s != '\0' && (json_parse_strict(s, strlen(s), 4, &o, NULL) != JP_OK ||
	    !json_object_is_type(o, json_type_object))) {
		log_error("ORX_AGENT_SECRETS is not a JSON object; the agent has no secrets");
		json_object_put(o);
		o = NULL;
	}
	return o != NULL ? o : json_object_new_object();
}

/*
 * The agent's current plan, from the cache or loaded and compiled. Returns
 * NULL with *status_out 404 (no such agent, or not the one agent a
 * dedicated pod serves), 421 (a dedicated agent, asked of the shared
 * runtime), 503 (database away) or 500 (it does not compile; or, with
 * *key_trouble set, its secrets do not open).
 */
struct plan *
rt_plan(struct req *r, const char *agent_id, int *status_out, const char **key_trouble)
{
	struct rt_state *st = RT(r);
	char why[300];
	struct plan *p;
	struct json_object *doc, *errors;
	const char *params[1] = { agent_id };
	const char *only = config_get(r->app->cfg, CFG_RUNTIME_AGENT);
	PGresult *res;

	if (*only != '\0' && strcmp(only, agent_id) != 0) {
		*status_out = HTTP_NOT_FOUND;
		return NULL;
	}
	rt_sync_cache(r);
	if ((p = plan_cache_find(st->kit.plans, agent_id)) != NULL)
		return p;
	if ((res = db_query(r->app->db, r->arena, Q_RT_AGENT_LOAD, 1, params)) == NULL) {
		*status_out = HTTP_SERVICE_UNAVAILABLE;
		return NULL;
	}
	if (!db_ok(res) || PQntuples(res) != 1 ||
	    (doc = json_tokener_parse(PQgetvalue(res, 0, 1))) == NULL) {
		*status_out = HTTP_NOT_FOUND;
		return NULL;
	}
	/* Not cached: each call asks again, and the answer stays right if
	 * the agent is deployed again otherwise. */
	if (*only == '\0' && strcmp(PQgetvalue(res, 0, 4), "dedicated") == 0) {
		json_object_put(doc);
		*status_out = HTTP_MISDIRECTED;
		return NULL;
	}
	errors = json_object_new_array();
	if (plan_compile(doc, agent_id, atoi(PQgetvalue(res, 0, 0)), &p, errors) == -1) {
		log_error("agent %s does not compile: %s", agent_id, json_plain(errors));
		json_object_put(errors);
		json_object_put(doc);
		*status_out = HTTP_INTERNAL_ERROR;
		return NULL;
	}
	json_object_put(errors);
	json_object_put(doc);
	snprintf(p->access_hash, sizeof(p->access_hash), "%s", PQgetvalue(res, 0, 2));
	if (*only != '\0')
		p->secrets = pod_secrets(r->app->cfg);
	else if ((p->secrets = sealed_open_all(r->app->keys, agent_id, PQgetvalue(res, 0, 3),
	    why, sizeof(why))) == NULL) {
		/* Never run as if a secret that is set were not: the call fails,
		 * naming the key's trouble (/healthz says it too). */
		log_error("agent %s: its secrets do not open: %s", agent_id, why);
		plan_free(p);
		*status_out = HTTP_INTERNAL_ERROR;
		*key_trouble = arena_strdup(r->arena, why);
		return NULL;
	}
	snprintf(p->owner, sizeof(p->owner), "%s", PQgetvalue(res, 0, 5));
	snprintf(p->environment, sizeof(p->environment), "%s", PQgetvalue(res, 0, 6));
	p->rate_per_second = strtod(PQgetvalue(res, 0, 7), NULL);
	p->rate_burst = (unsigned)atoi(PQgetvalue(res, 0, 8));
	plan_cache_put(st->kit.plans, p);
	return p;
}
