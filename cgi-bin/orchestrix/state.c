/* The Orchestrix worker's own state: built once, used by every request. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "crypto.h"
#include "engine.h"
#include "log.h"
#include "orchestrix.h"
#include "toolcheck.h"

#define PLAN_CACHE_ENTRIES 64

/* Reads the 64-hex-digit secrets key; a missing key disables secrets. */
static int
load_key(const char *path, unsigned char key[32])
{
	char hex[80] = "";
	FILE *f = fopen(path, "r");
	int ok;

	if (f == NULL)
		return -1;
	ok = fgets(hex, sizeof(hex), f) != NULL;
	fclose(f);
	hex[strcspn(hex, "\r\n")] = '\0';
	ok = ok && crypto_key_from_hex(hex, key) == 0;
	crypto_wipe(hex, sizeof(hex));
	return ok ? 0 : -1;
}

int
orx_worker_init(struct app *app)
{
	struct orx_state *st = calloc(1, sizeof(*st));
	const char *kf = config_get(app->cfg, CFG_SECRET_KEY_FILE);

	if (st == NULL)
		return -1;
	st->catalog = catalog_new();
	st->plans = plan_cache_new(PLAN_CACHE_ENTRIES);
	st->have_key = load_key(kf, st->secret_key) == 0;
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
