/*
 * Secrets at rest (lib/base/sealed.h): key files, key rings, sealing and
 * opening.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "crypto.h"
#include "sealed.h"

/* Bytes of a key file read at most: a few keys and comments. */
#define KEY_FILE_MAX	4096
/* Largest value sealed (callers refuse bigger ones first). */
#define SEALED_MAX	65536

/* What the fingerprint authenticates: changing it changes every fingerprint. */
static const char fingerprint_label[] = "orchestrix secrets key fingerprint v1";

const char *const key_file_status_names[KEY_FILE__MAX] = {
	"ok", "missing", "unreadable", "malformed",
};

void
key_fingerprint(const unsigned char key[CRYPTO_KEY_LEN], char out[KEY_ID_LEN + 1])
{
	unsigned char mac[CRYPTO_SHA256_LEN];

	if (crypto_hmac_sha256(key, CRYPTO_KEY_LEN, fingerprint_label,
	    sizeof(fingerprint_label) - 1, mac) == -1 ||
	    crypto_hex_encode(mac, sizeof(mac), out, KEY_ID_LEN + 1) == -1)
		abort();  /* HMAC-SHA256 of a constant cannot fail but for no memory */
}

/* Adds key (if the ring holds neither it nor KEYRING_MAX keys): its index, or -1. */
int
keyring_add(struct keyring *r, const unsigned char key[CRYPTO_KEY_LEN])
{
	char id[KEY_ID_LEN + 1];
	int i;

	key_fingerprint(key, id);
	if ((i = keyring_find(r, id)) >= 0)
		return i;
	if (r->n >= KEYRING_MAX)
		return -1;
	memcpy(r->key[r->n], key, CRYPTO_KEY_LEN);
	memcpy(r->id[r->n], id, sizeof(id));
	return r->n++;
}

/* The index of the key whose fingerprint is id, or -1. */
int
keyring_find(const struct keyring *r, const char *id)
{
	if (id == NULL || strlen(id) != KEY_ID_LEN)
		return -1;
	for (int i = 0; i < r->n; i++)
		if (strcmp(r->id[i], id) == 0)
			return i;
	return -1;
}

/* 1 if both rings hold the same keys in the same order. */
int
keyring_same(const struct keyring *a, const struct keyring *b)
{
	if (a->n != b->n)
		return 0;
	for (int i = 0; i < a->n; i++)
		if (strcmp(a->id[i], b->id[i]) != 0)
			return 0;
	return 1;
}

void
keyring_wipe(struct keyring *r)
{
	crypto_wipe(r, sizeof(*r));
	r->seal = r->also = -1;
}

/* Reads at most KEY_FILE_MAX bytes of path into buf (NUL-terminated). */
static enum key_file_status
read_key_file(const char *path, char *buf, size_t bufsz, char *why, size_t whysz)
{
	ssize_t n;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd == -1) {
		snprintf(why, whysz, "%s", strerror(errno));
		return errno == ENOENT ? KEY_FILE_MISSING : KEY_FILE_UNREADABLE;
	}
	while (got < bufsz - 1 && (n = read(fd, buf + got, bufsz - 1 - got)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(why, whysz, "%s", strerror(errno));
			close(fd);
			return KEY_FILE_UNREADABLE;
		}
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	if (got == bufsz - 1) {
		snprintf(why, whysz, "longer than %zu bytes", bufsz - 2);
		return KEY_FILE_MALFORMED;
	}
	return KEY_FILE_OK;
}

/*
 * Loads the keys of the file at path into r (emptied first; seal is the
 * first key, also none). Returns KEY_FILE_OK, or another status with the
 * reason in why (r is then empty).
 */
enum key_file_status
keyring_load(struct keyring *r, const char *path, char *why, size_t whysz)
{
	char buf[KEY_FILE_MAX + 1], *line, *save = NULL;
	unsigned char key[CRYPTO_KEY_LEN];
	enum key_file_status st;
	int lineno = 0;

	keyring_wipe(r);
	why[0] = '\0';
	if ((st = read_key_file(path, buf, sizeof(buf), why, whysz)) != KEY_FILE_OK)
		goto out;
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		size_t len = strlen(line);

		lineno++;
		while (len > 0 && strchr(" \t\r", line[len - 1]) != NULL)
			line[--len] = '\0';
		while (*line == ' ' || *line == '\t')
			line++;
		if (*line == '\0' || *line == '#')
			continue;
		if (crypto_key_from_hex(line, key) == -1) {
			snprintf(why, whysz, "line %d is not a key (64 hex digits)", lineno);
			st = KEY_FILE_MALFORMED;
			goto out;
		}
		if (keyring_add(r, key) == -1) {
			snprintf(why, whysz, "more than %d keys", KEYRING_MAX);
			st = KEY_FILE_MALFORMED;
			goto out;
		}
	}
	if (r->n == 0) {
		snprintf(why, whysz, "it holds no key");
		st = KEY_FILE_MALFORMED;
	}
out:
	crypto_wipe(buf, sizeof(buf));
	crypto_wipe(key, sizeof(key));
	if (st != KEY_FILE_OK)
		keyring_wipe(r);
	else
		r->seal = 0;
	return st;
}

/*
 * Writes r's keys to path, first to path.new (mode 0600, synced), then
 * renamed over path, and the folder synced: a crash leaves the old file or
 * the new one, never a part. Returns 0, or -1 with the reason in why.
 */
int
keyring_write(const char *path, const struct keyring *r, char *why, size_t whysz)
{
	char tmp[PATH_MAX], dir[PATH_MAX], hex[HEX_ENCODED_LEN(CRYPTO_KEY_LEN) + 1];
	static const char head[] =
	    "# Orchestrix secrets keys (ORX_SECRET_KEY_FILE): the first seals, the\n"
	    "# others still open what was sealed before the last rotation. Losing\n"
	    "# this file loses every sealed secret: keep it in your backups.\n";
	int fd = -1, rc = -1;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.new", path) >= sizeof(tmp) ||
	    (size_t)snprintf(dir, sizeof(dir), "%s", path) >= sizeof(dir)) {
		snprintf(why, whysz, "the path is too long");
		return -1;
	}
	(void)unlink(tmp);  /* left by a write that did not finish */
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) == -1)
		goto fail;
	if (write(fd, head, sizeof(head) - 1) != (ssize_t)sizeof(head) - 1)
		goto fail;
	for (int i = 0; i < r->n; i++) {
		crypto_hex_encode(r->key[i], CRYPTO_KEY_LEN, hex, sizeof(hex));
		hex[HEX_ENCODED_LEN(CRYPTO_KEY_LEN)] = '\n';
		if (write(fd, hex, sizeof(hex)) != (ssize_t)sizeof(hex))
			goto fail;
	}
	if (fsync(fd) == -1 || close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) == -1)
		goto fail;
	if ((fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(fd);
		close(fd);
	}
	fd = -1;
	rc = 0;
fail:
	if (rc == -1) {
		snprintf(why, whysz, "%s", strerror(errno));
		if (fd != -1)
			close(fd);
		(void)unlink(tmp);
	}
	crypto_wipe(hex, sizeof(hex));
	return rc;
}

/* The hex of n bytes of plain sealed under key, on the arena; NULL on failure. */
static const char *
seal_hex(const unsigned char *key, struct arena *a, const char *aad,
    const void *plain, size_t n)
{
	unsigned char *sealed = arena_alloc(a, n + CRYPTO_SEAL_OVERHEAD);
	char *hex = arena_alloc(a, HEX_ENCODED_LEN(n + CRYPTO_SEAL_OVERHEAD) + 1);
	int sl = crypto_seal(key, plain, n, aad, strlen(aad), sealed,
	    n + CRYPTO_SEAL_OVERHEAD);

	if (sl < 0 || crypto_hex_encode(sealed, (size_t)sl, hex,
	    HEX_ENCODED_LEN(n + CRYPTO_SEAL_OVERHEAD) + 1) < 0)
		return NULL;
	return hex;
}

/*
 * Seals n bytes of plain as secret name of scope under the ring's sealing
 * key and, when it has one, a second time under its also key. Returns 0
 * with out filled (texts on the arena or in the ring), or -1 (no sealing
 * key, a value over SEALED_MAX, no randomness).
 */
int
sealed_seal(const struct keyring *r, struct arena *a, const char *scope,
    const char *name, const void *plain, size_t n, struct sealing *out)
{
	const char *aad = arena_printf(a, "%s/%s", scope, name);

	memset(out, 0, sizeof(*out));
	if (r == NULL || r->seal < 0 || r->seal >= r->n || n > SEALED_MAX)
		return -1;
	out->key_id = r->id[r->seal];
	if ((out->hex = seal_hex(r->key[r->seal], a, aad, plain, n)) == NULL)
		return -1;
	if (r->also >= 0 && r->also < r->n && r->also != r->seal) {
		out->prev_key_id = r->id[r->also];
		if ((out->prev_hex = seal_hex(r->key[r->also], a, aad, plain, n)) == NULL)
			return -1;
	}
	return 0;
}

/* Opens one sealing (hex) with the key at index k: the length, or -1. */
static int
open_hex(const struct keyring *r, int k, const char *aad, const char *hex,
    unsigned char *out, size_t outsz)
{
	size_t hl = strlen(hex);
	unsigned char *sealed;
	int sl, pl;

	if (hl / 2 > SEALED_MAX + CRYPTO_SEAL_OVERHEAD || (sealed = malloc(hl / 2 + 1)) == NULL)
		return -1;
	sl = crypto_hex_decode(hex, hl, sealed, hl / 2 + 1);
	pl = sl < 0 ? -1 : crypto_open(r->key[k], sealed, (size_t)sl, aad, strlen(aad),
	    out, outsz);
	free(sealed);
	return pl;
}

static const char *
short_id(const char *id, char buf[KEY_ID_SHORT + 1])
{
	snprintf(buf, KEY_ID_SHORT + 1, "%s", id != NULL && *id != '\0' ? id : "?");
	return buf;
}

/*
 * Opens secret name of scope, sealed as hex under the key key_id and maybe
 * also as prev_hex under prev_key_id, with whichever of them the ring
 * holds. A value without a key_id (sealed before keys were named) is tried
 * with every key. Returns the plaintext's length in out, or -1 with the
 * reason in why (a key the ring does not hold, a sealing that does not
 * open: another key of the same name is impossible, so tampering).
 */
int
sealed_open(const struct keyring *r, const char *scope, const char *name,
    const char *key_id, const char *hex, const char *prev_key_id,
    const char *prev_hex, unsigned char *out, size_t outsz, char *why, size_t whysz)
{
	char aad[200], s1[KEY_ID_SHORT + 1], s2[KEY_ID_SHORT + 1];
	const char *use, *used_id;
	int k, pl = -1;

	snprintf(aad, sizeof(aad), "%s/%s", scope, name);
	if (r == NULL || r->n == 0) {
		snprintf(why, whysz, "no secrets key is loaded%s%s",
		    r != NULL && r->problem[0] ? ": " : "", r != NULL ? r->problem : "");
		return -1;
	}
	if (key_id == NULL || *key_id == '\0') {
		for (k = 0; k < r->n && pl < 0; k++)
			pl = open_hex(r, k, aad, hex ? hex : "", out, outsz);
		if (pl < 0)
			snprintf(why, whysz, "it opens with no key loaded");
		return pl;
	}
	if ((k = keyring_find(r, key_id)) >= 0) {
		use = hex;
		used_id = key_id;
	} else if (prev_hex != NULL && *prev_hex != '\0' &&
	    (k = keyring_find(r, prev_key_id)) >= 0) {
		use = prev_hex;
		used_id = prev_key_id;
	} else {
		int two = prev_key_id != NULL && *prev_key_id != '\0';

		snprintf(why, whysz, "sealed under key %s%s%s%s, which is not loaded",
		    short_id(key_id, s1), two ? " (and " : "",
		    two ? short_id(prev_key_id, s2) : "", two ? ")" : "");
		return -1;
	}
	if ((pl = open_hex(r, k, aad, use ? use : "", out, outsz)) < 0)
		snprintf(why, whysz, "it does not open with key %s (tampered?)",
		    short_id(used_id, s1));
	return pl;
}

/*
 * Opens the sealed secrets of scope, given as [[name, key_id, hex,
 * prev_key_id, prev_hex], ...] (the queries' sealed_of). Returns a new
 * object {name: value}; or NULL when one does not open, with the key's
 * trouble in why: a run must not go on as if a secret that is set were not.
 */
struct json_object *
sealed_open_all(const struct keyring *r, const char *scope, const char *sealed_json,
    char *why, size_t whysz)
{
	struct json_object *out = json_object_new_object();
	struct json_object *arr = json_tokener_parse(sealed_json ? sealed_json : "[]");
	size_t n = json_object_is_type(arr, json_type_array) ?
	    json_object_array_length(arr) : 0;

	for (size_t i = 0; i < n && out != NULL; i++) {
		struct json_object *row = json_object_array_get_idx(arr, i);
#define COL(c) json_object_get_string(json_object_array_get_idx(row, (c)))
		const char *name = COL(0), *hex = COL(2);
		size_t cap = hex ? strlen(hex) / 2 + 1 : 1;
		unsigned char *plain = malloc(cap);
		char reason[160];
		int pl;

		if (plain == NULL)
			abort();
		pl = name == NULL ? -1 : sealed_open(r, scope, name, COL(1), hex, COL(3), COL(4),
		    plain, cap, reason, sizeof(reason));
#undef COL
		if (pl >= 0)
			json_object_object_add(out, name,
			    json_object_new_string_len((const char *)plain, pl));
		else {
			snprintf(why, whysz, "%s", name ? reason : "a malformed row");
			json_object_put(out);
			out = NULL;
		}
		crypto_wipe(plain, cap);
		free(plain);
	}
	json_object_put(arr);
	return out;
}
