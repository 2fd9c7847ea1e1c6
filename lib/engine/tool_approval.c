/*
 * approval: the execution stops at this step until a person answers (an
 * intervention, SPEC §7). The run renders the step's config into what it
 * waits for -- the prompt, the answer's form (a JSON Schema) or a list of
 * options, who may answer, how many approvals, the timeout and what then --
 * and returns TOOL_WAIT; the durable execution (lib/exec/) records the
 * intervention, and the answer becomes the step's output when the run goes
 * on: {"response", "notes", "approved", "answeredBy", "answeredAt",
 * "approvals": [...], "timedOut"}.
 */
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "jsonschema.h"
#include "toolcheck.h"
#include "tools.h"

/*
 * Save-time checks beyond the config schema: a form is a valid JSON Schema
 * and excludes options; onTimeout needs a timeout.
 */
int
tool_approval_compile(struct json_object *config, const char *path,
    struct json_object *errors, void **compiled)
{
	struct json_object *form = json_object_object_get(config, "form");
	struct js_schema *s = NULL;
	struct json_object *sub;
	int bad = 0;

	*compiled = NULL;
	if (form != NULL && json_object_object_get_ex(config, "options", NULL)) {
		errs_add(errors, path, "give the answer's form or its options, not both");
		bad = 1;
	}
	if (json_object_object_get_ex(config, "onTimeout", NULL) &&
	    !json_object_object_get_ex(config, "timeout", NULL)) {
		errs_add(errors, path, "onTimeout needs a timeout (seconds)");
		bad = 1;
	}
	if (form != NULL) {
		sub = json_object_new_array();
		if (js_compile_with(form, &workflow_schema_options, &s, sub) != JS_OK) {
			char p[128];
			snprintf(p, sizeof(p), "%s/form", path);
			errs_merge(errors, sub, p);
			bad = 1;
		}
		json_object_put(sub);
		js_free(s);
	}
	return bad ? -1 : 0;
}

/* Adds key to out from cfg, or the default when cfg has none (a new ref). */
static void
with_default(struct json_object *out, struct json_object *cfg, const char *key,
    struct json_object *dflt)
{
	struct json_object *v;

	if (json_object_object_get_ex(cfg, key, &v) && v != NULL) {
		json_object_object_add(out, key, json_object_get(v));
		json_object_put(dflt);
	} else if (dflt != NULL)
		json_object_object_add(out, key, dflt);
}

int
tool_approval_run(struct tool_ctx *ctx)
{
	struct json_object *cfg = ctx->config, *out, *opts;
	const char *prompt = json_get_str(cfg, "prompt");

	if (prompt == NULL || *prompt == '\0')
		return tool_fail(ctx, 500, "bad_config", "the approval has no prompt");
	out = json_object_new_object();
	json_object_object_add(out, "toolId", json_object_new_string(ctx->step->tool_id));
	json_object_object_add(out, "prompt", json_object_new_string(prompt));
	if (json_object_object_get_ex(cfg, "form", NULL))
		with_default(out, cfg, "form", NULL);
	else {
		opts = json_object_new_array();
		json_object_array_add(opts, json_object_new_string("approve"));
		json_object_array_add(opts, json_object_new_string("deny"));
		with_default(out, cfg, "options", opts);
	}
	with_default(out, cfg, "approvers", NULL);
	with_default(out, cfg, "required", json_object_new_int(1));
	with_default(out, cfg, "timeout", NULL);
	with_default(out, cfg, "onTimeout", json_object_new_string("fail"));
	with_default(out, cfg, "onDeny", json_object_new_string("cancel"));
	with_default(out, cfg, "allowSelfApproval", json_object_new_boolean(1));
	ctx->output = out;
	return TOOL_WAIT;
}
