/*
 * The local runtime's routes (SPEC §5, §7): REST adapters over the
 * operations of lib/ops/runs.c -- start/stop per workflow, runs with their
 * trace, executions.
 */
#include "orchestrix.h"

int
h_runtime_start(struct req *r, struct resp *w)
{
	OP_LOCALS(r);
	op_runtime_set(&env, &who, r->param[0], 1, &res);
	return orx_answer(w, &res);
}

int
h_runtime_stop(struct req *r, struct resp *w)
{
	OP_LOCALS(r);
	op_runtime_set(&env, &who, r->param[0], 0, &res);
	return orx_answer(w, &res);
}

int
h_runtime_get(struct req *r, struct resp *w)
{
	OP_LOCALS(r);
	op_runtime_get(&env, &who, r->param[0], &res);
	return orx_answer(w, &res);
}

/*
 * POST /mcp/servers/:id/run {"input": {...}, "headers"?, "rawBody"?}: runs
 * the current version synchronously; the answer carries the workflow's own
 * status and the execution (output, steps, logs). headers and rawBody are
 * the request the run answers ({{request.*}}, hmac_verify; op_run_request).
 */
int
h_run(struct req *r, struct resp *w)
{
	struct json_object *input = NULL, *request = NULL;

	OP_LOCALS(r);
	if (r->json != NULL && (!json_object_is_type(r->json, json_type_object) ||
	    (json_object_object_get_ex(r->json, "input", &input) && input != NULL &&
	    !json_object_is_type(input, json_type_object))))
		op_fail_details(&res, OP_INVALID, "validation_failed",
		    "send {\"input\": {...}}", json_tokener_parse(
		    "[{\"path\":\"/input\",\"message\":\"input must be an object\"}]"));
	else if (r->json == NULL || op_run_request_of(&env, r->json, &input, &request,
	    &res) == OP_OK)
		op_run_request(&env, &who, r->param[0], input, request, &res);
	return orx_answer(w, &res);
}

int
h_execution_list(struct req *r, struct resp *w)
{
	long long limit = req_query_number(r, "limit", 1, OP_LIST_MAX, OP_LIST_DEFAULT);
	long long cursor = req_query_number(r, "cursor", 0, 999999999999999999LL, 0);

	OP_LOCALS(r);
	op_execution_list(&env, &who, r->param[0], limit, cursor, &res);
	return orx_answer(w, &res);
}

int
h_execution_get(struct req *r, struct resp *w)
{
	OP_LOCALS(r);
	op_execution_get(&env, &who, r->param[0], &res);
	return orx_answer(w, &res);
}

int
h_tool_type(struct req *r, struct resp *w)
{
	OP_LOCALS(r);
	(void)who;
	op_tool_type(&env, r->param[0], &res);
	return orx_answer(w, &res);
}

int
h_tool_catalog(struct req *r, struct resp *w)
{
	OP_LOCALS(r);
	(void)who;
	op_tool_catalog(&env, &res);
	return orx_answer(w, &res);
}
