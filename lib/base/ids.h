/*
 * Random ids ("mcp_", "exe_", "doc_" + base32 characters) and the SHA-256
 * hex that keys and tokens are stored as.
 */
#ifndef ORX_IDS_H
#define ORX_IDS_H

#include <stddef.h>

void		 sha256_hex(const void *, size_t, char out[65]);
int		 id_new(char *out, size_t outsz, const char *prefix, size_t nchars);

/*
 * A worker's supply of random bytes for ids, drawn from the CSPRNG a block
 * at a time: OpenSSL's RAND_bytes costs about 2 µs a call (locks, DRBG
 * bookkeeping), and a public endpoint makes one or two ids per call. Zero it
 * to start; each process keeps its own (never share one across fork).
 */
#define ID_POOL_BYTES	1024

struct id_pool {
	unsigned char	rnd[ID_POOL_BYTES];
	size_t		left;      /* unused bytes at the end of rnd */
};

int		 id_pool_new(struct id_pool *, char *out, size_t outsz,
		    const char *prefix, size_t nchars);

#endif
