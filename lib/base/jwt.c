/*
 * HS256 JSON Web Tokens. Verification is deliberately narrow: one algorithm,
 * three segments of strict base64url, strict JSON objects, and the payload is
 * parsed only after its signature has been checked.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "crypto.h"
#include "jwt.h"

/* base64url of exactly {"alg":"HS256","typ":"JWT"} */
#define JWT_HEADER_B64	"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
#define JWT_SIG_B64_LEN	B64URL_ENCODED_LEN(CRYPTO_SHA256_LEN)
#define JWT_JSON_DEPTH	32

const char *const jwt_status_names[JWT__MAX] = {
	"ok",				/* JWT_OK */
	"malformed token",		/* JWT_MALFORMED */
	"unsupported token algorithm",	/* JWT_BAD_ALG */
	"bad token signature",		/* JWT_BAD_SIGNATURE */
	"token expired",		/* JWT_EXPIRED */
	"token not yet valid",		/* JWT_NOT_YET_VALID */
	"out of memory",		/* JWT_NOMEM */
};

/*
 * Signs claims (a JSON object, borrowed; serialised compactly, and json-c
 * caches that text inside the object, so don't share it across threads
 * while signing) with HMAC-SHA256 under key. On JWT_OK, *token_out is a malloc'd NUL-terminated
 * token the caller frees; otherwise it is NULL.
 * Returns JWT_OK, JWT_MALFORMED (claims not an object, or the token would
 * exceed JWT_MAX_LEN and so be refused by jwt_verify_hs256) or JWT_NOMEM.
 */
enum jwt_status
jwt_sign_hs256(struct json_object *claims, const void *key, size_t keylen,
    char **token_out)
{
	const char *payload;

	*token_out = NULL;
	if (claims == NULL || !json_object_is_type(claims, json_type_object))
		return JWT_MALFORMED;
	payload = json_object_to_json_string_ext(claims,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (payload == NULL)
		return JWT_NOMEM;
	return jwt_sign_hs256_payload(payload, strlen(payload), key, keylen, token_out);
}

/*
 * As jwt_sign_hs256, for claims already serialised: payload must be the
 * text of one JSON object (the caller's promise; it is not parsed here).
 */
enum jwt_status
jwt_sign_hs256_payload(const char *payload, size_t plen, const void *key,
    size_t keylen, char **token_out)
{
	unsigned char sig[CRYPTO_SHA256_LEN];
	char *tok = NULL;
	size_t hlen = sizeof(JWT_HEADER_B64) - 1, total, pos;
	enum jwt_status st = JWT_MALFORMED;
	int n;

	*token_out = NULL;
	/* Checked first so the size arithmetic below cannot overflow. */
	if (plen > JWT_MAX_LEN)
		goto out;
	total = hlen + 1 + B64URL_ENCODED_LEN(plen) + 1 + JWT_SIG_B64_LEN;
	if (total > JWT_MAX_LEN)
		goto out;
	if ((tok = malloc(total + 1)) == NULL) {
		st = JWT_NOMEM;
		goto out;
	}

	memcpy(tok, JWT_HEADER_B64, hlen);
	pos = hlen;
	tok[pos++] = '.';
	if ((n = crypto_b64url_encode(payload, plen, tok + pos,
	    total + 1 - pos)) == -1)
		goto out;
	pos += (size_t)n;
	/* The signing input is "header.payload", i.e. tok[0..pos). */
	if (crypto_hmac_sha256(key, keylen, tok, pos, sig) == -1) {
		st = JWT_NOMEM;
		goto out;
	}
	tok[pos++] = '.';
	if (crypto_b64url_encode(sig, sizeof(sig), tok + pos,
	    total + 1 - pos) == -1)
		goto out;
	*token_out = tok;
	tok = NULL;
	st = JWT_OK;
out:
	free(tok);
	return st;
}

/*
 * Returns 1 if no number in o (recursively) is NaN or infinite. json-c
 * accepts the non-JSON literals NaN and Infinity even in strict mode.
 * Recursion is bounded by the tokener's depth limit.
 */
static int
all_finite(struct json_object *o)
{
	size_t i, n;

	switch (json_object_get_type(o)) {
	case json_type_double:
		return isfinite(json_object_get_double(o));
	case json_type_array:
		n = json_object_array_length(o);
		for (i = 0; i < n; i++)
			if (!all_finite(json_object_array_get_idx(o, i)))
				return 0;
		return 1;
	case json_type_object: {
		json_object_object_foreach(o, k, v) {
			(void)k;
			if (!all_finite(v))
				return 0;
		}
		return 1;
	}
	default:
		return 1;
	}
}

/*
 * Parses n bytes of JSON that must be exactly one object (optionally
 * surrounded by whitespace), with strict syntax, valid UTF-8, no NUL bytes,
 * no NaN or Infinity, and bounded depth. Returns a new reference the caller puts, or NULL with
 * *st set to JWT_MALFORMED or JWT_NOMEM.
 */
static struct json_object *
parse_object(const char *s, size_t n, enum jwt_status *st)
{
	struct json_tokener *tok = NULL;
	struct json_object *obj = NULL;
	size_t end;

	*st = JWT_MALFORMED;
	if (n == 0 || n > JWT_MAX_LEN || memchr(s, '\0', n) != NULL)
		goto out;
	if ((tok = json_tokener_new_ex(JWT_JSON_DEPTH)) == NULL) {
		*st = JWT_NOMEM;
		goto out;
	}
	json_tokener_set_flags(tok,
	    JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, s, (int)n);
	if (obj == NULL || json_tokener_get_error(tok) != json_tokener_success)
		goto out;
	for (end = json_tokener_get_parse_end(tok); end < n; end++)
		if (strchr(" \t\r\n", s[end]) == NULL)
			goto out;
	if (!json_object_is_type(obj, json_type_object) || !all_finite(obj))
		goto out;
	*st = JWT_OK;
out:
	if (*st != JWT_OK) {
		json_object_put(obj);
		obj = NULL;
	}
	/* Unlike most free functions, json_tokener_free(NULL) crashes. */
	if (tok != NULL)
		json_tokener_free(tok);
	return obj;
}

/*
 * Checks the header: "alg" must be the string "HS256", "typ" if present must
 * be "JWT", and "crit" must be absent (we understand no extensions, and
 * RFC 7515 §4.1.11 says to refuse what we don't understand).
 */
static enum jwt_status
check_header(struct json_object *hdr)
{
	struct json_object *v;

	if (!json_object_object_get_ex(hdr, "alg", &v) ||
	    !json_object_is_type(v, json_type_string))
		return JWT_MALFORMED;
	if (strcmp(json_object_get_string(v), "HS256") != 0 ||
	    (size_t)json_object_get_string_len(v) != sizeof("HS256") - 1)
		return JWT_BAD_ALG;
	if (json_object_object_get_ex(hdr, "typ", &v) &&
	    (!json_object_is_type(v, json_type_string) ||
	    strcasecmp(json_object_get_string(v), "JWT") != 0))
		return JWT_MALFORMED;
	if (json_object_object_get_ex(hdr, "crit", NULL))
		return JWT_MALFORMED;
	return JWT_OK;
}

/*
 * Compares the optional NumericDate claim name with now: for "exp" (is_exp)
 * the token is valid while now < exp + leeway, for "nbf" once
 * now + leeway >= nbf (RFC 7519 §4.1.4-5). Integer claims are compared
 * exactly, without overflow.
 * Returns JWT_OK, JWT_EXPIRED, JWT_NOT_YET_VALID or JWT_MALFORMED (claim
 * present but not a finite number).
 */
static enum jwt_status
check_time(struct json_object *claims, const char *name, int is_exp,
    long long now, long long leeway)
{
	struct json_object *v;
	unsigned long long diff;
	long long t;
	double d;

	if (!json_object_object_get_ex(claims, name, &v))
		return JWT_OK;
	if (json_object_is_type(v, json_type_double)) {
		d = json_object_get_double(v);
		if (!isfinite(d))
			return JWT_MALFORMED;
		if (is_exp && (double)now >= d + (double)leeway)
			return JWT_EXPIRED;
		if (!is_exp && (double)now + (double)leeway < d)
			return JWT_NOT_YET_VALID;
		return JWT_OK;
	}
	if (!json_object_is_type(v, json_type_int))
		return JWT_MALFORMED;
	t = (long long)json_object_get_int64(v);
	/* The differences below are taken only when positive, as unsigned. */
	if (is_exp && now >= t) {
		diff = (unsigned long long)now - (unsigned long long)t;
		if (diff >= (unsigned long long)leeway)
			return JWT_EXPIRED;
	}
	if (!is_exp && t > now) {
		diff = (unsigned long long)t - (unsigned long long)now;
		if (diff > (unsigned long long)leeway)
			return JWT_NOT_YET_VALID;
	}
	return JWT_OK;
}

/*
 * Verifies a compact HS256 token of len bytes under key at time now (Unix
 * seconds), allowing leeway_seconds (negative counts as 0) of clock skew on
 * "exp" and "nbf". The header must be a JSON object with "alg":"HS256"
 * ("none" and every other algorithm are refused); the signature is compared
 * in constant time before the payload is parsed; the payload must be a JSON
 * object, and "exp"/"nbf" must be numbers when present.
 * On JWT_OK, *claims_out (if claims_out is not NULL) is a new reference the
 * caller puts; otherwise it is NULL.
 * Returns a jwt_status; JWT_OK only for a valid, current token.
 */
enum jwt_status
jwt_verify_hs256(const char *token, size_t len, const void *key,
    size_t keylen, long long now, long long leeway_seconds,
    struct json_object **claims_out)
{
	unsigned char sig[CRYPTO_SHA256_LEN], mac[CRYPTO_SHA256_LEN];
	struct json_object *hdr = NULL, *claims = NULL;
	const char *dot1, *dot2, *payload, *sigtxt;
	char *buf = NULL;
	size_t hlen, plen, slen;
	enum jwt_status st = JWT_MALFORMED;
	int n;

	if (claims_out != NULL)
		*claims_out = NULL;
	if (leeway_seconds < 0)
		leeway_seconds = 0;
	if (token == NULL || len == 0 || len > JWT_MAX_LEN)
		goto out;

	/* Exactly three segments; header and payload non-empty. */
	if ((dot1 = memchr(token, '.', len)) == NULL)
		goto out;
	payload = dot1 + 1;
	if ((dot2 = memchr(payload, '.', len - (size_t)(payload - token)))
	    == NULL)
		goto out;
	sigtxt = dot2 + 1;
	slen = len - (size_t)(sigtxt - token);
	if (memchr(sigtxt, '.', slen) != NULL)
		goto out;
	hlen = (size_t)(dot1 - token);
	plen = (size_t)(dot2 - payload);
	if (hlen == 0 || plen == 0)
		goto out;

	/* One scratch buffer, big enough for either decoded segment. */
	if ((buf = malloc(B64URL_DECODED_MAX(len))) == NULL) {
		st = JWT_NOMEM;
		goto out;
	}

	if ((n = crypto_b64url_decode(token, hlen, buf,
	    B64URL_DECODED_MAX(len))) == -1)
		goto out;
	if ((hdr = parse_object(buf, (size_t)n, &st)) == NULL)
		goto out;
	if ((st = check_header(hdr)) != JWT_OK)
		goto out;

	st = JWT_BAD_SIGNATURE;
	if (slen != JWT_SIG_B64_LEN ||
	    crypto_b64url_decode(sigtxt, slen, sig, sizeof(sig)) !=
	    CRYPTO_SHA256_LEN)
		goto out;
	if (crypto_hmac_sha256(key, keylen, token, (size_t)(dot2 - token),
	    mac) == -1) {
		st = JWT_NOMEM;
		goto out;
	}
	if (!crypto_timingsafe_eq(sig, mac, sizeof(mac)))
		goto out;

	/* Authentic from here on; still parse it as carefully. */
	st = JWT_MALFORMED;
	if ((n = crypto_b64url_decode(payload, plen, buf,
	    B64URL_DECODED_MAX(len))) == -1)
		goto out;
	if ((claims = parse_object(buf, (size_t)n, &st)) == NULL)
		goto out;
	if ((st = check_time(claims, "exp", 1, now, leeway_seconds)) !=
	    JWT_OK ||
	    (st = check_time(claims, "nbf", 0, now, leeway_seconds)) != JWT_OK)
		goto out;

	if (claims_out != NULL) {
		*claims_out = claims;
		claims = NULL;
	}
	st = JWT_OK;
out:
	json_object_put(claims);
	json_object_put(hdr);
	free(buf);
	crypto_wipe(mac, sizeof(mac));
	return st;
}
