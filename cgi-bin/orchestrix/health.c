#include <string.h>

#include "health.h"
#include "orchestrix.h"
#include "server.h"

/* Health: lib/http/health.h. */
int
h_healthz(struct req *r, struct resp *w)
{
	return health_answer(r, w);
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
