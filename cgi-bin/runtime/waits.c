/*
 * Deployed agents' executions that wait (SPEC §7): a call that reaches an
 * approval is kept (archestra.executions) and answered 202 with its status
 * URL -- readable with the agent's access key or the capability token the
 * 202 carries -- and what it waits for. The platform answers through the
 * deployment API (the platform key), anyone else through the signed link;
 * the runtime's executors go on with it (lib/exec/).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "config.h"
#include "crypto.h"
#include "exec.h"
#include "log.h"
#include "runtime.h"
#include "sealed.h"

/* The public base URL (ORX_PUBLIC_URL without its trailing slash). */
static const char *
public_base(struct req *r)
{
	const char *u = config_get(r->app->cfg, CFG_PUBLIC_URL);
	size_t n = strlen(u);

	while (n > 0 && u[n - 1] == '/')
		n--;
	return arena_printf(r->arena, "%.*s", (int)n, u);
}

/*
 * Keeps the call's run, which stopped at an approval, and makes res's
 * output the 202's body: {"executionId","status":"waiting","statusUrl",
 * "interventions":[...]}. Commits with the run's writes. Returns 0, or -1
 * (nothing kept; res says why).
 */
int
rt_keep_waiting(struct req *r, struct plan *p, const char *exe, struct json_object *input,
    struct exec_result *res)
{
	const char *params[1] = { p->id };
	struct json_object *iv = NULL, *trace = NULL, *body;
	char iid[40], cap[64], cap_hash[65];
	unsigned char rnd[24];
	const char *owner = "";
	struct buf b;
	int rc;
	PGresult *pg;

	if ((pg = db_query(r->app->db, r->arena, Q_RT_AGENT_OWNER, 1, params)) != NULL &&
	    db_ok(pg) && PQntuples(pg) == 1)
		owner = arena_strdup(r->arena, PQgetvalue(pg, 0, 0));
	if (id_new(iid, sizeof(iid), "int_", 20) == -1 || crypto_random(rnd, sizeof(rnd)) == -1)
		goto fail;
	memcpy(cap, "cap_", 4);
	crypto_hex_encode(rnd, sizeof(rnd), cap + 4, sizeof(cap) - 4);
	sha256_hex(cap, strlen(cap), cap_hash);
	if (json_object_deep_copy(input, &trace, NULL) != 0)
		goto fail;
	arena_defer(r->arena, json_put_cb, trace);
	redact(trace, p->secrets, 1);
	if ((rc = exec_save_waiting(r->app->db, r->arena, exe, p->id, owner, p->version,
	    input, trace, NULL, NULL, res, "", cap_hash, iid, &iv)) != 0 ||
	    db_commit(r->app->db) == -1) {
		log_warn("agent %s: the waiting execution %s could not be kept (%s)", p->id,
		    exe, rc == -2 ? "refused" : "the database is away");
		json_object_put(iv);
		goto fail;
	}
	arena_defer(r->arena, json_put_cb, iv);
	buf_init(&b, r->arena, 512);
	buf_printf(&b, "{\"executionId\":\"%s\",\"status\":\"waiting\",\"statusUrl\":\"%s/agents/"
	    "%s/executions/%s?token=%s\",\"interventions\":[", exe, public_base(r), p->id, exe,
	    cap);
	exec_intervention_json(&b, iid, json_get_str(iv, "prompt"),
	    json_object_object_get(iv, "spec"), json_get_str(iv, "expiresAt"), NULL);
	buf_puts(&b, "]}");
	body = json_raw_new(r->arena, b.data, b.len);
	json_object_put(res->output);
	res->output = body;
	crypto_wipe(cap, sizeof(cap));
	return 0;
fail:
	/* The run's writes go with it: nothing of the call is kept. */
	if (r->app->db->in_tx)
		db_rollback(r->app->db);
	return -1;
}

/*
 * GET /agents/:agentId/executions/:executionId -- an execution's status and,
 * once done, its output: with the agent's access key, or ?token= the
 * capability the 202 gave.
 */
int
h_agent_execution_get(struct req *r, struct resp *w)
{
	const char *params[2] = { r->param[1], r->param[0] };
	const char *token = req_query(r, "token"), *bt = bearer_token(r);
	struct plan *p;
	const char *key_trouble = NULL;
	char h[65];
	PGresult *res;
	int st, ok = 0;

	if ((p = rt_plan(r, r->param[0], &st, &key_trouble)) == NULL)
		return st == HTTP_SERVICE_UNAVAILABLE ? resp_unavailable(w) :
		    key_trouble != NULL ? resp_error(w, HTTP_INTERNAL_ERROR, "secrets_key",
		    "the runtime's secrets key cannot open this agent's secrets: %s", key_trouble) :
		    resp_error(w, HTTP_NOT_FOUND, "not_found", "no such agent");
	if ((res = db_query(r->app->db, r->arena, Q_RT_EXECUTION_GET, 2, params)) == NULL)
		return resp_unavailable(w);
	if (!db_ok(res) || PQntuples(res) == 0)
		return resp_error(w, HTTP_NOT_FOUND, "not_found", "no such execution");
	if (token != NULL && *PQgetvalue(res, 0, 4) != '\0') {
		sha256_hex(token, strlen(token), h);
		ok = crypto_timingsafe_eq(h, PQgetvalue(res, 0, 4), 64);
	}
	if (!ok && p->access_hash[0] != '\0' && bt != NULL) {
		sha256_hex(bt, strlen(bt), h);
		ok = crypto_timingsafe_eq(h, p->access_hash, 64);
	}
	if (!ok) {
		resp_header(w, "WWW-Authenticate", "Bearer");
		return resp_error(w, HTTP_UNAUTHORIZED, "unauthorized",
		    "send the status URL's token, or the agent's access key as Bearer");
	}
	buf_puts(&w->body, "{\"executionId\":");
	buf_put_json_string(&w->body, r->param[1], strlen(r->param[1]));
	buf_printf(&w->body, ",\"status\":\"%s\",\"httpStatus\":%s,\"output\":%s,\"error\":%s,"
	    "\"startedAt\":\"%s\",\"finishedAt\":", PQgetvalue(res, 0, 0),
	    PQgetisnull(res, 0, 1) ? "null" : PQgetvalue(res, 0, 1),
	    PQgetisnull(res, 0, 2) ? "null" : PQgetvalue(res, 0, 2),
	    PQgetisnull(res, 0, 3) ? "null" : PQgetvalue(res, 0, 3), PQgetvalue(res, 0, 5));
	if (PQgetisnull(res, 0, 6))
		buf_puts(&w->body, "null}");
	else
		buf_printf(&w->body, "\"%s\"}", PQgetvalue(res, 0, 6));
	w->status = HTTP_OK;
	return HTTP_OK;
}

/* GET /mcp/agents/:agentId/interventions (platform key): open ones, with links. */
int
h_agent_interventions(struct req *r, struct resp *w)
{
	const char *params[1] = { r->param[0] };
	const char *base = arena_printf(r->arena, "%s/agents/%s/links/", public_base(r),
	    r->param[0]);
	PGresult *res;

	if ((res = db_query(r->app->db, r->arena, Q_RT_INTERVENTIONS_PENDING, 1, params)) == NULL)
		return resp_unavailable(w);
	if (!db_ok(res))
		return resp_error(w, HTTP_INTERNAL_ERROR, "internal", "listing failed");
	buf_puts(&w->body, "{\"items\":[");
	for (int i = 0; i < PQntuples(res); i++) {
		struct json_object *spec = json_tokener_parse(PQgetvalue(res, i, 3));
		const char *link = exec_link_url(&RT(r)->kit, r->app->db, r->arena, base,
		    PQgetvalue(res, i, 0), strtoll(PQgetvalue(res, i, 5), NULL, 10));

		buf_printf(&w->body, "%s{\"executionId\":\"%s\",\"intervention\":", i ? "," : "",
		    PQgetvalue(res, i, 1));
		exec_intervention_json(&w->body, PQgetvalue(res, i, 0), PQgetvalue(res, i, 2),
		    spec, PQgetisnull(res, i, 4) ? NULL : PQgetvalue(res, i, 4), link);
		buf_putc(&w->body, '}');
		json_object_put(spec);
	}
	buf_puts(&w->body, "]}");
	w->status = HTTP_OK;
	return HTTP_OK;
}

/* The answer's outcome, as every answering route of the runtime says it. */
static int
answered(struct resp *w, const char *exe, const char *iid, struct exec_answer_result *ar)
{
	static const int http[EXA__MAX] = { 200, 404, 409, 403, 400, 503 };
	static const char *const codes[EXA__MAX] = { NULL, "not_found", "already_answered",
	    "forbidden", "validation_failed", "unavailable" };
	int st;

	if (ar->status != EXA_OK) {
		st = resp_error_details(w, http[ar->status], codes[ar->status], ar->message,
		    ar->details != NULL ? json_object_get(ar->details) : NULL);
		exec_answer_result_free(ar);
		return st;
	}
	buf_printf(&w->body, "{\"executionId\":\"%s\",\"interventionId\":\"%s\","
	    "\"interventionStatus\":\"%s\",\"status\":\"%s\"}", exe, iid,
	    ar->intervention_status, ar->execution_status);
	exec_answer_result_free(ar);
	w->status = HTTP_OK;
	return HTTP_OK;
}

/* {"response", "notes"?}: 0, or the 400 written. */
static int
answer_body(struct req *r, struct resp *w, struct json_object **response, const char **notes)
{
	struct json_object *n = NULL;

	*response = NULL;
	*notes = NULL;
	if (!json_object_is_type(r->json, json_type_object))
		return resp_error(w, HTTP_BAD_REQUEST, "validation_failed",
		    "send {\"response\": ..., \"notes\": \"...\"}");
	json_object_object_get_ex(r->json, "response", response);
	if (json_object_object_get_ex(r->json, "notes", &n) && n != NULL) {
		if (!json_object_is_type(n, json_type_string))
			return resp_error(w, HTTP_BAD_REQUEST, "validation_failed",
			    "notes must be text");
		*notes = json_object_get_string(n);
	}
	return 0;
}

/* POST /mcp/agents/:agentId/executions/:executionId/interventions/:id (platform). */
int
h_agent_intervention_answer(struct req *r, struct resp *w)
{
	struct exec_answerer a;
	struct exec_answer_result ar;
	struct json_object *response;
	const char *notes, *params[2] = { r->param[1], r->param[0] };
	PGresult *res;
	int st;

	if ((st = answer_body(r, w, &response, &notes)) != 0)
		return st;
	if ((res = db_query(r->app->db, r->arena, Q_RT_EXECUTION_GET, 2, params)) == NULL)
		return resp_unavailable(w);
	if (!db_ok(res) || PQntuples(res) == 0)
		return resp_error(w, HTTP_NOT_FOUND, "not_found", "no such execution");
	memset(&a, 0, sizeof(a));
	a.platform = 1;
	exec_answer(r->app->db, r->arena, r->param[1], r->param[2], &a, response, notes, &ar);
	return answered(w, r->param[1], r->param[2], &ar);
}

/* The intervention of link token r->param[1], of agent r->param[0]. */
static PGresult *
link_row(struct req *r, struct resp *w, char *iid, size_t iidsz, int *st)
{
	struct run_kit *kit = &RT(r)->kit;
	const char *params[1] = { iid };
	PGresult *row;

	if (!kit->have_link_key && exec_link_key(r->app->db, r->arena, kit->link_key) == 0)
		kit->have_link_key = 1;
	if (!kit->have_link_key) {
		*st = resp_unavailable(w);
		return NULL;
	}
	if (exec_link_parse(kit->link_key, r->param[1], iid, iidsz) == -1) {
		*st = resp_error(w, HTTP_NOT_FOUND, "not_found",
		    "this link is not valid, or it has expired");
		return NULL;
	}
	if ((row = db_query(r->app->db, r->arena, Q_INTERVENTION_BY_ID, 1, params)) == NULL) {
		*st = resp_unavailable(w);
		return NULL;
	}
	if (!db_ok(row) || PQntuples(row) == 0 || strcmp(PQgetvalue(row, 0, 5), r->param[0]) != 0) {
		*st = resp_error(w, HTTP_NOT_FOUND, "not_found", "no such intervention");
		return NULL;
	}
	return row;
}

/* GET /agents/:agentId/links/:token -- public: what the link's bearer is asked. */
int
h_agent_link_get(struct req *r, struct resp *w)
{
	struct json_object *spec;
	char iid[80];
	PGresult *row;
	int st;

	if ((row = link_row(r, w, iid, sizeof(iid), &st)) == NULL)
		return st;
	if (strcmp(PQgetvalue(row, 0, 3), "pending") != 0)
		return resp_error(w, HTTP_CONFLICT, "already_answered",
		    "the intervention is %s already", PQgetvalue(row, 0, 3));
	spec = json_tokener_parse(PQgetvalue(row, 0, 2));
	buf_printf(&w->body, "{\"executionId\":\"%s\",\"agentId\":\"%s\",\"intervention\":",
	    PQgetvalue(row, 0, 0), r->param[0]);
	exec_intervention_json(&w->body, iid, PQgetvalue(row, 0, 1), spec,
	    PQgetisnull(row, 0, 4) ? NULL : PQgetvalue(row, 0, 4), NULL);
	buf_putc(&w->body, '}');
	json_object_put(spec);
	w->status = HTTP_OK;
	return HTTP_OK;
}

/* POST /agents/:agentId/links/:token {"response", "notes"?} -- public, once. */
int
h_agent_link_answer(struct req *r, struct resp *w)
{
	struct exec_answerer a;
	struct exec_answer_result ar;
	struct json_object *response;
	const char *notes, *exe;
	char iid[80];
	PGresult *row;
	int st;

	if ((st = answer_body(r, w, &response, &notes)) != 0)
		return st;
	if ((row = link_row(r, w, iid, sizeof(iid), &st)) == NULL)
		return st;
	exe = arena_strdup(r->arena, PQgetvalue(row, 0, 0));
	memset(&a, 0, sizeof(a));
	a.via_link = 1;
	exec_answer(r->app->db, r->arena, exe, iid, &a, response, notes, &ar);
	return answered(w, exe, arena_strdup(r->arena, iid), &ar);
}

/* --- the executors ------------------------------------------------------- */

struct rt_host {
	struct run_kit		*kit;
	const struct config	*cfg;
	const struct keyring	*keys;   /* from the master; NULL in a dedicated pod */
};

/* The plan of the agent's version the execution ran, and its secrets now. */
static int
rt_prepare(void *ctx, struct db *db, struct arena *a, const struct exec_job *job,
    const struct plan **pp, struct exec_env *env, char *why, size_t whysz)
{
	struct rt_host *h = ctx;
	struct plan *p = plan_cache_get(h->kit->plans, job->plan_id, job->version);
	struct json_object *doc, *errors;
	char ver[16];
	const char *params[2] = { job->plan_id, ver };
	PGresult *res;

	snprintf(ver, sizeof(ver), "%d", job->version);
	if ((res = db_query(db, a, Q_RT_AGENT_VERSION_LOAD, 2, params)) == NULL ||
	    !db_ok(res) || PQntuples(res) != 1) {
		snprintf(why, whysz, "version %d of agent %s is gone", job->version, job->plan_id);
		return -1;
	}
	if (p == NULL) {
		if ((doc = json_tokener_parse(PQgetvalue(res, 0, 0))) == NULL) {
			snprintf(why, whysz, "the agent's document is unreadable");
			return -1;
		}
		errors = json_object_new_array();
		if (plan_compile(doc, job->plan_id, job->version, &p, errors) == -1) {
			snprintf(why, whysz, "the agent does not compile");
			json_object_put(errors);
			json_object_put(doc);
			return -1;
		}
		json_object_put(errors);
		json_object_put(doc);
		plan_cache_put(h->kit->plans, p);
	}
	env->db = db;
	env->cfg = h->cfg;
	env->owner = arena_strdup(a, PQgetvalue(res, 0, 2));
	env->environment = arena_strdup(a, PQgetvalue(res, 0, 3));
	if (h->keys == NULL)
		env->secrets = json_object_new_object();
	else if ((env->secrets = sealed_open_all(h->keys, job->plan_id, PQgetvalue(res, 0, 1),
	    why, whysz)) == NULL) {
		log_error("agent %s: its secrets do not open: %s", job->plan_id, why);
		return -1;
	}
	env->ids = &h->kit->ids;
	*pp = p;
	return 0;
}

/* The body of each of the runtime's executor processes. */
void
rt_executor(const struct config *cfg, const struct keyring *keys, void *shared,
    volatile sig_atomic_t *stop)
{
	struct run_kit kit;
	struct rt_host h;
	struct exec_host host;
	struct db db;

	(void)shared;
	if (run_kit_init(&kit, 64) == -1) {
		log_error("executor: out of memory");
		return;
	}
	db_init(&db, config_get(cfg, CFG_DATABASE_URL), "runtime-exec");
	db_set_options(&db, "-c search_path=archestra");
	h.kit = &kit;
	h.cfg = cfg;
	h.keys = keys;
	host.prepare = rt_prepare;
	host.ctx = &h;
	exec_serve(cfg, &db, &host, "runtime", stop);
	db_close(&db);
	run_kit_fini(&kit);
}
