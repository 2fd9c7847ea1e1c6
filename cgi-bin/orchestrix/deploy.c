/*
 * Deploy to Archestra (SPEC §5 seed route, §6): the workflow's current
 * version becomes an agent of the configured Archestra-compatible runtime.
 * Every try is recorded in deploy_attempts; a failed one leaves the
 * workflow exactly as it was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "archestra.h"
#include "clock.h"
#include "config.h"
#include "log.h"
#include "orchestrix.h"

enum deploy_action { ACT_DEPLOY, ACT_REDEPLOY, ACT_UNDEPLOY, ACT_ROLLBACK, ACT__MAX };
static const char *const action_names[ACT__MAX] = {
	"deploy", "redeploy", "undeploy", "rollback",
};
static const char *const action_verbs[ACT__MAX] = {
	"deploy to", "redeploy to", "undeploy from", "roll back on",
};

/* The locked workflow row (columns of Q_DEPLOY_LOCK). */
enum { L_VERSION, L_DOC, L_AGENT, L_ENDPOINT, L_DASHBOARD, L_CREATED, L_SECRETS,
	L_DEPLOYS };

/* Records one try (its own statement: failed tries survive the rollback). */
static void
attempt(struct req *r, enum deploy_action act, const char *version, long long started,
    const char *outcome, int http, const char *error, const char *agent)
{
	char st[24], hs[8];
	const char *params[9] = { r->param[0], r->auth.owner_id, version ? version : "0",
	    action_names[act], st, outcome, hs, error ? error : "", agent ? agent : "" };

	snprintf(st, sizeof(st), "%lld", started);
	snprintf(hs, sizeof(hs), "%d", http);
	if (db_query(r->app->db, r->arena, Q_ATTEMPT_INSERT, 9, params) == NULL)
		log_warn("deploy attempt of %s not recorded: database away", r->param[0]);
}

/* 500 {"success":false,"error":"Failed to deploy to Archestra: <reason>"} */
static int
failed(struct resp *w, enum deploy_action act, const char *reason)
{
	char msg[400];
	struct json_object *o = json_object_new_object();

	snprintf(msg, sizeof(msg), "Failed to %s Archestra: %s", action_verbs[act], reason);
	json_object_object_add(o, "success", json_object_new_boolean(0));
	json_object_object_add(o, "error", json_object_new_string(msg));
	return resp_json(w, HTTP_INTERNAL_ERROR, o);
}

/* Begins, locks the owner's workflow; answers 404/503 itself. */
static PGresult *
lock_workflow(struct req *r, struct resp *w, int *st)
{
	const char *params[2] = { r->param[0], r->auth.owner_id };
	PGresult *res;

	if (db_begin(r->app->db) == -1) {
		*st = unavailable(w);
		return NULL;
	}
	res = db_query(r->app->db, r->arena, Q_DEPLOY_LOCK, 2, params);
	if (res == NULL || !db_ok(res)) {
		db_rollback(r->app->db);
		*st = res == NULL ? unavailable(w) : resp_error(w, HTTP_INTERNAL_ERROR,
		    "internal", "lookup failed");
		return NULL;
	}
	if (PQntuples(res) == 0) {
		db_rollback(r->app->db);
		*st = resp_error(w, HTTP_NOT_FOUND, "not_found", "no such workflow");
		return NULL;
	}
	return res;
}

/* The package of a document (the current one, or an older version's). */
static struct json_object *
package_of(struct req *r, PGresult *lk, const char *doc_text, const char *version)
{
	struct json_object *doc = json_tokener_parse(doc_text), *pkg, *secrets;

	if (doc == NULL)
		return NULL;
	secrets = secrets_open(r, r->param[0], PQgetvalue(lk, 0, L_SECRETS));
	pkg = arc_package(doc, r->param[0], r->auth.owner_id, atoi(version),
	    PQgetvalue(lk, 0, L_CREATED), secrets);
	json_object_put(secrets);
	json_object_put(doc);
	return pkg;
}

/*
 * Makes (deploy) or replaces (redeploy, rollback) the agent, records the
 * deployment and commits. Called with the row locked. Returns the status.
 */
static int
ship(struct req *r, struct resp *w, enum deploy_action act, PGresult *lk,
    const char *doc_text, const char *version, long long started)
{
	struct arc_client client;
	struct arc_result ar;
	struct json_object *pkg;
	char endpoint[512], idem[65], seed[160];
	const char *params[5];
	PGresult *res;

	arc_client_from_config(&client, r->app->cfg, endpoint, sizeof(endpoint));
	if ((pkg = package_of(r, lk, doc_text, version)) == NULL) {
		db_rollback(r->app->db);
		return resp_error(w, HTTP_INTERNAL_ERROR, "internal", "stored document unreadable");
	}
	memset(&ar, 0, sizeof(ar));
	/* The runtime answers over HTTP: the CPU gate's place goes meanwhile. */
	waiter_notify(&r->app->waiter);
	if (act == ACT_DEPLOY) {
		/* The same logical deploy, retried, must not make a second agent. */
		snprintf(seed, sizeof(seed), "%s:%s:%s", r->param[0], version,
		    PQgetvalue(lk, 0, L_DEPLOYS));
		sha256_hex(seed, strlen(seed), idem);
		arc_create(&client, pkg, idem, &ar);
	} else
		arc_replace(&client, PQgetvalue(lk, 0, L_AGENT), pkg, &ar);
	json_object_put(pkg);
	if (ar.status != ARC_OK) {
		db_rollback(r->app->db);
		attempt(r, act, version, started, "failed", ar.http_status, ar.reason,
		    act == ACT_DEPLOY ? NULL : PQgetvalue(lk, 0, L_AGENT));
		log_warn("%s of %s failed: %s", action_names[act], r->param[0], ar.reason);
		int st = failed(w, act, ar.reason);
		arc_result_free(&ar);
		return st;
	}
	params[0] = r->param[0];
	params[1] = ar.agent_id;
	params[2] = ar.endpoint;
	params[3] = ar.dashboard_url;
	params[4] = version;
	if ((res = db_query(r->app->db, r->arena, Q_DEPLOY_SUPERSEDE, 1, params)) == NULL ||
	    !db_ok(res) ||
	    (res = db_query(r->app->db, r->arena, Q_DEPLOY_RECORD, 5, params)) == NULL ||
	    !db_ok(res) || PQntuples(res) != 1) {
		db_rollback(r->app->db);
		log_error("%s of %s: agent %s made but not recorded", action_names[act],
		    r->param[0], ar.agent_id);
		arc_result_free(&ar);
		return unavailable(w);
	}
	char *at = arena_strdup(r->arena, PQgetvalue(res, 0, 0));
	attempt(r, act, version, started, "succeeded", ar.http_status, NULL, ar.agent_id);
	if (db_commit(r->app->db) == -1) {
		arc_result_free(&ar);
		return unavailable(w);
	}
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "success", json_object_new_boolean(1));
	json_object_object_add(o, "serverId", json_object_new_string(r->param[0]));
	json_object_object_add(o, "agentId", json_object_new_string(ar.agent_id));
	json_object_object_add(o, "endpoint", json_object_new_string(ar.endpoint));
	json_object_object_add(o, "dashboardUrl", json_object_new_string(ar.dashboard_url));
	json_object_object_add(o, "deployedAt", json_object_new_string(at));
	json_object_object_add(o, "version", json_object_new_int(atoi(version)));
	arc_result_free(&ar);
	return resp_json(w, HTTP_OK, o);
}

/* POST /mcp/servers/:serverId/deploy {"ownerId": "..."} -- the seed route. */
int
h_deploy(struct req *r, struct resp *w)
{
	int st;

	if ((st = owner_field_check(r, w)) != 0)
		return st;
	return deploy_current(r, w);
}

/*
 * Deploys the current version of r->param[0] and answers in the seed's
 * shapes (200, 400 already deployed, 500 failed). Shared by the deploy
 * route and the supervisor.
 */
int
deploy_current(struct req *r, struct resp *w)
{
	long long started = wall_us();
	PGresult *lk;
	int st;

	if ((lk = lock_workflow(r, w, &st)) == NULL)
		return st;
	if (!PQgetisnull(lk, 0, L_AGENT)) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "error",
		    json_object_new_string("Server already deployed to Archestra"));
		json_object_object_add(o, "agentId",
		    json_object_new_string(PQgetvalue(lk, 0, L_AGENT)));
		json_object_object_add(o, "endpoint",
		    json_object_new_string(PQgetvalue(lk, 0, L_ENDPOINT)));
		json_object_object_add(o, "dashboardUrl",
		    json_object_new_string(PQgetvalue(lk, 0, L_DASHBOARD)));
		db_rollback(r->app->db);
		attempt(r, ACT_DEPLOY, PQgetvalue(lk, 0, L_VERSION), started, "refused", 400,
		    "already deployed", PQgetvalue(lk, 0, L_AGENT));
		return resp_json(w, HTTP_BAD_REQUEST, o);
	}
	return ship(r, w, ACT_DEPLOY, lk, PQgetvalue(lk, 0, L_DOC),
	    PQgetvalue(lk, 0, L_VERSION), started);
}

/*
 * The preamble of the routes that act on a deployment (redeploy, rollback,
 * undeploy): the owner check, then the workflow locked in a transaction.
 * Returns the lock row, or NULL with *st answered (404/503, or 409 with a
 * refused attempt recorded when the workflow is not deployed).
 */
static PGresult *
lock_deployed(struct req *r, struct resp *w, enum deploy_action act,
    long long started, int *st)
{
	PGresult *lk;

	if ((*st = owner_field_check(r, w)) != 0)
		return NULL;
	if ((lk = lock_workflow(r, w, st)) == NULL)
		return NULL;
	if (!PQgetisnull(lk, 0, L_AGENT))
		return lk;
	db_rollback(r->app->db);
	attempt(r, act, PQgetvalue(lk, 0, L_VERSION), started, "refused", 409,
	    "not deployed", NULL);
	*st = resp_error(w, HTTP_CONFLICT, "not_deployed",
	    "the workflow is not deployed; POST .../deploy first");
	return NULL;
}

/* POST .../redeploy: the current version replaces the agent's graph. */
int
h_redeploy(struct req *r, struct resp *w)
{
	long long started = wall_us();
	PGresult *lk;
	int st;

	if ((lk = lock_deployed(r, w, ACT_REDEPLOY, started, &st)) == NULL)
		return st;
	return ship(r, w, ACT_REDEPLOY, lk, PQgetvalue(lk, 0, L_DOC),
	    PQgetvalue(lk, 0, L_VERSION), started);
}

/* POST .../rollback {"version": n}: an earlier saved version goes live. */
int
h_rollback(struct req *r, struct resp *w)
{
	long long started = wall_us();
	struct json_object *v = json_get(r->json, "version", json_type_int);
	char ver[16];
	const char *params[2] = { r->param[0], ver };
	PGresult *lk, *doc;
	int st;

	if (v == NULL || json_object_get_int(v) < 1)
		return resp_error_details(w, HTTP_BAD_REQUEST, "validation_failed",
		    "send {\"version\": n}", json_tokener_parse("[{\"path\":\"/version\","
		    "\"message\":\"a saved version number\"}]"));
	snprintf(ver, sizeof(ver), "%d", json_object_get_int(v));
	if ((lk = lock_deployed(r, w, ACT_ROLLBACK, started, &st)) == NULL)
		return st;
	if ((doc = db_query(r->app->db, r->arena, Q_WORKFLOW_VERSION_DOC, 2, params)) == NULL ||
	    !db_ok(doc) || PQntuples(doc) != 1) {
		db_rollback(r->app->db);
		return doc == NULL ? unavailable(w) : resp_error(w, HTTP_NOT_FOUND,
		    "not_found", "the workflow has no version %s", ver);
	}
	return ship(r, w, ACT_ROLLBACK, lk, PQgetvalue(doc, 0, 0), ver, started);
}

/* DELETE .../deploy: the agent is deleted and the workflow forgets it. */
int
h_undeploy(struct req *r, struct resp *w)
{
	long long started = wall_us();
	struct arc_client client;
	struct arc_result ar;
	char endpoint[512];
	const char *params[1] = { r->param[0] };
	PGresult *lk, *res;
	int st;

	if ((lk = lock_deployed(r, w, ACT_UNDEPLOY, started, &st)) == NULL)
		return st;
	arc_client_from_config(&client, r->app->cfg, endpoint, sizeof(endpoint));
	memset(&ar, 0, sizeof(ar));
	waiter_notify(&r->app->waiter);
	/* An agent already gone at the runtime is as good as deleted. */
	if (arc_delete(&client, PQgetvalue(lk, 0, L_AGENT), &ar) != ARC_OK &&
	    ar.status != ARC_NOT_FOUND) {
		db_rollback(r->app->db);
		attempt(r, ACT_UNDEPLOY, PQgetvalue(lk, 0, L_VERSION), started, "failed",
		    ar.http_status, ar.reason, PQgetvalue(lk, 0, L_AGENT));
		st = failed(w, ACT_UNDEPLOY, ar.reason);
		arc_result_free(&ar);
		return st;
	}
	arc_result_free(&ar);
	if ((res = db_query(r->app->db, r->arena, Q_DEPLOY_CLEAR, 1, params)) == NULL ||
	    !db_ok(res)) {
		db_rollback(r->app->db);
		return unavailable(w);
	}
	attempt(r, ACT_UNDEPLOY, PQgetvalue(lk, 0, L_VERSION), started, "succeeded", 204,
	    NULL, PQgetvalue(lk, 0, L_AGENT));
	if (db_commit(r->app->db) == -1)
		return unavailable(w);
	return resp_raw_json(w, HTTP_OK, "{\"success\":true}", 16);
}

/* GET .../deployments: every deployment of the workflow, newest first. */
int
h_deployments(struct req *r, struct resp *w)
{
	const char *params[2] = { r->param[0], r->auth.owner_id };
	PGresult *res;
	int st;

	if ((st = owned_workflow(r, w)) != 0)
		return st;
	if ((res = db_query(r->app->db, r->arena, Q_DEPLOYMENTS_LIST, 2, params)) == NULL)
		return unavailable(w);
	buf_puts(&w->body, "{\"items\":[");
	for (int i = 0; db_ok(res) && i < PQntuples(res); i++) {
		buf_printf(&w->body, "%s{\"id\":%s,\"version\":%s,\"agentId\":", i ? "," : "",
		    PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
		buf_put_json_string(&w->body, PQgetvalue(res, i, 2), strlen(PQgetvalue(res, i, 2)));
		buf_puts(&w->body, ",\"endpoint\":");
		buf_put_json_string(&w->body, PQgetvalue(res, i, 3), strlen(PQgetvalue(res, i, 3)));
		buf_puts(&w->body, ",\"dashboardUrl\":");
		buf_put_json_string(&w->body, PQgetvalue(res, i, 4), strlen(PQgetvalue(res, i, 4)));
		buf_printf(&w->body, ",\"status\":\"%s\",\"deployedAt\":\"%s\",\"endedAt\":",
		    PQgetvalue(res, i, 5), PQgetvalue(res, i, 6));
		if (PQgetisnull(res, i, 7))
			buf_puts(&w->body, "null}");
		else
			buf_printf(&w->body, "\"%s\"}", PQgetvalue(res, i, 7));
	}
	buf_puts(&w->body, "]}");
	w->status = HTTP_OK;
	return HTTP_OK;
}
