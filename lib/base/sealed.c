#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "log.h"
#include "sealed.h"

/* Reads a 64-hex-digit key from path. Returns 0, or -1 (missing, malformed). */
int
key_file_load(const char *path, unsigned char key[32])
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

/*
 * Opens the sealed secrets of scope, given as [[name, hex], ...] (the
 * queries' json_agg). Returns a new object {name: value}; a secret that
 * does not open (wrong key, tampering) is left out and logged.
 */
struct json_object *
sealed_open_all(const unsigned char key[32], const char *scope, const char *sealed_json)
{
	struct json_object *out = json_object_new_object();
	struct json_object *arr = json_tokener_parse(sealed_json ? sealed_json : "[]");
	size_t n = json_object_is_type(arr, json_type_array) ?
	    json_object_array_length(arr) : 0;

	for (size_t i = 0; i < n; i++) {
		struct json_object *pair = json_object_array_get_idx(arr, i);
		const char *name = json_object_get_string(json_object_array_get_idx(pair, 0));
		const char *hex = json_object_get_string(json_object_array_get_idx(pair, 1));
		size_t hl = hex ? strlen(hex) : 0;
		unsigned char *sealed = malloc(hl / 2 + 1), *plain = malloc(hl / 2 + 1);
		char aad[200];
		int sl, pl;

		if (sealed == NULL || plain == NULL)
			abort();
		snprintf(aad, sizeof(aad), "%s/%s", scope, name ? name : "");
		sl = crypto_hex_decode(hex ? hex : "", hl, sealed, hl / 2 + 1);
		pl = sl < 0 ? -1 : crypto_open(key, sealed, (size_t)sl, aad, strlen(aad),
		    plain, hl / 2 + 1);
		if (pl >= 0 && name != NULL)
			json_object_object_add(out, name,
			    json_object_new_string_len((const char *)plain, pl));
		else
			log_warn("secret %s of %s does not open; skipped",
			    name ? name : "?", scope);
		crypto_wipe(plain, hl / 2 + 1);
		free(sealed);
		free(plain);
	}
	json_object_put(arr);
	return out;
}
