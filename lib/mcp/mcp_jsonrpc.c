/*
 * The parts of the MCP layer that need no I/O: JSON-RPC 2.0 message intake
 * (strict parsing by lib/base/json.c, batches refused), response and error
 * texts, protocol versions, the shapes of session and event ids, Accept,
 * Origin and Host checks.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "arena.h"
#include "buf.h"
#include "json.h"
#include "mcp.h"

const char *const mcp_log_level_names[MCP_LOG__MAX] = {
	"debug", "info", "notice", "warning", "error", "critical", "alert",
	"emergency",
};

const char *const mcp_version_names[MCP_V__MAX] = {
	"2025-03-26", "2025-06-18", "2025-11-25",
};

int
mcp_log_level_parse(const char *s)
{
	for (int i = 0; s != NULL && i < MCP_LOG__MAX; i++)
		if (strcmp(s, mcp_log_level_names[i]) == 0)
			return i;
	return -1;
}

/* The version's index, or -1 when this server does not speak it. */
int
mcp_version_parse(const char *s)
{
	for (int i = 0; s != NULL && i < MCP_V__MAX; i++)
		if (strcmp(s, mcp_version_names[i]) == 0)
			return i;
	return -1;
}

/* The version to answer initialize with: the client's if known, else ours. */
const char *
mcp_version_negotiate(const char *requested)
{
	int v = mcp_version_parse(requested);

	return mcp_version_names[v >= 0 ? v : MCP_V__MAX - 1];
}

static int
all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* Session ids are 32 lowercase hex digits (128 random bits). */
int
mcp_session_id_valid(const char *s)
{
	return s != NULL && strlen(s) == 32 && all_hex(s, 32);
}

/*
 * Event ids are "<stream: 24 hex>.<decimal event number>". Fills stream and
 * *seq and returns 0, or -1 for any other shape.
 */
int
mcp_event_id_parse(const char *s, char stream[25], long long *seq)
{
	size_t n;
	const char *d;

	if (s == NULL || strlen(s) < 26 || strlen(s) > 24 + 1 + 18 ||
	    !all_hex(s, 24) || s[24] != '.')
		return -1;
	d = s + 25;
	n = strlen(d);
	if (n == 0 || strspn(d, "0123456789") != n)
		return -1;
	memcpy(stream, s, 24);
	stream[24] = '\0';
	*seq = strtoll(d, NULL, 10);
	return 0;
}

/*
 * Parses one JSON-RPC message. Returns 0 and fills m (pointers borrowed from
 * *root, which the caller puts); or a JSON-RPC error code (-32700 for bad
 * JSON, -32600 for a batch or a malformed message) with *why set and *root
 * NULL or to be put.
 */
int
mcp_msg_parse(const char *body, size_t len, int max_depth,
    struct json_object **root, struct mcp_msg *m, const char **why)
{
	struct json_object *v, *jr, *id = NULL, *method = NULL;
	enum jp_status st;
	int has_id;

	memset(m, 0, sizeof(*m));
	*root = NULL;
	st = json_parse_strict(body, len, max_depth, &v, NULL);
	if (st != JP_OK) {
		*why = jp_status_names[st];
		return MCP_PARSE_ERROR;
	}
	*root = v;
	if (json_object_is_type(v, json_type_array)) {
		*why = "batches are not supported";
		return MCP_INVALID_REQUEST;
	}
	if (!json_object_is_type(v, json_type_object)) {
		*why = "a JSON-RPC message is an object";
		return MCP_INVALID_REQUEST;
	}
	if (!json_object_object_get_ex(v, "jsonrpc", &jr) ||
	    !json_object_is_type(jr, json_type_string) ||
	    strcmp(json_object_get_string(jr), "2.0") != 0) {
		*why = "jsonrpc must be \"2.0\"";
		return MCP_INVALID_REQUEST;
	}
	has_id = json_object_object_get_ex(v, "id", &id);
	if (has_id && !json_object_is_type(id, json_type_string) &&
	    !json_object_is_type(id, json_type_int)) {
		*why = "id must be a string or an integer";
		return MCP_INVALID_REQUEST;
	}
	if (has_id && json_object_is_type(id, json_type_string) &&
	    json_object_get_string_len(id) > 200) {
		*why = "id is too long";
		return MCP_INVALID_REQUEST;
	}
	m->id = id;
	if (json_object_object_get_ex(v, "method", &method)) {
		if (!json_object_is_type(method, json_type_string) ||
		    json_object_get_string_len(method) == 0 ||
		    json_object_get_string_len(method) > 200) {
			*why = "method must be a non-empty string";
			return MCP_INVALID_REQUEST;
		}
		m->method = json_object_get_string(method);
		if (json_object_object_get_ex(v, "params", &m->params) &&
		    !json_object_is_type(m->params, json_type_object)) {
			*why = "params must be an object";
			return MCP_INVALID_REQUEST;
		}
		m->kind = has_id ? MCP_MSG_REQUEST : MCP_MSG_NOTIFICATION;
		return 0;
	}
	json_object_object_get_ex(v, "result", &m->result);
	json_object_object_get_ex(v, "error", &m->error);
	if (!has_id || (m->result == NULL) == (m->error == NULL) ||
	    (m->error != NULL && !json_object_is_type(m->error, json_type_object))) {
		*why = "a message needs a method, or an id with result or error";
		return MCP_INVALID_REQUEST;
	}
	m->kind = MCP_MSG_RESPONSE;
	return 0;
}

/* {"jsonrpc":"2.0","id":<id>,"result":<result>} as arena text. */
char *
mcp_result_json(struct arena *a, struct json_object *id,
    struct json_object *result)
{
	struct buf b;

	buf_init(&b, a, 256);
	buf_puts(&b, "{\"jsonrpc\":\"2.0\",\"id\":");
	buf_puts(&b, id ? json_plain(id) : "null");
	buf_puts(&b, ",\"result\":");
	buf_puts(&b, result ? json_plain(result) : "{}");
	buf_putc(&b, '}');
	return b.data;
}

/* {"jsonrpc":"2.0","id":<id|null>,"error":{"code","message"}} as arena text. */
char *
mcp_error_json(struct arena *a, struct json_object *id, int code,
    const char *message)
{
	struct buf b;

	buf_init(&b, a, 256);
	buf_puts(&b, "{\"jsonrpc\":\"2.0\",\"id\":");
	buf_puts(&b, id ? json_plain(id) : "null");
	buf_printf(&b, ",\"error\":{\"code\":%d,\"message\":", code);
	buf_put_json_string(&b, message, strlen(message));
	buf_puts(&b, "}}");
	return b.data;
}

/*
 * 1 if an Accept header admits type ("text/event-stream"): the type itself,
 * its "major/ *" or "* / *" (q=0 excluded). An absent header admits all.
 */
int
mcp_accepts(const char *accept, const char *type)
{
	const char *p = accept, *slash = strchr(type, '/');
	size_t major = slash ? (size_t)(slash - type) : strlen(type);

	if (accept == NULL || *accept == '\0')
		return 1;
	while (*p != '\0') {
		const char *end = p + strcspn(p, ","), *semi;
		size_t n;

		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		semi = memchr(p, ';', (size_t)(end - p));
		n = (size_t)((semi ? semi : end) - p);
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		int match = (n == strlen(type) && strncasecmp(p, type, n) == 0) ||
		    (n == 3 && strncmp(p, "*/*", 3) == 0) ||
		    (n == major + 2 && strncasecmp(p, type, major) == 0 &&
		    strncmp(p + major, "/*", 2) == 0);
		if (match) {
			const char *q = semi ? strstr(semi, "q=") : NULL;
			if (q == NULL || q >= end || strtod(q + 2, NULL) > 0)
				return 1;
		}
		p = *end ? end + 1 : end;
	}
	return 0;
}

/* Compares host[:port] a with b, case-insensitively; lengths given. */
static int
same(const char *a, size_t an, const char *b, size_t bn)
{
	return an == bn && strncasecmp(a, b, an) == 0;
}

/* The host part of "host[:port]" or "[v6]:port": its length. */
static size_t
host_len(const char *h)
{
	if (h[0] == '[') {
		const char *e = strchr(h, ']');
		return e ? (size_t)(e - h + 1) : strlen(h);
	}
	return strcspn(h, ":");
}

static int
loopback_host(const char *h, size_t n)
{
	return same(h, n, "localhost", 9) || same(h, n, "127.0.0.1", 9) ||
	    same(h, n, "[::1]", 5);
}

/* 1 if entry e (of a comma-separated list) equals s[0..n). */
static int
in_list(const char *list, const char *s, size_t n)
{
	const char *p = list;

	while (p != NULL && *p != '\0') {
		size_t len = strcspn(p, ",");
		const char *q = p;
		size_t ql = len;
		while (ql > 0 && *q == ' ') {
			q++;
			ql--;
		}
		while (ql > 0 && q[ql - 1] == ' ')
			ql--;
		if ((ql == 1 && *q == '*') || same(q, ql, s, n))
			return 1;
		p = p[len] ? p + len + 1 : NULL;
	}
	return 0;
}

/*
 * The Origin check (DNS-rebinding protection): no Origin is allowed (not a
 * browser); otherwise "scheme://host[:port]" must name the request's own
 * Host, or be listed (as an origin or a bare host) in allow_list. 1 = allowed.
 */
int
mcp_origin_allowed(const char *origin, const char *host, const char *allow_list)
{
	const char *h;
	size_t n;

	if (origin == NULL)
		return 1;
	if (in_list(allow_list, origin, strlen(origin)))
		return 1;
	if ((h = strstr(origin, "://")) == NULL)
		return 0;
	h += 3;
	n = strlen(h);
	if (n == 0 || strpbrk(h, "/?#@") != NULL)
		return 0;
	if (in_list(allow_list, h, n))
		return 1;
	return host != NULL && same(h, n, host, strlen(host));
}

/*
 * The Host check: when the public URL is a loopback one (a server bound to
 * localhost), Host must be a loopback name (any port), the public URL's
 * host, or listed in allow_list. A public server leaves Host to nginx's
 * server_name. 1 = allowed.
 */
int
mcp_host_allowed(const char *host, const char *public_url, const char *allow_list)
{
	const char *ph = public_url ? strstr(public_url, "://") : NULL;
	size_t pn, hn;

	if (ph == NULL)
		return 1;
	ph += 3;
	pn = host_len(ph);
	if (!loopback_host(ph, pn))
		return 1;
	if (host == NULL || *host == '\0')
		return 0;
	hn = host_len(host);
	return loopback_host(host, hn) || same(host, hn, ph, pn) ||
	    in_list(allow_list, host, strlen(host)) || in_list(allow_list, host, hn);
}
