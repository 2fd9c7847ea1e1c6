/*
 * Unit tests for lib/http/router.c: a static route table with dummy handlers and
 * a fake authenticator, driven through dispatch() with hand-made requests
 * and a body reader that copies from a string. Checks what the dispatcher
 * refuses before a handler runs (404, 405, 400, 413, 415, auth, bad JSON)
 * and what a handler receives (decoded params, parsed JSON).
 */
#include <string.h>

#include <json-c/json.h>

#include "config.h"
#include "json.h"
#include "router.h"
#include "t.h"

/* What the handlers and hooks saw during the last dispatch. */
static const char *called;        /* name of the handler that ran */
static char seen_name[64];        /* r->json["name"], copied */
static int auth_calls, auth_status, reads;
static unsigned auth_scope;
static const char *query = "";    /* the next request's query string */
static int refused_calls, refused_status;  /* what the refused hook heard */

static int
h_list(struct req *r, struct resp *w)
{
	(void)r;
	called = "list";
	return resp_raw_json(w, 200, "[]", 2);
}

static int
h_create(struct req *r, struct resp *w)
{
	const char *name = json_get_str(r->json, "name");

	called = "create";
	snprintf(seen_name, sizeof(seen_name), "%s", name ? name : "(none)");
	return resp_raw_json(w, 201, "{}", 2);
}

static int
h_get(struct req *r, struct resp *w)
{
	(void)r;
	called = "get";
	return resp_raw_json(w, 200, "{}", 2);
}

static int
h_delete(struct req *r, struct resp *w)
{
	(void)r;
	called = "delete";
	w->status = 204;
	return 204;
}

static int
h_thing(struct req *r, struct resp *w)
{
	(void)r;
	called = "thing";
	return resp_raw_json(w, 200, "{}", 2);
}

static int
h_raw(struct req *r, struct resp *w)
{
	(void)r;
	called = "raw";
	return resp_raw_json(w, 200, "{}", 2);
}

static int
fake_auth(struct req *r, struct resp *w, unsigned scope)
{
	(void)r;
	auth_calls++;
	auth_scope = scope;
	if (auth_status != 0)
		return resp_error(w, auth_status, "unauthorized", "no key");
	r->auth.owner_id = "alice";
	return 0;
}

static void
heard_refusal(struct req *r, const struct route *rte, const struct resp *w)
{
	(void)r;
	(void)rte;
	refused_calls++;
	refused_status = w->status;
}

#define SCOPE_W 2u
#define SCOPE_R 1u

static const struct route routes[] = {
	{ HTTP_GET, "/mcp/servers", h_list, 0, 0, 0, { 0 } },
	{ HTTP_POST, "/mcp/servers", h_create, SCOPE_W, 1024,
	    ROUTE_JSON | ROUTE_BODY_REQUIRED, { 0 } },
	{ HTTP_GET, "/mcp/servers/:id", h_get, SCOPE_R, 0, 0,
	    { PARAM_SERVER_ID } },
	{ HTTP_DELETE, "/mcp/servers/:id", h_delete, SCOPE_W, 0, 0,
	    { PARAM_SERVER_ID } },
	{ HTTP_PUT, "/things/:name/:rest", h_thing, 0, 64, ROUTE_JSON,
	    { PARAM_NAME, PARAM_ANY } },
	{ HTTP_POST, "/raw", h_raw, 0, 100, ROUTE_RAW, { 0 } },
	{ HTTP_POST, "/told/:id", h_thing, 0, 64, ROUTE_JSON | ROUTE_TELL_REFUSED,
	    { PARAM_SERVER_ID } },
	{ .pattern = NULL },
};
static const struct router router = { routes, fake_auth, "ownerId", heard_refusal };

/* The body reader: copies from a string, at most `chunk` bytes a call. */
struct src {
	const char	*s;
	size_t		 len, pos, chunk;
};

static long
rd(void *io, char *buf, size_t n)
{
	struct src *src = io;
	size_t k = src->len - src->pos;

	reads++;
	if (k > n)
		k = n;
	if (k > src->chunk)
		k = src->chunk;
	memcpy(buf, src->s + src->pos, k);
	src->pos += k;
	return (long)k;
}

static struct arena A;
static struct config CFG;
static struct app APP;
static struct req R;
static struct resp W;
static struct src SRC;

/*
 * Dispatches one request. body NULL: no Content-Length. clen < 0: the
 * Content-Length is strlen(body), else clen is claimed.
 */
static int
run_full(enum http_method m, const char *path, const char *ctype,
    const char *body, long long clen)
{
	arena_reset(&A);
	memset(&R, 0, sizeof(R));
	called = NULL;
	seen_name[0] = '\0';
	auth_calls = 0;
	auth_scope = 0;
	reads = 0;
	refused_calls = 0;
	refused_status = 0;
	SRC.s = body ? body : "";
	SRC.len = strlen(SRC.s);
	SRC.pos = 0;
	SRC.chunk = 7;    /* several reads for any real body */
	R.arena = &A;
	R.app = &APP;
	R.method = m;
	R.path = path;
	R.query = query;
	R.content_type = ctype;
	R.content_length = body == NULL ? -1 :
	    clen >= 0 ? clen : (long long)SRC.len;
	R.read = rd;
	R.io = &SRC;
	resp_init(&W, &A);
	return dispatch(&router, &R, &W);
}

static int
run(enum http_method m, const char *path)
{
	return run_full(m, path, NULL, NULL, -1);
}

static int
post(const char *ctype, const char *body)
{
	return run_full(HTTP_POST, "/mcp/servers", ctype, body, -1);
}

/* The value of response header name, or NULL. */
static const char *
resp_hdr(const char *name)
{
	for (size_t i = 0; i < W.nheaders; i++)
		if (strcmp(W.headers[i].name, name) == 0)
			return W.headers[i].value;
	return NULL;
}

static int
called_is(const char *name)
{
	return called != NULL && name != NULL && strcmp(called, name) == 0;
}

static void
test_matching(void)
{
	T_OK(run(HTTP_GET, "/mcp/servers") == 200 && called_is("list"),
	    "exact match");
	T_OK(run(HTTP_GET, "/mcp/servers/") == 200 && called_is("list"),
	    "trailing slash tolerated");
	T_OK(run(HTTP_HEAD, "/mcp/servers") == 200 && called_is("list"),
	    "HEAD goes to the GET route");
	T_OK(run(HTTP_GET, "/mcp/servers/mcp_abcd1234") == 200 &&
	    called_is("get"), ":param route");
	T_STR(R.param[0], "mcp_abcd1234", "param captured");
	T_OK(R.nparam == 1, "one param");
	T_OK(run(HTTP_GET, "/mcp/servers/mcp_abcd1234/") == 200 &&
	    called_is("get"), ":param route with trailing slash");
	T_STR(R.param[0], "mcp_abcd1234", "param without the slash");
	T_OK(run(HTTP_DELETE, "/mcp/servers/mcp_abcd1234") == 204 &&
	    called_is("delete"), "same pattern, other method");

	T_OK(run(HTTP_PUT, "/things/%41bc/hello%20w%C3%B6rld") == 200 &&
	    called_is("thing"), "two params");
	T_STR(R.param[0], "Abc", "first param percent-decoded");
	T_STR(R.param[1], "hello w\xc3\xb6rld", "second param percent-decoded");
	T_OK(R.nparam == 2, "two params counted");
	T_OK(run(HTTP_PUT, "/things/a%2Fb/x") == 400,
	    "decoded '/' breaks a NAME param -> 400");
	T_OK(run(HTTP_PUT, "/things/a/b%2Fc") == 200 && strcmp(R.param[1], "b/c") == 0,
	    "decoded '/' kept in an ANY param");
	/* RFC 3986: '+' is a literal plus in a path; only forms use it for ' '. */
	T_OK(run(HTTP_PUT, "/things/a/c++") == 200 && called_is("thing"),
	    "'+' in a path segment accepted");
	T_STR(R.param[1], "c++", "'+' in a path segment stays '+'");
}

static void
test_not_found(void)
{
	T_OK(run(HTTP_GET, "/nope") == 404 && W.status == 404 && called == NULL,
	    "unknown path -> 404");
	T_STR(W.body.data,
	    "{\"error\":{\"code\":\"not_found\",\"message\":\"no route for GET /nope\"}}",
	    "404 envelope and message");
	T_OK(run(HTTP_GET, "/mcp/serversx") == 404, "longer segment -> 404");
	T_OK(run(HTTP_GET, "/mcp") == 404, "prefix of a route -> 404");
	T_OK(run(HTTP_GET, "/mcp/servers//") == 404, "double slash -> 404");
	T_OK(run(HTTP_GET, "/mcp/servers/mcp_abcd1234/deploy") == 404,
	    "extra segment -> 404");
	T_OK(run(HTTP_PUT, "/things//x") == 404, "empty param segment -> 404");
}

static void
test_method_not_allowed(void)
{
	T_OK(run(HTTP_DELETE, "/mcp/servers") == 405 && called == NULL,
	    "DELETE on a GET/POST path -> 405");
	T_STR(resp_hdr("Allow"), "GET, POST", "Allow lists the methods");
	T_STR(W.body.data,
	    "{\"error\":{\"code\":\"method_not_allowed\",\"message\":"
	    "\"DELETE is not allowed here; allowed: GET, POST\"}}",
	    "405 envelope");
	T_OK(run(HTTP_POST, "/mcp/servers/mcp_abcd1234") == 405, "POST on :id -> 405");
	T_STR(resp_hdr("Allow"), "GET, DELETE", "Allow for the :id path");
	T_OK(run(HTTP_HEAD, "/raw") == 405, "HEAD where there is no GET -> 405");
	T_STR(resp_hdr("Allow"), "POST", "Allow: POST");
}

static void
test_params(void)
{
	T_OK(run(HTTP_GET, "/mcp/servers/mcp_x") == 400 && called == NULL,
	    "short server id -> 400");
	T_STR(W.body.data,
	    "{\"error\":{\"code\":\"invalid_parameter\",\"message\":"
	    "\"path segment 1 must be mcp_ followed by 8-64 lowercase letters "
	    "or digits\"}}", "400 names the segment and its shape");
	T_OK(auth_calls == 0, "param refused before auth");
	T_OK(run(HTTP_GET, "/mcp/servers/mcp_ABCD1234") == 400,
	    "uppercase server id -> 400");
	T_OK(run(HTTP_GET, "/mcp/servers/mcp_abcd%zz34") == 400,
	    "bad escape in a param -> 400");
	T_OK(run(HTTP_GET, "/mcp/servers/mcp_abcd%001234") == 400,
	    "%%00 in a param -> 400");
	T_OK(run(HTTP_PUT, "/things/9abc/x") == 400, "NAME starting with a digit");
	T_STR(W.body.data,
	    "{\"error\":{\"code\":\"invalid_parameter\",\"message\":"
	    "\"path segment 1 must be a letter, then up to 63 letters, digits, "
	    "'_', '.' or '-'\"}}", "NAME shape message");
	T_OK(run(HTTP_PUT, "/things/a/%ff") == 400, "invalid UTF-8 param -> 400");
	T_OK(strstr(W.body.data, "path segment 2") != NULL, "second segment named");
}

static void
test_body_limits(void)
{
	T_OK(run_full(HTTP_POST, "/mcp/servers", "application/json", "{}", 2000)
	    == 413 && called == NULL, "Content-Length over the limit -> 413");
	T_STR(W.body.data,
	    "{\"error\":{\"code\":\"payload_too_large\",\"message\":"
	    "\"the body is 2000 bytes; the limit is 1024\"}}", "413 message");
	T_OK(reads == 0 && auth_calls == 0, "413 before reading or auth");
	T_OK(run_full(HTTP_POST, "/mcp/servers", "application/json", "{}", 1024)
	    != 413, "Content-Length equal to the limit passes the check");
	T_OK(run_full(HTTP_GET, "/mcp/servers", NULL, "x=1", -1) == 413 &&
	    called == NULL, "body on a route that takes none -> 413");
	T_STR(W.body.data,
	    "{\"error\":{\"code\":\"payload_too_large\",\"message\":"
	    "\"this route takes no body\"}}", "413 no-body message");
	T_OK(reads == 0, "no-body 413 reads nothing");
	T_OK(run_full(HTTP_GET, "/mcp/servers", NULL, "", 0) == 200,
	    "Content-Length 0 on a no-body route is fine");
}

static void
test_media_types(void)
{
	T_OK(post("text/xml", "{\"name\":\"a\"}") == 415 && called == NULL,
	    "text/xml on a JSON route -> 415");
	T_STR(W.body.data,
	    "{\"error\":{\"code\":\"unsupported_media_type\",\"message\":"
	    "\"send the body as application/json\"}}", "415 envelope");
	T_OK(auth_calls == 0, "415 before auth");
	T_OK(post("application/json", "{\"name\":\"a\"}") == 201,
	    "application/json accepted");
	T_OK(post("application/json; charset=utf-8", "{\"name\":\"a\"}") == 201,
	    "application/json; charset=utf-8 accepted");
	T_OK(post("Application/JSON", "{\"name\":\"a\"}") == 201,
	    "media type is case-blind");
	T_OK(post("application/x-www-form-urlencoded", "{\"name\":\"a\"}") == 201,
	    "curl's default form type accepted");
	T_OK(post(NULL, "{\"name\":\"a\"}") == 201, "no Content-Type accepted");
	T_OK(post("application/merge-patch+json", "{\"name\":\"a\"}") == 201,
	    "application/...+json accepted");
	T_OK(post("application/jsonp", "{\"name\":\"a\"}") == 415,
	    "application/jsonp -> 415");
	T_OK(post("text/plain", "{\"name\":\"a\"}") == 415, "text/plain -> 415");
	T_OK(run_full(HTTP_POST, "/raw", "text/xml", "<x/>", -1) == 200 &&
	    called_is("raw"), "non-JSON route takes any type");
	T_OK(reads == 0 && R.body == NULL, "ROUTE_RAW: dispatcher reads nothing");
}

static void
test_auth(void)
{
	auth_status = 0;
	run(HTTP_GET, "/mcp/servers");
	T_OK(auth_calls == 0, "public route: auth not called");
	run(HTTP_GET, "/mcp/servers/mcp_abcd1234");
	T_OK(auth_calls == 1 && auth_scope == SCOPE_R,
	    "scoped route: auth called once with its scope");
	post("application/json", "{\"name\":\"a\"}");
	T_OK(auth_calls == 1 && auth_scope == SCOPE_W, "POST: auth with write scope");

	auth_status = 401;
	T_OK(post("application/json", "{\"name\":\"a\"}") == 401 && called == NULL,
	    "auth failure status returned, handler not run");
	T_OK(reads == 0, "auth failure: the body is not read");
	T_STR(W.body.data,
	    "{\"error\":{\"code\":\"unauthorized\",\"message\":\"no key\"}}",
	    "auth hook's envelope kept");
	auth_status = 403;
	T_OK(run(HTTP_DELETE, "/mcp/servers/mcp_abcd1234") == 403 && called == NULL,
	    "auth 403 returned");
	auth_status = 0;
}

static void
test_json_bodies(void)
{
	T_OK(post("application/json", "{\"name\":\"srv\",\"n\":[1,2]}") == 201 &&
	    called_is("create"), "valid JSON reaches the handler");
	T_STR(seen_name, "srv", "handler sees the parsed r->json");
	T_OK(reads > 1, "body read in several chunks (%d reads)", reads);
	T_OK(R.body_len == 24 && strcmp(R.body, "{\"name\":\"srv\",\"n\":[1,2]}") == 0,
	    "r->body holds the raw body");

	T_OK(post("application/json", "{\"name\":") == 400 && called == NULL,
	    "invalid JSON -> 400");
	T_STR(W.body.data,
	    "{\"error\":{\"code\":\"invalid_json\",\"message\":"
	    "\"the body is not valid JSON (at byte 8)\"}}", "invalid_json envelope");
	T_OK(post("application/json", "[\"\xff\"]") == 400 &&
	    strstr(W.body.data, "\"invalid_json\"") != NULL &&
	    strstr(W.body.data, "not valid UTF-8") != NULL, "bad UTF-8 -> 400");
	T_OK(post("application/json",
	    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]")
	    == 400 && strstr(W.body.data, "nests too deeply") != NULL,
	    "40 levels with json_max_depth 32 -> 400");
	T_OK(post("application/json", "   ") == 400 &&
	    strstr(W.body.data, "the body is empty") != NULL, "blank body -> 400");

	T_OK(run_full(HTTP_POST, "/mcp/servers", "application/json", NULL, -1)
	    == 400 && called == NULL, "ROUTE_BODY_REQUIRED without body -> 400");
	T_STR(W.body.data,
	    "{\"error\":{\"code\":\"invalid_json\",\"message\":"
	    "\"a JSON body is required\"}}", "body required message");
	T_OK(run_full(HTTP_POST, "/mcp/servers", "application/json", "", 0) == 400,
	    "Content-Length 0 on a body-required route -> 400");

	T_OK(run_full(HTTP_POST, "/mcp/servers", "application/json", "{}", 10)
	    == 400 && called == NULL, "body shorter than Content-Length -> 400");
	T_STR(W.body.data,
	    "{\"error\":{\"code\":\"bad_request\",\"message\":"
	    "\"the body ended before Content-Length bytes\"}}", "short body message");

	T_OK(run_full(HTTP_PUT, "/things/a/b", NULL, NULL, -1) == 200 &&
	    R.json == NULL, "optional JSON body absent: r->json NULL");
}

/* Issue 25 item 1: a JSON body is an object, whatever the route. */
static void
test_object_bodies(void)
{
	static const char *const not_objects[] = { "[]", "[1,2]", "1", "\"x\"",
	    "null", "true", " [ ] " };

	for (size_t i = 0; i < sizeof(not_objects) / sizeof(not_objects[0]); i++) {
		T_OK(run_full(HTTP_PUT, "/things/a/b", "application/json",
		    not_objects[i], -1) == 400 && called == NULL,
		    "optional body %s -> 400, handler not run", not_objects[i]);
		T_OK(strstr(W.body.data, "\"validation_failed\"") != NULL &&
		    strstr(W.body.data, "must be a JSON object") != NULL,
		    "  ... in the envelope, saying why");
		T_OK(post("application/json", not_objects[i]) == 400 && called == NULL,
		    "required body %s -> 400", not_objects[i]);
	}
	T_OK(run_full(HTTP_PUT, "/things/a/b", "application/json", "{}", -1) == 200 &&
	    called_is("thing") && R.json != NULL, "{} accepted");
}

/* Issue 25 item 2: ownerId, in the body or the query, names the key's owner. */
static void
test_owner_field(void)
{
	auth_status = 0;
	T_OK(post("application/json", "{\"ownerId\":\"alice\",\"name\":\"a\"}") == 201,
	    "body ownerId of the key's owner accepted");
	T_OK(post("application/json", "{\"ownerId\":\"bob\"}") == 403 && called == NULL,
	    "body ownerId of another owner -> 403");
	T_STR(W.body.data, "{\"error\":{\"code\":\"forbidden\",\"message\":"
	    "\"ownerId does not match the API key's owner\"}}", "403 envelope");
	T_OK(post("application/json", "{\"ownerId\":7}") == 400 && called == NULL &&
	    strstr(W.body.data, "ownerId must be a string") != NULL,
	    "body ownerId not a string -> 400");
	T_OK(post("application/json", "{\"ownerId\":null}") == 400 && called == NULL,
	    "body ownerId null -> 400");
	query = "ownerId=alice";
	T_OK(run(HTTP_GET, "/mcp/servers/mcp_abcd1234") == 200 && called_is("get"),
	    "query ownerId of the owner accepted on a GET");
	query = "ownerId=bob";
	T_OK(run(HTTP_GET, "/mcp/servers/mcp_abcd1234") == 403 && called == NULL,
	    "query ownerId of another owner -> 403 on a GET");
	T_OK(run(HTTP_DELETE, "/mcp/servers/mcp_abcd1234") == 403 && called == NULL,
	    "... and on a DELETE");
	query = "ownerId=";
	T_OK(run(HTTP_GET, "/mcp/servers/mcp_abcd1234") == 403, "empty ownerId -> 403");
	/* A public route has no owner to compare with: ownerId is not checked. */
	query = "ownerId=bob";
	T_OK(run(HTTP_GET, "/mcp/servers") == 200, "public route: ownerId not checked");
	query = "";
}

/* Issue 25 item 2: a query value that does not decode, or a repeated name, is 400. */
static void
test_query_strict(void)
{
	static const char *const bad[] = { "limit=%00", "ownerId=%00", "cursor=%ff%fe",
	    "limit=%zz", "limit=%4", "limit=1&limit=2", "a=1&b=2&a=3", "=1", "%ff=1",
	    "a%00b=1", "x=%c0%af" };
	char many[400] = "";

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		query = bad[i];
		T_OK(run(HTTP_GET, "/mcp/servers") == 400 && called == NULL &&
		    strstr(W.body.data, "\"invalid_query\"") != NULL,
		    "query %s -> 400 invalid_query", bad[i]);
		T_OK(auth_calls == 0, "  ... before auth");
	}
	query = "limit=1&limit=2";
	run(HTTP_GET, "/mcp/servers");
	T_STR(W.body.data, "{\"error\":{\"code\":\"invalid_query\",\"message\":"
	    "\"query parameter limit is given more than once\"}}", "repeat named");
	for (int i = 0; i < 33; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), "p%d=1&", i);
	query = many;
	T_OK(run(HTTP_GET, "/mcp/servers") == 400, "33 parameters -> 400");
	many[strlen(many) - strlen("p32=1&")] = '\0';
	T_OK(run(HTTP_GET, "/mcp/servers") == 200, "32 parameters accepted");
	query = "a=1&&b=x+y&c&";
	T_OK(run(HTTP_GET, "/mcp/servers") == 200 && strcmp(req_query(&R, "b"), "x y") == 0 &&
	    strcmp(req_query(&R, "c"), "") == 0, "empty pieces and flags accepted");
	query = "";
}

/* The refused hook hears the dispatcher's refusals on its routes only. */
static void
test_refused_hook(void)
{
	T_OK(run_full(HTTP_POST, "/told/mcp_abcd1234", "application/json", "[1]", -1)
	    == 400 && refused_calls == 1 && refused_status == 400,
	    "non-object body on a told route: the hook hears 400");
	T_STR(R.param[0], "mcp_abcd1234", "  ... with the path parameters decoded");
	T_OK(run_full(HTTP_POST, "/told/mcp_abcd1234", "text/xml", "<x/>", -1) == 415 &&
	    refused_calls == 1 && refused_status == 415, "415 heard");
	T_OK(run_full(HTTP_POST, "/told/mcp_abcd1234", "application/json", "{}", 100)
	    == 413 && refused_calls == 1, "413 heard");
	T_OK(run_full(HTTP_POST, "/told/mcp_abcd1234", "application/json", "{}", -1)
	    == 200 && refused_calls == 0, "a call that reaches its handler: not heard");
	T_OK(run_full(HTTP_POST, "/told/x", "application/json", "{}", -1) == 400 &&
	    refused_calls == 0, "a bad path parameter: not heard (no agent to name)");
	T_OK(post("application/json", "[1]") == 400 && refused_calls == 0,
	    "other routes: not heard");
}

static void
test_param_valid(void)
{
	char s[80];

	T_OK(param_valid(PARAM_ANY, "x") == 1, "ANY: one byte");
	T_OK(param_valid(PARAM_ANY, "") == 0, "ANY: empty refused");
	memset(s, 'a', 79);
	s[79] = '\0';
	T_OK(param_valid(PARAM_ANY, s) == 1, "ANY: 79 bytes");

	T_OK(param_valid(PARAM_SERVER_ID, "mcp_abcd1234") == 1, "SERVER_ID: 8 chars");
	T_OK(param_valid(PARAM_SERVER_ID, "mcp_abcd123") == 0, "SERVER_ID: 7 refused");
	memcpy(s, "mcp_", 4);
	memset(s + 4, 'z', 64);
	s[68] = '\0';
	T_OK(param_valid(PARAM_SERVER_ID, s) == 1, "SERVER_ID: 64 chars");
	s[68] = 'z';
	s[69] = '\0';
	T_OK(param_valid(PARAM_SERVER_ID, s) == 0, "SERVER_ID: 65 refused");
	T_OK(param_valid(PARAM_SERVER_ID, "mcp_abcD1234") == 0,
	    "SERVER_ID: uppercase refused");
	T_OK(param_valid(PARAM_SERVER_ID, "mcp_abcd-234") == 0,
	    "SERVER_ID: '-' refused");
	T_OK(param_valid(PARAM_SERVER_ID, "exe_abcd1234") == 0,
	    "SERVER_ID: other prefix refused");
	T_OK(param_valid(PARAM_EXEC_ID, "exe_0123abcd") == 1, "EXEC_ID ok");
	T_OK(param_valid(PARAM_EXEC_ID, "mcp_0123abcd") == 0, "EXEC_ID: mcp_ refused");
	T_OK(param_valid(PARAM_AGENT_ID, "agent_0123abcd") == 1, "AGENT_ID ok");
	T_OK(param_valid(PARAM_AGENT_ID, "agent_0123abc") == 0, "AGENT_ID: 7 refused");

	T_OK(param_valid(PARAM_NAME, "a") == 1, "NAME: one letter");
	T_OK(param_valid(PARAM_NAME, "Ab.c-d_9") == 1, "NAME: letters . - _ digits");
	T_OK(param_valid(PARAM_NAME, "9a") == 0, "NAME: leading digit refused");
	T_OK(param_valid(PARAM_NAME, "_a") == 0, "NAME: leading '_' refused");
	T_OK(param_valid(PARAM_NAME, "a b") == 0, "NAME: space refused");
	T_OK(param_valid(PARAM_NAME, "a/b") == 0, "NAME: slash refused");
	T_OK(param_valid(PARAM_NAME, "") == 0, "NAME: empty refused");
	memset(s, 'n', 64);
	s[64] = '\0';
	T_OK(param_valid(PARAM_NAME, s) == 1, "NAME: 64 chars");
	s[64] = 'n';
	s[65] = '\0';
	T_OK(param_valid(PARAM_NAME, s) == 0, "NAME: 65 refused");
	T_OK(param_valid(PARAM__MAX, "x") == 0, "unknown kind refused");
}

static void
test_param_any_limit(void)
{
	char s[202];

	memset(s, 'a', 200);
	s[200] = '\0';
	T_OK(param_valid(PARAM_ANY, s) == 1, "ANY: 200 bytes");
	s[200] = 'a';
	s[201] = '\0';
	T_OK(param_valid(PARAM_ANY, s) == 0, "ANY: 201 refused");
}

int
main(void)
{
	arena_init(&A, 4096);
	memset(&CFG, 0, sizeof(CFG));
	CFG.json_max_depth = 32;
	APP.cfg = &CFG;

	test_matching();
	test_not_found();
	test_method_not_allowed();
	test_params();
	test_body_limits();
	test_media_types();
	test_auth();
	test_json_bodies();
	test_object_bodies();
	test_owner_field();
	test_query_strict();
	test_refused_hook();
	test_param_valid();
	test_param_any_limit();
	arena_free(&A);
	return t_done();
}
