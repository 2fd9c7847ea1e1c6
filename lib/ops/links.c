/*
 * Where the approval links of the development side point (lib/exec/link.c
 * signs them): the page /approve/<token> under ORX_PUBLIC_URL.
 */
#include <string.h>

#include "arena.h"
#include "config.h"
#include "exec.h"
#include "ops.h"

/* Where approval links point: the page that answers them. */
#define LINK_PATH	"/approve/"

/* The public base URL of links (ORX_PUBLIC_URL, no trailing slash). */
static const char *
link_base(const struct op_env *env)
{
	const char *u = config_get(env->cfg, CFG_PUBLIC_URL);
	size_t n = strlen(u);

	while (n > 0 && u[n - 1] == '/')
		n--;
	return arena_printf(env->arena, "%.*s" LINK_PATH, (int)n, u);
}

/* The link of intervention id, valid until expires; NULL without a key. */
const char *
op_link_of(const struct op_env *env, const char *id, long long expires)
{
	return exec_link_url(env->kit, env->db, env->arena, link_base(env), id, expires);
}

