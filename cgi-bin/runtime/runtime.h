/*
 * The bundled Archestra-compatible runtime (production side): the
 * deployment API, public agent endpoints, invocation log, dashboard data.
 * It keeps its own tables (schema archestra) and never reads Orchestrix's.
 */
#ifndef RUNTIME_H
#define RUNTIME_H

#include "auth.h"
#include "changes.h"
#include "db.h"
#include "engine.h"
#include "gcommit.h"
#include "http.h"
#include "json.h"
#include "orchestrator.h"
#include "ratelimit.h"
#include "router.h"
#include "runkit.h"
#include "server.h"

struct catalog;

struct rt_state {
	struct run_kit		 kit;   /* catalog, compiled plans */
	unsigned long long	 changes_seen;  /* of rt_shared.agents */
};
#define RT(r) ((struct rt_state *)(r)->app->prog)

/* Memory shared by the runtime's processes (program.shared_size). */
struct rt_shared {
	struct changes		 agents;  /* agents replaced or deleted */
	struct gcommit		 commits; /* calls' inserts, grouped */
	struct ratelimit	 rates;   /* agents' own rates (rateLimit) */
};
#define RT_SHARED(r) ((struct rt_shared *)(r)->app->shared)

/* state.c */
int	rt_worker_init(struct app *);
void	rt_worker_fini(struct app *);
int	rt_authenticate(struct req *, struct resp *, unsigned scope);
int	rt_seals(const struct config *);
void	rt_sync_cache(struct req *);
void	rt_agent_changed(struct req *, const char *agent_id);
struct plan *rt_plan(struct req *, const char *agent_id, int *status_out,
	    const char **key_trouble);

/* agents.c */
int	h_agent_create(struct req *, struct resp *);
int	h_agent_get(struct req *, struct resp *);
int	h_agent_replace(struct req *, struct resp *);
int	h_agent_delete(struct req *, struct resp *);

/* invoke.c */
int	h_agent_invoke(struct req *, struct resp *);
struct plan *rt_agent(struct req *, struct resp *, const char *channel, int *st);
void	rt_log_call(struct req *, const char *agent, int version, const char *channel,
	    int status, long long latency_us, long long at_us, const char *error);
void	rt_call_refused(struct req *, const struct route *, const struct resp *);
int	rt_run(struct req *, struct plan *, struct json_object *input,
	    const char *channel, struct exec_result *res);

/* commit.c */
int	rt_shared_init(void *shared);
enum gc_outcome rt_commit_outcome(PGresult *, char *field, size_t fieldsz);
enum gc_outcome rt_commit_grouped(struct req *, const char *id, const char *owner,
	    const char *environment, const char *collection, const char *document,
	    const char *unique_field);
void	rt_committer(const struct config *, void *shared, volatile sig_atomic_t *stop);

/* waits.c */
int	rt_keep_waiting(struct req *, struct plan *, const char *exe,
	    struct json_object *input, struct exec_result *);
int	h_agent_execution_get(struct req *, struct resp *);
int	h_agent_interventions(struct req *, struct resp *);
int	h_agent_intervention_answer(struct req *, struct resp *);
int	h_agent_link_get(struct req *, struct resp *);
int	h_agent_link_answer(struct req *, struct resp *);
void	rt_executor(const struct config *, const struct keyring *, void *shared,
	    volatile sig_atomic_t *stop);

/* mcp.c */
int	h_agent_mcp(struct req *, struct resp *);

/* dedicated.c */
int	rt_dedicated_package(struct json_object *pkg);
int	rt_orch_open(struct req *, struct resp *, struct orch *);
int	rt_orch_failed(struct resp *, const char *err);
void	rt_orch_record(struct req *, const struct orch *, const char *agent_id,
	    enum orch_status, const char *reason);
int	rt_orch_refresh(struct req *, const char *agent_id, enum orch_status *,
	    char *reason, size_t reasonsz, char *err, size_t errsz);
void	rt_orch_describe(struct req *, struct buf *, const char *agent_id, long max_age_ms);
int	rt_orch_base(struct req *, const char *agent_id, char *out, size_t outsz);
int	h_dedicated_mcp(struct req *, struct resp *);

/* logger.c */
void	rt_log_writer(const struct config *, struct log_rings *, void *shared,
	    volatile sig_atomic_t *stop);

/* dashboard.c */
int	h_dashboard_data(struct req *, struct resp *);
int	h_rt_metrics(struct req *, struct resp *);
int	h_rt_healthz(struct req *, struct resp *);

#endif
