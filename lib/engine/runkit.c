/*
 * The per-worker kit of both programs (lib/engine/runkit.h).
 */
#include <string.h>

#include "engine.h"
#include "runkit.h"
#include "toolcheck.h"

/*
 * Builds the catalog and an empty plan cache of plan_entries. Returns 0,
 * or -1 when memory ran out (nothing is left allocated).
 */
int
run_kit_init(struct run_kit *k, size_t plan_entries)
{
	memset(k, 0, sizeof(*k));
	k->catalog = catalog_new();
	k->plans = plan_cache_new(plan_entries);
	if (k->catalog == NULL || k->plans == NULL) {
		run_kit_fini(k);
		return -1;
	}
	return 0;
}

void
run_kit_fini(struct run_kit *k)
{
	catalog_free(k->catalog);
	plan_cache_free(k->plans);
	k->catalog = NULL;
	k->plans = NULL;
}
