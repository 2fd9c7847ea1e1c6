/*
 * Fuzz harness: JSON Schema compilation and validation (lib/schema/). The
 * input is a schema, optionally followed by a NUL byte and an instance.
 * The schema is compiled as a workflow's inputSchema is (format asserted),
 * with a loader that knows a few documents (so $ref, $dynamicRef and
 * $schema may reach a document outside it, and a meta-schema's
 * $vocabulary); when it compiles, the instance (if it parses) and a fixed
 * set of instances of every JSON type are validated against it, with and
 * without an error list, and once more with a stop that says stop.
 */
#include <string.h>

#include <json-c/json.h>

#include "json.h"
#include "jsonschema.h"
#include "fuzz.h"

#define BODY_MAX	(64 * 1024)

static const char *const fixed[] = {
	"null", "true", "false", "0", "-1", "1.5", "1e300", "\"\"", "\"abc\"",
	"\"a@example.com\"", "\"2024-01-01T00:00:00Z\"", "[]", "[1,\"a\",null]",
	"[[[]]]", "{}", "{\"a\":1}",
	"{\"email\":\"a@example.com\",\"password\":\"hunter22\",\"tags\":[\"x\"],\"n\":3}",
	"{\"a\":{\"b\":{\"c\":[1,2,{\"d\":\"e\"}]}}}",
};

/* What the loader knows: a remote schema, and two meta-schemas. */
static const char *const docs[][2] = {
	{ "https://fuzz.example/doc",
	  "{\"$id\": \"https://fuzz.example/doc\", \"$dynamicAnchor\": \"node\","
	  " \"$defs\": {\"s\": {\"$anchor\": \"s\", \"type\": \"string\"}},"
	  " \"properties\": {\"kids\": {\"items\": {\"$dynamicRef\": \"#node\"}}}}" },
	{ "https://fuzz.example/meta",
	  "{\"$vocabulary\": {"
	  "\"https://json-schema.org/draft/2020-12/vocab/core\": true,"
	  "\"https://json-schema.org/draft/2020-12/vocab/applicator\": true,"
	  "\"https://json-schema.org/draft/2020-12/vocab/unevaluated\": true,"
	  "\"https://json-schema.org/draft/2020-12/vocab/format-assertion\": true}}" },
	{ "https://fuzz.example/odd-meta",
	  "{\"$vocabulary\": {\"https://fuzz.example/vocab\": false}}" },
};

static struct json_object *
loader(void *arg, const char *uri)
{
	(void)arg;
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
		if (strcmp(uri, docs[i][0]) == 0)
			return json_tokener_parse(docs[i][1]);
	return NULL;
}

static const struct js_options options = { 1, loader, NULL };

/* A stop that says stop at once. */
static int
stop_now(void *arg)
{
	(void)arg;
	return 1;
}

/* Validates instance: the answer and its errors have the promised shape. */
static void
validate(const struct js_schema *s, struct json_object *instance)
{
	struct json_object *errors = json_object_new_array();
	int ok = js_validate(s, instance, errors);
	size_t n = json_object_array_length(errors);

	FUZZ_ASSERT(ok == 0 || ok == 1);
	FUZZ_ASSERT(ok == 1 ? n == 0 : n > 0);
	FUZZ_ASSERT(n <= JS_MAX_ERRORS);
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(errors, i);
		FUZZ_ASSERT(json_get_str(e, "path") != NULL);
		FUZZ_ASSERT(json_get_str(e, "message") != NULL);
	}
	/* Without an errors array the answer is the same. */
	FUZZ_ASSERT(js_validate(s, instance, NULL) == ok);
	json_object_put(errors);
	/* Stopped, it says so (or answers first) and lists nothing. */
	{
		struct js_stop stop = { stop_now, NULL };
		struct json_object *none = json_object_new_array();
		int r = js_validate_until(s, instance, none, &stop);

		FUZZ_ASSERT(r == JS_STOPPED ? json_object_array_length(none) == 0 :
		    r == ok);
		json_object_put(none);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data, *nul;
	struct json_object *schema = NULL, *instance = NULL, *errors;
	struct js_schema *s = NULL;
	size_t slen = size;
	enum js_status st;

	if (size > BODY_MAX)
		return 0;
	if ((nul = memchr(buf, '\0', size)) != NULL)
		slen = (size_t)(nul - buf);
	if (json_parse_strict(buf, slen, 32, &schema, NULL) != JP_OK)
		return 0;
	errors = json_object_new_array();
	st = js_compile_with(schema, &options, &s, errors);
	FUZZ_ASSERT(st >= JS_OK && st < JS_ERR__MAX);
	if (st != JS_OK) {
		FUZZ_ASSERT(s == NULL && json_object_array_length(errors) > 0);
		goto out;
	}
	FUZZ_ASSERT(s != NULL);
	if (nul != NULL && json_parse_strict(nul + 1, size - slen - 1, 32,
	    &instance, NULL) == JP_OK) {
		validate(s, instance);
		json_object_put(instance);
	}
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		instance = json_tokener_parse(fixed[i]);
		validate(s, instance);
		json_object_put(instance);
	}
	js_free(s);
out:
	json_object_put(errors);
	json_object_put(schema);
	return 0;
}
