/*
 * A log of changed ids in memory shared by a program's processes, so a
 * worker learns that a cached thing went stale with one atomic load per
 * request instead of a system call (the runtime's compiled agents: a
 * worker that replaces an agent, or the process that LISTENs for other
 * hosts' changes, publishes its id; every worker applies what is new
 * before serving a call).
 *
 * Publishers may be many and concurrent: each takes a generation number
 * and writes its slot under a sequence check. A reader that finds a slot
 * overwritten or half written, or fell more than CHANGES_SLOTS behind,
 * is told to drop everything instead -- never to miss a change.
 */
#ifndef ORX_CHANGES_H
#define ORX_CHANGES_H

#include <stdatomic.h>
#include <stddef.h>

#define CHANGES_SLOTS	64
#define CHANGES_ID_MAX	80
#define CHANGES_ALL	"*"   /* published id: everything is stale */

struct changes_slot {
	atomic_ullong	seq;   /* the generation written here; 0 while writing */
	char		id[CHANGES_ID_MAX];
};

struct changes {
	atomic_ullong		gen;
	struct changes_slot	slot[CHANGES_SLOTS];
};

void			changes_publish(struct changes *, const char *id);
unsigned long long	changes_now(const struct changes *);
int			changes_apply(const struct changes *, unsigned long long *seen,
			    void (*stale)(void *ctx, const char *id), void *ctx);

#endif
