/*
 * Unit tests for lib/proc/gcommit.c, with forked processes as the workers and
 * memory shared as the master shares it: every write is run exactly once
 * and its waiter gets the outcome its batch gave it; writes made at the
 * same time share batches; no more batches run at once than allowed; a
 * leader that dies mid-batch leaves GC_UNKNOWN to the writes it held and
 * its place to the others; a slot a dead worker left is usable again. With
 * a committer (gc_serve) it runs every batch and no worker leads; when it
 * stops or dies, or before it comes, the workers lead.
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
	atomic_int	committer;               /* the committer's pid, or 0 */
	atomic_int	by_committer;            /* batches it ran */
	atomic_int	by_workers;              /* batches others ran */
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
	atomic_fetch_add(atomic_load(&l->committer) == getpid() ? &l->by_committer :
	    &l->by_workers, 1);
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

/* Forks WORKERS workers that commit WRITES writes each; 1 if all exited 0. */
static int
workers_commit(struct shared *sh)
{
	pid_t pid[WORKERS];
	int clean = 1;

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
	return clean;
}

/* 1 if every write of workers_commit ran exactly once. */
static int
all_once(const struct shared *sh)
{
	for (int w = 0; w < WORKERS; w++)
		for (int k = 0; k < WRITES; k++)
			if (atomic_load(&sh->l.runs[w][k]) != 1)
				return 0;
	return 1;
}

static void
test_workers_at_once(struct shared *sh, int leaders, int fast)
{
	int once;

	sh->gc.leaders = leaders;
	atomic_store(&sh->l.fast, fast);
	T_OK(workers_commit(sh), "%d leaders%s: %d workers committed %d writes each", leaders,
	    fast ? ", instant batches" : "", WORKERS, WRITES);
	once = all_once(sh);
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


/* --- a committer ---------------------------------------------------------- */

static volatile sig_atomic_t committer_stop;

static void
on_term(int sig)
{
	(void)sig;
	committer_stop = 1;
}

/* Forks a committer serving sh->gc with run; it leaves on SIGTERM. */
static pid_t
committer_start(struct shared *sh, gc_run_fn *run)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_term;
		sigaction(SIGTERM, &sa, NULL);
		atomic_store(&sh->l.committer, getpid());
		gc_serve(&sh->gc, run, &sh->l, &committer_stop);
		_exit(0);
	}
	/* Registered: it sets gc->committer before it first sleeps. */
	for (int i = 0; i < 200 && sh->gc.committer != pid; i++)
		pause_ms(5);
	return pid;
}

static int
committer_stop_wait(pid_t pid)
{
	int st;

	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* Every batch runs in the committer; when it leaves, the workers lead. */
static void
test_committer(struct shared *sh)
{
	pid_t c;

	memset(&sh->l, 0, sizeof(sh->l));
	c = committer_start(sh, run_record);
	T_OK(sh->gc.committer == c, "a committer registers itself");
	T_OK(workers_commit(sh), "with a committer: %d workers committed %d writes each",
	    WORKERS, WRITES);
	T_OK(all_once(sh), "every write ran exactly once");
	T_OK(atomic_load(&sh->l.wrong) == 0, "every waiter got its own write's outcome");
	T_OK(atomic_load(&sh->l.by_workers) == 0 && atomic_load(&sh->l.by_committer) > 0,
	    "the committer ran every batch (%d), the workers none (%d)",
	    atomic_load(&sh->l.by_committer), atomic_load(&sh->l.by_workers));
	T_OK(atomic_load(&sh->l.batch_max) > 1, "writes shared its batches (largest: %d)",
	    atomic_load(&sh->l.batch_max));
	T_OK(atomic_load(&sh->l.running_max) == 1, "one batch at a time");
	pause_ms(20);
	T_OK(gc_commit(&sh->gc, 3, "0/1", 4, run_record, &sh->l) == GC_OK &&
	    atomic_load(&sh->l.by_workers) == 0,
	    "a write after a pause wakes the committer, which runs it");

	T_OK(committer_stop_wait(c), "the committer stops on SIGTERM");
	T_OK(sh->gc.committer == 0, "and unregisters");
	memset(&sh->l, 0, sizeof(sh->l));
	T_OK(gc_commit(&sh->gc, 3, "0/2", 4, run_record, &sh->l) == GC_OK &&
	    atomic_load(&sh->l.by_workers) == 1, "then a worker leads its own write");
	memset(&sh->l, 0, sizeof(sh->l));
}

/*
 * A worker leads a slow batch; another write queues behind it; then a
 * committer comes: it takes the queued write (the worker that leads does
 * not hand it the lead).
 */
static void
test_committer_comes(struct shared *sh)
{
	pid_t a, b, c;
	int st;

	if ((a = fork()) == 0)
		_exit(gc_commit(&sh->gc, 0, "0/1", 4, run_slow, &sh->l) == GC_OK ? 0 : 1);
	pause_ms(50);
	if ((b = fork()) == 0)
		_exit(gc_commit(&sh->gc, 1, "1/1", 4, run_record, &sh->l) == GC_OK ? 0 : 1);
	pause_ms(50);
	c = committer_start(sh, run_record);
	waitpid(a, &st, 0);
	T_OK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a worker led before the committer came");
	waitpid(b, &st, 0);
	T_OK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the write queued behind it committed");
	T_OK(atomic_load(&sh->l.by_workers) == 1 && atomic_load(&sh->l.by_committer) == 1,
	    "in the committer's batch, not a lead handed on (workers %d, committer %d)",
	    atomic_load(&sh->l.by_workers), atomic_load(&sh->l.by_committer));
	T_OK(committer_stop_wait(c), "the committer stops");
	memset(&sh->l, 0, sizeof(sh->l));
}

/* A slow batch in the committer, for writes to wait on it. */
static void
run_slow_committer(void *ctx, struct gcommit *gc, const int *slots, int n)
{
	struct ledger *l = ctx;

	pause_ms(300);
	if (atomic_load(&l->committer) == getpid())
		_exit(0);  /* dies mid-batch */
	run_record(ctx, gc, slots, n);
}

/*
 * The committer dies holding a write: its waiter learns GC_UNKNOWN (not a
 * wait forever), and the next writes are led by workers.
 */
static void
test_committer_dies(struct shared *sh)
{
	pid_t a, c;
	int st;

	c = committer_start(sh, run_slow_committer);
	if ((a = fork()) == 0)
		_exit(gc_commit(&sh->gc, 0, "0/1", 4, run_record, &sh->l) == GC_UNKNOWN ? 0 : 1);
	/* Bounded: a committer that never got the write would never die. */
	for (int i = 0; i < 200 && waitpid(c, &st, WNOHANG) == 0; i++)
		pause_ms(10);
	if (waitpid(c, NULL, WNOHANG) == 0) {
		kill(c, SIGKILL);
		waitpid(c, &st, 0);
		st = -1;
	}
	T_OK(st != -1 && WIFEXITED(st), "the committer died in its batch");
	waitpid(a, &st, 0);
	T_OK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "the write it held: GC_UNKNOWN, not a wait forever");
	T_OK(sh->gc.committer == 0, "its registration is gone");
	T_OK(gc_commit(&sh->gc, 1, "1/2", 4, run_record, &sh->l) == GC_OK &&
	    atomic_load(&sh->l.by_workers) == 1, "the next write is led by its worker");
	memset(&sh->l, 0, sizeof(sh->l));

	/* Again, but a new committer registers before the waiter looks. */
	c = committer_start(sh, run_slow_committer);
	if ((a = fork()) == 0)
		_exit(gc_commit(&sh->gc, 0, "0/3", 4, run_record, &sh->l) == GC_UNKNOWN ? 0 : 1);
	waitpid(c, &st, 0);
	c = committer_start(sh, run_record);
	for (int i = 0; i < 300 && waitpid(a, &st, WNOHANG) == 0; i++)
		pause_ms(10);
	if (waitpid(a, NULL, WNOHANG) == 0) {
		kill(a, SIGKILL);
		waitpid(a, &st, 0);
		st = -1;
	}
	T_OK(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "a write the dead committer held is settled when a new one has its place");
	T_OK(gc_commit(&sh->gc, 1, "1/4", 4, run_record, &sh->l) == GC_OK &&
	    atomic_load(&sh->l.by_committer) == 1, "and the new committer commits");
	T_OK(committer_stop_wait(c), "the new committer stops");
	memset(&sh->l, 0, sizeof(sh->l));
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
	test_committer(sh);
	test_committer_comes(sh);
	test_committer_dies(sh);
	munmap(sh, sizeof(*sh));
	return t_done();
}
