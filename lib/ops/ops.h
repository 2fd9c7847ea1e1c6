/*
 * The operations of the development side (SPEC §5, §7): what a person or a
 * program can do with workflows, secrets, the local runtime, runs,
 * executions and deployments, each a function that takes data and returns
 * a status and a result. An operation never sees an HTTP request or
 * response: the REST handlers, the supervisor (the chat) and /mcp
 * (cgi-bin/orchestrix/) are adapters that make a call of a request, and an
 * answer of the result, through one table (op_status_info): its HTTP
 * status, its JSON-RPC error, the chat's words.
 *
 * A result's body is JSON text on the caller's arena: what REST answers
 * (and MCP carries as a tool's text and structuredContent) on success. A
 * failure carries a code, a sentence and optional field details, which the
 * adapters render as the one error envelope (op_render); a few seed routes
 * answer failures in their own shape (the deploy route), and then the body
 * is that answer (raw).
 */
#ifndef ORX_OPS_H
#define ORX_OPS_H

#include <stddef.h>

#include <json-c/json.h>

#include <signal.h>

#include "buf.h"
#include "exec.h"
#include "scopes.h"

struct arena;
struct config;
struct db;
struct keyring;
struct run_kit;
struct waiter;

enum op_status {
	OP_OK,
	OP_CREATED,
	OP_ACCEPTED,      /* started, not finished: an execution that waits */
	OP_NO_CONTENT,
	OP_INVALID,       /* the input is wrong; details say where */
	OP_BAD_REQUEST,
	OP_FORBIDDEN,     /* the key may not */
	OP_NOT_FOUND,
	OP_CONFLICT,      /* the state does not allow it now */
	OP_UNPROCESSABLE, /* understood as data, not as a request (the builder) */
	OP_UNAVAILABLE,   /* the database is away: try again */
	OP_INTERNAL,
	OP__MAX
};
extern const char *const op_status_names[OP__MAX];

struct op_status_info {
	int		 http;   /* REST status */
	const char	*code;   /* error code when the operation names none */
	int		 rpc;    /* JSON-RPC error of a failed read (resources, prompts) */
	const char	*chat;   /* the supervisor's opening words for it */
};
extern const struct op_status_info op_status_info[OP__MAX];

/* What every operation runs with: the worker's, not the caller's. */
struct op_env {
	struct arena		*arena;   /* everything a result holds lives here */
	struct db		*db;
	const struct config	*cfg;
	struct run_kit		*kit;     /* catalog, plans, ids */
	const struct waiter	*waiter;  /* told before a wait outside the process */
	/* The secrets keys, as the master handed them (lib/base/sealed.h). */
	const struct keyring	*keys;
};

/* Who asks: the key's owner and scopes (as authenticated by an adapter). */
struct op_caller {
	const char	*owner_id;
	const char	*key_id;
	unsigned	 scopes;
};

/* A row of a list, for adapters that show a list in their own shape. */
struct op_item {
	const char	*id;
	const char	*name;
	const char	*description;   /* NULL when none */
};

struct op_result {
	enum op_status		 status;
	const char		*code;     /* failures: error code (static), or NULL */
	const char		*message;  /* failures: a sentence (arena) */
	struct json_object	*details;  /* failures: [{path, message}], arena-owned */
	struct buf		 body;     /* JSON text of the result (arena) */
	int			 raw;      /* body is the answer also on failure */
	int			 http;     /* the answer's status when not the table's */
	const char		*location; /* path of what was created, or NULL */
	/* Facts adapters use without reading body. */
	const char		*server_id;
	const char		*execution_id;
	const char		*state;    /* an execution's status, a runtime's */
	const char		*agent_id; /* a deployment's agent */
	const char		*endpoint; /* and its public endpoint */
	int			 version;
	struct op_item		*items;    /* a list's rows (arena), when it gives them */
	size_t			 nitems;
	/* An app the builder made (several workflows from one sentence): its
	 * name, and its stored documents as the text of a JSON array (items
	 * has their ids and names); NULL otherwise. */
	const char		*app;
	const char		*app_workflows;
	const char		*next_cursor; /* a list's next page, or NULL */
};

void		 op_result_init(struct op_result *, struct arena *);
int		 op_failed(const struct op_result *);
int		 op_http(const struct op_result *);
enum op_status	 op_fail(struct op_result *, enum op_status, const char *code,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
enum op_status	 op_fail_details(struct op_result *, enum op_status, const char *code,
		    const char *message, struct json_object *details);
enum op_status	 op_unavailable(struct op_result *);
enum op_status	 op_allowed(const struct op_caller *, unsigned scope, struct op_result *);
void		 op_render(const struct op_result *, struct buf *out);

/* --- workflows (workflows.c) --- */
enum op_status	 op_workflow_create(const struct op_env *, const struct op_caller *,
		    struct json_object *doc, struct op_result *);
enum op_status	 op_workflow_build(const struct op_env *, const struct op_caller *,
		    const char *prompt, struct op_result *);
enum op_status	 op_workflow_build_changes(const struct op_env *, const struct op_caller *,
		    const char *prompt, struct op_result *, struct json_object **changes);
enum op_status	 op_workflow_get(const struct op_env *, const struct op_caller *,
		    const char *server_id, struct op_result *);
enum op_status	 op_workflow_list(const struct op_env *, const struct op_caller *,
		    long long limit, long long cursor, struct op_result *);
enum op_status	 op_workflow_list_newest(const struct op_env *, const struct op_caller *,
		    long long limit, long long cursor, struct op_result *);
enum op_status	 op_workflow_replace(const struct op_env *, const struct op_caller *,
		    const char *server_id, struct json_object *doc, long long version,
		    struct op_result *);
enum op_status	 op_workflow_delete(const struct op_env *, const struct op_caller *,
		    const char *server_id, struct op_result *);
enum op_status	 op_workflow_doc(const struct op_env *, const struct op_caller *,
		    const char *server_id, struct json_object **doc, struct op_result *);
enum op_status	 op_workflow_owned(const struct op_env *, const struct op_caller *,
		    const char *server_id, struct op_result *);
enum op_status	 op_workflow_schema(const struct op_env *, const struct op_caller *,
		    const char *server_id, struct op_result *);
enum op_status	 op_text_check(struct json_object *, const char *path, struct op_result *);

/* --- the local runtime, runs and executions (runs.c) --- */
enum op_status	 op_runtime_set(const struct op_env *, const struct op_caller *,
		    const char *server_id, int running, struct op_result *);
enum op_status	 op_runtime_get(const struct op_env *, const struct op_caller *,
		    const char *server_id, struct op_result *);
enum op_status	 op_run(const struct op_env *, const struct op_caller *,
		    const char *server_id, struct json_object *input, struct op_result *);
enum op_status	 op_run_request(const struct op_env *, const struct op_caller *,
		    const char *server_id, struct json_object *input,
		    struct json_object *request, struct op_result *);
enum op_status	 op_run_request_of(const struct op_env *, struct json_object *body,
		    struct json_object **input, struct json_object **request,
		    struct op_result *);
enum op_status	 op_execution_list(const struct op_env *, const struct op_caller *,
		    const char *server_id, long long limit, long long cursor,
		    struct op_result *);
enum op_status	 op_execution_get(const struct op_env *, const struct op_caller *,
		    const char *execution_id, struct op_result *);
enum op_status	 op_tool_catalog(const struct op_env *, struct op_result *);
enum op_status	 op_tool_type(const struct op_env *, const char *name, struct op_result *);
struct plan	*op_plan_for(const struct op_env *, const char *server_id, int version,
		    struct op_result *);

/* --- executions that wait, the queue (executions.c) --- */
enum op_status	 op_execute_async(const struct op_env *, const struct op_caller *,
		    const char *server_id, struct json_object *input, struct op_result *);
enum op_status	 op_execution_control(const struct op_env *, const struct op_caller *,
		    const char *execution_id, enum exec_action, struct op_result *);
enum op_status	 op_interventions_list(const struct op_env *, const struct op_caller *,
		    const char *execution_id, struct op_result *);
enum op_status	 op_interventions_open(const struct op_env *, const struct op_caller *,
		    struct op_result *);
enum op_status	 op_intervention_answer(const struct op_env *, const struct op_caller *,
		    const char *execution_id, const char *intervention_id,
		    struct json_object *response, const char *notes, struct op_result *);
enum op_status	 op_link_get(const struct op_env *, const char *token, struct op_result *);
enum op_status	 op_link_answer(const struct op_env *, const char *token,
		    struct json_object *response, const char *notes, struct op_result *);
const char	*op_link_of(const struct op_env *, const char *intervention_id,
		    long long expires);
void		 ops_executor(const struct config *, const struct keyring *, void *shared,
		    volatile sig_atomic_t *stop);

/* --- deployments (deploy.c) --- */
enum op_status	 op_deploy(const struct op_env *, const struct op_caller *,
		    const char *server_id, struct op_result *);
/* options (borrowed, may be NULL): a deploy body's "rateLimit" (lib/archestra/arc_rate.h). */
enum op_status	 op_deploy_isolated(const struct op_env *, const struct op_caller *,
		    const char *server_id, const char *isolation,
		    struct json_object *options, struct op_result *);
enum op_status	 op_redeploy(const struct op_env *, const struct op_caller *,
		    const char *server_id, struct json_object *options, struct op_result *);
enum op_status	 op_rollback(const struct op_env *, const struct op_caller *,
		    const char *server_id, long long version, struct json_object *options,
		    struct op_result *);
enum op_status	 op_undeploy(const struct op_env *, const struct op_caller *,
		    const char *server_id, struct op_result *);
enum op_status	 op_deployments(const struct op_env *, const struct op_caller *,
		    const char *server_id, long long limit, long long cursor,
		    struct op_result *);

/* --- secrets (secrets.c) --- */
struct json_object *op_secrets_open(const struct op_env *, const char *server_id,
		    const char *sealed_json, const char **why);

#define OP_LIST_DEFAULT	20
#define OP_LIST_MAX	100

#endif
