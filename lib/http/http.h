/*
 * HTTP request and response as the handlers see them, independent of
 * FastCGI (lib/proc/server.c fills them in). The one error envelope lives here:
 * {"error":{"code":"...","message":"...","details":[...]?}}.
 */
#ifndef ORX_HTTP_H
#define ORX_HTTP_H

#include <stddef.h>

#include "arena.h"
#include "buf.h"
#include "waiter.h"

struct json_object;
struct config;
struct db;
struct metrics;
struct resp;

enum http_method {
	HTTP_GET, HTTP_HEAD, HTTP_POST, HTTP_PUT, HTTP_PATCH, HTTP_DELETE,
	HTTP_OPTIONS, HTTP_METHOD__MAX
};
extern const char *const http_method_names[HTTP_METHOD__MAX];

enum http_status {
	HTTP_OK = 200, HTTP_CREATED = 201, HTTP_ACCEPTED = 202,
	HTTP_NO_CONTENT = 204,
	HTTP_BAD_REQUEST = 400, HTTP_UNAUTHORIZED = 401, HTTP_FORBIDDEN = 403,
	HTTP_NOT_FOUND = 404, HTTP_METHOD_NOT_ALLOWED = 405,
	HTTP_NOT_ACCEPTABLE = 406, HTTP_CONFLICT = 409,
	HTTP_PAYLOAD_TOO_LARGE = 413, HTTP_UNSUPPORTED_MEDIA_TYPE = 415,
	HTTP_MISDIRECTED = 421,
	HTTP_UNPROCESSABLE = 422, HTTP_TOO_MANY_REQUESTS = 429,
	HTTP_INTERNAL_ERROR = 500, HTTP_BAD_GATEWAY = 502,
	HTTP_SERVICE_UNAVAILABLE = 503, HTTP_GATEWAY_TIMEOUT = 504
};
const char	*http_reason(int status);

#define REQ_MAX_PARAMS	4
#define REQ_MAX_QUERY	32   /* query parameters a request may carry */
#define RESP_MAX_HEADERS 16

struct keyring;
struct log_ring;
struct mcp_cache;
struct mcp_shared;

/* What lives across requests in one worker. */
struct app {
	const struct config	*cfg;
	struct db		*db;
	struct metrics		*metrics; /* shared by the program's workers */
	struct log_ring		*log_ring; /* rows to the program's log writer, or NULL */
	void			*shared; /* the program's shared memory, or NULL */
	int			 slot;   /* the worker's slot in the master, 0.. */
	void			*prog;   /* the program's own per-worker state */
	struct mcp_cache	*mcp_cache; /* lib/mcp's sessions (made at first use), or NULL */
	struct mcp_shared	*mcp_shared; /* lib/mcp's memory shared by the workers, or NULL */
	/* Told before a wait outside the process (waiter_notify): the
	 * program's CPU gate takes the worker's place back (lib/proc/gate.h). */
	struct waiter		 waiter;
	/* The secrets keys the master read (lib/base/sealed.h); NULL for a
	 * program that seals nothing. A worker never reads the key file. */
	const struct keyring	*keys;
};

struct auth {
	const char	*owner_id;   /* NULL when not authenticated */
	const char	*key_id;
	unsigned	 scopes;
};

struct req {
	struct arena		*arena;
	struct app		*app;
	char			**envp;   /* valid until the request ends */
	enum http_method	 method;
	const char		*path;    /* raw path, no query */
	const char		*query;   /* raw query string, "" if none */
	const char		*param[REQ_MAX_PARAMS];  /* decoded path params */
	size_t			 nparam;
	const char		*content_type;
	long long		 content_length;  /* -1: none */
	const char		*body;
	size_t			 body_len;
	struct json_object	*json;    /* parsed body, owned by the arena */
	struct auth		 auth;
	/* The query string's parameters, decoded once; value NULL for a pair
	 * that does not decode. qsplit is the query they were split from: a
	 * copy of the request given another query (an in-process call) splits
	 * its own. */
	struct query_pair	*qpairs;
	size_t			 nqpairs;
	const char		*qsplit;
	long long		 started_us;  /* mono_us() when it was accepted */
	/* Body reader, supplied by the server glue: returns bytes read or -1. */
	long			(*read)(void *io, char *, size_t);
	void			*io;
};

struct http_header {
	const char	*name;
	const char	*value;
};

struct query_pair {
	const char	*name;
	const char	*value;
};

/*
 * Streaming output, supplied by the server glue (lib/proc/server.c). A handler
 * that streams (Server-Sent Events) calls resp_stream_begin() once: the
 * status line and headers go out at once (with X-Accel-Buffering: no, so
 * nginx passes each chunk on), then every resp_stream_write() is sent and
 * flushed. resp_stream_end() finishes the HTTP response before the handler
 * returns (the handler may go on working without a client). Without glue
 * (unit tests) the calls fail and nothing is sent.
 */
struct stream_io {
	int	(*begin)(void *ctx, const struct resp *);
	int	(*write)(void *ctx, const char *, size_t);
	void	(*end)(void *ctx);
	int	(*fd)(void *ctx);
};

enum resp_stream_state { STREAM_NONE, STREAM_OPEN, STREAM_ENDED };

struct resp {
	int			 status;
	const char		*content_type;
	struct buf		 body;
	struct http_header	 headers[RESP_MAX_HEADERS];
	size_t			 nheaders;
	const struct stream_io	*sio;      /* NULL: buffered only */
	void			*sio_ctx;
	enum resp_stream_state	 stream;
	int			 stream_failed; /* a write failed: the client is gone */
};

const char	*req_env(const struct req *, const char *name);
const char	*req_header(const struct req *, const char *name);
struct json_object *req_request_json(const struct req *);
const char	*req_query(struct req *, const char *name);
int		 req_query_check(struct req *, struct resp *);
int		 url_decode(struct arena *, const char *, size_t, int form,
		    char **out);

void		 resp_init(struct resp *, struct arena *);
void		 resp_header(struct resp *, const char *name, const char *value);
int		 resp_json(struct resp *, int status, struct json_object *);
int		 resp_raw_json(struct resp *, int status, const char *, size_t);
int		 resp_error(struct resp *, int status, const char *code,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int		 resp_unavailable(struct resp *);
long long	 req_query_number(struct req *, const char *name, long long lo,
		    long long hi, long long fallback);
int		 resp_stream_begin(struct resp *, int status,
		    const char *content_type);
int		 resp_stream_write(struct resp *, const char *, size_t);
void		 resp_stream_end(struct resp *);
int		 resp_stream_fd(const struct resp *);
int		 resp_error_details(struct resp *, int status, const char *code,
		    const char *message, struct json_object *details);

#endif
