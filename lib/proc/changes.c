/*
 * The shared log of changed ids; see changes.h. Slot g % CHANGES_SLOTS
 * holds generation g's id; a slot's seq is the generation it holds, set
 * (release) after its id is written and cleared before it is rewritten.
 */
#include <string.h>

#include "changes.h"

void
changes_publish(struct changes *c, const char *id)
{
	unsigned long long g = atomic_fetch_add_explicit(&c->gen, 1, memory_order_acq_rel) + 1;
	struct changes_slot *s = &c->slot[g % CHANGES_SLOTS];

	atomic_store_explicit(&s->seq, 0, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	strncpy(s->id, strlen(id) < CHANGES_ID_MAX ? id : CHANGES_ALL, CHANGES_ID_MAX - 1);
	s->id[CHANGES_ID_MAX - 1] = '\0';
	atomic_store_explicit(&s->seq, g, memory_order_release);
}

/* The newest generation: where a new reader starts. */
unsigned long long
changes_now(const struct changes *c)
{
	return atomic_load_explicit(&c->gen, memory_order_acquire);
}

/*
 * Hands each id published after *seen to stale(), in order, and moves
 * *seen on. Returns 0, or 1 when the reader must drop everything instead
 * (stale() was then not called for the rest): it fell too far behind, a
 * slot was being rewritten, or CHANGES_ALL was published.
 */
int
changes_apply(const struct changes *c, unsigned long long *seen,
    void (*stale)(void *, const char *), void *ctx)
{
	unsigned long long now = atomic_load_explicit(&c->gen, memory_order_acquire), g;
	char id[CHANGES_ID_MAX];

	if (now == *seen)
		return 0;
	if (now - *seen > CHANGES_SLOTS) {
		*seen = now;
		return 1;
	}
	for (g = *seen + 1; g <= now; g++) {
		const struct changes_slot *s = &c->slot[g % CHANGES_SLOTS];
		unsigned long long s1 = atomic_load_explicit(&s->seq, memory_order_acquire), s2;

		memcpy(id, s->id, sizeof(id));
		atomic_thread_fence(memory_order_acquire);
		s2 = atomic_load_explicit(&s->seq, memory_order_relaxed);
		id[sizeof(id) - 1] = '\0';
		if (s1 != g || s2 != g || strcmp(id, CHANGES_ALL) == 0) {
			*seen = now;
			return 1;
		}
		stale(ctx, id);
	}
	*seen = now;
	return 0;
}
