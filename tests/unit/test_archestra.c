/*
 * Unit tests for lib/archestra/archestra.c: the deployment package both ways, and the
 * client driven for real against a small HTTP/1.1 server this test forks on
 * 127.0.0.1 (a free port; one process per connection). Nothing leaves the
 * loopback interface.
 *
 * The server answers by the first path segment (the client's endpoint):
 * /good (POST 201, PUT 200 naming the agent in the path, DELETE 204)
 * /replay (200, no version) /401 /403 /422 /400errors /400garbage /404
 * /500 /503 /garbage /badid /badurl /array /badversion /big (2 MiB) /slow
 * (3 s) /302 /other (PUT: another agent) /202. Each request's head and
 * body are written to files in a scratch folder for the test to read.
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

#include "archestra.h"
#include "config.h"
#include "json.h"
#include "loopback.h"
#include "t.h"

#define BIG	(2 * 1024 * 1024)
#define KEY	"test-key-123"

static struct loopback lb;
static char dir[] = "/tmp/orx-arc-XXXXXX";

/* ---- the server (child processes) ---- */

/* Writes p[0..n) to dir/name (through a rename, so a reader sees all or none). */
static void
record(const char *name, const char *p, size_t n)
{
	char tmp[128], path[128];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s/%s.tmp", dir, name);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		return;
	lb_write_all(fd, p, n);
	close(fd);
	rename(tmp, path);
}

/* Sends a whole answer: status line, JSON content type, body. */
static void
answer(int fd, const char *status, const char *body)
{
	char head[512];
	int n = snprintf(head, sizeof(head), "HTTP/1.1 %s\r\n"
	    "Content-Type: application/json\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n", status, strlen(body));

	if (lb_write_all(fd, head, (size_t)n) == 0)
		lb_write_all(fd, body, strlen(body));
}

/* An agent answer for id, with "version" when version > 0. */
static void
agent_answer(int fd, const char *status, const char *id, int version)
{
	char body[1024];

	if (version > 0)
		snprintf(body, sizeof(body), "{\"agentId\":\"%s\",\"publicEndpoint\":"
		    "\"http://127.0.0.1:%d/agents/%s\",\"dashboardUrl\":"
		    "\"http://127.0.0.1:%d/dashboard/%s\",\"version\":%d}",
		    id, lb.port, id, lb.port, id, version);
	else
		snprintf(body, sizeof(body), "{\"agentId\":\"%s\",\"publicEndpoint\":"
		    "\"https://agents.example/agents/%s\",\"dashboardUrl\":"
		    "\"https://agents.example/dashboard/%s\",\"extra\":[1]}", id, id, id);
	answer(fd, status, body);
}

/* Answers one request on fd, then returns (the caller exits). */
static void
serve(int fd)
{
	static char req[256 * 1024];
	char method[16], path[256], base[256], val[1024];
	const char *id;
	size_t len = 0, hlen, blen = 0;
	char *eoh = NULL, *slash;

	while (eoh == NULL) {
		ssize_t r = read(fd, req + len, sizeof(req) - 1 - len);
		if (r <= 0)
			return;
		len += (size_t)r;
		req[len] = '\0';
		if (req[0] == 0x16) {
			/* A TLS ClientHello: answer in plain text, as such a server would. */
			lb_write_all(fd, "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n", 47);
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
	record("body", req + hlen, blen);
	record("head", req, hlen);

	/* base: the first path segment; id: what follows it, if anything. */
	snprintf(base, sizeof(base), "%s", path);
	if ((slash = strchr(base + 1, '/')) != NULL) {
		*slash = '\0';
		id = path + (slash - base) + 1;
	} else
		id = NULL;

	if (strcmp(base, "/good") == 0) {
		if (strcmp(method, "POST") == 0)
			agent_answer(fd, "201 Created", "agent_abcdef12", 1);
		else if (strcmp(method, "PUT") == 0 && id != NULL)
			agent_answer(fd, "200 OK", id, 2);
		else if (strcmp(method, "DELETE") == 0)
			lb_write_all(fd, "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n", 46);
		else
			answer(fd, "405 Method Not Allowed", "{}");
	} else if (strcmp(base, "/replay") == 0) {
		agent_answer(fd, "200 OK", "agent_0123456789abcdef", 0);
	} else if (strcmp(base, "/other") == 0) {
		agent_answer(fd, "200 OK", "agent_zzzzzzzz", 3);
	} else if (strcmp(base, "/401") == 0) {
		answer(fd, "401 Unauthorized", "{\"error\":{\"code\":\"unauthorized\","
		    "\"message\":\"bad key\"}}");
	} else if (strcmp(base, "/403") == 0) {
		answer(fd, "403 Forbidden", "{}");
	} else if (strcmp(base, "/422") == 0) {
		answer(fd, "422 Unprocessable Entity", "{\"error\":{\"code\":"
		    "\"validation_failed\",\"message\":\"bad\",\"details\":"
		    "[{\"path\":\"/name\",\"message\":\"required\"}]}}");
	} else if (strcmp(base, "/400errors") == 0) {
		answer(fd, "400 Bad Request", "{\"errors\":[{\"path\":\"/tools/0\","
		    "\"message\":\"bad\\ntool\"},{\"message\":\"second\"},{\"path\":1}]}");
	} else if (strcmp(base, "/400garbage") == 0) {
		answer(fd, "400 Bad Request", "<html>oops</html>");
	} else if (strcmp(base, "/404") == 0) {
		answer(fd, "404 Not Found", "{\"error\":{\"code\":\"not_found\","
		    "\"message\":\"no such agent\"}}");
	} else if (strcmp(base, "/500") == 0) {
		answer(fd, "500 Internal Server Error", "{\"error\":\"boom\"}");
	} else if (strcmp(base, "/502") == 0) {
		answer(fd, "502 Bad Gateway", "{\"error\":{\"code\":\"orchestrator_failed\","
		    "\"message\":\"Kubernetes: deployments: Forbidden\\n(RBAC)\"}}");
	} else if (strcmp(base, "/dedicated") == 0 || strcmp(base, "/badorch") == 0) {
		char body[1024];

		snprintf(body, sizeof(body), "{\"agentId\":\"%s\",\"publicEndpoint\":"
		    "\"http://mcp-agent-abcdef12.ns.svc.cluster.local/agents/agent_abcdef12\","
		    "\"dashboardUrl\":\"http://127.0.0.1/dashboard/agent_abcdef12\",\"version\":1,"
		    "\"isolation\":\"dedicated\",\"orchestrator\":{\"status\":\"%s\","
		    "\"reason\":\"CrashLoopBackOff: back-off\",\"namespace\":\"ns\"}}",
		    id ? id : "agent_abcdef12", strcmp(base, "/badorch") == 0 ? "exploded" : "failed");
		answer(fd, "200 OK", body);
	} else if (strcmp(base, "/503") == 0) {
		answer(fd, "503 Service Unavailable", "");
	} else if (strcmp(base, "/garbage") == 0) {
		answer(fd, "201 Created", "not json at all");
	} else if (strcmp(base, "/badid") == 0) {
		agent_answer(fd, "201 Created", "agent_ABC", 1);
	} else if (strcmp(base, "/badurl") == 0) {
		answer(fd, "201 Created", "{\"agentId\":\"agent_abcdef12\",\"publicEndpoint\":"
		    "\"javascript:alert(1)\",\"dashboardUrl\":\"http://127.0.0.1/d\"}");
	} else if (strcmp(base, "/array") == 0) {
		answer(fd, "201 Created", "[{\"agentId\":\"agent_abcdef12\"}]");
	} else if (strcmp(base, "/badversion") == 0) {
		answer(fd, "201 Created", "{\"agentId\":\"agent_abcdef12\",\"publicEndpoint\":"
		    "\"http://127.0.0.1/a\",\"dashboardUrl\":\"http://127.0.0.1/d\","
		    "\"version\":\"2\"}");
	} else if (strcmp(base, "/trailing") == 0) {
		answer(fd, "201 Created", "{\"agentId\":\"agent_abcdef12\",\"publicEndpoint\":"
		    "\"http://127.0.0.1/a\",\"dashboardUrl\":\"http://127.0.0.1/d\"}x");
	} else if (strcmp(base, "/202") == 0) {
		agent_answer(fd, "202 Accepted", "agent_abcdef12", 1);
	} else if (strcmp(base, "/302") == 0) {
		char head[256];
		int n = snprintf(head, sizeof(head), "HTTP/1.1 302 Found\r\nLocation: "
		    "http://127.0.0.1:%d/good\r\nContent-Length: 0\r\n"
		    "Connection: close\r\n\r\n", lb.port);
		lb_write_all(fd, head, (size_t)n);
	} else if (strcmp(base, "/big") == 0) {
		static char chunk[65536];
		char head[256];
		int n = snprintf(head, sizeof(head), "HTTP/1.1 201 Created\r\n"
		    "Content-Type: application/json\r\nContent-Length: %d\r\n"
		    "Connection: close\r\n\r\n", BIG);

		memset(chunk, ' ', sizeof(chunk));
		if (lb_write_all(fd, head, (size_t)n) == -1)
			return;
		for (int sent = 0; sent < BIG; sent += (int)sizeof(chunk))
			if (lb_write_all(fd, chunk, sizeof(chunk)) == -1)
				return;
	} else if (strcmp(base, "/slow") == 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		/* The client hanging up ends the wait early. */
		if (poll(&pfd, 1, 3000) != 0)
			return;
		agent_answer(fd, "201 Created", "agent_abcdef12", 1);
	} else {
		answer(fd, "404 Not Found", "{}");
	}
}

/* Reads dir/name into buf (NUL-terminated), then removes it; -1 if absent. */
static long
take(const char *name, char *buf, size_t bufsz)
{
	char path[128];
	size_t n = 0;
	ssize_t r;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_RDONLY)) == -1) {
		buf[0] = '\0';
		return -1;
	}
	while (n + 1 < bufsz && (r = read(fd, buf + n, bufsz - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
	close(fd);
	unlink(path);
	return (long)n;
}

/* ---- the package ---- */

static const char *const doc_text =
    "{\"name\":\"signup\",\"description\":\"Sign up\","
    "\"inputSchema\":{\"type\":\"object\",\"properties\":{\"email\":{\"type\":\"string\"}}},"
    "\"tools\":["
    "{\"toolId\":\"in\",\"name\":\"Input\",\"type\":\"input\",\"config\":{}},"
    "{\"toolId\":\"hash\",\"name\":\"Hash\",\"type\":\"password_hash\","
    "\"config\":{\"from\":\"{{input.password}}\"},\"description\":\"hash it\","
    "\"inputSchema\":{\"type\":\"object\"},"
    "\"outputSchema\":{\"type\":\"object\",\"properties\":{\"hash\":{\"type\":\"string\"}}}},"
    "{\"toolId\":\"out\",\"name\":\"Reply\",\"type\":\"response\","
    "\"config\":{\"status\":201,\"body\":{\"ok\":true,\"n\":[1,2.5,null]}}}],"
    "\"executionOrder\":[\"in\",\"hash\",\"out\"]}";

/* The member names of obj, comma-separated, in order (static buffer). */
static const char *
keys_of(struct json_object *obj)
{
	static char buf[512];
	size_t n = 0;

	buf[0] = '\0';
	json_object_object_foreach(obj, k, v) {
		(void)v;
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? "," : "", k);
		if (n >= sizeof(buf))
			break;
	}
	return buf;
}

static const char *
at_text(struct json_object *obj, const char *ptr)
{
	struct json_object *v = NULL;

	if (json_pointer_get(obj, ptr, &v) != 0)
		return "(absent)";
	return json_plain(v);
}

static void
test_package(void)
{
	struct json_object *doc = json_tokener_parse(doc_text);
	struct json_object *secrets = json_tokener_parse(
	    "{\"jwtKey\":\"s3cr3t-value\",\"api.token-2\":\"t\"}");
	struct json_object *empty = json_object_new_object();
	struct json_object *pkg, *back = NULL, *sec = NULL, *errors;
	int rc;

	pkg = arc_package(doc, "mcp_abc", "owner_1", 4, "2024-05-01T10:00:00.000Z", secrets);
	T_OK(pkg != NULL, "arc_package builds a package");
	T_STR(keys_of(pkg), "name,description,tools,executionOrder,inputSchema,metadata,secrets",
	    "package: top-level fields in order");
	T_STR(keys_of(json_object_array_get_idx(json_object_object_get(pkg, "tools"), 1)),
	    "toolId,name,description,handler,inputSchema,outputSchema",
	    "package: tool fields in order");
	T_STR(at_text(pkg, "/tools/1/handler"),
	    "{\"type\":\"password_hash\",\"config\":{\"from\":\"{{input.password}}\"}}",
	    "package: handler carries type and config");
	T_STR(at_text(pkg, "/tools/0/inputSchema"), "{}", "package: absent inputSchema is {}");
	T_STR(at_text(pkg, "/tools/0/outputSchema"), "{}", "package: absent outputSchema is {}");
	T_STR(at_text(pkg, "/tools/0/type"), "(absent)", "package: no bare type in a tool");
	T_STR(at_text(pkg, "/metadata"), "{\"createdBy\":\"orchestrix\",\"serverId\":\"mcp_abc\","
	    "\"createdAt\":\"2024-05-01T10:00:00.000Z\",\"ownerId\":\"owner_1\",\"version\":4}",
	    "package: metadata");
	T_OK(json_object_equal(json_object_object_get(pkg, "secrets"), secrets),
	    "package: secrets");
	T_OK(json_object_object_get(pkg, "secrets") != secrets, "package: secrets copied");

	errors = json_object_new_array();
	rc = arc_package_to_doc(pkg, &back, &sec, errors);
	T_OK(rc == 0 && json_object_array_length(errors) == 0, "package_to_doc accepts it");
	if (rc != 0)
		printf("#   %s\n", json_plain(errors));
	T_OK(json_object_equal(back, doc), "round trip: the same document");
	T_STR(back ? json_plain(back) : "(null)", json_plain(doc),
	    "round trip: same canonical field order");
	T_OK(json_object_equal(sec, secrets), "round trip: the secrets");
	json_object_put(back);
	json_object_put(sec);
	json_object_put(pkg);

	pkg = arc_package(doc, "mcp_abc", "owner_1", 1, "2024-05-01T10:00:00.000Z", NULL);
	T_OK(pkg != NULL && json_object_object_get(pkg, "secrets") == NULL,
	    "no secrets: no \"secrets\" field");
	rc = arc_package_to_doc(pkg, &back, &sec, errors);
	T_OK(rc == 0 && sec == NULL && json_object_equal(back, doc),
	    "no secrets: round trip, *secrets_out NULL");
	json_object_put(back);
	json_object_put(pkg);
	pkg = arc_package(doc, NULL, NULL, 1, NULL, empty);
	T_OK(pkg != NULL && json_object_object_get(pkg, "secrets") == NULL,
	    "empty secrets: no \"secrets\" field");
	T_STR(at_text(pkg, "/metadata"), "{\"createdBy\":\"orchestrix\",\"version\":1}",
	    "NULL metadata strings are left out");
	json_object_put(pkg);

	T_OK(arc_package(empty, "s", "o", 1, "t", NULL) == NULL, "arc_package: {} is no document");
	T_OK(arc_package(NULL, "s", "o", 1, "t", NULL) == NULL, "arc_package: NULL");

	json_object_put(errors);
	json_object_put(empty);
	json_object_put(secrets);
	json_object_put(doc);
}

/* A valid package text with the first "%s" standing for extra fields. */
#define PKG(extra) "{\"name\":\"n\",\"tools\":[{\"toolId\":\"a\",\"handler\":" \
	"{\"type\":\"input\"}}],\"executionOrder\":[\"a\"]" extra "}"

/* Checks that text is refused with an error at path (among others). */
static void
refused(const char *text, const char *path, const char *what)
{
	struct json_object *pkg = json_tokener_parse(text), *errors = json_object_new_array();
	struct json_object *doc = (void *)1, *sec = (void *)1;
	int rc, found = 0;

	if (pkg == NULL && strcmp(text, "null") != 0)
		printf("# bad test package: %s\n", text);
	rc = arc_package_to_doc(pkg, &doc, &sec, errors);
	for (size_t i = 0; i < json_object_array_length(errors); i++) {
		struct json_object *e = json_object_array_get_idx(errors, i);
		const char *p = json_get_str(e, "path");

		if (p != NULL && strcmp(p, path) == 0 && json_get_str(e, "message") != NULL)
			found = 1;
	}
	T_OK(rc == -1 && found && doc == NULL && sec == NULL, "%s: error at \"%s\"", what, path);
	if (!found)
		printf("#   got %s\n", json_plain(errors));
	json_object_put(errors);
	json_object_put(pkg);
}

static void
test_package_errors(void)
{
	struct json_object *pkg, *doc, *sec, *errors = json_object_new_array();
	char big[9000 + 64];
	int rc;

	refused("{\"tools\":[],\"executionOrder\":[]}", "/name", "missing name");
	refused("{\"name\":5,\"tools\":[],\"executionOrder\":[]}", "/name", "name a number");
	refused("{\"name\":\"n\",\"tools\":{},\"executionOrder\":[]}", "/tools",
	    "tools not an array");
	refused("{\"name\":\"n\",\"executionOrder\":[]}", "/tools", "tools missing");
	refused("{\"name\":\"n\",\"tools\":[],\"executionOrder\":\"a\"}", "/executionOrder",
	    "executionOrder not an array");
	refused("{\"name\":\"n\",\"tools\":[],\"executionOrder\":[\"a\",1]}", "/executionOrder/1",
	    "executionOrder with a number");
	refused("{\"name\":\"n\",\"tools\":[{\"toolId\":\"a\",\"handler\":{\"type\":\"input\"}},"
	    "{\"toolId\":\"b\",\"handler\":{\"type\":\"input\",\"config\":{}}},"
	    "{\"toolId\":\"c\",\"handler\":{\"config\":{}}}],\"executionOrder\":[]}",
	    "/tools/2/handler/type", "handler missing type");
	refused("{\"name\":\"n\",\"tools\":[{\"toolId\":\"a\",\"type\":\"input\",\"config\":{}}],"
	    "\"executionOrder\":[]}", "/tools/0/handler", "handler missing");
	refused("{\"name\":\"n\",\"tools\":[{\"toolId\":\"a\",\"type\":\"input\",\"handler\":"
	    "{\"type\":\"input\"}}],\"executionOrder\":[]}", "/tools/0/type",
	    "bare type in a package tool");
	refused("{\"name\":\"n\",\"tools\":[{\"toolId\":\"a\",\"handler\":{\"type\":\"input\","
	    "\"config\":[]}}],\"executionOrder\":[]}", "/tools/0/handler/config",
	    "handler config an array");
	refused("{\"name\":\"n\",\"tools\":[{\"toolId\":\"a\",\"handler\":{\"type\":\"input\","
	    "\"code\":\"x\"}}],\"executionOrder\":[]}", "/tools/0/handler/code",
	    "unknown handler field");
	refused("{\"name\":\"n\",\"tools\":[{\"handler\":{\"type\":\"input\"}}],"
	    "\"executionOrder\":[]}", "/tools/0/toolId", "tool without toolId");
	refused("{\"name\":\"n\",\"tools\":[7],\"executionOrder\":[]}", "/tools/0",
	    "tool not an object");
	refused("{\"name\":\"n\",\"tools\":[{\"toolId\":\"a\",\"handler\":{\"type\":\"input\"},"
	    "\"outputSchema\":\"x\"}],\"executionOrder\":[]}", "/tools/0/outputSchema",
	    "outputSchema a string");
	refused(PKG(",\"secrets\":{\"1bad\":\"x\"}"), "/secrets/1bad", "bad secret name");
	refused(PKG(",\"secrets\":{\"a/b\":\"x\"}"), "/secrets/a~1b",
	    "secret name with '/' (escaped in the path)");
	refused(PKG(",\"secrets\":{\"k\":\"\"}"), "/secrets/k", "empty secret value");
	refused(PKG(",\"secrets\":{\"k\":5}"), "/secrets/k", "secret value a number");
	refused(PKG(",\"secrets\":[]"), "/secrets", "secrets an array");
	{
		char v[8194];

		memset(v, 'v', 8193);
		v[8193] = '\0';
		snprintf(big, sizeof(big), PKG(",\"secrets\":{\"k\":\"%s\"}"), v);
	}
	refused(big, "/secrets/k", "secret value of 8193 bytes");
	refused(PKG(",\"extra\":1"), "/extra", "unknown top-level field");
	refused(PKG(",\"metadata\":[]"), "/metadata", "metadata not an object");
	refused(PKG(",\"accessKey\":\"short\""), "/accessKey", "accessKey too short");
	refused(PKG(",\"accessKey\":42"), "/accessKey", "accessKey a number");
	refused(PKG(",\"inputSchema\":\"x\""), "/inputSchema", "inputSchema a string");
	refused(PKG(",\"isolation\":\"isolated\""), "/isolation", "isolation neither shared nor dedicated");
	refused(PKG(",\"isolation\":true"), "/isolation", "isolation a boolean");
	refused("[]", "", "an array");
	refused("null", "", "JSON null");

	pkg = json_tokener_parse(PKG(",\"metadata\":{\"anything\":[1]},"
	    "\"accessKey\":\"0123456789abcdef\",\"secrets\":{\"k\":\"v\"}"));
	rc = arc_package_to_doc(pkg, &doc, &sec, errors);
	T_OK(rc == 0, "accessKey, any metadata: accepted");
	T_STR(doc ? json_plain(doc) : "(null)", "{\"name\":\"n\",\"description\":\"\","
	    "\"inputSchema\":{\"type\":\"object\"},\"tools\":[{\"toolId\":\"a\",\"name\":\"a\","
	    "\"type\":\"input\",\"config\":{}}],\"executionOrder\":[\"a\"]}",
	    "minimal package: canonical defaults filled in");
	T_STR(sec ? json_plain(sec) : "(null)", "{\"k\":\"v\"}", "secrets_out");
	json_object_put(doc);
	json_object_put(sec);
	json_object_put(pkg);

	/* Types and configs are the runtime's workflow_check's business. */
	pkg = json_tokener_parse("{\"name\":\"n\",\"tools\":[{\"toolId\":\"a\",\"handler\":"
	    "{\"type\":\"no_such_type\",\"config\":{\"x\":1}}}],\"executionOrder\":[\"zz\"]}");
	rc = arc_package_to_doc(pkg, &doc, &sec, errors);
	T_OK(rc == 0 && json_object_array_length(errors) == 0,
	    "unknown tool type and dangling order: not this function's to refuse");
	json_object_put(doc);
	json_object_put(pkg);
	json_object_put(errors);
}

/* ---- the client ---- */

static struct json_object *package;

static void
client(struct arc_client *c, const char *base, const char *key)
{
	static char ep[8][256];
	static int n;
	char *e = ep[n++ % 8];

	snprintf(e, 256, "http://127.0.0.1:%d%s", lb.port, base);
	c->endpoint = e;
	c->api_key = key;
	c->timeout_ms = 5000;
}

/* Checks a failed call: status, HTTP status and the exact reason. */
static void
failed(const struct arc_result *r, enum arc_status st, int http, const char *reason,
    const char *what)
{
	char w[256];

	snprintf(w, sizeof(w), "%s: %s, HTTP %d", what, arc_status_names[st], http);
	T_OK(r->status == st && r->http_status == http && r->agent_id[0] == '\0', "%s", w);
	if (r->status != st || r->http_status != http)
		printf("#   got %s, HTTP %d\n", arc_status_names[r->status], r->http_status);
	snprintf(w, sizeof(w), "%s: reason", what);
	T_STR(r->reason, reason, w);
}

static void
test_create(void)
{
	struct arc_client c;
	struct arc_result r;
	struct json_object *got = NULL;
	char head[65536], val[512];
	static char body[1 << 20];
	long blen;

	loopback_connections(&lb);
	client(&c, "/good", KEY);
	T_OK(arc_create(&c, package, "deploy-mcp_abc-4", &r) == ARC_OK, "create: ARC_OK");
	T_OK(r.status == ARC_OK && r.http_status == 201 && r.reason[0] == '\0',
	    "create: status 201, no reason");
	T_STR(r.agent_id, "agent_abcdef12", "create: agentId");
	snprintf(val, sizeof(val), "http://127.0.0.1:%d/agents/agent_abcdef12", lb.port);
	T_STR(r.endpoint, val, "create: publicEndpoint");
	snprintf(val, sizeof(val), "http://127.0.0.1:%d/dashboard/agent_abcdef12", lb.port);
	T_STR(r.dashboard_url, val, "create: dashboardUrl");
	T_OK(r.version == 1 && r.details == NULL, "create: version 1, no details");
	arc_result_free(&r);
	T_OK(loopback_connections(&lb) == 1, "create: one connection");

	take("head", head, sizeof(head));
	blen = take("body", body, sizeof(body));
	T_OK(strncmp(head, "POST /good HTTP/1.1\r\n", 21) == 0, "create: POST {endpoint}");
	T_STR(lb_req_header(head, "Authorization", val, sizeof(val)), "Bearer " KEY,
	    "create: Authorization: Bearer <key>");
	T_STR(lb_req_header(head, "Idempotency-Key", val, sizeof(val)), "deploy-mcp_abc-4",
	    "create: Idempotency-Key");
	T_STR(lb_req_header(head, "Content-Type", val, sizeof(val)), "application/json",
	    "create: Content-Type");
	T_STR(lb_req_header(head, "Accept", val, sizeof(val)), "application/json",
	    "create: Accept");
	T_OK(lb_req_header(head, "Expect", val, sizeof(val)) == NULL, "create: no Expect");
	T_OK(blen > 0 && json_parse_strict(body, (size_t)blen, 32, &got, NULL) == JP_OK &&
	    json_object_equal(got, package), "create: the body is the package");
	json_object_put(got);

	client(&c, "/replay", KEY);
	T_OK(arc_create(&c, package, NULL, &r) == ARC_OK, "create answered 200: ARC_OK");
	T_OK(r.http_status == 200 && r.version == 0, "... no version in the answer: 0");
	T_STR(r.endpoint, "https://agents.example/agents/agent_0123456789abcdef",
	    "... https endpoint kept");
	take("head", head, sizeof(head));
	T_OK(lb_req_header(head, "Idempotency-Key", val, sizeof(val)) == NULL,
	    "create without a key: no Idempotency-Key header");
	arc_result_free(&r);
}

static void
test_failures(void)
{
	struct arc_client c;
	struct arc_result r;

	loopback_connections(&lb);
	client(&c, "/401", KEY);
	arc_create(&c, package, "k", &r);
	failed(&r, ARC_UNAUTHORIZED, 401, "Unauthorized", "401");
	arc_result_free(&r);
	client(&c, "/403", KEY);
	arc_create(&c, package, "k", &r);
	failed(&r, ARC_UNAUTHORIZED, 403, "Unauthorized", "403");
	arc_result_free(&r);

	client(&c, "/422", KEY);
	arc_create(&c, package, "k", &r);
	failed(&r, ARC_REJECTED, 422, "Archestra refused the package: bad", "422");
	T_STR(r.details ? json_plain(r.details) : "(null)",
	    "[{\"path\":\"/name\",\"message\":\"required\"}]", "422: details");
	arc_result_free(&r);
	T_OK(r.details == NULL, "arc_result_free clears details");

	client(&c, "/400errors", KEY);
	arc_create(&c, package, "k", &r);
	failed(&r, ARC_REJECTED, 400, "Archestra refused the package: bad tool",
	    "400 with errors[]");
	T_STR(r.details ? json_plain(r.details) : "(null)",
	    "[{\"path\":\"/tools/0\",\"message\":\"bad tool\"},{\"path\":\"\",\"message\":\"second\"}]",
	    "400 with errors[]: details, cleaned");
	arc_result_free(&r);

	client(&c, "/400garbage", KEY);
	arc_create(&c, package, "k", &r);
	failed(&r, ARC_REJECTED, 400, "Archestra refused the package: HTTP 400",
	    "400 with an HTML body");
	T_OK(r.details == NULL, "400 with an HTML body: no details");
	arc_result_free(&r);

	client(&c, "/500", KEY);
	arc_create(&c, package, "k", &r);
	failed(&r, ARC_SERVER_ERROR, 500, "Archestra answered 500", "500");
	arc_result_free(&r);
	client(&c, "/503", KEY);
	arc_create(&c, package, "k", &r);
	failed(&r, ARC_SERVER_ERROR, 503, "Archestra answered 503", "503");
	arc_result_free(&r);
	/* A 5xx in the one envelope: its message, cleaned, is the reason. */
	client(&c, "/502", KEY);
	arc_create(&c, package, "k", &r);
	failed(&r, ARC_SERVER_ERROR, 502, "Archestra answered 502: Kubernetes: deployments: "
	    "Forbidden (RBAC)", "502 with a message");
	arc_result_free(&r);

	static const struct { const char *base; int http; const char *what; } bad[] = {
		{ "/garbage", 201, "201 with a body that is not JSON" },
		{ "/badid", 201, "201 with a wrong agentId shape" },
		{ "/badurl", 201, "201 with a javascript: publicEndpoint" },
		{ "/array", 201, "201 with an array" },
		{ "/badversion", 201, "201 with a string version" },
		{ "/trailing", 201, "201 with trailing bytes" },
		{ "/202", 202, "202" },
		{ "/302", 302, "302 (not followed)" },
		{ "/big", 201, "201 with 2 MiB" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char reason[128];

		client(&c, bad[i].base, KEY);
		arc_create(&c, package, "k", &r);
		snprintf(reason, sizeof(reason),
		    "Archestra answered an unreadable response (HTTP %d)", bad[i].http);
		failed(&r, ARC_BAD_RESPONSE, bad[i].http, reason, bad[i].what);
		T_OK(r.endpoint[0] == '\0' && r.version == 0, "%s: nothing kept", bad[i].what);
		arc_result_free(&r);
	}
	T_OK(loopback_connections(&lb) == (int)(sizeof(bad) / sizeof(bad[0])) + 8,
	    "the 302 was not followed");

	client(&c, "/slow", KEY);
	c.timeout_ms = 500;
	arc_create(&c, package, "k", &r);
	failed(&r, ARC_NETWORK, 0, "Network request failed", "3 s answer, 500 ms timeout");
	arc_result_free(&r);

	{
		char ep[64];

		snprintf(ep, sizeof(ep), "http://127.0.0.1:%d/good", loopback_closed_port());
		c.endpoint = ep;
		c.timeout_ms = 5000;
		arc_create(&c, package, "k", &r);
		failed(&r, ARC_NETWORK, 0, "Network request failed", "a closed port");
		arc_result_free(&r);
	}
	{
		char ep[64];

		snprintf(ep, sizeof(ep), "https://127.0.0.1:%d/good", lb.port);
		c.endpoint = ep;
		arc_create(&c, package, "k", &r);
		failed(&r, ARC_NETWORK, 0, "Network request failed", "TLS to a plain server");
		arc_result_free(&r);
	}
	{
		char ep[64];

		snprintf(ep, sizeof(ep), "ftp://127.0.0.1:%d/good", lb.port);
		c.endpoint = ep;
		loopback_connections(&lb);
		arc_create(&c, package, "k", &r);
		failed(&r, ARC_NETWORK, 0, "Network request failed", "an ftp:// endpoint");
		arc_result_free(&r);
		T_OK(loopback_connections(&lb) == 0, "an ftp:// endpoint: nothing connected");
	}

	/* Refused before any request. */
	loopback_connections(&lb);
	client(&c, "/good", NULL);
	arc_create(&c, package, "k", &r);
	failed(&r, ARC_NO_KEY, 0, "API key not configured", "NULL key");
	client(&c, "/good", "");
	arc_create(&c, package, "k", &r);
	failed(&r, ARC_NO_KEY, 0, "API key not configured", "empty key");
	arc_delete(&c, "agent_abcdef12", &r);
	failed(&r, ARC_NO_KEY, 0, "API key not configured", "delete, empty key");
	client(&c, "/good", "key\r\nX-Injected: 1");
	arc_create(&c, package, "k", &r);
	failed(&r, ARC_UNAUTHORIZED, 0, "Unauthorized", "key with CR LF");
	client(&c, "/good", KEY);
	arc_create(&c, package, "a\r\nX-Injected: 1", &r);
	T_OK(r.status == ARC_REJECTED, "idempotency key with CR LF: refused");
	arc_replace(&c, "../../etc", package, &r);
	failed(&r, ARC_NOT_FOUND, 0, "Agent not found", "replace of a malformed agent id");
	arc_delete(&c, "agent_abc/../x", &r);
	failed(&r, ARC_NOT_FOUND, 0, "Agent not found", "delete of a malformed agent id");
	T_OK(loopback_connections(&lb) == 0, "refused calls: the server saw no request");
}

static void
test_replace_delete(void)
{
	struct arc_client c;
	struct arc_result r;
	struct json_object *got = NULL;
	char head[65536], val[512];
	static char body[1 << 20];
	long blen;

	client(&c, "/good", KEY);
	T_OK(arc_replace(&c, "agent_abcdef12", package, &r) == ARC_OK, "replace: ARC_OK");
	T_OK(r.http_status == 200 && r.version == 2, "replace: 200, version 2");
	T_STR(r.agent_id, "agent_abcdef12", "replace: agentId");
	arc_result_free(&r);
	take("head", head, sizeof(head));
	blen = take("body", body, sizeof(body));
	T_OK(strncmp(head, "PUT /good/agent_abcdef12 HTTP/1.1\r\n", 35) == 0,
	    "replace: PUT {endpoint}/{agentId}");
	T_STR(lb_req_header(head, "Authorization", val, sizeof(val)), "Bearer " KEY,
	    "replace: Authorization");
	T_OK(lb_req_header(head, "Idempotency-Key", val, sizeof(val)) == NULL,
	    "replace: no Idempotency-Key");
	T_OK(blen > 0 && json_parse_strict(body, (size_t)blen, 32, &got, NULL) == JP_OK &&
	    json_object_equal(got, package), "replace: the body is the package");
	json_object_put(got);

	{
		char ep[64];

		/* A trailing '/' on the endpoint does not double. */
		snprintf(ep, sizeof(ep), "http://127.0.0.1:%d/good/", lb.port);
		c.endpoint = ep;
		T_OK(arc_replace(&c, "agent_abcdef12", package, &r) == ARC_OK,
		    "replace, endpoint with a trailing '/'");
		take("head", head, sizeof(head));
		T_OK(strncmp(head, "PUT /good/agent_abcdef12 ", 25) == 0, "... one '/'");
		arc_result_free(&r);
	}

	client(&c, "/other", KEY);
	arc_replace(&c, "agent_abcdef12", package, &r);
	failed(&r, ARC_BAD_RESPONSE, 200,
	    "Archestra answered an unreadable response (HTTP 200)",
	    "replace answered for another agent");
	arc_result_free(&r);
	client(&c, "/404", KEY);
	arc_replace(&c, "agent_abcdef12", package, &r);
	failed(&r, ARC_NOT_FOUND, 404, "Agent not found", "replace: 404");
	arc_result_free(&r);
	client(&c, "/good", KEY);
	arc_create(&c, package, "k", &r);
	arc_result_free(&r);
	client(&c, "/good", KEY);

	T_OK(arc_delete(&c, "agent_abcdef12", &r) == ARC_OK && r.http_status == 204,
	    "delete: 204 is ARC_OK");
	T_OK(r.reason[0] == '\0', "delete: no reason");
	arc_result_free(&r);
	take("head", head, sizeof(head));
	blen = take("body", body, sizeof(body));
	T_OK(strncmp(head, "DELETE /good/agent_abcdef12 HTTP/1.1\r\n", 38) == 0,
	    "delete: DELETE {endpoint}/{agentId}");
	T_STR(lb_req_header(head, "Authorization", val, sizeof(val)), "Bearer " KEY,
	    "delete: Authorization");
	T_OK(blen == 0 && lb_req_header(head, "Content-Type", val, sizeof(val)) == NULL,
	    "delete: no body, no Content-Type");
	client(&c, "/404", KEY);
	arc_delete(&c, "agent_abcdef12", &r);
	failed(&r, ARC_NOT_FOUND, 404, "Agent not found", "delete: 404");
	arc_result_free(&r);
	client(&c, "/replay", KEY);
	T_OK(arc_delete(&c, "agent_abcdef12", &r) == ARC_OK && r.http_status == 200,
	    "delete: 200 is ARC_OK too");
	arc_result_free(&r);
	client(&c, "/500", KEY);
	arc_delete(&c, "agent_abcdef12", &r);
	failed(&r, ARC_SERVER_ERROR, 500, "Archestra answered 500", "delete: 500");
	arc_result_free(&r);
}

/* GET an agent, and a dedicated agent's isolation and status in answers. */
static void
test_dedicated(void)
{
	struct arc_client c;
	struct arc_result r;
	char head[4096];

	client(&c, "/dedicated", KEY);
	T_OK(arc_get(&c, "agent_abcdef12", &r) == ARC_OK, "GET an agent: %s", r.reason);
	T_STR(r.isolation, "dedicated", "its isolation");
	T_STR(r.orch_status, "failed", "its orchestrator status");
	T_STR(r.orch_reason, "CrashLoopBackOff: back-off", "and the reason");
	take("head", head, sizeof(head));
	T_OK(strncmp(head, "GET /dedicated/agent_abcdef12 ", 30) == 0, "GET {endpoint}/{id}");
	arc_result_free(&r);
	T_OK(arc_get(&c, "agent_zzzzzzzz", &r) == ARC_OK, "the answer names the agent asked for");
	arc_result_free(&r);
	T_OK(arc_get(&c, "../etc", &r) == ARC_NOT_FOUND, "an id of another shape is not asked for");
	arc_result_free(&r);
	client(&c, "/badorch", KEY);
	T_OK(arc_get(&c, "agent_abcdef12", &r) == ARC_BAD_RESPONSE,
	    "a status outside not_created|pending|running|failed: unreadable");
	arc_result_free(&r);
	client(&c, "/good", KEY);
	T_OK(arc_create(&c, package, "k", &r) == ARC_OK && r.isolation[0] == '\0' &&
	    r.orch_status[0] == '\0', "an answer without them: empty");
	arc_result_free(&r);
}

static void
test_config(void)
{
	struct config cfg;
	struct arc_client c;
	char err[256], buf[256];

	setenv("ORX_PUBLIC_URL", "http://orx.example:8080/", 1);
	unsetenv("ARCHESTRA_DEPLOYMENT_ENDPOINT");
	setenv("ARCHESTRA_API_KEY", "platform-key", 1);
	setenv("ORX_HTTP_TIMEOUT_MS", "2500", 1);
	T_OK(config_load(&cfg, err, sizeof(err)) == 0, "config loads");
	arc_client_from_config(&c, &cfg, buf, sizeof(buf));
	T_STR(c.endpoint, "http://orx.example:8080/mcp/agents",
	    "no endpoint configured: <public url>/mcp/agents");
	T_STR(c.api_key, "platform-key", "api key from ARCHESTRA_API_KEY");
	T_OK(c.timeout_ms == 2500, "timeout from ORX_HTTP_TIMEOUT_MS");
	arc_client_from_config(&c, &cfg, buf, 20);
	T_STR(c.endpoint, "", "an endpoint longer than the buffer is left empty, not cut");
	config_free(&cfg);

	setenv("ARCHESTRA_DEPLOYMENT_ENDPOINT", "https://archestra.example/api/agents/", 1);
	unsetenv("ARCHESTRA_API_KEY");
	T_OK(config_load(&cfg, err, sizeof(err)) == 0, "config loads again");
	arc_client_from_config(&c, &cfg, buf, sizeof(buf));
	T_STR(c.endpoint, "https://archestra.example/api/agents",
	    "ARCHESTRA_DEPLOYMENT_ENDPOINT, trailing '/' dropped");
	T_OK(c.api_key == NULL || c.api_key[0] == '\0', "no key configured");
	config_free(&cfg);
	unsetenv("ARCHESTRA_DEPLOYMENT_ENDPOINT");
	unsetenv("ORX_PUBLIC_URL");
	unsetenv("ORX_HTTP_TIMEOUT_MS");

	T_OK(arc_agent_id_valid("agent_abcdef12") && arc_agent_id_valid(
	    "agent_0123456789012345678901234567890123456789012345678901234567890123") &&
	    !arc_agent_id_valid("agent_abcdef1") && !arc_agent_id_valid("agent_ABCDEFGH") &&
	    !arc_agent_id_valid(
	    "agent_01234567890123456789012345678901234567890123456789012345678901234") &&
	    !arc_agent_id_valid("agentx12345678") && !arc_agent_id_valid(NULL),
	    "arc_agent_id_valid: ^agent_[a-z0-9]{8,64}$");
	T_STR(arc_status_names[ARC_BAD_RESPONSE], "bad_response", "status names");
}

/* Which endpoints secrets may not travel to as plain text (deploy refusals). */
static void
test_insecure(void)
{
	static const struct { const char *url; int insecure; } cases[] = {
		{ "https://archestra.example.com/mcp/agents", 0 },
		{ "http://127.0.0.1:8080/mcp/agents", 0 },
		{ "http://127.9.8.7/mcp/agents", 0 },
		{ "http://localhost:8080/mcp/agents", 0 },
		{ "HTTP://LOCALHOST./mcp/agents", 0 },
		{ "http://[::1]:8080/mcp/agents", 0 },
		{ "http://[::ffff:127.0.0.1]/mcp/agents", 0 },
		{ "http://archestra.example.com/mcp/agents", 1 },
		{ "http://10.0.0.5/mcp/agents", 1 },
		{ "http://0.0.0.0:8080/mcp/agents", 1 },
		{ "http://[::2]/mcp/agents", 1 },
		{ "http://128.0.0.1/mcp/agents", 1 },
		{ "http://localhost.example.com/", 1 },
		{ "http://user:pw@127.0.0.1.example.com/", 1 },
		{ "not a url", 1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		T_OK(arc_endpoint_insecure(cases[i].url) == cases[i].insecure,
		    "%s is %s", cases[i].url, cases[i].insecure ? "plain text on the way" :
		    "https or loopback");
}

int
main(void)
{
	struct json_object *doc, *secrets;
	char path[128];

	unsetenv("ORX_CONFIG_FILE");
	curl_global_init(CURL_GLOBAL_DEFAULT);
	test_package();
	test_package_errors();
	test_config();
	test_insecure();

	doc = json_tokener_parse(doc_text);
	secrets = json_tokener_parse("{\"jwtKey\":\"s3cr3t-value\"}");
	package = arc_package(doc, "mcp_abc", "owner_1", 4, "2024-05-01T10:00:00.000Z", secrets);
	json_object_put(secrets);
	json_object_put(doc);

	T_OK(mkdtemp(dir) != NULL, "scratch folder");
	T_OK(loopback_start(&lb, serve) == 0, "test server listens on 127.0.0.1:%d", lb.port);
	if (lb.pid > 0) {
		test_create();
		test_failures();
		test_replace_delete();
		test_dedicated();
		loopback_stop(&lb);
	}
	static const char *const files[] = { "head", "body", "head.tmp", "body.tmp" };
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
	json_object_put(package);
	curl_global_cleanup();
	return t_done();
}
