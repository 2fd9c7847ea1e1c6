/*
 * Unit tests for lib/engine/tool_http_request.c, driven for real against a small
 * HTTP/1.1 server this test forks on 127.0.0.1 (a free port; one process per
 * connection, so a slow answer blocks nothing else). Nothing leaves the
 * loopback interface: targets the SSRF guard must refuse are loopback too.
 *
 * Paths: /json /text /big (2 MB, Content-Length) /bigstream (2 MB, no
 * length) /slow (3 s) /500 /redirect /echo (echoes method, body, some
 * headers) /binary /nul /badjson /problem (application/problem+json)
 * /many (60 headers).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "config.h"
#include "db.h"
#include "engine.h"
#include "tools.h"
#include "loopback.h"
#include "t.h"

#define BIG	(2 * 1024 * 1024)

static struct loopback lb;

/* ---- the server (child processes) ---- */

static void
say(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
say(int fd, const char *fmt, ...)
{
	char buf[8192];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0 && lb_write_all(fd, buf, (size_t)n < sizeof(buf) ? (size_t)n :
	    sizeof(buf) - 1) == -1)
		_exit(0);
}

/* Answers one request on fd, then returns (the caller exits). */
static void
serve(int fd)
{
	static char req[256 * 1024];
	char method[16], path[256], val[1024], ctype[256];
	size_t len = 0, hlen, blen = 0;
	char *eoh = NULL;
	int head;

	while (eoh == NULL) {
		ssize_t r = read(fd, req + len, sizeof(req) - 1 - len);
		if (r <= 0)
			return;
		len += (size_t)r;
		req[len] = '\0';
		if (req[0] == 0x16) {
			/* A TLS ClientHello: answer in plain text, as such a server would. */
			say(fd, "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
			return;
		}
		eoh = strstr(req, "\r\n\r\n");
		if (eoh == NULL && len == sizeof(req) - 1)
			return;
	}
	hlen = (size_t)(eoh - req) + 4;
	if (lb_req_header(req, "Content-Length", val, sizeof(val)) != NULL)
		blen = (size_t)strtoul(val, NULL, 10);
	if (blen > sizeof(req) - 1 - hlen)
		return;
	while (len < hlen + blen) {
		ssize_t r = read(fd, req + len, hlen + blen - len);
		if (r <= 0)
			return;
		len += (size_t)r;
	}
	if (sscanf(req, "%15s %255s", method, path) != 2)
		return;
	head = strcmp(method, "HEAD") == 0;

	if (strcmp(path, "/json") == 0) {
		say(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"
		    "X-Dup: first\r\nX-Mixed-Case: Yes\r\nx-dup: second\r\n"
		    "Content-Length: 11\r\nConnection: close\r\n\r\n%s",
		    head ? "" : "{\"ok\":true}");
	} else if (strcmp(path, "/text") == 0) {
		say(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
		    "Content-Length: 5\r\nConnection: close\r\n\r\nhello");
	} else if (strcmp(path, "/big") == 0 || strcmp(path, "/bigstream") == 0) {
		static char chunk[65536];

		memset(chunk, 'a', sizeof(chunk));
		if (strcmp(path, "/big") == 0)
			say(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
			    "Content-Length: %d\r\nConnection: close\r\n\r\n", BIG);
		else
			say(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
			    "Connection: close\r\n\r\n");
		for (int sent = 0; !head && sent < BIG; sent += (int)sizeof(chunk))
			if (lb_write_all(fd, chunk, sizeof(chunk)) == -1)
				return;
	} else if (strcmp(path, "/slow") == 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		/* The client hanging up ends the wait early. */
		if (poll(&pfd, 1, 3000) != 0)
			return;
		say(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
		    "Content-Length: 4\r\nConnection: close\r\n\r\nlate");
	} else if (strcmp(path, "/500") == 0) {
		say(fd, "HTTP/1.1 500 Internal Server Error\r\n"
		    "Content-Type: application/json\r\nContent-Length: 16\r\n"
		    "Connection: close\r\n\r\n{\"error\":\"boom\"}");
	} else if (strcmp(path, "/redirect") == 0) {
		say(fd, "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:%d/json\r\n"
		    "Content-Length: 0\r\nConnection: close\r\n\r\n", lb.port);
	} else if (strcmp(path, "/echo") == 0) {
		char custom[1024], expect[64];

		if (lb_req_header(req, "Content-Type", ctype, sizeof(ctype)) == NULL)
			snprintf(ctype, sizeof(ctype), "none");
		if (lb_req_header(req, "X-Custom", custom, sizeof(custom)) == NULL)
			snprintf(custom, sizeof(custom), "(absent)");
		if (lb_req_header(req, "Expect", expect, sizeof(expect)) == NULL)
			snprintf(expect, sizeof(expect), "none");
		say(fd, "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nX-Echo-Method: %s\r\n"
		    "X-Echo-Custom: %s\r\nX-Echo-Expect: %s\r\nX-Echo-Length: %zu\r\n"
		    "Content-Length: %zu\r\nConnection: close\r\n\r\n",
		    strcmp(ctype, "none") == 0 ? "text/plain" : ctype, method,
		    custom, expect, blen, head ? 0 : blen);
		if (!head)
			lb_write_all(fd, req + hlen, blen);
	} else if (strcmp(path, "/echoctype") == 0) {
		if (lb_req_header(req, "Content-Type", ctype, sizeof(ctype)) == NULL)
			snprintf(ctype, sizeof(ctype), "none");
		say(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
		    "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
		    strlen(ctype), ctype);
	} else if (strcmp(path, "/binary") == 0) {
		say(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
		    "Content-Length: 4\r\nConnection: close\r\n\r\n");
		lb_write_all(fd, "\xff\xfe\x00\x01", 4);
	} else if (strcmp(path, "/nul") == 0) {
		say(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
		    "Content-Length: 3\r\nConnection: close\r\n\r\n");
		lb_write_all(fd, "a\0b", 3);
	} else if (strcmp(path, "/badjson") == 0) {
		say(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		    "Content-Length: 8\r\nConnection: close\r\n\r\nnot json");
	} else if (strcmp(path, "/problem") == 0) {
		say(fd, "HTTP/1.1 404 Not Found\r\nContent-Type: Application/Problem+JSON\r\n"
		    "Content-Length: 16\r\nConnection: close\r\n\r\n{\"title\":\"nope\"}");
	} else if (strcmp(path, "/many") == 0) {
		say(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
		    "Content-Length: 2\r\nConnection: close\r\n");
		for (int i = 0; i < 60; i++)
			say(fd, "X-H-%02d: %d\r\n", i, i);
		say(fd, "\r\nok");
	} else {
		say(fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n"
		    "Connection: close\r\n\r\n");
	}
}

/* ---- driving the tool ---- */

static struct config cfg_allow, cfg_deny, cfg_name;
static struct exec_env env_allow, env_deny, env_name;
static struct tool_ctx ctx;

static void
reset(void)
{
	json_object_put(ctx.output);
	json_object_put(ctx.err_details);
	memset(&ctx, 0, sizeof(ctx));
}

/*
 * Runs the tool with the config JSON text fmt (printf-style; "%d" is
 * usually the server's port), deadline 10 s from now unless deadline_in
 * is given (!= 0). Returns the tool's result; ctx holds the rest.
 */
static int
run_dl(struct exec_env *env, long long deadline_in, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
run_dl(struct exec_env *env, long long deadline_in, const char *fmt, ...)
{
	char text[16384];
	struct json_object *config;
	va_list ap;
	int rc;

	reset();
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if ((config = json_tokener_parse(text)) == NULL) {
		printf("# bad test config: %s\n", text);
		return -2;
	}
	ctx.env = env;
	ctx.config = config;
	ctx.deadline_ms = mono_ms() + (deadline_in != 0 ? deadline_in : 10000);
	rc = tool_http_request_run(&ctx);
	json_object_put(config);
	ctx.config = NULL;
	return rc;
}

#define run(env, ...) run_dl(env, 0, __VA_ARGS__)

/* String at key of obj (or of ctx.output when obj is NULL), or NULL. */
static const char *
str_at(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (obj == NULL)
		obj = ctx.output;
	if (!json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static struct json_object *
at(struct json_object *obj, const char *key)
{
	struct json_object *v = NULL;

	if (obj == NULL)
		obj = ctx.output;
	json_object_object_get_ex(obj, key, &v);
	return v;
}

static int
status_of(void)
{
	return json_object_get_int(at(NULL, "status"));
}

static const char *
hdr(const char *name)
{
	return str_at(at(NULL, "headers"), name);
}

/* The body as compact JSON text (static buffer), "(none)" if absent. */
static const char *
body_text(void)
{
	static char buf[4096];
	struct json_object *b;

	if (!json_object_object_get_ex(ctx.output, "body", &b))
		return "(none)";
	snprintf(buf, sizeof(buf), "%s", json_object_to_json_string_ext(b,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	return buf;
}

/* Checks a failure: rc -1, status, code, no output. */
static void
fails(int rc, int status, const char *code, const char *what)
{
	char w[256];

	snprintf(w, sizeof(w), "%s: fails %d %s", what, status, code);
	T_OK(rc == -1 && ctx.err_status == status && ctx.output == NULL &&
	    ctx.err_code != NULL && strcmp(ctx.err_code, code) == 0, "%s", w);
	if (!(rc == -1 && ctx.err_status == status && ctx.err_code != NULL &&
	    strcmp(ctx.err_code, code) == 0))
		printf("#   got rc %d, %d %s: %s\n", rc, ctx.err_status,
		    ctx.err_code ? ctx.err_code : "(null)", ctx.err_msg);
}

static void
succeeds(int rc, const char *what)
{
	T_OK(rc == 0 && ctx.output != NULL, "%s: succeeds", what);
	if (rc != 0)
		printf("#   got %d %s: %s\n", ctx.err_status,
		    ctx.err_code ? ctx.err_code : "(null)", ctx.err_msg);
}

static void
test_get(void)
{
	struct json_object *h, *d;
	int lower = 1;

	succeeds(run(&env_allow, "{\"url\":\"http://127.0.0.1:%d/json\"}", lb.port),
	    "GET /json");
	T_OK(status_of() == 200, "GET /json: status 200");
	T_STR(body_text(), "{\"ok\":true}", "GET /json: body parsed as JSON");
	T_OK(json_object_is_type(at(NULL, "body"), json_type_object),
	    "GET /json: body is an object");
	T_STR(hdr("content-type"), "application/json; charset=utf-8",
	    "GET /json: content-type header");
	T_STR(hdr("x-dup"), "second", "GET /json: last value of a repeated header");
	T_STR(hdr("x-mixed-case"), "Yes", "GET /json: name lower-cased, value kept");
	h = at(NULL, "headers");
	json_object_object_foreach(h, k, v) {
		(void)v;
		for (const char *q = k; *q; q++)
			if (*q >= 'A' && *q <= 'Z')
				lower = 0;
	}
	T_OK(lower, "GET /json: every header name is lower-case");
	d = at(NULL, "durationMs");
	T_OK(json_object_is_type(d, json_type_int) && json_object_get_int64(d) >= 0,
	    "GET /json: durationMs is a non-negative integer");
	T_OK(json_object_object_length(ctx.output) == 4 &&
	    at(NULL, "bodyBase64") == NULL,
	    "GET /json: output has exactly status, headers, body, durationMs");

	succeeds(run(&env_allow, "{\"method\":\"GET\",\"url\":\"http://127.0.0.1:%d/text\"}",
	    lb.port), "GET /text");
	T_STR(body_text(), "\"hello\"", "GET /text: body is the text");

	succeeds(run(&env_allow, "{\"method\":\"HEAD\",\"url\":\"http://127.0.0.1:%d/json\"}",
	    lb.port), "HEAD /json");
	T_OK(status_of() == 200, "HEAD /json: status 200");
	T_STR(body_text(), "\"\"", "HEAD /json: empty body");
	T_STR(hdr("content-length"), "11", "HEAD /json: headers kept");

	succeeds(run(&env_allow, "{\"url\":\"http://127.0.0.1:%d/badjson\"}", lb.port),
	    "GET /badjson");
	T_STR(body_text(), "\"not json\"", "GET /badjson: unparsable JSON kept as text");

	succeeds(run(&env_allow, "{\"url\":\"http://127.0.0.1:%d/problem\"}", lb.port),
	    "GET /problem");
	T_OK(status_of() == 404, "GET /problem: status 404 is not a failure");
	T_STR(body_text(), "{\"title\":\"nope\"}",
	    "GET /problem: +json content type parsed");

	succeeds(run(&env_allow, "{\"url\":\"http://127.0.0.1:%d/binary\"}", lb.port),
	    "GET /binary");
	T_STR(str_at(NULL, "bodyBase64"), "//4AAQ==", "GET /binary: bodyBase64");
	T_STR(body_text(), "null", "GET /binary: body is null");

	succeeds(run(&env_allow, "{\"url\":\"http://127.0.0.1:%d/nul\"}", lb.port),
	    "GET /nul");
	T_STR(str_at(NULL, "bodyBase64"), "YQBi", "GET /nul: text with NUL goes base64");

	succeeds(run(&env_allow, "{\"url\":\"http://127.0.0.1:%d/many\"}", lb.port),
	    "GET /many");
	T_OK(json_object_object_length(at(NULL, "headers")) == 50,
	    "GET /many: 63 header names capped at 50");
	T_STR(hdr("content-type"), "text/plain", "GET /many: the first names kept");
	T_OK(hdr("x-h-59") == NULL, "GET /many: names past the cap dropped");
	T_STR(body_text(), "\"ok\"", "GET /many: body");

	succeeds(run(&env_allow, "{\"url\":\"http://127.0.0.1:%d/redirect\"}", lb.port),
	    "GET /redirect");
	T_OK(status_of() == 302, "GET /redirect: 302 returned, not followed");
	{
		char want[128];

		snprintf(want, sizeof(want), "http://127.0.0.1:%d/json", lb.port);
		T_STR(hdr("location"), want, "GET /redirect: location header");
	}
	T_STR(body_text(), "\"\"", "GET /redirect: empty body");

	succeeds(run(&env_allow, "{\"url\":\"http://127.0.0.1:%d/500\"}", lb.port),
	    "GET /500 without expectStatus");
	T_OK(status_of() == 500, "GET /500: status 500 returned");
	T_STR(body_text(), "{\"error\":\"boom\"}", "GET /500: body");

	fails(run(&env_allow, "{\"url\":\"http://127.0.0.1:%d/500\",\"expectStatus\":[200,201]}",
	    lb.port), 502, "upstream_status", "GET /500 expecting 200/201");
	T_OK(json_object_get_int(at(ctx.err_details, "status")) == 500,
	    "expectStatus mismatch: details.status");

	succeeds(run(&env_allow, "{\"url\":\"http://127.0.0.1:%d/json\",\"expectStatus\":[201,200]}",
	    lb.port), "GET /json expecting 201/200");
	succeeds(run(&env_allow, "{\"url\":\"http://127.0.0.1:%d/json\",\"timeoutMs\":\"5000\","
	    "\"maxBytes\":\"100\",\"expectStatus\":[\"200\"]}", lb.port),
	    "numbers rendered as strings are accepted");
}

static void
test_send(void)
{
	char big[6000];

	succeeds(run(&env_allow, "{\"method\":\"POST\",\"url\":\"http://127.0.0.1:%d/echo\","
	    "\"headers\":{\"X-Custom\":\"v1\"},\"body\":{\"a\":[1,2],\"b\":\"x/y\"}}", lb.port),
	    "POST /echo JSON");
	T_STR(hdr("x-echo-method"), "POST", "POST /echo: method");
	T_STR(hdr("content-type"), "application/json", "POST /echo: sent as application/json");
	T_STR(body_text(), "{\"a\":[1,2],\"b\":\"x/y\"}", "POST /echo: body echoed and parsed");
	T_STR(hdr("x-echo-custom"), "v1", "POST /echo: custom header sent");

	succeeds(run(&env_allow, "{\"method\":\"PUT\",\"url\":\"http://127.0.0.1:%d/echo\","
	    "\"headers\":{\"content-type\":\"text/plain\"},\"body\":\"raw {text}\"}", lb.port),
	    "PUT /echo raw text");
	T_STR(hdr("x-echo-method"), "PUT", "PUT /echo: method");
	T_STR(hdr("content-type"), "text/plain", "PUT /echo: the given content type");
	T_STR(body_text(), "\"raw {text}\"", "PUT /echo: string body sent raw");

	succeeds(run(&env_allow, "{\"method\":\"POST\",\"url\":\"http://127.0.0.1:%d/echo\","
	    "\"body\":\"quoted\"}", lb.port), "POST /echo string without content type");
	T_STR(body_text(), "\"quoted\"", "string body without Content-Type is sent as JSON");
	T_STR(hdr("x-echo-length"), "8", "... with its quotes");

	succeeds(run(&env_allow, "{\"method\":\"PATCH\",\"url\":\"http://127.0.0.1:%d/echo\","
	    "\"headers\":{\"Content-Type\":\"application/merge-patch+json\"},\"body\":{\"n\":42}}",
	    lb.port), "PATCH /echo with a JSON type of its own");
	T_STR(hdr("content-type"), "application/merge-patch+json",
	    "PATCH /echo: the given content type, not a second one");
	T_STR(body_text(), "{\"n\":42}", "PATCH /echo: body serialised");

	succeeds(run(&env_allow, "{\"method\":\"POST\",\"url\":\"http://127.0.0.1:%d/echoctype\"}",
	    lb.port), "POST without body");
	T_STR(body_text(), "\"none\"", "POST without body: no form content type");

	succeeds(run(&env_allow, "{\"method\":\"POST\",\"url\":\"http://127.0.0.1:%d/echo\"}",
	    lb.port), "POST /echo without body");
	T_STR(hdr("x-echo-length"), "0", "POST without body: Content-Length 0");

	succeeds(run(&env_allow, "{\"method\":\"DELETE\",\"url\":\"http://127.0.0.1:%d/echo\","
	    "\"headers\":{\"X-Custom\":42}}", lb.port), "DELETE /echo");
	T_STR(hdr("x-echo-method"), "DELETE", "DELETE /echo: method");
	T_STR(hdr("x-echo-custom"), "42", "a number header value is sent as text");

	succeeds(run(&env_allow, "{\"url\":\"http://127.0.0.1:%d/echo\","
	    "\"headers\":{\"X-Custom\":\"\"}}", lb.port), "GET /echo, empty header");
	T_STR(hdr("x-echo-method"), "GET", "GET /echo: method");
	T_STR(hdr("x-echo-custom"), "", "an empty header value is sent empty");

	succeeds(run(&env_allow, "{\"url\":\"http://127.0.0.1:%d/echo\",\"body\":[true]}",
	    lb.port), "GET /echo with a body");
	T_STR(hdr("x-echo-method"), "GET", "GET with a body: still GET");
	T_STR(body_text(), "[true]", "GET with a body: body sent");

	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	succeeds(run(&env_allow, "{\"method\":\"POST\",\"url\":\"http://127.0.0.1:%d/echo\","
	    "\"body\":\"%s\"}", lb.port, big), "POST /echo 6 kB");
	T_STR(hdr("x-echo-expect"), "none", "no Expect: 100-continue");
	T_STR(hdr("x-echo-length"), "6001", "6 kB body sent whole");
}

static void
test_limits(void)
{
	long long t0;

	fails(run(&env_allow, "{\"url\":\"http://127.0.0.1:%d/slow\",\"timeoutMs\":500}", lb.port),
	    504, "upstream_timeout", "/slow with timeoutMs 500");
	fails(run_dl(&env_allow, 400, "{\"url\":\"http://127.0.0.1:%d/slow\"}", lb.port),
	    504, "upstream_timeout", "/slow past the step deadline");
	t0 = mono_ms();
	fails(run_dl(&env_allow, -5, "{\"url\":\"http://127.0.0.1:%d/json\"}", lb.port),
	    504, "upstream_timeout", "deadline already passed");
	T_OK(mono_ms() - t0 < 1000, "deadline already passed: no call made");

	fails(run(&env_allow, "{\"url\":\"http://127.0.0.1:%d/big\",\"maxBytes\":1000}", lb.port),
	    502, "upstream_too_large", "/big (Content-Length) over maxBytes");
	fails(run(&env_allow, "{\"url\":\"http://127.0.0.1:%d/bigstream\",\"maxBytes\":1000}",
	    lb.port), 502, "upstream_too_large", "/bigstream (no length) over maxBytes");
	fails(run(&env_allow, "{\"url\":\"http://127.0.0.1:%d/bigstream\"}", lb.port),
	    502, "upstream_too_large", "/bigstream over the 1 MiB default");
	succeeds(run(&env_allow, "{\"url\":\"http://127.0.0.1:%d/big\",\"maxBytes\":3000000}",
	    lb.port), "/big under a larger maxBytes");
	T_OK(json_object_get_string_len(at(NULL, "body")) == BIG, "/big: 2 MiB kept");
	succeeds(run(&env_allow, "{\"method\":\"HEAD\",\"url\":\"http://127.0.0.1:%d/big\","
	    "\"maxBytes\":1000}", lb.port), "HEAD /big: no body, so no size failure");
	succeeds(run(&env_allow, "{\"url\":\"http://127.0.0.1:%d/text\",\"maxBytes\":5}", lb.port),
	    "/text with maxBytes exactly its size");
	fails(run(&env_allow, "{\"url\":\"http://127.0.0.1:%d/text\",\"maxBytes\":4}", lb.port),
	    502, "upstream_too_large", "/text one byte over maxBytes");

	fails(run(&env_allow, "{\"url\":\"http://127.0.0.1:%d/json\"}", loopback_closed_port()),
	    502, "upstream_unreachable", "a closed port");
	fails(run(&env_allow, "{\"url\":\"https://127.0.0.1:%d/json\",\"timeoutMs\":3000}",
	    lb.port),
	    502, "upstream_unreachable", "TLS to a plain HTTP server");
}

static void
test_ssrf(void)
{
	static const struct { const char *url, *klass; } refused[] = {
		{ "http://127.0.0.1:%d/json", "loopback" },
		{ "http://localhost:%d/json", "loopback" },
		{ "http://LOCALHOST:%d/json", "loopback" },
		{ "http://[::1]:%d/json", "loopback" },
		{ "http://[::ffff:127.0.0.1]:%d/json", "loopback" },
		{ "http://0.0.0.0:%d/json", "unspecified" },
		{ "http://127.1:%d/json", "loopback" },
		{ "http://2130706433:%d/json", "loopback" },
		{ "http://0x7f.0.0.1:%d/json", "loopback" },
	};
	char what[160], want[64];

	loopback_connections(&lb);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		char url[128];
		int rc;

		snprintf(url, sizeof(url), refused[i].url, lb.port);
		rc = run(&env_deny, "{\"url\":\"%s\"}", url);
		snprintf(what, sizeof(what), "no allow list: %s", url);
		fails(rc, 403, "target_refused", what);
		snprintf(want, sizeof(want), "(%s address)", refused[i].klass);
		T_OK(strstr(ctx.err_msg, want) != NULL, "%s: message names %s",
		    url, refused[i].klass);
		T_STR(str_at(ctx.err_details, "class"), refused[i].klass,
		    "... and details.class");
	}
	run(&env_deny, "{\"url\":\"http://127.0.0.1:%d/json\"}", lb.port);
	T_STR(str_at(ctx.err_details, "address"), "127.0.0.1", "details.address");
	T_OK(loopback_connections(&lb) == 0, "refused targets were never connected to");

	/* ORX_HTTP_ALLOW=localhost: the name is allowed, not its address. */
	succeeds(run(&env_name, "{\"url\":\"http://localhost:%d/json\"}", lb.port),
	    "allow localhost: http://localhost");
	T_STR(body_text(), "{\"ok\":true}", "allow localhost: body");
	T_OK(loopback_connections(&lb) == 1, "allowed target: one connection");
	fails(run(&env_name, "{\"url\":\"http://127.0.0.1:%d/json\"}", lb.port),
	    403, "target_refused", "allow localhost: http://127.0.0.1 still refused");
	T_OK(loopback_connections(&lb) == 0, "refused again without a connection");

	/* ORX_HTTP_ALLOW=127.0.0.1 allows that literal, not names resolving there. */
	fails(run(&env_allow, "{\"url\":\"http://localhost:%d/json\"}", lb.port),
	    403, "target_refused", "allow 127.0.0.1: http://localhost refused");
	succeeds(run(&env_allow, "{\"url\":\"http://[::ffff:127.0.0.1]:%d/json\"}", lb.port),
	    "allow 127.0.0.1: its IPv4-mapped form allowed");
	T_OK(loopback_connections(&lb) == 1, "... and only that one connected");
	fails(run(&env_allow, "{\"url\":\"http://[::1]:%d/json\"}", lb.port),
	    403, "target_refused", "allow 127.0.0.1: ::1 still refused");
}

static void
test_bad_config(void)
{
	static const char *const bad[] = {
		"[]",
		"{}",
		"{\"url\":null}",
		"{\"url\":5}",
		"{\"url\":\"\"}",
		"{\"url\":\"ftp://127.0.0.1:%d/x\"}",
		"{\"url\":\"file:///etc/passwd\"}",
		"{\"url\":\"gopher://127.0.0.1:%d/\"}",
		"{\"url\":\"127.0.0.1:%d/json\"}",
		"{\"url\":\"/json\"}",
		"{\"url\":\"http://\"}",
		"{\"url\":\"http://127.0.0.1:%d/a b\"}",
		"{\"url\":\"http://127.0.0.1:%d/\\u0000x\"}",
		"{\"url\":\"http://127.0.0.1:%d/json\",\"method\":\"TRACE\"}",
		"{\"url\":\"http://127.0.0.1:%d/json\",\"method\":\"get\"}",
		"{\"url\":\"http://127.0.0.1:%d/json\",\"method\":1}",
		"{\"url\":\"http://127.0.0.1:%d/json\",\"headers\":{\"X-A\":\"a\\r\\nInjected: 1\"}}",
		"{\"url\":\"http://127.0.0.1:%d/json\",\"headers\":{\"X-A\":\"Injected\\n\"}}",
		"{\"url\":\"http://127.0.0.1:%d/json\",\"headers\":{\"X-A\":\"Injected\\u0000\"}}",
		"{\"url\":\"http://127.0.0.1:%d/json\",\"headers\":{\"X-A\\r\\nInjected\":\"v\"}}",
		"{\"url\":\"http://127.0.0.1:%d/json\",\"headers\":{\"Bad Name\":\"v\"}}",
		"{\"url\":\"http://127.0.0.1:%d/json\",\"headers\":{\"X:A\":\"v\"}}",
		"{\"url\":\"http://127.0.0.1:%d/json\",\"headers\":{\"\":\"v\"}}",
		"{\"url\":\"http://127.0.0.1:%d/json\",\"headers\":{\"X-A\":{\"o\":1}}}",
		"{\"url\":\"http://127.0.0.1:%d/json\",\"headers\":{\"X-A\":null}}",
		"{\"url\":\"http://127.0.0.1:%d/json\",\"headers\":[\"X-A: v\"]}",
		"{\"url\":\"http://127.0.0.1:%d/json\",\"headers\":{\"Content-Length\":\"5\"}}",
		"{\"url\":\"http://127.0.0.1:%d/json\",\"timeoutMs\":0}",
		"{\"url\":\"http://127.0.0.1:%d/json\",\"timeoutMs\":60001}",
		"{\"url\":\"http://127.0.0.1:%d/json\",\"timeoutMs\":1.5}",
		"{\"url\":\"http://127.0.0.1:%d/json\",\"timeoutMs\":\"abc\"}",
		"{\"url\":\"http://127.0.0.1:%d/json\",\"timeoutMs\":-1}",
		"{\"url\":\"http://127.0.0.1:%d/json\",\"maxBytes\":0}",
		"{\"url\":\"http://127.0.0.1:%d/json\",\"maxBytes\":10485761}",
		"{\"url\":\"http://127.0.0.1:%d/json\",\"expectStatus\":200}",
		"{\"url\":\"http://127.0.0.1:%d/json\",\"expectStatus\":[]}",
		"{\"url\":\"http://127.0.0.1:%d/json\",\"expectStatus\":[99]}",
		"{\"url\":\"http://127.0.0.1:%d/json\",\"expectStatus\":[200,\"x\"]}",
		"{\"url\":\"http://127.0.0.1:%d/json\",\"method\":\"HEAD\",\"body\":{}}",
		"{\"url\":\"http://127.0.0.1:%d/json\",\"timeout\":100}",
	};
	char text[512], what[600];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc;

		snprintf(text, sizeof(text), bad[i], lb.port);
		rc = run(&env_allow, "%s", text);
		snprintf(what, sizeof(what), "bad config %s", text);
		fails(rc, 400, "bad_config", what);
		T_OK(strstr(ctx.err_msg, "Injected") == NULL,
		    "... and the message does not quote a header value");
	}
}

static int
load(struct config *c, struct exec_env *env, const char *allow)
{
	char err[256];

	if (allow != NULL)
		setenv("ORX_HTTP_ALLOW", allow, 1);
	else
		unsetenv("ORX_HTTP_ALLOW");
	if (config_load(c, err, sizeof(err)) == -1) {
		printf("# config_load: %s\n", err);
		return -1;
	}
	memset(env, 0, sizeof(*env));
	env->cfg = c;
	return 0;
}

int
main(void)
{

	unsetenv("ORX_CONFIG_FILE");
	unsetenv("ORX_HTTP_TIMEOUT_MS");
	unsetenv("ORX_JSON_MAX_DEPTH");
	curl_global_init(CURL_GLOBAL_DEFAULT);
	T_OK(load(&cfg_allow, &env_allow, "127.0.0.1") == 0 &&
	    load(&cfg_deny, &env_deny, NULL) == 0 &&
	    load(&cfg_name, &env_name, " localhost ") == 0, "configs load");
	T_OK(loopback_start(&lb, serve) == 0, "test server listens on 127.0.0.1:%d", lb.port);
	if (lb.pid > 0) {
		test_get();
		test_send();
		test_limits();
		test_ssrf();
		test_bad_config();
		reset();
		loopback_stop(&lb);
	}
	config_free(&cfg_allow);
	config_free(&cfg_deny);
	config_free(&cfg_name);
	curl_global_cleanup();
	return t_done();
}
