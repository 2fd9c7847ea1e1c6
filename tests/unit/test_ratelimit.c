/*
 * Unit tests for lib/proc/ratelimit.c: a burst is allowed at once and no
 * more, calls come back at the rate, keys are independent, fractional
 * rates work, a full probe hands the idlest slot over, and processes
 * sharing the memory count against one limit.
 */
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ratelimit.h"
#include "t.h"

static struct ratelimit *
shared_limits(void)
{
	void *p = mmap(NULL, sizeof(struct ratelimit), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static int
allowed(struct ratelimit *rl, const char *key, unsigned long milli, unsigned burst,
    long long now, int n)
{
	long long retry;
	int ok = 0;

	for (int i = 0; i < n; i++)
		ok += rl_take(rl, key, milli, burst, now, &retry);
	return ok;
}

static void
test_burst_and_rate(struct ratelimit *rl)
{
	long long t = 1000000000, retry = 0;

	T_OK(allowed(rl, "agent_a", 10000, 5, t, 20) == 5,
	    "10/s burst 5: 5 of 20 calls at one instant");
	T_OK(rl_take(rl, "agent_a", 10000, 5, t, &retry) == 0 && retry == 100000,
	    "the next is refused, to come back in 100 ms (%lld µs)", retry);
	T_OK(allowed(rl, "agent_a", 10000, 5, t + 99999, 1) == 0, "not before");
	T_OK(allowed(rl, "agent_a", 10000, 5, t + 100000, 3) == 1, "then one, at the rate");
	T_OK(allowed(rl, "agent_a", 10000, 5, t + 1100000, 20) == 5,
	    "after a quiet second, a whole burst again");
	T_OK(allowed(rl, "agent_b", 10000, 5, t, 20) == 5, "another key has its own bucket");
	T_OK(allowed(rl, "agent_c", 500, 1, t, 3) == 1 &&
	    allowed(rl, "agent_c", 500, 1, t + 1999999, 1) == 0 &&
	    allowed(rl, "agent_c", 500, 1, t + 2000000, 1) == 1,
	    "0.5/s: a call every 2 s");
	T_OK(allowed(rl, "agent_d", 0, 0, t, 100) == 100, "rate 0: no limit");
}

static void
test_full_probe(struct ratelimit *rl)
{
	char key[32];
	long long t = 5000000000LL, retry;
	int ok = 1;

	/* Far more keys than slots: each still gets its first call. */
	for (int i = 0; i < 3 * RL_SLOTS; i++) {
		snprintf(key, sizeof(key), "agent_%08d", i);
		ok &= rl_take(rl, key, 1000, 1, t + i, &retry);
	}
	T_OK(ok, "3 x RL_SLOTS keys: every first call allowed (slots handed over)");
}

static void
test_processes_share(struct ratelimit *rl)
{
	int fd[2], got = 0, n;
	long long t = 9000000000LL;

	if (pipe(fd) != 0)
		return;
	for (int c = 0; c < 4; c++)
		if (fork() == 0) {
			char one = (char)allowed(rl, "shared_agent", 1000, 50, t, 40);
			(void)!write(fd[1], &one, 1);
			_exit(0);
		}
	for (int c = 0; c < 4; c++) {
		char one = 0;
		if (read(fd[0], &one, 1) == 1)
			got += one;
		wait(&n);
	}
	T_OK(got == 50, "4 processes x 40 calls against burst 50: 50 allowed in all (%d)", got);
	close(fd[0]);
	close(fd[1]);
}

int
main(void)
{
	struct ratelimit *rl = shared_limits();

	T_OK(rl != NULL, "shared mapping");
	if (rl == NULL)
		return t_done();
	test_burst_and_rate(rl);
	test_full_probe(rl);
	test_processes_share(rl);
	munmap(rl, sizeof(*rl));
	return t_done();
}
