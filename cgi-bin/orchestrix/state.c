/* The Orchestrix worker's own state: built once, used by every request. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "crypto.h"
#include "sealed.h"
#include "engine.h"
#include "log.h"
#include "orchestrix.h"
#include "toolcheck.h"

#define PLAN_CACHE_ENTRIES 64

int
orx_worker_init(struct app *app)
{
	struct orx_state *st = calloc(1, sizeof(*st));
	const char *kf = config_get(app->cfg, CFG_SECRET_KEY_FILE);

	if (st == NULL)
		return -1;
	st->catalog = catalog_new();
	st->plans = plan_cache_new(PLAN_CACHE_ENTRIES);
	st->have_key = key_file_load(kf, st->secret_key) == 0;
	if (!st->have_key)
		log_warn("no secrets key in %s: workflow secrets are disabled", kf);
	app->prog = st;
	return 0;
}

void
orx_worker_fini(struct app *app)
{
	struct orx_state *st = app->prog;

	if (st == NULL)
		return;
	catalog_free(st->catalog);
	plan_cache_free(st->plans);
	crypto_wipe(st->secret_key, sizeof(st->secret_key));
	free(st);
	app->prog = NULL;
}
