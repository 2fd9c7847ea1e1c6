/*
 * The per-worker kit of both programs (lib/engine/runkit.h).
 */
#include <string.h>

#include "config.h"
#include "crypto.h"
#include "engine.h"
#include "log.h"
#include "runkit.h"
#include "sealed.h"
#include "toolcheck.h"

/*
 * Builds the catalog and an empty plan cache of plan_entries, and loads the
 * secrets key (its absence is logged: secrets are then refused). Returns 0,
 * or -1 when memory ran out (nothing is left allocated).
 */
int
run_kit_init(struct run_kit *k, const struct config *cfg, size_t plan_entries)
{
	const char *kf = config_get(cfg, CFG_SECRET_KEY_FILE);

	memset(k, 0, sizeof(*k));
	k->catalog = catalog_new();
	k->plans = plan_cache_new(plan_entries);
	if (k->catalog == NULL || k->plans == NULL) {
		run_kit_fini(k);
		return -1;
	}
	k->have_key = key_file_load(kf, k->secret_key) == 0;
	if (!k->have_key)
		log_warn("no secrets key in %s: workflow secrets are disabled", kf);
	return 0;
}

void
run_kit_fini(struct run_kit *k)
{
	catalog_free(k->catalog);
	plan_cache_free(k->plans);
	crypto_wipe(k->secret_key, sizeof(k->secret_key));
	k->catalog = NULL;
	k->plans = NULL;
	k->have_key = 0;
}
