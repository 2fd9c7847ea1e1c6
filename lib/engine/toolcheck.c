#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "jsonschema.h"
#include "log.h"
#include "template.h"
#include "toolcheck.h"
#include "tools.h"

const struct js_options workflow_schema_options = {
	.assert_formats = 1,
	.load = NULL,
	.load_arg = NULL,
};

struct catalog {
	struct js_schema	*config[TOOL__MAX];
	char			*json;   /* GET /api/v1/tools, rendered once */
	char			*type_json[TOOL__MAX];  /* GET /api/v1/tools/:type */
};

void
catalog_free(struct catalog *c)
{
	if (c == NULL)
		return;
	for (int i = 0; i < TOOL__MAX; i++) {
		js_free(c->config[i]);
		free(c->type_json[i]);
	}
	free(c->json);
	free(c);
}

/* Compiles every type's config schema and renders the catalog document. */
struct catalog *
catalog_new(void)
{
	struct catalog *c = calloc(1, sizeof(*c));
	struct json_object *arr = json_object_new_array(), *doc;

	if (c == NULL)
		abort();
	for (int i = 0; i < TOOL__MAX; i++) {
		struct json_object *s = json_tokener_parse(tool_impls[i].config_schema);
		struct json_object *errs = json_object_new_array(), *t;

		if (s == NULL || js_compile(s, &c->config[i], errs) != JS_OK) {
			log_error("tool %s: config schema does not compile: %s",
			    tool_type_names[i], json_plain(errs));
			abort();  /* a programming error: the table is static */
		}
		json_object_put(errs);
		t = json_object_new_object();
		json_object_object_add(t, "type", json_object_new_string(tool_type_names[i]));
		json_object_object_add(t, "summary", json_object_new_string(tool_impls[i].summary));
		json_object_object_add(t, "configSchema", s);
		json_object_array_add(arr, t);
		/* One type alone (schema discovery) says a little more. */
		{
			struct json_object *one = json_object_new_object(), *al;
			const char *names[8];
			size_t na = tool_type_aliases((enum tool_type)i, names, 8);

			json_object_object_add(one, "type", json_object_new_string(tool_type_names[i]));
			json_object_object_add(one, "summary",
			    json_object_new_string(tool_impls[i].summary));
			json_object_object_add(one, "configSchema", json_object_get(s));
			al = json_object_new_array();
			for (size_t k = 0; k < na; k++)
				json_object_array_add(al, json_object_new_string(names[k]));
			json_object_object_add(one, "aliases", al);
			json_object_object_add(one, "waitsForPeople",
			    json_object_new_boolean(i == TOOL_APPROVAL));
			if ((c->type_json[i] = strdup(json_plain(one))) == NULL)
				abort();
			json_object_put(one);
		}
	}
	doc = json_object_new_object();
	json_object_object_add(doc, "tools", arr);
	json_object_object_add(doc, "templates", json_object_new_string(
	    "{{input.<path>}}, {{steps.<toolId>.<path>}}, {{secrets.<name>}}, "
	    "{{env.now}}, {{env.timestamp}}, {{env.executionId}}; a string that is "
	    "exactly one reference keeps the value's JSON type"));
	c->json = strdup(json_plain(doc));
	json_object_put(doc);
	if (c->json == NULL)
		abort();
	return c;
}

const char *
catalog_json(const struct catalog *c)
{
	return c->json;
}

/* One type's document: type, summary, configSchema, aliases, waitsForPeople. */
const char *
catalog_type_json(const struct catalog *c, enum tool_type t)
{
	return c->type_json[t];
}

/*
 * Checks a tool's config against its type's schema (when a catalog is
 * given) and the type's own compile step (e.g. validate's rules).
 */
void
tool_config_check(const struct catalog *c, enum tool_type type,
    struct json_object *config, const char *path, struct json_object *errors)
{
	struct json_object *sub;
	void *compiled = NULL;

	if (config != NULL && !json_object_is_type(config, json_type_object)) {
		errs_add(errors, path, "config must be an object");
		return;
	}
	if (c == NULL)
		return;
	sub = json_object_new_array();
	if (config == NULL) {
		struct json_object *empty = json_object_new_object();
		js_validate(c->config[type], empty, sub);
		json_object_put(empty);
	} else
		js_validate(c->config[type], config, sub);
	errs_merge(errors, sub, path);
	json_object_put(sub);
	if (config != NULL && tool_impls[type].compile != NULL &&
	    tool_impls[type].compile(config, path, errors, &compiled) == 0 &&
	    tool_impls[type].free_compiled != NULL)
		tool_impls[type].free_compiled(compiled);
}

/* A schema must compile with the keywords we support (others are refused). */
void
schema_check(struct json_object *schema, const char *path,
    struct json_object *errors)
{
	struct json_object *sub;
	struct js_schema *js = NULL;

	if (!json_object_is_type(schema, json_type_object) &&
	    !json_object_is_type(schema, json_type_boolean)) {
		errs_add(errors, path, "a JSON Schema is an object or a boolean");
		return;
	}
	sub = json_object_new_array();
	if (js_compile_with(schema, &workflow_schema_options, &js, sub) == JS_OK)
		js_free(js);
	errs_merge(errors, sub, path);
	json_object_put(sub);
}
