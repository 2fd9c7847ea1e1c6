/*
 * Fuzz harness: lib/base/json.c strict intake. The input is a request body,
 * parsed with the limits of the programs (1 MiB, depth 32 by default, and
 * the extremes of ORX_JSON_MAX_DEPTH). What is accepted must be valid UTF-8,
 * hold no NUL and no non-finite number, and survive a round trip: its
 * serialisation parses again to an equal value. And json_parse_strict is
 * held against json-c's own strict tokener: what it accepts, json-c accepts
 * as an equal value (json_parse_strict is the stricter of the two; test_json
 * checks its \u decoding, where json-c errs, and where json-c clamps an
 * integer past 64 bits it keeps a double).
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <json-c/json.h>

#include "json.h"
#include "fuzz.h"

#define BODY_MAX	(1024 * 1024)

/* Walks v like a handler would: members, pointers to them, typed lookups. */
static void
walk(struct json_object *v, const char *path, int depth)
{
	char sub[256];

	FUZZ_ASSERT(depth <= 256);
	if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, key, val) {
			FUZZ_ASSERT(strlen(key) < 1024 * 1024);
			json_pointer_append(sub, sizeof(sub), path, key);
			FUZZ_ASSERT(strlen(sub) < sizeof(sub));
			(void)json_get_str(v, key);
			(void)json_get(v, key, json_type_array);
			walk(val, sub, depth + 1);
		}
	} else if (json_object_is_type(v, json_type_array)) {
		size_t n = json_object_array_length(v);
		for (size_t i = 0; i < n; i++) {
			snprintf(sub, sizeof(sub), "%s/%zu", path, i);
			walk(json_object_array_get_idx(v, i), sub, depth + 1);
		}
	}
}

/*
 * json_object_equal, but where json-c clamped an integer past 64 bits (to
 * INT64_MIN or UINT64_MAX) json_parse_strict has a double of its text.
 */
static int
same(struct json_object *ours, struct json_object *theirs)
{
	enum json_type t = json_object_get_type(ours);

	if (t == json_type_double && json_object_is_type(theirs, json_type_int))
		return fabs(json_object_get_double(ours)) >= 9.2e18 &&
		    (json_object_get_uint64(theirs) == UINT64_MAX ||
		    json_object_get_int64(theirs) == INT64_MIN);
	if (t != json_object_get_type(theirs))
		return 0;
	if (t == json_type_array) {
		size_t n = json_object_array_length(ours);
		if (n != json_object_array_length(theirs))
			return 0;
		for (size_t i = 0; i < n; i++)
			if (!same(json_object_array_get_idx(ours, i),
			    json_object_array_get_idx(theirs, i)))
				return 0;
		return 1;
	}
	if (t == json_type_object) {
		struct json_object *v;
		if (json_object_object_length(ours) != json_object_object_length(theirs))
			return 0;
		json_object_object_foreach(ours, key, val)
			if (!json_object_object_get_ex(theirs, key, &v) || !same(val, v))
				return 0;
		return 1;
	}
	return json_object_equal(ours, theirs);
}

static int
has_u_escape(const char *buf, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++)
		if (buf[i] == '\\' && buf[i + 1] == 'u')
			return 1;
	return 0;
}

/* json-c's strict parse of buf, or NULL (also for the document null). */
static struct json_object *
jsonc_parse(const char *buf, size_t len, int depth, int *ok)
{
	struct json_tokener *tok = json_tokener_new_ex(depth);
	struct json_object *v;

	FUZZ_ASSERT(tok != NULL);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8 |
	    JSON_TOKENER_ALLOW_TRAILING_CHARS);
	v = json_tokener_parse_ex(tok, buf, (int)len);
	if (v == NULL && json_tokener_get_error(tok) == json_tokener_continue)
		v = json_tokener_parse_ex(tok, "", 1);  /* a bare scalar */
	*ok = json_tokener_get_error(tok) == json_tokener_success;
	json_tokener_free(tok);
	return v;
}

static void
parse_at(const char *buf, size_t len, int depth)
{
	struct json_object *v = NULL, *again = NULL, *theirs;
	size_t off = 0;
	int ok;
	enum jp_status st;
	const char *text;

	st = json_parse_strict(buf, len, depth, &v, &off);
	FUZZ_ASSERT(st >= JP_OK && st < JP__MAX);
	FUZZ_ASSERT(jp_status_names[st] != NULL);
	FUZZ_ASSERT(off <= len);
	if (st != JP_OK) {
		FUZZ_ASSERT(v == NULL);
		return;
	}
	/* Accepted: the checks the intake promises. */
	FUZZ_ASSERT(utf8_valid(buf, len));
	theirs = jsonc_parse(buf, len, depth, &ok);
	/* json-c 0.16 decodes some surrogate pairs to U+FFFD ("\ud836\ude00"):
	 * with a \u escape in the text only its acceptance is compared. */
	FUZZ_ASSERT(ok);
	FUZZ_ASSERT(same(v, theirs) || has_u_escape(buf, len));
	json_object_put(theirs);
	walk(v, "", 0);
	text = json_plain(v);
	FUZZ_ASSERT(text != NULL);
	FUZZ_ASSERT(json_parse_strict(text, strlen(text), depth, &again, NULL) == JP_OK);
	FUZZ_ASSERT(json_object_equal(v, again));
	json_object_put(again);
	json_object_put(v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;

	if (size > BODY_MAX)
		return 0;
	(void)utf8_valid(buf, size);
	parse_at(buf, size, 32);
	parse_at(buf, size, 2);
	parse_at(buf, size, 256);
	return 0;
}
