/*
 * Routes of executions that wait (SPEC §7): asynchronous runs, pause /
 * resume / cancel, interventions and their answers, approval links -- REST
 * adapters over lib/ops/executions.c.
 */
#include <string.h>

#include "orchestrix.h"

/* POST /mcp/servers/:serverId/executions {"input": {...}}: 202 at once. */
int
h_execute_async(struct req *r, struct resp *w)
{
	struct json_object *input = NULL;

	OP_LOCALS(r);
	if (r->json != NULL && (!json_object_is_type(r->json, json_type_object) ||
	    (json_object_object_get_ex(r->json, "input", &input) && input != NULL &&
	    !json_object_is_type(input, json_type_object))))
		op_fail_details(&res, OP_INVALID, "validation_failed",
		    "send {\"input\": {...}}", json_tokener_parse(
		    "[{\"path\":\"/input\",\"message\":\"input must be an object\"}]"));
	else
		op_execute_async(&env, &who, r->param[0], input, &res);
	return orx_answer(w, &res);
}

static int
control(struct req *r, struct resp *w, enum exec_action act)
{
	OP_LOCALS(r);
	op_execution_control(&env, &who, r->param[0], act, &res);
	return orx_answer(w, &res);
}

int
h_execution_pause(struct req *r, struct resp *w)
{
	return control(r, w, EXEC_PAUSE);
}

int
h_execution_resume(struct req *r, struct resp *w)
{
	return control(r, w, EXEC_RESUME);
}

int
h_execution_cancel(struct req *r, struct resp *w)
{
	return control(r, w, EXEC_CANCEL);
}

/* GET /api/v1/interventions: the approvals inbox. */
int
h_interventions_open(struct req *r, struct resp *w)
{
	OP_LOCALS(r);
	op_interventions_open(&env, &who, &res);
	return orx_answer(w, &res);
}

int
h_interventions(struct req *r, struct resp *w)
{
	OP_LOCALS(r);
	op_interventions_list(&env, &who, r->param[0], &res);
	return orx_answer(w, &res);
}

/*
 * {"response": ..., "notes"?: "..."} of an answer; 0 with them, or the 400
 * recorded in res.
 */
static int
answer_body(struct req *r, struct json_object **response, const char **notes,
    struct op_result *res)
{
	struct json_object *n = NULL;

	*response = NULL;
	*notes = NULL;
	if (!json_object_is_type(r->json, json_type_object)) {
		op_fail(res, OP_INVALID, "validation_failed",
		    "send {\"response\": ..., \"notes\": \"...\"}");
		return -1;
	}
	json_object_object_get_ex(r->json, "response", response);
	if (json_object_object_get_ex(r->json, "notes", &n) && n != NULL) {
		if (!json_object_is_type(n, json_type_string)) {
			op_fail_details(res, OP_INVALID, "validation_failed",
			    "notes must be text", json_tokener_parse(
			    "[{\"path\":\"/notes\",\"message\":\"a string\"}]"));
			return -1;
		}
		*notes = json_object_get_string(n);
	}
	return 0;
}

/* POST /api/v1/executions/:executionId/interventions/:interventionId */
int
h_intervention_answer(struct req *r, struct resp *w)
{
	struct json_object *response;
	const char *notes;

	OP_LOCALS(r);
	if (answer_body(r, &response, &notes, &res) == 0)
		op_intervention_answer(&env, &who, r->param[0], r->param[1], response, notes,
		    &res);
	return orx_answer(w, &res);
}

/* GET /api/v1/links/:token -- public: the link is the credential. */
int
h_link_get(struct req *r, struct resp *w)
{
	OP_LOCALS(r);
	(void)who;
	op_link_get(&env, r->param[0], &res);
	return orx_answer(w, &res);
}

/* POST /api/v1/links/:token {"response", "notes"?} -- public, single use. */
int
h_link_answer(struct req *r, struct resp *w)
{
	struct json_object *response;
	const char *notes;

	OP_LOCALS(r);
	(void)who;
	if (answer_body(r, &response, &notes, &res) == 0)
		op_link_answer(&env, r->param[0], response, notes, &res);
	return orx_answer(w, &res);
}
