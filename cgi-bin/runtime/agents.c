/*
 * The Archestra deployment API (SPEC §6): create, get, replace, delete
 * agents. A package is turned into a workflow document and validated like
 * any workflow; secrets in it are sealed under the runtime's own key.
 */
#include <stdio.h>
#include <string.h>

#include "arc_rate.h"
#include "archestra.h"
#include "config.h"
#include "crypto.h"
#include "log.h"
#include "mcp.h"
#include "runtime.h"
#include "sealed.h"
#include "workflow.h"

#define SECRET_MAX 8192

static const char *
base_url(struct req *r)
{
	return config_get(r->app->cfg, CFG_PUBLIC_URL);
}

/* The dashboard's URL: the page, with its share token where the page reads it. */
static void
put_dashboard(struct req *r, struct buf *b, const char *id, const char *token)
{
	const char *url = arena_printf(r->arena, "%s/dashboard/%s#token=%s", base_url(r),
	    id, token);

	buf_puts(b, ",\"dashboardUrl\":");
	buf_put_json_string(b, url, strlen(url));
	buf_puts(b, ",\"dashboardToken\":");
	buf_put_json_string(b, token, strlen(token));
}

/*
 * {agentId, publicEndpoint, dashboardUrl, dashboardToken, version,
 * isolation[, orchestrator]}. A dedicated agent's endpoint is its Service in
 * the cluster; token is its dashboard's share token.
 */
static int
answer(struct req *r, struct resp *w, int status, const char *id, const char *version,
    const char *token, const struct orch *o)
{
	char base[400];

	if (o != NULL)
		orch_service_url(o, id, base, sizeof(base));
	else
		snprintf(base, sizeof(base), "%s", base_url(r));
	buf_reset(&w->body);
	buf_printf(&w->body, "{\"agentId\":\"%s\",\"publicEndpoint\":\"%s/agents/%s\"",
	    id, base, id);
	put_dashboard(r, &w->body, id, token);
	buf_printf(&w->body, ",\"version\":%s,\"isolation\":\"%s\"", version,
	    o != NULL ? "dedicated" : "shared");
	if (o != NULL)
		rt_orch_describe(r, &w->body, id, 86400000L);  /* as just recorded */
	buf_putc(&w->body, '}');
	w->status = status;
	return status;
}

/*
 * A dedicated agent's objects made (or replaced) in the cluster, inside the
 * transaction that stores it: when Kubernetes refuses, what was made is
 * removed and the caller rolls back. Returns 0, or the status answered.
 */
static int
orchestrate(struct req *r, struct resp *w, struct orch *o, const char *id,
    struct json_object *secrets)
{
	char err[400], left[300];

	/* Kubernetes answers over HTTP: the CPU gate's place goes meanwhile. */
	waiter_notify(&r->app->waiter);
	if (orch_ensure(o, id, secrets, err, sizeof(err)) == 0) {
		rt_orch_record(r, o, id, ORCH_PENDING, "");
		return 0;
	}
	if (orch_remove(o, id, left, sizeof(left)) == -1)
		log_warn("agent %s: not all of its Kubernetes objects were removed: %s", id, left);
	return rt_orch_failed(w, err);
}

/* After the commit: waits a while for the agent's pod, and records its status. */
static void
await_pod(struct req *r, struct orch *o, const char *id)
{
	enum orch_status st;
	char reason[300];

	if (orch_wait(o, id, &st, reason, sizeof(reason)) == 0)
		rt_orch_record(r, o, id, st, reason);
	else
		log_warn("agent %s: its status could not be read: %s", id, reason);
}

/*
 * Validates a package into (doc text, metadata text, name, description,
 * access key hash, secrets). Answers 422 with every field error itself.
 */
struct package {
	const char		*doc, *metadata, *name, *description;
	char			 key_hash[65];
	struct json_object	*secrets;   /* owned by the arena */
	int			 dedicated; /* "isolation": "dedicated" */
	struct arc_rate		 rate;
	char			 per_second[32], burst[16];  /* "" when not set */
};

/*
 * workflow_check speaks of the document; the client sent a package, where
 * a tool's type and config live under "handler". Rewrites the paths.
 */
static void
package_paths(struct json_object *errors)
{
	size_t n = json_object_array_length(errors);

	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(errors, i);
		const char *p = json_get_str(e, "path");
		char out[512];
		int k = 0;

		if (p == NULL || sscanf(p, "/tools/%*u%n", &k) != 0 || k == 0)
			continue;
		if (strncmp(p + k, "/type", 5) == 0 || strncmp(p + k, "/config", 7) == 0) {
			snprintf(out, sizeof(out), "%.*s/handler%s", k, p, p + k);
			json_object_object_add(e, "path", json_object_new_string(out));
		}
	}
}

static int
read_package(struct req *r, struct resp *w, struct package *pk)
{
	struct json_object *errors = json_object_new_array(), *doc = NULL, *canon = NULL;
	struct json_object *secrets = NULL, *meta;
	const char *key = json_get_str(r->json, "accessKey");

	memset(pk, 0, sizeof(*pk));
	if (arc_package_to_doc(r->json, &doc, &secrets, errors) == -1 ||
	    workflow_check(doc, RT(r)->kit.catalog, &canon, errors) == -1) {
		json_object_put(doc);
		json_object_put(secrets);
		package_paths(errors);
		return resp_error_details(w, HTTP_UNPROCESSABLE, "validation_failed",
		    "the package is not valid; see details", errors);
	}
	json_object_put(errors);
	json_object_put(doc);
	pk->doc = arena_strdup(r->arena, json_plain(canon));
	pk->name = arena_strdup(r->arena, json_get_str(canon, "name"));
	pk->description = arena_strdup(r->arena, json_get_str(canon, "description") ?
	    json_get_str(canon, "description") : "");
	json_object_put(canon);
	meta = json_get(r->json, "metadata", json_type_object);
	pk->metadata = meta ? arena_strdup(r->arena, json_plain(meta)) : "{}";
	if (key != NULL)
		sha256_hex(key, strlen(key), pk->key_hash);
	pk->secrets = arena_defer(r->arena, json_put_cb, secrets);
	pk->dedicated = rt_dedicated_package(r->json);
	errors = json_object_new_array();   /* checked by arc_package_to_doc */
	(void)arc_rate_read(r->json, "", &pk->rate, errors);
	json_object_put(errors);
	if (pk->rate.given == ARC_RATE_SET) {
		snprintf(pk->per_second, sizeof(pk->per_second), "%.17g", pk->rate.per_second);
		snprintf(pk->burst, sizeof(pk->burst), "%d", pk->rate.burst);
	}
	return 0;
}

/*
 * Seals and stores the package's secrets for agent id (inside a
 * transaction). Returns 0, -1 when the database failed, or -2 (logged)
 * when there is no key to seal with or the database records another.
 */
static int
store_secrets(struct req *r, const char *id, struct json_object *secrets)
{
	const struct keyring *keys = r->app->keys;
	const char *params[6];
	struct sealing sg;
	PGresult *res;

	params[0] = id;
	if ((res = db_query(r->app->db, r->arena, Q_RT_SECRETS_CLEAR, 1, params)) == NULL ||
	    !db_ok(res))
		return -1;
	if (secrets == NULL)
		return 0;
	if (keys == NULL || keys->seal < 0) {
		log_error("runtime: a package carries secrets but there is no key to seal "
		    "them: %s", keys != NULL ? keys->problem : "no keys");
		return -2;
	}
	json_object_object_foreach(secrets, name, val) {
		const char *v = json_object_get_string(val);
		size_t vl = strlen(v);

		if (vl > SECRET_MAX || sealed_seal(keys, r->arena, id, name, v, vl, &sg) == -1)
			return -1;
		params[1] = name;
		params[2] = sg.hex;
		params[3] = sg.key_id;
		params[4] = sg.prev_hex != NULL ? sg.prev_hex : "";
		params[5] = sg.prev_key_id != NULL ? sg.prev_key_id : "";
		if ((res = db_query(r->app->db, r->arena, Q_RT_SECRET_PUT, 6, params)) == NULL ||
		    !db_ok(res))
			return -1;
		if (PQntuples(res) == 0) {
			log_error("runtime: secrets of %s not stored: the secrets key (%.*s) is "
			    "not the one the database's agent secrets are sealed under",
			    id, KEY_ID_SHORT, sg.key_id);
			return -2;
		}
	}
	return 0;
}

/* The answer when store_secrets said -2: the runtime's key, not the database. */
static int
seal_refused(struct resp *w)
{
	return resp_error(w, HTTP_INTERNAL_ERROR, "secrets_key", "the runtime cannot seal "
	    "the package's secrets: its secrets key is missing or not the one its "
	    "database records; see /runtime/healthz");
}

int
h_agent_create(struct req *r, struct resp *w)
{
	const char *idem = req_header(r, "Idempotency-Key"), *params[10];
	struct package pk;
	struct orch orch, *o = NULL;
	char id[40], left[300];
	const char *token;
	PGresult *res;
	int st, sealed = 0;

	if (idem != NULL && (strlen(idem) == 0 || strlen(idem) > 200 ||
	    !utf8_valid(idem, strlen(idem))))
		return resp_error(w, HTTP_BAD_REQUEST, "bad_request",
		    "Idempotency-Key must be 1-200 bytes of UTF-8");
	if ((st = read_package(r, w, &pk)) != 0)
		return st;
	if (pk.dedicated) {
		if ((st = rt_orch_open(r, w, &orch)) != 0)
			return st;
		o = &orch;
	}
	/* A retried create returns the agent the first try made. */
	if (idem != NULL) {
		params[0] = idem;
		if ((res = db_query(r->app->db, r->arena, Q_RT_AGENT_BY_KEY, 1, params)) == NULL) {
			st = resp_unavailable(w);
			goto out;
		}
		if (db_ok(res) && PQntuples(res) == 1) {
			st = answer(r, w, HTTP_CREATED, PQgetvalue(res, 0, 0),
			    PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2), o);
			goto out;
		}
	}
	if (id_new(id, sizeof(id), "agent_", 20) == -1) {
		st = resp_error(w, HTTP_INTERNAL_ERROR, "internal", "no randomness");
		goto out;
	}
	if (db_begin(r->app->db) == -1) {
		st = resp_unavailable(w);
		goto out;
	}
	params[0] = id;
	params[1] = pk.name;
	params[2] = pk.description;
	params[3] = pk.doc;
	params[4] = pk.metadata;
	params[5] = idem ? idem : "";
	params[6] = pk.key_hash;
	params[7] = pk.dedicated ? "dedicated" : "shared";
	params[8] = pk.per_second;
	params[9] = pk.burst;
	res = db_query(r->app->db, r->arena, Q_RT_AGENT_INSERT, 10, params);
	if (res != NULL && strcmp(db_sqlstate(res), "23505") == 0) {
		/* A concurrent create with the same key won: answer with its agent. */
		db_rollback(r->app->db);
		params[0] = idem;
		res = db_query(r->app->db, r->arena, Q_RT_AGENT_BY_KEY, 1, params);
		if (res != NULL && db_ok(res) && PQntuples(res) == 1)
			st = answer(r, w, HTTP_CREATED, PQgetvalue(res, 0, 0),
			    PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2), o);
		else
			st = resp_error(w, HTTP_CONFLICT, "conflict", "try again");
		goto out;
	}
	if (res == NULL || !db_ok(res) || PQntuples(res) != 1 ||
	    (sealed = store_secrets(r, id, pk.secrets)) != 0) {
		db_rollback(r->app->db);
		st = sealed == -2 ? seal_refused(w) : resp_unavailable(w);
		goto out;
	}
	token = arena_strdup(r->arena, PQgetvalue(res, 0, 2));
	if (o != NULL && (st = orchestrate(r, w, o, id, pk.secrets)) != 0) {
		db_rollback(r->app->db);
		goto out;
	}
	if (db_commit(r->app->db) == -1) {
		db_rollback(r->app->db);
		if (o != NULL && orch_remove(o, id, left, sizeof(left)) == -1)
			log_warn("agent %s: not stored, and its Kubernetes objects not "
			    "removed: %s", id, left);
		st = resp_unavailable(w);
		goto out;
	}
	log_info("agent %s created (%s%s)", id, pk.name, o ? ", dedicated" : "");
	if (o != NULL)
		await_pod(r, o, id);
	st = answer(r, w, HTTP_CREATED, id, "1", token, o);
out:
	if (o != NULL)
		orch_close(o);
	return st;
}

int
h_agent_replace(struct req *r, struct resp *w)
{
	static const char *const rate_change[] = {
		[ARC_RATE_ABSENT] = "keep", [ARC_RATE_SET] = "set", [ARC_RATE_CLEARED] = "clear",
	};
	const char *params[9];
	struct package pk;
	struct orch orch, *o = NULL;
	PGresult *res;
	char *version = NULL, *token = NULL;
	int st, sealed = 0;

	if ((st = read_package(r, w, &pk)) != 0)
		return st;
	if (db_begin(r->app->db) == -1)
		return resp_unavailable(w);
	params[0] = r->param[0];
	params[1] = pk.name;
	params[2] = pk.description;
	params[3] = pk.doc;
	params[4] = pk.metadata;
	params[5] = pk.key_hash;
	params[6] = rate_change[pk.rate.given];
	params[7] = pk.per_second;
	params[8] = pk.burst;
	res = db_query(r->app->db, r->arena, Q_RT_AGENT_REPLACE, 9, params);
	if (res != NULL && db_ok(res) && PQntuples(res) == 0) {
		db_rollback(r->app->db);
		return resp_error(w, HTTP_NOT_FOUND, "not_found", "no such agent");
	}
	/* The agent keeps the isolation it was created with. */
	if (res != NULL && db_ok(res) && strcmp(PQgetvalue(res, 0, 2), "dedicated") == 0) {
		if ((st = rt_orch_open(r, w, &orch)) != 0) {
			db_rollback(r->app->db);
			return st;
		}
		o = &orch;
	}
	if (res != NULL && db_ok(res)) {
		version = arena_strdup(r->arena, PQgetvalue(res, 0, 1));
		token = arena_strdup(r->arena, PQgetvalue(res, 0, 3));
	}
	if (version == NULL || (sealed = store_secrets(r, r->param[0], pk.secrets)) != 0 ||
	    (res = db_query(r->app->db, r->arena, Q_RT_NOTIFY, 1, params)) == NULL ||
	    !db_ok(res)) {
		db_rollback(r->app->db);
		st = sealed == -2 ? seal_refused(w) : resp_unavailable(w);
		goto out;
	}
	/* New secrets reach the agent's pod through its Secret (a new pod). */
	if (o != NULL) {
		char err[400];

		waiter_notify(&r->app->waiter);
		if (orch_ensure(o, r->param[0], pk.secrets, err, sizeof(err)) == -1) {
			db_rollback(r->app->db);
			st = rt_orch_failed(w, err);
			goto out;
		}
	}
	if (db_commit(r->app->db) == -1) {
		db_rollback(r->app->db);
		st = resp_unavailable(w);
		goto out;
	}
	rt_agent_changed(r, r->param[0]);
	log_info("agent %s replaced (version %s)", r->param[0], version);
	/* Its MCP clients re-read the tool (name and schemas may have changed). */
	if (mcp_broadcast(r->app->db, r->arena, arena_printf(r->arena, "/agents/%s/mcp",
	    r->param[0]), "notifications/tools/list_changed") == -1)
		log_warn("agent %s: tools/list_changed not sent", r->param[0]);
	if (o != NULL)
		await_pod(r, o, r->param[0]);
	st = answer(r, w, HTTP_OK, r->param[0], version, token, o);
out:
	if (o != NULL)
		orch_close(o);
	return st;
}

int
h_agent_delete(struct req *r, struct resp *w)
{
	const char *params[1] = { r->param[0] };
	struct orch orch, *o = NULL;
	char err[400];
	PGresult *res;
	int st;

	if (db_begin(r->app->db) == -1)
		return resp_unavailable(w);
	res = db_query(r->app->db, r->arena, Q_RT_AGENT_DELETE, 1, params);
	if (res != NULL && db_ok(res) && PQntuples(res) == 0) {
		db_rollback(r->app->db);
		return resp_error(w, HTTP_NOT_FOUND, "not_found", "no such agent");
	}
	if (res != NULL && db_ok(res) && strcmp(PQgetvalue(res, 0, 1), "dedicated") == 0) {
		if ((st = rt_orch_open(r, w, &orch)) != 0) {
			db_rollback(r->app->db);
			return st;
		}
		o = &orch;
	}
	if (res == NULL || !db_ok(res) ||
	    (res = db_query(r->app->db, r->arena, Q_RT_NOTIFY, 1, params)) == NULL ||
	    !db_ok(res)) {
		db_rollback(r->app->db);
		st = resp_unavailable(w);
		goto out;
	}
	/* Its Deployment, Service and Secret go first; if the cluster says
	 * no, the agent stays, and deleting it again tries again. */
	if (o != NULL) {
		waiter_notify(&r->app->waiter);
		if (orch_remove(o, r->param[0], err, sizeof(err)) == -1) {
			db_rollback(r->app->db);
			st = rt_orch_failed(w, err);
			goto out;
		}
		rt_orch_record(r, o, r->param[0], ORCH_NOT_CREATED, "");
	}
	if (db_commit(r->app->db) == -1) {
		db_rollback(r->app->db);
		st = resp_unavailable(w);
		goto out;
	}
	rt_agent_changed(r, r->param[0]);
	w->status = HTTP_NO_CONTENT;
	st = HTTP_NO_CONTENT;
out:
	if (o != NULL)
		orch_close(o);
	return st;
}

int
h_agent_get(struct req *r, struct resp *w)
{
	const char *params[1] = { r->param[0] };
	const char *doc;
	char base[400];
	size_t n;
	PGresult *res;
	int dedicated;

	if ((res = db_query(r->app->db, r->arena, Q_RT_AGENT_GET, 1, params)) == NULL)
		return resp_unavailable(w);
	if (!db_ok(res) || PQntuples(res) == 0)
		return resp_error(w, HTTP_NOT_FOUND, "not_found", "no such agent");
	dedicated = strcmp(PQgetvalue(res, 0, 9), "dedicated") == 0;
	if (!dedicated || rt_orch_base(r, r->param[0], base, sizeof(base)) == -1)
		snprintf(base, sizeof(base), "%s", base_url(r));
	buf_printf(&w->body, "{\"agentId\":\"%s\",\"version\":%s,\"publicEndpoint\":"
	    "\"%s/agents/%s\"", r->param[0], PQgetvalue(res, 0, 3), base, r->param[0]);
	put_dashboard(r, &w->body, r->param[0], PQgetvalue(res, 0, 10));
	buf_printf(&w->body, ",\"protected\":%s,\"rateLimit\":%s",
	    PQgetvalue(res, 0, 8)[0] == 't' ? "true" : "false", PQgetvalue(res, 0, 11));
	/* The stored canonical document's members, then the metadata. */
	doc = PQgetvalue(res, 0, 4);
	n = strlen(doc);
	if (n > 2) {
		buf_putc(&w->body, ',');
		buf_put(&w->body, doc + 1, n - 2);
	}
	buf_printf(&w->body, ",\"metadata\":%s,\"createdAt\":\"%s\",\"updatedAt\":\"%s\","
	    "\"isolation\":\"%s\"", PQgetvalue(res, 0, 5), PQgetvalue(res, 0, 6),
	    PQgetvalue(res, 0, 7), PQgetvalue(res, 0, 9));
	/* A dedicated agent's status, read from the cluster now. */
	if (dedicated)
		rt_orch_describe(r, &w->body, r->param[0], 0);
	buf_putc(&w->body, '}');
	w->status = HTTP_OK;
	return HTTP_OK;
}
