/*
 * The FastCGI process model: a master that pre-forks N workers on one unix
 * socket, replaces a worker that dies, reloads configuration on SIGHUP
 * (new workers first, then the old ones drain) and drains on SIGTERM. Each
 * worker serves one request at a time with one arena and one DB connection.
 */
#ifndef ORX_SERVER_H
#define ORX_SERVER_H

#include <signal.h>
#include <stdatomic.h>

#include "gate.h"
#include "mcp_shared.h"
#include "router.h"

struct keyring;
struct log_rings;

#define METRICS_BUCKETS 12

/* Counters shared by all workers of a program and its master (one
 * MAP_SHARED mapping), and the workers' CPU gate. */
struct metrics {
	atomic_ullong	requests[6];       /* by status class: 1xx..5xx, other */
	atomic_ullong	latency_us_sum;
	atomic_ullong	latency_bucket[METRICS_BUCKETS];  /* cumulative upper bounds */
	atomic_ullong	worker_restarts;
	atomic_ullong	db_unavailable;
	atomic_ullong	log_dropped;      /* log rows the writer could not take */
	struct mcp_shared mcp;            /* lib/mcp/mcp_shared.h */
	struct gate	gate;              /* lib/proc/gate.h */
};
extern const double metrics_bounds_s[METRICS_BUCKETS];

struct program {
	const char		*name;
	const struct router	*router;
	const char		*db_options;   /* libpq options, or NULL */
	/* Optional per-worker set-up and tear-down of app->prog. */
	int			(*worker_init)(struct app *);
	void			(*worker_fini)(struct app *);
	/*
	 * Optional log writer: runs in its own process (restarted if it dies)
	 * and drains the rows workers put with app_log() (lib/proc/logring.h), so
	 * workers never wait on a log write. It returns when told to stop
	 * (*stop set).
	 */
	void			(*log_writer)(const struct config *, struct log_rings *,
				    void *shared, volatile sig_atomic_t *stop);
	/* Bytes of zeroed memory shared by all of the program's processes
	 * (app->shared, and the log writer's shared); 0 for none. */
	size_t			shared_size;
	/* Optional: sets that memory up in the master, before any fork;
	 * returns 0, or -1 to stop the program. */
	int			(*shared_init)(void *shared);
	/*
	 * Optional helper: a process of its own that serves the workers
	 * through that memory (the runtime's committer, lib/proc/gcommit.h). Like
	 * the log writer it is restarted if it dies, outlives reloads, and is
	 * stopped (*stop set) only once the workers are gone.
	 */
	void			(*helper)(const struct config *, void *shared,
				    volatile sig_atomic_t *stop);
	const char		*helper_name;  /* its process name, < 16 bytes */
	/*
	 * Optional executors: ORX_EXECUTORS processes (as the program starts)
	 * that run its queued executions (lib/exec/exec.h). Like the helper
	 * they are restarted if they die and are stopped once the workers
	 * are gone; they outlive reloads but for one that changes the secrets
	 * keys, which they get from the master as the workers do.
	 */
	void			(*executor)(const struct config *, const struct keyring *,
				    void *shared, volatile sig_atomic_t *stop);
	/*
	 * What the program seals with the secrets key, for messages ("workflow
	 * secrets"), or NULL when it seals nothing. The master reads the key
	 * file (ORX_SECRET_KEY_FILE) at start and at each reload, checks it
	 * against the database (lib/db/sealkey.h): it refuses to start, or the
	 * reload, rather than run with a key that does not open what is
	 * sealed. Its workers get the keys from it (app->keys).
	 */
	const char		*secrets;
	/* Optional: 0 when a configuration seals nothing after all (and the
	 * master then reads no key); NULL: it seals whenever secrets is set. */
	int			(*seals)(const struct config *);
};

int	server_main(const struct program *, int argc, char **argv);
int	metrics_write(struct buf *, const char *prog, const struct metrics *);
int	app_log(struct app *, const char *, size_t);

#endif
