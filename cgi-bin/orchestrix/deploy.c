/*
 * Deploy routes (SPEC §5 seed route, §6): REST adapters over the
 * deployment operations (lib/ops/deploy.c), which answer in the seed's
 * shapes.
 */
#include "orchestrix.h"

/*
 * POST /mcp/servers/:serverId/deploy {"ownerId": "...", "isolation"?:
 * "shared" | "dedicated", "rateLimit"?: {"perSecond", "burst"}} -- the seed
 * route (the dispatcher has checked ownerId); a dedicated agent runs in a
 * Kubernetes Deployment of its own at the runtime.
 */
int
h_deploy(struct req *r, struct resp *w)
{
	struct json_object *v = NULL;

	if (json_object_is_type(r->json, json_type_object) &&
	    json_object_object_get_ex(r->json, "isolation", &v) &&
	    !json_object_is_type(v, json_type_string))
		return resp_error_details(w, HTTP_BAD_REQUEST, "validation_failed",
		    "isolation is \"shared\" or \"dedicated\"", json_tokener_parse(
		    "[{\"path\":\"/isolation\",\"message\":\"must be a string\"}]"));
	OP_LOCALS(r);
	op_deploy_isolated(&env, &who, r->param[0], v ? json_object_get_string(v) : NULL,
	    r->json, &res);
	return orx_answer(w, &res);
}

/* POST .../redeploy: the current version replaces the agent's graph. */
int
h_redeploy(struct req *r, struct resp *w)
{
	OP_LOCALS(r);
	op_redeploy(&env, &who, r->param[0], r->json, &res);
	return orx_answer(w, &res);
}

/* POST .../rollback {"version": n}: an earlier saved version goes live. */
int
h_rollback(struct req *r, struct resp *w)
{
	struct json_object *v = json_get(r->json, "version", json_type_int);

	OP_LOCALS(r);
	op_rollback(&env, &who, r->param[0], v != NULL ? json_object_get_int64(v) : 0, r->json,
	    &res);
	return orx_answer(w, &res);
}

/* DELETE .../deploy: the agent is deleted and the workflow forgets it. */
int
h_undeploy(struct req *r, struct resp *w)
{
	OP_LOCALS(r);
	op_undeploy(&env, &who, r->param[0], &res);
	return orx_answer(w, &res);
}

/*
 * GET .../deployments?limit=&cursor=: the workflow's deployments, newest
 * first, a page at a time ({"items", "nextCursor"} as the other lists; a
 * page is 100 unless limit says less, as many as the route answered before
 * it took a limit).
 */
int
h_deployments(struct req *r, struct resp *w)
{
	long long limit = req_query_number(r, "limit", 1, OP_LIST_MAX, OP_LIST_MAX);
	long long cursor = req_query_number(r, "cursor", 0, 999999999999999999LL, 0);

	OP_LOCALS(r);
	op_deployments(&env, &who, r->param[0], limit, cursor, &res);
	return orx_answer(w, &res);
}
