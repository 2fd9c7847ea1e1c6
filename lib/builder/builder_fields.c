/*
 * The builder's edits of fields. A field lives in several places at once --
 * inputSchema, the validate tools' rules, stored documents, response
 * bodies, claims -- and each change here touches all of them together, so
 * the document stays consistent ("name at least 2 characters" changes
 * both minLength places).
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

struct json_object *
be_schema_of(struct json_object *doc)
{
	struct json_object *s = json_get(doc, "inputSchema", json_type_object);

	if (s == NULL) {
		s = bd_jsonv("{\"type\":\"object\",\"properties\":{}}");
		json_object_object_add(doc, "inputSchema", s);
	}
	return s;
}

struct json_object *
be_props_of(struct json_object *doc)
{
	struct json_object *s = be_schema_of(doc), *p = json_get(s, "properties", json_type_object);

	if (p == NULL) {
		p = json_object_new_object();
		json_object_object_add(s, "properties", p);
	}
	return p;
}

/* Calls fn(e, config) for each tool of type (all types when NULL). */
void
be_each_config(struct ectx *e, const char *type,
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

struct json_object *
be_cfg(struct json_object *tool, const char *key, enum json_type type)
{
	return json_get(json_get(tool, "config", json_type_object), key, type);
}

/* The existing field the words at t[i...] name (case-insensitive), or NULL. */
const char *
be_field_at(struct json_object *doc, const struct btext *t, size_t i, size_t *used)
{
	struct json_object *props = be_props_of(doc);
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

const char *
be_field_list(struct ectx *e)
{
	struct json_object *props = be_props_of(e->doc);
	char *s = arena_strdup(e->a, "");

	json_object_object_foreach(props, k, v) {
		(void)v;
		s = arena_printf(e->a, "%s%s%s", s, *s ? ", " : "", k);
	}
	return *s ? s : "none";
}

int
be_is_numeric(struct json_object *prop)
{
	const char *ty = json_get_str(prop, "type");

	return ty != NULL && (strcmp(ty, "integer") == 0 || strcmp(ty, "number") == 0);
}

/* ---- fields ---- */

static void
add_rules(struct ectx *e, struct json_object *tool, void *arg)
{
	const struct bfield *f = arg;
	struct json_object *rules = be_cfg(tool, "rules", json_type_object);

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
		o = be_cfg(tool, "document", json_type_object);
	else if (strcmp(type, "response") == 0)
		o = echo_object(be_cfg(tool, "body", json_type_object), 0);
	if (o != NULL && (strcmp(type, "response") != 0 || holds_input_ref(o)) &&
	    json_object_object_get(o, f->name) == NULL && f->kind != FK_PASSWORD)
		json_object_object_add(o, f->name,
		    json_object_new_string(bd_ref(e->a, "input", f->name, NULL)));
}

/*
 * Adds f to inputSchema (and required), to every validate tool's rules,
 * to stored documents, and to a response object that echoes input fields.
 */
int
be_add_field(struct ectx *e, const struct bfield *f)
{
	struct json_object *props = be_props_of(e->doc), *req;

	if (json_object_object_get(props, f->name) != NULL)
		return REFUSE(e, "There is already a field %s.", f->name);
	json_object_object_add(props, f->name, bf_schema(f));
	if (f->required) {
		if ((req = json_get(be_schema_of(e->doc), "required", json_type_array)) == NULL) {
			req = json_object_new_array();
			json_object_object_add(be_schema_of(e->doc), "required", req);
		}
		json_object_array_add(req, json_object_new_string(f->name));
	}
	be_each_config(e, "validate", add_rules, (void *)f);
	be_each_config(e, "db_insert", add_to_data, (void *)f);
	be_each_config(e, "response", add_to_data, (void *)f);
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

/* Takes field arg out of one tool: its rules, echoing keys, unique list. */
static void
strip_field(struct ectx *e, struct json_object *tool, void *arg)
{
	const char *name = arg;
	const char *type = json_get_str(tool, "type");
	struct json_object *c = json_get(tool, "config", json_type_object), *u;

	if (strcmp(type, "validate") == 0 && (u = be_cfg(tool, "rules", json_type_object)) != NULL)
		json_object_object_del(u, name);
	if (strcmp(type, "password_hash") == 0 || strcmp(type, "password_verify") == 0 ||
	    strcmp(type, "http_request") == 0 || strcmp(type, "condition") == 0)
		return;	/* a step that needs the field: the caller refuses */
	drop_refs(c, bd_ref(e->a, "input", name, NULL), 0);
	if ((u = be_cfg(tool, "unique", json_type_array)) != NULL)
		for (size_t i = 0; i < json_object_array_length(u); i++)
			if (strcmp(json_object_get_string(json_object_array_get_idx(u, i)), name) == 0)
				json_object_array_del_idx(u, i--, 1);
}

void
be_array_remove_str(struct json_object *arr, const char *s)
{
	for (size_t i = 0; arr != NULL && i < json_object_array_length(arr); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(arr, i)), s) == 0)
			json_object_array_del_idx(arr, i--, 1);
}

/* The first tool that still mentions needle (its toolId), or NULL. */
const char *
be_user_of(struct ectx *e, const char *needle)
{
	struct json_object *tools = json_get(e->doc, "tools", json_type_array);

	for (size_t i = 0; tools && i < json_object_array_length(tools); i++) {
		struct json_object *t = json_object_array_get_idx(tools, i);
		if (bd_mentions(json_object_object_get(t, "config"), needle))
			return json_get_str(t, "toolId");
	}
	return NULL;
}

int
be_remove_field(struct ectx *e, const char *name)
{
	char *n = arena_strdup(e->a, name), *needle;
	const char *user;

	json_object_object_del(be_props_of(e->doc), n);
	be_array_remove_str(json_get(be_schema_of(e->doc), "required", json_type_array), n);
	be_each_config(e, NULL, strip_field, n);
	needle = arena_printf(e->a, "{{input.%s", n);
	if ((user = be_user_of(e, needle)) != NULL)
		return REFUSE(e, "The field %s is used by the step %s; drop that step first.",
		    n, user);
	bd_change(e->changes, "removed field %s", n);
	return 0;
}

/* Adds or removes the "required" rule of a field (arg: {name, on?}). */
static void
set_required_rule(struct ectx *e, struct json_object *tool, void *arg)
{
	const char *name = ((const char *const *)arg)[0];
	int on = ((const char *const *)arg)[1] != NULL;
	struct json_object *rules = be_cfg(tool, "rules", json_type_object), *list;

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
	be_array_remove_str(list, "required");
	if (on)
		bd_array_insert(list, 0, json_object_new_string("required"));
}

/* Makes a field required or optional in inputSchema and the rules alike. */
int
be_set_required(struct ectx *e, const char *name, int on)
{
	struct json_object *s = be_schema_of(e->doc), *req = json_get(s, "required", json_type_array);
	const char *arg[2] = { name, on ? "on" : NULL };
	char *n = arena_strdup(e->a, name);

	if (req == NULL) {
		req = json_object_new_array();
		json_object_object_add(s, "required", req);
	}
	be_array_remove_str(req, n);
	if (on)
		json_object_array_add(req, json_object_new_string(n));
	arg[0] = n;
	be_each_config(e, "validate", set_required_rule, arg);
	bd_change(e->changes, "field %s is now %s", n, on ? "required" : "optional");
	return 0;
}

struct bound { const char *name; const char *rule; long long value; };

/* Sets one bound rule ({minLength: n} ...) of a field, replacing an old one. */
static void
set_rule_bound(struct ectx *e, struct json_object *tool, void *arg)
{
	const struct bound *b = arg;
	struct json_object *rules = be_cfg(tool, "rules", json_type_object), *list, *o;

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
void
be_set_bound(struct ectx *e, const char *name, int is_max, long long v)
{
	struct json_object *prop = json_get(be_props_of(e->doc), name, json_type_object);
	int num = be_is_numeric(prop);
	struct bound b = { name, num ? (is_max ? "max" : "min") :
	    (is_max ? "maxLength" : "minLength"), v };
	const char *kw = num ? (is_max ? "maximum" : "minimum") :
	    (is_max ? "maxLength" : "minLength");

	if (prop != NULL)
		json_object_object_add(prop, kw, json_object_new_int64(v));
	be_each_config(e, "validate", set_rule_bound, &b);
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

/* Renames field names[0] to names[1] in one tool: references, keys, rules. */
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
	if ((u = be_cfg(tool, "rules", json_type_object)) != NULL &&
	    json_object_object_get(u, names[0]) != NULL)
		rename_key(u, names[0], names[1]);
	if ((u = be_cfg(tool, "unique", json_type_array)) != NULL)
		for (size_t i = 0; i < json_object_array_length(u); i++)
			if (strcmp(json_object_get_string(json_object_array_get_idx(u, i)),
			    names[0]) == 0)
				json_object_array_put_idx(u, i, json_object_new_string(names[1]));
}

/* Renames a field everywhere it is read, checked or stored. */
int
be_rename_field(struct ectx *e, const char *from, const char *to)
{
	const char *names[2] = { arena_strdup(e->a, from), arena_strdup(e->a, to) };
	struct json_object *req = json_get(be_schema_of(e->doc), "required", json_type_array);

	if (!bf_name_valid(to))
		return REFUSE(e, "%s is not a field name I can use (a letter, then letters, "
		    "digits or _).", to);
	if (json_object_object_get(be_props_of(e->doc), to) != NULL)
		return REFUSE(e, "There is already a field %s.", to);
	rename_key(be_props_of(e->doc), names[0], names[1]);
	for (size_t i = 0; req && i < json_object_array_length(req); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(req, i)), names[0]) == 0)
			json_object_array_put_idx(req, i, json_object_new_string(names[1]));
	be_each_config(e, NULL, rename_in_tool, names);
	bd_change(e->changes, "renamed field %s to %s", names[0], names[1]);
	return 0;
}
