/*
 * Workflow secrets: write-only through the API, sealed with AES-256-GCM
 * (the AAD binds each to its workflow and name), listed as "***".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sealed.h"
#include "sealkey.h"
#include "orchestrix.h"

#define SECRET_MAX 8192

/* 503 when this worker has no key to seal with: it names the key's trouble. */
static int
no_key(struct req *r, struct resp *w)
{
	const struct keyring *k = r->app->keys;

	return resp_error(w, HTTP_SERVICE_UNAVAILABLE, "secrets_disabled",
	    "secrets cannot be stored: %s", k != NULL && k->problem[0] != '\0' ?
	    k->problem : "no secrets key is loaded");
}

int
h_secret_put(struct req *r, struct resp *w)
{
	struct json_object *v = json_get(r->json, "value", json_type_string);
	struct sealing sg;
	const char *params[7];
	PGresult *res;

	if (r->app->keys == NULL || r->app->keys->seal < 0)
		return no_key(r, w);
	if (v == NULL || json_object_get_string_len(v) == 0 ||
	    json_object_get_string_len(v) > SECRET_MAX)
		return resp_error_details(w, HTTP_BAD_REQUEST, "validation_failed",
		    "send {\"value\": \"...\"}",
		    json_tokener_parse("[{\"path\":\"/value\",\"message\":"
		    "\"a non-empty string of at most 8192 bytes\"}]"));
	if (sealed_seal(r->app->keys, r->arena, r->param[0], r->param[1],
	    json_object_get_string(v), (size_t)json_object_get_string_len(v), &sg) == -1)
		return resp_error(w, HTTP_INTERNAL_ERROR, "internal", "sealing failed");
	params[0] = r->param[0];
	params[1] = r->auth.owner_id;
	params[2] = r->param[1];
	params[3] = sg.hex;
	params[4] = sg.key_id;
	params[5] = sg.prev_hex != NULL ? sg.prev_hex : "";
	params[6] = sg.prev_key_id != NULL ? sg.prev_key_id : "";
	if ((res = db_query(r->app->db, r->arena, Q_SECRET_PUT, 7, params)) == NULL)
		return unavailable(w);
	if (!db_ok(res))
		return resp_error(w, HTTP_INTERNAL_ERROR, "internal", "storing failed");
	if (PQntuples(res) == 0 && sealkey_refused(r->app->db, r->arena, sg.key_id))
		return resp_error(w, HTTP_SERVICE_UNAVAILABLE, "secrets_key_mismatch",
		    "secrets cannot be stored: the secrets key (ORX_SECRET_KEY_FILE) is not "
		    "the one the database's secrets are sealed under; see /healthz");
	if (PQntuples(res) == 0)
		return resp_error(w, HTTP_NOT_FOUND, "not_found", "no such workflow");
	w->status = HTTP_NO_CONTENT;
	return HTTP_NO_CONTENT;
}

int
h_secret_list(struct req *r, struct resp *w)
{
	const char *params[2] = { r->param[0], r->auth.owner_id };
	PGresult *res;
	int st;

	if ((st = owned_workflow(r, w)) != 0)
		return st;
	if ((res = db_query(r->app->db, r->arena, Q_SECRET_LIST, 2, params)) == NULL)
		return unavailable(w);
	if (!db_ok(res))
		return resp_error(w, HTTP_INTERNAL_ERROR, "internal", "listing failed");
	buf_puts(&w->body, "{\"secrets\":[");
	for (int i = 0; i < PQntuples(res); i++) {
		buf_puts(&w->body, i ? ",{\"name\":" : "{\"name\":");
		buf_put_json_string(&w->body, PQgetvalue(res, i, 0),
		    (size_t)PQgetlength(res, i, 0));
		buf_printf(&w->body, ",\"value\":\"***\",\"updatedAt\":\"%s\"}",
		    PQgetvalue(res, i, 1));
	}
	buf_puts(&w->body, "]}");
	w->status = HTTP_OK;
	return HTTP_OK;
}

int
h_secret_delete(struct req *r, struct resp *w)
{
	const char *params[3] = { r->param[0], r->auth.owner_id, r->param[1] };
	PGresult *res;

	if ((res = db_query(r->app->db, r->arena, Q_SECRET_DELETE, 3, params)) == NULL)
		return unavailable(w);
	if (!db_ok(res))
		return resp_error(w, HTTP_INTERNAL_ERROR, "internal", "delete failed");
	if (PQntuples(res) == 0)
		return resp_error(w, HTTP_NOT_FOUND, "not_found", "no such secret");
	w->status = HTTP_NO_CONTENT;
	return HTTP_NO_CONTENT;
}
