/*
 * One PostgreSQL connection per worker. Statements come from
 * sql/queries/NAME.sql (enum query in the generated queries.h) and are prepared
 * on first use per connection. A broken connection is dropped and retried
 * with backoff; meanwhile callers get NULL and answer 503.
 */
#ifndef ORX_DB_H
#define ORX_DB_H

#include <libpq-fe.h>

#include "clock.h"
#include "queries.h"

struct arena;
struct waiter;

/* What a request that needed the database is told while it is away (503). */
#define DB_UNAVAILABLE_MESSAGE	"the database is unavailable; try again shortly"

struct db {
	PGconn		*conn;
	char		*conninfo;
	unsigned char	 prepared[Q__MAX];
	long long	 next_attempt_ms;   /* monotonic; 0 = now */
	unsigned	 backoff_ms;
	int		 in_tx;
	char		 app_name[64];
	char		 options[128];     /* libpq "options", e.g. a search_path */
	unsigned long	 generation;       /* +1 on every new connection */
	/* Told before the connection waits on the server (the worker's
	 * CPU gate place goes back); NULL: nobody. */
	const struct waiter *waiter;
};

void		 db_init(struct db *, const char *conninfo, const char *app_name);
void		 db_set_options(struct db *, const char *options);
void		 db_close(struct db *);
int		 db_ready(struct db *);
PGresult	*db_query(struct db *, struct arena *, enum query, int n,
		    const char *const *values);
PGresult	*db_query_bin(struct db *, struct arena *, enum query, int n,
		    const char *const *values, const int *lengths,
		    const int *formats);
int		 db_copy_in(struct db *, enum query, const char *data, size_t len);
int		 db_begin(struct db *);
int		 db_commit(struct db *);
void		 db_rollback(struct db *);
const char	*db_value(PGresult *, int row, int col);
const char	*db_sqlstate(const PGresult *);
int		 db_ok(const PGresult *);
void		 db_clear_cb(void *);

#endif
