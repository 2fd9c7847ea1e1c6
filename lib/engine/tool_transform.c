#include "tools.h"

/* The transform tool: its output is its rendered "output" value. */
int
tool_transform_run(struct tool_ctx *ctx)
{
	struct json_object *v;

	if (!json_object_object_get_ex(ctx->config, "output", &v))
		return tool_fail(ctx, 400, "bad_config", "transform needs an output");
	ctx->output = v != NULL ? json_object_get(v) : NULL;
	return 0;
}
