/*
 * Group commit across a program's workers, in memory they share: a worker
 * that has a write to commit queues it in its slot; if fewer than
 * gc->leaders workers are committing, it leads -- takes every queued write
 * (its own first) and commits them together with one statement and one
 * synchronous commit on its own connection -- otherwise it sleeps until a
 * leader has run its write. A leader that finishes hands the lead to one
 * waiting worker, so no worker runs more than one batch for others.
 *
 * Nothing is answered before its write is committed: a write is only
 * grouped with others that are waiting at the same moment. With no one
 * else waiting, a leader commits its write alone, as it would have without
 * this module. Under load, N calls cost PostgreSQL one round trip and one
 * WAL flush instead of N.
 *
 * A program may also give the queue a committer: a process of its own
 * (gc_serve) that runs every batch, one after the other, and has no call
 * of its own to answer. While it is there workers never lead: they queue,
 * ring it if it sleeps, and sleep until their write is run. No lead is
 * handed from worker to worker, which cost every cycle a wake-up.
 *
 * A leader or committer that dies mid-batch is found by the waiters (its
 * pid is gone): the writes it held get GC_UNKNOWN -- they may or may not
 * have been committed -- and the lead passes on (to the workers, until a
 * committer comes back).
 */
#ifndef ORX_GCOMMIT_H
#define ORX_GCOMMIT_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define GC_SLOTS	128        /* the master's worker slots */
#define GC_PAYLOAD	8192       /* a bigger write commits alone */
#define GC_LEADERS_MAX	8          /* batches in flight at once, at most */
#define GC_BATCH_MAX	64

enum gc_outcome {
	GC_OK = 0,
	GC_DUPLICATE,   /* refused: a unique value is taken */
	GC_FAILED,      /* not committed (database unreachable or refused it) */
	GC_UNKNOWN,     /* its leader died: committed or not, nobody knows */
	GC__MAX
};

struct gc_slot {
	atomic_uint	state;     /* the futex word: enum gc_state in gcommit.c */
	int		outcome;   /* enum gc_outcome, set by the leader */
	pid_t		owner;     /* the worker waiting on this slot */
	pid_t		leader;    /* the leader that took it */
	char		payload[GC_PAYLOAD];
};

struct gcommit {
	pthread_mutex_t	lock;      /* process-shared, robust */
	int		leaders;   /* batches in flight at once: 1..GC_LEADERS_MAX */
	atomic_ullong	batches;   /* statements run, for /metrics */
	atomic_ullong	writes;    /* writes they committed or refused */
	pid_t		leader[GC_LEADERS_MAX];   /* workers leading a batch; 0 = free */
	pid_t		committer; /* the process serving the queue; 0 = none */
	atomic_uint	bell;      /* futex word: 1 while the committer sleeps */
	uint64_t	queued[GC_SLOTS / 64];
	struct gc_slot	slot[GC_SLOTS];
};

/*
 * The leader's statement: commits the payloads of slots[0..n) (n >= 1;
 * the caller's own is slots[0]) and sets each gc->slot[slots[i]].outcome.
 */
typedef void gc_run_fn(void *ctx, struct gcommit *gc, const int *slots, int n);

int	gc_init(struct gcommit *, int leaders);
void	gc_slot_reset(struct gcommit *, int slot);
void	gc_serve(struct gcommit *, gc_run_fn *run, void *ctx,
	    volatile sig_atomic_t *stop);
enum gc_outcome gc_commit(struct gcommit *, int slot, const void *payload, size_t len,
	    gc_run_fn *run, void *ctx);

#endif
