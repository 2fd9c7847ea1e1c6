/*
 * Unit tests for lib/gcommit.c, with forked processes as the workers and
 * memory shared as the master shares it: every write is run exactly once
 * and its waiter gets the outcome its batch gave it; writes made at the
 * same time share batches; no more batches run at once than allowed; a
 * leader that dies mid-batch leaves GC_UNKNOWN to the writes it held and
 * its place to the others; a slot a dead worker left is usable again.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gcommit.h"
#include "t.h"

#define WORKERS	8
#define WRITES	400

/* What the run functions saw, shared by every process. */
struct ledger {
	atomic_int	runs[WORKERS][WRITES];   /* times each write was run */
	atomic_int	running;                 /* batches running now */
	atomic_int	running_max;
	atomic_int	batch_max;               /* largest batch */
	atomic_int	wrong;                   /* waiters given another outcome */
	atomic_int	die_in;                  /* pid whose run function _exits */
	atomic_int	fast;                    /* run functions do not pause */
};

struct shared {
	struct gcommit	gc;
	struct ledger	l;
};

static void
pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Outcome of write k: every fifth is refused as a duplicate. */
static enum gc_outcome
expected(int k)
{
	return k % 5 == 0 ? GC_DUPLICATE : GC_OK;
}

/* A run function: records each payload ("w/k") and sets its outcome. */
static void
run_record(void *ctx, struct gcommit *gc, const int *slots, int n)
{
	struct ledger *l = ctx;
	int now, m;

	if (atomic_load(&l->die_in) == getpid())
		_exit(0);  /* a leader dying mid-batch */
	now = atomic_fetch_add(&l->running, 1) + 1;
	while (now > (m = atomic_load(&l->running_max)) &&
	    !atomic_compare_exchange_weak(&l->running_max, &m, now))
		;
	while (n > (m = atomic_load(&l->batch_max)) &&
	    !atomic_compare_exchange_weak(&l->batch_max, &m, n))
		;
	if (!atomic_load(&l->fast))
		pause_ms(1);  /* a statement's time, during which writes queue */
	for (int i = 0; i < n; i++) {
		struct gc_slot *s = &gc->slot[slots[i]];
		int w, k;

		if (sscanf(s->payload, "%d/%d", &w, &k) == 2 && w >= 0 && w < WORKERS &&
		    k >= 0 && k < WRITES) {
			atomic_fetch_add(&l->runs[w][k], 1);
			s->outcome = expected(k);
		} else
			s->outcome = GC_FAILED;
	}
	atomic_fetch_sub(&l->running, 1);
}

static void
test_alone(struct shared *sh)
{
	enum gc_outcome o;

	o = gc_commit(&sh->gc, 3, "0/1", 4, run_record, &sh->l);
	T_OK(o == GC_OK, "one write alone: its outcome");
	T_OK(atomic_load(&sh->l.runs[0][1]) == 1, "and it ran once");
	o = gc_commit(&sh->gc, 3, "0/5", 4, run_record, &sh->l);
	T_OK(o == GC_DUPLICATE, "a refused write: GC_DUPLICATE");
	char big[GC_PAYLOAD + 1];
	memset(big, 'x', sizeof(big));
	T_OK(gc_commit(&sh->gc, 3, big, sizeof(big), run_record, &sh->l) == GC_FAILED,
	    "a payload over GC_PAYLOAD is refused, not run");
	T_OK(gc_commit(&sh->gc, GC_SLOTS, "0/2", 4, run_record, &sh->l) == GC_FAILED,
	    "a slot out of range is refused");
	T_OK(atomic_load(&sh->l.runs[0][2]) == 0, "and nothing ran");
	memset(&sh->l, 0, sizeof(sh->l));
}

static void
test_workers_at_once(struct shared *sh, int leaders, int fast)
{
	pid_t pid[WORKERS];
	int once = 1, clean = 1;

	sh->gc.leaders = leaders;
	atomic_store(&sh->l.fast, fast);

	for (int w = 0; w < WORKERS; w++) {
		if ((pid[w] = fork()) == 0) {
			for (int k = 0; k < WRITES; k++) {
				char p[32];
				int n = snprintf(p, sizeof(p), "%d/%d", w, k) + 1;

				if (gc_commit(&sh->gc, w, p, (size_t)n, run_record, &sh->l) != expected(k))
					atomic_fetch_add(&sh->l.wrong, 1);
			}
			_exit(0);
		}
	}
	for (int w = 0; w < WORKERS; w++) {
		int st;

		waitpid(pid[w], &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			clean = 0;
	}
	T_OK(clean, "%d leaders%s: %d workers committed %d writes each", leaders,
	    fast ? ", instant batches" : "", WORKERS, WRITES);
	for (int w = 0; w < WORKERS; w++)
		for (int k = 0; k < WRITES; k++)
			if (atomic_load(&sh->l.runs[w][k]) != 1)
				once = 0;
	T_OK(once, "every write ran exactly once");
	T_OK(atomic_load(&sh->l.wrong) == 0, "every waiter got its own write's outcome");
	if (!fast)
		T_OK(atomic_load(&sh->l.batch_max) > 1,
		    "writes made at the same time shared a batch (largest: %d)",
		    atomic_load(&sh->l.batch_max));
	T_OK(atomic_load(&sh->l.running_max) <= leaders,
	    "at most %d batches ran at once (%d)", leaders, atomic_load(&sh->l.running_max));
	memset(&sh->l, 0, sizeof(sh->l));
}

/* A slow first batch, for writes to queue behind it. */
static void
run_slow(void *ctx, struct gcommit *gc, const int *slots, int n)
{
	pause_ms(300);
	run_record(ctx, gc, slots, n);
}

/*
 * A leads a slow batch; B (slot 1) and C (slot 2) queue behind it. The
 * lead passes to B, the lowest slot, whose run function dies. C, in B's
 * batch, must learn that its write's fate is unknown; then the place B
 * held is free again for D.
 */
static void
test_leader_dies(struct shared *sh)
{
	pid_t a, b, c;
	int st;

	if ((a = fork()) == 0)
		_exit(gc_commit(&sh->gc, 0, "0/1", 4, run_slow, &sh->l) == GC_OK ? 0 : 1);
	pause_ms(50);
	if ((b = fork()) == 0) {
		atomic_store(&sh->l.die_in, getpid());
		(void)gc_commit(&sh->gc, 1, "1/1", 4, run_record, &sh->l);
		_exit(3);  /* not reached: its run function exits */
	}
	pause_ms(50);
	if ((c = fork()) == 0)
		_exit(gc_commit(&sh->gc, 2, "2/1", 4, run_record, &sh->l) == GC_UNKNOWN ? 0 : 1);
	waitpid(a, &st, 0);
	T_OK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the slow leader got its outcome");
	waitpid(b, &st, 0);
	T_OK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the next leader died in its batch");
	waitpid(c, &st, 0);
	T_OK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "a write the dead leader held: GC_UNKNOWN, not a wait forever");
	T_OK(gc_commit(&sh->gc, 3, "3/2", 4, run_record, &sh->l) == GC_OK,
	    "the dead leader's place is free again");

	/* A worker died with its write queued; a new one takes the slot. */
	sh->gc.queued[0] |= 1ULL << 5;
	atomic_store(&sh->gc.slot[5].state, 1);  /* S_QUEUED */
	gc_slot_reset(&sh->gc, 5);
	T_OK(sh->gc.queued[0] == 0 && atomic_load(&sh->gc.slot[5].state) == 0,
	    "gc_slot_reset drops a dead worker's queued write");
	T_OK(gc_commit(&sh->gc, 5, "5/1", 4, run_record, &sh->l) == GC_OK,
	    "and the slot commits again");
}

int
main(void)
{
	struct shared *sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (sh == MAP_FAILED)
		return 1;
	T_OK(gc_init(&sh->gc, 0) == -1 && gc_init(&sh->gc, GC_LEADERS_MAX + 1) == -1,
	    "gc_init refuses 0 leaders, or more than GC_LEADERS_MAX");
	T_OK(gc_init(&sh->gc, 1) == 0, "gc_init: a robust, process-shared lock");
	test_alone(sh);
	test_workers_at_once(sh, 1, 0);
	test_workers_at_once(sh, 3, 0);
	/* Instant batches: leaders come and go as fast as the lock allows. */
	test_workers_at_once(sh, 3, 1);
	sh->gc.leaders = 1;
	test_leader_dies(sh);
	munmap(sh, sizeof(*sh));
	return t_done();
}
