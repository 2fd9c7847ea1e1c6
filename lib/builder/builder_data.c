/*
 * The builder's endpoints of a collection (issue 21, part 4): create, get
 * (read), update, delete, list and -- for a to-do list -- complete, one
 * workflow each, all on the same collection of the owner ("a todo api
 * with create, list, complete and delete" gives four). Documents are found
 * by the id the create step answered with.
 */
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "builder.h"
#include "builder_int.h"
#include "json.h"

/* {"type":"object", id: a document id, required} */
static struct json_object *
id_schema(void)
{
	return bd_jsonv("{\"type\":\"object\",\"required\":[\"id\"],\"properties\":"
	    "{\"id\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":100}},"
	    "\"additionalProperties\":false}");
}

static struct json_object *
by_id(const struct bspec *s, const char *extra_key, struct json_object *extra)
{
	struct json_object *c = bd_kv("collection", json_object_new_string(s->collection));

	json_object_object_add(c, "id", json_object_new_string("{{input.id}}"));
	if (extra_key != NULL)
		json_object_object_add(c, extra_key, extra);
	return c;
}

static struct json_object *
ok_body(const char *key, const char *value)
{
	struct json_object *b = bd_kv("success", json_object_new_boolean(1));

	json_object_object_add(b, key, json_object_new_string(value));
	return b;
}

/* Create: the fields checked, stored with createdAt (a to-do's done: false). */
static struct json_object *
create(struct arena *a, struct bspec *s, const char *one)
{
	struct json_object *d = bd_skeleton(s->name, arena_printf(a, "Store a new %s in %s",
	    one, s->collection), bd_input_schema(s, 1));
	struct json_object *doc = bd_fields_doc(a, s), *cfg, *body;

	bd_add(d, "input", "Input", "input", NULL);
	bd_add(d, "validate", "Validate fields", "validate", bd_kv("rules", bd_rules(s)));
	if (strcmp(s->collection, "todos") == 0 && json_object_object_get(doc, "done") == NULL)
		json_object_object_add(doc, "done", json_object_new_boolean(0));
	json_object_object_add(doc, "createdAt", json_object_new_string("{{env.now}}"));
	cfg = bd_kv("collection", json_object_new_string(s->collection));
	json_object_object_add(cfg, "document", doc);
	bd_add(d, "store", arena_printf(a, "Store the %s", one), "db_insert", cfg);
	body = ok_body("id", "{{steps.store.id}}");
	json_object_object_add(body, "item", json_object_new_string("{{steps.store.document}}"));
	bd_add(d, "response", "Respond", "response", bd_response(201, body));
	return d;
}

/*
 * Update: the id, and the fields to change (each optional: what is not
 * sent keeps its value -- skipNulls), checked as at create.
 */
static struct json_object *
update(struct arena *a, struct bspec *s, const char *one)
{
	struct json_object *schema, *rules, *set = json_object_new_object(), *d, *cfg;

	for (size_t i = 0; i < s->nf; i++) {
		s->f[i].required = 0;
		json_object_object_add(set, s->f[i].name,
		    json_object_new_string(bd_ref(a, "input", s->f[i].name, NULL)));
	}
	json_object_object_add(set, "updatedAt", json_object_new_string("{{env.now}}"));
	schema = bd_input_schema(s, 0);
	json_object_object_add(json_object_object_get(schema, "properties"), "id",
	    bd_jsonv("{\"type\":\"string\",\"minLength\":1,\"maxLength\":100}"));
	json_object_array_add(json_object_object_get(schema, "required"),
	    json_object_new_string("id"));
	d = bd_skeleton(s->name, arena_printf(a, "Change fields of a %s of %s", one,
	    s->collection), schema);
	bd_add(d, "input", "Input", "input", NULL);
	rules = bd_rules(s);
	json_object_object_add(rules, "id", bd_jsonv("[\"required\",{\"minLength\":1}]"));
	bd_add(d, "validate", "Validate fields", "validate", bd_kv("rules", rules));
	cfg = by_id(s, "set", set);
	json_object_object_add(cfg, "skipNulls", json_object_new_boolean(1));
	json_object_object_add(cfg, "ifNone", bd_failure(404, arena_printf(a, "no such %s", one)));
	bd_add(d, "change", arena_printf(a, "Change the %s", one), "db_update", cfg);
	bd_add(d, "response", "Respond", "response",
	    bd_response(200, ok_body("item", "{{steps.change.document}}")));
	return d;
}

/*
 * One endpoint of a collection's API (T_CREATE ... T_COMPLETE), its
 * document.
 */
struct json_object *
bt_collection_op(struct arena *a, struct bspec *s)
{
	struct json_object *d, *cfg;
	char one[B_NAME_MAX];

	bd_singular(s->collection, one, sizeof(one));
	switch (s->kind) {
	case T_CREATE:
		return create(a, s, one);
	case T_UPDATE:
		return update(a, s, one);
	case T_READ:
		d = bd_skeleton(s->name, arena_printf(a, "Read a %s of %s by its id", one,
		    s->collection), id_schema());
		bd_add(d, "input", "Input", "input", NULL);
		cfg = bd_kv("collection", json_object_new_string(s->collection));
		json_object_object_add(cfg, "where", bd_jsonv("{\"id\":\"{{input.id}}\"}"));
		json_object_object_add(cfg, "limit", json_object_new_int(1));
		json_object_object_add(cfg, "ifEmpty", bd_failure(404, arena_printf(a, "no such %s",
		    one)));
		bd_add(d, "find", arena_printf(a, "Find the %s", one), "db_find", cfg);
		bd_add(d, "response", "Respond", "response",
		    bd_response(200, ok_body("item", "{{steps.find.first}}")));
		return d;
	case T_DELETE:
		d = bd_skeleton(s->name, arena_printf(a, "Delete a %s of %s by its id", one,
		    s->collection), id_schema());
		bd_add(d, "input", "Input", "input", NULL);
		bd_add(d, "remove", arena_printf(a, "Delete the %s", one), "db_delete",
		    by_id(s, "ifNone", bd_failure(404, arena_printf(a, "no such %s", one))));
		bd_add(d, "response", "Respond", "response",
		    bd_response(200, ok_body("deleted", "{{steps.remove.id}}")));
		return d;
	case T_COMPLETE:
		d = bd_skeleton(s->name, arena_printf(a, "Mark a %s of %s done", one,
		    s->collection), id_schema());
		bd_add(d, "input", "Input", "input", NULL);
		cfg = by_id(s, "set", bd_jsonv("{\"done\":true,\"completedAt\":\"{{env.now}}\"}"));
		json_object_object_add(cfg, "ifNone", bd_failure(404, arena_printf(a, "no such %s",
		    one)));
		bd_add(d, "complete", arena_printf(a, "Mark the %s done", one), "db_update", cfg);
		bd_add(d, "response", "Respond", "response",
		    bd_response(200, ok_body("item", "{{steps.complete.document}}")));
		return d;
	default:   /* T_LIST */
		d = bd_skeleton(s->name, arena_printf(a, "List the %s, oldest first", s->collection),
		    bd_jsonv("{\"type\":\"object\",\"properties\":{},\"additionalProperties\":false}"));
		bd_add(d, "input", "Input", "input", NULL);
		cfg = bd_kv("collection", json_object_new_string(s->collection));
		json_object_object_add(cfg, "limit", json_object_new_int(100));
		bd_add(d, "list", arena_printf(a, "List the %s", s->collection), "db_find", cfg);
		cfg = ok_body("items", "{{steps.list.documents}}");
		json_object_object_add(cfg, "count", json_object_new_string("{{steps.list.count}}"));
		bd_add(d, "response", "Respond", "response", bd_response(200, cfg));
		return d;
	}
}
