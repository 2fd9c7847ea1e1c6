/*
 * Workflow CRUD (SPEC §3, §5). Documents are validated in C and stored in
 * canonical form; reads splice the stored text into the response
 * (workflow_render), so a read is one query and no JSON parsing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builder.h"
#include "orchestrix.h"
#include "wfrender.h"
#include "workflow.h"

#define LIST_DEFAULT	20
#define LIST_MAX	100

/* Answers with the single workflow in res's first row. */
static int
one_workflow(struct resp *w, int status, PGresult *res)
{
	buf_reset(&w->body);
	workflow_render(&w->body, res, 0);
	w->status = status;
	return status;
}

static int
invalid(struct resp *w, struct json_object *errors)
{
	return resp_error_details(w, HTTP_BAD_REQUEST, "validation_failed",
	    "the workflow is not valid; see details", errors);
}

/* Validates doc into a canonical document text (arena), or answers. */
static int
canonical_doc(struct req *r, struct resp *w, struct json_object *doc, const char **text)
{
	struct json_object *errors = json_object_new_array(), *canon;

	if (workflow_check(doc, STATE(r)->kit.catalog, &canon, errors) == -1)
		return invalid(w, errors);
	json_object_put(errors);
	*text = arena_strdup(r->arena, json_plain(canon));
	json_object_put(canon);
	return 0;
}

/*
 * Validates doc (borrowed) and stores it as a new workflow of the key's
 * owner. Answers 201 with the stored document (or 400 with every problem);
 * returns the status. Shared by the create route and the supervisor.
 */
int
workflow_insert(struct req *r, struct resp *w, struct json_object *doc)
{
	char id[32];
	const char *text, *params[3];
	PGresult *res;
	int st;

	if ((st = canonical_doc(r, w, doc, &text)) != 0)
		return st;
	if (id_new(id, sizeof(id), "mcp_", 20) == -1)
		return resp_error(w, HTTP_INTERNAL_ERROR, "internal", "no randomness");
	params[0] = id;
	params[1] = r->auth.owner_id;
	params[2] = text;
	if ((res = db_query(r->app->db, r->arena, Q_WORKFLOW_INSERT, 3, params)) == NULL)
		return unavailable(w);
	if (!db_ok(res) || PQntuples(res) != 1)
		return resp_error(w, HTTP_INTERNAL_ERROR, "internal",
		    "the workflow could not be stored");
	char *loc = arena_printf(r->arena, "/mcp/servers/%s", id);
	resp_header(w, "Location", loc);
	return one_workflow(w, HTTP_CREATED, res);
}

/*
 * POST /mcp/servers: a workflow document, or {"prompt": "..."} that the
 * builder turns into one (422 not_understood when it cannot, with what it
 * can do).
 */
int
h_workflow_create(struct req *r, struct resp *w)
{
	struct json_object *p;
	struct build_result br;
	enum build_status bs;
	int st;

	if ((st = owner_field_check(r, w)) != 0)
		return st;
	if (!json_object_object_get_ex(r->json, "prompt", &p))
		return workflow_insert(r, w, r->json);
	if ((st = chat_text_check(w, p, "/prompt")) != 0)
		return st;
	/* The builder may ask the LLM over HTTP: the CPU gate's place goes. */
	waiter_notify(&r->app->waiter);
	bs = builder_create_with(r->arena, STATE(r)->kit.catalog, r->app->cfg,
	    json_object_get_string(p), &br);
	if (bs == BUILD_OK)
		st = workflow_insert(r, w, br.doc);
	else if (bs == BUILD_NOT_UNDERSTOOD)
		st = resp_error(w, HTTP_UNPROCESSABLE, "not_understood", "%s", br.summary);
	else if (bs == BUILD_INVALID)
		st = resp_error_details(w, HTTP_UNPROCESSABLE, "invalid", br.summary,
		    json_object_get(br.errors));
	else
		st = resp_error(w, HTTP_INTERNAL_ERROR, "internal", "out of memory");
	build_result_clear(&br);
	return st;
}

int
h_workflow_get(struct req *r, struct resp *w)
{
	const char *params[2] = { r->param[0], r->auth.owner_id };
	PGresult *res;
	int st;

	if ((st = owner_field_check(r, w)) != 0)
		return st;
	if ((res = db_query(r->app->db, r->arena, Q_WORKFLOW_GET, 2, params)) == NULL)
		return unavailable(w);
	if (!db_ok(res))
		return resp_error(w, HTTP_INTERNAL_ERROR, "internal", "lookup failed");
	if (PQntuples(res) == 0)
		return resp_error(w, HTTP_NOT_FOUND, "not_found", "no such workflow");
	return one_workflow(w, HTTP_OK, res);
}

/*
 * GET /mcp/servers?limit=&cursor= -- the owner's workflows in creation
 * order. The cursor is opaque to clients (today, the last row's sequence).
 */
int
h_workflow_list(struct req *r, struct resp *w)
{
	long long limit = req_query_number(r, "limit", 1, LIST_MAX, LIST_DEFAULT);
	long long cursor = req_query_number(r, "cursor", 0, 999999999999999999LL, 0);
	char lim[24], cur[24];
	const char *params[3] = { r->auth.owner_id, cur, lim };
	PGresult *res;
	int st, n, i;

	if ((st = owner_field_check(r, w)) != 0)
		return st;
	if (limit < 0)
		return resp_error(w, HTTP_BAD_REQUEST, "bad_request",
		    "limit must be a number from 1 to %d", LIST_MAX);
	if (cursor < 0)
		return resp_error(w, HTTP_BAD_REQUEST, "bad_request",
		    "cursor must be a value returned as nextCursor");
	snprintf(cur, sizeof(cur), "%lld", cursor);
	/* One row more than asked tells whether there is a next page. */
	snprintf(lim, sizeof(lim), "%lld", limit + 1);
	if ((res = db_query(r->app->db, r->arena, Q_WORKFLOW_LIST, 3, params)) == NULL)
		return unavailable(w);
	if (!db_ok(res))
		return resp_error(w, HTTP_INTERNAL_ERROR, "internal", "list failed");
	n = PQntuples(res);
	buf_puts(&w->body, "{\"items\":[");
	for (i = 0; i < n && i < limit; i++) {
		if (i > 0)
			buf_putc(&w->body, ',');
		workflow_render(&w->body, res, i);
	}
	buf_puts(&w->body, "],\"nextCursor\":");
	if (n > limit)
		buf_printf(&w->body, "\"%s\"", PQgetvalue(res, (int)limit - 1, WF_SEQ));
	else
		buf_puts(&w->body, "null");
	buf_putc(&w->body, '}');
	w->status = HTTP_OK;
	return HTTP_OK;
}

/*
 * Replaces the document of r->param[0] with doc (borrowed), if it is still
 * at version ver. A stale version is refused with 409, so two editors
 * cannot silently overwrite each other. Shared by PUT and the supervisor.
 */
int
workflow_replace(struct req *r, struct resp *w, struct json_object *doc, long long version)
{
	const char *text, *params[4];
	char ver[24];
	PGresult *res;
	int st;

	snprintf(ver, sizeof(ver), "%lld", version);
	if ((st = canonical_doc(r, w, doc, &text)) != 0)
		return st;
	params[0] = r->param[0];
	params[1] = r->auth.owner_id;
	params[2] = text;
	params[3] = ver;
	if ((res = db_query(r->app->db, r->arena, Q_WORKFLOW_UPDATE, 4, params)) == NULL)
		return unavailable(w);
	if (!db_ok(res))
		return resp_error(w, HTTP_INTERNAL_ERROR, "internal", "update failed");
	if (PQntuples(res) == 1)
		return one_workflow(w, HTTP_OK, res);
	if ((res = db_query(r->app->db, r->arena, Q_WORKFLOW_STATE, 2, params)) == NULL)
		return unavailable(w);
	if (!db_ok(res) || PQntuples(res) == 0)
		return resp_error(w, HTTP_NOT_FOUND, "not_found", "no such workflow");
	return resp_error(w, HTTP_CONFLICT, "version_conflict",
	    "the workflow is at version %s; you sent %s. Read it again and reapply "
	    "your change", PQgetvalue(res, 0, 0), ver);
}

/* PUT replaces the document; the body carries the version the client read. */
int
h_workflow_put(struct req *r, struct resp *w)
{
	struct json_object *vo;
	int st;

	if ((st = owner_field_check(r, w)) != 0)
		return st;
	vo = json_get(r->json, "version", json_type_int);
	if (vo == NULL || json_object_get_int64(vo) < 1 ||
	    json_object_get_int64(vo) > 2000000000)
		return resp_error_details(w, HTTP_BAD_REQUEST, "validation_failed",
		    "send the version you read, so a concurrent change is not lost",
		    json_tokener_parse("[{\"path\":\"/version\",\"message\":"
		    "\"version is required: a positive integer\"}]"));
	{
		const char *sid = json_get_str(r->json, "serverId");
		if (sid != NULL && strcmp(sid, r->param[0]) != 0)
			return resp_error(w, HTTP_BAD_REQUEST, "bad_request",
			    "serverId in the body differs from the URL");
	}
	return workflow_replace(r, w, r->json, json_object_get_int64(vo));
}

int
h_workflow_delete(struct req *r, struct resp *w)
{
	const char *params[2] = { r->param[0], r->auth.owner_id };
	PGresult *res;
	int st;

	if ((st = owner_field_check(r, w)) != 0)
		return st;
	if ((res = db_query(r->app->db, r->arena, Q_WORKFLOW_DELETE, 2, params)) == NULL)
		return unavailable(w);
	if (!db_ok(res))
		return resp_error(w, HTTP_INTERNAL_ERROR, "internal", "delete failed");
	if (PQntuples(res) == 1) {
		w->status = HTTP_NO_CONTENT;
		return HTTP_NO_CONTENT;
	}
	if ((res = db_query(r->app->db, r->arena, Q_WORKFLOW_STATE, 2, params)) == NULL)
		return unavailable(w);
	if (!db_ok(res) || PQntuples(res) == 0)
		return resp_error(w, HTTP_NOT_FOUND, "not_found", "no such workflow");
	return resp_error(w, HTTP_CONFLICT, "deployed",
	    "the workflow is deployed; undeploy it before deleting it");
}
