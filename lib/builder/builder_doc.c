/*
 * Document helpers shared by the builder's templates and edits: making,
 * finding, inserting and removing tools; readable unique toolIds; and the
 * one way a build ends, through workflow_check (bd_finish) or a refusal
 * that says what the builder can do (bd_refuse).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "builder.h"
#include "builder_int.h"
#include "json.h"
#include "workflow.h"

const char *const build_status_names[BUILD__MAX] = {
	"ok", "not_understood", "invalid", "nomem",
};

/* A new tool object {toolId, name, type, config}; takes config. */
struct json_object *
bd_tool(const char *id, const char *name, const char *type, struct json_object *config)
{
	struct json_object *t = json_object_new_object();

	json_object_object_add(t, "toolId", json_object_new_string(id));
	json_object_object_add(t, "name", json_object_new_string(name));
	json_object_object_add(t, "type", json_object_new_string(type));
	json_object_object_add(t, "config", config != NULL ? config : json_object_new_object());
	return t;
}

/* Parses a JSON literal of the builder's own (a programming error if bad). */
struct json_object *
bd_jsonv(const char *text)
{
	struct json_object *o = json_tokener_parse(text);

	if (o == NULL)
		abort();
	return o;
}

static struct json_object *
tools_of(struct json_object *doc)
{
	return json_get(doc, "tools", json_type_array);
}

/* The tool whose toolId is id (borrowed), or NULL. */
struct json_object *
bd_find_tool(struct json_object *doc, const char *id)
{
	int i = bd_index_of(doc, id);

	return i < 0 ? NULL : json_object_array_get_idx(tools_of(doc), (size_t)i);
}

int
bd_index_of(struct json_object *doc, const char *id)
{
	struct json_object *tools = tools_of(doc);
	size_t n = tools ? json_object_array_length(tools) : 0;

	for (size_t i = 0; i < n; i++) {
		const char *tid = json_get_str(json_object_array_get_idx(tools, i), "toolId");
		if (tid != NULL && strcmp(tid, id) == 0)
			return (int)i;
	}
	return -1;
}

/* The first tool of type in execution order (borrowed), or NULL. */
struct json_object *
bd_first_of_type(struct json_object *doc, const char *type)
{
	struct json_object *order = json_get(doc, "executionOrder", json_type_array);
	size_t n = order ? json_object_array_length(order) : 0;

	for (size_t i = 0; i < n; i++) {
		struct json_object *t = bd_find_tool(doc,
		    json_object_get_string(json_object_array_get_idx(order, i)));
		const char *ty = t ? json_get_str(t, "type") : NULL;
		if (ty != NULL && strcmp(ty, type) == 0)
			return t;
	}
	return NULL;
}

/*
 * Inserts v (taken) into arr at index at (the end when at is past it);
 * the json-c of Debian 12 has no json_object_array_insert_idx.
 */
void
bd_array_insert(struct json_object *arr, size_t at, struct json_object *v)
{
	size_t n = json_object_array_length(arr);
	struct json_object *last;

	if (at >= n) {
		json_object_array_add(arr, v);
		return;
	}
	last = json_object_get(json_object_array_get_idx(arr, n - 1));
	for (size_t i = n - 1; i > at; i--)
		json_object_array_put_idx(arr, i,
		    json_object_get(json_object_array_get_idx(arr, i - 1)));
	json_object_array_put_idx(arr, at, v);
	json_object_array_add(arr, last);
}

/*
 * Inserts tool (taken) into tools[] and executionOrder at position at of
 * the execution order (the end when at < 0). Returns 0, or -1 (tool put).
 */
int
bd_insert_tool(struct json_object *doc, int at, struct json_object *tool)
{
	struct json_object *tools = tools_of(doc);
	struct json_object *order = json_get(doc, "executionOrder", json_type_array);
	const char *id = json_get_str(tool, "toolId");

	if (tools == NULL || order == NULL || id == NULL) {
		json_object_put(tool);
		return -1;
	}
	json_object *idv = json_object_new_string(id);
	if (at < 0 || (size_t)at >= json_object_array_length(order))
		json_object_array_add(order, idv);
	else
		bd_array_insert(order, (size_t)at, idv);
	json_object_array_add(tools, tool);
	return 0;
}

/* Removes the tool id from tools[], executionOrder and conditions' branches. */
void
bd_remove_tool(struct json_object *doc, const char *id)
{
	struct json_object *tools = tools_of(doc);
	struct json_object *order = json_get(doc, "executionOrder", json_type_array);
	int i = bd_index_of(doc, id);
	char *copy = strdup(id);

	if (copy == NULL)
		return;
	if (i >= 0)
		json_object_array_del_idx(tools, (size_t)i, 1);
	for (size_t k = 0; order != NULL && k < json_object_array_length(order); k++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(order, k)), copy) == 0)
			json_object_array_del_idx(order, k--, 1);
	for (size_t k = 0; tools != NULL && k < json_object_array_length(tools); k++) {
		struct json_object *cfg = json_get(json_object_array_get_idx(tools, k),
		    "config", json_type_object);
		const char *branches[2] = { "whenTrue", "whenFalse" };
		for (int b = 0; cfg != NULL && b < 2; b++) {
			struct json_object *l = json_get(cfg, branches[b], json_type_array);
			for (size_t m = 0; l != NULL && m < json_object_array_length(l); m++)
				if (strcmp(json_object_get_string(json_object_array_get_idx(l, m)), copy) == 0)
					json_object_array_del_idx(l, m--, 1);
		}
	}
	free(copy);
}

/* base, or base2, base3... : a toolId the document does not use yet. */
char *
bd_unique_id(struct arena *a, struct json_object *doc, const char *base)
{
	char *id = arena_strdup(a, base);

	for (int n = 2; bd_index_of(doc, id) >= 0 && n < 1000; n++)
		id = arena_printf(a, "%s%d", base, n);
	return id;
}

/* "{{root.a}}" or "{{root.a.b}}" (arena). */
char *
bd_ref(struct arena *a, const char *root, const char *x, const char *y)
{
	if (y == NULL)
		return arena_printf(a, "{{%s.%s}}", root, x);
	return arena_printf(a, "{{%s.%s.%s}}", root, x, y);
}

/* 1 when a string anywhere in v contains needle. */
int
bd_mentions(struct json_object *v, const char *needle)
{
	switch (json_object_get_type(v)) {
	case json_type_string:
		return strstr(json_object_get_string(v), needle) != NULL;
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(v); i++)
			if (bd_mentions(json_object_array_get_idx(v, i), needle))
				return 1;
		return 0;
	case json_type_object: {
		json_object_object_foreach(v, k, sub) {
			(void)k;
			if (bd_mentions(sub, needle))
				return 1;
		}
		return 0;
	}
	default:
		return 0;
	}
}

/* Appends one line to the changes array. */
void
bd_change(struct json_object *changes, const char *fmt, ...)
{
	char line[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	json_object_array_add(changes, json_object_new_string(line));
}

/*
 * Ends a build: doc (taken) must pass workflow_check. On success out holds
 * doc, changes (taken) and the summary; otherwise out holds the errors and
 * BUILD_INVALID is returned (a builder bug or an edit that breaks the
 * graph, e.g. a step still reading a removed one).
 */
int
bd_finish(struct arena *a, const struct catalog *cat, struct json_object *doc,
    struct json_object *changes, const char *summary, struct build_result *out)
{
	struct json_object *errors = json_object_new_array(), *canon = NULL;

	if (workflow_check(doc, cat, &canon, errors) == -1) {
		json_object_put(doc);
		json_object_put(changes);
		out->errors = errors;
		out->summary = arena_strdup(a, "the change would make the workflow invalid; "
		    "nothing was changed");
		return BUILD_INVALID;
	}
	json_object_put(canon);
	json_object_put(errors);
	out->doc = doc;
	out->changes = changes;
	out->summary = arena_strdup(a, summary);
	return BUILD_OK;
}

/* A refusal: out->summary says why, then what the builder can do. */
int
bd_refuse(struct arena *a, struct build_result *out, const char *fmt, ...)
{
	va_list ap;
	char *why;

	va_start(ap, fmt);
	why = arena_vprintf(a, fmt, ap);
	va_end(ap);
	out->summary = arena_printf(a, "%s %s", why, builder_help());
	return BUILD_NOT_UNDERSTOOD;
}

void
build_result_clear(struct build_result *r)
{
	json_object_put(r->doc);
	json_object_put(r->docs);
	json_object_put(r->changes);
	json_object_put(r->errors);
	memset(r, 0, sizeof(*r));
}

/* ---- pieces of the templates' documents ---- */

struct json_object *
bd_kv(const char *key, struct json_object *v)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, key, v);
	return o;
}

/* Adds tool at the end of tools[] and executionOrder. */
void
bd_add(struct json_object *doc, const char *id, const char *name, const char *type,
    struct json_object *config)
{
	bd_insert_tool(doc, -1, bd_tool(id, name, type, config));
}

struct json_object *
bd_skeleton(const char *name, const char *desc, struct json_object *schema)
{
	struct json_object *d = json_object_new_object();

	json_object_object_add(d, "name", json_object_new_string(name));
	json_object_object_add(d, "description", json_object_new_string(desc));
	json_object_object_add(d, "inputSchema", schema);
	json_object_object_add(d, "tools", json_object_new_array());
	json_object_object_add(d, "executionOrder", json_object_new_array());
	return d;
}

/* The inputSchema of s's fields; required ones listed when with_required. */
struct json_object *
bd_input_schema(const struct bspec *s, int with_required)
{
	struct json_object *o = json_object_new_object(), *props = json_object_new_object();
	struct json_object *req = json_object_new_array();

	json_object_object_add(o, "type", json_object_new_string("object"));
	for (size_t i = 0; i < s->nf; i++) {
		json_object_object_add(props, s->f[i].name, bf_schema(&s->f[i]));
		if (s->f[i].required && with_required)
			json_object_array_add(req, json_object_new_string(s->f[i].name));
	}
	json_object_object_add(o, "required", req);
	json_object_object_add(o, "properties", props);
	json_object_object_add(o, "additionalProperties", json_object_new_boolean(0));
	return o;
}

/* A validate tool's rules for s's fields. */
struct json_object *
bd_rules(const struct bspec *s)
{
	struct json_object *r = json_object_new_object();

	for (size_t i = 0; i < s->nf; i++)
		json_object_object_add(r, s->f[i].name, bf_rules(&s->f[i]));
	return r;
}

/* {field: "{{input.field}}"} for each field but passwords. */
struct json_object *
bd_fields_doc(struct arena *a, const struct bspec *s)
{
	struct json_object *o = json_object_new_object();

	for (size_t i = 0; i < s->nf; i++)
		if (s->f[i].kind != FK_PASSWORD)
			json_object_object_add(o, s->f[i].name,
			    json_object_new_string(bd_ref(a, "input", s->f[i].name, NULL)));
	return o;
}

struct json_object *
bd_failure(int status, const char *message)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "status", json_object_new_int(status));
	json_object_object_add(o, "message", json_object_new_string(message));
	return o;
}

struct json_object *
bd_response(int status, struct json_object *body)
{
	struct json_object *o = bd_kv("status", json_object_new_int(status));

	json_object_object_add(o, "body", body);
	return o;
}

struct bfield *
bd_field_of_kind(struct bspec *s, enum fkind k)
{
	for (size_t i = 0; i < s->nf; i++)
		if (s->f[i].kind == k)
			return &s->f[i];
	return NULL;
}

/*
 * Puts a field first (or adds it) when the template cannot work without it.
 * The field is there afterwards: with the list full, the last one gives way
 * (the templates dereference what they ensured).
 */
void
bd_ensure(struct bspec *s, const char *name, enum fkind k, struct json_object *changes,
    const char *why)
{
	if (bd_field_of_kind(s, k) != NULL)
		return;
	if (s->nf >= B_MAX_FIELDS) {
		s->nf = B_MAX_FIELDS - 1;
		bd_change(changes, "left out field %s (at most %d fields)",
		    s->f[s->nf].name, B_MAX_FIELDS);
	}
	memmove(&s->f[1], &s->f[0], s->nf * sizeof(s->f[0]));
	bf_init(&s->f[0], name, 1);
	s->nf++;
	bd_change(changes, "added field %s (%s)", name, why);
}

void
bd_defaults(struct bspec *s, const char *const *names, const int *required)
{
	for (s->nf = 0; names[s->nf] != NULL; s->nf++)
		bf_init(&s->f[s->nf], names[s->nf], required[s->nf]);
}

/*
 * A send_email config: to, subject and body (templates), replyTo when not
 * NULL; the server and the sender are the configuration's (ORX_SMTP_*).
 */
struct json_object *
bd_email_step(struct arena *a, const char *to, const char *subject, const char *body,
    const char *reply_to)
{
	struct json_object *c = bd_kv("to", json_object_new_string(to));

	(void)a;
	if (reply_to != NULL)
		json_object_object_add(c, "replyTo", json_object_new_string(reply_to));
	json_object_object_add(c, "subject", json_object_new_string(subject));
	json_object_object_add(c, "body", json_object_new_string(body));
	return c;
}

/*
 * The link an email carries: the page the text named (s->link), or an
 * example page at fallback_path that the owner replaces (said in
 * changes), with the token appended as ?token= (or &token=).
 */
const char *
bd_link(struct arena *a, const struct bspec *s, const char *fallback_path,
    const char *token_ref, struct json_object *changes, const char *step)
{
	const char *base = s->link;

	if (base == NULL) {
		base = arena_printf(a, "https://example.com/%s", fallback_path);
		bd_change(changes, "the emails of %s link to %s?token=...: put your own page "
		    "there (edit its body), or name it in the request", step, base);
	}
	return arena_printf(a, "%s%s%s", base, strchr(base, '?') != NULL ? "&token=" : "?token=",
	    token_ref);
}

/* plural made singular for names: "todos" → todo, "categories" → category. */
void
bd_singular(const char *plural, char *out, size_t size)
{
	size_t n = strlen(plural);

	if (n > 3 && strcmp(plural + n - 3, "ies") == 0)
		snprintf(out, size, "%.*sy", (int)(n - 3), plural);
	else if (n > 1 && plural[n - 1] == 's' && plural[n - 2] != 's')
		snprintf(out, size, "%.*s", (int)(n - 1), plural);
	else
		snprintf(out, size, "%s", plural);
}
