#include <string.h>

#include "json.h"
#include "tools.h"

/* The response tool: status, headers and body of the reply; ends the run. */
int
tool_response_run(struct tool_ctx *ctx)
{
	struct json_object *out = json_object_new_object(), *v;
	int status = 200;

	if ((v = json_object_object_get(ctx->config, "status")) != NULL) {
		if (!json_object_is_type(v, json_type_int) ||
		    json_object_get_int(v) < 100 || json_object_get_int(v) > 599) {
			json_object_put(out);
			return tool_fail(ctx, 500, "bad_config",
			    "status must be an integer from 100 to 599");
		}
		status = json_object_get_int(v);
	}
	json_add_new(out, "status", json_object_new_int(status));
	if ((v = json_get(ctx->config, "headers", json_type_object)) != NULL) {
		json_object_object_foreach(v, name, val) {
			const char *s = json_object_get_string(val);
			if (!json_object_is_type(val, json_type_string) ||
			    strpbrk(name, "\r\n:") != NULL || strpbrk(s, "\r\n") != NULL) {
				json_object_put(out);
				return tool_fail(ctx, 500, "bad_config",
				    "header %.60s must be a single-line string", name);
			}
		}
		json_add_new(out, "headers", json_object_get(v));
	}
	if (json_object_object_get_ex(ctx->config, "body", &v))
		json_add_new(out, "body", json_object_get(v));
	ctx->output = out;
	ctx->stop = 1;
	return 0;
}
