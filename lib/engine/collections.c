/*
 * The save-time check of a workflow's collections against the owner's
 * other workflows (lib/engine/collections.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "collections.h"
#include "json.h"

static const char *
type_of(struct json_object *tool)
{
	const char *t = json_get_str(tool, "type");

	return t != NULL ? t : "";
}

/* 1 if doc has a step that writes documents (db_insert, db_update, db_delete). */
int
collections_used(struct json_object *doc)
{
	struct json_object *tools = json_get(doc, "tools", json_type_array);

	for (size_t i = 0; tools != NULL && i < json_object_array_length(tools); i++) {
		const char *t = type_of(json_object_array_get_idx(tools, i));
		if (strcmp(t, "db_insert") == 0 || strcmp(t, "db_update") == 0 ||
		    strcmp(t, "db_delete") == 0)
			return 1;
	}
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * A unique list as a canonical text, its names sorted and comma-joined
 * ("" for none or no list), in the arena: two declarations are the same
 * when their texts are.
 */
static const char *
unique_text(struct arena *a, struct json_object *unique)
{
	size_t n = json_object_is_type(unique, json_type_array) ?
	    json_object_array_length(unique) : 0;
	const char **names = arena_calloc(a, n + 1, sizeof(*names));
	struct buf b;

	for (size_t i = 0; i < n; i++) {
		names[i] = json_object_get_string(json_object_array_get_idx(unique, i));
		if (names[i] == NULL)
			names[i] = "";
	}
	qsort(names, n, sizeof(*names), cmp_str);
	buf_init(&b, a, 64);
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && strcmp(names[i], names[i - 1]) == 0)
			continue;
		if (b.len > 0)
			buf_putc(&b, ',');
		buf_puts(&b, names[i]);
	}
	buf_putc(&b, '\0');
	return b.data;
}

/* 1 if name is one of the comma-joined names of list. */
static int
in_list(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; *p != '\0'; ) {
		size_t l = strcspn(p, ",");
		if (l == n && strncmp(p, name, n) == 0)
			return 1;
		p += l + (p[l] == ',');
	}
	return 0;
}

/* One declaration: a db_insert's collection and unique fields, and whose it is. */
struct decl {
	const char	*collection;
	const char	*unique;     /* unique_text */
	const char	*who;        /* "workflow \"Sign up\" (mcp_...)" or "step x" */
};

/*
 * Checks doc (a canonical workflow document) against declared, the
 * owner's other workflows' declarations [{collection, unique, serverId,
 * name}], appending every problem to errors with its path.
 */
void
collections_check(struct json_object *doc, struct json_object *declared,
    struct json_object *errors)
{
	struct json_object *tools = json_get(doc, "tools", json_type_array);
	size_t nt = tools != NULL ? json_object_array_length(tools) : 0;
	size_t nd = declared != NULL ? json_object_array_length(declared) : 0, n = 0;
	struct arena a;
	struct decl *d;

	arena_init(&a, 4096);
	d = arena_calloc(&a, nt + nd + 1, sizeof(*d));
	for (size_t i = 0; i < nd; i++) {
		struct json_object *o = json_object_array_get_idx(declared, i);
		const char *name = json_get_str(o, "name");

		if (json_get_str(o, "collection") == NULL)
			continue;
		d[n].collection = json_get_str(o, "collection");
		d[n].unique = unique_text(&a, json_object_object_get(o, "unique"));
		d[n].who = arena_printf(&a, "workflow \"%.80s\" (%s)", name ? name : "",
		    json_get_str(o, "serverId") ? json_get_str(o, "serverId") : "?");
		n++;
	}
	/* This workflow's own inserts, each against every declaration before it. */
	for (size_t i = 0; i < nt; i++) {
		struct json_object *t = json_object_array_get_idx(tools, i);
		struct json_object *c = json_get(t, "config", json_type_object);
		const char *coll = json_get_str(c, "collection"), *u;
		char path[64];

		if (strcmp(type_of(t), "db_insert") != 0 || coll == NULL)
			continue;
		u = unique_text(&a, json_object_object_get(c, "unique"));
		for (size_t k = 0; k < n; k++)
			if (strcmp(d[k].collection, coll) == 0 && strcmp(d[k].unique, u) != 0) {
				snprintf(path, sizeof(path), "/tools/%zu/config/unique", i);
				errs_add(errors, path, "the collection %s is declared with unique "
				    "[%s] by %s; every workflow that stores into it declares the "
				    "same unique fields (here: [%s])", coll, d[k].unique, d[k].who, u);
				break;
			}
		d[n].collection = coll;
		d[n].unique = u;
		d[n].who = arena_printf(&a, "the step %s", json_get_str(t, "toolId") ?
		    json_get_str(t, "toolId") : "?");
		n++;
	}
	/* Updates and deletes by a field: it must be one of the unique ones. */
	for (size_t i = 0; i < nt; i++) {
		struct json_object *t = json_object_array_get_idx(tools, i);
		struct json_object *c = json_get(t, "config", json_type_object);
		struct json_object *where = json_get(c, "where", json_type_object);
		const char *coll = json_get_str(c, "collection");
		const struct decl *k = NULL;
		char path[64];

		if ((strcmp(type_of(t), "db_update") != 0 && strcmp(type_of(t), "db_delete") != 0) ||
		    coll == NULL || where == NULL)
			continue;
		for (size_t m = 0; m < n && k == NULL; m++)
			if (strcmp(d[m].collection, coll) == 0)
				k = &d[m];
		snprintf(path, sizeof(path), "/tools/%zu/config/where", i);
		json_object_object_foreach(where, field, v) {
			(void)v;
			if (k == NULL)
				errs_add(errors, path, "no workflow stores into %s with %.64s unique; "
				    "find the document by id, or declare the field unique where a "
				    "db_insert stores into %s", coll, field, coll);
			else if (!in_list(k->unique, field))
				errs_add(errors, path, "%.64s is not a unique field of %s (unique: "
				    "[%s]); find the document by id or by one of those", field, coll,
				    k->unique);
		}
	}
	arena_free(&a);
}
