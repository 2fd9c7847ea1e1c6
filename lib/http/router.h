/*
 * Explicit route tables and the dispatcher. A program declares one
 * `static const struct route routes[]` ending in a sentinel ({.pattern =
 * NULL}); the dispatcher answers 404, 405, 413, 415, 401/403, a bad query
 * string, bad JSON, a body that is not an object and a foreign ownerId
 * before any handler runs.
 */
#ifndef ORX_ROUTER_H
#define ORX_ROUTER_H

#include <stddef.h>

#include "http.h"

typedef int (*route_handler)(struct req *, struct resp *);

/* Shapes of path parameters, checked by the dispatcher (400 on mismatch). */
enum param_kind {
	PARAM_ANY,        /* 1-200 bytes of UTF-8 */
	PARAM_SERVER_ID,  /* mcp_[a-z0-9]{8,64} */
	PARAM_EXEC_ID,    /* exe_[a-z0-9]{8,64} */
	PARAM_AGENT_ID,   /* agent_[a-z0-9]{8,64} */
	PARAM_NAME,       /* [A-Za-z][A-Za-z0-9_.-]{0,63} */
	PARAM_INTERVENTION_ID, /* int_[a-z0-9]{8,64} */
	PARAM_LINK,       /* an approval link's token: int_...<digits>.<hex> */
	PARAM_TOOL_TYPE,  /* [A-Za-z][A-Za-z_]{0,31}: a tool type's name or alias */
	PARAM__MAX
};

enum route_flags {
	ROUTE_JSON = 1 << 0,  /* the body, if any, must be a JSON object */
	ROUTE_BODY_REQUIRED = 1 << 1,
	ROUTE_RAW = 1 << 2,   /* the handler reads the body itself */
	/* The router's refused hook hears what the dispatcher refuses on
	 * this route once its path parameters are known (the runtime logs
	 * refused calls to an agent). */
	ROUTE_TELL_REFUSED = 1 << 3,
};

struct route {
	enum http_method	 method;
	const char		*pattern;    /* "/mcp/servers/:id/deploy" */
	route_handler		 handler;
	unsigned		 scope;      /* required scope bits; 0 = public */
	size_t			 body_limit; /* 0 = no body accepted */
	unsigned		 flags;
	enum param_kind		 params[REQ_MAX_PARAMS];
};

/* The program's authenticator: fills r->auth or writes an error. */
typedef int (*auth_fn)(struct req *, struct resp *, unsigned scope);

struct router {
	const struct route	*routes;
	auth_fn			 authenticate;
	/*
	 * The seed contract's owner field ("ownerId"), or NULL: where a
	 * request authenticated as an owner sends it, in an object body or
	 * in the query, it must name that owner (else 403; 400 when it is
	 * not a string).
	 */
	const char		*owner_field;
	/* Optional: told of each refusal on a ROUTE_TELL_REFUSED route, with
	 * the refusal written in the response. */
	void			(*refused)(struct req *, const struct route *,
				    const struct resp *);
};

int	dispatch(const struct router *, struct req *, struct resp *);
int	param_valid(enum param_kind, const char *);

#endif
