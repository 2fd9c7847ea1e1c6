/*
 * The runtime's log writer: a process of its own that drains the workers'
 * log rings (lib/proc/logring.h; one line of COPY text per call) every TICK_MS
 * and gives the rows to PostgreSQL with COPY -- at most every 100 ms, or
 * once 200 rows are in -- so a call never waits for its log line and never
 * wakes this process. Small COPYs under load: one of 1000 rows kept the
 * server's CPU for a few milliseconds, and the calls in flight meanwhile
 * were the runtime's slowest (no-DB p99, median of six runs: 13.7 ms
 * against 8.3 ms with 200, interleaved). While the database is away rows
 * are kept, up to ORX_LOG_KEEP_ROWS, and retried; beyond that the writer
 * takes no more, so further rows wait in the workers' rings, and once a
 * ring is full the worker drops its next row and counts it
 * (orx_log_dropped_total): only the overflow is lost, and all of it is
 * counted.
 *
 * It is also the runtime's ear for agents changed elsewhere: it LISTENs on
 * channel agents and publishes each NOTIFY in shared memory (lib/proc/changes.h),
 * where the workers look before every call.
 */
#include <poll.h>
#include <string.h>
#include <time.h>

#include "changes.h"
#include "config.h"
#include "log.h"
#include "logring.h"
#include "runtime.h"

#define FLUSH_MS	100
#define TICK_MS		20
#define FLUSH_ROWS	200

struct batch {
	struct arena	arena;
	struct buf	rows;      /* COPY text, a line per row */
	int		n;
	long long	first_ms;
};

static void
batch_reset(struct batch *b)
{
	arena_reset(&b->arena);
	buf_init(&b->rows, &b->arena, 64 * 1024);
	b->n = 0;
	b->first_ms = 0;
}

/* Writes the batch; one that could not be written is kept whole for the next try. */
static void
flush(struct db *db, struct batch *b)
{
	if (b->n > 0 && db_copy_in(db, Q_RT_LOG_COPY, b->rows.data, b->rows.len) == 0)
		batch_reset(b);
}

/* log_ring_take callback: appends one row to the batch. */
static void
take_row(void *ctx, const char *row, size_t n)
{
	struct batch *b = ctx;

	buf_put(&b->rows, row, n);
	if (b->n++ == 0)
		b->first_ms = mono_ms();
}

/*
 * Keeps LISTEN agents on the writer's connection. On each new connection
 * every plan is declared stale: changes may have gone unheard meanwhile.
 */
static void
listen_agents(struct db *db, struct changes *agents, unsigned long *listening)
{
	PGresult *res;

	if (db_ready(db) == -1 || *listening == db->generation)
		return;
	res = PQexec(db->conn, "LISTEN agents");
	if (PQresultStatus(res) == PGRES_COMMAND_OK) {
		*listening = db->generation;
		changes_publish(agents, CHANGES_ALL);
	} else
		log_warn("log writer: LISTEN agents: %s", PQerrorMessage(db->conn));
	PQclear(res);
}

/* Publishes the agent ids of the NOTIFYs that arrived. */
static void
hear_agents(struct db *db, struct changes *agents)
{
	PGnotify *n;

	if (db->conn == NULL || PQconsumeInput(db->conn) == 0)
		return;
	while ((n = PQnotifies(db->conn)) != NULL) {
		if (strcmp(n->relname, "agents") == 0)
			changes_publish(agents, n->extra);
		PQfreemem(n);
	}
}

void
rt_log_writer(const struct config *cfg, struct log_rings *rings, void *shared,
    volatile sig_atomic_t *stop)
{
	struct changes *agents = &((struct rt_shared *)shared)->agents;
	size_t keep = (size_t)cfg->log_keep_rows;
	unsigned long listening = 0;
	int full = 0;
	struct db db;
	struct batch b;

	db_init(&db, config_get(cfg, CFG_DATABASE_URL), "runtime-log");
	db_set_options(&db, "-c search_path=archestra");
	arena_init(&b.arena, 64 * 1024);
	batch_reset(&b);
	for (;;) {
		int last = *stop;  /* the workers are gone: one more drain */

		listen_agents(&db, agents, &listening);
		hear_agents(&db, agents);
		/* No more than keep rows: the rest wait in the rings. */
		for (size_t i = 0; i < LOG_RINGS && (size_t)b.n < keep; i++)
			log_ring_take(&rings->ring[i], keep - (size_t)b.n, take_row, &b);
		if (b.n > 0 && (last || b.n >= FLUSH_ROWS ||
		    mono_ms() - b.first_ms >= FLUSH_MS))
			flush(&db, &b);
		if ((size_t)b.n >= keep && !full)
			log_error("log writer: the database is away and %d invocation rows "
			    "wait; more wait in the workers' rings, and what they cannot "
			    "hold is dropped and counted (orx_log_dropped_total)", b.n);
		full = (size_t)b.n >= keep;
		if (last) {
			if (b.n > 0)
				log_error("log writer: stopped with %d invocation rows not "
				    "written (the database is away)", b.n);
			break;
		}
		/* A NOTIFY wakes this at once; rows wait for the tick. */
		if (db.conn != NULL && PQstatus(db.conn) == CONNECTION_OK) {
			struct pollfd pfd = { PQsocket(db.conn), POLLIN, 0 };
			(void)poll(&pfd, 1, TICK_MS);
		} else {
			struct timespec tick = { 0, TICK_MS * 1000000L };
			nanosleep(&tick, NULL);
		}
	}
	arena_free(&b.arena);
	db_close(&db);
}
