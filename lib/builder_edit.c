/*
 * The builder's edits: an instruction applied to an existing workflow.
 * Fields live in several places at once -- inputSchema, the validate
 * tools' rules, stored documents, response bodies, claims -- and an edit
 * changes all of them together, so the document stays consistent. A
 * message may hold several clauses ("add a phone field; make name
 * optional"); each must be understood, or nothing changes.
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

struct ectx {
	struct arena		*a;
	struct json_object	*doc;		/* the copy being edited */
	struct json_object	*changes;
	const char		*why;		/* refusal, when set */
};

#define REFUSE(e, ...) ((e)->why = arena_printf((e)->a, __VA_ARGS__), -1)

static struct json_object *
schema_of(struct json_object *doc)
{
	struct json_object *s = json_get(doc, "inputSchema", json_type_object);

	if (s == NULL) {
		s = bd_jsonv("{\"type\":\"object\",\"properties\":{}}");
		json_object_object_add(doc, "inputSchema", s);
	}
	return s;
}

static struct json_object *
props_of(struct json_object *doc)
{
	struct json_object *s = schema_of(doc), *p = json_get(s, "properties", json_type_object);

	if (p == NULL) {
		p = json_object_new_object();
		json_object_object_add(s, "properties", p);
	}
	return p;
}

/* Calls fn(e, config) for each tool of type (all types when NULL). */
static void
each_config(struct ectx *e, const char *type,
    void (*fn)(struct ectx *, struct json_object *tool, void *), void *arg)
{
	struct json_object *tools = json_get(e->doc, "tools", json_type_array);

	for (size_t i = 0; tools != NULL && i < json_object_array_length(tools); i++) {
		struct json_object *t = json_object_array_get_idx(tools, i);
		const char *ty = json_get_str(t, "type");
		if (ty != NULL && (type == NULL || strcmp(ty, type) == 0) &&
		    json_get(t, "config", json_type_object) != NULL)
			fn(e, t, arg);
	}
}

static struct json_object *
cfg(struct json_object *tool, const char *key, enum json_type type)
{
	return json_get(json_get(tool, "config", json_type_object), key, type);
}

/* The existing field the words at t[i...] name (case-insensitive), or NULL. */
static const char *
field_at(struct json_object *doc, const struct btext *t, size_t i, size_t *used)
{
	struct json_object *props = props_of(doc);
	char joined[B_NAME_MAX * 3];

	joined[0] = '\0';
	for (size_t w = 0; w < 3 && i + w < t->n && !bt_punct(t, i + w); w++) {
		strncat(joined, t->tok[i + w], sizeof(joined) - strlen(joined) - 1);
		json_object_object_foreach(props, k, v) {
			(void)v;
			if (strcasecmp(k, joined) == 0) {
				if (used != NULL)
					*used = w + 1;
				return k;
			}
		}
	}
	return NULL;
}

static const char *
field_list(struct ectx *e)
{
	struct json_object *props = props_of(e->doc);
	char *s = arena_strdup(e->a, "");

	json_object_object_foreach(props, k, v) {
		(void)v;
		s = arena_printf(e->a, "%s%s%s", s, *s ? ", " : "", k);
	}
	return *s ? s : "none";
}

static int
is_numeric(struct json_object *prop)
{
	const char *ty = json_get_str(prop, "type");

	return ty != NULL && (strcmp(ty, "integer") == 0 || strcmp(ty, "number") == 0);
}

/* ---- fields ---- */

static void
add_rules(struct ectx *e, struct json_object *tool, void *arg)
{
	const struct bfield *f = arg;
	struct json_object *rules = cfg(tool, "rules", json_type_object);

	(void)e;
	if (rules != NULL)
		json_object_object_add(rules, f->name, bf_rules(f));
}

/* 1 when o holds a value exactly "{{input.X}}" for some X. */
static int
holds_input_ref(struct json_object *o)
{
	json_object_object_foreach(o, k, v) {
		(void)k;
		const char *s = json_object_is_type(v, json_type_string) ?
		    json_object_get_string(v) : NULL;
		if (s != NULL && strncmp(s, "{{input.", 8) == 0 && strchr(s + 8, '.') == NULL)
			return 1;
	}
	return 0;
}

/* The object in v (depth first) that echoes input fields, or NULL. */
static struct json_object *
echo_object(struct json_object *v, int depth)
{
	if (depth > 4 || !json_object_is_type(v, json_type_object))
		return NULL;
	if (holds_input_ref(v))
		return v;
	json_object_object_foreach(v, k, sub) {
		(void)k;
		struct json_object *o = echo_object(sub, depth + 1);
		if (o != NULL)
			return o;
	}
	return NULL;
}

static void
add_to_data(struct ectx *e, struct json_object *tool, void *arg)
{
	const struct bfield *f = arg;
	const char *type = json_get_str(tool, "type");
	struct json_object *o = NULL;

	if (strcmp(type, "db_insert") == 0)
		o = cfg(tool, "document", json_type_object);
	else if (strcmp(type, "response") == 0)
		o = echo_object(cfg(tool, "body", json_type_object), 0);
	if (o != NULL && (strcmp(type, "response") != 0 || holds_input_ref(o)) &&
	    json_object_object_get(o, f->name) == NULL && f->kind != FK_PASSWORD)
		json_object_object_add(o, f->name,
		    json_object_new_string(bd_ref(e->a, "input", f->name, NULL)));
}

static int
add_field(struct ectx *e, const struct bfield *f)
{
	struct json_object *props = props_of(e->doc), *req;

	if (json_object_object_get(props, f->name) != NULL)
		return REFUSE(e, "There is already a field %s.", f->name);
	json_object_object_add(props, f->name, bf_schema(f));
	if (f->required) {
		if ((req = json_get(schema_of(e->doc), "required", json_type_array)) == NULL) {
			req = json_object_new_array();
			json_object_object_add(schema_of(e->doc), "required", req);
		}
		json_object_array_add(req, json_object_new_string(f->name));
	}
	each_config(e, "validate", add_rules, (void *)f);
	each_config(e, "db_insert", add_to_data, (void *)f);
	each_config(e, "response", add_to_data, (void *)f);
	bd_change(e->changes, "added field %s (%s, %s)", f->name, bf_kind_names[f->kind],
	    f->required ? "required" : "optional");
	return 0;
}

/* Deletes, recursively, every key whose value is exactly ref. */
static void
drop_refs(struct json_object *v, const char *ref, int depth)
{
	if (depth > 16 || !json_object_is_type(v, json_type_object))
		return;
	for (;;) {
		const char *victim = NULL;
		json_object_object_foreach(v, k, sub) {
			if (json_object_is_type(sub, json_type_string) &&
			    strcmp(json_object_get_string(sub), ref) == 0) {
				victim = k;
				break;
			}
			drop_refs(sub, ref, depth + 1);
		}
		if (victim == NULL)
			break;
		json_object_object_del(v, victim);
	}
}

static void
strip_field(struct ectx *e, struct json_object *tool, void *arg)
{
	const char *name = arg;
	const char *type = json_get_str(tool, "type");
	struct json_object *c = json_get(tool, "config", json_type_object), *u;

	if (strcmp(type, "validate") == 0 && (u = cfg(tool, "rules", json_type_object)) != NULL)
		json_object_object_del(u, name);
	if (strcmp(type, "password_hash") == 0 || strcmp(type, "password_verify") == 0 ||
	    strcmp(type, "http_request") == 0 || strcmp(type, "condition") == 0)
		return;	/* a step that needs the field: the caller refuses */
	drop_refs(c, bd_ref(e->a, "input", name, NULL), 0);
	if ((u = cfg(tool, "unique", json_type_array)) != NULL)
		for (size_t i = 0; i < json_object_array_length(u); i++)
			if (strcmp(json_object_get_string(json_object_array_get_idx(u, i)), name) == 0)
				json_object_array_del_idx(u, i--, 1);
}

static void
array_remove_str(struct json_object *arr, const char *s)
{
	for (size_t i = 0; arr != NULL && i < json_object_array_length(arr); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(arr, i)), s) == 0)
			json_object_array_del_idx(arr, i--, 1);
}

/* The first tool that still mentions needle (its toolId), or NULL. */
static const char *
user_of(struct ectx *e, const char *needle)
{
	struct json_object *tools = json_get(e->doc, "tools", json_type_array);

	for (size_t i = 0; tools && i < json_object_array_length(tools); i++) {
		struct json_object *t = json_object_array_get_idx(tools, i);
		if (bd_mentions(json_object_object_get(t, "config"), needle))
			return json_get_str(t, "toolId");
	}
	return NULL;
}

static int
remove_field(struct ectx *e, const char *name)
{
	char *n = arena_strdup(e->a, name), *needle;
	const char *user;

	json_object_object_del(props_of(e->doc), n);
	array_remove_str(json_get(schema_of(e->doc), "required", json_type_array), n);
	each_config(e, NULL, strip_field, n);
	needle = arena_printf(e->a, "{{input.%s", n);
	if ((user = user_of(e, needle)) != NULL)
		return REFUSE(e, "The field %s is used by the step %s; drop that step first.",
		    n, user);
	bd_change(e->changes, "removed field %s", n);
	return 0;
}

static void
set_required_rule(struct ectx *e, struct json_object *tool, void *arg)
{
	const char *name = ((const char *const *)arg)[0];
	int on = ((const char *const *)arg)[1] != NULL;
	struct json_object *rules = cfg(tool, "rules", json_type_object), *list;

	(void)e;
	if (rules == NULL)
		return;
	list = json_get(rules, name, json_type_array);
	if (list == NULL) {
		if (!on)
			return;
		list = json_object_new_array();
		json_object_object_add(rules, name, list);
	}
	array_remove_str(list, "required");
	if (on)
		bd_array_insert(list, 0, json_object_new_string("required"));
}

static int
set_required(struct ectx *e, const char *name, int on)
{
	struct json_object *s = schema_of(e->doc), *req = json_get(s, "required", json_type_array);
	const char *arg[2] = { name, on ? "on" : NULL };
	char *n = arena_strdup(e->a, name);

	if (req == NULL) {
		req = json_object_new_array();
		json_object_object_add(s, "required", req);
	}
	array_remove_str(req, n);
	if (on)
		json_object_array_add(req, json_object_new_string(n));
	arg[0] = n;
	each_config(e, "validate", set_required_rule, arg);
	bd_change(e->changes, "field %s is now %s", n, on ? "required" : "optional");
	return 0;
}

struct bound { const char *name; const char *rule; long long value; };

static void
set_rule_bound(struct ectx *e, struct json_object *tool, void *arg)
{
	const struct bound *b = arg;
	struct json_object *rules = cfg(tool, "rules", json_type_object), *list, *o;

	(void)e;
	if (rules == NULL)
		return;
	if ((list = json_get(rules, b->name, json_type_array)) == NULL) {
		list = json_object_new_array();
		json_object_object_add(rules, b->name, list);
	}
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		o = json_object_array_get_idx(list, i);
		if (json_object_is_type(o, json_type_object) &&
		    json_object_object_get_ex(o, b->rule, NULL)) {
			json_object_object_add(o, b->rule, json_object_new_int64(b->value));
			return;
		}
	}
	o = json_object_new_object();
	json_object_object_add(o, b->rule, json_object_new_int64(b->value));
	json_object_array_add(list, o);
}

/* Sets a bound in the field's schema and in every validate rule list. */
static void
set_bound(struct ectx *e, const char *name, int is_max, long long v)
{
	struct json_object *prop = json_get(props_of(e->doc), name, json_type_object);
	int num = is_numeric(prop);
	struct bound b = { name, num ? (is_max ? "max" : "min") :
	    (is_max ? "maxLength" : "minLength"), v };
	const char *kw = num ? (is_max ? "maximum" : "minimum") :
	    (is_max ? "maxLength" : "minLength");

	if (prop != NULL)
		json_object_object_add(prop, kw, json_object_new_int64(v));
	each_config(e, "validate", set_rule_bound, &b);
	bd_change(e->changes, "field %s: %s %lld%s", name, is_max ? "at most" : "at least", v,
	    num ? "" : " characters");
}

/* Renames key from to to in o, keeping the order of keys. */
static void
rename_key(struct json_object *o, const char *from, const char *to)
{
	struct json_object *copy = json_object_new_object();

	json_object_object_foreach(o, k, v)
		json_object_object_add(copy, strcmp(k, from) == 0 ? to : k, json_object_get(v));
	while (json_object_object_length(o) > 0) {
		char *first = NULL;
		json_object_object_foreach(o, k2, v2) {
			(void)v2;
			first = strdup(k2);
			break;
		}
		if (first == NULL)
			break;
		json_object_object_del(o, first);
		free(first);
	}
	json_object_object_foreach(copy, k3, v3)
		json_object_object_add(o, k3, json_object_get(v3));
	json_object_put(copy);
}

/* s with every from replaced by to (arena). */
static const char *
replaced(struct arena *a, const char *s, const char *from, const char *to)
{
	struct buf b;
	const char *p;

	buf_init(&b, a, 64);
	while ((p = strstr(s, from)) != NULL) {
		buf_put(&b, s, (size_t)(p - s));
		buf_puts(&b, to);
		s = p + strlen(from);
	}
	buf_puts(&b, s);
	return b.data;
}

/* Replaces every occurrence of from by to in the strings of v. */
static void
rewrite_strings(struct arena *a, struct json_object *v, const char *from, const char *to,
    int depth)
{
	if (depth > 32)
		return;
	if (json_object_is_type(v, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			struct json_object *x = json_object_array_get_idx(v, i);
			if (json_object_is_type(x, json_type_string) &&
			    strstr(json_object_get_string(x), from) != NULL)
				json_object_array_put_idx(v, i, json_object_new_string(
				    replaced(a, json_object_get_string(x), from, to)));
			else
				rewrite_strings(a, x, from, to, depth + 1);
		}
		return;
	}
	if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, k, sub) {
			if (json_object_is_type(sub, json_type_string) &&
			    strstr(json_object_get_string(sub), from) != NULL)
				json_object_object_add(v, k, json_object_new_string(
				    replaced(a, json_object_get_string(sub), from, to)));
			else
				rewrite_strings(a, sub, from, to, depth + 1);
		}
	}
}

/* Renames keys named from whose value reads {{input.to}}, recursively. */
static void
rename_echo_keys(struct ectx *e, struct json_object *v, const char *from, const char *to,
    int depth)
{
	const char *ref = bd_ref(e->a, "input", to, NULL);

	if (depth > 16 || !json_object_is_type(v, json_type_object))
		return;
	struct json_object *hit = json_object_object_get(v, from);
	if (hit != NULL && json_object_is_type(hit, json_type_string) &&
	    strcmp(json_object_get_string(hit), ref) == 0 &&
	    json_object_object_get(v, to) == NULL)
		rename_key(v, from, to);
	json_object_object_foreach(v, k, sub) {
		(void)k;
		rename_echo_keys(e, sub, from, to, depth + 1);
	}
}

static void
rename_in_tool(struct ectx *e, struct json_object *tool, void *arg)
{
	const char *const *names = arg;
	struct json_object *c = json_get(tool, "config", json_type_object), *u;

	rewrite_strings(e->a, c, bd_ref(e->a, "input", names[0], NULL),
	    bd_ref(e->a, "input", names[1], NULL), 0);
	rewrite_strings(e->a, c, arena_printf(e->a, "{{input.%s.", names[0]),
	    arena_printf(e->a, "{{input.%s.", names[1]), 0);
	rename_echo_keys(e, c, names[0], names[1], 0);
	if ((u = cfg(tool, "rules", json_type_object)) != NULL &&
	    json_object_object_get(u, names[0]) != NULL)
		rename_key(u, names[0], names[1]);
	if ((u = cfg(tool, "unique", json_type_array)) != NULL)
		for (size_t i = 0; i < json_object_array_length(u); i++)
			if (strcmp(json_object_get_string(json_object_array_get_idx(u, i)),
			    names[0]) == 0)
				json_object_array_put_idx(u, i, json_object_new_string(names[1]));
}

static int
rename_field(struct ectx *e, const char *from, const char *to)
{
	const char *names[2] = { arena_strdup(e->a, from), arena_strdup(e->a, to) };
	struct json_object *req = json_get(schema_of(e->doc), "required", json_type_array);

	if (!bf_name_valid(to))
		return REFUSE(e, "%s is not a field name I can use (a letter, then letters, "
		    "digits or _).", to);
	if (json_object_object_get(props_of(e->doc), to) != NULL)
		return REFUSE(e, "There is already a field %s.", to);
	rename_key(props_of(e->doc), names[0], names[1]);
	for (size_t i = 0; req && i < json_object_array_length(req); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(req, i)), names[0]) == 0)
			json_object_array_put_idx(req, i, json_object_new_string(names[1]));
	each_config(e, NULL, rename_in_tool, names);
	bd_change(e->changes, "renamed field %s to %s", names[0], names[1]);
	return 0;
}

/* ---- steps ---- */

/* Position of toolId id in executionOrder, or -1. */
static int
order_index(struct json_object *doc, const char *id)
{
	struct json_object *order = json_get(doc, "executionOrder", json_type_array);

	for (size_t i = 0; order && i < json_object_array_length(order); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(order, i)), id) == 0)
			return (int)i;
	return -1;
}

static int
response_count(struct json_object *doc)
{
	struct json_object *tools = json_get(doc, "tools", json_type_array);
	int n = 0;

	for (size_t i = 0; tools && i < json_object_array_length(tools); i++) {
		const char *ty = json_get_str(json_object_array_get_idx(tools, i), "type");
		n += ty != NULL && strcmp(ty, "response") == 0;
	}
	return n;
}

static int
add_token_step(struct ectx *e)
{
	struct json_object *resp = bd_first_of_type(e->doc, "response"), *c, *claims, *body;
	struct json_object *ins = bd_first_of_type(e->doc, "db_insert");
	struct json_object *find = bd_first_of_type(e->doc, "db_find");
	const char *id;

	if (bd_first_of_type(e->doc, "jwt_sign") != NULL)
		return REFUSE(e, "The workflow already signs a token.");
	if (resp == NULL || response_count(e->doc) != 1)
		return REFUSE(e, "I add a token step before the one response step; this "
		    "workflow has %d.", response_count(e->doc));
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
	bd_insert_tool(e->doc, order_index(e->doc, json_get_str(resp, "toolId")),
	    bd_tool(id, "Sign token", "jwt_sign", c));
	if ((body = cfg(resp, "body", json_type_object)) != NULL)
		json_object_object_add(body, "token",
		    json_object_new_string(bd_ref(e->a, "steps", id, "token")));
	bd_change(e->changes, "added step %s (signs a JWT with the secret jwtKey; set it "
	    "with PUT .../secrets/jwtKey)", id);
	return 0;
}

/* A field description read back from its inputSchema property. */
static void
field_from_schema(struct bfield *f, const char *name, struct json_object *prop, int required)
{
	struct json_object *v;
	int num = is_numeric(prop);

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

static int
is_required(struct json_object *doc, const char *name)
{
	struct json_object *req = json_get(schema_of(doc), "required", json_type_array);

	for (size_t i = 0; req && i < json_object_array_length(req); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(req, i)), name) == 0)
			return 1;
	return 0;
}

static int
add_validate_step(struct ectx *e)
{
	struct json_object *rules = json_object_new_object(), *c;
	struct json_object *in = bd_first_of_type(e->doc, "input");
	struct bfield f;
	const char *id;

	if (bd_first_of_type(e->doc, "validate") != NULL) {
		json_object_put(rules);
		return REFUSE(e, "The workflow already has a validation step.");
	}
	json_object_object_foreach(props_of(e->doc), k, prop) {
		field_from_schema(&f, k, prop, is_required(e->doc, k));
		json_object_object_add(rules, k, bf_rules(&f));
	}
	id = bd_unique_id(e->a, e->doc, "validate");
	c = json_object_new_object();
	json_object_object_add(c, "rules", rules);
	bd_insert_tool(e->doc, in ? order_index(e->doc, json_get_str(in, "toolId")) + 1 : 0,
	    bd_tool(id, "Validate fields", "validate", c));
	bd_change(e->changes, "added step %s (checks %s)", id, field_list(e));
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
static struct json_object *
step_named(struct ectx *e, const struct btext *t, size_t i)
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

static int
drop_step(struct ectx *e, struct json_object *tool)
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
		struct json_object *body = cfg(tl, "body", json_type_object);
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
	if ((user = user_of(e, prefix)) != NULL)
		return REFUSE(e, "The step %s is used by the step %s; I cannot drop it alone.",
		    id, user);
	bd_change(e->changes, "removed step %s (%s)", id, type);
	return 0;
}

/* ---- clauses ---- */

/* camelCase of up to three words at t[i...] (arena), or NULL. */
static char *
words_name(struct ectx *e, const struct btext *t, size_t i)
{
	char name[B_NAME_MAX] = "";

	for (size_t w = 0; w < 3 && i + w < t->n && !bt_punct(t, i + w) &&
	    !bt_is(t, i + w, "field") && !bt_is(t, i + w, "and"); w++) {
		size_t n = strlen(name);
		const char *word = t->orig[i + w];
		if (n == 0)
			snprintf(name, sizeof(name), "%s", word);
		else if (n + strlen(word) + 1 < sizeof(name))
			snprintf(name + n, sizeof(name) - n, "%c%s",
			    toupper((unsigned char)word[0]), word + 1);
	}
	return name[0] != '\0' ? arena_strdup(e->a, name) : NULL;
}

/* The words after token i up to punctuation, as a display name (arena). */
static char *
title_after(struct ectx *e, const struct btext *t, size_t i)
{
	char *s = arena_strdup(e->a, "");

	if (t->quoted[0] != '\0')
		return arena_strdup(e->a, t->quoted);
	for (size_t k = i, w = 0; k < t->n && !bt_punct(t, k) && w < 12; k++, w++)
		s = arena_printf(e->a, "%s%s%s", s, *s ? " " : "", t->orig[k]);
	if (*s != '\0')
		s[0] = (char)toupper((unsigned char)s[0]);
	return *s != '\0' ? s : NULL;
}

static void
set_collection(struct ectx *e, struct json_object *tool, void *arg)
{
	(void)e;
	json_object_object_add(json_object_object_get(tool, "config"), "collection",
	    json_object_new_string(arg));
}

static int
change_collection(struct ectx *e, const struct btext *t)
{
	char name[B_NAME_MAX] = "";
	long i = bt_find(t, 0, "collection to");

	if (i >= 0 && (size_t)i + 2 < t->n && bf_name_valid(t->tok[i + 2]))
		snprintf(name, sizeof(name), "%s", t->tok[i + 2]);
	else if (!builder_collection(t, name, sizeof(name)))
		return REFUSE(e, "Which collection? Say e.g. \"use the collection customers\".");
	if (bd_first_of_type(e->doc, "db_insert") == NULL &&
	    bd_first_of_type(e->doc, "db_find") == NULL)
		return REFUSE(e, "The workflow stores nothing, so it has no collection to change.");
	each_config(e, "db_insert", set_collection, name);
	each_config(e, "db_find", set_collection, name);
	bd_change(e->changes, "collection is now %s", name);
	return 0;
}

static int
rename_clause(struct ectx *e, const struct btext *t)
{
	long r = bt_find(t, 0, "rename"), to;
	size_t k, used = 0;
	const char *from;
	char *name;

	if (r >= 0) {
		k = (size_t)r + 1;
		while (bt_is(t, k, "the") || bt_is(t, k, "field"))
			k++;
		to = bt_find(t, k, "to");
		if (bt_is(t, k, "collection"))
			return change_collection(e, t);
		if ((from = field_at(e->doc, t, k, &used)) != NULL && to == (long)(k + used)) {
			if ((name = words_name(e, t, (size_t)to + 1)) == NULL)
				return REFUSE(e, "Rename %s to what?", from);
			return rename_field(e, from, name);
		}
		if (to < 0)
			return REFUSE(e, "Rename what to what? Say \"rename the field phone to "
			    "mobile\" or \"rename the workflow to Join us\".");
		name = title_after(e, t, (size_t)to + 1);
	} else {
		long i = bt_find(t, 0, "it");
		if (i < 0)
			i = bt_find(t, 0, "workflow");
		if (i >= 0 && bt_is(t, (size_t)i + 1, "to"))
			i++;
		name = i >= 0 ? title_after(e, t, (size_t)i + 1) : NULL;
	}
	if (name == NULL || strlen(name) > 200)
		return REFUSE(e, "What should the new name be (at most 200 characters)?");
	json_object_object_add(e->doc, "name", json_object_new_string(name));
	bd_change(e->changes, "renamed the workflow to \"%s\"", name);
	return 0;
}

static const char *const remove_verbs[] = {
	"remove", "drop", "delete", "without", "dont", "get rid of", "no longer", "stop", NULL
};
static const char *const add_verbs[] = {
	"add", "include", "collect", "also ask for", "ask for", "notify", "send", "post", NULL
};

/* Index of the first of phrases in t, or -1. */
static long
first_of(const struct btext *t, const char *const *phrases)
{
	long best = -1;

	for (; *phrases != NULL; phrases++) {
		long i = bt_find(t, 0, *phrases);
		if (i >= 0 && (best < 0 || i < best))
			best = i;
	}
	return best;
}

static int
has_step_word(const struct btext *t, size_t from)
{
	if (bt_find(t, from, "step") >= 0)
		return 1;
	for (size_t k = from; k < t->n; k++)
		for (size_t w = 0; w < sizeof(step_words) / sizeof(step_words[0]); w++)
			if (bt_is(t, k, step_words[w].word))
				return 1;
	return 0;
}

static int
remove_clause(struct ectx *e, const struct btext *t, size_t v)
{
	struct json_object *step;
	int n = 0;

	if (bt_find(t, v, "field") < 0 && bt_find(t, v, "fields") < 0 && has_step_word(t, v + 1)) {
		if ((step = step_named(e, t, v + 1)) == NULL)
			return REFUSE(e, "I found no such step in the workflow.");
		return drop_step(e, step);
	}
	for (size_t k = v + 1; k < t->n; k++) {
		size_t used = 0;
		const char *f = field_at(e->doc, t, k, &used);
		if (f == NULL)
			continue;
		if (remove_field(e, f) == -1)
			return -1;
		n++;
		k += used - 1;
	}
	if (n == 0) {
		if ((step = step_named(e, t, v + 1)) != NULL)
			return drop_step(e, step);
		return REFUSE(e, "I found no such field or step. The fields are: %s.",
		    field_list(e));
	}
	return 0;
}

static const char *const add_tail_skip[] = {
	"field", "fields", "to", "the", "form", "input", "workflow", "api", "too", "as",
	"well", "also", "please", "it", "this", "endpoint", "request", NULL
};
static const char *const add_tail_ok[] = {
	"at", "no", "up", "less", "more", "min", "max", "minimum", "maximum", "between",
	"of", "with", "that", "which", "must", "should", "required", "optional", "under",
	"over", "from", "longer", "shorter", NULL
};

static int
add_clause(struct ectx *e, const struct btext *t, size_t v)
{
	struct bfield f[B_MAX_FIELDS];
	size_t end = 0;
	int n;

	if (t->url[0] != '\0') {
		const char *id = builder_add_notify(e->a, e->doc, t->url);
		bd_change(e->changes, "added step %s (POST the input to %s)", id, t->url);
		return 0;
	}
	if (bt_has(t, "webhook") || bt_has(t, "notification") || bt_is(t, v, "notify"))
		return REFUSE(e, "To which URL? Say e.g. \"notify https://hooks.example.com/new\".");
	if (bt_has(t, "token") || bt_has(t, "jwt"))
		return add_token_step(e);
	if (bt_has(t, "validation") || bt_has(t, "validate") || bt_has(t, "validating"))
		return add_validate_step(e);
	n = bf_list_at(t, v + 1, f, 0, B_MAX_FIELDS, &end);
	/* What follows the names must read as part of the same request. */
	while (end < t->n && bt_any(t, end, add_tail_skip))
		end++;
	if (n > 0 && end < t->n && !bt_any(t, end, add_tail_ok) && !bt_punct(t, end))
		return 1;
	if (n == 0)
		return REFUSE(e, "Add what? Say e.g. \"add a phone field\" or \"add an optional "
		    "age field\".");
	for (int i = 0; i < n; i++) {
		bf_constraints(t, &f[i]);
		if (add_field(e, &f[i]) == -1)
			return -1;
	}
	return 0;
}

static int
status_clause(struct ectx *e, const struct btext *t)
{
	struct json_object *resp;
	long long st = 0;
	int found = 0;

	for (size_t i = 0; i < t->n && !found; i++)
		if (bt_number(t, i, &st) && st >= 100 && st <= 599)
			found = 1;
	if (!found)
		return REFUSE(e, "Which status? Say e.g. \"respond with status 202\".");
	if (response_count(e->doc) != 1)
		return REFUSE(e, "The workflow has %d response steps; I change the status only "
		    "where there is one.", response_count(e->doc));
	resp = bd_first_of_type(e->doc, "response");
	json_object_object_add(json_object_object_get(resp, "config"), "status",
	    json_object_new_int((int)st));
	bd_change(e->changes, "the response status is now %lld", st);
	return 0;
}

/* Bounds and required/optional said of fields the workflow has. */
static int
constraint_clause(struct ectx *e, const struct btext *t)
{
	int n = 0;
	int opt = bt_has(t, "optional") || bt_has(t, "not required");
	int req = !opt && (bt_has(t, "required") || bt_has(t, "mandatory") ||
	    bt_has(t, "require") || bt_has(t, "must have"));
	long lim = bt_find(t, 0, "limit");

	for (size_t i = 0; i < t->n; i++) {
		size_t used = 0;
		const char *name = field_at(e->doc, t, i, &used);
		struct bfield f;
		long long v;
		if (name == NULL)
			continue;
		memset(&f, 0, sizeof(f));
		snprintf(f.name, sizeof(f.name), "%s", name);
		bf_constraints(t, &f);
		/* "limit message to 500 characters" */
		if (lim >= 0 && (size_t)lim < i && bt_is(t, i + used, "to") &&
		    bt_number(t, i + used + 1, &v)) {
			f.max = v;
			f.has_max = 1;
		}
		if (f.has_min) {
			set_bound(e, name, 0, f.min);
			n++;
		}
		if (f.has_max) {
			set_bound(e, name, 1, f.max);
			n++;
		}
		if (!f.has_min && !f.has_max && (opt || req)) {
			set_required(e, name, req);
			n++;
		}
		i += used - 1;
	}
	return n > 0 ? 0 : 1;
}

/* One clause: 0 done, -1 refused (e->why), 1 not understood. */
static int
clause(struct ectx *e, const struct btext *t)
{
	long v;

	if (bt_has(t, "rename") || bt_has(t, "call it") || bt_has(t, "name it") ||
	    bt_has(t, "call the workflow") || bt_has(t, "name the workflow"))
		return rename_clause(e, t);
	if ((v = first_of(t, remove_verbs)) >= 0)
		return remove_clause(e, t, (size_t)v);
	if ((v = first_of(t, add_verbs)) >= 0)
		return add_clause(e, t, (size_t)v);
	if (bt_has(t, "collection") || (bt_has(t, "store") && bt_has(t, "in")))
		return change_collection(e, t);
	if (bt_has(t, "status") || bt_has(t, "respond with"))
		return status_clause(e, t);
	return constraint_clause(e, t);
}

static const char *const clause_verbs[] = {
	"add", "remove", "drop", "delete", "make", "rename", "change", "set", "require",
	"use", "call", "respond", "return", "limit", "store", "notify", "include", NULL
};

/*
 * Splits an instruction into clauses (arena strings, at most max): at ';',
 * a newline, '.' before a space or the end, "then", and "and" or ","
 * before a verb ("add a phone field and make name optional").
 */
static size_t
split_clauses(struct arena *a, const char *text, char **out, size_t max)
{
	char *s = arena_strdup(a, text), *start = s;
	size_t n = 0;

	for (char *p = s; *p != '\0' && n + 1 < max; p++) {
		size_t cut = 0;
		if (*p == ';' || *p == '\n' || (*p == '.' && (p[1] == ' ' || p[1] == '\0')))
			cut = 1;
		else if (strncasecmp(p, " then ", 6) == 0)
			cut = 6;
		else if (strncasecmp(p, " and ", 5) == 0 || strncmp(p, ", ", 2) == 0) {
			const char *w = p + (*p == ',' ? 2 : 5);
			for (const char *const *v = clause_verbs; *v != NULL; v++) {
				size_t l = strlen(*v);
				if (strncasecmp(w, *v, l) == 0 && (w[l] == ' ' || w[l] == '\0'))
					cut = (size_t)(w - p);
			}
		}
		if (cut == 0)
			continue;
		*p = '\0';
		out[n++] = start;
		start = p + cut;
		p = start - 1;
	}
	out[n++] = start;
	return n;
}

/*
 * Applies an instruction to a copy of doc. Each clause must be understood
 * and possible, and the result must pass workflow_check; otherwise nothing
 * changes and out->summary says why (BUILD_NOT_UNDERSTOOD with the help
 * text, or BUILD_INVALID for an understood change that cannot be made).
 */
enum build_status
builder_edit(struct arena *a, const struct catalog *cat, struct json_object *doc,
    const char *text, struct build_result *out)
{
	struct ectx e;
	struct btext *t = calloc(1, sizeof(*t));
	struct json_object *copy = NULL;
	char *clauses[16];
	size_t n;
	enum build_status st = BUILD_NOMEM;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	memset(&e, 0, sizeof(e));
	if (t == NULL)
		return BUILD_NOMEM;
	if (text == NULL || !json_object_is_type(doc, json_type_object) ||
	    json_object_deep_copy(doc, &copy, NULL) != 0) {
		free(t);
		return text == NULL ? bd_refuse(a, out, "There was no instruction.") : BUILD_NOMEM;
	}
	e.a = a;
	e.doc = copy;
	e.changes = json_object_new_array();
	n = split_clauses(a, text, clauses, sizeof(clauses) / sizeof(clauses[0]));
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (bt_parse(t, clauses[i]) == -1) {
			st = bd_refuse(a, out, "That instruction is too long for me.");
			goto fail;
		}
		if (t->n == 0)
			continue;
		rc = clause(&e, t);
		if (rc == 1) {
			st = bd_refuse(a, out, "I did not understand \"%s\".", clauses[i]);
			goto fail;
		}
	}
	if (rc == -1) {
		out->summary = arena_printf(a, "%s Nothing was changed.", e.why);
		st = BUILD_INVALID;
		goto fail;
	}
	if (json_object_array_length(e.changes) == 0) {
		st = bd_refuse(a, out, "I found nothing to change in that.");
		goto fail;
	}
	{
		char *sum = arena_strdup(a, "Changed the workflow:");
		for (size_t i = 0; i < json_object_array_length(e.changes); i++)
			sum = arena_printf(a, "%s%s %s", sum, i ? ";" : "",
			    json_object_get_string(json_object_array_get_idx(e.changes, i)));
		sum = arena_printf(a, "%s.", sum);
		free(t);
		return bd_finish(a, cat, copy, e.changes, sum, out);
	}
fail:
	json_object_put(copy);
	json_object_put(e.changes);
	free(t);
	return st;
}
