/*
 * Secrets at rest: the key file, the ring of keys a program holds, and
 * sealing and opening values (AES-256-GCM; the AAD is "<scope>/<name>",
 * binding each to its owner).
 *
 * A key file holds one to KEYRING_MAX keys of 64 hex digits, one a line
 * (blank lines and #-comments are skipped): the first seals, the others
 * still open what was sealed before a rotation. A key is known by its
 * fingerprint, the HMAC-SHA256 under the key of a fixed label: the database
 * records it (never the key), and each sealed value names the key that
 * sealed it. A value may carry a second sealing under the previous key, so
 * that a worker holding either key opens it (rotation, orx-admin secrets).
 */
#ifndef ORX_SEALED_H
#define ORX_SEALED_H

#include <stddef.h>
#include <json-c/json.h>

#include "crypto.h"

struct arena;

#define KEYRING_MAX	4
#define KEY_ID_LEN	64	/* hex of the fingerprint */
#define KEY_ID_SHORT	16	/* as shown to people */

enum key_file_status {
	KEY_FILE_OK,
	KEY_FILE_MISSING,      /* no such file */
	KEY_FILE_UNREADABLE,   /* there, but it cannot be read */
	KEY_FILE_MALFORMED,    /* read, but not a key file */
	KEY_FILE__MAX
};
extern const char *const key_file_status_names[KEY_FILE__MAX];

struct keyring {
	int		 n;                         /* keys held, 0..KEYRING_MAX */
	unsigned char	 key[KEYRING_MAX][CRYPTO_KEY_LEN];
	char		 id[KEYRING_MAX][KEY_ID_LEN + 1];
	int		 seal;   /* index of the key that seals; -1: secrets are off */
	int		 also;   /* index of a key that seals a second copy, or -1 */
	int		 checked; /* the database said these keys open what it holds */
	/* Why secrets are off (seal < 0), for /healthz and errors: "" otherwise. */
	char		 problem[200];
};

/* One value sealed by sealed_seal: texts on the arena or in the ring. */
struct sealing {
	const char	*key_id;
	const char	*hex;
	const char	*prev_key_id;   /* NULL: no second sealing */
	const char	*prev_hex;
};

void	key_fingerprint(const unsigned char key[CRYPTO_KEY_LEN], char out[KEY_ID_LEN + 1]);
enum key_file_status keyring_load(struct keyring *, const char *path, char *why,
	    size_t whysz);
int	keyring_add(struct keyring *, const unsigned char key[CRYPTO_KEY_LEN]);
int	keyring_find(const struct keyring *, const char *id);
int	keyring_same(const struct keyring *, const struct keyring *);
int	keyring_write(const char *path, const struct keyring *, char *why, size_t whysz);
void	keyring_wipe(struct keyring *);

int	sealed_seal(const struct keyring *, struct arena *, const char *scope,
	    const char *name, const void *plain, size_t n, struct sealing *out);
int	sealed_open(const struct keyring *, const char *scope, const char *name,
	    const char *key_id, const char *hex, const char *prev_key_id,
	    const char *prev_hex, unsigned char *out, size_t outsz, char *why,
	    size_t whysz);
struct json_object *sealed_open_all(const struct keyring *, const char *scope,
	    const char *sealed_json, char *why, size_t whysz);

#endif
