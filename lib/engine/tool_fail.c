#include <stdarg.h>
#include <stdio.h>

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
