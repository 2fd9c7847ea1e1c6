/*
 * Rate limits kept in memory shared by a program's processes: one
 * generic-cell-rate (GCRA) bucket per key -- the runtime's agents, each
 * with the rate its deployment package set -- so that every worker of a
 * host counts against the same limit. A bucket is one atomic word (the
 * theoretical arrival time of the next call), changed by compare-and-swap:
 * no lock a dying worker could leave held, no system call.
 *
 * Keys are hashed into RL_SLOTS slots with a short probe; when every slot
 * of a probe is taken, the one idle longest is given to the new key (its
 * old key then starts again with a full burst).
 */
#ifndef ORX_RATELIMIT_H
#define ORX_RATELIMIT_H

#include <stdatomic.h>

#define RL_SLOTS	4096
#define RL_PROBE	16

struct rl_slot {
	atomic_ullong	key;   /* hash of the key, 0 = free */
	atomic_llong	tat;   /* µs, monotonic: when the bucket is empty again */
};

struct ratelimit {
	struct rl_slot	slot[RL_SLOTS];
};

/*
 * One call of key at now_us (monotonic µs), allowed at rate_milli / 1000
 * calls per second with bursts of burst calls. Returns 1 if allowed, or 0
 * with *retry_us set to how long until a call would be.
 */
int	rl_take(struct ratelimit *, const char *key, unsigned long rate_milli,
	    unsigned burst, long long now_us, long long *retry_us);

#endif
