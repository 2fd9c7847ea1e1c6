/*
 * Workflow secrets as operations see them (SPEC §3): sealed with
 * AES-256-GCM under the worker's key (lib/base/sealed.h), the AAD binding
 * each to its workflow and name.
 */
#include "ops.h"
#include "runkit.h"
#include "sealed.h"

/*
 * The workflow's secrets {name: value} (a new reference): empty when it has
 * none or the worker has no key.
 */
struct json_object *
op_secrets_open(const struct op_env *env, const char *server_id, const char *sealed_json)
{
	if (!env->kit->have_key)
		return json_object_new_object();
	return sealed_open_all(env->kit->secret_key, server_id, sealed_json);
}
