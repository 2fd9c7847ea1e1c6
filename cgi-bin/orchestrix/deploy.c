/*
 * Deploy routes (SPEC §5 seed route, §6): REST adapters over the
 * deployment operations (lib/ops/deploy.c), which answer in the seed's
 * shapes.
 */
#include "orchestrix.h"

/*
 * POST /mcp/servers/:serverId/deploy {"ownerId": "...", "isolation"?:
 * "shared" | "dedicated"} -- the seed route; a dedicated agent runs in a
 * Kubernetes Deployment of its own at the runtime.
 */
int
h_deploy(struct req *r, struct resp *w)
{
	struct json_object *v = NULL;
	int st;

	if ((st = owner_field_check(r, w)) != 0)
		return st;
	if (json_object_is_type(r->json, json_type_object) &&
	    json_object_object_get_ex(r->json, "isolation", &v) &&
	    !json_object_is_type(v, json_type_string))
		return resp_error_details(w, HTTP_BAD_REQUEST, "validation_failed",
		    "isolation is \"shared\" or \"dedicated\"", json_tokener_parse(
		    "[{\"path\":\"/isolation\",\"message\":\"must be a string\"}]"));
	OP_LOCALS(r);
	op_deploy_isolated(&env, &who, r->param[0], v ? json_object_get_string(v) : NULL, &res);
	return orx_answer(w, &res);
}

/* POST .../redeploy: the current version replaces the agent's graph. */
int
h_redeploy(struct req *r, struct resp *w)
{
	int st;

	if ((st = owner_field_check(r, w)) != 0)
		return st;
	OP_LOCALS(r);
	op_redeploy(&env, &who, r->param[0], &res);
	return orx_answer(w, &res);
}

/* POST .../rollback {"version": n}: an earlier saved version goes live. */
int
h_rollback(struct req *r, struct resp *w)
{
	struct json_object *v = json_get(r->json, "version", json_type_int);
	int st;

	if ((st = owner_field_check(r, w)) != 0)
		return st;
	OP_LOCALS(r);
	op_rollback(&env, &who, r->param[0], v != NULL ? json_object_get_int64(v) : 0, &res);
	return orx_answer(w, &res);
}

/* DELETE .../deploy: the agent is deleted and the workflow forgets it. */
int
h_undeploy(struct req *r, struct resp *w)
{
	int st;

	if ((st = owner_field_check(r, w)) != 0)
		return st;
	OP_LOCALS(r);
	op_undeploy(&env, &who, r->param[0], &res);
	return orx_answer(w, &res);
}

/* GET .../deployments: every deployment of the workflow, newest first. */
int
h_deployments(struct req *r, struct resp *w)
{
	OP_LOCALS(r);
	op_deployments(&env, &who, r->param[0], &res);
	return orx_answer(w, &res);
}
