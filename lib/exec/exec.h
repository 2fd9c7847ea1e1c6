/*
 * Durable executions (SPEC §7): a run that stops before its end -- at an
 * approval step that waits for a person, at a pause -- is kept in
 * PostgreSQL with where it stands, and goes on from its next step on any
 * process of any host: answering an intervention, resuming, or queueing an
 * asynchronous run puts it in the execution queue, which the program's
 * executors (exec_serve, processes of their own) take with FOR UPDATE SKIP
 * LOCKED under a lease. A run taken from the queue makes its progress
 * durable after each step with effects outside it (in the same transaction
 * as the step's writes, while it still holds its lease), so a process
 * killed in the middle of a step loses nothing and repeats no committed
 * write: after the lease runs out another executor goes on from the last
 * durable step. One sweeper per database (an advisory lock) ends the
 * interventions whose time ran out.
 *
 * Both programs use it with the same statements (sql/queries/executions.sql),
 * each on its own tables (search_path). What differs -- how a plan and its
 * secrets are found -- is the program's exec_host.
 */
#ifndef ORX_EXEC_H
#define ORX_EXEC_H

#include <signal.h>
#include <stddef.h>

#include <json-c/json.h>

#include "engine.h"

struct arena;
struct buf;
struct config;
struct db;
struct js_schema;

/* A leased execution, as exec_lease gives it (strings on the arena). */
struct exec_job {
	const char		*id;
	const char		*plan_id;     /* serverId, or the agent's id */
	const char		*owner_id;
	int			 version;
	const char		*status;
	struct json_object	*input;
	struct json_object	*state;       /* NULL: from the first step */
	struct json_object	*steps;
	struct json_object	*logs;
	struct json_object	*answer;      /* the resolved intervention's response */
	size_t			 next_step;
	int			 pause_requested;
	int			 cancel_requested;
	int			 attempts;
	const char		*started_by;
	long long		 duration_us;  /* spent in earlier segments */
};

/*
 * What a program tells its executors: how to get the plan of (plan_id,
 * version) and set up a run of it (env: cfg, db, scope of the documents,
 * secrets, ids). Returns 0, or -1 with why (the execution then fails).
 * The plan stays the host's (its cache); secrets set in env are freed by
 * the executor after the run (a new reference).
 */
struct exec_host {
	int	(*prepare)(void *ctx, struct db *, struct arena *, const struct exec_job *,
		    const struct plan **p, struct exec_env *env, char *why, size_t whysz);
	void	 *ctx;
};

/* --- live events (events.c) --- */
enum exec_event {
	EXEC_EVENT_STEP_STARTED, EXEC_EVENT_STEP_COMPLETED,
	EXEC_EVENT_INTERVENTION_REQUIRED, EXEC_EVENT_INTERVENTION_ANSWERED,
	EXEC_EVENT_PAUSED, EXEC_EVENT_RESUMED, EXEC_EVENT_CANCELLED,
	EXEC_EVENT_SUCCEEDED, EXEC_EVENT_FAILED, EXEC_EVENT__MAX
};
extern const char *const exec_event_names[EXEC_EVENT__MAX];

/* A step that took this long is worth telling at once (an executor writes
 * what it collected at the next boundary). */
#define EXEC_EVENTS_SLOW_MS	2

/* Events a run collects until they are written. */
struct exec_events {
	struct json_object	*list;       /* [{type, at, data}] (owned) */
	struct json_object	*secrets;    /* hidden in what is told (borrowed) */
	long long		 step_started_ms;
	int			 slow;       /* a step since the last write took a while */
};
void	exec_events_init(struct exec_events *, struct json_object *secrets);
void	exec_events_free(struct exec_events *);
void	exec_event_add(struct exec_events *, enum exec_event, struct json_object *data);
void	exec_events_on_step(void *ctx, size_t i, const struct plan_step *,
	    struct json_object *record);
void	exec_events_outcome(struct exec_events *, const struct exec_result *,
	    const char *intervention_id, const char *expires_at);
const char *exec_events_json(struct arena *, const struct exec_events *);
int	exec_events_flush(struct db *, struct arena *, const char *execution_id,
	    const char *server_id, struct exec_events *);
int	exec_event_write(struct db *, struct arena *, const char *execution_id,
	    const char *server_id, enum exec_event, struct json_object *data);
int	exec_notify(struct db *, struct arena *, const char *channel,
	    const char *const *payloads, size_t n);

/* --- links: who may answer without a key (link.c) --- */
#define EXEC_LINK_TOKEN_MAX	128
int	exec_link_key(struct db *, struct arena *, unsigned char key[32]);
void	exec_link_token(const unsigned char key[32], const char *intervention_id,
	    long long expires, char *out, size_t outsz);
int	exec_link_parse(const unsigned char key[32], const char *token,
	    char *intervention_id, size_t idsz);
struct run_kit;
const char *exec_link_url(struct run_kit *, struct db *, struct arena *,
	    const char *base, const char *intervention_id, long long expires);

/* --- the store (store.c) --- */
struct json_object *exec_state_with_input(struct json_object *state,
	    struct json_object *input);
int	exec_save_waiting(struct db *, struct arena *, const char *execution_id,
	    const char *plan_id, const char *owner_id, int version,
	    struct json_object *input, struct json_object *trace_input,
	    struct json_object *steps, struct json_object *logs,
	    const struct exec_result *res, const char *started_by,
	    const char *token_hash, const char *intervention_id,
	    struct json_object **intervention_out);
void	exec_intervention_json(struct buf *, const char *id, const char *prompt,
	    struct json_object *spec, const char *expires_at, const char *link);

enum exec_action { EXEC_PAUSE, EXEC_RESUME, EXEC_CANCEL, EXEC_ACTION__MAX };
extern const char *const exec_action_names[EXEC_ACTION__MAX];
enum exec_control_status {
	EXC_OK, EXC_NOT_FOUND, EXC_CONFLICT, EXC_UNAVAILABLE, EXC_FAILED
};
enum exec_control_status exec_control(struct db *, struct arena *, const char *id,
	    const char *owner, enum exec_action, const char **status, int *requested);

/* What an answer to an intervention is, and who gives it. */
enum exec_answer_status {
	EXA_OK,            /* recorded; the execution goes on (or waits for more) */
	EXA_NOT_FOUND,
	EXA_CONFLICT,      /* answered already, or not waiting for it */
	EXA_FORBIDDEN,     /* this caller may not answer it */
	EXA_INVALID,       /* the response does not fit the form; details */
	EXA_UNAVAILABLE,
	EXA__MAX
};
struct exec_answerer {
	const char	*owner_id;   /* NULL for a link or the platform */
	const char	*key_id;     /* NULL for a link */
	unsigned	 scopes;
	int		 via_link;   /* the signed link's bearer */
	int		 platform;   /* the runtime's platform key: may answer any */
};
struct exec_answer_result {
	enum exec_answer_status	 status;
	char			 message[300];
	struct json_object	*details;     /* EXA_INVALID: field errors (owned) */
	const char		*intervention_status;  /* pending, approved, denied... */
	const char		*execution_status;     /* after the answer */
};
void	exec_answer(struct db *, struct arena *, const char *execution_id,
	    const char *intervention_id, const struct exec_answerer *,
	    struct json_object *response, const char *notes,
	    struct exec_answer_result *);
void	exec_answer_result_free(struct exec_answer_result *);

int	exec_end(struct db *, struct arena *, const char *id, const char *status,
	    const char *code, const char *message, int http);

/* --- the executors (executor.c) --- */
void	exec_serve(const struct config *, struct db *, const struct exec_host *,
	    const char *name, volatile sig_atomic_t *stop);
int	exec_sweep(struct db *, struct arena *, int events_keep_hours);

#endif
