/*
 * What a worker of either program needs to check and run workflows, built
 * once at worker start: the tool catalog (compiled config schemas) and a
 * cache of compiled plans. (The secrets keys come from the master:
 * app->keys.)
 */
#ifndef ORX_RUNKIT_H
#define ORX_RUNKIT_H

#include <stddef.h>

#include "ids.h"

struct catalog;
struct plan_cache;

struct run_kit {
	struct catalog		*catalog;
	struct plan_cache	*plans;
	struct id_pool		 ids;        /* execution and document ids */
	/* The key of approval links (lib/exec/link.c), read at first use. */
	unsigned char		 link_key[32];
	int			 have_link_key;
};

int	run_kit_init(struct run_kit *, size_t plan_entries);
void	run_kit_fini(struct run_kit *);

#endif
