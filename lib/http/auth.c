#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "config.h"
#include "crypto.h"
#include "http.h"

/* The token of "Authorization: Bearer <token>", or NULL. */
const char *
bearer_token(const struct req *r)
{
	const char *h = req_env(r, "HTTP_AUTHORIZATION");

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	h += 7;
	while (*h == ' ')
		h++;
	if (*h == '\0' || strlen(h) > 512)
		return NULL;
	return h;
}

/*
 * 1 if the request's Bearer token is want (a non-empty string), compared
 * by their SHA-256 in constant time; else 0.
 */
int
bearer_is(const struct req *r, const char *want)
{
	const char *got = bearer_token(r);
	char hw[65], hg[65];

	if (got == NULL || want == NULL || *want == '\0')
		return 0;
	sha256_hex(want, strlen(want), hw);
	sha256_hex(got, strlen(got), hg);
	return crypto_timingsafe_eq(hw, hg, 64);
}

/*
 * The metrics routes: open unless ORX_METRICS_TOKEN is set, then only to
 * that Bearer token. Returns 0, or 401 with the envelope written.
 */
int
metrics_auth(struct req *r, struct resp *w)
{
	const char *want = config_get(r->app->cfg, CFG_METRICS_TOKEN);

	if (*want == '\0' || bearer_is(r, want))
		return 0;
	resp_header(w, "WWW-Authenticate", "Bearer");
	return resp_error(w, HTTP_UNAUTHORIZED, "unauthorized",
	    "the metrics need the metrics token as 'Authorization: Bearer <token>'");
}
