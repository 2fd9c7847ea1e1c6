/*
 * The validate tool. Named rules are compiled, with the optional schema,
 * into one JSON Schema at plan time, so a run is one js_validate call.
 *
 *   "rules": {"email": ["required", "email"], "password": [{"minLength": 8}]}
 *
 * Each rule states the JSON types it accepts (email: a string, min: a
 * number, ...), and a field's value must be of a type every one of its
 * rules accepts: {"email": 1} fails the email rule rather than passing it
 * unexamined, as a bare "format" would. "required" accepts anything but
 * null. Rules that accept no common type are refused at save time.
 */
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "jsonschema.h"
#include "toolcheck.h"
#include "tools.h"

/* The JSON types a rule accepts, as bits; a number that is not an integer
 * is NONINT, so that "number" is INT | NONINT. */
enum vtype { VT_NULL, VT_BOOLEAN, VT_OBJECT, VT_ARRAY, VT_STRING, VT_INT,
	VT_NONINT, VT__MAX };
#define VT(t)		(1u << (t))
#define VT_ANY		(VT(VT__MAX) - 1)
#define VT_NUMBER	(VT(VT_INT) | VT(VT_NONINT))

/* A word rule, the schema keyword it stands for (NULL: its types say all)
 * and the types it accepts. */
static const struct {
	const char	*word;
	const char	*key;
	const char	*value;
	unsigned	 types;
} word_rules[] = {
	{ "email", "format", "email", VT(VT_STRING) },
	{ "uri", "format", "uri", VT(VT_STRING) },
	{ "url", "format", "uri", VT(VT_STRING) },
	{ "uuid", "format", "uuid", VT(VT_STRING) },
	{ "date-time", "format", "date-time", VT(VT_STRING) },
	{ "string", NULL, NULL, VT(VT_STRING) },
	{ "number", NULL, NULL, VT_NUMBER },
	{ "integer", NULL, NULL, VT(VT_INT) },
	{ "boolean", NULL, NULL, VT(VT_BOOLEAN) },
	{ "array", NULL, NULL, VT(VT_ARRAY) },
	{ "object", NULL, NULL, VT(VT_OBJECT) },
	{ "required", NULL, NULL, VT_ANY & ~VT(VT_NULL) },
};

/* Rule objects: their key, the schema keyword, the parameter's JSON type,
 * and the types of value the rule accepts. */
static const struct {
	const char	*rule;
	const char	*keyword;
	enum json_type	 type;
	unsigned	 types;
} param_rules[] = {
	{ "minLength", "minLength", json_type_int, VT(VT_STRING) },
	{ "maxLength", "maxLength", json_type_int, VT(VT_STRING) },
	{ "pattern", "pattern", json_type_string, VT(VT_STRING) },
	{ "min", "minimum", json_type_double, VT_NUMBER },
	{ "max", "maximum", json_type_double, VT_NUMBER },
	{ "minimum", "minimum", json_type_double, VT_NUMBER },
	{ "maximum", "maximum", json_type_double, VT_NUMBER },
	{ "enum", "enum", json_type_array, VT_ANY },
	{ "minItems", "minItems", json_type_int, VT(VT_ARRAY) },
	{ "maxItems", "maxItems", json_type_int, VT(VT_ARRAY) },
};

/*
 * The "type" keyword for the types a field's rules all accept: a name, or
 * an array of names; NULL when every type is accepted.
 */
static struct json_object *
type_keyword(unsigned types)
{
	static const char *const names[VT__MAX] = {
		"null", "boolean", "object", "array", "string", "integer", NULL,
	};
	struct json_object *list;

	if (types == VT_ANY)
		return NULL;
	list = json_object_new_array();
	for (int t = 0; t < VT__MAX; t++) {
		if (!(types & VT(t)))
			continue;
		if (t == VT_INT && (types & VT(VT_NONINT)))
			json_object_array_add(list, json_object_new_string("number"));
		else if (names[t] != NULL)
			json_object_array_add(list, json_object_new_string(names[t]));
	}
	if (json_object_array_length(list) == 1) {
		struct json_object *one = json_object_get(json_object_array_get_idx(list, 0));
		json_object_put(list);
		return one;
	}
	return list;
}

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
		struct json_object *fs = json_object_new_object(), *tk;
		size_t n = json_object_is_type(list, json_type_array) ?
		    json_object_array_length(list) : 0;
		unsigned types = VT_ANY;
		int is_required = 0;

		for (size_t i = 0; i < n; i++) {
			struct json_object *r = json_object_array_get_idx(list, i);
			size_t k;

			json_pointer_append(p, sizeof(p), path, field);
			snprintf(p + strlen(p), sizeof(p) - strlen(p), "/%zu", i);
			if (json_object_is_type(r, json_type_string)) {
				const char *w = json_object_get_string(r);
				for (k = 0; k < sizeof(word_rules) / sizeof(word_rules[0]); k++)
					if (strcmp(w, word_rules[k].word) == 0)
						break;
				if (k == sizeof(word_rules) / sizeof(word_rules[0])) {
					errs_add(errors, p, "unknown rule %.40s", w);
					continue;
				}
				types &= word_rules[k].types;
				if (strcmp(w, "required") == 0 && !is_required++)
					json_object_array_add(required, json_object_new_string(field));
				if (word_rules[k].key != NULL)
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
				else {
					types &= param_rules[k].types;
					json_object_object_add(fs, param_rules[k].keyword,
					    json_object_get(rv));
				}
			}
		}
		json_pointer_append(p, sizeof(p), path, field);
		if (types == 0)
			errs_add(errors, p, "the rules of %.40s accept no common type "
			    "(e.g. a number rule with a string one)", field);
		else if ((tk = type_keyword(types)) != NULL)
			json_object_object_add(fs, "type", tk);
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
		if (js_compile_with(v, &workflow_schema_options, &js, sub) == JS_OK)
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
	if (js_compile_with(all, &workflow_schema_options, &js, errors) != JS_OK)
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
	struct js_stop stop = { tool_past_deadline, ctx };
	int ok;

	if (!json_object_object_get_ex(ctx->config, "target", &target))
		target = json_object_object_get(ctx->scope, "input");
	if (ctx->step->compiled == NULL)
		return tool_fail(ctx, 500, "bad_config", "the validate step did not compile");
	errors = json_object_new_array();
	ok = js_validate_until(ctx->step->compiled, target, errors, &stop);
	if (ok == JS_STOPPED) {
		json_object_put(errors);
		return tool_fail_deadline(ctx);
	}
	if (!ok)
		return tool_fail_invalid(ctx, "validation_failed", errors, "the value");
	json_object_put(errors);
	ctx->output = json_object_new_object();
	json_add_new(ctx->output, "valid", json_object_new_boolean(1));
	return 0;
}
