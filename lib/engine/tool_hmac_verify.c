/*
 * hmac_verify: the signature check of a webhook receiver. The HMAC-SHA256
 * of "message" -- by default the raw body of the request the run answers,
 * byte for byte, as senders sign it -- under the workflow secret "secret"
 * must equal "signature" (hex, or base64 with "encoding": "base64"), after
 * an optional "prefix" such as "sha256=". The comparison takes the same
 * time wherever the signatures differ. A mismatch, a missing or malformed
 * signature all fail the run alike: 401 unless "onMismatch" says otherwise.
 */
#include <string.h>
#include <strings.h>

#include "crypto.h"
#include "json.h"
#include "tools.h"

#define SIGNATURE_MAX	512

/* The raw body of the run's request ("" when the run answers none). */
static const char *
raw_body(struct tool_ctx *ctx, size_t *len)
{
	struct json_object *req = json_object_object_get(ctx->scope, "request");
	struct json_object *b = json_get(req, "body", json_type_string);

	*len = b != NULL ? (size_t)json_object_get_string_len(b) : 0;
	return b != NULL ? json_object_get_string(b) : "";
}

static int
mismatch(struct tool_ctx *ctx)
{
	return tool_failure(ctx, json_get(ctx->config, "onMismatch", json_type_object), 401,
	    "invalid_signature", "the signature does not match");
}

int
tool_hmac_verify_run(struct tool_ctx *ctx)
{
	const char *sig = json_get_str(ctx->config, "signature");
	const char *prefix = json_get_str(ctx->config, "prefix");
	const char *enc = json_get_str(ctx->config, "encoding"), *key, *msg;
	struct json_object *m = json_object_object_get(ctx->config, "message");
	unsigned char mac[CRYPTO_SHA256_LEN], got[CRYPTO_SHA256_LEN + 3];
	size_t mlen, slen, plen = prefix != NULL ? strlen(prefix) : 0;
	int n, ok;

	if ((key = tool_secret(ctx, json_get_str(ctx->config, "secret"))) == NULL)
		return -1;
	if (m != NULL) {
		if (!json_object_is_type(m, json_type_string))
			return tool_fail(ctx, 500, "bad_config", "message must be a string");
		msg = json_object_get_string(m);
		mlen = (size_t)json_object_get_string_len(m);
	} else
		msg = raw_body(ctx, &mlen);
	if (sig == NULL || (slen = strlen(sig)) > SIGNATURE_MAX)
		return mismatch(ctx);
	if (plen > 0) {
		/* Senders write the prefix in either case ("SHA256=" too). */
		if (slen < plen || strncasecmp(sig, prefix, plen) != 0)
			return mismatch(ctx);
		sig += plen;
		slen -= plen;
	}
	if (crypto_hmac_sha256(key, strlen(key), msg, mlen, mac) == -1)
		return tool_fail(ctx, 500, "internal", "the HMAC could not be computed");
	if (enc != NULL && strcmp(enc, "base64") == 0)
		n = crypto_b64_decode(sig, slen, got, sizeof(got));
	else {
		/* Hex in either case, as senders write it. */
		char low[HEX_ENCODED_LEN(CRYPTO_SHA256_LEN) + 1];
		if (slen != sizeof(low) - 1)
			return mismatch(ctx);
		for (size_t i = 0; i < slen; i++)
			low[i] = (char)(sig[i] >= 'A' && sig[i] <= 'F' ? sig[i] + 32 : sig[i]);
		low[slen] = '\0';
		n = crypto_hex_decode(low, slen, got, sizeof(got));
	}
	ok = n == CRYPTO_SHA256_LEN && crypto_timingsafe_eq(mac, got, CRYPTO_SHA256_LEN);
	crypto_wipe(mac, sizeof(mac));
	if (!ok)
		return mismatch(ctx);
	ctx->output = json_object_new_object();
	json_add_new(ctx->output, "valid", json_object_new_boolean(1));
	return 0;
}
