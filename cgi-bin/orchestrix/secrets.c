/*
 * Workflow secrets: write-only through the API, sealed with AES-256-GCM
 * (the AAD binds each to its workflow and name), listed as "***".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "log.h"
#include "sealed.h"
#include "orchestrix.h"

#define SECRET_MAX 8192

static void
aad_of(char *out, size_t outsz, const char *server_id, const char *name)
{
	snprintf(out, outsz, "%s/%s", server_id, name);
}

int
h_secret_put(struct req *r, struct resp *w)
{
	struct json_object *v = json_get(r->json, "value", json_type_string);
	unsigned char sealed[SECRET_MAX + CRYPTO_SEAL_OVERHEAD];
	char aad[160], *hex;
	const char *params[4];
	PGresult *res;
	int n;

	if (!STATE(r)->kit.have_key)
		return resp_error(w, HTTP_SERVICE_UNAVAILABLE, "secrets_disabled",
		    "no secrets key is configured (ORX_SECRET_KEY_FILE)");
	if (v == NULL || json_object_get_string_len(v) == 0 ||
	    json_object_get_string_len(v) > SECRET_MAX)
		return resp_error_details(w, HTTP_BAD_REQUEST, "validation_failed",
		    "send {\"value\": \"...\"}",
		    json_tokener_parse("[{\"path\":\"/value\",\"message\":"
		    "\"a non-empty string of at most 8192 bytes\"}]"));
	aad_of(aad, sizeof(aad), r->param[0], r->param[1]);
	n = crypto_seal(STATE(r)->kit.secret_key, json_object_get_string(v),
	    (size_t)json_object_get_string_len(v), aad, strlen(aad), sealed,
	    sizeof(sealed));
	if (n < 0)
		return resp_error(w, HTTP_INTERNAL_ERROR, "internal", "sealing failed");
	hex = arena_alloc(r->arena, (size_t)n * 2 + 1);
	crypto_hex_encode(sealed, (size_t)n, hex, (size_t)n * 2 + 1);
	params[0] = r->param[0];
	params[1] = r->auth.owner_id;
	params[2] = r->param[1];
	params[3] = hex;
	if ((res = db_query(r->app->db, r->arena, Q_SECRET_PUT, 4, params)) == NULL)
		return unavailable(w);
	if (!db_ok(res))
		return resp_error(w, HTTP_INTERNAL_ERROR, "internal", "storing failed");
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
