/*
 * Fuzz harness: templates in workflow configs (lib/engine/template.c). The input
 * is a config: a JSON value when it parses, else one string of its bytes.
 * tpl_scan reports its references or syntax errors; tpl_render resolves
 * them against a fixed scope, and a template tpl_scan accepts is one
 * tpl_has_refs agrees about.
 */
#include <string.h>

#include <json-c/json.h>

#include "json.h"
#include "template.h"
#include "fuzz.h"

#define BODY_MAX	(64 * 1024)

/* The scope of a run: {input, steps, secrets, env}; built once. */
static const char scope_text[] =
    "{\"input\":{\"email\":\"a@example.com\",\"n\":42,\"f\":1.5,\"ok\":true,"
    "\"none\":null,\"items\":[1,\"two\",{\"a\":\"b\"},[3,4]],"
    "\"deep\":{\"a\":{\"b\":{\"c\":{\"d\":\"e\"}}}},\"empty\":\"\","
    "\"braces\":\"{{input.email}}\"},"
    "\"steps\":{\"hash\":{\"value\":\"x\",\"list\":[{\"id\":7}]},"
    "\"insertUser\":{\"id\":\"u1\",\"document\":{\"email\":\"a@example.com\"}},"
    "\"condition\":{\"result\":false}},"
    "\"secrets\":{\"key\":\"s3cret\",\"JWT_SECRET\":\"k\"},"
    "\"env\":{\"now\":\"2024-01-01T00:00:00Z\",\"executionId\":\"exec_1\"}}";
static struct json_object *scope;

struct count {
	size_t	refs;
};

static void
on_ref(void *ctx, const struct tpl_ref *ref, const char *path)
{
	struct count *c = ctx;

	FUZZ_ASSERT(ref->root < TPL__MAX && ref->nseg <= TPL_MAX_SEGS);
	FUZZ_ASSERT(path != NULL);
	for (size_t i = 0; i < ref->nseg; i++)
		FUZZ_ASSERT(ref->seg[i] != NULL && ref->seglen[i] > 0);
	c->refs++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object *tmpl = NULL, *out = NULL, *errors;
	struct count c = { 0 };
	char err[256] = "";
	int bad, rc;

	if (size > BODY_MAX)
		return 0;
	if (scope == NULL && json_parse_strict(scope_text, strlen(scope_text),
	    32, &scope, NULL) != JP_OK)
		abort();
	if (json_parse_strict((const char *)data, size, 32, &tmpl, NULL) != JP_OK ||
	    tmpl == NULL)
		tmpl = json_object_new_string_len((const char *)data, (int)size);
	errors = json_object_new_array();
	bad = tpl_scan(tmpl, "/config", on_ref, &c, errors);
	FUZZ_ASSERT(bad == 0 || json_object_array_length(errors) > 0);
	if (bad == 0)
		FUZZ_ASSERT(tpl_has_refs(tmpl) == (c.refs > 0));
	rc = tpl_render(tmpl, scope, &out, err, sizeof(err));
	FUZZ_ASSERT(rc == 0 || rc == -1);
	if (rc == -1) {
		FUZZ_ASSERT(out == NULL && err[0] != '\0');
	} else {
		FUZZ_ASSERT(memchr(err, '\0', sizeof(err)) != NULL);
		(void)json_plain(out);
	}
	json_object_put(out);
	json_object_put(errors);
	json_object_put(tmpl);
	return 0;
}
