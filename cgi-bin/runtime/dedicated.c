/*
 * Dedicated agents, as the runtime's handlers use them: an agent deployed
 * with "isolation": "dedicated" gets a Kubernetes Deployment, Secret and
 * Service of its own (lib/k8s/orchestrator.h); the status last read from
 * the cluster is kept in archestra.agent_orchestration and shown with the
 * agent and on its dashboard. The runtime a dedicated agent's pod runs
 * serves that agent only (ORX_RUNTIME_AGENT), with its secrets from its
 * Secret (ORX_AGENT_SECRETS); the shared runtime refuses it (421).
 */
#include <stdio.h>
#include <string.h>

#include "archestra.h"
#include "config.h"
#include "log.h"
#include "runtime.h"

/* 1 if a package (checked by arc_package_to_doc) asks for "isolation": "dedicated". */
int
rt_dedicated_package(struct json_object *pkg)
{
	const char *s = json_get_str(pkg, "isolation");

	return s != NULL && strcmp(s, "dedicated") == 0;
}

int
rt_orch_open(struct req *r, struct resp *w, struct orch *o)
{
	char err[300];
	int rc = orch_open(o, r->app->cfg, err, sizeof(err));

	if (rc == 1)
		return 0;
	if (rc == 0)
		return resp_error_details(w, HTTP_UNPROCESSABLE, "validation_failed",
		    "isolation dedicated: this runtime has no Kubernetes orchestrator",
		    json_tokener_parse(
		    "[{\"path\":\"/isolation\",\"message\":\"this runtime has no Kubernetes "
		    "orchestrator (ARCHESTRA_ORCHESTRATOR_KUBECONFIG)\"}]"));
	log_error("orchestrator: %s", err);
	return resp_error(w, HTTP_BAD_GATEWAY, "orchestrator_failed",
	    "the Kubernetes orchestrator is misconfigured; see the runtime's log");
}

int
rt_orch_failed(struct resp *w, const char *err)
{
	log_warn("orchestrator: %s", err);
	return resp_error(w, HTTP_BAD_GATEWAY, "orchestrator_failed", "Kubernetes: %s", err);
}

void
rt_orch_record(struct req *r, const struct orch *o, const char *agent_id,
    enum orch_status st, const char *reason)
{
	char name[ORCH_NAME_MAX];
	const char *params[5] = { agent_id, name, o->ns, orch_status_names[st], reason };

	orch_name(agent_id, name);
	if (db_query(r->app->db, r->arena, Q_RT_ORCH_PUT, 5, params) == NULL)
		log_warn("agent %s: its orchestrator status was not stored", agent_id);
}

/*
 * Appends the orchestrator's part of a dedicated agent's JSON to b:
 * ,"orchestrator":{"status","reason","deployment","namespace","mcpEndpoint"}.
 * The stored status is read again from the cluster when it is older than
 * max_age_ms; when the cluster cannot be asked it is shown as it was, with
 * the reason why.
 */
void
rt_orch_describe(struct req *r, struct buf *b, const char *agent_id, long max_age_ms)
{
	char age[24], reason[300] = "", url[400];
	const char *params[2] = { agent_id, age };
	const char *status = "not_created", *name = "", *ns = "";
	enum orch_status st;
	PGresult *res;

	snprintf(age, sizeof(age), "%ld", max_age_ms);
	res = db_query(r->app->db, r->arena, Q_RT_ORCH_GET, 2, params);
	if (res != NULL && db_ok(res) && PQntuples(res) == 1) {
		name = PQgetvalue(res, 0, 0);
		ns = PQgetvalue(res, 0, 1);
		status = PQgetvalue(res, 0, 2);
		snprintf(reason, sizeof(reason), "%s", PQgetvalue(res, 0, 3));
		if (PQgetvalue(res, 0, 4)[0] == 't') {
			char err[300];

			waiter_notify(&r->app->waiter);
			if (rt_orch_refresh(r, agent_id, &st, reason, sizeof(reason), err,
			    sizeof(err)) == 0)
				status = orch_status_names[st];
			else
				snprintf(reason, sizeof(reason), "not read from the cluster: %.250s",
				    err);
		}
	}
	snprintf(url, sizeof(url), "http://%s.%s.svc.cluster.local/mcp", name, ns);
	buf_puts(b, ",\"orchestrator\":{");
	arc_put_orchestrator(b, status, reason);
	buf_puts(b, ",\"deployment\":");
	buf_put_json_string(b, name, strlen(name));
	buf_puts(b, ",\"namespace\":");
	buf_put_json_string(b, ns, strlen(ns));
	buf_puts(b, ",\"mcpEndpoint\":");
	if (*name != '\0')
		buf_put_json_string(b, url, strlen(url));
	else
		buf_puts(b, "null");
	buf_putc(b, '}');
}

/* A dedicated agent's base URL in the cluster (its Service). Returns 0 or -1. */
int
rt_orch_base(struct req *r, const char *agent_id, char *out, size_t outsz)
{
	const char *params[2] = { agent_id, "0" };
	PGresult *res = db_query(r->app->db, r->arena, Q_RT_ORCH_GET, 2, params);

	if (res == NULL || !db_ok(res) || PQntuples(res) != 1)
		return -1;
	snprintf(out, outsz, "http://%s.%s.svc.cluster.local", PQgetvalue(res, 0, 0),
	    PQgetvalue(res, 0, 1));
	return 0;
}

/* Reads agent_id's status from the cluster now and stores it. Returns 0 or -1 (err). */
int
rt_orch_refresh(struct req *r, const char *agent_id, enum orch_status *st,
    char *reason, size_t reasonsz, char *err, size_t errsz)
{
	struct orch o;
	int rc = orch_open(&o, r->app->cfg, err, errsz);

	if (rc != 1) {
		if (rc == 0)
			snprintf(err, errsz, "no orchestrator is configured");
		return -1;
	}
	if ((rc = orch_status(&o, agent_id, st, reason, reasonsz)) == 0)
		rt_orch_record(r, &o, agent_id, *st, reason);
	else {
		snprintf(err, errsz, "%s", reason);
		reason[0] = '\0';
	}
	orch_close(&o);
	return rc;
}

/*
 * POST|GET|DELETE /mcp in a dedicated agent's pod: that agent's MCP
 * endpoint (its Service's /mcp), as /agents/<id>/mcp is. Elsewhere: 404.
 */
int
h_dedicated_mcp(struct req *r, struct resp *w)
{
	const char *id = config_get(r->app->cfg, CFG_RUNTIME_AGENT);

	if (!arc_agent_id_valid(id))
		return resp_error(w, HTTP_NOT_FOUND, "not_found", "no such route");
	r->param[0] = id;
	/* Sessions belong to the agent's endpoint, whichever path reached it. */
	r->path = arena_printf(r->arena, "/agents/%s/mcp", id);
	return h_agent_mcp(r, w);
}
