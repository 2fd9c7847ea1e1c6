/*
 * API keys as requests carry them: "Authorization: Bearer <key>". Keys are
 * "orx_" + 32 base32 characters, stored as SHA-256 hex (lib/base/ids.h)
 * with an owner and scopes (lib/base/scopes.h).
 */
#ifndef ORX_AUTH_H
#define ORX_AUTH_H

#include "ids.h"
#include "scopes.h"

struct req;
struct resp;

const char	*bearer_token(const struct req *);
int		 bearer_is(const struct req *, const char *want);
int		 metrics_auth(struct req *, struct resp *);

#endif
