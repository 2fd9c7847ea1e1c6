/*
 * Unit tests for the MCP layer's parts that need no network: JSON-RPC
 * intake (kinds, batches, malformed messages, limits), response and error
 * texts, protocol versions, id shapes, Accept / Origin / Host checks, the
 * initialize result's capabilities, and dispatch decisions taken before a
 * handler or the database is reached.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "arena.h"
#include "json.h"
#include "mcp.h"
#include "mcp_private.h"
#include "mcp_shared.h"
#include "t.h"

/* Parses s; returns the code (0 = ok) and fills m; the root is dropped. */
static int
parse(const char *s, struct mcp_msg *m, struct json_object **keep)
{
	struct json_object *root;
	const char *why = NULL;
	int rc = mcp_msg_parse(s, strlen(s), 32, &root, m, &why);

	if (rc != 0 && why == NULL)
		rc = 1;   /* an error must say why */
	if (keep != NULL)
		*keep = root;
	else
		json_object_put(root);
	return rc;
}

static void
test_parse(void)
{
	struct mcp_msg m;
	struct json_object *root;
	char deep[202];

	T_OK(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", &m, &root) == 0 &&
	    m.kind == MCP_MSG_REQUEST && strcmp(m.method, "ping") == 0 &&
	    json_object_get_int(m.id) == 1 && m.params == NULL, "request with an integer id");
	json_object_put(root);
	T_OK(parse("{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"tools/call\","
	    "\"params\":{\"name\":\"x\"}}", &m, &root) == 0 && m.params != NULL &&
	    strcmp(json_object_get_string(m.id), "a") == 0, "request with a string id and params");
	json_object_put(root);
	T_OK(parse("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", &m, NULL) == 0 &&
	    m.kind == MCP_MSG_NOTIFICATION, "notification (no id)");
	T_OK(parse("{\"jsonrpc\":\"2.0\",\"id\":\"srv-1\",\"result\":{}}", &m, NULL) == 0 &&
	    m.kind == MCP_MSG_RESPONSE, "response with result");
	T_OK(parse("{\"jsonrpc\":\"2.0\",\"id\":\"srv-1\",\"error\":{\"code\":-1,"
	    "\"message\":\"no\"}}", &m, NULL) == 0 && m.kind == MCP_MSG_RESPONSE,
	    "response with error");
	T_OK(parse("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]", &m, NULL) ==
	    MCP_INVALID_REQUEST, "a batch is refused (-32600)");
	T_OK(parse("{\"jsonrpc\":", &m, NULL) == MCP_PARSE_ERROR, "truncated JSON (-32700)");
	T_OK(parse("", &m, NULL) == MCP_PARSE_ERROR, "empty body (-32700)");
	T_OK(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"p\xff\"}", &m, NULL) ==
	    MCP_PARSE_ERROR, "invalid UTF-8 (-32700)");
	T_OK(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"} x", &m, NULL) ==
	    MCP_PARSE_ERROR, "trailing bytes (-32700)");
	memset(deep, '[', 100);
	memset(deep + 100, ']', 100);
	deep[200] = '\0';
	T_OK(parse(deep, &m, NULL) == MCP_PARSE_ERROR, "nesting beyond the limit (-32700)");
	T_OK(parse("\"ping\"", &m, NULL) == MCP_INVALID_REQUEST, "not an object");
	T_OK(parse("{\"id\":1,\"method\":\"ping\"}", &m, NULL) == MCP_INVALID_REQUEST,
	    "jsonrpc missing");
	T_OK(parse("{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}", &m, NULL) ==
	    MCP_INVALID_REQUEST, "jsonrpc 1.0");
	T_OK(parse("{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"ping\"}", &m, NULL) ==
	    MCP_INVALID_REQUEST, "fractional id");
	T_OK(parse("{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"ping\"}", &m, NULL) ==
	    MCP_INVALID_REQUEST, "null id");
	T_OK(parse("{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"ping\"}", &m, NULL) ==
	    MCP_INVALID_REQUEST, "object id");
	T_OK(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":7}", &m, NULL) ==
	    MCP_INVALID_REQUEST, "method not a string");
	T_OK(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\"}", &m, NULL) ==
	    MCP_INVALID_REQUEST, "empty method");
	T_OK(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":[1]}", &m, NULL) ==
	    MCP_INVALID_REQUEST, "params as an array");
	T_OK(parse("{\"jsonrpc\":\"2.0\",\"id\":1}", &m, NULL) == MCP_INVALID_REQUEST,
	    "neither method nor result");
	T_OK(parse("{\"jsonrpc\":\"2.0\",\"result\":{}}", &m, NULL) == MCP_INVALID_REQUEST,
	    "a response without an id");
	T_OK(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{},\"error\":{}}", &m, NULL) ==
	    MCP_INVALID_REQUEST, "both result and error");
}

static void
test_texts(void)
{
	struct arena a;
	struct json_object *id = json_object_new_string("q\"1"), *r = json_object_new_object();

	arena_init(&a, 1024);
	json_object_object_add(r, "ok", json_object_new_boolean(1));
	T_STR(mcp_result_json(&a, id, r), "{\"jsonrpc\":\"2.0\",\"id\":\"q\\\"1\",\"result\":{\"ok\":true}}",
	    "result text");
	T_STR(mcp_error_json(&a, NULL, MCP_METHOD_NOT_FOUND, "no \"such\" method"),
	    "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32601,"
	    "\"message\":\"no \\\"such\\\" method\"}}", "error text with a null id");
	json_object_put(id);
	json_object_put(r);
	arena_free(&a);
}

static void
test_versions_and_ids(void)
{
	char stream[25];
	long long seq = -1;

	T_OK(mcp_version_parse("2025-11-25") == MCP_V2025_11_25 &&
	    mcp_version_parse("2025-06-18") == MCP_V2025_06_18 &&
	    mcp_version_parse("2025-03-26") == MCP_V2025_03_26, "the three versions are known");
	T_OK(mcp_version_parse("2024-11-05") < 0 && mcp_version_parse("") < 0 &&
	    mcp_version_parse(NULL) < 0, "other versions are not");
	T_STR(mcp_version_negotiate("2025-06-18"), "2025-06-18", "a known version is kept");
	T_STR(mcp_version_negotiate("1999-01-01"), "2025-11-25", "else the latest is offered");
	T_OK(mcp_session_id_valid("0123456789abcdef0123456789abcdef"), "session id shape");
	T_OK(!mcp_session_id_valid("0123456789ABCDEF0123456789abcdef") &&
	    !mcp_session_id_valid("0123456789abcdef0123456789abcde") &&
	    !mcp_session_id_valid("0123456789abcdef0123456789abcdef0") &&
	    !mcp_session_id_valid("0123456789abcdef0123456789abcdeg") &&
	    !mcp_session_id_valid(NULL), "bad session ids");
	T_OK(mcp_event_id_parse("0123456789abcdef01234567.42", stream, &seq) == 0 &&
	    strcmp(stream, "0123456789abcdef01234567") == 0 && seq == 42, "event id");
	T_OK(mcp_event_id_parse("0123456789abcdef01234567.0", stream, &seq) == 0 && seq == 0,
	    "priming event id");
	T_OK(mcp_event_id_parse("0123456789abcdef01234567.", stream, &seq) == -1 &&
	    mcp_event_id_parse("0123456789abcdef01234567.-1", stream, &seq) == -1 &&
	    mcp_event_id_parse("0123456789abcdef0123456.1", stream, &seq) == -1 &&
	    mcp_event_id_parse("0123456789abcdef01234567:1", stream, &seq) == -1 &&
	    mcp_event_id_parse("0123456789abcdef01234567.1234567890123456789", stream, &seq) == -1 &&
	    mcp_event_id_parse("../etc/passwd", stream, &seq) == -1, "bad event ids");
	T_OK(mcp_log_level_parse("debug") == MCP_LOG_DEBUG &&
	    mcp_log_level_parse("emergency") == MCP_LOG_EMERGENCY &&
	    mcp_log_level_parse("loud") == -1, "log levels");
}

static void
test_headers(void)
{
	T_OK(mcp_accepts("application/json, text/event-stream", "text/event-stream") &&
	    mcp_accepts("application/json, text/event-stream", "application/json"),
	    "Accept with both types");
	T_OK(!mcp_accepts("application/json", "text/event-stream"), "Accept without SSE");
	T_OK(mcp_accepts("*/*", "text/event-stream") && mcp_accepts("text/*", "text/event-stream") &&
	    mcp_accepts(NULL, "application/json"), "wildcards and no Accept");
	T_OK(!mcp_accepts("text/event-stream;q=0, application/json", "text/event-stream"),
	    "q=0 refuses");
	T_OK(!mcp_accepts("text/event-streamx", "text/event-stream"), "no prefix match");

	T_OK(mcp_origin_allowed(NULL, "127.0.0.1:8080", ""), "no Origin (not a browser)");
	T_OK(mcp_origin_allowed("http://127.0.0.1:8080", "127.0.0.1:8080", ""),
	    "same-host Origin");
	T_OK(!mcp_origin_allowed("http://evil.example.com", "127.0.0.1:8080", ""),
	    "foreign Origin refused");
	T_OK(!mcp_origin_allowed("http://127.0.0.1:8081", "127.0.0.1:8080", ""),
	    "another port is another origin");
	T_OK(!mcp_origin_allowed("null", "127.0.0.1:8080", ""), "opaque origin refused");
	T_OK(!mcp_origin_allowed("http://127.0.0.1:8080@evil.com", "127.0.0.1:8080", ""),
	    "userinfo tricks refused");
	T_OK(mcp_origin_allowed("https://app.example.com", "api.example.com",
	    "https://app.example.com, other.example"), "allow-listed origin");
	T_OK(mcp_origin_allowed("https://other.example", "api.example.com",
	    "https://app.example.com, other.example"), "allow-listed host");

	T_OK(mcp_host_allowed("127.0.0.1:8080", "http://127.0.0.1:8080", "") &&
	    mcp_host_allowed("localhost:9", "http://127.0.0.1:8080", "") &&
	    mcp_host_allowed("[::1]:8080", "http://127.0.0.1:8080", ""),
	    "loopback Hosts on a loopback server");
	T_OK(!mcp_host_allowed("evil.example.com", "http://127.0.0.1:8080", "") &&
	    !mcp_host_allowed("evil.example.com:8080", "http://localhost:8080", "") &&
	    !mcp_host_allowed(NULL, "http://127.0.0.1:8080", ""),
	    "foreign Host on a loopback server refused (DNS rebinding)");
	T_OK(mcp_host_allowed("dev.box:8080", "http://127.0.0.1:8080", "dev.box"),
	    "allow-listed Host");
	T_OK(mcp_host_allowed("api.example.com", "https://api.example.com", ""),
	    "a public server leaves Host to nginx");
}

static int calls;

static int
h_list(struct mcp_ctx *c, struct json_object *params, struct json_object *result)
{
	(void)c;
	(void)params;
	calls++;
	json_object_object_add(result, "tools", json_object_new_array());
	return 0;
}

static void
test_dispatch(void)
{
	static const struct mcp_server srv = {
		.name = "t", .version = "1", .tools_list = h_list,
		.tools_call = h_list,
	};
	static const struct mcp_server full = {
		.name = "t", .title = "T", .version = "1", .instructions = "hi",
		.flags = MCP_RESOURCES_SUBSCRIBE | MCP_TOOLS_LIST_CHANGED,
		.tools_list = h_list, .resources_list = h_list, .prompts_list = h_list,
		.completion_complete = h_list,
	};
	struct mcp_stream st;
	struct mcp_ctx c;
	struct arena a;
	struct json_object *res = json_object_new_object(), *p, *init, *x;

	arena_init(&a, 4096);
	memset(&st, 0, sizeof(st));
	memset(&c, 0, sizeof(c));
	c.srv = &srv;
	c.arena = &a;
	c.stream = &st;
	T_OK(mcp_dispatch(&c, "ping", NULL, res) == 0, "ping answers {}");
	T_OK(mcp_dispatch(&c, "nope/nothing", NULL, res) == MCP_METHOD_NOT_FOUND &&
	    strstr(c.errmsg, "nope/nothing") != NULL, "unknown method -32601");
	T_OK(mcp_dispatch(&c, "prompts/list", NULL, res) == MCP_METHOD_NOT_FOUND,
	    "a capability not offered is -32601");
	T_OK(mcp_dispatch(&c, "resources/subscribe", NULL, res) == MCP_METHOD_NOT_FOUND,
	    "subscribe without the flag is -32601");
	T_OK(mcp_dispatch(&c, "tools/call", NULL, res) == MCP_INVALID_PARAMS,
	    "tools/call without params -32602");
	p = json_tokener_parse("{\"name\":7}");
	T_OK(mcp_dispatch(&c, "tools/call", p, res) == MCP_INVALID_PARAMS,
	    "tools/call with a non-string name -32602");
	json_object_put(p);
	p = json_tokener_parse("{\"name\":\"x\",\"arguments\":[1]}");
	T_OK(mcp_dispatch(&c, "tools/call", p, res) == MCP_INVALID_PARAMS,
	    "tools/call with array arguments -32602");
	json_object_put(p);
	T_OK(mcp_dispatch(&c, "tools/list", NULL, res) == 0 && calls == 1 &&
	    json_object_object_get_ex(res, "tools", NULL), "tools/list reaches the handler");

	init = mcp_initialize_result(&srv, "2025-06-18");
	T_OK(json_object_object_get_ex(init, "capabilities", &x) &&
	    json_object_object_get_ex(x, "tools", NULL) &&
	    !json_object_object_get_ex(x, "resources", NULL) &&
	    !json_object_object_get_ex(x, "prompts", NULL) &&
	    json_object_object_get_ex(x, "logging", NULL), "capabilities follow the handlers");
	T_STR(json_get_str(init, "protocolVersion"), "2025-06-18", "negotiated version");
	json_object_put(init);
	init = mcp_initialize_result(&full, "2025-11-25");
	T_STR(json_plain(init), "{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{"
	    "\"tools\":{\"listChanged\":true},\"resources\":{\"subscribe\":true,"
	    "\"listChanged\":false},\"prompts\":{\"listChanged\":false},\"completions\":{},"
	    "\"logging\":{}},\"serverInfo\":{\"name\":\"t\",\"title\":\"T\",\"version\":\"1\"},"
	    "\"instructions\":\"hi\"}", "full initialize result");
	json_object_put(init);
	json_object_put(res);
	arena_free(&a);
}

static void
test_results(void)
{
	struct json_object *r = json_object_new_object();

	mcp_tool_text(r, 0, "a %d", 1);
	mcp_tool_text(r, 1, "b");
	T_STR(json_plain(r), "{\"content\":[{\"type\":\"text\",\"text\":\"a 1\"},"
	    "{\"type\":\"text\",\"text\":\"b\"}],\"isError\":true}", "tool result builders");
	json_object_put(r);
	r = json_object_new_object();
	mcp_tool_structured(r, json_tokener_parse("{\"user\":{\"id\":\"u1\"}}"), 0);
	T_STR(json_plain(r), "{\"content\":[{\"type\":\"text\",\"text\":"
	    "\"{\\\"user\\\":{\\\"id\\\":\\\"u1\\\"}}\"}],"
	    "\"structuredContent\":{\"user\":{\"id\":\"u1\"}}}", "structured tool result");
	json_object_put(r);
}

/* A fake server glue that records what a streaming response sends. */
struct fake {
	char	out[512];
	size_t	n;
	int	begun, ended, fail;
};

static int
f_begin(void *ctx, const struct resp *w)
{
	struct fake *f = ctx;

	f->begun = w->status;
	return 0;
}

static int
f_write(void *ctx, const char *s, size_t n)
{
	struct fake *f = ctx;

	if (f->fail || f->n + n >= sizeof(f->out))
		return -1;
	memcpy(f->out + f->n, s, n);
	f->n += n;
	f->out[f->n] = '\0';
	return 0;
}

static void
f_end(void *ctx)
{
	((struct fake *)ctx)->ended = 1;
}

static int
f_fd(void *ctx)
{
	(void)ctx;
	return 7;
}

static void
test_streaming(void)
{
	static const struct stream_io io = { f_begin, f_write, f_end, f_fd };
	struct fake f;
	struct arena a;
	struct resp w;

	arena_init(&a, 1024);
	resp_init(&w, &a);
	T_OK(resp_stream_begin(&w, 200, "text/event-stream") == -1 &&
	    resp_stream_write(&w, "x", 1) == -1 && resp_stream_fd(&w) == -1,
	    "without server glue nothing streams");
	memset(&f, 0, sizeof(f));
	resp_init(&w, &a);
	w.sio = &io;
	w.sio_ctx = &f;
	T_OK(resp_stream_begin(&w, 200, "text/event-stream") == 0 && f.begun == 200 &&
	    w.stream == STREAM_OPEN && resp_stream_fd(&w) == 7, "stream begins");
	T_OK(resp_stream_begin(&w, 200, "text/event-stream") == -1, "begins once");
	T_OK(resp_stream_write(&w, "data: 1\n\n", 9) == 0 && strcmp(f.out, "data: 1\n\n") == 0,
	    "writes pass through");
	f.fail = 1;
	T_OK(resp_stream_write(&w, "x", 1) == -1 && w.stream_failed &&
	    resp_stream_fd(&w) == -1, "a failed write marks the client gone");
	f.fail = 0;
	T_OK(resp_stream_write(&w, "x", 1) == -1, "and later writes fail at once");
	resp_stream_end(&w);
	T_OK(f.ended && w.stream == STREAM_ENDED && resp_stream_write(&w, "x", 1) == -1,
	    "end finishes the response");
	arena_free(&a);
}

/* Mutations of valid messages (fixed seed): the parser never crashes. */
static void
test_mutations(void)
{
	static const char *const seeds[] = {
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":"
		    "{\"name\":\"x\",\"arguments\":{\"a\":[1,2,{\"b\":null}]}}}",
		"{\"jsonrpc\":\"2.0\",\"id\":\"srv-1\",\"result\":{\"action\":\"accept\"}}",
		"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":"
		    "{\"requestId\":\"c1\"}}",
	};
	unsigned long long x = 88172645463325252ULL;
	int ok = 1, parsed = 0;

	for (int n = 0; n < 20000; n++) {
		const char *seed = seeds[n % 3];
		size_t len = strlen(seed);
		char buf[256];
		struct mcp_msg m;
		struct json_object *root;
		const char *why = NULL;
		int rc;

		memcpy(buf, seed, len);
		for (int k = 0; k < 1 + n % 4; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[x % len] = (char)(x >> 24);
		}
		if (n % 5 == 0)
			len = (size_t)(x >> 32) % len;
		rc = mcp_msg_parse(buf, len, 32, &root, &m, &why);
		if (rc == 0)
			parsed++;
		else if (why == NULL || (rc != MCP_PARSE_ERROR && rc != MCP_INVALID_REQUEST))
			ok = 0;
		if (rc == 0 && (m.kind >= MCP_MSG__MAX || (m.kind != MCP_MSG_RESPONSE &&
		    m.method == NULL)))
			ok = 0;
		json_object_put(root);
	}
	T_OK(ok, "20000 mutated messages: each parsed or refused with a reason (%d parsed)",
	    parsed);
}

/* Held-stream slots: a limit, release, and slots of dead workers reclaimed. */
static void
test_stream_slots(void)
{
	struct mcp_shared *m = calloc(1, sizeof(*m));
	int a, b, c, status;
	pid_t dead;

	T_OK(mcp_stream_claim(NULL, 2) == -1, "no shared page, no slot");
	a = mcp_stream_claim(m, 2);
	b = mcp_stream_claim(m, 2);
	c = mcp_stream_claim(m, 2);
	T_OK(a >= 0 && b >= 0 && a != b && c == -1, "at most limit slots");
	mcp_stream_release(m, a);
	T_OK((c = mcp_stream_claim(m, 2)) >= 0, "a released slot is free again");
	mcp_stream_release(m, b);
	mcp_stream_release(m, c);
	if ((dead = fork()) == 0)
		_exit(0);
	waitpid(dead, &status, 0);
	atomic_store(&m->stream_pid[0], (int)dead);
	atomic_store(&m->stream_pid[1], (int)getpid());
	a = mcp_stream_claim(m, 2);
	T_OK(a == 0, "the slot of a dead worker is taken back");
	T_OK(mcp_stream_claim(m, 2) == -1, "live holders still count");
	free(m);
}

int
main(void)
{
	test_mutations();
	test_stream_slots();
	test_streaming();
	test_parse();
	test_texts();
	test_versions_and_ids();
	test_headers();
	test_dispatch();
	test_results();
	return t_done();
}
