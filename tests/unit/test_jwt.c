/*
 * Unit tests for lib/base/jwt.c. Expected tokens were computed independently
 * with `openssl dgst -sha256 -hmac` (and -mac HMAC -macopt hexkey:...) or
 * taken from RFC 7515 Appendix A.1 and jwt.io.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "crypto.h"
#include "jwt.h"
#include "t.h"

#define SECRET		"your-256-bit-secret"
#define SECRET_LEN	(sizeof(SECRET) - 1)

/* jwt.io's example, signed with SECRET. */
#define JWTIO_TOKEN \
	"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." \
	"eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ." \
	"SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"

/* The same claims with alg HS512, really signed with HMAC-SHA512. */
#define HS512_TOKEN \
	"eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9." \
	"eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ." \
	"pazba9Pj009HgANP4pTCQAHpXNU7pVbjIGff_plktSzsa9rXTGzFngaawzXGEO6Q0Hx5dtGi-dMDlIadV81o3Q"

/* RFC 7515 A.1: header and payload contain CR LF whitespace. */
#define RFC_TOKEN \
	"eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9." \
	"eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ." \
	"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
#define RFC_KEY \
	"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"

/*
 * {"sub":"orx-test","scope":"admin","exp":4102444800,"path":"/a/b"} under
 * the key 00 01 .. 1f; checks compact output and unescaped '/'.
 */
#define FIXED_TOKEN \
	"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." \
	"eyJzdWIiOiJvcngtdGVzdCIsInNjb3BlIjoiYWRtaW4iLCJleHAiOjQxMDI0NDQ4MDAsInBhdGgiOiIvYS9iIn0." \
	"knGndCZJF3qqwid_bYr_BZqh7YU7B6_0rf4T73Bsjes"

static unsigned char fixed_key[32];

/*
 * Builds header.payload.signature from raw JSON texts, signing with
 * HMAC-SHA256 under key (or leaving the signature empty if key is NULL),
 * so tests can produce tokens jwt_sign_hs256 never would. Caller frees.
 */
static char *
make_token(const char *hdr, const char *payload, const void *key,
    size_t keylen)
{
	size_t hl = strlen(hdr), pl = strlen(payload);
	size_t cap = B64URL_ENCODED_LEN(hl) + B64URL_ENCODED_LEN(pl) + 64;
	unsigned char mac[CRYPTO_SHA256_LEN];
	char *t;
	int n;

	if ((t = malloc(cap)) == NULL)
		abort();
	n = crypto_b64url_encode(hdr, hl, t, cap);
	t[n++] = '.';
	n += crypto_b64url_encode(payload, pl, t + n, cap - (size_t)n);
	if (key != NULL)
		crypto_hmac_sha256(key, keylen, t, (size_t)n, mac);
	t[n++] = '.';
	t[n] = '\0';
	if (key != NULL)
		crypto_b64url_encode(mac, sizeof(mac), t + n, cap - (size_t)n);
	return t;
}

/* Verifies s (NUL-terminated) with SECRET at time now; no claims kept. */
static enum jwt_status
verify(const char *s, long long now, long long leeway)
{
	return jwt_verify_hs256(s, strlen(s), SECRET, SECRET_LEN, now, leeway,
	    NULL);
}

/* Signs the JSON text claims with SECRET and verifies it at now. */
static enum jwt_status
sign_verify(const char *claims, long long now, long long leeway)
{
	char *t = make_token("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", claims,
	    SECRET, SECRET_LEN);
	enum jwt_status st = verify(t, now, leeway);

	free(t);
	return st;
}

static void
test_names(void)
{
	int i, ok = 1;

	for (i = 0; i < JWT__MAX; i++)
		if (jwt_status_names[i] == NULL || jwt_status_names[i][0] == 0)
			ok = 0;
	T_OK(ok, "every status has a name");
	T_STR(jwt_status_names[JWT_EXPIRED], "token expired", "name of EXPIRED");
}

static void
test_sign(void)
{
	struct json_object *c, *got = NULL, *v;
	char *tok = NULL, hdr[64];
	enum jwt_status st;
	int n;

	c = json_object_new_object();
	json_object_object_add(c, "sub", json_object_new_string("1234567890"));
	json_object_object_add(c, "name", json_object_new_string("John Doe"));
	json_object_object_add(c, "iat", json_object_new_int64(1516239022));
	st = jwt_sign_hs256(c, SECRET, SECRET_LEN, &tok);
	T_OK(st == JWT_OK, "sign: jwt.io claims");
	T_STR(tok, JWTIO_TOKEN, "sign: byte-identical to jwt.io's token");
	n = tok == NULL ? -1 : crypto_b64url_decode(tok,
	    (size_t)(strchr(tok, '.') - tok), hdr, sizeof(hdr) - 1);
	hdr[n < 0 ? 0 : n] = '\0';
	T_STR(hdr, "{\"alg\":\"HS256\",\"typ\":\"JWT\"}",
	    "sign: header is exactly {\"alg\":\"HS256\",\"typ\":\"JWT\"}");

	st = jwt_verify_hs256(tok, strlen(tok), SECRET, SECRET_LEN,
	    1516239022, 0, &got);
	T_OK(st == JWT_OK && got != NULL, "verify: own token round trip");
	T_OK(json_object_object_get_ex(got, "name", &v) &&
	    strcmp(json_object_get_string(v), "John Doe") == 0,
	    "verify: claims come back");
	json_object_put(got);
	free(tok);
	T_OK(json_object_object_length(c) == 3, "sign: claims untouched");
	json_object_put(c);

	c = json_object_new_object();
	json_object_object_add(c, "sub", json_object_new_string("orx-test"));
	json_object_object_add(c, "scope", json_object_new_string("admin"));
	json_object_object_add(c, "exp", json_object_new_int64(4102444800LL));
	json_object_object_add(c, "path", json_object_new_string("/a/b"));
	st = jwt_sign_hs256(c, fixed_key, sizeof(fixed_key), &tok);
	T_OK(st == JWT_OK, "sign: fixed-key claims");
	T_STR(tok, FIXED_TOKEN, "sign: fixed key matches openssl dgst");
	T_OK(jwt_verify_hs256(tok, strlen(tok), fixed_key, sizeof(fixed_key),
	    4102444799LL, 0, NULL) == JWT_OK,
	    "verify: fixed-key token, claims_out NULL");
	T_OK(jwt_verify_hs256(tok, strlen(tok), fixed_key, sizeof(fixed_key),
	    4102444800LL, 0, NULL) == JWT_EXPIRED,
	    "verify: fixed-key token expires at exp");
	free(tok);
	json_object_put(c);

	tok = (char *)"sentinel";
	c = json_object_new_array();
	T_OK(jwt_sign_hs256(c, SECRET, SECRET_LEN, &tok) == JWT_MALFORMED &&
	    tok == NULL, "sign: array claims refused, token NULL");
	json_object_put(c);
	T_OK(jwt_sign_hs256(NULL, SECRET, SECRET_LEN, &tok) == JWT_MALFORMED,
	    "sign: NULL claims refused");

	/* A token verify would refuse as too long is not produced. */
	{
		char big[7000];

		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		c = json_object_new_object();
		json_object_object_add(c, "big", json_object_new_string(big));
		T_OK(jwt_sign_hs256(c, SECRET, SECRET_LEN, &tok) ==
		    JWT_MALFORMED && tok == NULL,
		    "sign: token over JWT_MAX_LEN refused");
		json_object_put(c);
	}
	c = json_object_new_object();
	json_object_object_add(c, "n", json_object_new_string("\xe2\x82\xac"));
	st = jwt_sign_hs256(c, SECRET, SECRET_LEN, &tok);
	if (st == JWT_OK)
		st = verify(tok, 0, 0);
	T_OK(st == JWT_OK,
	    "sign/verify: non-ASCII string round trip");
	free(tok);
	json_object_put(c);
}

static void
test_known(void)
{
	unsigned char rkey[64];
	struct json_object *got = (struct json_object *)1, *v;
	enum jwt_status st;
	int n;

	T_OK(verify(JWTIO_TOKEN, 1516239022, 0) == JWT_OK,
	    "verify: jwt.io token");
	n = crypto_b64url_decode(RFC_KEY, strlen(RFC_KEY), rkey, sizeof(rkey));
	T_OK(n == 64, "RFC 7515 A.1 key decodes to 64 bytes");
	st = jwt_verify_hs256(RFC_TOKEN, strlen(RFC_TOKEN), rkey, 64,
	    1300819379, 0, &got);
	T_OK(st == JWT_OK && got != NULL,
	    "verify: RFC 7515 A.1 token before exp");
	T_OK(json_object_object_get_ex(got, "http://example.com/is_root",
	    &v) && json_object_get_boolean(v), "verify: RFC claims readable");
	json_object_put(got);
	got = (struct json_object *)1;
	st = jwt_verify_hs256(RFC_TOKEN, strlen(RFC_TOKEN), rkey, 64,
	    1300819380, 0, &got);
	T_OK(st == JWT_EXPIRED && got == NULL,
	    "verify: RFC token expired at exp, claims_out NULL");
	T_OK(jwt_verify_hs256(RFC_TOKEN, strlen(RFC_TOKEN), rkey, 64,
	    1300819389, 10, NULL) == JWT_OK,
	    "verify: RFC token within 10s leeway");
	T_OK(jwt_verify_hs256(RFC_TOKEN, strlen(RFC_TOKEN), rkey, 64,
	    1300819390, 10, NULL) == JWT_EXPIRED,
	    "verify: RFC token past the leeway");
	T_OK(jwt_verify_hs256(RFC_TOKEN, strlen(RFC_TOKEN), rkey, 63,
	    1300819379, 0, NULL) == JWT_BAD_SIGNATURE,
	    "verify: RFC token with truncated key");
}

static void
test_alg(void)
{
	static const char *payload = "{\"sub\":\"x\"}";
	struct {
		const char	*hdr;
		enum jwt_status	 want;
		const char	*what;
	} v[] = {
		{ "{\"alg\":\"none\",\"typ\":\"JWT\"}", JWT_BAD_ALG,
		    "alg none" },
		{ "{\"alg\":\"None\"}", JWT_BAD_ALG, "alg None" },
		{ "{\"alg\":\"HS512\",\"typ\":\"JWT\"}", JWT_BAD_ALG,
		    "alg HS512 (HS256 MAC)" },
		{ "{\"alg\":\"RS256\"}", JWT_BAD_ALG, "alg RS256" },
		{ "{\"alg\":\"hs256\"}", JWT_BAD_ALG, "alg hs256" },
		{ "{\"alg\":\"HS256\\u0000\"}", JWT_BAD_ALG,
		    "alg HS256 with a NUL" },
		{ "{\"alg\":\"HS256 \"}", JWT_BAD_ALG, "alg HS256 + space" },
		{ "{\"typ\":\"JWT\"}", JWT_MALFORMED, "alg missing" },
		{ "{\"alg\":null}", JWT_MALFORMED, "alg null" },
		{ "{\"alg\":256}", JWT_MALFORMED, "alg a number" },
		{ "{\"alg\":[\"HS256\"]}", JWT_MALFORMED, "alg an array" },
		{ "{\"alg\":\"HS256\",\"typ\":\"JWE\"}", JWT_MALFORMED,
		    "typ JWE" },
		{ "{\"alg\":\"HS256\",\"typ\":1}", JWT_MALFORMED, "typ 1" },
		{ "{\"alg\":\"HS256\",\"crit\":[\"exp\"]}", JWT_MALFORMED,
		    "crit present" },
		{ "[\"HS256\"]", JWT_MALFORMED, "header an array" },
		{ "\"HS256\"", JWT_MALFORMED, "header a string" },
		{ "{'alg':'HS256'}", JWT_MALFORMED, "header not strict JSON" },
		{ "{\"alg\":\"HS256\",}", JWT_MALFORMED,
		    "header trailing comma" },
		{ "{\"alg\":\"HS256\"}x", JWT_MALFORMED,
		    "header trailing garbage" },
		{ "{\"alg\":\"HS256\"}{}", JWT_MALFORMED,
		    "header two objects" },
		{ "{\"alg\":\"HS256\"", JWT_MALFORMED, "header truncated" },
		{ "{\"alg\":\"HS256\"} \r\n", JWT_OK,
		    "header trailing whitespace ok" },
		{ "{\"typ\":\"jwt\",\"alg\":\"HS256\"}", JWT_OK,
		    "typ jwt, any order ok" },
		{ "{\"alg\":\"HS256\",\"kid\":\"k1\"}", JWT_OK,
		    "no typ, extra kid ok" },
	};
	size_t i;
	char *t, buf[512];

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		t = make_token(v[i].hdr, payload, SECRET, SECRET_LEN);
		T_OK(verify(t, 0, 0) == v[i].want, "header: %s", v[i].what);
		free(t);
	}

	/* The classic attack: alg none and no signature at all. */
	t = make_token("{\"alg\":\"none\",\"typ\":\"JWT\"}", payload, NULL, 0);
	T_OK(t[strlen(t) - 1] == '.' && verify(t, 0, 0) == JWT_BAD_ALG,
	    "alg none with empty signature refused");
	free(t);
	t = make_token("{\"alg\":\"none\"}", payload, NULL, 0);
	t[strlen(t) - 1] = '\0';
	T_OK(verify(t, 0, 0) == JWT_MALFORMED,
	    "alg none without the last dot refused");
	free(t);
	T_OK(verify(HS512_TOKEN, 1516239022, 0) == JWT_BAD_ALG,
	    "genuine HS512 token refused");
	/* HS256 header and payload but an HS512-length signature. */
	snprintf(buf, sizeof(buf), "%.*s%s",
	    (int)(strrchr(JWTIO_TOKEN, '.') - JWTIO_TOKEN + 1), JWTIO_TOKEN,
	    strrchr(HS512_TOKEN, '.') + 1);
	T_OK(verify(buf, 0, 0) == JWT_BAD_SIGNATURE,
	    "HS256 header with 64-byte signature refused");
	/* An unsigned HS256 token. */
	t = make_token("{\"alg\":\"HS256\"}", payload, NULL, 0);
	T_OK(verify(t, 0, 0) == JWT_BAD_SIGNATURE,
	    "HS256 with empty signature refused");
	free(t);
}

static void
test_tamper(void)
{
	unsigned char key[32];
	char t[sizeof(JWTIO_TOKEN) + 8], *p;
	size_t i, n = strlen(JWTIO_TOKEN);
	int ok;

	/* Change one character anywhere: never JWT_OK. */
	ok = 1;
	for (i = 0; i < n; i++) {
		memcpy(t, JWTIO_TOKEN, n + 1);
		if (t[i] == '.')
			continue;
		t[i] = t[i] == 'A' ? 'B' : 'A';
		if (verify(t, 1516239022, 0) == JWT_OK)
			ok = 0;
	}
	T_OK(ok, "every single-character change is refused");

	/* A payload that decodes fine but is not the signed one. */
	memcpy(t, JWTIO_TOKEN, n + 1);
	p = strchr(t, '.') + 1;
	p[2] = 'z';	/* "eyJz" -> "eyzz": still valid base64url */
	T_OK(verify(t, 1516239022, 0) == JWT_BAD_SIGNATURE,
	    "tampered payload: bad signature");
	p = make_token("{\"alg\":\"HS256\",\"typ\":\"JWT\"}",
	    "{\"sub\":\"1234567890\",\"name\":\"John Doe\",\"admin\":true}",
	    NULL, 0);
	snprintf(t, sizeof(t), "%s%s", p, strrchr(JWTIO_TOKEN, '.') + 1);
	T_OK(verify(t, 0, 0) == JWT_BAD_SIGNATURE,
	    "swapped-in payload with old signature refused");
	free(p);

	/* Non-canonical last signature character (same decoded bytes). */
	memcpy(t, JWTIO_TOKEN, n + 1);
	T_OK(t[n - 1] == 'c', "fixture ends in 'c'");
	t[n - 1] = 'd';
	T_OK(verify(t, 1516239022, 0) == JWT_BAD_SIGNATURE,
	    "non-canonical signature encoding refused");

	T_OK(jwt_verify_hs256(JWTIO_TOKEN, n, "your-256-bit-secreT",
	    SECRET_LEN, 1516239022, 0, NULL) == JWT_BAD_SIGNATURE,
	    "wrong key refused");
	T_OK(jwt_verify_hs256(JWTIO_TOKEN, n, "", 0, 1516239022, 0, NULL) ==
	    JWT_BAD_SIGNATURE, "empty key refused");
	crypto_random(key, sizeof(key));
	T_OK(jwt_verify_hs256(JWTIO_TOKEN, n, key, sizeof(key), 1516239022, 0,
	    NULL) == JWT_BAD_SIGNATURE, "random key refused");
	T_OK(jwt_verify_hs256(JWTIO_TOKEN, n - 1, SECRET, SECRET_LEN,
	    1516239022, 0, NULL) == JWT_BAD_SIGNATURE,
	    "len one short refused");
}

static void
test_garbage(void)
{
	static const char *bad[] = {
		"", ".", "..", "...", "a", "a.b", "a.b.c.d",
		".eyJzdWIiOiJ4In0.abc",
		"eyJhbGciOiJIUzI1NiJ9..abc",
		JWTIO_TOKEN ".",
		JWTIO_TOKEN ".x",
		"." JWTIO_TOKEN,
		" " JWTIO_TOKEN,
		"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9=."
		    "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
		    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
		"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVC!9."
		    "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
		    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
		"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9+."
		    "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
		    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
		"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e.abc",
		"e30.e30.e30",
	};
	struct json_object *got = (struct json_object *)1;
	enum jwt_status st;
	char *big;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		st = verify(bad[i], 1516239022, 0);
		T_OK(st != JWT_OK && st != JWT_NOMEM,
		    "garbage #%zu refused (%s)", i, jwt_status_names[st]);
	}
	T_OK(verify("", 0, 0) == JWT_MALFORMED, "empty is malformed");
	T_OK(verify("a.b.c.d", 0, 0) == JWT_MALFORMED,
	    "4 segments malformed");
	T_OK(verify("eyJhbGciOiJIUzI1NiJ9.e30", 0, 0) == JWT_MALFORMED,
	    "2 segments malformed");
	st = jwt_verify_hs256(NULL, 0, SECRET, SECRET_LEN, 0, 0, &got);
	T_OK(st == JWT_MALFORMED && got == NULL, "NULL token malformed");
	T_OK(jwt_verify_hs256(JWTIO_TOKEN "\0", sizeof(JWTIO_TOKEN),
	    SECRET, SECRET_LEN, 0, 0, NULL) != JWT_OK,
	    "trailing NUL inside len refused");

	big = malloc(JWT_MAX_LEN + 2);
	memset(big, 'A', JWT_MAX_LEN + 1);
	big[10] = '.';
	big[20] = '.';
	big[JWT_MAX_LEN + 1] = '\0';
	T_OK(verify(big, 0, 0) == JWT_MALFORMED, "token over 8 KiB refused");
	free(big);
}

static void
test_claims(void)
{
	struct {
		const char	*claims;
		long long	 now, leeway;
		enum jwt_status	 want;
		const char	*what;
	} v[] = {
		{ "{\"exp\":1000}", 999, 0, JWT_OK, "exp in the future" },
		{ "{\"exp\":1000}", 1000, 0, JWT_EXPIRED, "exp == now" },
		{ "{\"exp\":1000}", 1001, 0, JWT_EXPIRED, "exp in the past" },
		{ "{\"exp\":1000}", 1004, 5, JWT_OK, "exp within leeway" },
		{ "{\"exp\":1000}", 1005, 5, JWT_EXPIRED, "exp past leeway" },
		{ "{\"exp\":1000}", 1001, -5, JWT_EXPIRED,
		    "negative leeway counts as 0" },
		{ "{\"exp\":1000.5}", 1000, 0, JWT_OK, "fractional exp" },
		{ "{\"exp\":1000.5}", 1001, 0, JWT_EXPIRED,
		    "fractional exp passed" },
		{ "{\"exp\":1e3}", 1000, 0, JWT_EXPIRED, "exp as 1e3" },
		{ "{\"exp\":\"1000\"}", 0, 0, JWT_MALFORMED, "exp a string" },
		{ "{\"exp\":null}", 0, 0, JWT_MALFORMED, "exp null" },
		{ "{\"exp\":true}", 0, 0, JWT_MALFORMED, "exp boolean" },
		{ "{\"exp\":[1000]}", 0, 0, JWT_MALFORMED, "exp array" },
		{ "{\"exp\":1e999}", 0, 0, JWT_MALFORMED, "exp infinite" },
		{ "{\"exp\":-1}", 0, 0, JWT_EXPIRED, "negative exp" },
		{ "{\"exp\":9223372036854775807}", LLONG_MAX - 1, LLONG_MAX,
		    JWT_OK, "exp INT64_MAX, huge leeway: no overflow" },
		{ "{\"exp\":-9223372036854775808}", LLONG_MAX, 0,
		    JWT_EXPIRED, "exp INT64_MIN at LLONG_MAX: no overflow" },
		{ "{\"exp\":99999999999999999999}", 2000000000, 0, JWT_OK,
		    "exp beyond int64" },
		{ "{\"nbf\":1000}", 999, 0, JWT_NOT_YET_VALID,
		    "nbf in the future" },
		{ "{\"nbf\":1000}", 1000, 0, JWT_OK, "nbf == now" },
		{ "{\"nbf\":1000}", 990, 10, JWT_OK, "nbf within leeway" },
		{ "{\"nbf\":1000}", 989, 10, JWT_NOT_YET_VALID,
		    "nbf past leeway" },
		{ "{\"nbf\":1000.5}", 1000, 0, JWT_NOT_YET_VALID,
		    "fractional nbf" },
		{ "{\"nbf\":\"0\"}", 0, 0, JWT_MALFORMED, "nbf a string" },
		{ "{\"nbf\":-9223372036854775808}", LLONG_MIN, LLONG_MAX,
		    JWT_OK, "nbf INT64_MIN at LLONG_MIN: no overflow" },
		{ "{\"nbf\":9223372036854775807}", LLONG_MIN, LLONG_MAX,
		    JWT_NOT_YET_VALID, "nbf INT64_MAX at LLONG_MIN" },
		{ "{\"nbf\":1000,\"exp\":2000}", 1500, 0, JWT_OK,
		    "inside the window" },
		{ "{\"nbf\":1000,\"exp\":2000}", 2500, 0, JWT_EXPIRED,
		    "after the window" },
		{ "{\"nbf\":1000,\"exp\":2000}", 500, 0, JWT_NOT_YET_VALID,
		    "before the window" },
		{ "{}", 0, 0, JWT_OK, "empty claims" },
		{ "{\"iat\":\"whenever\"}", 0, 0, JWT_OK,
		    "other claims unchecked" },
		{ "[1,2]", 0, 0, JWT_MALFORMED, "payload an array" },
		{ "null", 0, 0, JWT_MALFORMED, "payload null" },
		{ "42", 0, 0, JWT_MALFORMED, "payload a number" },
		{ "{\"a\":1}x", 0, 0, JWT_MALFORMED, "payload trailing bytes" },
		{ "{\"a\":1} ", 0, 0, JWT_OK, "payload trailing space" },
		{ "{\"a\":1", 0, 0, JWT_MALFORMED, "payload truncated" },
		{ "{a:1}", 0, 0, JWT_MALFORMED, "payload not strict JSON" },
		{ "{\"a\":\"\xff\"}", 0, 0, JWT_MALFORMED,
		    "payload invalid UTF-8" },
		{ "{\"a\":NaN}", 0, 0, JWT_MALFORMED, "payload NaN" },
		{ "{\"a\":[1,{\"b\":-Infinity}]}", 0, 0, JWT_MALFORMED,
		    "payload nested -Infinity" },
		{ "{\"a\":[1.5,{\"b\":2.5e3}]}", 0, 0, JWT_OK,
		    "payload nested finite doubles" },
		{ "", 0, 0, JWT_MALFORMED, "payload empty" },
	};
	char deep[200];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		T_OK(sign_verify(v[i].claims, v[i].now, v[i].leeway) ==
		    v[i].want, "claims: %s", v[i].what);

	/* Nesting deeper than the tokener allows. */
	strcpy(deep, "{\"a\":");
	for (i = 0; i < 40; i++)
		strcat(deep, "[");
	for (i = 0; i < 40; i++)
		strcat(deep, "]");
	strcat(deep, "}");
	T_OK(sign_verify(deep, 0, 0) == JWT_MALFORMED,
	    "claims: nesting depth 41 refused");
}

int
main(void)
{
	size_t i;

	for (i = 0; i < sizeof(fixed_key); i++)
		fixed_key[i] = (unsigned char)i;
	test_names();
	test_sign();
	test_known();
	test_alg();
	test_tamper();
	test_garbage();
	test_claims();
	return t_done();
}
