/*
 * db_find: documents of a collection whose fields equal "where" (JSONB
 * containment, served by a GIN index), oldest first, up to "limit".
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
	struct json_object *docs, *ifempty;
	const char *params[4];
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
	params[0] = ctx->env->scope;
	params[1] = coll;
	params[2] = where != NULL ? json_plain(where) : "{}";
	params[3] = limit;
	arena_init(&a, 1024);
	res = db_query(ctx->env->db, &a, Q_DOC_FIND, 4, params);
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
		struct json_object *st = json_get(ifempty, "status", json_type_int);
		const char *msg = json_get_str(ifempty, "message");
		rc = tool_fail(ctx, st ? json_object_get_int(st) : 404, "not_found", "%s",
		    msg ? msg : "no matching document");
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
	arena_free(&a);
	return rc;
}
