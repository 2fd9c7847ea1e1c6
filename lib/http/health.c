/* A program's /healthz (lib/http/health.h). */
#include <json-c/json.h>

#include "db.h"
#include "health.h"
#include "http.h"
#include "sealkey.h"

int
health_answer(struct req *r, struct resp *w)
{
	int up;
	const char *cause = sealkey_health(r->app->db, r->arena, r->app->keys, &up);
	struct json_object *o;

	if (!up)
		return resp_raw_json(w, HTTP_SERVICE_UNAVAILABLE,
		    "{\"status\":\"unavailable\",\"database\":\"down\"}", 42);
	if (cause == NULL)
		return resp_raw_json(w, HTTP_OK, "{\"status\":\"ok\",\"database\":\"up\"}", 31);
	o = json_object_new_object();
	json_object_object_add(o, "status", json_object_new_string("degraded"));
	json_object_object_add(o, "database", json_object_new_string("up"));
	json_object_object_add(o, "cause", json_object_new_string(cause));
	return resp_json(w, HTTP_SERVICE_UNAVAILABLE, o);
}
