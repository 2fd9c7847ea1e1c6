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
	json_object_put(r->changes);
	json_object_put(r->errors);
	memset(r, 0, sizeof(*r));
}
