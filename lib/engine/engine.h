/*
 * The tool-graph engine. A stored workflow is compiled once into a plan
 * (kept per worker, keyed by workflow id and version); a run executes the
 * plan's steps in executionOrder against an input and yields the response,
 * a per-step trace and logs in the seed's shape. The engine writes no HTTP
 * and persists nothing: callers store the result (executions locally,
 * invocations in production).
 */
#ifndef ORX_ENGINE_H
#define ORX_ENGINE_H

#include <stddef.h>
#include <json-c/json.h>

#include "mask.h"
#include "tooltype.h"

struct arena;
struct config;
struct db;
struct js_schema;
struct id_pool;
struct exec_result;

struct plan_step {
	const char		*tool_id;
	const char		*name;
	enum tool_type		 type;
	struct json_object	*config;    /* borrowed from plan->doc */
	void			*compiled;  /* the type's own compiled form */
	int			 has_refs;  /* config holds templates */
};

struct plan {
	char			 id[80];     /* serverId or agentId */
	int			 version;
	struct json_object	*doc;        /* canonical document, owned */
	struct js_schema	*input_schema;
	size_t			 nsteps;
	struct plan_step	*steps;      /* in execution order */
	size_t			 bytes;      /* rough size, for the cache */
	/* The run writes only by db_insert, and no step after the first one
	 * reads the documents or has effects outside the run (db_find,
	 * http_request, send_email, approval), so inserts may be buffered and
	 * committed after the last step (exec_env.defer_writes). */
	int			 deferrable;
	/* Templates read {{env.*}} (uses_env), or a step needs env.now
	 * (needs_now); otherwise a run builds no env object and needs no
	 * execution id. */
	int			 uses_env;
	int			 needs_now;
	/* It reads a workflow secret (a template or a tool's secret field). */
	int			 needs_secrets;
	/* Templates read {{request.*}}, or a step reads the raw request
	 * (hmac_verify): the caller passes exec_env.request. */
	int			 uses_request;
	/* Owned extras of the production runtime (NULL / "" / 0 otherwise):
	 * the agent's secrets and access key, whose documents it keeps, and
	 * its deployment's rateLimit. */
	struct json_object	*secrets;
	char			 access_hash[65];
	char			 owner[80];
	char			 environment[40];
	double			 rate_per_second;  /* 0: no rate of its own */
	unsigned		 rate_burst;
};

int	plan_compile(struct json_object *doc, const char *id, int version,
	    struct plan **out, struct json_object *errors);
void	plan_free(struct plan *);

enum exec_status {
	EXEC_SUCCEEDED, EXEC_FAILED, EXEC_WAITING, EXEC_PAUSED, EXEC_CANCELLED,
	EXEC_RUNNING, EXEC_STATUS__MAX
};
extern const char *const exec_status_names[EXEC_STATUS__MAX];
int	exec_status_lookup(const char *);

enum step_status { STEP_SUCCEEDED, STEP_FAILED, STEP_SKIPPED, STEP_WAITING,
	STEP_STATUS__MAX };
extern const char *const step_status_names[STEP_STATUS__MAX];

/*
 * Where a run that stopped (it waited for a person, was paused) goes on:
 * the step to run next and what the earlier ones left (exec_result.state:
 * {"steps": {toolId: output}, "skip": [index...], "env": {...}}), with
 * the trace so far. answer is the person's answer when the step to run next
 * is the approval that waited: it becomes that step's output. All borrowed.
 */
struct exec_resume {
	size_t			 next_step;
	struct json_object	*state;
	struct json_object	*steps;     /* trace records so far, or NULL */
	struct json_object	*logs;
	struct json_object	*answer;
};

/*
 * Environments a run's documents live in: local runs, deployed agents
 * (more, staging and by name, come with environments).
 */
#define ENV_DEVELOPMENT	"development"
#define ENV_PRODUCTION	"production"

/* What a run may touch. */
struct exec_env {
	struct db		*db;        /* NULL: db tools fail with 503 */
	const struct config	*cfg;
	/* The collections a run reads and writes are its owner's in one
	 * environment: every workflow of the owner shares them there. */
	const char		*owner;
	const char		*environment;
	struct json_object	*secrets;   /* {name: value}, borrowed */
	/* The HTTP request the run answers, for {{request.*}} and
	 * hmac_verify: {headers: {lower-case name: value}, body: raw text}.
	 * Borrowed; NULL gives {headers: {}, body: ""}. */
	struct json_object	*request;
	const char		*execution_id;
	int			 in_tx;     /* set by the engine when it opened one */
	int			 defer_writes; /* buffer db_insert into pending */
	int			 no_trace;  /* skip steps[] and logs[] (production) */
	struct id_pool		*ids;       /* document ids from here (NULL: id_new) */
	struct json_object	*pending;   /* [{id,collection,document,unique}] */
	const struct exec_resume *resume;   /* NULL: from the first step */
	/*
	 * Optional hooks of durable executions (lib/exec/). boundary is asked
	 * before each step (i the step about to run): EXEC_RUNNING goes on,
	 * EXEC_PAUSED or EXEC_CANCELLED stops the run there. checkpoint is
	 * called after a step whose effects outside the run are done (a write
	 * in the run's transaction, an outbound call): it makes the progress
	 * durable (and commits the transaction); -1 fails the run as
	 * unavailable.
	 */
	enum exec_status	(*boundary)(void *hook_ctx, size_t i);
	int			(*checkpoint)(void *hook_ctx, struct exec_result *sofar,
				    size_t next_step);
	void			*hook_ctx;
	/*
	 * Optional: told as each step it runs starts (record NULL) and ends
	 * (record: its trace record, borrowed), for live events and MCP
	 * progress. Its own context: it listens beside the hooks above.
	 */
	void			(*on_step)(void *step_ctx, size_t i,
				    const struct plan_step *, struct json_object *record);
	void			*step_ctx;
};

struct exec_result {
	enum exec_status	 status;
	int			 http_status;
	struct json_object	*output;    /* the response tool's body (owned) */
	struct json_object	*headers;   /* response headers {name: value} (owned) */
	struct json_object	*steps;     /* [{toolId,name,type,status,durationUs,output,error}] */
	struct json_object	*logs;      /* [{timestamp,type,message,details}] */
	struct json_object	*error;     /* {code,message,details?} or NULL */
	long long		 duration_us;
	long long		 started_at_us;  /* wall clock */
	/* Where the run stands, to go on from (exec_resume): always set. */
	size_t			 next_step;
	struct json_object	*state;     /* {steps, skip, env} (owned) */
	/* EXEC_WAITING: what the approval at next_step waits for (its
	 * rendered config: prompt, form or options, approvers...), owned. */
	struct json_object	*intervention;
};

/* The result's output, headers and error come with the secrets' values
 * masked, its steps and logs with passwords and hashes too (mask.h). */
int	engine_run(const struct plan *, struct exec_env *, struct json_object *input,
	    struct exec_result *);
void	exec_result_free(struct exec_result *);

/* A small per-worker cache of plans, least recently used out first. */
struct plan_cache;
struct plan_cache *plan_cache_new(size_t max_entries);
void	plan_cache_free(struct plan_cache *);
struct plan *plan_cache_get(struct plan_cache *, const char *id, int version);
struct plan *plan_cache_find(struct plan_cache *, const char *id);
void	plan_cache_evict(struct plan_cache *, const char *id);
void	plan_cache_clear(struct plan_cache *);
void	plan_cache_put(struct plan_cache *, struct plan *);

#endif
