/*
 * Fuzz harness: MCP's JSON-RPC intake and header checks
 * (lib/mcp/mcp_jsonrpc.c). The input is a request: eight header lines, then
 * the body.
 *
 *	MCP-Protocol-Version, Mcp-Session-Id, Last-Event-ID, Accept, Origin,
 *	Host, the server's public URL, the allow list
 *
 * A line that is missing stands for an absent header. The body goes through
 * mcp_msg_parse; a parsed message's answer texts (mcp_result_json,
 * mcp_error_json) must be JSON themselves.
 */
#include <string.h>

#include <json-c/json.h>

#include "arena.h"
#include "json.h"
#include "mcp.h"
#include "fuzz.h"

#define BODY_MAX	(1024 * 1024)
#define NHDR		8

/* A reply text is one JSON-RPC object with jsonrpc "2.0". */
static void
check_reply(const char *text)
{
	struct json_object *v = NULL;

	FUZZ_ASSERT(text != NULL);
	FUZZ_ASSERT(json_parse_strict(text, strlen(text), 64, &v, NULL) == JP_OK);
	FUZZ_ASSERT(json_object_is_type(v, json_type_object));
	FUZZ_ASSERT(json_get_str(v, "jsonrpc") != NULL &&
	    strcmp(json_get_str(v, "jsonrpc"), "2.0") == 0);
	json_object_put(v);
}

static void
headers(char *const h[NHDR])
{
	char stream[25];
	long long seq = -1;
	int v;

	v = mcp_version_parse(h[0]);
	FUZZ_ASSERT(v >= -1 && v < MCP_V__MAX);
	FUZZ_ASSERT(mcp_version_parse(mcp_version_negotiate(h[0])) >= 0);
	FUZZ_ASSERT(mcp_log_level_parse(h[0]) >= -1);
	if (mcp_session_id_valid(h[1]))
		FUZZ_ASSERT(strlen(h[1]) == 32);
	if (mcp_event_id_parse(h[2], stream, &seq) == 0)
		FUZZ_ASSERT(strlen(stream) == 24 && seq >= 0);
	(void)mcp_accepts(h[3], "application/json");
	(void)mcp_accepts(h[3], "text/event-stream");
	(void)mcp_accepts(h[3], h[7] != NULL ? h[7] : "*/*");
	(void)mcp_origin_allowed(h[4], h[5], h[7]);
	(void)mcp_origin_allowed(h[4], h[5], NULL);
	(void)mcp_host_allowed(h[5], h[6], h[7]);
	(void)mcp_host_allowed(h[5], "http://localhost:8080", h[7]);
	(void)mcp_host_allowed(h[5], h[6], NULL);
}

static void
body(const char *buf, size_t len)
{
	struct json_object *root = NULL;
	struct mcp_msg m;
	struct arena a;
	const char *why = NULL;
	int rc;

	rc = mcp_msg_parse(buf, len, 32, &root, &m, &why);
	arena_init(&a, 4096);
	if (rc != 0) {
		FUZZ_ASSERT(rc == MCP_PARSE_ERROR || rc == MCP_INVALID_REQUEST);
		FUZZ_ASSERT(why != NULL);
		FUZZ_ASSERT(rc != MCP_PARSE_ERROR || root == NULL);
		check_reply(mcp_error_json(&a, NULL, rc, why));
		goto out;
	}
	FUZZ_ASSERT(root != NULL && m.kind < MCP_MSG__MAX);
	switch (m.kind) {
	case MCP_MSG_REQUEST:
		FUZZ_ASSERT(m.id != NULL && m.method != NULL && *m.method != '\0');
		break;
	case MCP_MSG_NOTIFICATION:
		FUZZ_ASSERT(m.id == NULL && m.method != NULL);
		break;
	default:
		FUZZ_ASSERT(m.id != NULL && m.method == NULL);
		FUZZ_ASSERT((m.result == NULL) != (m.error == NULL));
		break;
	}
	FUZZ_ASSERT(m.params == NULL || json_object_is_type(m.params, json_type_object));
	check_reply(mcp_result_json(&a, m.id, m.params));
	check_reply(mcp_error_json(&a, m.id, MCP_METHOD_NOT_FOUND,
	    m.method != NULL ? m.method : "response"));
out:
	arena_free(&a);
	json_object_put(root);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy, *h[NHDR] = { 0 }, *p, *nl;
	size_t i;

	if (size > BODY_MAX)
		return 0;
	/* A NUL-terminated copy: headers reach the program as C strings. */
	if ((copy = malloc(size + 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	p = copy;
	for (i = 0; i < NHDR && (nl = memchr(p, '\n', size - (size_t)(p - copy))) != NULL; i++) {
		*nl = '\0';
		h[i] = p;
		p = nl + 1;
	}
	headers(h);
	/* The body is what follows the header lines. */
	body(p, size - (size_t)(p - copy));
	free(copy);
	return 0;
}
