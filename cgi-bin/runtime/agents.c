/*
 * The Archestra deployment API (SPEC §6): create, get, replace, delete
 * agents. A package is turned into a workflow document and validated like
 * any workflow; secrets in it are sealed under the runtime's own key.
 */
#include <stdio.h>
#include <string.h>

#include "archestra.h"
#include "config.h"
#include "crypto.h"
#include "log.h"
#include "mcp.h"
#include "runtime.h"
#include "workflow.h"

#define SECRET_MAX 8192

static const char *
base_url(struct req *r)
{
	return config_get(r->app->cfg, CFG_PUBLIC_URL);
}

static int
answer(struct req *r, struct resp *w, int status, const char *id, const char *version)
{
	buf_reset(&w->body);
	buf_printf(&w->body, "{\"agentId\":\"%s\",\"publicEndpoint\":\"%s/agents/%s\","
	    "\"dashboardUrl\":\"%s/dashboard/%s\",\"version\":%s}", id, base_url(r), id,
	    base_url(r), id, version);
	w->status = status;
	return status;
}

/*
 * Validates a package into (doc text, metadata text, name, description,
 * access key hash, secrets). Answers 422 with every field error itself.
 */
struct package {
	const char		*doc, *metadata, *name, *description;
	char			 key_hash[65];
	struct json_object	*secrets;   /* owned by the arena */
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
	return 0;
}

/* Seals and stores the package's secrets for agent id (inside a transaction). */
static int
store_secrets(struct req *r, const char *id, struct json_object *secrets)
{
	const char *params[3];
	PGresult *res;

	params[0] = id;
	if ((res = db_query(r->app->db, r->arena, Q_RT_SECRETS_CLEAR, 1, params)) == NULL ||
	    !db_ok(res))
		return -1;
	if (secrets == NULL)
		return 0;
	if (!RT(r)->kit.have_key) {
		log_error("runtime: a package carries secrets but no key is configured");
		return -1;
	}
	json_object_object_foreach(secrets, name, val) {
		const char *v = json_object_get_string(val);
		size_t vl = strlen(v);
		unsigned char sealed[SECRET_MAX + CRYPTO_SEAL_OVERHEAD];
		char aad[200], *hex;
		int n;

		snprintf(aad, sizeof(aad), "%s/%s", id, name);
		if (vl > SECRET_MAX || (n = crypto_seal(RT(r)->kit.secret_key, v, vl, aad,
		    strlen(aad), sealed, sizeof(sealed))) < 0)
			return -1;
		hex = arena_alloc(r->arena, (size_t)n * 2 + 1);
		crypto_hex_encode(sealed, (size_t)n, hex, (size_t)n * 2 + 1);
		params[1] = name;
		params[2] = hex;
		if ((res = db_query(r->app->db, r->arena, Q_RT_SECRET_PUT, 3, params)) == NULL ||
		    !db_ok(res))
			return -1;
	}
	return 0;
}

int
h_agent_create(struct req *r, struct resp *w)
{
	const char *idem = req_header(r, "Idempotency-Key"), *params[7];
	struct package pk;
	char id[40];
	PGresult *res;
	int st;

	if (idem != NULL && (strlen(idem) == 0 || strlen(idem) > 200 ||
	    !utf8_valid(idem, strlen(idem))))
		return resp_error(w, HTTP_BAD_REQUEST, "bad_request",
		    "Idempotency-Key must be 1-200 bytes of UTF-8");
	if ((st = read_package(r, w, &pk)) != 0)
		return st;
	/* A retried create returns the agent the first try made. */
	if (idem != NULL) {
		params[0] = idem;
		if ((res = db_query(r->app->db, r->arena, Q_RT_AGENT_BY_KEY, 1, params)) == NULL)
			return resp_unavailable(w);
		if (db_ok(res) && PQntuples(res) == 1)
			return answer(r, w, HTTP_CREATED, PQgetvalue(res, 0, 0),
			    PQgetvalue(res, 0, 1));
	}
	if (id_new(id, sizeof(id), "agent_", 20) == -1)
		return resp_error(w, HTTP_INTERNAL_ERROR, "internal", "no randomness");
	if (db_begin(r->app->db) == -1)
		return resp_unavailable(w);
	params[0] = id;
	params[1] = pk.name;
	params[2] = pk.description;
	params[3] = pk.doc;
	params[4] = pk.metadata;
	params[5] = idem ? idem : "";
	params[6] = pk.key_hash;
	res = db_query(r->app->db, r->arena, Q_RT_AGENT_INSERT, 7, params);
	if (res != NULL && strcmp(db_sqlstate(res), "23505") == 0) {
		/* A concurrent create with the same key won: answer with its agent. */
		db_rollback(r->app->db);
		params[0] = idem;
		res = db_query(r->app->db, r->arena, Q_RT_AGENT_BY_KEY, 1, params);
		if (res != NULL && db_ok(res) && PQntuples(res) == 1)
			return answer(r, w, HTTP_CREATED, PQgetvalue(res, 0, 0),
			    PQgetvalue(res, 0, 1));
		return resp_error(w, HTTP_CONFLICT, "conflict", "try again");
	}
	if (res == NULL || !db_ok(res) || store_secrets(r, id, pk.secrets) == -1 ||
	    db_commit(r->app->db) == -1) {
		db_rollback(r->app->db);
		return resp_unavailable(w);
	}
	log_info("agent %s created (%s)", id, pk.name);
	return answer(r, w, HTTP_CREATED, id, "1");
}

int
h_agent_replace(struct req *r, struct resp *w)
{
	const char *params[6];
	struct package pk;
	PGresult *res;
	int st;

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
	res = db_query(r->app->db, r->arena, Q_RT_AGENT_REPLACE, 6, params);
	if (res != NULL && db_ok(res) && PQntuples(res) == 0) {
		db_rollback(r->app->db);
		return resp_error(w, HTTP_NOT_FOUND, "not_found", "no such agent");
	}
	char *version = res && db_ok(res) ? arena_strdup(r->arena, PQgetvalue(res, 0, 1)) : NULL;
	if (version == NULL || store_secrets(r, r->param[0], pk.secrets) == -1 ||
	    (res = db_query(r->app->db, r->arena, Q_RT_NOTIFY, 1, params)) == NULL ||
	    !db_ok(res) || db_commit(r->app->db) == -1) {
		db_rollback(r->app->db);
		return resp_unavailable(w);
	}
	rt_agent_changed(r, r->param[0]);
	log_info("agent %s replaced (version %s)", r->param[0], version);
	/* Its MCP clients re-read the tool (name and schemas may have changed). */
	if (mcp_broadcast(r->app->db, r->arena, arena_printf(r->arena, "/agents/%s/mcp",
	    r->param[0]), "notifications/tools/list_changed") == -1)
		log_warn("agent %s: tools/list_changed not sent", r->param[0]);
	return answer(r, w, HTTP_OK, r->param[0], version);
}

int
h_agent_delete(struct req *r, struct resp *w)
{
	const char *params[1] = { r->param[0] };
	PGresult *res;

	if (db_begin(r->app->db) == -1)
		return resp_unavailable(w);
	res = db_query(r->app->db, r->arena, Q_RT_AGENT_DELETE, 1, params);
	if (res != NULL && db_ok(res) && PQntuples(res) == 0) {
		db_rollback(r->app->db);
		return resp_error(w, HTTP_NOT_FOUND, "not_found", "no such agent");
	}
	if (res == NULL || !db_ok(res) ||
	    (res = db_query(r->app->db, r->arena, Q_RT_NOTIFY, 1, params)) == NULL ||
	    !db_ok(res) || db_commit(r->app->db) == -1) {
		db_rollback(r->app->db);
		return resp_unavailable(w);
	}
	rt_agent_changed(r, r->param[0]);
	w->status = HTTP_NO_CONTENT;
	return HTTP_NO_CONTENT;
}

int
h_agent_get(struct req *r, struct resp *w)
{
	const char *params[1] = { r->param[0] };
	const char *doc;
	size_t n;
	PGresult *res;

	if ((res = db_query(r->app->db, r->arena, Q_RT_AGENT_GET, 1, params)) == NULL)
		return resp_unavailable(w);
	if (!db_ok(res) || PQntuples(res) == 0)
		return resp_error(w, HTTP_NOT_FOUND, "not_found", "no such agent");
	buf_printf(&w->body, "{\"agentId\":\"%s\",\"version\":%s,\"publicEndpoint\":"
	    "\"%s/agents/%s\",\"dashboardUrl\":\"%s/dashboard/%s\",\"protected\":%s",
	    r->param[0], PQgetvalue(res, 0, 3), base_url(r), r->param[0], base_url(r),
	    r->param[0], PQgetvalue(res, 0, 8)[0] == 't' ? "true" : "false");
	/* The stored canonical document's members, then the metadata. */
	doc = PQgetvalue(res, 0, 4);
	n = strlen(doc);
	if (n > 2) {
		buf_putc(&w->body, ',');
		buf_put(&w->body, doc + 1, n - 2);
	}
	buf_printf(&w->body, ",\"metadata\":%s,\"createdAt\":\"%s\",\"updatedAt\":\"%s\"}",
	    PQgetvalue(res, 0, 5), PQgetvalue(res, 0, 6), PQgetvalue(res, 0, 7));
	w->status = HTTP_OK;
	return HTTP_OK;
}
