/*
 * Plans: a stored workflow compiled once (the steps in execution order,
 * each type's compiled config, the input schema), and a small per-worker
 * cache of them (lib/engine/engine.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "json.h"
#include "jsonschema.h"
#include "template.h"
#include "toolcheck.h"
#include "tools.h"
#include "workflow.h"

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

/* tpl_scan callback: notes references to {{env.*}} and {{request.*}}. */
static void
env_ref_cb(void *ctx, const struct tpl_ref *ref, const char *path)
{
	struct plan *p = ctx;

	(void)path;
	if (ref->root == TPL_ENV)
		p->uses_env = 1;
	else if (ref->root == TPL_REQUEST)
		p->uses_request = 1;
}

/* 1 if step s writes documents other than by a db_insert's deferrable insert. */
static int
writes_in_place(const struct plan_step *s)
{
	struct json_object *single;

	if (s->type == TOOL_DB_UPDATE || s->type == TOOL_DB_DELETE)
		return 1;
	/* A single-use link records its use. */
	return s->type == TOOL_RANDOM_TOKEN &&
	    (single = json_get(s->config, "singleUse", json_type_boolean)) != NULL &&
	    json_object_get_boolean(single);
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
	    js_compile_with(schema, &workflow_schema_options, &p->input_schema,
	    errors) != JS_OK)
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
			tpl_scan(s->config, "", env_ref_cb, p, NULL);
		if (s->type == TOOL_HMAC_VERIFY)
			p->uses_request = 1;  /* it reads the raw body */
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
		else if (writes_in_place(&p->steps[i]) || (j && (t == TOOL_DB_FIND ||
		    t == TOOL_HTTP_REQUEST || t == TOOL_SEND_EMAIL)))
			p->deferrable = 0;
		/* A run that waits commits its writes with its wait. */
		if (t == TOOL_APPROVAL)
			p->deferrable = 0;
	}
	{
		struct json_object *need = workflow_secret_names(doc);
		p->needs_secrets = json_object_array_length(need) > 0;
		json_object_put(need);
	}
	*out = p;
	return 0;
fail:
	plan_free(p);
	return -1;
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
