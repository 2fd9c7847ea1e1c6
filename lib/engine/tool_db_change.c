/*
 * db_update and db_delete: one document of a collection of the run's owner
 * and environment, found by its id or by the value of a unique field (the
 * key db_insert keeps for it). Both types share this file: they find the
 * document the same way and fail the same way when there is none (404, or
 * the config's ifNone). The statements keep the document's keys with it
 * (sql/queries/documents.sql), so a unique value stays unique: an update
 * to a value another document holds is 409, like a duplicate insert.
 */
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "tools.h"

/*
 * Save-time check beyond the schema: exactly one of "id" and "where"; set
 * may not name "id" (a document's id is its own, not a field).
 */
int
tool_db_change_compile(struct json_object *config, const char *path,
    struct json_object *errors, void **compiled)
{
	int has_id = json_object_object_get_ex(config, "id", NULL);
	int has_where = json_object_object_get_ex(config, "where", NULL);
	struct json_object *set = json_get(config, "set", json_type_object);
	int rc = 0;

	*compiled = NULL;
	if (has_id == has_where) {
		errs_add(errors, path, "give the document's \"id\" or one unique field in "
		    "\"where\", not %s", has_id ? "both" : "neither");
		rc = -1;
	}
	if (set != NULL && json_object_object_get_ex(set, "id", NULL)) {
		char p[200];
		snprintf(p, sizeof(p), "%s/set/id", path);
		errs_add(errors, p, "a document's id cannot be changed");
		rc = -1;
	}
	return rc;
}

/*
 * A rendered value as the text document_keys holds for it (what ->>
 * gives): a string as it is, a number or boolean as its JSON. Returns
 * NULL for null (no document has a key of null) or another type.
 */
static const char *
key_text(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_string:
		return json_object_get_string(v);
	case json_type_int:
	case json_type_double:
	case json_type_boolean:
		return json_plain(v);
	default:
		return NULL;
	}
}

/*
 * The first params of doc_update and doc_delete: owner, environment,
 * collection, then id, or the unique field and its value. Returns 1, 0
 * when the rendered match can find no document (an id or value that is
 * not text), or -1 with the step failed.
 */
static int
match_params(struct tool_ctx *ctx, const char *params[6])
{
	const char *coll = json_get_str(ctx->config, "collection");
	struct json_object *id = NULL, *where = json_get(ctx->config, "where", json_type_object);

	if (coll == NULL)
		return tool_fail(ctx, 500, "bad_config", "a collection is required");
	if (ctx->env->db == NULL)
		return tool_fail(ctx, 503, "unavailable", "no database here");
	params[0] = ctx->env->owner;
	params[1] = ctx->env->environment;
	params[2] = coll;
	params[3] = params[4] = params[5] = NULL;
	if (json_object_object_get_ex(ctx->config, "id", &id)) {
		if (!json_object_is_type(id, json_type_string))
			return 0;
		params[3] = json_object_get_string(id);
		return 1;
	}
	if (where == NULL || json_object_object_length(where) != 1)
		return tool_fail(ctx, 500, "bad_config", "where names one unique field");
	json_object_object_foreach(where, field, val) {
		params[4] = field;
		params[5] = key_text(val);
	}
	return params[5] != NULL;
}

static struct json_object *
output_of(const char *id, const char *coll, const char *data)
{
	struct json_object *o = json_object_new_object(), *d = json_tokener_parse(data);

	json_add_new(o, "id", json_object_new_string(id));
	json_add_new(o, "collection", json_object_new_string(coll));
	json_add_new(o, "document", d != NULL ? d : json_object_new_object());
	return o;
}

static int
none(struct tool_ctx *ctx)
{
	return tool_failure(ctx, json_get(ctx->config, "ifNone", json_type_object), 404,
	    "not_found", "no matching document");
}

/*
 * In the run's transaction: locks the document params name (doc_lock),
 * then runs q (doc_update or doc_delete) on it with its id in params[3]
 * and extra (the patch, or NULL) in params[4], and turns the answer into
 * the step's output or failure.
 */
static int
change(struct tool_ctx *ctx, enum query q, const char **params, const char *extra)
{
	PGresult *res;
	struct arena a;
	int rc;

	if (tool_tx(ctx) != 0)
		return -1;
	arena_init(&a, 1024);
	res = db_query(ctx->env->db, &a, Q_DOC_LOCK, 6, params);
	if (res != NULL && db_ok(res) && PQntuples(res) == 1) {
		params[3] = arena_strdup(&a, PQgetvalue(res, 0, 0));
		params[4] = extra;
		res = db_query(ctx->env->db, &a, q, extra != NULL ? 5 : 4, params);
	}
	if (res == NULL)
		rc = tool_fail(ctx, 503, "unavailable", DB_UNAVAILABLE_MESSAGE);
	else if (strcmp(db_sqlstate(res), "23505") == 0)
		rc = tool_duplicate(ctx, res, params[2]);
	else if (!db_ok(res))
		rc = tool_fail(ctx, 500, "internal", "the document could not be %s",
		    q == Q_DOC_DELETE ? "removed" : "changed");
	else if (PQntuples(res) == 0)
		rc = none(ctx);
	else {
		ctx->output = output_of(PQgetvalue(res, 0, 0), params[2], PQgetvalue(res, 0, 1));
		rc = 0;
	}
	arena_free(&a);
	return rc;
}

int
tool_db_update_run(struct tool_ctx *ctx)
{
	struct json_object *set = json_get(ctx->config, "set", json_type_object);
	struct json_object *skip = json_get(ctx->config, "skipNulls", json_type_boolean);
	struct json_object *patch = NULL;
	const char *params[6];
	int m, rc;

	if (set == NULL)
		return tool_fail(ctx, 500, "bad_config", "set must be an object");
	if (json_object_object_get_ex(set, "id", NULL))
		return tool_fail(ctx, 400, "bad_config", "a document's id cannot be changed");
	if ((m = match_params(ctx, params)) <= 0)
		return m < 0 ? -1 : none(ctx);
	if (skip != NULL && json_object_get_boolean(skip)) {
		/* The rendered config is shared: the patch is a copy. */
		patch = json_object_new_object();
		json_object_object_foreach(set, k, v)
			if (v != NULL)
				json_object_object_add(patch, k, json_object_get(v));
	}
	rc = change(ctx, Q_DOC_UPDATE, params, json_plain(patch != NULL ? patch : set));
	json_object_put(patch);
	return rc;
}

int
tool_db_delete_run(struct tool_ctx *ctx)
{
	const char *params[6];
	int m;

	if ((m = match_params(ctx, params)) <= 0)
		return m < 0 ? -1 : none(ctx);
	return change(ctx, Q_DOC_DELETE, params, NULL);
}
