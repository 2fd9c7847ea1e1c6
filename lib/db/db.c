#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "clock.h"
#include "db.h"
#include "log.h"
#include "waiter.h"

#define BACKOFF_MIN_MS	50
#define BACKOFF_MAX_MS	2000

void
db_clear_cb(void *res)
{
	PQclear(res);
}

void
db_init(struct db *d, const char *conninfo, const char *app_name)
{
	memset(d, 0, sizeof(*d));
	d->conninfo = strdup(conninfo);
	if (d->conninfo == NULL)
		abort();
	snprintf(d->app_name, sizeof(d->app_name), "%s", app_name);
}

/* Server options for every connection (e.g. "-c search_path=archestra"). */
void
db_set_options(struct db *d, const char *options)
{
	snprintf(d->options, sizeof(d->options), "%s", options ? options : "");
}

static void
db_drop(struct db *d)
{
	if (d->conn != NULL)
		PQfinish(d->conn);
	d->conn = NULL;
	d->in_tx = 0;
	memset(d->prepared, 0, sizeof(d->prepared));
}

void
db_close(struct db *d)
{
	db_drop(d);
	free(d->conninfo);
	d->conninfo = NULL;
}

/*
 * Makes sure a connection is up. Returns 0, or -1 while the database is
 * away: then no attempt is made before the backoff has passed, so a worker
 * answers 503 at once instead of waiting on every request.
 */
int
db_ready(struct db *d)
{
	static const char *const keys[] = {
		"dbname", "connect_timeout", "application_name", "options", NULL
	};
	const char *vals[5];
	long long now;

	if (d->conn != NULL && PQstatus(d->conn) == CONNECTION_OK)
		return 0;
	db_drop(d);
	now = mono_ms();
	if (now < d->next_attempt_ms)
		return -1;
	vals[0] = d->conninfo;
	vals[1] = "2";
	vals[2] = d->app_name;
	vals[3] = d->options[0] != '\0' ? d->options : NULL;
	vals[4] = NULL;  /* libpq skips a key whose value is NULL */
	waiter_notify(d->waiter);
	d->conn = PQconnectdbParams(keys, vals, 1);
	if (d->conn == NULL || PQstatus(d->conn) != CONNECTION_OK) {
		log_warn("db: connect failed: %s", d->conn ?
		    PQerrorMessage(d->conn) : "out of memory");
		db_drop(d);
		d->backoff_ms = d->backoff_ms == 0 ? BACKOFF_MIN_MS :
		    d->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS :
		    d->backoff_ms * 2;
		d->next_attempt_ms = now + d->backoff_ms;
		return -1;
	}
	if (d->backoff_ms != 0)
		log_info("db: connected again");
	d->generation++;
	d->backoff_ms = 0;
	d->next_attempt_ms = 0;
	return 0;
}

static int
conn_lost(struct db *d, PGresult *res)
{
	return res == NULL || PQstatus(d->conn) != CONNECTION_OK;
}

static PGresult *
exec_once(struct db *d, enum query q, int n, const char *const *values,
    const int *lengths, const int *formats)
{
	/* PostgreSQL works on it meanwhile: another worker may use the CPU. */
	waiter_notify(d->waiter);
	if (!d->prepared[q]) {
		PGresult *p = PQprepare(d->conn, query_names[q], query_sql[q], 0, NULL);
		int ok = p != NULL && PQresultStatus(p) == PGRES_COMMAND_OK;

		if (!ok && !conn_lost(d, p))
			log_error("db: prepare %s: %s", query_names[q],
			    PQresultErrorMessage(p));
		if (!ok)
			return p;  /* the caller sees the error */
		PQclear(p);
		d->prepared[q] = 1;
	}
	return PQexecPrepared(d->conn, query_names[q], n, values, lengths,
	    formats, 0);
}

/*
 * Runs a prepared statement. Returns the result (cleared with the arena),
 * which may carry an SQL error for the caller to map; or NULL when the
 * database is unreachable (answer 503). A connection found dead outside a
 * transaction is re-opened and the statement tried once more, so a
 * restarted PostgreSQL costs no failed request.
 */
PGresult *
db_query_bin(struct db *d, struct arena *a, enum query q, int n,
    const char *const *values, const int *lengths, const int *formats)
{
	PGresult *res;
	int attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		if (db_ready(d) == -1)
			return NULL;
		res = exec_once(d, q, n, values, lengths, formats);
		if (!conn_lost(d, res))
			break;
		PQclear(res);
		res = NULL;
		log_warn("db: connection lost during %s", query_names[q]);
		int was_in_tx = d->in_tx;
		db_drop(d);
		if (was_in_tx)
			return NULL;
	}
	if (res == NULL)
		return NULL;
	arena_defer(a, db_clear_cb, res);
	if (PQresultStatus(res) == PGRES_FATAL_ERROR) {
		const char *state = db_sqlstate(res);
		/* Constraint violations are answers, not faults. */
		if (strncmp(state, "23", 2) != 0)
			log_error("db: %s: %s", query_names[q],
			    PQresultErrorMessage(res));
	}
	return res;
}

PGresult *
db_query(struct db *d, struct arena *a, enum query q, int n,
    const char *const *values)
{
	return db_query_bin(d, a, q, n, values, NULL, NULL);
}

/*
 * Runs q, a COPY ... FROM STDIN statement, with data (rows in COPY text
 * format) as its input: the cheapest way to give PostgreSQL many rows.
 * Outside a transaction only. Returns 0, or -1 when the database is
 * unreachable or refused the rows (nothing of them is kept then).
 */
int
db_copy_in(struct db *d, enum query q, const char *data, size_t len)
{
	PGresult *res;
	int ok;

	if (d->in_tx || len > INT_MAX || db_ready(d) == -1)
		return -1;
	waiter_notify(d->waiter);
	res = PQexec(d->conn, query_sql[q]);
	ok = res != NULL && PQresultStatus(res) == PGRES_COPY_IN;
	PQclear(res);
	if (!ok) {
		log_error("db: %s: %s", query_names[q], PQerrorMessage(d->conn));
		if (PQstatus(d->conn) != CONNECTION_OK)
			db_drop(d);
		return -1;
	}
	ok = PQputCopyData(d->conn, data, (int)len) == 1;
	if (PQputCopyEnd(d->conn, ok ? NULL : "the rows could not be sent") != 1)
		ok = 0;
	/* Read results to the end, whatever happened: the connection is then idle. */
	while ((res = PQgetResult(d->conn)) != NULL) {
		if (PQresultStatus(res) == PGRES_COPY_IN) {
			/* The end could not be sent: the connection is unusable. */
			PQclear(res);
			db_drop(d);
			return -1;
		}
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			if (ok)
				log_error("db: %s: %s", query_names[q], PQresultErrorMessage(res));
			ok = 0;
		}
		PQclear(res);
	}
	if (PQstatus(d->conn) != CONNECTION_OK) {
		db_drop(d);
		return -1;
	}
	return ok ? 0 : -1;
}

static int
simple(struct db *d, const char *sql)
{
	PGresult *res;
	int ok;

	if (db_ready(d) == -1)
		return -1;
	waiter_notify(d->waiter);
	res = PQexec(d->conn, sql);
	ok = res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		log_error("db: %s: %s", sql, res ? PQresultErrorMessage(res) :
		    PQerrorMessage(d->conn));
	PQclear(res);
	if (!ok && PQstatus(d->conn) != CONNECTION_OK)
		db_drop(d);
	return ok ? 0 : -1;
}

int
db_begin(struct db *d)
{
	if (simple(d, "BEGIN") == -1)
		return -1;
	d->in_tx = 1;
	return 0;
}

int
db_commit(struct db *d)
{
	int rc = simple(d, "COMMIT");

	d->in_tx = 0;
	return rc;
}

void
db_rollback(struct db *d)
{
	if (d->conn != NULL && d->in_tx)
		(void)simple(d, "ROLLBACK");
	d->in_tx = 0;
}

/* The value at (row, col), or NULL for SQL NULL or out of range. */
const char *
db_value(PGresult *res, int row, int col)
{
	if (res == NULL || row >= PQntuples(res) || col >= PQnfields(res) ||
	    PQgetisnull(res, row, col))
		return NULL;
	return PQgetvalue(res, row, col);
}

const char *
db_sqlstate(const PGresult *res)
{
	const char *s = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	return s != NULL ? s : "";
}

/* 1 if res is a successful command or query result. */
int
db_ok(const PGresult *res)
{
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;

	return st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK;
}
