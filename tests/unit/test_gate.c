/*
 * Unit tests for lib/proc/gate.c, with forked processes as the workers and the
 * gate in memory shared as the master shares it: no more workers hold a
 * place than the limit, and each place is used; with no limit everyone
 * passes; a place a dead worker held is freed by gate_reclaim; a waiter
 * told to stop returns; the master's look opens a gate whose holders have
 * not moved while a connection waits, and closes it when they move.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gate.h"
#include "t.h"

#define WORKERS	8
#define ROUNDS	300

struct shared {
	struct gate	g;
	atomic_int	inside;      /* workers between enter and leave/done now */
	atomic_int	inside_max;
	atomic_int	arrived;
};

static volatile sig_atomic_t stop;

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void
pause_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000L };

	nanosleep(&ts, NULL);
}

static struct gate_pass
pass_of(struct shared *sh, int slot)
{
	struct gate_pass p = { &sh->g, slot, 0, 0 };

	return p;
}

/* 1 if pid has not exited yet (it waits on the gate). */
static int
still_running(pid_t pid)
{
	int st;

	pause_us(100000);
	return waitpid(pid, &st, WNOHANG) == 0;
}

static int
exited_ok(pid_t pid)
{
	int st;

	return waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/*
 * WORKERS workers serve ROUNDS requests each: a place first; every third
 * request waits "on the database" (gives its place back, and the next
 * request goes without one), the others finish and keep it.
 */
static void
test_limit(struct shared *sh, unsigned limit)
{
	pid_t pid[WORKERS];
	int clean = 1;

	gate_set_limit(&sh->g, limit);
	atomic_store(&sh->inside_max, 0);
	for (int w = 0; w < WORKERS; w++) {
		if ((pid[w] = fork()) == 0) {
			struct gate_pass p = pass_of(sh, w);

			for (int k = 0; k < ROUNDS; k++) {
				int now, m;

				gate_enter(&p, &stop);
				if (!p.held) {
					if (k == 0 || (k - 1) % 3 != 0)
						_exit(2);   /* no place, and no wait before */
					pause_us(50);
					continue;
				}
				now = atomic_fetch_add(&sh->inside, 1) + 1;
				while (now > (m = atomic_load(&sh->inside_max)) &&
				    !atomic_compare_exchange_weak(&sh->inside_max, &m, now))
					;
				pause_us(50);
				atomic_fetch_sub(&sh->inside, 1);
				if (k % 3 == 0)
					gate_leave(&p);
				else
					gate_done(&p);
			}
			gate_leave(&p);
			_exit(0);
		}
	}
	for (int w = 0; w < WORKERS; w++)
		clean &= exited_ok(pid[w]);
	T_OK(clean, "limit %u: %d workers served %d requests each, with a place "
	    "unless the one before waited", limit, WORKERS, ROUNDS);
	T_OK(atomic_load(&sh->inside_max) == (int)limit,
	    "never more than %u at work at once, and that many were (%d)", limit,
	    atomic_load(&sh->inside_max));
	T_OK(gate_holders(&sh->g) == 0, "every place was given back");
}

/* After a wait (gate_leave), one request goes without a place. */
static void
test_after_a_wait(struct shared *sh)
{
	struct gate_pass p = pass_of(sh, 3);

	gate_set_limit(&sh->g, 1);
	gate_enter(&p, &stop);
	T_OK(p.held && gate_holders(&sh->g) == 1, "a place taken");
	gate_leave(&p);
	T_OK(!p.held && gate_holders(&sh->g) == 0, "given back before a wait");
	gate_enter(&p, &stop);
	T_OK(!p.held && gate_holders(&sh->g) == 0, "the request after a wait takes none");
	gate_done(&p);
	gate_enter(&p, &stop);
	T_OK(p.held && gate_holders(&sh->g) == 1, "the one after that takes one again");
	gate_leave(&p);
	p.waited = 0;
}

/* No limit: all WORKERS get in at once (each waits for all inside). */
static void
test_no_limit(struct shared *sh)
{
	pid_t pid[WORKERS];
	int clean = 1;

	gate_set_limit(&sh->g, 0);
	atomic_store(&sh->arrived, 0);
	for (int w = 0; w < WORKERS; w++) {
		if ((pid[w] = fork()) == 0) {
			struct gate_pass p = pass_of(sh, w);

			gate_enter(&p, &stop);
			atomic_fetch_add(&sh->arrived, 1);
			for (int i = 0; i < 5000 && atomic_load(&sh->arrived) < WORKERS; i++)
				pause_us(1000);
			_exit(atomic_load(&sh->arrived) == WORKERS && !p.held ? 0 : 1);
		}
	}
	for (int w = 0; w < WORKERS; w++)
		clean &= exited_ok(pid[w]);
	T_OK(clean, "limit 0: every worker passes at once, holding no place");
}

/* A worker dies with its place; the master frees it. */
static void
test_reclaim(struct shared *sh)
{
	struct gate_pass dead = pass_of(sh, 70);
	pid_t a, b;

	gate_set_limit(&sh->g, 1);
	if ((a = fork()) == 0) {
		gate_enter(&dead, &stop);
		_exit(dead.held ? 0 : 1);   /* dies holding it */
	}
	T_OK(exited_ok(a) && gate_holders(&sh->g) == 1,
	    "a worker that died holding a place still holds it");
	if ((b = fork()) == 0) {
		struct gate_pass p = pass_of(sh, 71);

		gate_enter(&p, &stop);
		_exit(p.held ? 0 : 1);
	}
	T_OK(still_running(b), "the next worker waits for it");
	gate_reclaim(&sh->g, 70);
	T_OK(exited_ok(b), "gate_reclaim frees it, and the waiter takes it");
	gate_reclaim(&sh->g, 71);   /* b exited holding its own */
	gate_reclaim(&sh->g, 71);
	T_OK(gate_holders(&sh->g) == 0, "reclaiming a free place twice changes nothing");
}

/* A waiter told to stop returns, without a place. */
static void
test_stop(struct shared *sh)
{
	struct gate_pass holder = pass_of(sh, 0);
	pid_t a;

	gate_set_limit(&sh->g, 1);
	gate_enter(&holder, &stop);
	if ((a = fork()) == 0) {
		struct gate_pass p = pass_of(sh, 1);
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_term;
		sigaction(SIGTERM, &sa, NULL);
		gate_enter(&p, &stop);
		_exit(!p.held && stop ? 0 : 1);
	}
	T_OK(still_running(a), "a worker waits while the only place is held");
	kill(a, SIGTERM);
	T_OK(exited_ok(a), "told to stop, it returns without a place");
	gate_leave(&holder);
}

/* The master's look: open when stuck at two looks in a row, closed on a move. */
static void
test_tick(struct shared *sh)
{
	struct gate_pass holder = pass_of(sh, 0);
	struct gate_watch watch;
	unsigned long long opened = atomic_load(&sh->g.opened);
	pid_t a;

	memset(&watch, 0, sizeof(watch));
	gate_set_limit(&sh->g, 1);
	gate_enter(&holder, &stop);
	(void)gate_tick(&sh->g, &watch, 1);
	T_OK(gate_tick(&sh->g, &watch, 0) == 0 && gate_tick(&sh->g, &watch, 0) == 0,
	    "no connection waiting: the gate stays shut");
	gate_done(&holder);
	T_OK(gate_tick(&sh->g, &watch, 1) == 0, "a holder that moved: shut");
	if ((a = fork()) == 0) {
		struct gate_pass p = pass_of(sh, 1);

		gate_enter(&p, &stop);
		_exit(!p.held ? 0 : 1);
	}
	T_OK(gate_tick(&sh->g, &watch, 1) == 0, "stuck at one look: still shut");
	T_OK(still_running(a), "and a worker waits");
	T_OK(gate_tick(&sh->g, &watch, 1) == 1, "stuck at two looks in a row: open");
	T_OK(exited_ok(a), "the waiter passes, without a place");
	T_OK(atomic_load(&sh->g.opened) == opened + 1, "the opening is counted");
	T_OK(gate_tick(&sh->g, &watch, 1) == 1, "open while the holder has not moved");
	gate_done(&holder);
	T_OK(gate_tick(&sh->g, &watch, 1) == 0, "shut again once it moves");
	gate_leave(&holder);
	gate_leave(&holder);
	T_OK(gate_holders(&sh->g) == 0, "a second gate_leave is a no-op");

	holder = pass_of(sh, 0);
	gate_enter(&holder, &stop);
	memset(&watch, 0, sizeof(watch));
	gate_set_limit(&sh->g, 2);
	(void)gate_tick(&sh->g, &watch, 1);
	T_OK(holder.held && gate_tick(&sh->g, &watch, 1) == 0,
	    "one of two places held, stuck: never opened");
	gate_leave(&holder);
}

int
main(void)
{
	struct shared *sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct gate_pass none = { NULL, 0, 0, 0 };

	if (sh == MAP_FAILED)
		return 1;
	gate_init(&sh->g, 2);
	gate_enter(&none, &stop);
	gate_leave(&none);
	gate_done(&none);
	gate_leave(NULL);
	T_OK(!none.held, "no gate: enter, leave and done do nothing");
	test_after_a_wait(sh);
	test_limit(sh, 1);
	test_limit(sh, 2);
	test_limit(sh, 3);
	test_no_limit(sh);
	test_reclaim(sh);
	test_stop(sh);
	test_tick(sh);
	munmap(sh, sizeof(*sh));
	return t_done();
}
