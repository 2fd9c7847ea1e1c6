/*
 * The Orchestrix program (development side): handlers shared between the
 * files of cgi-bin/orchestrix/. The route table is in main.c.
 */
#ifndef ORCHESTRIX_H
#define ORCHESTRIX_H

#include "auth.h"
#include "db.h"
#include "http.h"
#include "json.h"
#include "router.h"
#include "runkit.h"

/* Per-worker state (app->prog), built once at worker start. */
struct orx_state {
	struct run_kit		 kit;   /* catalog, compiled workflows, secrets key */
};
#define STATE(r) ((struct orx_state *)(r)->app->prog)

/* state.c */
int	orx_worker_init(struct app *);
void	orx_worker_fini(struct app *);

/* common.c */
int	orx_authenticate(struct req *, struct resp *, unsigned scope);
#define unavailable(w) resp_unavailable(w)
int	owned_workflow(struct req *, struct resp *);
int	owner_field_check(struct req *, struct resp *);

/* health.c */
int	h_healthz(struct req *, struct resp *);
int	h_metrics(struct req *, struct resp *);

/* workflows.c */
int	h_workflow_create(struct req *, struct resp *);
int	h_workflow_list(struct req *, struct resp *);
int	h_workflow_get(struct req *, struct resp *);
int	h_workflow_put(struct req *, struct resp *);
int	h_workflow_delete(struct req *, struct resp *);
int	workflow_insert(struct req *, struct resp *, struct json_object *doc);
int	workflow_replace(struct req *, struct resp *, struct json_object *doc,
	    long long version);

/* secrets.c */
int	h_secret_put(struct req *, struct resp *);
int	h_secret_list(struct req *, struct resp *);
int	h_secret_delete(struct req *, struct resp *);
struct json_object *secrets_open(struct req *, const char *server_id,
	    const char *sealed_json);

/* deploy.c */
int	h_deploy(struct req *, struct resp *);
int	h_redeploy(struct req *, struct resp *);
int	h_rollback(struct req *, struct resp *);
int	h_undeploy(struct req *, struct resp *);
int	h_deployments(struct req *, struct resp *);
int	deploy_current(struct req *, struct resp *);

/* runs.c */
int	h_runtime_start(struct req *, struct resp *);
int	h_runtime_stop(struct req *, struct resp *);
int	h_runtime_get(struct req *, struct resp *);
int	h_run(struct req *, struct resp *);
int	h_execution_list(struct req *, struct resp *);
int	h_execution_get(struct req *, struct resp *);
int	h_tool_catalog(struct req *, struct resp *);
int	run_current(struct req *, struct resp *, struct json_object *input);

/* chat.c */
int	h_chat(struct req *, struct resp *);
int	chat_text_check(struct resp *, struct json_object *v, const char *path);

/* mcp.c */
int	h_mcp(struct req *, struct resp *);

#endif
