/*
 * The validate tool. Named rules are compiled, with the optional schema,
 * into one JSON Schema at plan time, so a run is one js_validate call.
 *
 *   "rules": {"email": ["required", "email"], "password": [{"minLength": 8}]}
 */
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "jsonschema.h"
#include "tools.h"

/* A word rule and the schema keywords it stands for. */
static const struct {
	const char	*word;
	const char	*key;
	const char	*value;
} word_rules[] = {
	{ "email", "format", "email" },
	{ "uri", "format", "uri" },
	{ "url", "format", "uri" },
	{ "uuid", "format", "uuid" },
	{ "date-time", "format", "date-time" },
	{ "string", "type", "string" },
	{ "number", "type", "number" },
	{ "integer", "type", "integer" },
	{ "boolean", "type", "boolean" },
	{ "array", "type", "array" },
	{ "object", "type", "object" },
};

/* Rule objects: their key, the schema keyword, and the value's JSON type. */
static const struct {
	const char	*rule;
	const char	*keyword;
	enum json_type	 type;
} param_rules[] = {
	{ "minLength", "minLength", json_type_int },
	{ "maxLength", "maxLength", json_type_int },
	{ "pattern", "pattern", json_type_string },
	{ "min", "minimum", json_type_double },
	{ "max", "maximum", json_type_double },
	{ "minimum", "minimum", json_type_double },
	{ "maximum", "maximum", json_type_double },
	{ "enum", "enum", json_type_array },
	{ "minItems", "minItems", json_type_int },
	{ "maxItems", "maxItems", json_type_int },
};

static int
type_fits(struct json_object *v, enum json_type want)
{
	if (want == json_type_double)
		return json_object_is_type(v, json_type_double) ||
		    json_object_is_type(v, json_type_int);
	return json_object_is_type(v, want);
}

/*
 * Turns rules into {"type":"object","properties":{...},"required":[...]}.
 * Returns a new schema, or NULL with errors appended.
 */
static struct json_object *
rules_schema(struct json_object *rules, const char *path, struct json_object *errors)
{
	struct json_object *schema = json_object_new_object();
	struct json_object *props = json_object_new_object();
	struct json_object *required = json_object_new_array();
	size_t before = json_object_array_length(errors);
	char p[256];

	json_object_object_foreach(rules, field, list) {
		struct json_object *fs = json_object_new_object();
		size_t n = json_object_is_type(list, json_type_array) ?
		    json_object_array_length(list) : 0;

		for (size_t i = 0; i < n; i++) {
			struct json_object *r = json_object_array_get_idx(list, i);
			size_t k;

			json_pointer_append(p, sizeof(p), path, field);
			snprintf(p + strlen(p), sizeof(p) - strlen(p), "/%zu", i);
			if (json_object_is_type(r, json_type_string)) {
				const char *w = json_object_get_string(r);
				if (strcmp(w, "required") == 0) {
					json_object_array_add(required, json_object_new_string(field));
					continue;
				}
				for (k = 0; k < sizeof(word_rules) / sizeof(word_rules[0]); k++)
					if (strcmp(w, word_rules[k].word) == 0)
						break;
				if (k == sizeof(word_rules) / sizeof(word_rules[0])) {
					errs_add(errors, p, "unknown rule %.40s", w);
					continue;
				}
				json_object_object_add(fs, word_rules[k].key,
				    json_object_new_string(word_rules[k].value));
				continue;
			}
			if (!json_object_is_type(r, json_type_object) ||
			    json_object_object_length(r) != 1) {
				errs_add(errors, p, "a rule is a word or an object of one key");
				continue;
			}
			json_object_object_foreach(r, rk, rv) {
				for (k = 0; k < sizeof(param_rules) / sizeof(param_rules[0]); k++)
					if (strcmp(rk, param_rules[k].rule) == 0)
						break;
				if (k == sizeof(param_rules) / sizeof(param_rules[0]))
					errs_add(errors, p, "unknown rule %.40s", rk);
				else if (!type_fits(rv, param_rules[k].type))
					errs_add(errors, p, "rule %s has a value of the wrong type", rk);
				else
					json_object_object_add(fs, param_rules[k].keyword,
					    json_object_get(rv));
			}
		}
		json_object_object_add(props, field, fs);
	}
	json_object_object_add(schema, "type", json_object_new_string("object"));
	json_object_object_add(schema, "properties", props);
	if (json_object_array_length(required) > 0)
		json_object_object_add(schema, "required", required);
	else
		json_object_put(required);
	if (json_object_array_length(errors) > before) {
		json_object_put(schema);
		return NULL;
	}
	return schema;
}

/* Compiles schema + rules into one js_schema (*compiled). */
int
tool_validate_compile(struct json_object *config, const char *path,
    struct json_object *errors, void **compiled)
{
	struct json_object *all = json_object_new_object(), *list = json_object_new_array();
	struct json_object *v, *rs;
	struct js_schema *js = NULL;
	size_t before = json_object_array_length(errors);
	char p[256];
	int rc = -1;

	*compiled = NULL;
	if ((v = json_object_object_get(config, "schema")) != NULL) {
		/* Compiled alone first, so its errors carry its own paths. */
		struct json_object *sub = json_object_new_array();
		if (js_compile(v, &js, sub) == JS_OK)
			js_free(js);
		js = NULL;
		snprintf(p, sizeof(p), "%s/schema", path);
		errs_merge(errors, sub, p);
		json_object_put(sub);
		json_object_array_add(list, json_object_get(v));
	}
	if ((v = json_get(config, "rules", json_type_object)) != NULL) {
		snprintf(p, sizeof(p), "%s/rules", path);
		if ((rs = rules_schema(v, p, errors)) == NULL)
			goto out;
		json_object_array_add(list, rs);
	}
	if (json_object_array_length(errors) > before)
		goto out;  /* each part's errors are listed; no combined ones */
	json_object_object_add(all, "allOf", list);
	list = NULL;
	if (js_compile(all, &js, errors) != JS_OK)
		goto out;
	*compiled = js;
	rc = 0;
out:
	json_object_put(list);
	json_object_put(all);
	return rc;
}

void
tool_validate_free(void *compiled)
{
	js_free(compiled);
}

int
tool_validate_run(struct tool_ctx *ctx)
{
	struct json_object *target, *errors;

	if (!json_object_object_get_ex(ctx->config, "target", &target))
		target = json_object_object_get(ctx->scope, "input");
	if (ctx->step->compiled == NULL)
		return tool_fail(ctx, 500, "bad_config", "the validate step did not compile");
	errors = json_object_new_array();
	if (!js_validate(ctx->step->compiled, target, errors)) {
		ctx->err_details = errors;
		return tool_fail(ctx, 400, "validation_failed",
		    "%zu field%s invalid", json_object_array_length(errors),
		    json_object_array_length(errors) == 1 ? " is" : "s are");
	}
	json_object_put(errors);
	ctx->output = json_object_new_object();
	json_add_new(ctx->output, "valid", json_object_new_boolean(1));
	return 0;
}
