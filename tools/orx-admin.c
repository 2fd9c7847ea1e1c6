/*
 * orx-admin: the administrator's command.
 *
 *   orx-admin migrate [DIR]                 apply sql/migrations/NAME.sql once each
 *   orx-admin owner add ID [NAME]           create an owner
 *   orx-admin key create OWNER [SCOPES] [LABEL]
 *                                           print a new API key (shown once)
 *   orx-admin key revoke KEY_ID             revoke a key
 *   orx-admin key list                      list keys (never their secrets)
 *   orx-admin secrets init|status|rotate|forget [--yes]
 *                                           the secrets key (tools/admin_secrets.c)
 *
 * The database comes from DATABASE_URL (libpq syntax), as for the servers.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "arena.h"
#include "auth.h"
#include "db.h"

#define MIGRATION_LOCK	"7262001"

static int
usage(void)
{
	fputs("usage: orx-admin migrate [DIR]\n"
	    "       orx-admin owner add ID [NAME]\n"
	    "       orx-admin key create OWNER [SCOPES] [LABEL]\n"
	    "       orx-admin key revoke KEY_ID\n"
	    "       orx-admin key list\n"
	    "       orx-admin secrets init | status | rotate | forget [--yes]\n", stderr);
	return 2;
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *s = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (s = malloc((size_t)n + 1)) != NULL) {
		if (fread(s, 1, (size_t)n, f) != (size_t)n) {
			free(s);
			s = NULL;
		} else
			s[n] = '\0';
	}
	fclose(f);
	return s;
}

static int
exec_ok(PGconn *c, const char *sql, const char *what)
{
	PGresult *r = PQexec(c, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK ||
	    PQresultStatus(r) == PGRES_TUPLES_OK;

	if (!ok)
		fprintf(stderr, "orx-admin: %s: %s", what, PQerrorMessage(c));
	PQclear(r);
	return ok ? 0 : -1;
}

static int
sql_file(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 4 && strcmp(d->d_name + n - 4, ".sql") == 0;
}

/*
 * Applies each migration not yet recorded, in name order, each in its own
 * transaction together with its record. An advisory lock keeps two
 * concurrent runs from racing.
 */
static int
migrate(PGconn *c, const char *dir)
{
	struct dirent **names;
	int n, i, rc = 0, applied = 0;

	if (exec_ok(c, "create table if not exists schema_migrations ("
	    "version text primary key, applied_at timestamptz not null default now())",
	    "schema_migrations") == -1)
		return 1;
	if ((n = scandir(dir, &names, sql_file, alphasort)) < 0) {
		fprintf(stderr, "orx-admin: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i++) {
		const char *name = names[i]->d_name, *p[1] = { name };
		char path[4096];
		char *sql;
		PGresult *r;

		if (rc != 0)
			continue;
		if (exec_ok(c, "begin", "begin") == -1 ||
		    exec_ok(c, "select pg_advisory_xact_lock(" MIGRATION_LOCK ")",
		    "lock") == -1) {
			rc = 1;
			continue;
		}
		r = PQexecParams(c, "select 1 from schema_migrations where version = $1",
		    1, NULL, p, NULL, NULL, 0);
		int done = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
		PQclear(r);
		if (done) {
			exec_ok(c, "commit", "commit");
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		if ((sql = slurp(path)) == NULL) {
			fprintf(stderr, "orx-admin: %s: %s\n", path, strerror(errno));
			exec_ok(c, "rollback", "rollback");
			rc = 1;
			continue;
		}
		if (exec_ok(c, sql, name) == -1) {
			exec_ok(c, "rollback", "rollback");
			rc = 1;
		} else {
			r = PQexecParams(c, "insert into schema_migrations (version) values ($1)",
			    1, NULL, p, NULL, NULL, 0);
			rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : 1;
			PQclear(r);
			if (rc == 0 && exec_ok(c, "commit", "commit") == 0) {
				printf("applied %s\n", name);
				applied++;
			} else
				rc = 1;
		}
		free(sql);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (rc == 0 && applied == 0)
		printf("migrations: up to date\n");
	return rc;
}

static int
run_query(struct db *d, struct arena *a, enum query q, int n,
    const char *const *v, PGresult **out)
{
	PGresult *r = db_query(d, a, q, n, v);

	if (r == NULL) {
		fprintf(stderr, "orx-admin: the database is unreachable\n");
		return -1;
	}
	if (!db_ok(r)) {
		fprintf(stderr, "orx-admin: %s", PQresultErrorMessage(r));
		return -1;
	}
	*out = r;
	return 0;
}

int
main(int argc, char **argv)
{
	const char *url = getenv("DATABASE_URL");
	struct arena a;
	struct db d;
	PGresult *r;
	int rc = 1;

	if (argc < 2)
		return usage();
	db_init(&d, url != NULL ? url : "dbname=orchestrix", "orx-admin");
	arena_init(&a, 4096);
	if (db_ready(&d) == -1) {
		fprintf(stderr, "orx-admin: cannot connect to the database\n");
		goto out;
	}
	if (strcmp(argv[1], "migrate") == 0) {
		rc = migrate(d.conn, argc > 2 ? argv[2] : "sql/migrations");
	} else if (argc >= 4 && strcmp(argv[1], "owner") == 0 &&
	    strcmp(argv[2], "add") == 0) {
		const char *v[2] = { argv[3], argc > 4 ? argv[4] : "" };
		rc = run_query(&d, &a, Q_OWNER_ENSURE, 2, v, &r) == 0 ? 0 : 1;
	} else if (argc >= 4 && strcmp(argv[1], "key") == 0 &&
	    strcmp(argv[2], "create") == 0) {
		char key[64], id[32], hash[65];
		unsigned bits;
		const char *scopes = argc > 4 ? argv[4] : "read,write,run,deploy";
		if (scopes_parse(scopes, &bits) == -1 || bits == 0) {
			fprintf(stderr, "orx-admin: scopes are a comma-separated "
			    "subset of read,write,run,deploy,admin\n");
			goto out;
		}
		if (id_new(key, sizeof(key), "orx_", 32) == -1 ||
		    id_new(id, sizeof(id), "key_", 12) == -1)
			goto out;
		sha256_hex(key, strlen(key), hash);
		const char *o[2] = { argv[3], "" };
		const char *v[5] = { id, argv[3], hash, scopes, argc > 5 ? argv[5] : "" };
		if (run_query(&d, &a, Q_OWNER_ENSURE, 2, o, &r) == -1 ||
		    run_query(&d, &a, Q_KEY_INSERT, 5, v, &r) == -1)
			goto out;
		printf("%s\n", key);
		fprintf(stderr, "created %s for owner %s with scopes %s\n", id,
		    argv[3], scopes);
		rc = 0;
	} else if (argc >= 4 && strcmp(argv[1], "key") == 0 &&
	    strcmp(argv[2], "revoke") == 0) {
		const char *v[1] = { argv[3] };
		if (run_query(&d, &a, Q_KEY_REVOKE, 1, v, &r) == 0) {
			if (PQntuples(r) == 1) {
				printf("revoked %s\n", argv[3]);
				rc = 0;
			} else
				fprintf(stderr, "orx-admin: no active key %s\n", argv[3]);
		}
	} else if (argc >= 3 && strcmp(argv[1], "key") == 0 &&
	    strcmp(argv[2], "list") == 0) {
		if (run_query(&d, &a, Q_KEY_LIST, 0, NULL, &r) == 0) {
			printf("%-18s %-16s %-28s %-26s %s\n", "id", "owner",
			    "scopes", "created", "revoked");
			for (int i = 0; i < PQntuples(r); i++)
				printf("%-18s %-16s %-28s %-26s %s\n",
				    PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
				    PQgetvalue(r, i, 2), PQgetvalue(r, i, 4),
				    PQgetvalue(r, i, 5));
			rc = 0;
		}
	} else if (argc >= 3 && strcmp(argv[1], "secrets") == 0) {
		if ((rc = admin_secrets(&d, &a, argc - 2, argv + 2)) == -1)
			rc = usage();
	} else
		rc = usage();
out:
	arena_free(&a);
	db_close(&d);
	return rc;
}
