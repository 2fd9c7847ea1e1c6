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
#include "ops.h"
#include "router.h"
#include "runkit.h"

/* Per-worker state (app->prog), built once at worker start. */
struct orx_state {
	struct run_kit		 kit;   /* catalog, compiled workflows */
};
#define STATE(r) ((struct orx_state *)(r)->app->prog)

/* state.c */
int	orx_worker_init(struct app *);
void	orx_worker_fini(struct app *);

/* common.c */
int	orx_authenticate(struct req *, struct resp *, unsigned scope);
#define unavailable(w) resp_unavailable(w)
int	owned_workflow(struct req *, struct resp *);
void	orx_op(struct req *, struct op_env *, struct op_caller *, struct op_result *);
int	orx_answer(struct resp *, const struct op_result *);
/* Declares env, who and res for request r's operation, set up by orx_op. */
#define OP_LOCALS(r) \
	struct op_env env; \
	struct op_caller who; \
	struct op_result res; \
	orx_op((r), &env, &who, &res)

/* health.c */
int	h_healthz(struct req *, struct resp *);
int	h_metrics(struct req *, struct resp *);

/* workflows.c */
int	h_workflow_create(struct req *, struct resp *);
int	h_workflow_list(struct req *, struct resp *);
int	h_workflow_get(struct req *, struct resp *);
int	h_workflow_put(struct req *, struct resp *);
int	h_workflow_delete(struct req *, struct resp *);

/* secrets.c */
int	h_secret_put(struct req *, struct resp *);
int	h_secret_list(struct req *, struct resp *);
int	h_secret_delete(struct req *, struct resp *);

/* deploy.c */
int	h_deploy(struct req *, struct resp *);
int	h_redeploy(struct req *, struct resp *);
int	h_rollback(struct req *, struct resp *);
int	h_undeploy(struct req *, struct resp *);
int	h_deployments(struct req *, struct resp *);

/* runs.c */
int	h_runtime_start(struct req *, struct resp *);
int	h_runtime_stop(struct req *, struct resp *);
int	h_runtime_get(struct req *, struct resp *);
int	h_run(struct req *, struct resp *);
int	h_execution_list(struct req *, struct resp *);
int	h_execution_get(struct req *, struct resp *);
int	h_tool_catalog(struct req *, struct resp *);
int	h_tool_type(struct req *, struct resp *);
int	h_workflow_schema(struct req *, struct resp *);

/* executions.c */
int	h_execute_async(struct req *, struct resp *);
int	h_execution_pause(struct req *, struct resp *);
int	h_execution_resume(struct req *, struct resp *);
int	h_execution_cancel(struct req *, struct resp *);
int	h_interventions(struct req *, struct resp *);
int	h_interventions_open(struct req *, struct resp *);
int	h_intervention_answer(struct req *, struct resp *);
int	h_link_get(struct req *, struct resp *);
int	h_link_answer(struct req *, struct resp *);

/* hub.c */
void	orx_event_hub(const struct config *, void *shared, volatile sig_atomic_t *stop);

/* chat.c */
int	h_chat(struct req *, struct resp *);

/* mcp.c */
int	h_mcp(struct req *, struct resp *);

#endif
