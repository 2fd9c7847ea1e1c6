/*
 * API keys: "orx_" + 32 base32 characters, stored as SHA-256 hex with an
 * owner and scopes. Scopes are a closed set of bits.
 */
#ifndef ORX_AUTH_H
#define ORX_AUTH_H

#include <stddef.h>

struct req;

enum scope_bit { SCOPE_READ, SCOPE_WRITE, SCOPE_RUN, SCOPE_DEPLOY, SCOPE_ADMIN,
	SCOPE__MAX };
extern const char *const scope_names[SCOPE__MAX];

#define S_READ		(1u << SCOPE_READ)
#define S_WRITE		(1u << SCOPE_WRITE)
#define S_RUN		(1u << SCOPE_RUN)
#define S_DEPLOY	(1u << SCOPE_DEPLOY)
#define S_ADMIN		(1u << SCOPE_ADMIN)
#define S_ALL		((1u << SCOPE__MAX) - 1)

const char	*bearer_token(const struct req *);
int		 scopes_parse(const char *csv, unsigned *out);
void		 scopes_format(unsigned, char *out, size_t outsz);
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
