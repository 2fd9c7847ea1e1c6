/*
 * The runtime worker's state, the platform key check, and the plan cache:
 * a redeploy or delete anywhere is announced with NOTIFY agents, '<id>',
 * which every worker reads before serving a call (no query per call).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "crypto.h"
#include "log.h"
#include "runtime.h"
#include "toolcheck.h"

#define PLAN_CACHE_ENTRIES 256

static int
load_key(const char *path, unsigned char key[32])
{
	char hex[80] = "";
	FILE *f = fopen(path, "r");
	int ok;

	if (f == NULL)
		return -1;
	ok = fgets(hex, sizeof(hex), f) != NULL;
	fclose(f);
	hex[strcspn(hex, "\r\n")] = '\0';
	ok = ok && crypto_key_from_hex(hex, key) == 0;
	crypto_wipe(hex, sizeof(hex));
	return ok ? 0 : -1;
}

int
rt_worker_init(struct app *app)
{
	struct rt_state *st = calloc(1, sizeof(*st));

	if (st == NULL)
		return -1;
	st->catalog = catalog_new();
	st->plans = plan_cache_new(PLAN_CACHE_ENTRIES);
	st->have_key = load_key(config_get(app->cfg, CFG_SECRET_KEY_FILE),
	    st->secret_key) == 0;
	app->prog = st;
	return 0;
}

void
rt_worker_fini(struct app *app)
{
	struct rt_state *st = app->prog;

	if (st == NULL)
		return;
	catalog_free(st->catalog);
	plan_cache_free(st->plans);
	crypto_wipe(st->secret_key, sizeof(st->secret_key));
	free(st);
	app->prog = NULL;
}

/* The deployment API takes the platform key (constant-time compare). */
int
rt_authenticate(struct req *r, struct resp *w, unsigned scope)
{
	const char *want = config_get(r->app->cfg, CFG_RUNTIME_API_KEY);
	const char *got = bearer_token(r);
	char hw[65], hg[65];

	(void)scope;
	if (got == NULL) {
		resp_header(w, "WWW-Authenticate", "Bearer");
		return resp_error(w, HTTP_UNAUTHORIZED, "unauthorized",
		    "send the platform key as 'Authorization: Bearer <key>'");
	}
	/* Hashes have equal length, so the comparison leaks nothing. */
	sha256_hex(want, strlen(want), hw);
	sha256_hex(got, strlen(got), hg);
	if (*want == '\0' || !crypto_timingsafe_eq(hw, hg, 64))
		return resp_error(w, HTTP_UNAUTHORIZED, "unauthorized",
		    "the platform key is not valid");
	return 0;
}

/*
 * Applies pending NOTIFYs to the plan cache. After a reconnect the cache
 * is dropped (notifications may have been missed) and LISTEN sent again.
 */
void
rt_sync_cache(struct req *r)
{
	struct db *d = r->app->db;
	struct rt_state *st = RT(r);
	PGnotify *n;

	if (db_ready(d) == -1)
		return;
	if (st->listen_gen != d->generation) {
		PGresult *res = PQexec(d->conn, "LISTEN agents");
		if (PQresultStatus(res) == PGRES_COMMAND_OK) {
			st->listen_gen = d->generation;
			plan_cache_clear(st->plans);
		}
		PQclear(res);
		return;
	}
	if (PQconsumeInput(d->conn) == 0)
		return;
	while ((n = PQnotifies(d->conn)) != NULL) {
		plan_cache_evict(st->plans, n->extra);
		PQfreemem(n);
	}
}

/* Opens sealed agent secrets [[name, hex], ...] into {name: value}. */
static struct json_object *
open_secrets(struct rt_state *st, const char *agent_id, const char *sealed_json)
{
	struct json_object *out = json_object_new_object();
	struct json_object *arr = json_tokener_parse(sealed_json ? sealed_json : "[]");
	size_t n = json_object_is_type(arr, json_type_array) ?
	    json_object_array_length(arr) : 0;

	for (size_t i = 0; i < n && st->have_key; i++) {
		struct json_object *pair = json_object_array_get_idx(arr, i);
		const char *name = json_object_get_string(json_object_array_get_idx(pair, 0));
		const char *hex = json_object_get_string(json_object_array_get_idx(pair, 1));
		size_t hl = hex ? strlen(hex) : 0;
		unsigned char *sealed = malloc(hl / 2 + 1), *plain = malloc(hl / 2 + 1);
		char aad[200];
		int sl, pl;

		if (sealed == NULL || plain == NULL)
			abort();
		snprintf(aad, sizeof(aad), "%s/%s", agent_id, name ? name : "");
		sl = crypto_hex_decode(hex ? hex : "", hl, sealed, hl / 2 + 1);
		pl = sl < 0 ? -1 : crypto_open(st->secret_key, sealed, (size_t)sl, aad,
		    strlen(aad), plain, hl / 2 + 1);
		if (pl >= 0)
			json_object_object_add(out, name,
			    json_object_new_string_len((const char *)plain, pl));
		else
			log_warn("agent %s: secret %s does not open", agent_id, name);
		crypto_wipe(plain, hl / 2 + 1);
		free(sealed);
		free(plain);
	}
	json_object_put(arr);
	return out;
}

/*
 * The agent's current plan, from the cache or loaded and compiled. Returns
 * NULL with *status_out 404 (no such agent) or 503 (database away).
 */
struct plan *
rt_plan(struct req *r, const char *agent_id, int *status_out)
{
	struct rt_state *st = RT(r);
	struct plan *p;
	struct json_object *doc, *errors;
	const char *params[1] = { agent_id };
	PGresult *res;

	rt_sync_cache(r);
	if ((p = plan_cache_find(st->plans, agent_id)) != NULL)
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
	p->secrets = open_secrets(st, agent_id, PQgetvalue(res, 0, 3));
	plan_cache_put(st->plans, p);
	return p;
}
