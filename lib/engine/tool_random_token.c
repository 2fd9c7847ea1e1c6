/*
 * random_token: tokens for confirmation and reset links.
 *
 * Issued ("mode": "issue", the default), a token is "bytes" random bytes
 * in base64url. With a "secret" it is a signed link token instead: an
 * HS256 JWT (lib/base/jwt.c) whose claims are the subject, the purpose, a
 * random nonce (jti), the time and the expiry, marked {"orx": "link"} so
 * that no other JWT signed with the same key (a login's) passes for one.
 * Nothing is stored when a token is issued.
 *
 * Verified ("mode": "verify"), the token's signature, mark, purpose and
 * expiry are checked; "singleUse" records its nonce in token_uses (in the
 * run's transaction, so a run that fails later does not use it up) and a
 * second use fails. A failure is 400 unless "onInvalid" says otherwise,
 * with the code invalid_token, token_expired or token_used.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "clock.h"
#include "crypto.h"
#include "json.h"
#include "jwt.h"
#include "tools.h"

#define DEFAULT_BYTES		32
#define NONCE_BYTES		16
#define DEFAULT_EXPIRES_IN	3600
#define MAX_EXPIRES_IN		(366LL * 24 * 3600)

static int
is_verify(struct json_object *config)
{
	const char *mode = json_get_str(config, "mode");

	return mode != NULL && strcmp(mode, "verify") == 0;
}

/* Save-time check beyond the schema: what each mode needs and takes. */
int
tool_random_token_compile(struct json_object *config, const char *path,
    struct json_object *errors, void **compiled)
{
	static const char *const issue_only[] = { "bytes", "subject", "expiresIn", NULL };
	static const char *const verify_only[] = { "token", "singleUse", "onInvalid", NULL };
	int verify = is_verify(config), rc = 0;
	const char *const *other = verify ? issue_only : verify_only;

	*compiled = NULL;
	for (; *other != NULL; other++)
		if (json_object_object_get_ex(config, *other, NULL)) {
			errs_add(errors, path, "%s belongs to mode %s", *other,
			    verify ? "issue" : "verify");
			rc = -1;
		}
	if (verify && (!json_object_object_get_ex(config, "secret", NULL) ||
	    !json_object_object_get_ex(config, "token", NULL))) {
		errs_add(errors, path, "mode verify needs the secret and the token");
		rc = -1;
	}
	if (!verify && !json_object_object_get_ex(config, "secret", NULL) &&
	    (json_object_object_get_ex(config, "subject", NULL) ||
	    json_object_object_get_ex(config, "purpose", NULL))) {
		errs_add(errors, path, "subject and purpose are signed into the token: "
		    "name the secret that signs it");
		rc = -1;
	}
	return rc;
}

/* expiresIn of the rendered config (1 s to a year), or def; -1 if bad. */
static long long
expires_in(struct tool_ctx *ctx, long long def)
{
	struct json_object *v = json_object_object_get(ctx->config, "expiresIn");
	long long ttl = def;
	char *end;

	if (v == NULL)
		return def;
	if (json_object_is_type(v, json_type_int))
		ttl = json_object_get_int64(v);
	else if (json_object_is_type(v, json_type_string) &&
	    (ttl = strtoll(json_object_get_string(v), &end, 10), *end != '\0'))
		ttl = -1;
	return ttl >= 1 && ttl <= MAX_EXPIRES_IN ? ttl : -1;
}

static struct json_object *
iso_of(long long seconds)
{
	char s[ISO_UTC_SIZE];

	iso_utc(seconds * 1000000LL, s);
	return json_object_new_string(s);
}

/* n random bytes as base64url into out (size B64URL_ENCODED_LEN(64) + 1). */
static int
random_text(size_t n, char *out, size_t outsz)
{
	unsigned char raw[64];
	int rc = -1;

	if (n <= sizeof(raw) && crypto_random(raw, n) == 0)
		rc = crypto_b64url_encode(raw, n, out, outsz);
	crypto_wipe(raw, sizeof(raw));
	return rc;
}

static int
issue(struct tool_ctx *ctx)
{
	struct json_object *bytes = json_get(ctx->config, "bytes", json_type_int);
	struct json_object *subject = json_object_object_get(ctx->config, "subject");
	const char *secret_name = json_get_str(ctx->config, "secret");
	const char *purpose = json_get_str(ctx->config, "purpose"), *key;
	char nonce[B64URL_ENCODED_LEN(64) + 1], *token = NULL;
	long long now = (long long)time(NULL), ttl;
	enum jwt_status st;
	struct arena a;
	struct buf b;

	ttl = expires_in(ctx, secret_name != NULL ? DEFAULT_EXPIRES_IN : 0);
	if (ttl < 0)
		return tool_fail(ctx, 500, "bad_config", "expiresIn must be 1 to %lld seconds",
		    MAX_EXPIRES_IN);
	if (secret_name == NULL) {
		if (random_text(bytes ? (size_t)json_object_get_int(bytes) : DEFAULT_BYTES,
		    nonce, sizeof(nonce)) < 0)
			return tool_fail(ctx, 500, "internal", "no randomness");
		ctx->output = json_object_new_object();
		json_add_new(ctx->output, "token", json_object_new_string(nonce));
		json_add_new(ctx->output, "nonce", json_object_new_string(nonce));
		json_add_new(ctx->output, "expiresAt", ttl > 0 ? iso_of(now + ttl) : NULL);
		return 0;
	}
	if ((key = tool_secret(ctx, secret_name)) == NULL)
		return -1;
	if (subject != NULL && !json_object_is_type(subject, json_type_string) &&
	    !json_object_is_type(subject, json_type_int))
		return tool_fail(ctx, 500, "bad_config", "subject must be a string or an integer");
	if (random_text(NONCE_BYTES, nonce, sizeof(nonce)) < 0)
		return tool_fail(ctx, 500, "internal", "no randomness");
	arena_init(&a, 512);
	buf_init(&b, &a, 256);
	buf_puts(&b, "{\"orx\":\"link\",\"jti\":");
	buf_put_json_string(&b, nonce, strlen(nonce));
	if (subject != NULL) {
		buf_puts(&b, ",\"sub\":");
		json_buf_put(&b, subject);
	}
	if (purpose != NULL) {
		buf_puts(&b, ",\"pur\":");
		buf_put_json_string(&b, purpose, strlen(purpose));
	}
	buf_puts(&b, ",\"iat\":");
	buf_put_llong(&b, now);
	buf_puts(&b, ",\"exp\":");
	buf_put_llong(&b, now + ttl);
	buf_putc(&b, '}');
	st = jwt_sign_hs256_payload(b.data, b.len, key, strlen(key), &token);
	arena_free(&a);
	if (st != JWT_OK)
		return tool_fail(ctx, 500, "internal", "signing failed: %s", jwt_status_names[st]);
	ctx->output = json_object_new_object();
	json_add_new(ctx->output, "token", json_object_new_string(token));
	json_add_new(ctx->output, "nonce", json_object_new_string(nonce));
	json_add_new(ctx->output, "expiresAt", iso_of(now + ttl));
	free(token);
	return 0;
}

static int
invalid(struct tool_ctx *ctx, const char *code, const char *message)
{
	return tool_failure(ctx, json_get(ctx->config, "onInvalid", json_type_object), 400,
	    code, message);
}

/* Records the token's one use; 0, or -1 with the step failed. */
static int
use_once(struct tool_ctx *ctx, const char *nonce, const char *purpose, long long exp)
{
	const char *params[5];
	char expbuf[24];
	PGresult *res;
	struct arena a;
	int rc = 0;

	if (tool_tx(ctx) != 0)
		return -1;
	snprintf(expbuf, sizeof(expbuf), "%lld", exp);
	params[0] = ctx->env->owner;
	params[1] = ctx->env->environment;
	params[2] = nonce;
	params[3] = purpose != NULL ? purpose : "";
	params[4] = expbuf;
	arena_init(&a, 512);
	res = db_query(ctx->env->db, &a, Q_TOKEN_USE, 5, params);
	if (res == NULL)
		rc = tool_fail(ctx, 503, "unavailable", DB_UNAVAILABLE_MESSAGE);
	else if (strcmp(db_sqlstate(res), "23505") == 0)
		rc = invalid(ctx, "token_used", "this link was used already");
	else if (!db_ok(res))
		rc = tool_fail(ctx, 500, "internal", "the token's use could not be recorded");
	arena_free(&a);
	return rc;
}

static int
verify(struct tool_ctx *ctx)
{
	const char *tok = json_get_str(ctx->config, "token");
	const char *purpose = json_get_str(ctx->config, "purpose"), *key, *pur, *jti;
	struct json_object *single = json_get(ctx->config, "singleUse", json_type_boolean);
	struct json_object *claims = NULL, *exp;
	enum jwt_status st;
	int rc;

	if ((key = tool_secret(ctx, json_get_str(ctx->config, "secret"))) == NULL)
		return -1;
	if (tok == NULL || *tok == '\0')
		return invalid(ctx, "invalid_token", "no token");
	st = jwt_verify_hs256(tok, strlen(tok), key, strlen(key), (long long)time(NULL), 0,
	    &claims);
	if (st == JWT_EXPIRED)
		return invalid(ctx, "token_expired", "this link has expired");
	if (st != JWT_OK)
		return invalid(ctx, "invalid_token", "this link is not valid");
	pur = json_get_str(claims, "pur");
	jti = json_get_str(claims, "jti");
	exp = json_get(claims, "exp", json_type_int);
	if (json_get_str(claims, "orx") == NULL || strcmp(json_get_str(claims, "orx"), "link") != 0 ||
	    jti == NULL || exp == NULL || (purpose == NULL) != (pur == NULL) ||
	    (purpose != NULL && strcmp(purpose, pur) != 0)) {
		json_object_put(claims);
		return invalid(ctx, "invalid_token", "this link is not valid");
	}
	rc = single != NULL && json_object_get_boolean(single) ?
	    use_once(ctx, jti, pur, json_object_get_int64(exp)) : 0;
	if (rc == 0) {
		ctx->output = json_object_new_object();
		json_add_new(ctx->output, "valid", json_object_new_boolean(1));
		json_add_new(ctx->output, "subject",
		    json_object_get(json_object_object_get(claims, "sub")));
		json_add_new(ctx->output, "purpose", pur != NULL ? json_object_new_string(pur) : NULL);
		json_add_new(ctx->output, "nonce", json_object_new_string(jti));
		json_add_new(ctx->output, "expiresAt", iso_of(json_object_get_int64(exp)));
	}
	json_object_put(claims);
	return rc;
}

int
tool_random_token_run(struct tool_ctx *ctx)
{
	return is_verify(ctx->config) ? verify(ctx) : issue(ctx);
}
