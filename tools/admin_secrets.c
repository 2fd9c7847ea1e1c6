/*
 * orx-admin secrets: the secrets key (ORX_SECRET_KEY_FILE) against the
 * database's sealed values, in every schema that seals them (public: the
 * workflow secrets of Orchestrix; archestra: the agent secrets of the
 * bundled runtime; lib/db/sealkey.h).
 *
 *   secrets init          make the key file if it is missing and nothing
 *                         was ever sealed; otherwise check it (as status)
 *   secrets status        the key file against the database; exit 1 when a
 *                         program would refuse to start with it
 *   secrets rotate        a new key; every sealed value re-sealed under it,
 *                         and again under the key it replaces, in one
 *                         transaction; the file keeps both keys, so that
 *                         workers that have not reloaded (SIGHUP) still
 *                         open everything
 *   secrets forget --yes  discard every sealed value and the key's record,
 *                         for a key that is lost for good
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "arena.h"
#include "config.h"
#include "crypto.h"
#include "db.h"
#include "sealed.h"
#include "sealkey.h"

#define MAX_SCHEMAS	2

struct schemas {
	int		 n;
	const char	*name[MAX_SCHEMAS];
};

static const char *
what_of(const char *schema)
{
	return strcmp(schema, "archestra") == 0 ? "agent secrets" : "workflow secrets";
}

static int
exec_sql(struct db *d, const char *sql)
{
	PGresult *r = PQexec(d->conn, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK;

	if (!ok)
		fprintf(stderr, "orx-admin: %s: %s", sql, PQerrorMessage(d->conn));
	PQclear(r);
	return ok ? 0 : -1;
}

/* Points the connection at schema (one of the closed set sealed_schemas reads). */
static int
use_schema(struct db *d, const char *schema, int local)
{
	char sql[80];

	snprintf(sql, sizeof(sql), "set %ssearch_path to %s", local ? "local " : "",
	    strcmp(schema, "archestra") == 0 ? "archestra" : "public");
	return exec_sql(d, sql);
}

static int
schemas_read(struct db *d, struct arena *a, struct schemas *s)
{
	PGresult *r = db_query(d, a, Q_SEALED_SCHEMAS, 0, NULL);

	s->n = 0;
	if (r == NULL || !db_ok(r)) {
		fprintf(stderr, "orx-admin: %s\n", r ? PQresultErrorMessage(r) :
		    "the database is unreachable");
		return -1;
	}
	for (int i = 0; i < PQntuples(r) && s->n < MAX_SCHEMAS; i++)
		s->name[s->n++] = arena_strdup(a, PQgetvalue(r, i, 0));
	if (s->n == 0) {
		fprintf(stderr, "orx-admin: the database has no secrets tables: "
		    "run orx-admin migrate first\n");
		return -1;
	}
	return 0;
}

/*
 * Checks the key file against each schema (adopting values sealed before
 * keys were recorded when adopt), printing what it finds (but "nothing was
 * ever sealed" when adopt: init then makes the key and says so). *none is
 * set when every schema said SEALKEY_NONE. Returns 0 when a program would
 * start with this file, else 1.
 */
static int
check(struct db *d, struct arena *a, const struct schemas *s, struct keyring *ring,
    const struct key_file *kf, int adopt, int *none)
{
	char msg[1200];
	int rc = 0;

	*none = 1;
	for (int i = 0; i < s->n; i++) {
		enum sealkey_verdict v;

		if (use_schema(d, s->name[i], 0) == -1)
			return 1;
		v = sealkey_verify(d, a, ring, kf, what_of(s->name[i]), adopt, msg, sizeof(msg));
		if (v != SEALKEY_NONE)
			*none = 0;
		if (v == SEALKEY_NONE && adopt)
			continue;
		if (v == SEALKEY_OK || v == SEALKEY_NONE)
			printf("%s: %s\n", what_of(s->name[i]), msg);
		else {
			fprintf(stderr, "orx-admin: %s: %s\n", what_of(s->name[i]), msg);
			rc = 1;
		}
	}
	return rc;
}

/* secrets init and secrets status. */
static int
cmd_check(struct db *d, struct arena *a, const char *path, int init)
{
	struct keyring ring;
	struct key_file kf;
	struct schemas s;
	unsigned char key[CRYPTO_KEY_LEN];
	char why[200];
	int none, rc;

	if (schemas_read(d, a, &s) == -1)
		return 1;
	key_file_read(&kf, path, &ring);
	rc = check(d, a, &s, &ring, &kf, init, &none);
	if (rc == 0 && init && none && kf.status == KEY_FILE_MISSING) {
		/* Only for a database that never sealed anything. */
		if (crypto_random(key, sizeof(key)) == -1 || keyring_add(&ring, key) != 0 ||
		    keyring_write(path, &ring, why, sizeof(why)) == -1) {
			fprintf(stderr, "orx-admin: %s: cannot write a new key: %s\n", path, why);
			rc = 1;
		} else
			printf("made a new secrets key in %s (key %.*s): no secret was ever "
			    "sealed in this database\n", path, KEY_ID_SHORT, ring.id[0]);
		crypto_wipe(key, sizeof(key));
	} else if (rc == 0 && init && kf.status != KEY_FILE_OK && kf.status != KEY_FILE_MISSING) {
		fprintf(stderr, "orx-admin: %s: %s; fix it or move it away (nothing is sealed "
		    "yet, so a new key may be made then)\n", path, kf.why);
		rc = 1;
	}
	keyring_wipe(&ring);
	return rc;
}

/*
 * Re-seals every value of the connection's schema under nr (its first key,
 * and again under its second), opening each with ring. Returns the number
 * re-sealed, or -1 (said).
 */
static long
reseal_schema(struct db *d, struct arena *a, const struct keyring *ring,
    const struct keyring *nr)
{
	PGresult *r = db_query(d, a, Q_SEALED_ALL, 0, NULL);
	long n = 0;

	if (r == NULL || !db_ok(r)) {
		fprintf(stderr, "orx-admin: reading sealed values: %s\n",
		    r ? PQresultErrorMessage(r) : "the database is unreachable");
		return -1;
	}
	for (int i = 0; i < PQntuples(r); i++) {
		const char *scope = PQgetvalue(r, i, 0), *name = PQgetvalue(r, i, 1);
		size_t cap = strlen(PQgetvalue(r, i, 3)) / 2 + 1;
		unsigned char *plain = arena_alloc(a, cap);
		struct sealing sg;
		char why[200];
		int pl = sealed_open(ring, scope, name, PQgetvalue(r, i, 2), PQgetvalue(r, i, 3),
		    PQgetvalue(r, i, 4), PQgetvalue(r, i, 5), plain, cap, why, sizeof(why));

		if (pl < 0) {
			fprintf(stderr, "orx-admin: the secret %s of %s does not open: %s\n",
			    name, scope, why);
			return -1;
		}
		int sealed = sealed_seal(nr, a, scope, name, plain, (size_t)pl, &sg);
		crypto_wipe(plain, cap);
		if (sealed == -1) {
			fprintf(stderr, "orx-admin: sealing failed\n");
			return -1;
		}
		const char *p[6] = { scope, name, sg.hex, sg.key_id, sg.prev_hex, sg.prev_key_id };
		PGresult *u = db_query(d, a, Q_SEALED_RESEAL, 6, p);
		if (u == NULL || !db_ok(u)) {
			fprintf(stderr, "orx-admin: re-sealing %s of %s: %s\n", name, scope,
			    u ? PQresultErrorMessage(u) : "the database is unreachable");
			return -1;
		}
		n++;
	}
	return n;
}

/* secrets rotate. */
static int
cmd_rotate(struct db *d, struct arena *a, const char *path)
{
	struct keyring ring, pending, final, nr;
	struct key_file kf;
	struct schemas s;
	unsigned char key[CRYPTO_KEY_LEN];
	int cur[MAX_SCHEMAS], rc = 1, begun = 0, written = 0;
	long count[MAX_SCHEMAS] = { 0, 0 };
	char why[200];

	keyring_wipe(&pending);
	keyring_wipe(&final);
	keyring_wipe(&nr);
	if (schemas_read(d, a, &s) == -1)
		return 1;
	if (key_file_read(&kf, path, &ring) != KEY_FILE_OK) {
		fprintf(stderr, "orx-admin: %s: %s: nothing to rotate\n", path, ring.problem);
		return 1;
	}
	if (ring.n >= KEYRING_MAX) {
		fprintf(stderr, "orx-admin: %s holds %d keys already: a rotation was cut short "
		    "more than once; see orx-admin secrets status\n", path, ring.n);
		goto out;
	}
	/* Each schema's key first, as a program would check it at start. */
	for (int i = 0; i < s.n; i++) {
		int none;
		struct schemas single = { 1, { s.name[i] } };

		if (check(d, a, &single, &ring, &kf, 1, &none) != 0)
			goto out;
		cur[i] = ring.seal;
	}
	if (crypto_random(key, sizeof(key)) == -1)
		goto out;
	/* Until the commit, the file holds the new key and every old one:
	 * whatever happens, it opens what the database holds. */
	keyring_add(&pending, key);
	keyring_add(&final, key);
	for (int k = 0; k < ring.n; k++)
		keyring_add(&pending, ring.key[k]);
	if (db_begin(d) == -1)
		goto out;
	begun = 1;
	for (int i = 0; i < s.n; i++) {
		PGresult *r;

		if (use_schema(d, s.name[i], 1) == -1 ||
		    (r = db_query(d, a, Q_SECRETS_KEY_LOCK, 0, NULL)) == NULL || !db_ok(r))
			goto out;
		if (PQntuples(r) == 0)
			continue;  /* nothing ever sealed here */
		if (keyring_find(&ring, PQgetvalue(r, 0, 0)) != cur[i]) {
			fprintf(stderr, "orx-admin: the %s' key changed meanwhile; try again\n",
			    what_of(s.name[i]));
			goto out;
		}
		keyring_wipe(&nr);
		keyring_add(&nr, key);
		nr.seal = 0;
		nr.also = keyring_add(&nr, ring.key[cur[i]]);
		keyring_add(&final, ring.key[cur[i]]);
		if ((count[i] = reseal_schema(d, a, &ring, &nr)) < 0)
			goto out;
		const char *p[2] = { nr.id[0], nr.id[1] };
		if ((r = db_query(d, a, Q_SECRETS_KEY_ROTATE, 2, p)) == NULL || !db_ok(r))
			goto out;
	}
	if (keyring_write(path, &pending, why, sizeof(why)) == -1) {
		fprintf(stderr, "orx-admin: %s: %s; nothing changed\n", path, why);
		goto out;
	}
	written = 1;
	if (db_commit(d) == -1) {
		fprintf(stderr, "orx-admin: the database did not commit the rotation\n");
		begun = 0;
		goto out;
	}
	begun = 0;
	/* Committed: the keys the database no longer needs leave the file. */
	if (keyring_write(path, &final, why, sizeof(why)) == -1)
		fprintf(stderr, "orx-admin: %s: %s: it still holds the keys before this "
		    "rotation too, which is safe\n", path, why);
	for (int i = 0; i < s.n; i++)
		printf("rotated: %ld %s re-sealed under key %.*s\n", count[i],
		    what_of(s.name[i]), KEY_ID_SHORT, final.id[0]);
	printf("the key it replaced stays in %s, so that workers that have not reloaded\n"
	    "still open every secret: reload the programs (SIGHUP) to seal with the new one\n",
	    path);
	rc = 0;
out:
	if (begun) {
		db_rollback(d);
		if (written && keyring_write(path, &ring, why, sizeof(why)) == -1)
			fprintf(stderr, "orx-admin: %s: %s: it holds the new key besides the "
			    "old ones, which is safe\n", path, why);
	}
	crypto_wipe(key, sizeof(key));
	keyring_wipe(&ring);
	keyring_wipe(&pending);
	keyring_wipe(&final);
	keyring_wipe(&nr);
	return rc;
}

/* secrets forget [--yes]. */
static int
cmd_forget(struct db *d, struct arena *a, int yes)
{
	struct schemas s;
	long count[MAX_SCHEMAS] = { 0, 0 };
	PGresult *r;

	if (schemas_read(d, a, &s) == -1)
		return 1;
	if (!yes) {
		fprintf(stderr, "orx-admin: this discards every sealed secret (workflow and "
		    "agent secrets) for good; run `orx-admin secrets forget --yes` to do it\n");
		return 1;
	}
	if (db_begin(d) == -1)
		return 1;
	for (int i = 0; i < s.n; i++) {
		r = NULL;
		if (use_schema(d, s.name[i], 1) == 0 &&
		    (r = db_query(d, a, Q_SEALED_FORGET, 0, NULL)) != NULL && db_ok(r)) {
			count[i] = atol(PQgetvalue(r, 0, 0));
			r = db_query(d, a, Q_SECRETS_KEY_FORGET, 0, NULL);
		}
		if (r == NULL || !db_ok(r)) {
			db_rollback(d);
			fprintf(stderr, "orx-admin: nothing was discarded: %s\n",
			    r ? PQresultErrorMessage(r) : "the database is unreachable");
			return 1;
		}
	}
	if (db_commit(d) == -1) {
		fprintf(stderr, "orx-admin: nothing was discarded: the commit failed\n");
		return 1;
	}
	for (int i = 0; i < s.n; i++)
		printf("discarded %ld %s\n", count[i], what_of(s.name[i]));
	printf("the database records no secrets key now: set the secrets again (and "
	    "redeploy the agents that need them); a missing key file is made anew\n");
	return 0;
}

int
admin_secrets(struct db *d, struct arena *a, int argc, char **argv)
{
	struct config cfg;
	char err[256];
	int rc = 2;

	if (argc < 1)
		return -1;
	if (config_load(&cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "orx-admin: configuration: %s\n", err);
		config_free(&cfg);
		return 1;
	}
	const char *path = config_get(&cfg, CFG_SECRET_KEY_FILE);
	if (strcmp(argv[0], "init") == 0 && argc == 1)
		rc = cmd_check(d, a, path, 1);
	else if (strcmp(argv[0], "status") == 0 && argc == 1)
		rc = cmd_check(d, a, path, 0);
	else if (strcmp(argv[0], "rotate") == 0 && argc == 1)
		rc = cmd_rotate(d, a, path);
	else if (strcmp(argv[0], "forget") == 0 && (argc == 1 ||
	    (argc == 2 && strcmp(argv[1], "--yes") == 0)))
		rc = cmd_forget(d, a, argc == 2);
	else
		rc = -1;
	config_free(&cfg);
	return rc;
}
