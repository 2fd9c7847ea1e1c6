/*
 * db_find: documents of a collection of the run's owner and environment
 * whose fields equal "where" (JSONB containment, served by a GIN index),
 * oldest first, up to "limit". "id" in where is the document's own id (a
 * column, not a member of its data).
 */
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "tools.h"

int
tool_db_find_run(struct tool_ctx *ctx)
{
	const char *coll = json_get_str(ctx->config, "collection");
	struct json_object *where = json_get(ctx->config, "where", json_type_object);
	struct json_object *lim = json_get(ctx->config, "limit", json_type_int);
	struct json_object *docs, *ifempty, *fields = NULL, *idv = NULL;
	const char *params[6];
	char limit[16];
	PGresult *res;
	struct arena a;
	int rc = 0, n;

	if (coll == NULL)
		return tool_fail(ctx, 500, "bad_config", "db_find needs a collection");
	if (json_object_object_get(ctx->config, "where") != NULL && where == NULL)
		return tool_fail(ctx, 500, "bad_config", "where must be an object");
	if (ctx->env->db == NULL)
		return tool_fail(ctx, 503, "unavailable", "no database here");
	snprintf(limit, sizeof(limit), "%d", lim ? json_object_get_int(lim) : 10);
	if (where != NULL && json_object_object_get_ex(where, "id", &idv)) {
		/* The rendered config is shared: the fields go into a copy. */
		fields = json_object_new_object();
		json_object_object_foreach(where, k, v)
			if (strcmp(k, "id") != 0)
				json_object_object_add(fields, k, json_object_get(v));
		if (!json_object_is_type(idv, json_type_string)) {
			json_object_put(fields);
			/* No document has an id that is not a string. */
			if (json_get(ctx->config, "ifEmpty", json_type_object) == NULL) {
				ctx->output = json_tokener_parse(
				    "{\"documents\":[],\"count\":0,\"first\":null}");
				return 0;
			}
			return tool_failure(ctx, json_get(ctx->config, "ifEmpty",
			    json_type_object), 404, "not_found", "no matching document");
		}
	}
	params[0] = ctx->env->owner;
	params[1] = ctx->env->environment;
	params[2] = coll;
	params[3] = fields != NULL ? json_plain(fields) : where != NULL ? json_plain(where) : "{}";
	params[4] = idv != NULL ? json_object_get_string(idv) : NULL;
	params[5] = limit;
	arena_init(&a, 1024);
	res = db_query(ctx->env->db, &a, Q_DOC_FIND, 6, params);
	if (res == NULL) {
		rc = tool_fail(ctx, 503, "unavailable", DB_UNAVAILABLE_MESSAGE);
		goto out;
	}
	if (!db_ok(res)) {
		/* The database is up and refused the statement (logged by
		 * db.c): the step's fault, as db_insert answers it. */
		rc = tool_fail(ctx, 500, "internal", "the documents could not be read");
		goto out;
	}
	n = PQntuples(res);
	if (n == 0 && (ifempty = json_get(ctx->config, "ifEmpty", json_type_object)) != NULL) {
		rc = tool_failure(ctx, ifempty, 404, "not_found", "no matching document");
		goto out;
	}
	docs = json_object_new_array();
	for (int i = 0; i < n; i++) {
		struct json_object *d = json_tokener_parse(PQgetvalue(res, i, 1));
		if (d == NULL)
			d = json_object_new_object();
		if (json_object_is_type(d, json_type_object) &&
		    !json_object_object_get_ex(d, "id", NULL))
			json_object_object_add(d, "id",
			    json_object_new_string(PQgetvalue(res, i, 0)));
		json_object_array_add(docs, d);
	}
	ctx->output = json_object_new_object();
	json_object_object_add(ctx->output, "documents", docs);
	json_object_object_add(ctx->output, "count", json_object_new_int(n));
	json_object_object_add(ctx->output, "first", n > 0 ?
	    json_object_get(json_object_array_get_idx(docs, 0)) : NULL);
out:
	json_object_put(fields);
	arena_free(&a);
	return rc;
}
