#include <string.h>

#include "orchestrix.h"
#include "server.h"

/* Health: 200 when the database answers, 503 otherwise. */
int
h_healthz(struct req *r, struct resp *w)
{
	PGresult *res = db_query(r->app->db, r->arena, Q_PING, 0, NULL);
	int up = res != NULL && db_ok(res);
	const char *body = up ?
	    "{\"status\":\"ok\",\"database\":\"up\"}" :
	    "{\"status\":\"unavailable\",\"database\":\"down\"}";

	return resp_raw_json(w, up ? HTTP_OK : HTTP_SERVICE_UNAVAILABLE,
	    body, strlen(body));
}

int
h_metrics(struct req *r, struct resp *w)
{
	int st;

	if ((st = metrics_auth(r, w)) != 0)
		return st;
	w->content_type = "text/plain; version=0.0.4";
	if (metrics_write(&w->body, "orchestrix", r->app->metrics) == -1)
		return resp_error(w, HTTP_SERVICE_UNAVAILABLE, "unavailable",
		    "metrics are disabled");
	w->status = HTTP_OK;
	return HTTP_OK;
}
