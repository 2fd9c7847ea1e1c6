/*
 * Thin wrappers over OpenSSL 3 libcrypto (EVP interfaces only): random bytes,
 * SHA-256 and HMAC-SHA256, hex and base64 codecs, constant-time comparison,
 * PBKDF2 password hashes and AES-256-GCM sealing of secrets at rest.
 *
 * Conventions: functions that produce text write into a caller buffer of
 * explicit size, always NUL-terminate it, and return the text length (NUL
 * excluded) or -1 if the buffer is too small or the input invalid. The *_LEN
 * macros give that text length, so a buffer needs *_LEN(n) + 1 bytes.
 * Decoders are strict and run in time independent of the (valid) input
 * characters, so they may be used on keys and tokens.
 */
#ifndef ORX_CRYPTO_H
#define ORX_CRYPTO_H

#include <stddef.h>

#define CRYPTO_SHA256_LEN	32
#define CRYPTO_KEY_LEN		32	/* AES-256-GCM key */
#define CRYPTO_NONCE_LEN	12
#define CRYPTO_TAG_LEN		16
#define CRYPTO_SEAL_OVERHEAD	(CRYPTO_NONCE_LEN + CRYPTO_TAG_LEN)

/* Text lengths (without NUL) of encoding n bytes; decoded upper bounds. */
#define HEX_ENCODED_LEN(n)	((n) * 2)
#define HEX_DECODED_LEN(n)	((n) / 2)
#define B64URL_ENCODED_LEN(n)	((n) / 3 * 4 + ((n) % 3 ? (n) % 3 + 1 : 0))
#define B64URL_DECODED_MAX(n)	((n) / 4 * 3 + (n) % 4 * 3 / 4)
#define B64_ENCODED_LEN(n)	(((n) + 2) / 3 * 4)
#define B64_DECODED_MAX(n)	((n) / 4 * 3)

/* Password hashes: "pbkdf2-sha256$<iter>$<salt>$<hash>". */
#define CRYPTO_PW_PREFIX	"pbkdf2-sha256$"
#define CRYPTO_PW_ITER_MIN	1000u
#define CRYPTO_PW_ITER_MAX	10000000u
#define CRYPTO_PW_ITER_DEFAULT	210000u	/* OWASP 2023 for PBKDF2-HMAC-SHA256 */
#define CRYPTO_PW_SALT_LEN	16
#define CRYPTO_PW_HASH_LEN	32
#define CRYPTO_PW_ENCODED_MAX	128	/* buffer size that always suffices */

/* Largest nbytes crypto_random_id accepts. */
#define CRYPTO_ID_MAX_BYTES	64

int	crypto_random(void *, size_t);
int	crypto_random_id(char *out, size_t outsz, size_t nbytes);
void	crypto_wipe(void *, size_t);

int	crypto_sha256(const void *, size_t, unsigned char out[CRYPTO_SHA256_LEN]);
int	crypto_hmac_sha256(const void *key, size_t keylen,
	    const void *msg, size_t msglen, unsigned char out[CRYPTO_SHA256_LEN]);
int	crypto_timingsafe_eq(const void *, const void *, size_t);

int	crypto_hex_encode(const void *in, size_t n, char *out, size_t outsz);
int	crypto_hex_decode(const char *in, size_t len, void *out, size_t outsz);
int	crypto_b64url_encode(const void *in, size_t n, char *out, size_t outsz);
int	crypto_b64url_decode(const char *in, size_t len, void *out, size_t outsz);
int	crypto_b64_encode(const void *in, size_t n, char *out, size_t outsz);
int	crypto_b64_decode(const char *in, size_t len, void *out, size_t outsz);

int	crypto_pbkdf2_sha256(const void *password, size_t len,
	    const void *salt, size_t saltlen, unsigned iterations,
	    unsigned char *out, size_t outlen);
int	crypto_password_hash(const char *password, size_t len,
	    unsigned iterations, char *out, size_t outsz);
int	crypto_password_verify(const char *password, size_t len,
	    const char *encoded);

int	crypto_key_from_hex(const char *hex, unsigned char key[CRYPTO_KEY_LEN]);
int	crypto_seal(const unsigned char key[CRYPTO_KEY_LEN],
	    const void *plain, size_t n, const void *aad, size_t aadlen,
	    unsigned char *out, size_t outsz);
int	crypto_open(const unsigned char key[CRYPTO_KEY_LEN],
	    const void *sealed, size_t n, const void *aad, size_t aadlen,
	    unsigned char *out, size_t outsz);

#endif
