/*
 * The CPU gate of a program's workers, in memory they share with their
 * master: at most `limit` workers hold a place at once, and a worker takes
 * one before it accepts a request. It keeps its place from request to
 * request while it works on the CPU, and gives it back as soon as it is
 * about to wait on something outside its process (a statement, the group
 * commit, an HTTP call, an MCP stream); its next accept then goes without
 * a place (workers that wait are seldom all runnable at once), and after a
 * request that did not wait it comes back to the gate. Workers without a
 * place wait on the gate, so requests queue in the socket's backlog, in
 * order, instead of in the scheduler's run queue between many runnable
 * workers -- where nginx, which feeds them, got an ever smaller share of
 * the CPU.
 *
 * Measured on two cores, 16 workers, wrk -c32 against the no-DB agent:
 * limit 1-2 served 19,000-24,000 calls/s at p99 5-6 ms, against
 * 13,300-19,000 at p99 6-13 ms without the gate (in the same phases of the
 * machine), with 0.8 context switches per call in the workers against
 * 1.7; limit 3 gained a fraction of that. The agent that inserts waits at
 * every call: 1.5-1.6 context switches per call with or without the gate,
 * but 1.7-1.8 when it had to wait for a place after each commit.
 *
 * A place is a bit per worker slot, so a worker that dies holding one is
 * found by its slot (gate_reclaim). A holder that waits somewhere the code
 * does not give its place back cannot stall the program: the master looks
 * every GATE_TICK_MS (gate_tick) and opens the gate when the limit is
 * reached, a connection waits, and no holder has moved for two looks.
 */
#ifndef ORX_GATE_H
#define ORX_GATE_H

#include <signal.h>
#include <stdatomic.h>

#define GATE_SLOTS	128   /* the master's worker slots */
#define GATE_TICK_MS	100

struct gate {
	atomic_uint		seq;      /* the futex word: moves when a place frees */
	atomic_uint		waiters;  /* workers asleep on seq */
	atomic_uint		limit;    /* places; 0 = no gate */
	atomic_uint		open;     /* set by the master: pass without a place */
	atomic_ullong		moves;    /* holders' releases and finished requests */
	atomic_ullong		opened;   /* times the master opened the gate */
	atomic_ullong		held[GATE_SLOTS / 64];   /* a bit per slot */
};

/* A worker's handle on the gate: NULL gate = no gate (every call a no-op). */
struct gate_pass {
	struct gate	*gate;
	int		 slot;
	int		 held;
	int		 waited;   /* gate_leave() since the last gate_enter() */
};

/* The master's memory between two gate_tick()s (zeroed at first). */
struct gate_watch {
	unsigned long long	 seen;    /* gate->moves at the last look */
	int			 stuck;   /* looks in a row that found it stuck */
};

void	gate_init(struct gate *, unsigned limit);
void	gate_set_limit(struct gate *, unsigned limit);
void	gate_enter(struct gate_pass *, volatile sig_atomic_t *stop);
void	gate_leave(struct gate_pass *);
void	gate_done(struct gate_pass *);
void	gate_reclaim(struct gate *, int slot);
unsigned gate_holders(struct gate *);
int	gate_tick(struct gate *, struct gate_watch *, int backlog);

#endif
