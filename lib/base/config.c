#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

const struct cfg_def cfg_defs[CFG__MAX] = {
	[CFG_DATABASE_URL] = { "DATABASE_URL", "dbname=orchestrix",
	    "libpq connection string or URL" },
	[CFG_SOCKET] = { "ORX_SOCKET", ".run/orchestrix.sock",
	    "where the FastCGI workers listen: a unix socket path, or host:port, [v6]:port or :port for TCP (nginx on another host)" },
	[CFG_WORKERS] = { "ORX_WORKERS", "4",
	    "worker processes per program (1-64)" },
	[CFG_PUBLIC_URL] = { "ORX_PUBLIC_URL", "http://127.0.0.1:8080",
	    "base URL clients reach nginx at (endpoints and dashboard links)" },
	[CFG_MAX_BODY] = { "ORX_MAX_BODY", "1048576",
	    "largest request body in bytes (413 beyond)" },
	[CFG_JSON_MAX_DEPTH] = { "ORX_JSON_MAX_DEPTH", "32",
	    "deepest JSON nesting accepted in a body" },
	[CFG_ARCHESTRA_ENDPOINT] = { "ARCHESTRA_DEPLOYMENT_ENDPOINT", "",
	    "Archestra deployment API URL (default: the bundled runtime, <public url>/mcp/agents)" },
	[CFG_ARCHESTRA_API_KEY] = { "ARCHESTRA_API_KEY", "",
	    "platform key sent as Bearer to the deployment API" },
	[CFG_ARCHESTRA_ALLOW_HTTP] = { "ARCHESTRA_ALLOW_HTTP", "0",
	    "1: a deploy may send secrets over plain http:// to an endpoint that is not loopback" },
	[CFG_SECRET_KEY_FILE] = { "ORX_SECRET_KEY_FILE", ".run/secret.key",
	    "file of the keys that seal secrets (workflow and agent secrets), read by each master" },
	[CFG_LOG_LEVEL] = { "ORX_LOG_LEVEL", "info",
	    "error, warn, info or debug" },
	[CFG_HTTP_ALLOW] = { "ORX_HTTP_ALLOW", "",
	    "comma-separated hosts http_request and send_email may reach even if loopback/private (e.g. 127.0.0.1)" },
	[CFG_HTTP_TIMEOUT_MS] = { "ORX_HTTP_TIMEOUT_MS", "10000",
	    "timeout of outbound HTTP calls (deploys, http_request)" },
	[CFG_STEP_TIMEOUT_MS] = { "ORX_STEP_TIMEOUT_MS", "10000",
	    "longest one tool may run" },
	[CFG_RUN_BUDGET_MS] = { "ORX_RUN_BUDGET_MS", "30000",
	    "longest a whole execution may run" },
	[CFG_PBKDF2_ITERATIONS] = { "ORX_PBKDF2_ITERATIONS", "100000",
	    "default work factor of password_hash" },
	[CFG_RUNTIME_API_KEY] = { "ORX_RUNTIME_API_KEY", "",
	    "platform key the bundled runtime accepts on its deployment API (empty: refuse all)" },
	[CFG_LLM_URL] = { "ORX_LLM_URL", "",
	    "OpenAI-compatible chat completions URL the builder asks first (unset: templates only)" },
	[CFG_LLM_API_KEY] = { "ORX_LLM_API_KEY", "",
	    "key sent as Bearer to ORX_LLM_URL" },
	[CFG_LLM_MODEL] = { "ORX_LLM_MODEL", "gpt-4o-mini",
	    "model named in requests to ORX_LLM_URL" },
	[CFG_MCP_ALLOWED_ORIGINS] = { "ORX_MCP_ALLOWED_ORIGINS", "",
	    "comma-separated extra origins (scheme://host[:port]) and hosts MCP endpoints accept" },
	[CFG_MCP_SESSION_CACHE_MS] = { "ORX_MCP_SESSION_CACHE_MS", "1000",
	    "how long a worker trusts an MCP session it read from the database (0: read every time)" },
	[CFG_BUSY_WORKERS] = { "ORX_BUSY_WORKERS", "",
	    "workers of a program at work on the CPU at once (0-64; empty: the CPU count; 0: no limit); a worker waiting on the database or the network does not count" },
	[CFG_EXECUTORS] = { "ORX_EXECUTORS", "",
	    "processes per program that run queued executions: asynchronous runs, and runs that go on after an approval or a resume (0-16; empty: two per CPU)" },
	[CFG_EVENTS_KEEP_HOURS] = { "ORX_EVENTS_KEEP_HOURS", "24",
	    "how long execution events are kept for subscribers and polling (1-8760 hours)" },
	[CFG_EVENTS_SOCKET] = { "ORX_EVENTS_SOCKET", ".run/events.sock",
	    "unix socket (or host:port) of Orchestrix's event hub, which serves execution events as Server-Sent Events" },
	[CFG_EXEC_LEASE_MS] = { "ORX_EXEC_LEASE_MS", "30000",
	    "how long an executor holds an execution it runs; one whose executor died is taken again after this (1000-3600000)" },
	[CFG_ORCH_KUBECONFIG] = { "ARCHESTRA_ORCHESTRATOR_KUBECONFIG", "",
	    "kubeconfig of the cluster that runs dedicated agents (empty: the service account, when in a pod; else none)" },
	[CFG_ORCH_NAMESPACE] = { "ARCHESTRA_ORCHESTRATOR_K8S_NAMESPACE", "",
	    "namespace of dedicated agents' objects (empty: the kubeconfig context's or the service account's, else default)" },
	[CFG_ORCH_IMAGE] = { "ARCHESTRA_ORCHESTRATOR_IMAGE", "orchestrix:latest",
	    "the container image a dedicated agent's Deployment runs (deploy/container/Dockerfile)" },
	[CFG_ORCH_WAIT_MS] = { "ARCHESTRA_ORCHESTRATOR_WAIT_MS", "5000",
	    "how long deploying a dedicated agent waits for its pod to be available before answering pending" },
	[CFG_ORCH_DATABASE_URL] = { "ARCHESTRA_ORCHESTRATOR_DATABASE_URL", "",
	    "the database URL a dedicated agent's pod connects to (empty: DATABASE_URL)" },
	[CFG_RUNTIME_AGENT] = { "ORX_RUNTIME_AGENT", "",
	    "the one agent this runtime serves (a dedicated agent's pod; empty: every shared agent)" },
	[CFG_AGENT_SECRETS] = { "ORX_AGENT_SECRETS", "",
	    "that agent's secrets as a JSON object (from its Kubernetes Secret)" },
	[CFG_SMTP_HOST] = { "ORX_SMTP_HOST", "",
	    "SMTP server of send_email steps that name none (unset: they fail)" },
	[CFG_SMTP_PORT] = { "ORX_SMTP_PORT", "",
	    "its port (default: 587 for starttls, 465 for tls, 25 for none)" },
	[CFG_SMTP_SECURITY] = { "ORX_SMTP_SECURITY", "starttls",
	    "starttls (TLS required), tls (smtps) or none" },
	[CFG_SMTP_USER] = { "ORX_SMTP_USER", "",
	    "login at ORX_SMTP_HOST (never sent to a host a step names)" },
	[CFG_SMTP_PASSWORD] = { "ORX_SMTP_PASSWORD", "",
	    "its password (sent over TLS only)" },
	[CFG_SMTP_FROM] = { "ORX_SMTP_FROM", "",
	    "sender of send_email steps that give no from" },
	[CFG_SMTP_CA_FILE] = { "ORX_SMTP_CA_FILE", "",
	    "CA certificates send_email trusts (default: the system's)" },
	[CFG_LOG_KEEP_ROWS] = { "ORX_LOG_KEEP_ROWS", "50000",
	    "invocation rows the runtime's log writer keeps while the database is away (100-1000000); beyond, rows wait in the workers' rings, then are dropped and counted" },
	[CFG_RATE_HOSTS] = { "ORX_RATE_HOSTS", "1",
	    "runtime hosts serving the same agents (1-1024): each lets an agent take 1/N of the rate its deployment set, so all together never exceed it" },
	[CFG_METRICS_TOKEN] = { "ORX_METRICS_TOKEN", "",
	    "when set, /metrics and /runtime/metrics answer only 'Authorization: Bearer <token>' (401 otherwise)" },
};

/* Parses a decimal in [lo, hi]; returns 0 and sets *out, or -1. */
static int
parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static void
set_value(struct config *c, enum cfg_key k, const char *v)
{
	free(c->str[k]);
	c->str[k] = strdup(v);
	if (c->str[k] == NULL)
		abort();
}

/*
 * Reads KEY=VALUE lines (blank lines and #-comments skipped) from path into
 * c. Other keys are skipped: the file may be shared with other tools.
 */
static int
load_file(struct config *c, const char *path, char *err, size_t errsz)
{
	char line[4096];
	FILE *f = fopen(path, "r");
	int lineno = 0, rc = -1;

	if (f == NULL) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *eq, *end;
		int k;

		lineno++;
		end = line + strlen(line);
		while (end > line && (end[-1] == '\n' || end[-1] == '\r' ||
		    end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if (strncmp(line, "export ", 7) == 0)
			memmove(line, line + 7, strlen(line + 7) + 1);
		if ((eq = strchr(line, '=')) == NULL) {
			snprintf(err, errsz, "%s:%d: expected KEY=VALUE", path, lineno);
			goto out;
		}
		*eq = '\0';
		for (k = 0; k < CFG__MAX; k++)
			if (strcmp(cfg_defs[k].env, line) == 0)
				break;
		if (k == CFG__MAX) {
			/* Other tools' settings may share the file (.run/env). */
			continue;
		}
		char *v = eq + 1;
		size_t vl = strlen(v);
		if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0]) {
			v[vl - 1] = '\0';
			v++;
		}
		set_value(c, (enum cfg_key)k, v);
	}
	rc = 0;
out:
	fclose(f);
	return rc;
}

/*
 * Fills c from defaults, the environment, then ORX_CONFIG_FILE if set.
 * Returns 0, or -1 with a message in err (c is then still safe to free).
 */
int
config_load(struct config *c, char *err, size_t errsz)
{
	const char *file;
	long v;
	int k;

	memset(c, 0, sizeof(*c));
	for (k = 0; k < CFG__MAX; k++) {
		const char *e = getenv(cfg_defs[k].env);
		set_value(c, (enum cfg_key)k, e != NULL ? e : cfg_defs[k].fallback);
	}
	/* The standard libpq variable name is honoured too. */
	if (getenv("DATABASE_URL") == NULL && getenv("ORX_DATABASE_URL") != NULL)
		set_value(c, CFG_DATABASE_URL, getenv("ORX_DATABASE_URL"));
	if ((file = getenv("ORX_CONFIG_FILE")) != NULL && *file != '\0' &&
	    load_file(c, file, err, errsz) == -1)
		return -1;

#define NUM(key, lo, hi, field) do {					\
	if (parse_long(c->str[key], lo, hi, &v) == -1) {		\
		snprintf(err, errsz, "%s must be a number in [%ld, %ld]",	\
		    cfg_defs[key].env, (long)(lo), (long)(hi));		\
		return -1;						\
	}								\
	c->field = v;							\
} while (0)
	NUM(CFG_WORKERS, 1, 64, workers);
	NUM(CFG_MAX_BODY, 1024, 64L * 1024 * 1024, max_body);
	NUM(CFG_JSON_MAX_DEPTH, 2, 256, json_max_depth);
	NUM(CFG_HTTP_TIMEOUT_MS, 100, 600000, http_timeout_ms);
	NUM(CFG_STEP_TIMEOUT_MS, 10, 600000, step_timeout_ms);
	NUM(CFG_RUN_BUDGET_MS, 10, 3600000, run_budget_ms);
	NUM(CFG_PBKDF2_ITERATIONS, 1000, 10000000, pbkdf2_iterations);
	NUM(CFG_MCP_SESSION_CACHE_MS, 0, 3600000, mcp_session_cache_ms);
	if (c->str[CFG_EXECUTORS][0] == '\0') {
		/* Each waits on its commits most of a run: more than the CPUs. */
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		c->executors = n < 1 ? 2 : n > 8 ? 16 : (int)n * 2;
	} else
		NUM(CFG_EXECUTORS, 0, 16, executors);
	NUM(CFG_EXEC_LEASE_MS, 1000, 3600000, exec_lease_ms);
	NUM(CFG_EVENTS_KEEP_HOURS, 1, 8760, events_keep_hours);
	NUM(CFG_ORCH_WAIT_MS, 0, 600000, orch_wait_ms);
	if (c->str[CFG_SMTP_PORT][0] != '\0' && parse_long(c->str[CFG_SMTP_PORT], 1, 65535, &v) == -1) {
		snprintf(err, errsz, "ORX_SMTP_PORT must be a number in [1, 65535]");
		return -1;
	}
	for (k = 0; k < 3; k++)
		if (strcmp(c->str[CFG_SMTP_SECURITY], (const char *const[]){ "starttls", "tls",
		    "none" }[k]) == 0)
			break;
	if (k == 3) {
		snprintf(err, errsz, "ORX_SMTP_SECURITY must be starttls, tls or none");
		return -1;
	}
	NUM(CFG_LOG_KEEP_ROWS, 100, 1000000, log_keep_rows);
	NUM(CFG_RATE_HOSTS, 1, 1024, rate_hosts);
	NUM(CFG_ARCHESTRA_ALLOW_HTTP, 0, 1, archestra_allow_http);
	if (c->str[CFG_BUSY_WORKERS][0] == '\0') {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		c->busy_workers = n < 1 ? 1 : n > 64 ? 64 : (int)n;
	} else
		NUM(CFG_BUSY_WORKERS, 0, 64, busy_workers);
#undef NUM
	for (k = 0; k < LOG__MAX; k++)
		if (strcmp(c->str[CFG_LOG_LEVEL], log_level_names[k]) == 0)
			break;
	if (k == LOG__MAX) {
		snprintf(err, errsz, "ORX_LOG_LEVEL must be error, warn, info or debug");
		return -1;
	}
	c->log_level = k;
	return 0;
}

void
config_free(struct config *c)
{
	for (int k = 0; k < CFG__MAX; k++) {
		free(c->str[k]);
		c->str[k] = NULL;
	}
}

const char *
config_get(const struct config *c, enum cfg_key k)
{
	return c->str[k];
}
