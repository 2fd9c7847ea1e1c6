/*
 * Unit tests for lib/proc/changes.c: a reader gets every id published since it
 * last looked, in order, and nothing when nothing changed; it is told to
 * drop everything when it fell too far behind, when CHANGES_ALL was
 * published, or when a slot is half written; and ids published by forked
 * processes at once all reach a reader through shared memory (or it is
 * told to drop everything -- never is one missed).
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "changes.h"
#include "t.h"

struct got {
	char	ids[8192];
	int	n;
};

static void
collect(void *ctx, const char *id)
{
	struct got *g = ctx;

	if (strlen(g->ids) + strlen(id) + 2 < sizeof(g->ids)) {
		if (g->n++ > 0)
			strcat(g->ids, ",");
		strcat(g->ids, id);
	}
}

static void
test_basics(struct changes *c)
{
	unsigned long long seen = changes_now(c);
	struct got g = { "", 0 };

	T_OK(changes_apply(c, &seen, collect, &g) == 0 && g.n == 0, "nothing published: nothing stale");
	changes_publish(c, "agent_a");
	changes_publish(c, "agent_b");
	T_OK(changes_apply(c, &seen, collect, &g) == 0, "two changes: no drop");
	T_STR(g.ids, "agent_a,agent_b", "both ids, in order");
	memset(&g, 0, sizeof(g));
	T_OK(changes_apply(c, &seen, collect, &g) == 0 && g.n == 0, "applied once only");

	for (int i = 0; i < CHANGES_SLOTS + 1; i++)
		changes_publish(c, "agent_x");
	T_OK(changes_apply(c, &seen, collect, &g) == 1, "more than CHANGES_SLOTS behind: drop everything");
	T_OK(seen == changes_now(c), "and the reader is level again");

	changes_publish(c, "agent_c");
	changes_publish(c, CHANGES_ALL);
	memset(&g, 0, sizeof(g));
	T_OK(changes_apply(c, &seen, collect, &g) == 1, "CHANGES_ALL: drop everything");

	char longid[CHANGES_ID_MAX + 10];
	memset(longid, 'a', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	changes_publish(c, longid);
	T_OK(changes_apply(c, &seen, collect, &g) == 1, "an id too long to keep: drop everything");

	/* A publisher that took its generation and has not written yet. */
	atomic_fetch_add(&c->gen, 1);
	atomic_store(&c->slot[changes_now(c) % CHANGES_SLOTS].seq, 0);
	T_OK(changes_apply(c, &seen, collect, &g) == 1, "a half-written slot: drop everything");
}

/*
 * Four processes publish 200 ids each while this one reads. Never missing
 * a change means: from each publisher, ids arrive with no gap, except
 * across a drop-everything (which covers what was published before it),
 * and each publisher's last id arrived or a drop came after it.
 */
static void
test_publishers_at_once(struct changes *c)
{
	unsigned long long seen = changes_now(c);
	int ok = 1, drops = 0, next[4] = { 0 }, covered[4] = { 0 }, status, exited = 1;

	for (int p = 0; p < 4; p++)
		if (fork() == 0) {
			char id[32];
			for (int i = 0; i < 200; i++) {
				snprintf(id, sizeof(id), "agent_%d_%d", p, i);
				changes_publish(c, id);
				if (i % 16 == 0)
					usleep(200);
			}
			_exit(0);
		}
	for (int live = 4, last = 0; !last; ) {
		struct got g = { "", 0 };
		char *save = NULL, *tok;

		if (live == 0)
			last = 1;   /* one more look after every publisher ended */
		while (live > 0 && waitpid(-1, &status, WNOHANG) > 0) {
			live--;
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
				exited = 0;
		}
		if (changes_apply(c, &seen, collect, &g) == 1) {
			drops++;
			for (int p = 0; p < 4; p++)
				covered[p] = 1;
			continue;
		}
		for (tok = strtok_r(g.ids, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
			int p, i;
			if (sscanf(tok, "agent_%d_%d", &p, &i) != 2 || p < 0 || p > 3 ||
			    (covered[p] ? i < next[p] : i != next[p]))
				ok = 0;
			else {
				next[p] = i + 1;
				covered[p] = 0;
			}
		}
		usleep(50);
	}
	T_OK(exited, "the four publishers finished");
	T_OK(ok, "each publisher's ids arrived in order, gaps only across a drop (%d drops)", drops);
	T_OK((next[0] == 200 || covered[0]) && (next[1] == 200 || covered[1]) &&
	    (next[2] == 200 || covered[2]) && (next[3] == 200 || covered[3]),
	    "every publisher's last id arrived or a drop came after it");
	T_OK(seen == changes_now(c), "the reader ends level");
}

int
main(void)
{
	struct changes *c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	T_OK(c != MAP_FAILED, "shared mapping");
	if (c == MAP_FAILED)
		return t_done();
	test_basics(c);
	test_publishers_at_once(c);
	munmap(c, sizeof(*c));
	return t_done();
}
