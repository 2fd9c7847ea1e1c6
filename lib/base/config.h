/*
 * Configuration from the environment, overridden by an optional KEY=VALUE
 * file (ORX_CONFIG_FILE) that the master re-reads on SIGHUP. Every key has
 * a safe default; the table in config.c is the list the README documents.
 */
#ifndef ORX_CONFIG_H
#define ORX_CONFIG_H

#include <stddef.h>

enum cfg_key {
	CFG_DATABASE_URL,
	CFG_SOCKET,
	CFG_WORKERS,
	CFG_PUBLIC_URL,
	CFG_MAX_BODY,
	CFG_JSON_MAX_DEPTH,
	CFG_ARCHESTRA_ENDPOINT,
	CFG_ARCHESTRA_API_KEY,
	CFG_ARCHESTRA_ALLOW_HTTP,
	CFG_SECRET_KEY_FILE,
	CFG_LOG_LEVEL,
	CFG_HTTP_ALLOW,
	CFG_HTTP_TIMEOUT_MS,
	CFG_STEP_TIMEOUT_MS,
	CFG_RUN_BUDGET_MS,
	CFG_PBKDF2_ITERATIONS,
	CFG_RUNTIME_API_KEY,
	CFG_LLM_URL,
	CFG_LLM_API_KEY,
	CFG_LLM_MODEL,
	CFG_MCP_ALLOWED_ORIGINS,
	CFG_MCP_SESSION_CACHE_MS,
	CFG_BUSY_WORKERS,
	CFG_EXECUTORS,
	CFG_EXEC_LEASE_MS,
	CFG_EVENTS_KEEP_HOURS,
	CFG_EVENTS_SOCKET,
	CFG_ORCH_KUBECONFIG,
	CFG_ORCH_NAMESPACE,
	CFG_ORCH_IMAGE,
	CFG_ORCH_WAIT_MS,
	CFG_ORCH_DATABASE_URL,
	CFG_RUNTIME_AGENT,
	CFG_AGENT_SECRETS,
	CFG_SMTP_HOST,
	CFG_SMTP_PORT,
	CFG_SMTP_SECURITY,
	CFG_SMTP_USER,
	CFG_SMTP_PASSWORD,
	CFG_SMTP_FROM,
	CFG_SMTP_CA_FILE,
	CFG_LOG_KEEP_ROWS,
	CFG_RATE_HOSTS,
	CFG_METRICS_TOKEN,
	CFG__MAX
};

struct cfg_def {
	const char	*env;       /* environment variable name */
	const char	*fallback;  /* default value ("" = unset) */
	const char	*doc;       /* one line for the README */
};
extern const struct cfg_def cfg_defs[CFG__MAX];

struct config {
	char		*str[CFG__MAX];   /* every value as text, malloc'd */
	/* parsed views of the above */
	int		 workers;
	int		 busy_workers;   /* the CPU gate's places (lib/proc/gate.h); 0 = none */
	size_t		 max_body;
	int		 json_max_depth;
	int		 log_level;
	long		 http_timeout_ms;
	long		 step_timeout_ms;
	long		 run_budget_ms;
	unsigned	 pbkdf2_iterations;
	long		 mcp_session_cache_ms;
	int		 executors;      /* processes that run queued executions */
	long		 exec_lease_ms;  /* how long an executor holds one */
	int		 events_keep_hours; /* how long execution events are kept */
	long		 orch_wait_ms;   /* ARCHESTRA_ORCHESTRATOR_WAIT_MS */
	long		 log_keep_rows;  /* the runtime's log writer's buffer */
	long		 rate_hosts;     /* runtime hosts sharing agents' rates */
	int		 archestra_allow_http;  /* secrets may go over plain http */
};

int		 config_load(struct config *, char *err, size_t errsz);
void		 config_free(struct config *);
const char	*config_get(const struct config *, enum cfg_key);

#endif
