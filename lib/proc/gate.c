/*
 * The CPU gate of a program's workers; see gate.h.
 *
 * Places are bits of gate->held, one per worker slot: taking one is an
 * atomic OR, then a check that the count is still within the limit (two
 * workers that took the last place at once both give it back and try
 * again). A worker that finds no place sleeps on gate->seq, which moves
 * whenever a place frees, the limit changes or the gate opens.
 */
#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "gate.h"

#define SLEEP_MS	1000  /* a waiter looks at its stop flag this often */

static void
wake(struct gate *g, int n)
{
	atomic_fetch_add(&g->seq, 1);
	if (atomic_load(&g->waiters) > 0)
		syscall(SYS_futex, (unsigned *)&g->seq, FUTEX_WAKE, n, NULL, NULL, 0);
}

static void
sleep_on(struct gate *g, unsigned seen)
{
	struct timespec ts = { SLEEP_MS / 1000, (SLEEP_MS % 1000) * 1000000L };

	atomic_fetch_add(&g->waiters, 1);
	(void)syscall(SYS_futex, (unsigned *)&g->seq, FUTEX_WAIT, seen, &ts, NULL, 0);
	atomic_fetch_sub(&g->waiters, 1);
}

static unsigned long long
bit(int slot)
{
	return 1ULL << (slot % 64);
}

/* Sets up g in shared, zeroed memory, before any worker forks. */
void
gate_init(struct gate *g, unsigned limit)
{
	atomic_store(&g->limit, limit);
}

/* A new limit (0: no gate), e.g. on reload, shut; waiters look again. */
void
gate_set_limit(struct gate *g, unsigned limit)
{
	atomic_store(&g->limit, limit);
	atomic_store(&g->open, 0);
	wake(g, INT_MAX);
}

/* How many places are held. */
unsigned
gate_holders(struct gate *g)
{
	unsigned n = 0;

	for (int i = 0; i < GATE_SLOTS / 64; i++)
		n += (unsigned)__builtin_popcountll(atomic_load(&g->held[i]));
	return n;
}

/*
 * Takes a place for p's worker, sleeping until one is free; returns at
 * once if it holds one already, if there is no limit or the gate is open
 * (then without a place), or when *stop is set.
 */
void
gate_enter(struct gate_pass *p, volatile sig_atomic_t *stop)
{
	struct gate *g = p->gate;
	atomic_ullong *word;

	if (g == NULL || p->held || p->slot < 0 || p->slot >= GATE_SLOTS)
		return;
	/* A worker whose last request waited outside its process goes on
	 * without a place: such workers are seldom all runnable at once, and
	 * waiting for a place after every commit cost the agent that inserts
	 * a context switch more per call. */
	if (p->waited) {
		p->waited = 0;
		return;
	}
	word = &g->held[p->slot / 64];
	while (!*stop) {
		/* Read before looking, so that a place freed meanwhile ends the sleep. */
		unsigned seen = atomic_load(&g->seq);
		unsigned limit = atomic_load(&g->limit);

		if (limit == 0 || atomic_load(&g->open))
			return;
		if (gate_holders(g) < limit) {
			atomic_fetch_or(word, bit(p->slot));
			if (gate_holders(g) <= limit) {
				p->held = 1;
				return;
			}
			atomic_fetch_and(word, ~bit(p->slot));
			continue;
		}
		sleep_on(g, seen);
	}
}

/*
 * Before a wait outside the process: gives p's place back, if it holds
 * one, and wakes one waiter; the next gate_enter() takes none.
 */
void
gate_leave(struct gate_pass *p)
{
	if (p == NULL || p->gate == NULL)
		return;
	p->waited = 1;
	if (!p->held)
		return;
	p->held = 0;
	atomic_fetch_and(&p->gate->held[p->slot / 64], ~bit(p->slot));
	atomic_fetch_add(&p->gate->moves, 1);
	wake(p->gate, 1);
}

/* A request finished: a holder that keeps its place still moved. */
void
gate_done(struct gate_pass *p)
{
	if (p->gate != NULL && p->held)
		atomic_fetch_add_explicit(&p->gate->moves, 1, memory_order_relaxed);
}

/* The master, for a worker of slot that died: frees the place it held. */
void
gate_reclaim(struct gate *g, int slot)
{
	if (g == NULL || slot < 0 || slot >= GATE_SLOTS)
		return;
	if (atomic_fetch_and(&g->held[slot / 64], ~bit(slot)) & bit(slot)) {
		atomic_fetch_add(&g->moves, 1);
		wake(g, 1);
	}
}

/*
 * The master's periodic look. backlog: a connection waits to be accepted.
 * Opens the gate when, at two looks in a row, every place was held, a
 * connection waited, and no holder had moved since the look before: they
 * wait on something that did not give their places back, or work long on
 * the CPU. (One look could catch idle holders in accept the moment a
 * connection arrives.) Closes it once a holder moves again. Returns 1
 * while open.
 */
int
gate_tick(struct gate *g, struct gate_watch *w, int backlog)
{
	unsigned long long moves = atomic_load(&g->moves);
	unsigned limit = atomic_load(&g->limit);

	if (atomic_load(&g->open)) {
		if (moves != w->seen || limit == 0)
			atomic_store(&g->open, 0);
		w->stuck = 0;
	} else if (limit > 0 && backlog && moves == w->seen && gate_holders(g) >= limit) {
		if (++w->stuck >= 2) {
			atomic_store(&g->open, 1);
			atomic_fetch_add(&g->opened, 1);
			wake(g, INT_MAX);
			w->stuck = 0;
		}
	} else
		w->stuck = 0;
	w->seen = moves;
	return (int)atomic_load(&g->open);
}
