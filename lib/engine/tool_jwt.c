/*
 * jwt_sign and jwt_verify: HS256 with a key from the workflow's secrets
 * (lib/base/jwt.c). The key is looked up by name; it never enters the config.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "json.h"
#include "jwt.h"
#include "tools.h"

#define DEFAULT_EXPIRES_IN	3600
#define MAX_EXPIRES_IN		(366L * 24 * 3600)

static const char *
secret_of(struct tool_ctx *ctx)
{
	return tool_secret(ctx, json_get_str(ctx->config, "secret"));
}

/*
 * Signs the config's claims (an object or NULL) with the registered ones
 * the tool sets -- iat and exp always, iss and aud when configured --
 * written as text after the claims' own members, which yield to them.
 */
static enum jwt_status
sign(struct tool_ctx *ctx, struct json_object *c, long long now, long long ttl,
    const char *key, char **token)
{
	const char *iss = json_get_str(ctx->config, "issuer");
	const char *aud = json_get_str(ctx->config, "audience");
	enum jwt_status st;
	struct arena a;
	struct buf b;

	arena_init(&a, 1024);
	buf_init(&b, &a, 512);
	buf_putc(&b, '{');
	if (c != NULL) {
		json_object_object_foreach(c, name, val) {
			if (strcmp(name, "iat") == 0 || strcmp(name, "exp") == 0 ||
			    (iss != NULL && strcmp(name, "iss") == 0) ||
			    (aud != NULL && strcmp(name, "aud") == 0))
				continue;
			buf_put_json_string(&b, name, strlen(name));
			buf_putc(&b, ':');
			json_buf_put(&b, val);
			buf_putc(&b, ',');
		}
	}
	buf_puts(&b, "\"iat\":");
	buf_put_llong(&b, now);
	buf_puts(&b, ",\"exp\":");
	buf_put_llong(&b, now + ttl);
	if (iss != NULL) {
		buf_puts(&b, ",\"iss\":");
		buf_put_json_string(&b, iss, strlen(iss));
	}
	if (aud != NULL) {
		buf_puts(&b, ",\"aud\":");
		buf_put_json_string(&b, aud, strlen(aud));
	}
	buf_putc(&b, '}');
	st = jwt_sign_hs256_payload(b.data, b.len, key, strlen(key), token);
	arena_free(&a);
	return st;
}

int
tool_jwt_sign_run(struct tool_ctx *ctx)
{
	struct json_object *c, *v;
	const char *key;
	long long now = (long long)time(NULL), ttl = DEFAULT_EXPIRES_IN;
	char *token = NULL;
	enum jwt_status st;

	if ((key = secret_of(ctx)) == NULL)
		return -1;
	if ((v = json_object_object_get(ctx->config, "expiresIn")) != NULL) {
		char *end;
		if (json_object_is_type(v, json_type_int))
			ttl = json_object_get_int64(v);
		else if (json_object_is_type(v, json_type_string) &&
		    (ttl = strtoll(json_object_get_string(v), &end, 10), *end != '\0'))
			ttl = -1;
		if (ttl < 1 || ttl > MAX_EXPIRES_IN)
			return tool_fail(ctx, 500, "bad_config",
			    "expiresIn must be 1 to %ld seconds", MAX_EXPIRES_IN);
	}
	c = json_object_object_get(ctx->config, "claims");
	if (c != NULL && !json_object_is_type(c, json_type_object))
		return tool_fail(ctx, 500, "bad_config", "claims must be an object");
	st = sign(ctx, c, now, ttl, key, &token);
	if (st != JWT_OK)
		return tool_fail(ctx, 500, "internal", "signing failed: %s",
		    jwt_status_names[st]);
	ctx->output = json_object_new_object();
	json_add_new(ctx->output, "token", json_object_new_string(token));
	json_add_new(ctx->output, "expiresAt", json_object_new_int64(now + ttl));
	free(token);
	return 0;
}

int
tool_jwt_verify_run(struct tool_ctx *ctx)
{
	const char *key, *tok = json_get_str(ctx->config, "token");
	struct json_object *lw = json_get(ctx->config, "leewaySeconds", json_type_int);
	struct json_object *claims = NULL;
	enum jwt_status st;

	if ((key = secret_of(ctx)) == NULL)
		return -1;
	if (tok == NULL || *tok == '\0')
		return tool_fail(ctx, 401, "invalid_token", "no token");
	if (strncasecmp(tok, "Bearer ", 7) == 0)
		tok += 7;
	st = jwt_verify_hs256(tok, strlen(tok), key, strlen(key), (long long)time(NULL),
	    lw ? json_object_get_int(lw) : 0, &claims);
	if (st != JWT_OK)
		return tool_fail(ctx, 401, "invalid_token", "%s", jwt_status_names[st]);
	ctx->output = json_object_new_object();
	json_add_new(ctx->output, "claims", claims);
	return 0;
}
