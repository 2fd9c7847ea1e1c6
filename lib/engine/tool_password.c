/*
 * password_hash and password_verify: PBKDF2-HMAC-SHA256 with a random salt
 * (lib/base/crypto.c). Both types share this file: they share their limits.
 */
#include <string.h>

#include "config.h"
#include "crypto.h"
#include "json.h"
#include "tools.h"

#define PASSWORD_MAX 1024

/* Spent on a missing hash, so "no such user" takes as long as "wrong password". */
#define DUMMY_HASH "pbkdf2-sha256$100000$AAAAAAAAAAAAAAAAAAAAAA$" \
	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

static const char *
password_of(struct tool_ctx *ctx)
{
	const char *pw = json_get_str(ctx->config, "password");

	if (pw == NULL || *pw == '\0' || strlen(pw) > PASSWORD_MAX) {
		tool_fail(ctx, 400, "invalid_password",
		    "the password must be a non-empty string of at most %d bytes",
		    PASSWORD_MAX);
		return NULL;
	}
	return pw;
}

int
tool_password_hash_run(struct tool_ctx *ctx)
{
	struct json_object *it = json_get(ctx->config, "iterations", json_type_int);
	unsigned iterations = it ? (unsigned)json_object_get_int(it) :
	    ctx->env->cfg->pbkdf2_iterations;
	char out[CRYPTO_PW_ENCODED_MAX];
	const char *pw;

	if ((pw = password_of(ctx)) == NULL)
		return -1;
	if (iterations < CRYPTO_PW_ITER_MIN || iterations > CRYPTO_PW_ITER_MAX)
		return tool_fail(ctx, 500, "bad_config", "iterations out of range");
	if (crypto_password_hash(pw, strlen(pw), iterations, out, sizeof(out)) < 0)
		return tool_fail(ctx, 500, "internal", "hashing failed");
	ctx->output = json_object_new_object();
	json_object_object_add(ctx->output, "hash", json_object_new_string(out));
	json_object_object_add(ctx->output, "algorithm",
	    json_object_new_string("pbkdf2-sha256"));
	return 0;
}

int
tool_password_verify_run(struct tool_ctx *ctx)
{
	const char *hash = json_get_str(ctx->config, "hash"), *pw, *msg;
	struct json_object *on = json_get(ctx->config, "onMismatch", json_type_object);
	struct json_object *st;
	int ok;

	if ((pw = password_of(ctx)) == NULL)
		return -1;
	ok = crypto_password_verify(pw, strlen(pw), hash ? hash : DUMMY_HASH);
	if (ok == 1 && hash != NULL) {
		ctx->output = json_object_new_object();
		json_object_object_add(ctx->output, "valid", json_object_new_boolean(1));
		return 0;
	}
	if (ok == -1 && hash != NULL)
		return tool_fail(ctx, 500, "bad_hash", "the stored hash is malformed");
	st = on ? json_get(on, "status", json_type_int) : NULL;
	msg = on ? json_get_str(on, "message") : NULL;
	return tool_fail(ctx, st ? json_object_get_int(st) : 401, "invalid_credentials",
	    "%s", msg ? msg : "invalid credentials");
}
