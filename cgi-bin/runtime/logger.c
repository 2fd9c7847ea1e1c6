/*
 * The runtime's log writer: a process of its own that turns the workers'
 * invocation datagrams (one JSON row each) into batched INSERTs -- at most
 * every 100 ms or 1000 rows -- so a call never waits for its log line.
 * While the database is away rows are kept (up to a cap) and retried.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "config.h"
#include "log.h"
#include "runtime.h"

#define FLUSH_MS	100
#define TICK_MS		20      /* drain this often: no wake-up per row */
#define FLUSH_ROWS	1000
#define KEEP_ROWS	50000   /* beyond, while the database is away: dropped */

struct batch {
	struct arena	arena;
	struct buf	rows;      /* "[row,row,..." */
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

static void
flush(struct db *db, struct batch *b)
{
	const char *params[1];
	PGresult *res;
	struct arena a;

	if (b->n == 0)
		return;
	buf_putc(&b->rows, ']');
	params[0] = b->rows.data;
	arena_init(&a, 1024);
	res = db_query(db, &a, Q_RT_LOG_BATCH, 1, params);
	if (res != NULL && db_ok(res)) {
		arena_free(&a);
		batch_reset(b);
		return;
	}
	arena_free(&a);
	/* Keep the rows for the next try: drop the closing bracket. */
	b->rows.len--;
	b->rows.data[b->rows.len] = '\0';
	if (b->n >= KEEP_ROWS) {
		log_error("log writer: database away; %d invocation rows dropped", b->n);
		batch_reset(b);
	}
}

void
rt_log_writer(const struct config *cfg, int fd, volatile sig_atomic_t *stop)
{
	struct db db;
	struct batch b;
	char msg[4096];
	ssize_t n;

	db_init(&db, config_get(cfg, CFG_DATABASE_URL), "runtime-log");
	db_set_options(&db, "-c search_path=archestra");
	arena_init(&b.arena, 64 * 1024);
	batch_reset(&b);
	for (;;) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		struct timespec tick = { 0, TICK_MS * 1000000L };

		/* Idle: sleep until a row comes. Busy: take rows every tick, so
		 * the workers' sends do not wake this process one by one. */
		if (b.n == 0) {
			if (poll(&pfd, 1, 1000) < 0 && errno != EINTR)
				break;
		} else
			nanosleep(&tick, NULL);
		while ((n = recv(fd, msg, sizeof(msg), MSG_DONTWAIT)) > 0) {
			buf_putc(&b.rows, b.n == 0 ? '[' : ',');
			buf_put(&b.rows, msg, (size_t)n);
			if (b.n++ == 0)
				b.first_ms = mono_ms();
			if (b.n % FLUSH_ROWS == 0)
				flush(&db, &b);
		}
		if (b.n > 0 && (*stop || mono_ms() - b.first_ms >= FLUSH_MS))
			flush(&db, &b);
		if (*stop)
			break;
	}
	flush(&db, &b);
	arena_free(&b.arena);
	db_close(&db);
}
