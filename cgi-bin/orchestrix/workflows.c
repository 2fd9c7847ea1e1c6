/*
 * Workflow routes (SPEC §3, §5): REST adapters over the workflow
 * operations (lib/ops/workflows.c).
 */
#include <string.h>

#include "orchestrix.h"

/*
 * POST /mcp/servers: a workflow document, or {"prompt": "..."} that the
 * builder turns into one (422 not_understood when it cannot, with what it
 * can do).
 */
int
h_workflow_create(struct req *r, struct resp *w)
{
	struct op_env env;
	struct op_caller who;
	struct op_result res;
	struct json_object *p;

	orx_op(r, &env, &who, &res);
	if (!json_object_object_get_ex(r->json, "prompt", &p))
		op_workflow_create(&env, &who, r->json, &res);
	else if (op_text_check(p, "/prompt", &res) == OP_OK)
		op_workflow_build(&env, &who, json_object_get_string(p), &res);
	return orx_answer(w, &res);
}

int
h_workflow_get(struct req *r, struct resp *w)
{
	struct op_env env;
	struct op_caller who;
	struct op_result res;

	orx_op(r, &env, &who, &res);
	op_workflow_get(&env, &who, r->param[0], &res);
	return orx_answer(w, &res);
}

/*
 * GET /mcp/servers?limit=&cursor=&order= -- the owner's workflows in
 * creation order, oldest first, or newest first with order=newest (the
 * UI's list).
 */
int
h_workflow_list(struct req *r, struct resp *w)
{
	long long limit = req_query_number(r, "limit", 1, OP_LIST_MAX, OP_LIST_DEFAULT);
	long long cursor = req_query_number(r, "cursor", 0, 999999999999999999LL, 0);
	const char *order = req_query(r, "order");
	struct op_env env;
	struct op_caller who;
	struct op_result res;

	if (order != NULL && strcmp(order, "newest") != 0 && strcmp(order, "oldest") != 0)
		return resp_error(w, HTTP_BAD_REQUEST, "bad_request", "order is newest or oldest");
	orx_op(r, &env, &who, &res);
	if (order != NULL && strcmp(order, "newest") == 0)
		op_workflow_list_newest(&env, &who, limit, cursor, &res);
	else
		op_workflow_list(&env, &who, limit, cursor, &res);
	return orx_answer(w, &res);
}

/* PUT replaces the document; the body carries the version the client read. */
int
h_workflow_put(struct req *r, struct resp *w)
{
	struct json_object *vo = json_get(r->json, "version", json_type_int);
	long long version = vo != NULL ? json_object_get_int64(vo) : 0;
	const char *sid = json_get_str(r->json, "serverId");
	struct op_env env;
	struct op_caller who;
	struct op_result res;

	orx_op(r, &env, &who, &res);
	if (version >= 1 && sid != NULL && strcmp(sid, r->param[0]) != 0)
		op_fail(&res, OP_BAD_REQUEST, "bad_request",
		    "serverId in the body differs from the URL");
	else
		op_workflow_replace(&env, &who, r->param[0], r->json, version, &res);
	return orx_answer(w, &res);
}

/* GET /mcp/servers/:serverId/schema: its input and output schemas. */
int
h_workflow_schema(struct req *r, struct resp *w)
{
	OP_LOCALS(r);
	op_workflow_schema(&env, &who, r->param[0], &res);
	return orx_answer(w, &res);
}

int
h_workflow_delete(struct req *r, struct resp *w)
{
	struct op_env env;
	struct op_caller who;
	struct op_result res;

	orx_op(r, &env, &who, &res);
	op_workflow_delete(&env, &who, r->param[0], &res);
	return orx_answer(w, &res);
}
