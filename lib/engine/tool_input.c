#include "jsonschema.h"
#include "tools.h"

/* The input tool: the request must match the workflow's inputSchema. */
int
tool_input_run(struct tool_ctx *ctx)
{
	struct json_object *input = json_object_object_get(ctx->scope, "input");

	if (ctx->plan->input_schema != NULL) {
		struct json_object *errors = json_object_new_array();
		struct js_stop stop = { tool_past_deadline, ctx };
		int ok = js_validate_until(ctx->plan->input_schema, input, errors, &stop);

		if (ok == JS_STOPPED) {
			json_object_put(errors);
			return tool_fail_deadline(ctx);
		}
		if (!ok)
			return tool_fail_invalid(ctx, "invalid_input", errors, "the input");
		json_object_put(errors);
	}
	ctx->output = input != NULL ? json_object_get(input) : NULL;
	return 0;
}
