/*
 * Group commit across workers; see gcommit.h.
 *
 * A slot's state is the futex word its owner sleeps on. Queued slots are
 * also bits of gc->queued; both, and gc->leader, change under gc->lock
 * (held for a few loads and stores, never across a statement). A slot's
 * payload is the owner's while IDLE, the leader's while TAKEN; its outcome
 * is written before its state turns DONE.
 */
#include <errno.h>
#include <linux/futex.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "gcommit.h"
#include "log.h"

enum gc_state {
	S_IDLE = 0,
	S_QUEUED,    /* waiting for a leader */
	S_TAKEN,     /* in a leader's batch */
	S_DONE,      /* outcome set */
	S_LEAD,      /* handed the lead: the owner runs the next batch */
};

#define WAIT_MS		200   /* a waiter checks its leaders are alive this often */
#define RESET_TRIES	500   /* times 10 ms: how long a new worker waits for its slot */

static void
wake(struct gc_slot *s)
{
	syscall(SYS_futex, (unsigned *)&s->state, FUTEX_WAKE, 1, NULL, NULL, 0);
}

/* Sleeps while s->state is seen; returns -1 on timeout. */
static int
sleep_on(struct gc_slot *s, unsigned seen)
{
	struct timespec ts = { 0, WAIT_MS * 1000000L };

	if (syscall(SYS_futex, (unsigned *)&s->state, FUTEX_WAIT, seen, &ts, NULL, 0) == -1 &&
	    errno == ETIMEDOUT)
		return -1;
	return 0;
}

static void
lock(struct gcommit *gc)
{
	/* A worker that died holding the lock left only bits and pids
	 * behind, each consistent on its own. */
	if (pthread_mutex_lock(&gc->lock) == EOWNERDEAD)
		pthread_mutex_consistent(&gc->lock);
}

static void
unlock(struct gcommit *gc)
{
	pthread_mutex_unlock(&gc->lock);
}

static void
queue_set(struct gcommit *gc, int s)
{
	gc->queued[s / 64] |= 1ULL << (s % 64);
}

static void
queue_clear(struct gcommit *gc, int s)
{
	gc->queued[s / 64] &= ~(1ULL << (s % 64));
}

static int
queue_first(const struct gcommit *gc)
{
	for (int i = 0; i < GC_SLOTS / 64; i++)
		if (gc->queued[i] != 0)
			return i * 64 + __builtin_ctzll(gc->queued[i]);
	return -1;
}

/* Takes a free leader place for pid: 1, or 0 when all are taken. */
static int
leader_claim(struct gcommit *gc, pid_t pid)
{
	for (int i = 0; i < gc->leaders; i++)
		if (gc->leader[i] == 0) {
			gc->leader[i] = pid;
			return 1;
		}
	return 0;
}

static void
leader_pass(struct gcommit *gc, pid_t from, pid_t to)
{
	for (int i = 0; i < gc->leaders; i++)
		if (gc->leader[i] == from) {
			gc->leader[i] = to;
			return;
		}
}

/*
 * Sets up gc in memory that is shared and zeroed, before any worker forks,
 * for at most leaders batches at once. Returns 0 or -1.
 */
int
gc_init(struct gcommit *gc, int leaders)
{
	pthread_mutexattr_t a;
	int rc = -1;

	if (leaders < 1 || leaders > GC_LEADERS_MAX)
		return -1;
	gc->leaders = leaders;
	if (pthread_mutexattr_init(&a) != 0)
		return -1;
	if (pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED) == 0 &&
	    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST) == 0 &&
	    pthread_mutex_init(&gc->lock, &a) == 0)
		rc = 0;
	pthread_mutexattr_destroy(&a);
	return rc;
}

/* Rings the committer if it sleeps; under gc->lock. 1: wake it after. */
static int
ring_locked(struct gcommit *gc)
{
	if (gc->committer == 0 || atomic_load(&gc->bell) == 0)
		return 0;
	atomic_store(&gc->bell, 0);
	return 1;
}

static void
wake_committer(struct gcommit *gc)
{
	syscall(SYS_futex, (unsigned *)&gc->bell, FUTEX_WAKE, 1, NULL, NULL, 0);
}

/* The committer sleeps until rung, or WAIT_MS (to look at its stop flag). */
static void
sleep_bell(struct gcommit *gc)
{
	struct timespec ts = { 0, WAIT_MS * 1000000L };

	syscall(SYS_futex, (unsigned *)&gc->bell, FUTEX_WAIT, 1, &ts, NULL, 0);
}

/*
 * Takes up to GC_BATCH_MAX queued writes into take[] after the n already
 * there, for leader self; under gc->lock. Returns the new count.
 */
static int
take_queued(struct gcommit *gc, int *take, int n, pid_t self)
{
	int next;

	while (n < GC_BATCH_MAX && (next = queue_first(gc)) >= 0) {
		queue_clear(gc, next);
		take[n++] = next;
	}
	for (int i = 0; i < n; i++) {
		gc->slot[take[i]].leader = self;
		atomic_store(&gc->slot[take[i]].state, S_TAKEN);
	}
	return n;
}

/* Runs the writes of take[0..n) and wakes their owners, but me's (or -1). */
static void
run_batch(struct gcommit *gc, const int *take, int n, int me, gc_run_fn *run, void *ctx)
{
	run(ctx, gc, take, n);
	atomic_fetch_add_explicit(&gc->batches, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&gc->writes, (unsigned long long)n, memory_order_relaxed);
	for (int i = 0; i < n; i++) {
		atomic_store(&gc->slot[take[i]].state, S_DONE);
		if (take[i] != me)
			wake(&gc->slot[take[i]]);
	}
}

/*
 * Runs one batch as leader: the caller's slot me first, then what is
 * queued. me is not queued (no other leader can take it). Afterwards the
 * lead passes to a waiting worker, or is given up -- always, when a
 * committer has come meanwhile: what is queued is its.
 */
static void
lead(struct gcommit *gc, int me, gc_run_fn *run, void *ctx)
{
	int take[GC_BATCH_MAX], n, next, ring = 0;
	pid_t self = getpid();

	lock(gc);
	take[0] = me;
	n = take_queued(gc, take, 1, self);
	unlock(gc);

	run_batch(gc, take, n, me, run, ctx);

	lock(gc);
	if (gc->committer == 0 && (next = queue_first(gc)) >= 0) {
		/* Out of the queue, so that no other leader hands it a lead too. */
		queue_clear(gc, next);
		leader_pass(gc, self, gc->slot[next].owner);
		atomic_store(&gc->slot[next].state, S_LEAD);
		wake(&gc->slot[next]);
	} else {
		leader_pass(gc, self, 0);
		ring = queue_first(gc) >= 0 && ring_locked(gc);
	}
	unlock(gc);
	if (ring)
		wake_committer(gc);
}

/* Settles what dead held: its writes get GC_UNKNOWN, a lead it was handed
 * is dropped. Under gc->lock; returns the writes. */
static int
settle_dead(struct gcommit *gc, pid_t dead)
{
	int held = 0;

	for (int s = 0; s < GC_SLOTS; s++) {
		struct gc_slot *sl = &gc->slot[s];
		unsigned st = atomic_load(&sl->state);

		if (st == S_TAKEN && sl->leader == dead) {
			sl->outcome = GC_UNKNOWN;
			atomic_store(&sl->state, S_DONE);
			wake(sl);
			held++;
		} else if (st == S_LEAD && sl->owner == dead) {
			atomic_store(&sl->state, S_IDLE);
		}
	}
	return held;
}

static int
gone(pid_t pid)
{
	return pid != 0 && kill(pid, 0) == -1 && errno == ESRCH;
}

/*
 * Called by a waiter that slept WAIT_MS without news: frees the places of
 * leaders (and the committer) that died, settles what they held, and
 * returns 1 when the caller is to lead now (its write is still queued and
 * a place is free). The leader that took the caller's write is looked at
 * too: a dead committer's place may be a new committer's already.
 */
static int
recover(struct gcommit *gc, int me)
{
	struct gc_slot *mine = &gc->slot[me];
	int lead_now = 0;

	lock(gc);
	for (int i = -2; i < gc->leaders; i++) {
		pid_t dead;
		int was_committer;

		if (i == -2)
			dead = atomic_load(&mine->state) == S_TAKEN ? mine->leader : 0;
		else
			dead = i < 0 ? gc->committer : gc->leader[i];
		if (!gone(dead))
			continue;
		if ((was_committer = dead == gc->committer)) {
			gc->committer = 0;
			atomic_store(&gc->bell, 0);
		}
		leader_pass(gc, dead, 0);
		log_warn("group commit: %s %ld died; %d writes it held are unknown",
		    was_committer ? "the committer" : "process", (long)dead,
		    settle_dead(gc, dead));
	}
	if (atomic_load(&mine->state) == S_QUEUED && gc->committer == 0 &&
	    leader_claim(gc, getpid())) {
		queue_clear(gc, me);
		lead_now = 1;
	}
	unlock(gc);
	return lead_now;
}

/*
 * Commits payload (len bytes) through slot, the calling worker's own: run()
 * sees it, maybe with other workers' payloads, in this process or another.
 * Returns the payload's outcome. A payload over GC_PAYLOAD is refused
 * (GC_FAILED, nothing run): commit it alone.
 */
enum gc_outcome
gc_commit(struct gcommit *gc, int slot, const void *payload, size_t len,
    gc_run_fn *run, void *ctx)
{
	struct gc_slot *s;
	enum gc_outcome out;
	int lead_now = 0, ring;

	if (slot < 0 || slot >= GC_SLOTS || len > GC_PAYLOAD)
		return GC_FAILED;
	s = &gc->slot[slot];
	memcpy(s->payload, payload, len);
	s->outcome = GC_UNKNOWN;
	s->owner = getpid();
	lock(gc);
	atomic_store(&s->state, S_QUEUED);
	/* Only a write that waits for another leader (or the committer) is
	 * queued: a queued one may be taken into any leader's batch. */
	if (gc->committer != 0 || !(lead_now = leader_claim(gc, s->owner)))
		queue_set(gc, slot);
	ring = ring_locked(gc);
	unlock(gc);
	if (ring)
		wake_committer(gc);
	for (;;) {
		unsigned st;

		if (lead_now) {
			lead(gc, slot, run, ctx);
			lead_now = 0;
		}
		st = atomic_load(&s->state);
		if (st == S_DONE)
			break;
		if (st == S_LEAD)
			lead_now = 1;
		else if (sleep_on(s, st) == -1)
			lead_now = recover(gc, slot);
	}
	out = (enum gc_outcome)s->outcome;
	atomic_store(&s->state, S_IDLE);
	return out;
}

/*
 * Makes slot ready for a new worker: the one before may have died with a
 * write in it. A write a leader holds is waited for (it will be settled);
 * a queued one is dropped unanswered, as if its worker had died a moment
 * earlier.
 */
void
gc_slot_reset(struct gcommit *gc, int slot)
{
	struct gc_slot *s;

	if (slot < 0 || slot >= GC_SLOTS)
		return;
	s = &gc->slot[slot];
	for (int tries = 0; tries < RESET_TRIES; tries++) {
		struct timespec ten_ms = { 0, 10 * 1000000L };
		int held;

		lock(gc);
		held = atomic_load(&s->state) == S_TAKEN;
		if (!held) {
			queue_clear(gc, slot);
			if (atomic_load(&s->state) == S_LEAD)
				leader_pass(gc, s->owner, 0);
			atomic_store(&s->state, S_IDLE);
		}
		unlock(gc);
		if (!held)
			return;
		nanosleep(&ten_ms, NULL);
	}
	atomic_store(&s->state, S_IDLE);
}

/*
 * The committer's loop (see gcommit.h), in a process of the program's own:
 * runs every queued write, in batches of up to GC_BATCH_MAX, until *stop;
 * then what is still queued, and the workers lead again. run() is called
 * with ctx as a leader's would be.
 */
void
gc_serve(struct gcommit *gc, gc_run_fn *run, void *ctx, volatile sig_atomic_t *stop)
{
	pid_t self = getpid();
	int take[GC_BATCH_MAX], n, last = 0;

	lock(gc);
	gc->committer = self;
	unlock(gc);
	for (;;) {
		if (*stop && !last) {
			/* Nothing is queued for it after this. */
			lock(gc);
			gc->committer = 0;
			atomic_store(&gc->bell, 0);
			unlock(gc);
			last = 1;
		}
		lock(gc);
		n = take_queued(gc, take, 0, self);
		if (n == 0) {
			if (last) {
				unlock(gc);
				break;
			}
			atomic_store(&gc->bell, 1);
			unlock(gc);
			sleep_bell(gc);
			continue;
		}
		unlock(gc);
		run_batch(gc, take, n, -1, run, ctx);
	}
}
