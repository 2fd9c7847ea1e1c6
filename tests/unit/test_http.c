/*
 * Unit tests for lib/http/http.c: percent-decoding, query and environment
 * look-ups on hand-made requests, the error envelope, resp_json's
 * ownership of its value, headers and reason phrases.
 */
#include <string.h>

#include <json-c/json.h>

#include "http.h"
#include "t.h"

static struct arena A;

/* Decodes s; returns the text, or NULL when url_decode refuses it. */
static const char *
dec(const char *s)
{
	char *out = NULL;

	if (url_decode(&A, s, strlen(s), 1, &out) == -1)
		return NULL;
	return out;
}

static void
test_url_decode(void)
{
	char *out = NULL;

	T_STR(dec("%41"), "A", "decode %41");
	T_STR(dec("a%2fb%2F"), "a/b/", "decode lower and upper hex");
	T_STR(dec("a+b"), "a b", "decode '+' as space");
	T_STR(dec("%2B"), "+", "decode %2B as '+'");
	T_STR(dec("plain"), "plain", "decode plain text");
	T_STR(dec(""), "", "decode empty");
	T_STR(dec("%e2%82%ac"), "\xe2\x82\xac", "decode UTF-8 euro sign");
	T_OK(dec("%") == NULL, "decode refuses \"%%\"");
	T_OK(dec("%4") == NULL, "decode refuses \"%%4\"");
	T_OK(dec("a%zz") == NULL, "decode refuses \"%%zz\"");
	T_OK(dec("%4g") == NULL, "decode refuses \"%%4g\"");
	T_OK(dec("a%00b") == NULL, "decode refuses %%00");
	T_OK(dec("%ff") == NULL, "decode refuses invalid UTF-8 %%ff");
	T_OK(dec("%c0%af") == NULL, "decode refuses overlong %%c0%%af");
	T_OK(dec("%e2%82") == NULL, "decode refuses a cut UTF-8 sequence");
	T_OK(url_decode(&A, "ab%41", 3, 1, &out) == -1,
	    "decode honours n: an escape cut by n is refused");
	T_OK(url_decode(&A, "x%41yz", 5, 1, &out) == 0 && strcmp(out, "xAy") == 0,
	    "decode honours n");
}

static void
test_query(void)
{
	struct req r;

	memset(&r, 0, sizeof(r));
	r.arena = &A;
	r.query = "a=1&b=hello%20world&c&d=&e=x+y&bad=%zz";
	T_STR(req_query(&r, "a"), "1", "query a=1");
	T_STR(req_query(&r, "b"), "hello world", "query decodes %20");
	T_STR(req_query(&r, "c"), "", "query flag without '='");
	T_STR(req_query(&r, "d"), "", "query empty value");
	T_STR(req_query(&r, "e"), "x y", "query '+' is a space");
	T_OK(req_query(&r, "missing") == NULL, "query missing -> NULL");
	T_OK(req_query(&r, "bb") == NULL, "query does not match a longer name");
	T_OK(req_query(&r, "hello") == NULL, "query does not match inside a value");
	T_OK(req_query(&r, "bad") == NULL, "query bad escape -> NULL");
	/* The pairs are split once per query string: another one is split anew
	 * (an in-process call copies the request and gives it its own query). */
	r.query = "a=2&z=9";
	T_STR(req_query(&r, "a"), "2", "another query: split anew");
	T_OK(req_query(&r, "b") == NULL, "  ... the old pairs are gone");
	r.query = "";
	T_OK(req_query(&r, "a") == NULL, "empty query -> NULL");
	r.query = NULL;
	T_OK(req_query(&r, "a") == NULL, "no query -> NULL");
}

static void
test_env(void)
{
	char *envp[] = {
		"HTTP_MCP_SESSION_ID=abc", "CONTENT_TYPE=x", "EMPTY=",
		"HTTP_X_LONG_NAME=v", NULL
	};
	struct req r;

	memset(&r, 0, sizeof(r));
	r.arena = &A;
	T_OK(req_env(&r, "CONTENT_TYPE") == NULL, "env with no envp -> NULL");
	r.envp = envp;
	T_STR(req_env(&r, "CONTENT_TYPE"), "x", "env CONTENT_TYPE");
	T_STR(req_env(&r, "EMPTY"), "", "env empty value");
	T_OK(req_env(&r, "CONTENT") == NULL, "env does not match a prefix");
	T_OK(req_env(&r, "CONTENT_TYPE_X") == NULL, "env longer name -> NULL");
	T_STR(req_header(&r, "Mcp-Session-Id"), "abc", "header Mcp-Session-Id");
	T_STR(req_header(&r, "mcp-session-id"), "abc", "header is case-blind");
	T_STR(req_header(&r, "X-Long-Name"), "v", "header with dashes");
	T_OK(req_header(&r, "Authorization") == NULL, "header missing -> NULL");
	char longname[200];
	memset(longname, 'A', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	T_OK(req_header(&r, longname) == NULL, "header name too long -> NULL");
}

static void
test_errors(void)
{
	struct resp w;
	struct json_object *details;
	int st;

	resp_init(&w, &A);
	T_OK(w.status == 200 && w.body.len == 0, "resp_init: 200, empty body");
	st = resp_error(&w, 404, "not_found", "no route for %s", "GET /x");
	T_OK(st == 404 && w.status == 404, "resp_error returns and sets status");
	T_STR(w.content_type, "application/json", "error content type");
	T_STR(w.body.data,
	    "{\"error\":{\"code\":\"not_found\",\"message\":\"no route for GET /x\"}}",
	    "error envelope exactly");
	resp_error(&w, 400, "bad", "say \"hi\"\n");
	T_STR(w.body.data,
	    "{\"error\":{\"code\":\"bad\",\"message\":\"say \\\"hi\\\"\\n\"}}",
	    "error message escaped, body replaced");

	details = json_tokener_parse("[{\"path\":\"/name\",\"message\":\"required\"}]");
	json_object_get(details);    /* keep one reference to see it taken */
	st = resp_error_details(&w, 422, "invalid_workflow", "2 problems", details);
	T_OK(st == 422, "resp_error_details returns the status");
	T_STR(w.body.data,
	    "{\"error\":{\"code\":\"invalid_workflow\",\"message\":\"2 problems\","
	    "\"details\":[{\"path\":\"/name\",\"message\":\"required\"}]}}",
	    "error envelope with details");
	T_OK(json_object_put(details) == 1, "details: resp took one reference");
	resp_error_details(&w, 500, "x", "y", NULL);
	T_STR(w.body.data, "{\"error\":{\"code\":\"x\",\"message\":\"y\"}}",
	    "NULL details: no details member");
}

static void
test_json_body(void)
{
	struct resp w;
	struct json_object *v = json_object_new_object();

	json_object_object_add(v, "a", json_object_new_int(1));
	json_object_object_add(v, "u", json_object_new_string("/p"));
	resp_init(&w, &A);
	json_object_get(v);
	T_OK(resp_json(&w, 201, v) == 201 && w.status == 201,
	    "resp_json returns and sets the status");
	T_STR(w.body.data, "{\"a\":1,\"u\":\"/p\"}", "resp_json: compact, no \\/");
	T_OK(json_object_put(v) == 1, "resp_json took exactly one reference");

	resp_json(&w, 200, json_object_new_array());   /* LSan: freed by resp */
	T_STR(w.body.data, "[]", "resp_json replaces the body");
	T_OK(resp_raw_json(&w, 202, "{\"r\":1}xx", 7) == 202, "raw_json status");
	T_STR(w.body.data, "{\"r\":1}", "raw_json copies n bytes");
}

static void
test_headers(void)
{
	struct resp w;

	resp_init(&w, &A);
	resp_header(&w, "Allow", "GET");
	T_OK(w.nheaders == 1 && strcmp(w.headers[0].name, "Allow") == 0 &&
	    strcmp(w.headers[0].value, "GET") == 0, "resp_header stores one");
	for (int i = 0; i < RESP_MAX_HEADERS + 3; i++)
		resp_header(&w, "X", "y");
	T_OK(w.nheaders == RESP_MAX_HEADERS, "resp_header stops at the maximum");
}

static void
test_reason(void)
{
	T_STR(http_reason(200), "OK", "reason 200");
	T_STR(http_reason(204), "No Content", "reason 204");
	T_STR(http_reason(404), "Not Found", "reason 404");
	T_STR(http_reason(405), "Method Not Allowed", "reason 405");
	T_STR(http_reason(413), "Payload Too Large", "reason 413");
	T_STR(http_reason(415), "Unsupported Media Type", "reason 415");
	T_STR(http_reason(422), "Unprocessable Content", "reason 422");
	T_STR(http_reason(503), "Service Unavailable", "reason 503");
	T_STR(http_reason(299), "Unknown", "reason of an unknown code");
	T_STR(http_method_names[HTTP_DELETE], "DELETE", "method name table");
}

int
main(void)
{
	arena_init(&A, 1024);
	test_url_decode();
	test_query();
	test_env();
	test_errors();
	test_json_body();
	test_headers();
	test_reason();
	arena_free(&A);
	return t_done();
}
