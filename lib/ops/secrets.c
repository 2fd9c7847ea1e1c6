/*
 * Workflow secrets as operations see them (SPEC §3): sealed with
 * AES-256-GCM under the keys the master handed the process
 * (lib/base/sealed.h), the AAD binding each to its workflow and name.
 */
#include "arena.h"
#include "log.h"
#include "ops.h"
#include "sealed.h"

/*
 * The workflow's secrets {name: value} (a new reference; empty when it has
 * none), from the sealed values of its row (sealed_of). NULL when one does
 * not open, with why (on the arena) naming the key's trouble: a run or a
 * deploy must not go on as if a secret that is set were not.
 */
struct json_object *
op_secrets_open(const struct op_env *env, const char *server_id, const char *sealed_json,
    const char **why)
{
	char reason[300];
	struct json_object *o = sealed_open_all(env->keys, server_id, sealed_json,
	    reason, sizeof(reason));

	if (o == NULL) {
		log_error("the secrets of %s do not open: %s", server_id, reason);
		*why = arena_printf(env->arena, "the secrets key cannot open the workflow's "
		    "secrets: %s; see /healthz", reason);
	}
	return o;
}
