#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
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
