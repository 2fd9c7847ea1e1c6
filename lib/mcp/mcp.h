/*
 * An MCP server over Streamable HTTP (specification 2025-11-25; clients of
 * 2025-06-18 and 2025-03-26 are served too), for the pre-forked FastCGI
 * workers: sessions, streams and server-to-client requests live in
 * PostgreSQL (sql/queries/mcp.sql), so any worker serves any request of a
 * session, and a worker waiting for a client's answer is woken by NOTIFY
 * from the worker that received it.
 *
 * A program describes its server with one static const struct mcp_server
 * and routes POST, GET and DELETE of its endpoint to a handler that calls
 * mcp_handle():
 *
 *	static const struct mcp_server srv = {
 *		.name = "demo", .version = "1.0.0",
 *		.tools_list = my_tools_list, .tools_call = my_tools_call,
 *	};
 *	static int h_mcp(struct req *r, struct resp *w)
 *	{ return mcp_handle(&srv, NULL, r, w); }
 *	... { HTTP_POST, "/demo/mcp", h_mcp, 0, MB, 0, {0} },
 *	    { HTTP_GET, "/demo/mcp", h_mcp, 0, 0, 0, {0} },
 *	    { HTTP_DELETE, "/demo/mcp", h_mcp, 0, 0, 0, {0} },
 *
 * Method handlers receive the request's params (borrowed; NULL when absent)
 * and fill result, an empty object the layer owns. They return 0, or a
 * JSON-RPC error code from mcp_fail(). A tool that fails returns 0 with a
 * result whose isError is true (mcp_tool_text(result, 1, ...)).
 */
#ifndef ORX_MCP_H
#define ORX_MCP_H

#include <stddef.h>

#include "http.h"

struct db;
struct json_object;
struct mcp_stream;

/* JSON-RPC and MCP error codes. */
enum {
	MCP_PARSE_ERROR = -32700,
	MCP_INVALID_REQUEST = -32600,
	MCP_METHOD_NOT_FOUND = -32601,
	MCP_INVALID_PARAMS = -32602,
	MCP_INTERNAL_ERROR = -32603,
	MCP_SERVER_ERROR = -32000,     /* transport-level refusals */
	MCP_REQUEST_TIMEOUT = -32001,  /* a server-to-client request went unanswered */
	MCP_RESOURCE_NOT_FOUND = -32002,
};

enum mcp_log_level {
	MCP_LOG_DEBUG, MCP_LOG_INFO, MCP_LOG_NOTICE, MCP_LOG_WARNING,
	MCP_LOG_ERROR, MCP_LOG_CRITICAL, MCP_LOG_ALERT, MCP_LOG_EMERGENCY,
	MCP_LOG__MAX
};
extern const char *const mcp_log_level_names[MCP_LOG__MAX];

enum mcp_version {
	MCP_V2025_03_26, MCP_V2025_06_18, MCP_V2025_11_25, MCP_V__MAX
};
extern const char *const mcp_version_names[MCP_V__MAX];

/* Per-request context handed to every handler. */
struct mcp_ctx {
	struct req		*req;
	struct resp		*resp;
	const struct auth	*auth;      /* the route's authentication (req->auth) */
	struct arena		*arena;
	const struct mcp_server	*srv;
	void			*user;      /* the program's pointer (mcp_handle) */
	const char		*endpoint;  /* the request's path */
	const char		*session_id;
	const char		*protocol_version;
	const char		*client_caps;   /* the client's capabilities, JSON text */
	struct json_object	*request_id;    /* of the request being served */
	struct json_object	*progress_token;/* params._meta.progressToken */
	enum mcp_log_level	 log_level;     /* the session's logging/setLevel */
	struct mcp_stream	*stream;        /* private: the response stream */
	char			 errmsg[256];   /* private: mcp_fail's message */
};

typedef int (*mcp_method_fn)(struct mcp_ctx *, struct json_object *params,
    struct json_object *result);

/* Capability flags beyond what the handlers imply. */
enum mcp_flags {
	MCP_TOOLS_LIST_CHANGED = 1 << 0,
	MCP_RESOURCES_SUBSCRIBE = 1 << 1,
	MCP_RESOURCES_LIST_CHANGED = 1 << 2,
	MCP_PROMPTS_LIST_CHANGED = 1 << 3,
};

struct mcp_server {
	const char	*name;
	const char	*title;         /* may be NULL */
	const char	*version;
	const char	*instructions;  /* may be NULL */
	unsigned	 flags;
	/*
	 * Handlers; NULL leaves the method out (-32601) and its capability
	 * unannounced. tools needs tools_list; resources needs resources_list;
	 * prompts needs prompts_list; completions needs completion_complete.
	 * resources/subscribe and logging/setLevel are stored by the layer;
	 * the handlers here are optional hooks run after that.
	 */
	mcp_method_fn	 tools_list, tools_call;
	mcp_method_fn	 resources_list, resources_read, resources_templates_list;
	mcp_method_fn	 resources_subscribe, resources_unsubscribe;
	mcp_method_fn	 prompts_list, prompts_get;
	mcp_method_fn	 completion_complete;
	mcp_method_fn	 logging_set_level;
	/* Tunables (0 = default). */
	int		 session_ttl_s;    /* idle sessions expire (default 3600) */
	int		 stream_hold_ms;   /* longest a GET stream is held (default 10000) */
	int		 retry_ms;         /* SSE retry: sent to clients (default 1000) */
	int		 request_timeout_ms; /* mcp_request default wait (default 60000) */
};

/* The route handler: POST, GET and DELETE of an MCP endpoint. */
int	mcp_handle(const struct mcp_server *, void *user, struct req *,
	    struct resp *);

/* Sets the error message and returns code, for `return mcp_fail(...)`. */
int	mcp_fail(struct mcp_ctx *, int code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* Result builders (result is the handler's result object). */
void	mcp_tool_text(struct json_object *result, int is_error,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void	mcp_content_add(struct json_object *result, struct json_object *item);
/* structuredContent (value taken) and, for older clients, its JSON as text. */
void	mcp_tool_structured(struct json_object *result, struct json_object *value,
	    int is_error);
struct json_object *mcp_text_item(const char *text);
void	mcp_prompt_message(struct json_object *messages,
	    struct json_object *content /* taken */);

/*
 * Messages to the client during a request. The first one turns the
 * response into an SSE stream (a priming event with an id and retry: first);
 * every event is stored, so a client that lost the stream resumes with GET
 * and Last-Event-ID on any worker. Return 0, or -1 (logged) when it could
 * not be stored.
 */
int	mcp_notify(struct mcp_ctx *, const char *method,
	    struct json_object *params /* taken */);
int	mcp_progress(struct mcp_ctx *, double progress, double total,
	    const char *message);
int	mcp_log(struct mcp_ctx *, enum mcp_log_level, const char *logger,
	    const char *text);
/* To every session of this endpoint subscribed to uri (their GET streams). */
int	mcp_resource_updated(struct mcp_ctx *, const char *uri);
/*
 * A notification without params to every session of an endpoint (their
 * GET streams), from any request of the program, MCP or not: e.g.
 * "notifications/tools/list_changed" after an agent was redeployed.
 */
int	mcp_broadcast(struct db *, struct arena *, const char *endpoint,
	    const char *method);
/*
 * A server-to-client request (sampling/createMessage, elicitation/create,
 * roots/list): sent on the request's stream, then waits up to timeout_ms
 * (0 = the server's default) for the answer, which may reach any worker.
 * Returns 0 with *result (arena-owned) set; the client's JSON-RPC error
 * code (negative) with the message in ctx; MCP_REQUEST_TIMEOUT; or
 * MCP_INTERNAL_ERROR. Refused (MCP_INVALID_REQUEST) when the client did not
 * declare the capability the method needs.
 */
int	mcp_request(struct mcp_ctx *, const char *method,
	    struct json_object *params /* taken */, int timeout_ms,
	    struct json_object **result);
/*
 * Ends the HTTP response now (SEP-1699 polling): what the handler sends
 * afterwards, its result included, is stored and reaches the client when
 * it reconnects with GET and Last-Event-ID.
 */
int	mcp_close_stream(struct mcp_ctx *);
/* 1 if the client cancelled this request (notifications/cancelled). */
int	mcp_cancelled(struct mcp_ctx *);

/* --- JSON-RPC and header checks (lib/mcp/mcp_jsonrpc.c; no I/O) ------------- */

enum mcp_msg_kind {
	MCP_MSG_REQUEST, MCP_MSG_NOTIFICATION, MCP_MSG_RESPONSE, MCP_MSG__MAX
};

struct mcp_msg {
	enum mcp_msg_kind	 kind;
	struct json_object	*id;      /* request/response id, borrowed */
	const char		*method;
	struct json_object	*params;  /* NULL if absent */
	struct json_object	*result;  /* responses */
	struct json_object	*error;   /* error responses */
};

int	 mcp_msg_parse(const char *, size_t, int max_depth,
	    struct json_object **root, struct mcp_msg *, const char **why);
char	*mcp_result_json(struct arena *, struct json_object *id,
	    struct json_object *result);
char	*mcp_error_json(struct arena *, struct json_object *id, int code,
	    const char *message);
int	 mcp_version_parse(const char *);
const char *mcp_version_negotiate(const char *requested);
int	 mcp_session_id_valid(const char *);
int	 mcp_event_id_parse(const char *, char stream[25], long long *seq);
int	 mcp_accepts(const char *accept, const char *type);
int	 mcp_origin_allowed(const char *origin, const char *host,
	    const char *allow_list);
int	 mcp_host_allowed(const char *host, const char *public_url,
	    const char *allow_list);
int	 mcp_log_level_parse(const char *);

#endif
