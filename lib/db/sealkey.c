/*
 * The secrets key against the database (lib/db/sealkey.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "clock.h"
#include "crypto.h"
#include "db.h"
#include "log.h"
#include "sealkey.h"

/* How long a master waits for the database to check its key at start. */
#define VERIFY_WAIT_MS	3000

const char *const sealkey_verdict_names[SEALKEY__MAX] = {
	"ok", "none", "refused", "unchecked",
};

/* What to do about a refusal, at the end of every refusal message. */
#define REMEDY	" Restore %s from a backup (make restore FILE=...), or discard every " \
		"sealed secret knowingly with `orx-admin secrets forget --yes`."

/*
 * Reads the key file at path into ring and says how in kf; when it holds
 * no key, ring->problem says why (without the path: /healthz shows it).
 */
enum key_file_status
key_file_read(struct key_file *kf, const char *path, struct keyring *ring)
{
	kf->path = path;
	kf->status = keyring_load(ring, path, kf->why, sizeof(kf->why));
	if (kf->status != KEY_FILE_OK)
		key_file_problem(kf, ring->problem, sizeof(ring->problem));
	return kf->status;
}

/* Why a key file gave no key, in a sentence without its path. */
void
key_file_problem(const struct key_file *kf, char *out, size_t outsz)
{
	switch (kf->status) {
	case KEY_FILE_MISSING:
		snprintf(out, outsz, "the secrets key (ORX_SECRET_KEY_FILE) is missing");
		break;
	case KEY_FILE_UNREADABLE:
		snprintf(out, outsz, "the secrets key (ORX_SECRET_KEY_FILE) cannot be read: %s",
		    kf->why);
		break;
	case KEY_FILE_MALFORMED:
		snprintf(out, outsz, "the secrets key (ORX_SECRET_KEY_FILE) is not a key file: %s",
		    kf->why);
		break;
	default:
		out[0] = '\0';
	}
}

/* The key file, as the start of a refusal: "the secrets key file X is missing". */
static int
describe_file(const struct key_file *kf, const struct keyring *ring, char *out, size_t outsz)
{
	switch (kf->status) {
	case KEY_FILE_MISSING:
		return snprintf(out, outsz, "the secrets key file %s is missing", kf->path);
	case KEY_FILE_UNREADABLE:
		return snprintf(out, outsz, "the secrets key file %s cannot be read (%s)",
		    kf->path, kf->why);
	case KEY_FILE_MALFORMED:
		return snprintf(out, outsz, "the secrets key file %s is not a key file (%s)",
		    kf->path, kf->why);
	default:
		return snprintf(out, outsz, "the secrets key file %s does not match: it holds "
		    "key %.*s", kf->path, KEY_ID_SHORT, ring->n > 0 ? ring->id[0] : "?");
	}
}

/* "1 workflow secret", "3 workflow secrets" (what is plural), on the arena. */
static const char *
count_of(struct arena *a, long long n, const char *what)
{
	size_t len = strlen(what);

	if (n == 1 && len > 1 && what[len - 1] == 's')
		return arena_printf(a, "1 %.*s", (int)len - 1, what);
	return arena_printf(a, "%lld %s", n, what);
}

/* "{id,id}": the ring's fingerprints as a PostgreSQL text array. */
static const char *
ring_ids(struct arena *a, const struct keyring *ring)
{
	char *s = arena_alloc(a, (size_t)ring->n * (KEY_ID_LEN + 1) + 3), *p = s;

	*p++ = '{';
	for (int i = 0; i < ring->n; i++) {
		if (i > 0)
			*p++ = ',';
		memcpy(p, ring->id[i], KEY_ID_LEN);
		p += KEY_ID_LEN;
	}
	*p++ = '}';
	*p = '\0';
	return s;
}

/*
 * Values sealed before keys were recorded (no key_id): the key of the ring
 * that opens them all is recorded for them (when adopt) in one transaction.
 * Returns SEALKEY_OK, SEALKEY_REFUSED (some do not open) or
 * SEALKEY_UNCHECKED, with msg set but on SEALKEY_OK.
 */
static enum sealkey_verdict
adopt_unnamed(struct db *db, struct arena *a, const struct keyring *ring,
    const struct key_file *kf, const char *what, int adopt, char *msg, size_t msgsz)
{
	PGresult *res;
	int k = -1, rows, bad = 0;

	if (db_begin(db) == -1 ||
	    (res = db_query(db, a, Q_SEALED_UNNAMED, 0, NULL)) == NULL || !db_ok(res)) {
		db_rollback(db);
		snprintf(msg, msgsz, "the database cannot be read to check the secrets key");
		return SEALKEY_UNCHECKED;
	}
	rows = PQntuples(res);
	for (int i = 0; i < rows; i++) {
		const char *hex = PQgetvalue(res, i, 2);
		size_t cap = strlen(hex) / 2 + 1;
		unsigned char *plain = arena_alloc(a, cap);
		char why[160];
		int opened = -1;

		/* The key that opened the others first: they share one. */
		for (int t = -1; t < ring->n && opened < 0; t++) {
			int j = t < 0 ? k : t;

			if (j >= 0 && sealed_open(ring, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
			    ring->id[j], hex, NULL, NULL, plain, cap, why, sizeof(why)) >= 0)
				opened = j;
		}
		crypto_wipe(plain, cap);
		if (opened < 0 || (k >= 0 && opened != k))
			bad++;
		else
			k = opened;
	}
	if (bad > 0 || k < 0) {
		db_rollback(db);
		snprintf(msg, msgsz, "%d of the database's %s sealed before keys were "
		    "recorded do not open with the key in %s." REMEDY, bad > 0 ? bad : rows,
		    count_of(a, rows, what), kf->path, kf->path);
		return SEALKEY_REFUSED;
	}
	if (!adopt) {
		db_rollback(db);
		return SEALKEY_OK;
	}
	const char *p[1] = { ring->id[k] };
	if ((res = db_query(db, a, Q_SEALED_ADOPT, 1, p)) == NULL || !db_ok(res) ||
	    db_commit(db) == -1) {
		db_rollback(db);
		snprintf(msg, msgsz, "the database cannot record the secrets key");
		return SEALKEY_UNCHECKED;
	}
	log_info("%s sealed before keys were recorded open with key %.*s: recorded",
	    count_of(a, rows, what), KEY_ID_SHORT, ring->id[k]);
	return SEALKEY_OK;
}

/*
 * Checks ring, read from the key file kf, against the database's sealed
 * values (called "what" in messages, e.g. "workflow secrets"). Values
 * sealed before keys were recorded are opened, and their key recorded when
 * adopt is set. On SEALKEY_OK, ring->seal is the key the database records
 * (or the file's first when nothing is sealed yet) and ring->also the
 * previous one when the ring holds it; msg says what was found. Otherwise
 * msg says what is wrong and, on a refusal, what to do about it.
 */
enum sealkey_verdict
sealkey_verify(struct db *db, struct arena *a, struct keyring *ring,
    const struct key_file *kf, const char *what, int adopt, char *msg, size_t msgsz)
{
	const char *p[1] = { ring_ids(a, ring) }, *cur, *prev;
	long long total, unnamed, foreign;
	char head[400];
	PGresult *res;
	int k = -1;

	for (int pass = 0;; pass++) {
		if ((res = db_query(db, a, Q_SECRETS_KEY_STATE, 1, p)) == NULL) {
			snprintf(msg, msgsz, "the database cannot be reached to check the secrets key");
			return SEALKEY_UNCHECKED;
		}
		if (!db_ok(res) || PQntuples(res) != 1) {
			snprintf(msg, msgsz, "the database cannot check the secrets key: %s",
			    PQresultErrorMessage(res));
			return SEALKEY_UNCHECKED;
		}
		cur = PQgetvalue(res, 0, 0);
		prev = PQgetvalue(res, 0, 1);
		total = atoll(PQgetvalue(res, 0, 2));
		unnamed = atoll(PQgetvalue(res, 0, 3));
		foreign = atoll(PQgetvalue(res, 0, 4));
		if (unnamed == 0 || ring->n == 0 || pass > 0)
			break;
		enum sealkey_verdict v = adopt_unnamed(db, a, ring, kf, what, adopt, msg, msgsz);
		if (v != SEALKEY_OK)
			return v;
		if (!adopt)
			break;
	}
	describe_file(kf, ring, head, sizeof(head));
	if (ring->n == 0 && (total > 0 || *cur != '\0')) {
		if (*cur != '\0')
			snprintf(msg, msgsz, "%s, but the database holds %s sealed under "
			    "key %.*s." REMEDY, head, count_of(a, total, what), KEY_ID_SHORT, cur,
			    kf->path);
		else
			snprintf(msg, msgsz, "%s, but the database holds %s." REMEDY, head,
			    count_of(a, total, what), kf->path);
		return SEALKEY_REFUSED;
	}
	if (ring->n == 0) {
		snprintf(msg, msgsz, "%s; no %s were ever sealed, so they are off until "
		    "there is a key", head, what);
		ring->checked = 1;
		return SEALKEY_NONE;
	}
	if (unnamed > 0 && !adopt) {
		/* adopt_unnamed has only looked: they all open with this ring. */
		ring->seal = 0;
		ring->also = -1;
		snprintf(msg, msgsz, "the key in %s opens the %s sealed before keys "
		    "were recorded (recorded at the next start)", kf->path,
		    count_of(a, unnamed, what));
		return SEALKEY_OK;
	}
	if (*cur != '\0' && (k = keyring_find(ring, cur)) < 0) {
		snprintf(msg, msgsz, "%s, but the database holds %s sealed under key "
		    "%.*s." REMEDY, head, count_of(a, total, what), KEY_ID_SHORT, cur,
		    kf->path);
		return SEALKEY_REFUSED;
	}
	if (foreign > 0) {
		snprintf(msg, msgsz, "%lld of the database's %s sealed under a key "
		    "that %s does not hold." REMEDY, foreign, count_of(a, total, what),
		    kf->path, kf->path);
		return SEALKEY_REFUSED;
	}
	if (*cur == '\0') {
		ring->seal = 0;
		ring->also = -1;
		snprintf(msg, msgsz, "no %s sealed yet; key %.*s will seal them", what,
		    KEY_ID_SHORT, ring->id[0]);
		ring->checked = 1;
		return SEALKEY_OK;
	}
	ring->seal = k;
	ring->also = (k = keyring_find(ring, prev)) >= 0 && k != ring->seal ? k : -1;
	ring->checked = 1;
	snprintf(msg, msgsz, "key %.*s opens the database's %s%s", KEY_ID_SHORT,
	    cur, count_of(a, total, what), ring->also >= 0 ?
	    " (its previous key opens them too)" : "");
	return SEALKEY_OK;
}

/*
 * A master's secrets key: ring, read from the key file kf, checked against
 * the database (conninfo, with options) on a connection of its own, waiting
 * up to VERIFY_WAIT_MS for it. Returns the verdict with msg as
 * sealkey_verify writes it; on SEALKEY_UNCHECKED the ring is the file's as
 * it stands (the database itself refuses a seal under a key it does not
 * record).
 */
enum sealkey_verdict
sealkey_check(const char *conninfo, const char *options, const char *app_name,
    const struct key_file *kf, const char *what, struct keyring *ring, char *msg,
    size_t msgsz)
{
	struct arena a;
	struct db db;
	enum sealkey_verdict v;
	long long until = mono_ms() + VERIFY_WAIT_MS;

	db_init(&db, conninfo, app_name);
	db_set_options(&db, options);
	arena_init(&a, 4096);
	for (;;) {
		v = sealkey_verify(&db, &a, ring, kf, what, 1, msg, msgsz);
		arena_reset(&a);
		/* Only an unreachable database is worth waiting for. */
		if (v != SEALKEY_UNCHECKED || db.conn != NULL || mono_ms() >= until)
			break;
		usleep(200000);
	}
	arena_free(&a);
	db_close(&db);
	return v;
}

/*
 * 1 if the database records a secrets key other than key_id (nor has it as
 * the previous one): why a seal under key_id stored nothing.
 */
int
sealkey_refused(struct db *db, struct arena *a, const char *key_id)
{
	PGresult *res = db_query(db, a, Q_SECRETS_KEY_GET, 0, NULL);

	return res != NULL && db_ok(res) && PQntuples(res) == 1 &&
	    strcmp(PQgetvalue(res, 0, 0), key_id) != 0 &&
	    strcmp(PQgetvalue(res, 0, 1), key_id) != 0;
}

/*
 * What /healthz says of the secrets key: NULL when all is well (or the
 * program holds no ring), else the cause, on the arena or in the ring.
 * *db_up is whether the database answered.
 */
const char *
sealkey_health(struct db *db, struct arena *a, const struct keyring *ring, int *db_up)
{
	PGresult *res = db_query(db, a, Q_SECRETS_KEY_GET, 0, NULL);
	const char *cur, *prev;

	*db_up = res != NULL && db_ok(res);
	if (!*db_up || ring == NULL)
		return NULL;
	if (ring->seal < 0)
		return ring->problem[0] != '\0' ? ring->problem : "no secrets key is loaded";
	if (PQntuples(res) != 1)
		return NULL;
	cur = PQgetvalue(res, 0, 0);
	prev = PQgetvalue(res, 0, 1);
	if (keyring_find(ring, cur) < 0 && keyring_find(ring, prev) < 0)
		return arena_printf(a, "the secrets key (ORX_SECRET_KEY_FILE) does not open the "
		    "database's secrets: they are sealed under key %.*s, which this program "
		    "does not hold", KEY_ID_SHORT, cur);
	if (strcmp(ring->id[ring->seal], cur) != 0 && strcmp(ring->id[ring->seal], prev) != 0)
		return arena_printf(a, "the secrets key this program seals with (%.*s) is no "
		    "longer the database's (%.*s): reload it (SIGHUP)", KEY_ID_SHORT,
		    ring->id[ring->seal], KEY_ID_SHORT, cur);
	return NULL;
}
