/*
 * Deployment operations (SPEC §5 seed route, §6): a workflow's version
 * becomes an agent of the configured Archestra-compatible runtime, is
 * replaced (redeploy, rollback) or removed (undeploy). Every try is
 * recorded in deploy_attempts; a failed one leaves the workflow exactly as
 * it was. The seed's answers keep their shapes, failures included (raw).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arc_rate.h"
#include "archestra.h"
#include "arena.h"
#include "clock.h"
#include "config.h"
#include "db.h"
#include "ids.h"
#include "json.h"
#include "log.h"
#include "ops.h"
#include "waiter.h"
#include "workflow.h"

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

/* One deployment operation under way. */
struct deploying {
	const struct op_env	*env;
	const struct op_caller	*who;
	const char		*server_id;
	enum deploy_action	 act;
	long long		 started;
	struct op_result	*out;
	/* A first deploy's "shared" or "dedicated" (a Kubernetes Deployment
	 * of its own at the runtime), or NULL: the runtime's default. */
	const char		*isolation;
	/* The caller's options (a deploy body), borrowed: its "rateLimit"
	 * goes into the package (absent: the agent keeps its rate). */
	struct json_object	*options;
};

/* Records one try (its own statement: failed tries survive the rollback). */
static void
attempt(const struct deploying *d, const char *version, const char *outcome, int http,
    const char *error, const char *agent)
{
	char st[24], hs[8];
	const char *params[9] = { d->server_id, d->who->owner_id, version ? version : "0",
	    action_names[d->act], st, outcome, hs, error ? error : "", agent ? agent : "" };

	snprintf(st, sizeof(st), "%lld", d->started);
	snprintf(hs, sizeof(hs), "%d", http);
	if (db_query(d->env->db, d->env->arena, Q_ATTEMPT_INSERT, 9, params) == NULL)
		log_warn("deploy attempt of %s not recorded: database away", d->server_id);
}

/*
 * A failure in the seed's words, "Failed to deploy to Archestra: <reason>":
 * 500 {"success":false,"error":...}, or with OP_BAD_REQUEST the seed's 400
 * {"error":...} (a deploy refused before anything was sent).
 */
static enum op_status
seed_failure(const struct deploying *d, enum op_status st, const char *code,
    const char *reason)
{
	struct op_result *out = d->out;
	char msg[400];

	snprintf(msg, sizeof(msg), "Failed to %s Archestra: %s", action_verbs[d->act], reason);
	op_fail(out, st, code, "%s", msg);
	buf_puts(&out->body, st == OP_BAD_REQUEST ? "{\"error\":" : "{\"success\":false,\"error\":");
	buf_put_json_string(&out->body, msg, strlen(msg));
	buf_putc(&out->body, '}');
	out->raw = 1;
	return out->status;
}

/* The seed's 500 {"success":false,"error":"Failed to deploy to Archestra: <reason>"} */
static enum op_status
failed(const struct deploying *d, const char *reason)
{
	return seed_failure(d, OP_INTERNAL, "deploy_failed", reason);
}

/* Begins, locks the caller's workflow; records 404/503 itself. */
static PGresult *
lock_workflow(const struct deploying *d)
{
	const char *params[2] = { d->server_id, d->who->owner_id };
	PGresult *res;

	if (db_begin(d->env->db) == -1) {
		op_unavailable(d->out);
		return NULL;
	}
	res = db_query(d->env->db, d->env->arena, Q_DEPLOY_LOCK, 2, params);
	if (res == NULL || !db_ok(res)) {
		db_rollback(d->env->db);
		if (res == NULL)
			op_unavailable(d->out);
		else
			op_fail(d->out, OP_INTERNAL, "internal", "lookup failed");
		return NULL;
	}
	if (PQntuples(res) == 0) {
		db_rollback(d->env->db);
		op_fail(d->out, OP_NOT_FOUND, "not_found", "no such workflow");
		return NULL;
	}
	return res;
}

/*
 * Deploying a workflow whose secrets are not all set would make an agent
 * that fails every call: refused (rolled back, recorded) with 400 in the
 * seed's shape, {"error":"Failed to deploy to Archestra: missing secrets:
 * jwtKey"}. Returns the status, or OP_OK when every secret doc needs is set.
 */
static enum op_status
refuse_missing_secrets(const struct deploying *d, struct json_object *doc,
    struct json_object *secrets, const char *version, const char *agent)
{
	struct json_object *need = workflow_secret_names(doc);
	struct buf miss;
	size_t n = json_object_array_length(need);

	buf_init(&miss, d->env->arena, 64);
	for (size_t i = 0; i < n; i++) {
		const char *name = json_object_get_string(json_object_array_get_idx(need, i));

		if (!json_object_object_get_ex(secrets, name, NULL))
			buf_printf(&miss, "%s%s", miss.len > 0 ? ", " : "missing secrets: ", name);
	}
	json_object_put(need);
	if (miss.len == 0)
		return OP_OK;
	db_rollback(d->env->db);
	attempt(d, version, "refused", 400, miss.data, agent);
	return seed_failure(d, OP_BAD_REQUEST, "missing_secrets", miss.data);
}

/*
 * The package carries the workflow's secrets: never as plain http:// to an
 * endpoint that is not loopback, unless ARCHESTRA_ALLOW_HTTP=1 (TLS
 * verification is never turned off: lib/base/curlio.c). Refused (rolled
 * back, recorded) with the seed's 500. Returns the status, or OP_OK.
 */
static enum op_status
refuse_plain_http(const struct deploying *d, const char *endpoint,
    struct json_object *secrets, const char *version, const char *agent)
{
	static const char reason[] = "refusing to send secrets over http";

	if (json_object_object_length(secrets) == 0 || d->env->cfg->archestra_allow_http ||
	    !arc_endpoint_insecure(endpoint))
		return OP_OK;
	db_rollback(d->env->db);
	attempt(d, version, "refused", 500, reason, agent);
	log_warn("%s of %s refused: secrets over plain http to %s (ARCHESTRA_ALLOW_HTTP)",
	    action_names[d->act], d->server_id, endpoint);
	return failed(d, reason);
}

/*
 * The package of a document (the current one, or an older version's) with
 * the workflow's secrets, for endpoint. NULL with the failure in d->out,
 * rolled back: the stored document unreadable; the secrets not opening,
 * missing, or not to be sent this way (recorded).
 */
static struct json_object *
package_of(const struct deploying *d, PGresult *lk, const char *doc_text,
    const char *version, const char *endpoint)
{
	struct json_object *doc = json_tokener_parse(doc_text), *pkg = NULL, *secrets;
	const char *agent = d->act == ACT_DEPLOY ? NULL : PQgetvalue(lk, 0, L_AGENT), *why;

	if (doc == NULL) {
		db_rollback(d->env->db);
		op_fail(d->out, OP_INTERNAL, "internal", "stored document unreadable");
		return NULL;
	}
	if ((secrets = op_secrets_open(d->env, d->server_id, PQgetvalue(lk, 0, L_SECRETS),
	    &why)) == NULL) {
		db_rollback(d->env->db);
		attempt(d, version, "failed", 0, why, agent);
		failed(d, "the secrets key cannot open the workflow's secrets");
	} else if (refuse_missing_secrets(d, doc, secrets, version, agent) == OP_OK &&
	    refuse_plain_http(d, endpoint, secrets, version, agent) == OP_OK &&
	    (pkg = arc_package(doc, d->server_id, d->who->owner_id, atoi(version),
	    PQgetvalue(lk, 0, L_CREATED), secrets)) == NULL) {
		db_rollback(d->env->db);
		op_fail(d->out, OP_INTERNAL, "internal", "stored document unreadable");
	}
	json_object_put(secrets);
	json_object_put(doc);
	return pkg;
}

/* ,"orchestrator":{"status","reason"} of a dedicated agent. */
static void
put_orchestrator(struct buf *b, const char *status, const char *reason)
{
	buf_puts(b, ",\"orchestrator\":{");
	arc_put_orchestrator(b, status, reason);
	buf_putc(b, '}');
}

/* The isolation an agent answer names (the runtime's default: shared). */
static const char *
isolation_of(const struct arc_result *ar)
{
	return strcmp(ar->isolation, "dedicated") == 0 ? "dedicated" : "shared";
}

/* The seed's 200 {"success":true,"serverId","agentId","endpoint",...}. */
static enum op_status
shipped(const struct deploying *d, const struct arc_result *ar, const char *at,
    const char *version)
{
	struct op_result *out = d->out;
	struct buf *b = &out->body;

	buf_puts(b, "{\"success\":true,\"serverId\":");
	buf_put_json_string(b, d->server_id, strlen(d->server_id));
	buf_puts(b, ",\"agentId\":");
	buf_put_json_string(b, ar->agent_id, strlen(ar->agent_id));
	buf_puts(b, ",\"endpoint\":");
	buf_put_json_string(b, ar->endpoint, strlen(ar->endpoint));
	buf_puts(b, ",\"dashboardUrl\":");
	buf_put_json_string(b, ar->dashboard_url, strlen(ar->dashboard_url));
	buf_puts(b, ",\"deployedAt\":");
	buf_put_json_string(b, at, strlen(at));
	buf_printf(b, ",\"version\":%d,\"isolation\":\"%s\"", atoi(version), isolation_of(ar));
	if (ar->orch_status[0] != '\0')
		put_orchestrator(b, ar->orch_status, ar->orch_reason);
	buf_putc(b, '}');
	out->status = OP_OK;
	out->server_id = d->server_id;
	out->agent_id = arena_strdup(d->env->arena, ar->agent_id);
	out->endpoint = arena_strdup(d->env->arena, ar->endpoint);
	out->version = atoi(version);
	return OP_OK;
}

/*
 * Makes (deploy) or replaces (redeploy, rollback) the agent, records the
 * deployment and commits. Called with the row locked.
 */
static enum op_status
ship(const struct deploying *d, PGresult *lk, const char *doc_text, const char *version)
{
	const struct op_env *env = d->env;
	struct arc_client client;
	struct arc_result ar;
	struct json_object *pkg, *rate;
	char endpoint[512], idem[65], seed[160];
	const char *params[8];
	PGresult *res;

	arc_client_from_config(&client, env->cfg, endpoint, sizeof(endpoint));
	if ((pkg = package_of(d, lk, doc_text, version, endpoint)) == NULL)
		return d->out->status;
	/* Later deploys keep what the agent has. */
	if (d->act == ACT_DEPLOY && d->isolation != NULL)
		json_object_object_add(pkg, "isolation", json_object_new_string(d->isolation));
	if (d->options != NULL && json_object_object_get_ex(d->options, "rateLimit", &rate))
		json_object_object_add(pkg, "rateLimit", json_object_get(rate));
	memset(&ar, 0, sizeof(ar));
	/* The runtime answers over HTTP. */
	waiter_notify(env->waiter);
	if (d->act == ACT_DEPLOY) {
		/* The same logical deploy, retried, must not make a second agent. */
		snprintf(seed, sizeof(seed), "%s:%s:%s", d->server_id, version,
		    PQgetvalue(lk, 0, L_DEPLOYS));
		sha256_hex(seed, strlen(seed), idem);
		arc_create(&client, pkg, idem, &ar);
	} else
		arc_replace(&client, PQgetvalue(lk, 0, L_AGENT), pkg, &ar);
	json_object_put(pkg);
	if (ar.status != ARC_OK) {
		db_rollback(env->db);
		attempt(d, version, "failed", ar.http_status, ar.reason,
		    d->act == ACT_DEPLOY ? NULL : PQgetvalue(lk, 0, L_AGENT));
		log_warn("%s of %s failed: %s", action_names[d->act], d->server_id, ar.reason);
		failed(d, ar.reason);
		arc_result_free(&ar);
		return d->out->status;
	}
	params[0] = d->server_id;
	params[1] = ar.agent_id;
	params[2] = ar.endpoint;
	params[3] = ar.dashboard_url;
	params[4] = version;
	params[5] = isolation_of(&ar);
	params[6] = ar.orch_status;
	params[7] = ar.orch_reason;
	if ((res = db_query(env->db, env->arena, Q_DEPLOY_SUPERSEDE, 1, params)) == NULL ||
	    !db_ok(res) ||
	    (res = db_query(env->db, env->arena, Q_DEPLOY_RECORD, 8, params)) == NULL ||
	    !db_ok(res) || PQntuples(res) != 1) {
		db_rollback(env->db);
		log_error("%s of %s: agent %s made but not recorded", action_names[d->act],
		    d->server_id, ar.agent_id);
		arc_result_free(&ar);
		return op_unavailable(d->out);
	}
	char *at = arena_strdup(env->arena, PQgetvalue(res, 0, 0));
	attempt(d, version, "succeeded", ar.http_status, NULL, ar.agent_id);
	if (db_commit(env->db) == -1) {
		arc_result_free(&ar);
		return op_unavailable(d->out);
	}
	shipped(d, &ar, at, version);
	arc_result_free(&ar);
	return OP_OK;
}

/*
 * Sets d up; returns OP_OK, or OP_INVALID with the field errors when the
 * options' rateLimit is not well formed -- before anything is locked or
 * recorded.
 */
static enum op_status
deploying_init(struct deploying *d, const struct op_env *env, const struct op_caller *who,
    const char *server_id, enum deploy_action act, struct json_object *options,
    struct op_result *out)
{
	struct json_object *errors;
	struct arc_rate rate;

	d->env = env;
	d->who = who;
	d->server_id = server_id;
	d->act = act;
	d->started = wall_us();
	d->out = out;
	d->isolation = NULL;
	d->options = options;
	if (options == NULL)
		return OP_OK;
	errors = arena_defer(env->arena, json_put_cb, json_object_new_array());
	if (arc_rate_read(options, "", &rate, errors) == 0)
		return OP_OK;
	return op_fail_details(out, OP_INVALID, "validation_failed",
	    "rateLimit is not valid; see details", json_object_get(errors));
}

/*
 * Deploys the current version of server_id, in the seed's shapes: 200, 400
 * already deployed (with the agent), 500 failed.
 */
enum op_status
op_deploy(const struct op_env *env, const struct op_caller *who, const char *server_id,
    struct op_result *out)
{
	return op_deploy_isolated(env, who, server_id, NULL, NULL, out);
}

/*
 * op_deploy asking for an isolation: "shared" or "dedicated" (an agent of
 * its own in Kubernetes at the runtime), or NULL for the runtime's default.
 */
enum op_status
op_deploy_isolated(const struct op_env *env, const struct op_caller *who,
    const char *server_id, const char *isolation, struct json_object *options,
    struct op_result *out)
{
	struct deploying d;
	struct buf *b = &out->body;
	PGresult *lk;

	if (deploying_init(&d, env, who, server_id, ACT_DEPLOY, options, out) != OP_OK)
		return out->status;
	if (isolation != NULL && strcmp(isolation, "shared") != 0 &&
	    strcmp(isolation, "dedicated") != 0)
		return op_fail_details(out, OP_INVALID, "validation_failed",
		    "isolation is \"shared\" or \"dedicated\"", json_tokener_parse(
		    "[{\"path\":\"/isolation\",\"message\":\"is \\\"shared\\\" or "
		    "\\\"dedicated\\\"\"}]"));
	d.isolation = isolation;
	if (op_allowed(who, S_DEPLOY, out) != OP_OK || (lk = lock_workflow(&d)) == NULL)
		return out->status;
	if (PQgetisnull(lk, 0, L_AGENT))
		return ship(&d, lk, PQgetvalue(lk, 0, L_DOC), PQgetvalue(lk, 0, L_VERSION));
	db_rollback(env->db);
	attempt(&d, PQgetvalue(lk, 0, L_VERSION), "refused", 400, "already deployed",
	    PQgetvalue(lk, 0, L_AGENT));
	op_fail(out, OP_BAD_REQUEST, "already_deployed", "Server already deployed to Archestra");
	buf_puts(b, "{\"error\":\"Server already deployed to Archestra\",\"agentId\":");
	buf_put_json_string(b, PQgetvalue(lk, 0, L_AGENT), strlen(PQgetvalue(lk, 0, L_AGENT)));
	buf_puts(b, ",\"endpoint\":");
	buf_put_json_string(b, PQgetvalue(lk, 0, L_ENDPOINT),
	    strlen(PQgetvalue(lk, 0, L_ENDPOINT)));
	buf_puts(b, ",\"dashboardUrl\":");
	buf_put_json_string(b, PQgetvalue(lk, 0, L_DASHBOARD),
	    strlen(PQgetvalue(lk, 0, L_DASHBOARD)));
	buf_putc(b, '}');
	out->raw = 1;
	out->agent_id = arena_strdup(env->arena, PQgetvalue(lk, 0, L_AGENT));
	return out->status;
}

/*
 * The preamble of the operations on a deployment (redeploy, rollback,
 * undeploy): the workflow locked in a transaction. Returns the lock row, or
 * NULL with the failure recorded (404/503, or 409 with a refused attempt
 * when the workflow is not deployed).
 */
static PGresult *
lock_deployed(const struct deploying *d)
{
	PGresult *lk;

	if (op_allowed(d->who, S_DEPLOY, d->out) != OP_OK || (lk = lock_workflow(d)) == NULL)
		return NULL;
	if (!PQgetisnull(lk, 0, L_AGENT))
		return lk;
	db_rollback(d->env->db);
	attempt(d, PQgetvalue(lk, 0, L_VERSION), "refused", 409, "not deployed", NULL);
	op_fail(d->out, OP_CONFLICT, "not_deployed",
	    "the workflow is not deployed; POST .../deploy first");
	return NULL;
}

/* The current version replaces the agent's graph. */
enum op_status
op_redeploy(const struct op_env *env, const struct op_caller *who, const char *server_id,
    struct json_object *options, struct op_result *out)
{
	struct deploying d;
	PGresult *lk;

	if (deploying_init(&d, env, who, server_id, ACT_REDEPLOY, options, out) != OP_OK ||
	    (lk = lock_deployed(&d)) == NULL)
		return out->status;
	return ship(&d, lk, PQgetvalue(lk, 0, L_DOC), PQgetvalue(lk, 0, L_VERSION));
}

/* An earlier saved version goes live. */
enum op_status
op_rollback(const struct op_env *env, const struct op_caller *who, const char *server_id,
    long long version, struct json_object *options, struct op_result *out)
{
	struct deploying d;
	char ver[24];
	const char *params[2] = { server_id, ver };
	PGresult *lk, *doc;

	if (deploying_init(&d, env, who, server_id, ACT_ROLLBACK, options, out) != OP_OK)
		return out->status;
	if (version < 1 || version > 2000000000)
		return op_fail_details(out, OP_INVALID, "validation_failed",
		    "send {\"version\": n}", json_tokener_parse("[{\"path\":\"/version\","
		    "\"message\":\"a saved version number\"}]"));
	snprintf(ver, sizeof(ver), "%lld", version);
	if ((lk = lock_deployed(&d)) == NULL)
		return out->status;
	if ((doc = db_query(env->db, env->arena, Q_WORKFLOW_VERSION_DOC, 2, params)) == NULL ||
	    !db_ok(doc) || PQntuples(doc) != 1) {
		db_rollback(env->db);
		return doc == NULL ? op_unavailable(out) : op_fail(out, OP_NOT_FOUND,
		    "not_found", "the workflow has no version %s", ver);
	}
	return ship(&d, lk, PQgetvalue(doc, 0, 0), ver);
}

/* The agent is deleted and the workflow forgets it. */
enum op_status
op_undeploy(const struct op_env *env, const struct op_caller *who, const char *server_id,
    struct op_result *out)
{
	struct arc_client client;
	struct arc_result ar;
	struct deploying d;
	char endpoint[512];
	const char *params[1] = { server_id };
	PGresult *lk, *res;

	(void)deploying_init(&d, env, who, server_id, ACT_UNDEPLOY, NULL, out);
	if ((lk = lock_deployed(&d)) == NULL)
		return out->status;
	arc_client_from_config(&client, env->cfg, endpoint, sizeof(endpoint));
	memset(&ar, 0, sizeof(ar));
	waiter_notify(env->waiter);
	/* An agent already gone at the runtime is as good as deleted. */
	if (arc_delete(&client, PQgetvalue(lk, 0, L_AGENT), &ar) != ARC_OK &&
	    ar.status != ARC_NOT_FOUND) {
		db_rollback(env->db);
		attempt(&d, PQgetvalue(lk, 0, L_VERSION), "failed", ar.http_status, ar.reason,
		    PQgetvalue(lk, 0, L_AGENT));
		failed(&d, ar.reason);
		arc_result_free(&ar);
		return out->status;
	}
	arc_result_free(&ar);
	if ((res = db_query(env->db, env->arena, Q_DEPLOY_CLEAR, 1, params)) == NULL ||
	    !db_ok(res)) {
		db_rollback(env->db);
		return op_unavailable(out);
	}
	attempt(&d, PQgetvalue(lk, 0, L_VERSION), "succeeded", 204, NULL,
	    PQgetvalue(lk, 0, L_AGENT));
	if (db_commit(env->db) == -1)
		return op_unavailable(out);
	buf_puts(&out->body, "{\"success\":true}");
	out->status = OP_OK;
	return OP_OK;
}

/*
 * The live status of an active dedicated deployment (row i of res), asked
 * of the runtime now and stored; when the runtime cannot say, the stored
 * one stands. Writes the status and reason into the caller's buffers.
 */
static void
refresh_dedicated(const struct op_env *env, PGresult *res, int i, char *status,
    size_t statussz, char *reason, size_t reasonsz)
{
	struct arc_client client;
	struct arc_result ar;
	char endpoint[512];

	snprintf(status, statussz, "%s", PQgetvalue(res, i, 9));
	snprintf(reason, reasonsz, "%s", PQgetvalue(res, i, 10));
	if (strcmp(PQgetvalue(res, i, 5), "active") != 0)
		return;
	arc_client_from_config(&client, env->cfg, endpoint, sizeof(endpoint));
	waiter_notify(env->waiter);
	if (arc_get(&client, PQgetvalue(res, i, 2), &ar) == ARC_OK && ar.orch_status[0]) {
		const char *params[3] = { PQgetvalue(res, i, 0), ar.orch_status, ar.orch_reason };

		snprintf(status, statussz, "%s", ar.orch_status);
		snprintf(reason, reasonsz, "%s", ar.orch_reason);
		if (db_query(env->db, env->arena, Q_DEPLOY_ORCHESTRATOR_UPDATE, 3, params) == NULL)
			log_warn("deployment %s: its status was not stored", PQgetvalue(res, i, 0));
	}
	arc_result_free(&ar);
}

/* Every deployment of the workflow, newest first. */
enum op_status
op_deployments(const struct op_env *env, const struct op_caller *who,
    const char *server_id, long long limit, long long cursor, struct op_result *out)
{
	char lim[24], cur[24];
	const char *params[4] = { server_id, who->owner_id, cur, lim };
	struct buf *b = &out->body;
	PGresult *res;
	int n;

	if (op_allowed(who, S_READ, out) != OP_OK)
		return out->status;
	if (limit < 0 || cursor < 0)
		return op_fail(out, OP_BAD_REQUEST, "bad_request",
		    "limit is 1 to %d; cursor is a nextCursor value", OP_LIST_MAX);
	if (op_workflow_owned(env, who, server_id, out) != OP_OK)
		return out->status;
	snprintf(cur, sizeof(cur), "%lld", cursor);
	/* One row more than asked tells whether there is a next page. */
	snprintf(lim, sizeof(lim), "%lld", limit + 1);
	if ((res = db_query(env->db, env->arena, Q_DEPLOYMENTS_LIST, 4, params)) == NULL)
		return op_unavailable(out);
	if (!db_ok(res))
		return op_fail(out, OP_INTERNAL, "internal", "list failed");
	n = PQntuples(res);
	buf_puts(b, "{\"items\":[");
	for (int i = 0; i < n && i < limit; i++) {
		buf_printf(b, "%s{\"id\":%s,\"version\":%s,\"agentId\":", i ? "," : "",
		    PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
		buf_put_json_string(b, PQgetvalue(res, i, 2), strlen(PQgetvalue(res, i, 2)));
		buf_puts(b, ",\"endpoint\":");
		buf_put_json_string(b, PQgetvalue(res, i, 3), strlen(PQgetvalue(res, i, 3)));
		buf_puts(b, ",\"dashboardUrl\":");
		buf_put_json_string(b, PQgetvalue(res, i, 4), strlen(PQgetvalue(res, i, 4)));
		buf_printf(b, ",\"status\":\"%s\",\"deployedAt\":\"%s\",\"endedAt\":",
		    PQgetvalue(res, i, 5), PQgetvalue(res, i, 6));
		if (PQgetisnull(res, i, 7))
			buf_puts(b, "null");
		else
			buf_printf(b, "\"%s\"", PQgetvalue(res, i, 7));
		buf_printf(b, ",\"isolation\":\"%s\"", PQgetvalue(res, i, 8));
		if (strcmp(PQgetvalue(res, i, 8), "dedicated") == 0) {
			char status[16], reason[256];

			refresh_dedicated(env, res, i, status, sizeof(status), reason, sizeof(reason));
			if (status[0] != '\0')
				put_orchestrator(b, status, reason);
		}
		buf_putc(b, '}');
	}
	buf_puts(b, "],\"nextCursor\":");
	if (n > limit) {
		out->next_cursor = arena_strdup(env->arena, PQgetvalue(res, (int)limit - 1, 0));
		buf_printf(b, "\"%s\"}", out->next_cursor);
	} else
		buf_puts(b, "null}");
	out->status = OP_OK;
	return OP_OK;
}
