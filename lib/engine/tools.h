/*
 * Tool types' implementations: one file per type (lib/engine/tool_<type>.c), one
 * table (lib/engine/tools.c) that registers them with the JSON Schema of their
 * config. A tool gets its config already rendered (templates resolved) and
 * sets ctx->output, or fails with an HTTP status and a message.
 */
#ifndef ORX_TOOLS_H
#define ORX_TOOLS_H

#include <json-c/json.h>

#include "arena.h"
#include "db.h"
#include "engine.h"

struct tool_ctx {
	struct exec_env		*env;
	const struct plan	*plan;
	const struct plan_step	*step;
	size_t			 index;      /* position in execution order */
	struct json_object	*scope;      /* {input, steps, secrets, env} (borrowed) */
	struct json_object	*config;     /* rendered config (borrowed) */
	long long		 deadline_ms;/* monotonic; the step must end by then */
	int			 deadline_is_run; /* the run's budget, not the step's timeout */
	/* results */
	struct json_object	*output;     /* new reference, set on success */
	unsigned char		*skip;       /* [nsteps] flags the tool may set (condition) */
	int			 stop;       /* response: end the run after this step */
	int			 err_status; /* HTTP status of the failure */
	const char		*err_code;   /* static string */
	char			 err_msg[256];
	struct json_object	*err_details;/* new reference or NULL */
};

/* A tool's run returns 0 (done: ctx->output), -1 (failed: tool_fail), or
 * TOOL_WAIT: the step waits for a person; ctx->output says for what. */
#define TOOL_WAIT	1
typedef int (*tool_run_fn)(struct tool_ctx *);
/* Compile-time check beyond the schema; may set *compiled. */
typedef int (*tool_compile_fn)(struct json_object *config, const char *path,
    struct json_object *errors, void **compiled);
typedef void (*tool_free_fn)(void *compiled);

struct tool_impl {
	const char		*summary;
	const char		*config_schema;   /* JSON Schema text of config */
	tool_compile_fn		 compile;         /* may be NULL */
	tool_free_fn		 free_compiled;   /* may be NULL */
	tool_run_fn		 run;
};
extern const struct tool_impl tool_impls[TOOL__MAX];

int	tool_fail(struct tool_ctx *, int status, const char *code,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* A step's deadline while it computes: the js_stop of a validation. */
int	tool_past_deadline(void *ctx);
int	tool_fail_deadline(struct tool_ctx *);
int	tool_fail_invalid(struct tool_ctx *, const char *code,
	    struct json_object *errors, const char *whole);
int	tool_tx(struct tool_ctx *);
void	duplicate_field(PGresult *, char *out, size_t outsz);
int	tool_duplicate(struct tool_ctx *, PGresult *, const char *collection);
int	tool_failure(struct tool_ctx *, struct json_object *failure, int status,
	    const char *code, const char *message);
const char *tool_secret(struct tool_ctx *, const char *name);
struct curl_guard;
int	tool_refused(struct tool_ctx *, const struct curl_guard *);

/* One prototype per type, defined in lib/engine/tool_<type>.c. */
int	tool_input_run(struct tool_ctx *);
int	tool_validate_run(struct tool_ctx *);
int	tool_validate_compile(struct json_object *, const char *, struct json_object *, void **);
void	tool_validate_free(void *);
int	tool_transform_run(struct tool_ctx *);
int	tool_db_insert_run(struct tool_ctx *);
int	tool_db_find_run(struct tool_ctx *);
int	tool_db_change_compile(struct json_object *, const char *, struct json_object *, void **);
int	tool_db_update_run(struct tool_ctx *);
int	tool_db_delete_run(struct tool_ctx *);
int	tool_password_hash_run(struct tool_ctx *);
int	tool_password_verify_run(struct tool_ctx *);
int	tool_jwt_sign_run(struct tool_ctx *);
int	tool_jwt_verify_run(struct tool_ctx *);
int	tool_http_request_run(struct tool_ctx *);
int	tool_send_email_compile(struct json_object *, const char *, struct json_object *, void **);
int	tool_send_email_run(struct tool_ctx *);
int	tool_random_token_compile(struct json_object *, const char *, struct json_object *, void **);
int	tool_random_token_run(struct tool_ctx *);
int	tool_hmac_verify_run(struct tool_ctx *);
int	tool_condition_run(struct tool_ctx *);
int	tool_approval_run(struct tool_ctx *);
int	tool_approval_compile(struct json_object *, const char *, struct json_object *, void **);
int	tool_response_run(struct tool_ctx *);

#endif
