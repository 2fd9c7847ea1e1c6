/*
 * The builder's edits of steps: adding a token or a validation step, and
 * dropping a step together with what echoed it in the response.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "buf.h"
#include "builder.h"
#include "builder_int.h"
#include "json.h"

/* Position of toolId id in executionOrder, or -1. */
int
be_order_index(struct json_object *doc, const char *id)
{
	struct json_object *order = json_get(doc, "executionOrder", json_type_array);

	for (size_t i = 0; order && i < json_object_array_length(order); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(order, i)), id) == 0)
			return (int)i;
	return -1;
}

int
be_response_count(struct json_object *doc)
{
	struct json_object *tools = json_get(doc, "tools", json_type_array);
	int n = 0;

	for (size_t i = 0; tools && i < json_object_array_length(tools); i++) {
		const char *ty = json_get_str(json_object_array_get_idx(tools, i), "type");
		n += ty != NULL && strcmp(ty, "response") == 0;
	}
	return n;
}

/*
 * Adds signToken (secret jwtKey) before the one response step, its subject
 * the stored or found document's id, and the token to the response body.
 */
int
be_add_token_step(struct ectx *e)
{
	struct json_object *resp = bd_first_of_type(e->doc, "response"), *c, *claims, *body;
	struct json_object *ins = bd_first_of_type(e->doc, "db_insert");
	struct json_object *find = bd_first_of_type(e->doc, "db_find");
	const char *id;

	if (bd_first_of_type(e->doc, "jwt_sign") != NULL)
		return REFUSE(e, "The workflow already signs a token.");
	if (resp == NULL || be_response_count(e->doc) != 1)
		return REFUSE(e, "I add a token step before the one response step; this "
		    "workflow has %d.", be_response_count(e->doc));
	id = bd_unique_id(e->a, e->doc, "signToken");
	claims = json_object_new_object();
	if (ins != NULL)
		json_object_object_add(claims, "sub", json_object_new_string(
		    bd_ref(e->a, "steps", json_get_str(ins, "toolId"), "id")));
	else if (find != NULL)
		json_object_object_add(claims, "sub", json_object_new_string(arena_printf(e->a,
		    "{{steps.%s.first.id}}", json_get_str(find, "toolId"))));
	c = json_object_new_object();
	json_object_object_add(c, "secret", json_object_new_string("jwtKey"));
	json_object_object_add(c, "expiresIn", json_object_new_int(3600));
	json_object_object_add(c, "claims", claims);
	bd_insert_tool(e->doc, be_order_index(e->doc, json_get_str(resp, "toolId")),
	    bd_tool(id, "Sign token", "jwt_sign", c));
	if ((body = be_cfg(resp, "body", json_type_object)) != NULL)
		json_object_object_add(body, "token",
		    json_object_new_string(bd_ref(e->a, "steps", id, "token")));
	bd_change(e->changes, "added step %s (signs a JWT with the secret jwtKey, to be set "
	    "among the workflow's secrets)", id);
	return 0;
}

/* A field description read back from its inputSchema property. */
static void
field_from_schema(struct bfield *f, const char *name, struct json_object *prop, int required)
{
	struct json_object *v;
	int num = be_is_numeric(prop);

	bf_init(f, name, required);
	f->has_min = f->has_max = 0;
	if ((v = json_get(prop, num ? "minimum" : "minLength", json_type_int)) != NULL) {
		f->min = json_object_get_int64(v);
		f->has_min = 1;
	}
	if ((v = json_get(prop, num ? "maximum" : "maxLength", json_type_int)) != NULL) {
		f->max = json_object_get_int64(v);
		f->has_max = 1;
	}
}

int
be_is_required(struct json_object *doc, const char *name)
{
	struct json_object *req = json_get(be_schema_of(doc), "required", json_type_array);

	for (size_t i = 0; req && i < json_object_array_length(req); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(req, i)), name) == 0)
			return 1;
	return 0;
}

/* Adds a validate step after the input with rules read from inputSchema. */
int
be_add_validate_step(struct ectx *e)
{
	struct json_object *rules = json_object_new_object(), *c;
	struct json_object *in = bd_first_of_type(e->doc, "input");
	struct bfield f;
	const char *id;

	if (bd_first_of_type(e->doc, "validate") != NULL) {
		json_object_put(rules);
		return REFUSE(e, "The workflow already has a validation step.");
	}
	json_object_object_foreach(be_props_of(e->doc), k, prop) {
		field_from_schema(&f, k, prop, be_is_required(e->doc, k));
		json_object_object_add(rules, k, bf_rules(&f));
	}
	id = bd_unique_id(e->a, e->doc, "validate");
	c = json_object_new_object();
	json_object_object_add(c, "rules", rules);
	bd_insert_tool(e->doc, in ? be_order_index(e->doc, json_get_str(in, "toolId")) + 1 : 0,
	    bd_tool(id, "Validate fields", "validate", c));
	bd_change(e->changes, "added step %s (checks %s)", id, be_field_list(e));
	return 0;
}

static const struct {
	const char *word;
	const char *type;
} step_words[] = {
	{ "token", "jwt_sign" }, { "jwt", "jwt_sign" }, { "signing", "jwt_sign" },
	{ "notification", "http_request" }, { "notify", "http_request" },
	{ "webhook", "http_request" }, { "http", "http_request" }, { "relay", "http_request" },
	{ "call", "http_request" }, { "validation", "validate" }, { "validate", "validate" },
	{ "validating", "validate" }, { "storage", "db_insert" }, { "store", "db_insert" },
	{ "storing", "db_insert" }, { "insert", "db_insert" }, { "database", "db_insert" },
	{ "lookup", "db_find" }, { "find", "db_find" }, { "hash", "password_hash" },
	{ "hashing", "password_hash" }, { "approval", "approval" }, { "condition", "condition" },
	{ "transform", "transform" },
};

/* The step a clause names from token i on: by toolId or by kind. */
struct json_object *
be_step_named(struct ectx *e, const struct btext *t, size_t i)
{
	struct json_object *tools = json_get(e->doc, "tools", json_type_array);

	for (size_t k = i; k < t->n; k++) {
		for (size_t m = 0; tools && m < json_object_array_length(tools); m++) {
			struct json_object *tl = json_object_array_get_idx(tools, m);
			const char *id = json_get_str(tl, "toolId");
			if (id != NULL && strcasecmp(id, t->tok[k]) == 0)
				return tl;
		}
		for (size_t w = 0; w < sizeof(step_words) / sizeof(step_words[0]); w++)
			if (bt_is(t, k, step_words[w].word))
				return bd_first_of_type(e->doc, step_words[w].type);
	}
	return NULL;
}

/*
 * Drops a step and the response fields that echoed it; refused for the
 * input and response steps and while another step still reads it.
 */
int
be_drop_step(struct ectx *e, struct json_object *tool)
{
	const char *id = arena_strdup(e->a, json_get_str(tool, "toolId"));
	const char *type = arena_strdup(e->a, json_get_str(tool, "type"));
	const char *user, *prefix = arena_printf(e->a, "{{steps.%s.", id);
	struct json_object *tools;

	if (strcmp(type, "input") == 0 || strcmp(type, "response") == 0)
		return REFUSE(e, "I keep the %s step: a workflow needs it.", type);
	bd_remove_tool(e->doc, id);
	/* Response fields that echoed the step go with it. */
	tools = json_get(e->doc, "tools", json_type_array);
	for (size_t i = 0; tools && i < json_object_array_length(tools); i++) {
		struct json_object *tl = json_object_array_get_idx(tools, i);
		struct json_object *body = be_cfg(tl, "body", json_type_object);
		const char *ty = json_get_str(tl, "type");
		if (ty == NULL || strcmp(ty, "response") != 0 || body == NULL)
			continue;
		for (int again = 1; again; ) {
			again = 0;
			json_object_object_foreach(body, k, v) {
				if (json_object_is_type(v, json_type_string) &&
				    strncmp(json_object_get_string(v), prefix, strlen(prefix)) == 0) {
					json_object_object_del(body, k);
					again = 1;
					break;
				}
			}
		}
	}
	if ((user = be_user_of(e, prefix)) != NULL)
		return REFUSE(e, "The step %s is used by the step %s; I cannot drop it alone.",
		    id, user);
	bd_change(e->changes, "removed step %s (%s)", id, type);
	return 0;
}

int
be_has_step_word(const struct btext *t, size_t from)
{
	if (bt_find(t, from, "step") >= 0)
		return 1;
	for (size_t k = from; k < t->n; k++)
		for (size_t w = 0; w < sizeof(step_words) / sizeof(step_words[0]); w++)
			if (bt_is(t, k, step_words[w].word))
				return 1;
	return 0;
}
