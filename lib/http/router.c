#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "config.h"
#include "json.h"
#include "log.h"
#include "router.h"

static const char *const param_shapes[PARAM__MAX] = {
	"a non-empty value of at most 200 bytes",
	"mcp_ followed by 8-64 lowercase letters or digits",
	"exe_ followed by 8-64 lowercase letters or digits",
	"agent_ followed by 8-64 lowercase letters or digits",
	"a letter, then up to 63 letters, digits, '_', '.' or '-'",
	"int_ followed by 8-64 lowercase letters or digits",
	"an approval link's token",
	"a tool type's name: letters and '_'",
};

static int
prefixed_id(const char *s, const char *prefix)
{
	size_t pl = strlen(prefix), n = strlen(s), i;

	if (n < pl + 8 || n > pl + 64 || strncmp(s, prefix, pl) != 0)
		return 0;
	for (i = pl; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return 1;
}

/* Returns 1 if s has the shape kind asks for. */
int
param_valid(enum param_kind kind, const char *s)
{
	size_t n = strlen(s), i;

	switch (kind) {
	case PARAM_ANY:
		return n > 0 && n <= 200;
	case PARAM_SERVER_ID:
		return prefixed_id(s, "mcp_");
	case PARAM_EXEC_ID:
		return prefixed_id(s, "exe_");
	case PARAM_AGENT_ID:
		return prefixed_id(s, "agent_");
	case PARAM_INTERVENTION_ID:
		return prefixed_id(s, "int_");
	case PARAM_LINK:
		if (n < 20 || n > 127 || strncmp(s, "int_", 4) != 0)
			return 0;
		return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_.") == n;
	case PARAM_TOOL_TYPE:
		if (n == 0 || n > 32 || !((s[0] >= 'a' && s[0] <= 'z') ||
		    (s[0] >= 'A' && s[0] <= 'Z')))
			return 0;
		return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_") == n;
	case PARAM_NAME:
		if (n == 0 || n > 64 || !((s[0] >= 'a' && s[0] <= 'z') ||
		    (s[0] >= 'A' && s[0] <= 'Z')))
			return 0;
		for (i = 1; i < n; i++)
			if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789_.-", s[i]) == NULL)
				return 0;
		return 1;
	default:
		return 0;
	}
}

/*
 * Matches path against pattern segment by segment; ":x" takes one segment.
 * On a match stores the raw (still encoded) segments in raw[] and returns
 * their count; returns -1 when the path does not match.
 */
static int
match(const char *pattern, const char *path, const char *raw[],
    size_t rawlen[])
{
	const char *p = pattern, *s = path;
	int n = 0;

	while (*p != '\0' && *s != '\0') {
		if (*p == ':') {
			const char *seg = s;
			while (*s != '\0' && *s != '/')
				s++;
			if (s == seg || n == REQ_MAX_PARAMS)
				return -1;
			raw[n] = seg;
			rawlen[n] = (size_t)(s - seg);
			n++;
			while (*p != '\0' && *p != '/')
				p++;
			continue;
		}
		if (*p != *s)
			return -1;
		p++;
		s++;
	}
	/* A trailing slash is tolerated: "/mcp/servers/" is "/mcp/servers". */
	if (*p == '\0' && (*s == '\0' || (s[0] == '/' && s[1] == '\0')))
		return n;
	return -1;
}

/* Accepts JSON, and curl's default form type when the body is JSON. */
static int
json_media_type(const char *ct)
{
	size_t n;

	if (ct == NULL || *ct == '\0')
		return 1;
	n = strcspn(ct, "; ");
	if ((n == 16 && strncasecmp(ct, "application/json", n) == 0) ||
	    (n == 33 && strncasecmp(ct, "application/x-www-form-urlencoded", n) == 0))
		return 1;
	/* application/<anything>+json */
	return n > 17 && strncasecmp(ct, "application/", 12) == 0 &&
	    strncasecmp(ct + n - 5, "+json", 5) == 0;
}

/* Reads the whole body (content_length bytes) into the arena. */
static int
read_body(struct req *r)
{
	size_t want = (size_t)r->content_length, got = 0;
	char *b = arena_alloc(r->arena, want + 1);

	while (got < want) {
		long n = r->read(r->io, b + got, want - got);
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	b[got] = '\0';
	r->body = b;
	r->body_len = got;
	return 0;
}

/*
 * Where r is authenticated as an owner: 0 when field (the seed's
 * "ownerId") is absent from its object body and its query or names that
 * owner, else 400 (not a string) or 403 with the envelope written. The
 * dispatcher calls it for every route of a router with an owner_field.
 */
static int
owner_field_check(struct req *r, struct resp *w, const char *f)
{
	const char *q;
	struct json_object *v;

	if (f == NULL || r->auth.owner_id == NULL)
		return 0;
	if (r->json != NULL && json_object_object_get_ex(r->json, f, &v)) {
		if (!json_object_is_type(v, json_type_string))
			return resp_error(w, HTTP_BAD_REQUEST, "bad_request",
			    "%s must be a string", f);
		if (strcmp(json_object_get_string(v), r->auth.owner_id) != 0)
			return resp_error(w, HTTP_FORBIDDEN, "forbidden",
			    "%s does not match the API key's owner", f);
	}
	if ((q = req_query(r, f)) != NULL && strcmp(q, r->auth.owner_id) != 0)
		return resp_error(w, HTTP_FORBIDDEN, "forbidden",
		    "%s does not match the API key's owner", f);
	return 0;
}

/*
 * What the dispatcher refuses once the route is known: the checks of
 * dispatch() from the query string on. Returns 0 to run the handler, or
 * the refusal's status.
 */
static int
intake(const struct router *rt, const struct route *found, struct req *r,
    struct resp *w)
{
	int st;

	if ((st = req_query_check(r, w)) != 0)
		return st;
	if (r->content_length > 0) {
		if (found->body_limit == 0)
			return resp_error(w, HTTP_PAYLOAD_TOO_LARGE,
			    "payload_too_large", "this route takes no body");
		if ((size_t)r->content_length > found->body_limit)
			return resp_error(w, HTTP_PAYLOAD_TOO_LARGE,
			    "payload_too_large",
			    "the body is %lld bytes; the limit is %zu",
			    r->content_length, found->body_limit);
		if ((found->flags & ROUTE_JSON) && !json_media_type(r->content_type))
			return resp_error(w, HTTP_UNSUPPORTED_MEDIA_TYPE,
			    "unsupported_media_type",
			    "send the body as application/json");
	}
	if (found->scope != 0 && rt->authenticate != NULL &&
	    (st = rt->authenticate(r, w, found->scope)) != 0)
		return st;

	if (r->content_length > 0 && !(found->flags & ROUTE_RAW)) {
		if (read_body(r) == -1)
			return resp_error(w, HTTP_BAD_REQUEST, "bad_request",
			    "the body ended before Content-Length bytes");
	}
	if ((found->flags & ROUTE_JSON) && r->body_len > 0) {
		struct json_object *v;
		size_t off;
		enum jp_status js = json_parse_strict(r->body, r->body_len,
		    r->app->cfg->json_max_depth, &v, &off);
		if (js == JP_MALFORMED || js == JP_TRAILING)
			return resp_error(w, HTTP_BAD_REQUEST, "invalid_json",
			    "%s (at byte %zu)", jp_status_names[js], off);
		if (js != JP_OK)
			return resp_error(w, HTTP_BAD_REQUEST, "invalid_json",
			    "%s", jp_status_names[js]);
		/* Every JSON body is an object of named fields: [], 1, "x" or
		 * null would otherwise read as a body without them. */
		if (!json_object_is_type(v, json_type_object)) {
			json_object_put(v);
			return resp_error_details(w, HTTP_BAD_REQUEST,
			    "validation_failed", "the body must be a JSON object",
			    json_tokener_parse("[{\"path\":\"\",\"message\":"
			    "\"must be an object\"}]"));
		}
		r->json = arena_defer(r->arena, json_put_cb, v);
	}
	if ((found->flags & ROUTE_BODY_REQUIRED) && r->json == NULL)
		return resp_error(w, HTTP_BAD_REQUEST, "invalid_json",
		    "a JSON body is required");
	return owner_field_check(r, w, rt->owner_field);
}

/*
 * Routes r to its handler. Everything that can be refused without the
 * handler is refused here, cheapest check first. Returns the status.
 */
int
dispatch(const struct router *rt, struct req *r, struct resp *w)
{
	const struct route *rte, *found = NULL;
	const char *raw[REQ_MAX_PARAMS];
	size_t rawlen[REQ_MAX_PARAMS];
	char allow[128] = "";
	int n, i, st;

	for (rte = rt->routes; rte->pattern != NULL; rte++) {
		if ((n = match(rte->pattern, r->path, raw, rawlen)) < 0)
			continue;
		if (rte->method == r->method ||
		    (r->method == HTTP_HEAD && rte->method == HTTP_GET)) {
			found = rte;
			break;
		}
		if (strstr(allow, http_method_names[rte->method]) == NULL) {
			if (allow[0] != '\0')
				strncat(allow, ", ", sizeof(allow) - strlen(allow) - 1);
			strncat(allow, http_method_names[rte->method],
			    sizeof(allow) - strlen(allow) - 1);
		}
	}
	if (found == NULL && allow[0] != '\0') {
		resp_header(w, "Allow", arena_strdup(r->arena, allow));
		return resp_error(w, HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
		    "%s is not allowed here; allowed: %s",
		    http_method_names[r->method], allow);
	}
	if (found == NULL)
		return resp_error(w, HTTP_NOT_FOUND, "not_found",
		    "no route for %s %.200s", http_method_names[r->method], r->path);

	n = match(found->pattern, r->path, raw, rawlen);
	for (i = 0; i < n; i++) {
		char *v;
		if (url_decode(r->arena, raw[i], rawlen[i], 0, &v) == -1 ||
		    !param_valid(found->params[i], v))
			return resp_error(w, HTTP_BAD_REQUEST, "invalid_parameter",
			    "path segment %d must be %s", i + 1,
			    param_shapes[found->params[i]]);
		r->param[i] = v;
	}
	r->nparam = (size_t)n;

	if ((st = intake(rt, found, r, w)) != 0) {
		if ((found->flags & ROUTE_TELL_REFUSED) && rt->refused != NULL)
			rt->refused(r, found, w);
		return st;
	}
	return found->handler(r, w);
}
