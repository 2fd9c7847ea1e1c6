/*
 * Shared-memory rate limits (lib/proc/ratelimit.h). GCRA: a bucket of rate
 * r and burst b is its theoretical arrival time tat; a call at t is allowed
 * when tat - t <= (b - 1) / r, and then moves tat to max(tat, t) + 1 / r.
 */
#include <stdint.h>
#include <string.h>

#include "ratelimit.h"

/* FNV-1a, never 0 (0 marks a free slot). */
static unsigned long long
key_hash(const char *s)
{
	unsigned long long h = 1469598103934665603ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h != 0 ? h : 1;
}

/* The slot of key h: found, claimed free, or the longest idle one taken over. */
static struct rl_slot *
slot_of(struct ratelimit *rl, unsigned long long h)
{
	struct rl_slot *idle = NULL;
	long long idle_tat = INT64_MAX;

	for (unsigned i = 0; i < RL_PROBE; i++) {
		struct rl_slot *s = &rl->slot[(h + i) % RL_SLOTS];
		unsigned long long k = atomic_load(&s->key), zero = 0;

		if (k == h)
			return s;
		if (k == 0) {
			if (atomic_compare_exchange_strong(&s->key, &zero, h)) {
				atomic_store(&s->tat, 0);
				return s;
			}
			if (zero == h)   /* another process claimed it for h */
				return s;
		}
		if (atomic_load(&s->tat) < idle_tat) {
			idle_tat = atomic_load(&s->tat);
			idle = s;
		}
	}
	/* Every slot of the probe holds another key: the idlest changes hands. */
	unsigned long long old = atomic_load(&idle->key);
	if (old != h && atomic_compare_exchange_strong(&idle->key, &old, h))
		atomic_store(&idle->tat, 0);
	return idle;
}

int
rl_take(struct ratelimit *rl, const char *key, unsigned long rate_milli,
    unsigned burst, long long now_us, long long *retry_us)
{
	struct rl_slot *s = slot_of(rl, key_hash(key));
	long long interval, tolerance, tat, next;

	*retry_us = 0;
	if (rate_milli == 0)
		return 1;
	if (burst == 0)
		burst = 1;
	interval = (long long)(1000000000ULL / rate_milli);   /* µs per call */
	if (interval < 1)
		interval = 1;
	tolerance = interval * (long long)(burst - 1);
	tat = atomic_load(&s->tat);
	for (;;) {
		long long base = tat > now_us ? tat : now_us;

		if (base - now_us > tolerance) {
			*retry_us = base - now_us - tolerance;
			return 0;
		}
		next = base + interval;
		if (atomic_compare_exchange_weak(&s->tat, &tat, next))
			return 1;
	}
}
