/*
 * Ids and hashes of them (lib/base/ids.h).
 */
#include <stdio.h>
#include <string.h>

#include "crypto.h"
#include "ids.h"

void
sha256_hex(const void *p, size_t n, char out[65])
{
	unsigned char md[CRYPTO_SHA256_LEN];

	if (crypto_sha256(p, n, md) == -1 ||
	    crypto_hex_encode(md, sizeof(md), out, 65) == -1)
		out[0] = '\0';  /* matches no stored hash */
}

/* prefix, then a character of [a-z2-7] for each of nchars random bytes. */
static void
id_format(char *out, const char *prefix, size_t pl, const unsigned char *rnd,
    size_t nchars)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

	memcpy(out, prefix, pl);
	for (size_t i = 0; i < nchars; i++)
		out[pl + i] = alphabet[rnd[i] & 31];
	out[pl + nchars] = '\0';
}

/*
 * Writes prefix + nchars random characters of [a-z2-7] (5 bits each) into
 * out. Returns 0, or -1 if the buffer is short or randomness failed.
 */
int
id_new(char *out, size_t outsz, const char *prefix, size_t nchars)
{
	unsigned char rnd[64];
	size_t pl = strlen(prefix);

	if (nchars > sizeof(rnd) || pl + nchars + 1 > outsz ||
	    crypto_random(rnd, nchars) == -1)
		return -1;
	id_format(out, prefix, pl, rnd, nchars);
	return 0;
}

/* As id_new, with the random bytes taken from pool (refilled as needed). */
int
id_pool_new(struct id_pool *pool, char *out, size_t outsz, const char *prefix,
    size_t nchars)
{
	size_t pl = strlen(prefix);

	if (nchars > 64 || pl + nchars + 1 > outsz)
		return -1;
	if (pool->left < nchars) {
		if (crypto_random(pool->rnd, sizeof(pool->rnd)) == -1) {
			pool->left = 0;
			return -1;
		}
		pool->left = sizeof(pool->rnd);
	}
	pool->left -= nchars;
	id_format(out, prefix, pl, pool->rnd + pool->left, nchars);
	crypto_wipe(pool->rnd + pool->left, nchars);  /* each byte serves once */
	return 0;
}
