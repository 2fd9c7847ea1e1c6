/* The Orchestrix worker's own state: built once, used by every request. */
#include <stdlib.h>

#include "orchestrix.h"

#define PLAN_CACHE_ENTRIES 64

int
orx_worker_init(struct app *app)
{
	struct orx_state *st = calloc(1, sizeof(*st));

	if (st == NULL)
		return -1;
	if (run_kit_init(&st->kit, PLAN_CACHE_ENTRIES) == -1) {
		free(st);
		return -1;
	}
	app->prog = st;
	return 0;
}

void
orx_worker_fini(struct app *app)
{
	struct orx_state *st = app->prog;

	if (st == NULL)
		return;
	run_kit_fini(&st->kit);
	free(st);
	app->prog = NULL;
}
