/* Dashboard data, health and metrics of the runtime. */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "health.h"
#include "runtime.h"
#include "server.h"

/*
 * The workflow version an agent serves, from the metadata Orchestrix puts
 * in its package ("version"); 0 when the package came without one. The
 * agent's own version counts its replacements, not the workflow's edits.
 */
static long long
served_version(const char *metadata)
{
	struct json_object *m = json_tokener_parse(metadata);
	struct json_object *v = json_get(m, "version", json_type_int);
	long long n = v != NULL ? json_object_get_int64(v) : 0;

	json_object_put(m);
	return n > 0 ? n : 0;
}

/*
 * GET /dashboard/:agentId/data?minutes=60 -- the page's JSON, for the
 * agent's read-only share token (made at deploy, in its dashboardUrl) or
 * the platform key, as Bearer. Without either: 401, and nothing says
 * whether the agent exists.
 */
int
h_dashboard_data(struct req *r, struct resp *w)
{
	long long v = req_query_number(r, "minutes", 1, 7 * 24 * 60, 60);
	long long served;
	char mins[24];
	const char *params[2] = { r->param[0], mins };
	PGresult *res, *agent;

	if (v < 0)
		return resp_error(w, HTTP_BAD_REQUEST, "bad_request",
		    "minutes is 1 to 10080");
	snprintf(mins, sizeof(mins), "%lld", v);
	if ((agent = db_query(r->app->db, r->arena, Q_RT_AGENT_GET, 1, params)) == NULL)
		return resp_unavailable(w);
	if (!db_ok(agent))
		return resp_error(w, HTTP_INTERNAL_ERROR, "internal", "lookup failed");
	if ((PQntuples(agent) == 0 || !bearer_is(r, PQgetvalue(agent, 0, 10))) &&
	    !bearer_is(r, config_get(r->app->cfg, CFG_RUNTIME_API_KEY))) {
		resp_header(w, "WWW-Authenticate", "Bearer");
		return resp_error(w, HTTP_UNAUTHORIZED, "unauthorized",
		    "the dashboard data needs the agent's share token (in its dashboardUrl) "
		    "as 'Authorization: Bearer <token>'");
	}
	if (PQntuples(agent) == 0)
		return resp_error(w, HTTP_NOT_FOUND, "not_found", "no such agent");
	if ((res = db_query(r->app->db, r->arena, Q_RT_DASHBOARD, 2, params)) == NULL ||
	    !db_ok(res) || PQntuples(res) != 1)
		return resp_unavailable(w);
	buf_puts(&w->body, "{\"agent\":{\"agentId\":");
	buf_put_json_string(&w->body, r->param[0], strlen(r->param[0]));
	buf_puts(&w->body, ",\"name\":");
	buf_put_json_string(&w->body, PQgetvalue(agent, 0, 1),
	    (size_t)PQgetlength(agent, 0, 1));
	buf_printf(&w->body, ",\"version\":%s,\"isolation\":\"%s\",\"createdAt\":\"%s\"",
	    PQgetvalue(agent, 0, 3), PQgetvalue(agent, 0, 9), PQgetvalue(agent, 0, 6));
	if ((served = served_version(PQgetvalue(agent, 0, 5))) > 0)
		buf_printf(&w->body, ",\"workflowVersion\":%lld", served);
	/* A dedicated agent's pod status, read again at most every 5 s. */
	if (strcmp(PQgetvalue(agent, 0, 9), "dedicated") == 0)
		rt_orch_describe(r, &w->body, r->param[0], 5000);
	buf_printf(&w->body, "},\"minutes\":%lld,\"stats\":%s}", v, PQgetvalue(res, 0, 0));
	w->status = HTTP_OK;
	return HTTP_OK;
}

int
h_rt_metrics(struct req *r, struct resp *w)
{
	PGresult *res;
	int st;

	if ((st = metrics_auth(r, w)) != 0)
		return st;
	res = db_query(r->app->db, r->arena, Q_RT_AGENT_COUNT, 0, NULL);
	w->content_type = "text/plain; version=0.0.4";
	if (metrics_write(&w->body, "runtime", r->app->metrics) == -1)
		return resp_error(w, HTTP_SERVICE_UNAVAILABLE, "unavailable",
		    "metrics are disabled");
	if (res != NULL && db_ok(res))
		buf_printf(&w->body, "# HELP orx_agents Agents deployed.\n"
		    "# TYPE orx_agents gauge\norx_agents %s\n", PQgetvalue(res, 0, 0));
	if (r->app->shared != NULL) {
		const struct gcommit *gc = &RT_SHARED(r)->commits;

		buf_printf(&w->body,
		    "# HELP orx_runtime_commit_batches_total Statements that committed calls' inserts (group commit).\n"
		    "# TYPE orx_runtime_commit_batches_total counter\n"
		    "orx_runtime_commit_batches_total %llu\n"
		    "# HELP orx_runtime_commit_writes_total Calls' inserts those statements carried.\n"
		    "# TYPE orx_runtime_commit_writes_total counter\n"
		    "orx_runtime_commit_writes_total %llu\n",
		    (unsigned long long)atomic_load(&gc->batches),
		    (unsigned long long)atomic_load(&gc->writes));
	}
	w->status = HTTP_OK;
	return HTTP_OK;
}

/* Health: lib/http/health.h. */
int
h_rt_healthz(struct req *r, struct resp *w)
{
	return health_answer(r, w);
}
