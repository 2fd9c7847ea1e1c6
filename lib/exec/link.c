/*
 * Approval links: who holds one may answer its intervention without an API
 * key (as Windmill's approval tokens and n8n's resume URLs let people do).
 * A link's token is "<interventionId>.<expires>.<mac>", the mac an
 * HMAC-SHA256 of the id and expiry under a key kept in the database
 * (exec_keys, made at first use), so a token can be made again for whoever
 * may see the intervention and nobody can make one up. It dies with its
 * expiry, and with the intervention's answer: an intervention is answered
 * once, and a link counts as one approver.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "crypto.h"
#include "db.h"
#include "exec.h"
#include "runkit.h"

#define MAC_HEX	32   /* 128 bits of the HMAC, in hex */

/* The link key of this program's schema (made at first use). 0 or -1. */
int
exec_link_key(struct db *db, struct arena *a, unsigned char key[32])
{
	unsigned char fresh[32];
	char hex[2 * 32 + 3] = "\\x";
	const char *params[2] = { "links", hex };
	PGresult *res;
	int rc = -1;

	if (crypto_random(fresh, sizeof(fresh)) == -1)
		return -1;
	crypto_hex_encode(fresh, sizeof(fresh), hex + 2, sizeof(hex) - 2);
	if ((res = db_query(db, a, Q_EXEC_KEY_GET, 2, params)) != NULL && db_ok(res) &&
	    PQntuples(res) == 1 && crypto_hex_decode(PQgetvalue(res, 0, 0),
	    (size_t)PQgetlength(res, 0, 0), key, 32) == 32)
		rc = 0;
	crypto_wipe(fresh, sizeof(fresh));
	crypto_wipe(hex, sizeof(hex));
	return rc;
}

static void
mac_of(const unsigned char key[32], const char *id, long long expires, char out[MAC_HEX + 1])
{
	unsigned char mac[CRYPTO_SHA256_LEN];
	char msg[128];
	int n = snprintf(msg, sizeof(msg), "approval-link:%s.%lld", id, expires);

	crypto_hmac_sha256(key, 32, msg, (size_t)n, mac);
	crypto_hex_encode(mac, MAC_HEX / 2, out, MAC_HEX + 1);
}

/*
 * The URL of intervention id's link under base (ORX_PUBLIC_URL and a path
 * prefix such as "/approve/"), valid until expires (Unix seconds), on the
 * arena; NULL when the link key cannot be read. The key is read once per
 * worker into kit.
 */
const char *
exec_link_url(struct run_kit *kit, struct db *db, struct arena *a, const char *base,
    const char *id, long long expires)
{
	char token[EXEC_LINK_TOKEN_MAX];

	if (!kit->have_link_key && exec_link_key(db, a, kit->link_key) == 0)
		kit->have_link_key = 1;
	if (!kit->have_link_key)
		return NULL;
	exec_link_token(kit->link_key, id, expires, token, sizeof(token));
	return arena_printf(a, "%s%s", base, token);
}

/* The token of intervention id's link, valid until expires (Unix seconds). */
void
exec_link_token(const unsigned char key[32], const char *id, long long expires,
    char *out, size_t outsz)
{
	char mac[MAC_HEX + 1];

	mac_of(key, id, expires, mac);
	snprintf(out, outsz, "%s.%lld.%s", id, expires, mac);
}

/*
 * Checks token: its mac, and that it has not expired. Returns 0 with the
 * intervention's id in id, or -1 (malformed, forged, expired).
 */
int
exec_link_parse(const unsigned char key[32], const char *token, char *id, size_t idsz)
{
	const char *dot1, *dot2;
	char want[MAC_HEX + 1], *end;
	long long expires;
	size_t idlen;

	if (token == NULL || strlen(token) >= EXEC_LINK_TOKEN_MAX ||
	    (dot1 = strchr(token, '.')) == NULL || (dot2 = strchr(dot1 + 1, '.')) == NULL)
		return -1;
	idlen = (size_t)(dot1 - token);
	if (idlen + 1 > idsz || idlen < 12 || strncmp(token, "int_", 4) != 0 ||
	    strspn(token + 4, "abcdefghijklmnopqrstuvwxyz234567") != idlen - 4 ||
	    strlen(dot2 + 1) != MAC_HEX)
		return -1;
	expires = strtoll(dot1 + 1, &end, 10);
	if (end != dot2 || expires <= 0)
		return -1;
	memcpy(id, token, idlen);
	id[idlen] = '\0';
	mac_of(key, id, expires, want);
	if (!crypto_timingsafe_eq(want, dot2 + 1, MAC_HEX))
		return -1;
	if (expires < (long long)time(NULL))
		return -1;
	return 0;
}
