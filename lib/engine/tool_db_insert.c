/*
 * db_insert: one document into a collection of the run's owner, in the
 * run's environment (every workflow of the owner shares it there).
 * Declared unique fields are enforced by document_keys' primary key: a
 * duplicate is SQLSTATE 23505, answered 409 naming the field.
 */
#include <stdio.h>
#include <string.h>

#include "ids.h"
#include "json.h"
#include "tools.h"

/*
 * The field named in "Key (owner_id, environment, collection, field,
 * value)=(o, e, c, f, v) ...", the detail of a unique violation on
 * document_keys.
 */
void
duplicate_field(PGresult *res, char *out, size_t outsz)
{
	const char *d = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL), *p;
	size_t n;

	snprintf(out, outsz, "a unique field");
	if (d == NULL || (p = strstr(d, ")=(")) == NULL)
		return;
	p += 3;
	/* Owner, environment and collection cannot hold ", " (their shapes
	 * forbid it). */
	for (int commas = 0; commas < 3; commas++) {
		if ((p = strstr(p, ", ")) == NULL)
			return;
		p += 2;
	}
	n = strcspn(p, ",)");
	snprintf(out, outsz, "%.*s", (int)(n < 64 ? n : 64), p);
}

/*
 * Fails the step with 409 duplicate for a unique violation (res), naming
 * the taken field in the message and in details. Returns -1.
 */
int
tool_duplicate(struct tool_ctx *ctx, PGresult *res, const char *coll)
{
	char field[80], path[90];

	duplicate_field(res, field, sizeof(field));
	snprintf(path, sizeof(path), "/%s", field);
	ctx->err_details = json_object_new_array();
	errs_add(ctx->err_details, path, "is already taken");
	return tool_fail(ctx, 409, "duplicate",
	    "a %s document with this %s already exists", coll, field);
}

static struct json_object *
output_of(const char *id, const char *coll, struct json_object *doc,
    struct json_object *created)
{
	struct json_object *o = json_object_new_object();

	json_add_new(o, "id", json_object_new_string(id));
	json_add_new(o, "collection", json_object_new_string(coll));
	json_add_new(o, "document", json_object_get(doc));
	json_add_new(o, "createdAt", created);
	return o;
}

/*
 * Buffers the insert for the caller to commit with the run (production,
 * deferrable plans): the id and time are made here, as the database would.
 */
static int
deferred(struct tool_ctx *ctx, const char *id, const char *coll,
    struct json_object *doc, struct json_object *unique)
{
	struct json_object *w = json_object_new_object();
	struct json_object *now = json_object_object_get(
	    json_object_object_get(ctx->scope, "env"), "now");

	json_add_new(w, "id", json_object_new_string(id));
	json_add_new(w, "collection", json_object_new_string(coll));
	json_add_new(w, "document", json_object_get(doc));
	json_add_new(w, "unique", unique != NULL ? json_object_get(unique) :
	    json_object_new_array());
	json_object_array_add(ctx->env->pending, w);
	ctx->output = output_of(id, coll, doc, json_object_get(now));
	return 0;
}

int
tool_db_insert_run(struct tool_ctx *ctx)
{
	const char *coll = json_get_str(ctx->config, "collection");
	struct json_object *doc = json_get(ctx->config, "document", json_type_object);
	struct json_object *unique = json_get(ctx->config, "unique", json_type_array);
	const char *params[6];
	char id[32];
	PGresult *res;
	struct arena a;
	int rc;

	if (coll == NULL || doc == NULL)
		return tool_fail(ctx, 500, "bad_config",
		    "db_insert needs a collection and a document object");
	if ((ctx->env->ids != NULL ? id_pool_new(ctx->env->ids, id, sizeof(id), "doc_", 20) :
	    id_new(id, sizeof(id), "doc_", 20)) == -1)
		return tool_fail(ctx, 500, "internal", "no randomness");
	if (ctx->env->defer_writes && ctx->env->pending != NULL)
		return deferred(ctx, id, coll, doc, unique);
	if (tool_tx(ctx) != 0)
		return -1;
	params[0] = ctx->env->owner;
	params[1] = ctx->env->environment;
	params[2] = coll;
	params[3] = id;
	params[4] = json_plain(doc);
	params[5] = unique != NULL ? json_plain(unique) : "[]";
	arena_init(&a, 1024);
	res = db_query(ctx->env->db, &a, Q_DOC_INSERT, 6, params);
	if (res == NULL)
		rc = tool_fail(ctx, 503, "unavailable", DB_UNAVAILABLE_MESSAGE);
	else if (strcmp(db_sqlstate(res), "23505") == 0)
		rc = tool_duplicate(ctx, res, coll);
	else if (!db_ok(res) || PQntuples(res) != 1)
		rc = tool_fail(ctx, 500, "internal", "the document could not be stored");
	else {
		ctx->output = output_of(id, coll, doc,
		    json_object_new_string(PQgetvalue(res, 0, 1)));
		rc = 0;
	}
	arena_free(&a);
	return rc;
}
