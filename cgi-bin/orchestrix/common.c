#include <stdlib.h>
#include <string.h>

#include "orchestrix.h"

/*
 * Resolves the Bearer key to its owner and scopes. Returns 0 when the key
 * is good and carries scope; otherwise the error status (401/403/503).
 */
int
orx_authenticate(struct req *r, struct resp *w, unsigned scope)
{
	const char *key = bearer_token(r), *params[1];
	char hash[65];
	unsigned have;
	PGresult *res;

	if (key == NULL) {
		resp_header(w, "WWW-Authenticate", "Bearer");
		return resp_error(w, HTTP_UNAUTHORIZED, "unauthorized",
		    "send an API key as 'Authorization: Bearer <key>'");
	}
	sha256_hex(key, strlen(key), hash);
	params[0] = hash;
	if ((res = db_query(r->app->db, r->arena, Q_AUTH_KEY, 1, params)) == NULL)
		return unavailable(w);
	if (!db_ok(res))
		return resp_error(w, HTTP_INTERNAL_ERROR, "internal", "key lookup failed");
	if (PQntuples(res) != 1) {
		resp_header(w, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
		return resp_error(w, HTTP_UNAUTHORIZED, "unauthorized",
		    "the API key is unknown or revoked");
	}
	if (scopes_parse(db_value(res, 0, 2), &have) == -1 || (have & scope) != scope) {
		char need[64];
		scopes_format(scope & ~have, need, sizeof(need));
		return resp_error(w, HTTP_FORBIDDEN, "forbidden",
		    "this key lacks the scope: %s", need);
	}
	r->auth.key_id = arena_strdup(r->arena, db_value(res, 0, 0));
	r->auth.owner_id = arena_strdup(r->arena, db_value(res, 0, 1));
	r->auth.scopes = have;
	return 0;
}

/*
 * 0 when the key's owner has the workflow of r->param[0]; else the answer
 * (404, or 503 while the database is away).
 */
int
owned_workflow(struct req *r, struct resp *w)
{
	struct op_env env;
	struct op_caller who;
	struct op_result res;

	orx_op(r, &env, &who, &res);
	if (op_workflow_owned(&env, &who, r->param[0], &res) == OP_OK)
		return 0;
	return orx_answer(w, &res);
}

/* What an operation runs with, for request r: its worker's and its key's. */
void
orx_op(struct req *r, struct op_env *env, struct op_caller *who, struct op_result *res)
{
	memset(env, 0, sizeof(*env));
	env->arena = r->arena;
	env->db = r->app->db;
	env->cfg = r->app->cfg;
	env->kit = &STATE(r)->kit;
	env->waiter = &r->app->waiter;
	env->keys = r->app->keys;
	who->owner_id = r->auth.owner_id;
	who->key_id = r->auth.key_id;
	who->scopes = r->auth.scopes;
	op_result_init(res, r->arena);
}

/*
 * The REST answer of an operation's result: its status by the table (or
 * the result's own), its body, or the error envelope; Location for what
 * was created, Retry-After while the database is away. Returns the status.
 */
int
orx_answer(struct resp *w, const struct op_result *res)
{
	int status = op_http(res);

	if (res->location != NULL)
		resp_header(w, "Location", res->location);
	if (res->status == OP_NO_CONTENT) {
		w->status = status;
		return status;
	}
	if (res->status == OP_UNAVAILABLE)
		resp_header(w, "Retry-After", "1");
	w->status = status;
	w->content_type = "application/json";
	buf_reset(&w->body);
	op_render(res, &w->body);
	return status;
}
