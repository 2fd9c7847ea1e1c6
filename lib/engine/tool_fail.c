#include <stdarg.h>
#include <stdio.h>

#include "clock.h"
#include "config.h"
#include "curlio.h"
#include "json.h"
#include "tools.h"

/*
 * Records a tool's failure in ctx: the HTTP status, a static error code and
 * a message (cut to fit err_msg). ctx->output and ctx->err_details are left
 * as they are. Always returns -1, so a tool can `return tool_fail(...)`.
 */
int
tool_fail(struct tool_ctx *ctx, int status, const char *code,
    const char *fmt, ...)
{
	va_list ap;

	ctx->err_status = status;
	ctx->err_code = code;
	va_start(ap, fmt);
	vsnprintf(ctx->err_msg, sizeof(ctx->err_msg), fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * Fails the step as a config's failure object says ({status, message},
 * e.g. db_find's ifEmpty), or with status and message when it says
 * nothing. Always returns -1.
 */
int
tool_failure(struct tool_ctx *ctx, struct json_object *failure, int status,
    const char *code, const char *message)
{
	struct json_object *st = json_get(failure, "status", json_type_int);
	const char *msg = json_get_str(failure, "message");

	return tool_fail(ctx, st != NULL ? json_object_get_int(st) : status, code, "%s",
	    msg != NULL ? msg : message);
}

/*
 * The value of the workflow secret name (from the run's scope), or NULL
 * with the step failed: 500 secret_missing, saying which one.
 */
const char *
tool_secret(struct tool_ctx *ctx, const char *name)
{
	struct json_object *secrets = json_object_object_get(ctx->scope, "secrets");
	const char *v = name != NULL ? json_get_str(secrets, name) : NULL;

	if (v == NULL || *v == '\0') {
		tool_fail(ctx, 500, "secret_missing",
		    "the secret %.64s is not set; it is one of the workflow's secrets",
		    name ? name : "?");
		return NULL;
	}
	return v;
}

/*
 * Fails the step with 403 target_refused for the address the SSRF guard g
 * refused (an http_request's or a send_email's), naming it and its class.
 * Returns -1.
 */
int
tool_refused(struct tool_ctx *ctx, const struct curl_guard *g)
{
	struct json_object *d = json_object_new_object();

	if (d != NULL) {
		json_object_object_add(d, "address", json_object_new_string(g->refused_addr));
		json_object_object_add(d, "class", json_object_new_string(g->refused));
		ctx->err_details = d;
	}
	return tool_fail(ctx, 403, "target_refused",
	    "refused to connect to %s (%s address); ORX_HTTP_ALLOW can allow it",
	    g->refused_addr, g->refused);
}

/* Nonzero once the step's deadline (ctx, a struct tool_ctx) has passed. */
int
tool_past_deadline(void *arg)
{
	const struct tool_ctx *ctx = arg;

	return ctx->deadline_ms > 0 && mono_ms() >= ctx->deadline_ms;
}

/* Fails a step that its deadline stopped: the run's budget or its own. */
int
tool_fail_deadline(struct tool_ctx *ctx)
{
	if (ctx->deadline_is_run)
		return tool_fail(ctx, 504, "run_budget_exceeded",
		    "the run took longer than %ld ms", ctx->env->cfg->run_budget_ms);
	return tool_fail(ctx, 504, "step_timeout",
	    "%s was stopped at its limit of %ld ms", ctx->step->name,
	    ctx->env->cfg->step_timeout_ms);
}

/*
 * Fails a step with a validation's errors (taken: they become the details,
 * each {path, keyword, message}) and a message that says the first of them
 * in words, then how many there are: "email must be an email address;
 * password must be at least 8 characters long (2 problems)". whole names
 * the value at path "".
 */
int
tool_fail_invalid(struct tool_ctx *ctx, const char *code,
    struct json_object *errors, const char *whole)
{
	char msg[sizeof(ctx->err_msg)];
	size_t n = json_object_array_length(errors), i, len = 0;
	int w;

	msg[0] = '\0';
	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(errors, i);
		const char *path = json_get_str(e, "path");
		const char *m = json_get_str(e, "message");

		if (path == NULL || m == NULL)
			continue;
		/* Room for this one and the count? */
		w = snprintf(msg + len, sizeof(msg) - len, "%s%s %s",
		    len ? "; " : "", path[0] ? path + 1 : whole, m);
		if (w < 0 || (size_t)w + 24 >= sizeof(msg) - len) {
			msg[len] = '\0';
			break;
		}
		len += (size_t)w;
	}
	snprintf(msg + len, sizeof(msg) - len, "%s(%zu problem%s)",
	    len ? " " : "", n, n == 1 ? "" : "s");
	ctx->err_details = errors;
	return tool_fail(ctx, 400, code, "%s", msg);
}
