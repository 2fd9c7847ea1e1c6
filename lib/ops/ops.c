/*
 * Results of operations and the one table adapters answer by
 * (lib/ops/ops.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "db.h"
#include "json.h"
#include "ops.h"

const char *const op_status_names[OP__MAX] = {
	"ok", "created", "accepted", "no_content", "invalid", "bad_request",
	"forbidden", "not_found", "conflict", "unprocessable", "unavailable",
	"internal",
};

/*
 * Each status as every adapter says it: REST's status, the error code
 * when the operation gives none, the JSON-RPC error a failed MCP read
 * answers (a failed tool call is a result with isError), and the words the
 * supervisor opens its reply with.
 */
const struct op_status_info op_status_info[OP__MAX] = {
	[OP_OK]            = { 200, NULL, 0, "Done." },
	[OP_CREATED]       = { 201, NULL, 0, "Created." },
	[OP_ACCEPTED]      = { 202, NULL, 0, "Started; it is not finished yet." },
	[OP_NO_CONTENT]    = { 204, NULL, 0, "Done." },
	[OP_INVALID]       = { 400, "validation_failed", -32602, "That is not valid:" },
	[OP_BAD_REQUEST]   = { 400, "bad_request", -32602, "That request is malformed:" },
	[OP_FORBIDDEN]     = { 403, "forbidden", -32602, "That is not allowed:" },
	[OP_NOT_FOUND]     = { 404, "not_found", -32002, "I cannot find it:" },
	[OP_CONFLICT]      = { 409, "conflict", -32602, "Not now:" },
	[OP_UNPROCESSABLE] = { 422, "unprocessable", -32602, "I could not do that:" },
	[OP_UNAVAILABLE]   = { 503, "unavailable", -32603, "Try again shortly:" },
	[OP_INTERNAL]      = { 500, "internal", -32603, "Something went wrong:" },
};

void
op_result_init(struct op_result *res, struct arena *a)
{
	memset(res, 0, sizeof(*res));
	buf_init(&res->body, a, 256);
}

/* 1 when the operation did not do what was asked. */
int
op_failed(const struct op_result *res)
{
	return res->status >= OP_INVALID;
}

/* The answer's HTTP status: the table's, or the result's own (a run's). */
int
op_http(const struct op_result *res)
{
	return res->http != 0 ? res->http : op_status_info[res->status].http;
}

/*
 * Records a failure: status, code (static; NULL: the table's) and message.
 * details (a new reference or NULL) is handed to the result, which the
 * arena of its body then owns. Returns status.
 */
enum op_status
op_fail_details(struct op_result *res, enum op_status status, const char *code,
    const char *message, struct json_object *details)
{
	res->status = status;
	res->code = code != NULL ? code : op_status_info[status].code;
	res->message = arena_strdup(res->body.arena, message);
	if (res->details != NULL)
		json_object_put(res->details);
	res->details = details;
	if (details != NULL)
		arena_defer(res->body.arena, json_put_cb, details);
	buf_reset(&res->body);
	res->raw = 0;
	return status;
}

enum op_status
op_fail(struct op_result *res, enum op_status status, const char *code,
    const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return op_fail_details(res, status, code, msg, NULL);
}

/* The database is away: 503, to be retried. */
enum op_status
op_unavailable(struct op_result *res)
{
	return op_fail(res, OP_UNAVAILABLE, "unavailable", "%s", DB_UNAVAILABLE_MESSAGE);
}

/* OP_OK when who carries every bit of scope; else OP_FORBIDDEN recorded. */
enum op_status
op_allowed(const struct op_caller *who, unsigned scope, struct op_result *res)
{
	char need[64];

	if ((who->scopes & scope) == scope)
		return OP_OK;
	scopes_format(scope & ~who->scopes, need, sizeof(need));
	return op_fail(res, OP_FORBIDDEN, "forbidden", "this key lacks the scope: %s", need);
}

/*
 * The answer's JSON as REST sends it (and MCP carries it): the body, or on
 * failure the error envelope (the body itself for a raw result).
 */
void
op_render(const struct op_result *res, struct buf *out)
{
	if (!op_failed(res) || res->raw)
		buf_put(out, res->body.data != NULL ? res->body.data : "", res->body.len);
	else
		json_error_envelope(out, res->code != NULL ? res->code :
		    op_status_info[res->status].code, res->message != NULL ?
		    res->message : op_status_names[res->status], res->details);
}
