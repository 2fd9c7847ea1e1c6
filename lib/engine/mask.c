/*
 * Masking of what a run hands out (lib/engine/mask.h). mask_json never
 * changes its argument: traces share objects with the run's scope and the
 * plan's document, so a part that needs masking is copied, and the parts
 * that do not are shared with the copy.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "crypto.h"
#include "mask.h"

#define MASKED	"***"
/* Secrets shorter than this are not looked for: "***" must be shorter than
 * what it replaces (mask_text works in place), and a 1-3 byte value would
 * mask half the text. */
#define SECRET_MIN	4

/* Keys whose values a trace must never show. */
static int
sensitive_key(const char *k)
{
	static const char *const words[] = { "password", "passwd", "secret",
	    "apikey", "api_key", "authorization", NULL };

	for (const char *const *w = words; *w != NULL; w++) {
		size_t n = strlen(*w);
		for (const char *p = k; *p != '\0'; p++)
			if (strncasecmp(p, *w, n) == 0)
				return 1;
	}
	return 0;
}

/* 1 if secrets has a value worth looking for. */
static int
have_secrets(struct json_object *secrets)
{
	if (secrets == NULL || !json_object_is_type(secrets, json_type_object))
		return 0;
	json_object_object_foreach(secrets, name, val) {
		(void)name;
		if (json_object_is_type(val, json_type_string) &&
		    json_object_get_string_len(val) >= SECRET_MIN)
			return 1;
	}
	return 0;
}

/*
 * Replaces each occurrence of a secret's value in s with "***", in place
 * (the text only shrinks). Returns 1 if anything was replaced.
 */
static int
scrub(char *s, struct json_object *secrets)
{
	int changed = 0;

	json_object_object_foreach(secrets, name, val) {
		const char *sv = json_object_get_string(val);
		size_t sl = sv != NULL ? strlen(sv) : 0;
		char *hit, *d, *cur;

		(void)name;
		if (sl < SECRET_MIN || (hit = strstr(s, sv)) == NULL)
			continue;
		d = hit;
		cur = hit;
		while ((hit = strstr(cur, sv)) != NULL) {
			memmove(d, cur, (size_t)(hit - cur));
			d += hit - cur;
			memcpy(d, MASKED, 3);
			d += 3;
			cur = hit + sl;
		}
		memmove(d, cur, strlen(cur) + 1);
		changed = 1;
	}
	return changed;
}

/* In place: the values of secrets in the NUL-terminated text s become "***". */
void
mask_text(char *s, struct json_object *secrets)
{
	if (s != NULL && have_secrets(secrets))
		(void)scrub(s, secrets);
}

/* A new string for s with secrets masked, or NULL when there is nothing to mask. */
static struct json_object *
masked_string(struct json_object *v, struct json_object *secrets, enum mask_mode mode)
{
	const char *s = json_object_get_string(v);
	struct json_object *r;
	char *copy;

	if (mode == MASK_TRACE && strncmp(s, CRYPTO_PW_PREFIX,
	    sizeof(CRYPTO_PW_PREFIX) - 1) == 0)
		return json_object_new_string(MASKED);
	if (secrets == NULL)
		return NULL;
	if ((copy = strdup(s)) == NULL)
		abort();
	r = scrub(copy, secrets) ? json_object_new_string(copy) : NULL;
	free(copy);
	return r;
}


/*
 * The masked form of v: NULL when v needs no masking, else a new reference
 * to a copy (whose unchanged members are shared with v).
 */
static struct json_object *
masked_value(struct json_object *v, struct json_object *secrets, enum mask_mode mode)
{
	struct json_object *out = NULL, *m;

	switch (json_object_get_type(v)) {
	case json_type_string:
		return masked_string(v, secrets, mode);
	case json_type_object:
		json_object_object_foreach(v, key, val) {
			if (mode == MASK_TRACE && val != NULL && sensitive_key(key) &&
			    !json_object_is_type(val, json_type_object) &&
			    !json_object_is_type(val, json_type_array))
				m = json_object_new_string(MASKED);
			else if ((m = val != NULL ? masked_value(val, secrets, mode) : NULL) == NULL)
				continue;
			if (out == NULL) {
				/* First change: a shallow copy, members shared. */
				out = json_object_new_object();
				json_object_object_foreach(v, k2, v2)
					json_object_object_add(out, k2, json_object_get(v2));
			}
			json_object_object_add(out, key, m);
		}
		return out;
	case json_type_array: {
		size_t n = json_object_array_length(v);

		for (size_t i = 0; i < n; i++) {
			struct json_object *e = json_object_array_get_idx(v, i);

			if (e == NULL || (m = masked_value(e, secrets, mode)) == NULL)
				continue;
			if (out == NULL) {
				out = json_object_new_array_ext((int)n);
				for (size_t j = 0; j < n; j++)
					json_object_array_add(out,
					    json_object_get(json_object_array_get_idx(v, j)));
			}
			json_object_array_put_idx(out, i, m);
		}
		return out;
	}
	default:
		return NULL;
	}
}

/*
 * The same masking in place, for a caller that owns v (a copy of its own):
 * secrets' values, and with keys set (MASK_TRACE) password-like fields and
 * hashes. A bare string cannot change in place and is left as it is.
 */
void
redact(struct json_object *v, struct json_object *secrets, int keys)
{
	struct json_object *m;

	if (v == NULL)
		return;
	if ((m = mask_json(v, secrets, keys ? MASK_TRACE : MASK_SECRETS)) == v) {
		json_object_put(m);
		return;
	}
	/* The masked copy's members replace v's (those unchanged are v's own). */
	if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(m, key, val)
			json_object_object_add(v, key, json_object_get(val));
	} else if (json_object_is_type(v, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(m); i++)
			json_object_array_put_idx(v, i,
			    json_object_get(json_object_array_get_idx(m, i)));
	}
	json_object_put(m);
}

/*
 * v with secrets' values masked in every string (and, in MASK_TRACE mode,
 * password-like fields and password hashes too). Returns a new reference:
 * to v itself when nothing needed masking, else to a masked copy; NULL for
 * NULL. v is never changed.
 */
struct json_object *
mask_json(struct json_object *v, struct json_object *secrets, enum mask_mode mode)
{
	struct json_object *m;

	if (v == NULL)
		return NULL;
	if (!have_secrets(secrets)) {
		if (mode == MASK_SECRETS)
			return json_object_get(v);
		secrets = NULL;
	}
	m = masked_value(v, secrets, mode);
	return m != NULL ? m : json_object_get(v);
}
