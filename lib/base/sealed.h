/*
 * Secrets at rest: the key file, and opening a scope's sealed secrets
 * (AES-256-GCM; the AAD is "<scope>/<name>", binding each to its owner).
 */
#ifndef ORX_SEALED_H
#define ORX_SEALED_H

#include <json-c/json.h>

int	key_file_load(const char *path, unsigned char key[32]);
struct json_object *sealed_open_all(const unsigned char key[32], const char *scope,
	    const char *sealed_json);

#endif
