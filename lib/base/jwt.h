/*
 * HS256 JSON Web Tokens (RFC 7519, JWS compact serialisation of RFC 7515)
 * with json-c claims. Only HMAC-SHA256 is produced or accepted; the key
 * should be at least 32 random bytes (RFC 7518 §3.2).
 */
#ifndef ORX_JWT_H
#define ORX_JWT_H

#include <stddef.h>

#define JWT_MAX_LEN	8192	/* longest token signed or accepted */

struct json_object;

enum jwt_status {
	JWT_OK = 0,
	JWT_MALFORMED,
	JWT_BAD_ALG,
	JWT_BAD_SIGNATURE,
	JWT_EXPIRED,
	JWT_NOT_YET_VALID,
	JWT_NOMEM,
	JWT__MAX
};

extern const char *const jwt_status_names[JWT__MAX];

enum jwt_status	jwt_sign_hs256(struct json_object *claims,
		    const void *key, size_t keylen, char **token_out);
enum jwt_status	jwt_sign_hs256_payload(const char *payload, size_t len,
		    const void *key, size_t keylen, char **token_out);
enum jwt_status	jwt_verify_hs256(const char *token, size_t len,
		    const void *key, size_t keylen, long long now,
		    long long leeway_seconds, struct json_object **claims_out);

#endif
