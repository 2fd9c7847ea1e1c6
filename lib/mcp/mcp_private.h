/*
 * The MCP layer's private parts, shared by lib/mcp/mcp_*.c (programs include
 * mcp.h only): the response stream of a request, dispatch, and the
 * cross-worker waits of lib/mcp/mcp_wait.c (LISTEN/NOTIFY on the worker's own
 * connection, bounded, ended by the client's departure).
 */
#ifndef ORX_MCP_PRIVATE_H
#define ORX_MCP_PRIVATE_H

#include <stddef.h>

struct db;

struct arena;
struct mcp_ctx;
struct mcp_server;
struct json_object;

#define MCP_WAIT_GONE	2

/* The response stream of one request (private to lib/mcp*.c). */
enum mcp_stream_mode {
	MCP_BUFFERED,   /* nothing sent yet: the answer may still be JSON */
	MCP_SSE,        /* SSE headers and priming event sent */
	MCP_DETACHED,   /* the client's stream is closed: events only stored */
};

struct mcp_stream {
	enum mcp_stream_mode	 mode;
	int			 accept_sse;
	int			 has_row;     /* the mcp_streams row exists */
	char			 id[25];
	char			 session_stream[25];  /* the session's GET stream */
};

int	mcp_stream_row(struct mcp_ctx *);
int	mcp_emit(struct mcp_ctx *, const char *json, int final);
int	mcp_dispatch(struct mcp_ctx *, const char *method,
	    struct json_object *params, struct json_object *result);
struct json_object *mcp_initialize_result(const struct mcp_server *,
	    const char *version);
int	mcp_sse_event(struct mcp_ctx *, const char *stream, long long n,
	    const char *data);
/* After a session ended or changed: every worker's session cache drops it. */

int	mcp_listen(struct db *, int on);
int	mcp_wait(struct db *, const char *const *keys, int nkeys, int client_fd,
	    long long deadline_ms);

#endif
