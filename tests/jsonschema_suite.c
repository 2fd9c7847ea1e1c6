/*
 * Runs the official JSON Schema Test Suite (draft 2020-12) against
 * lib/schema/jsonschema.c: jsonschema_suite <suite-dir>, where <suite-dir> holds
 * draft2020-12/ (or tests/draft2020-12/).
 *
 * For every file of a keyword we claim, each group's schema is compiled;
 * a group refused as unsupported counts all its tests as skipped (with the
 * reason printed), never as passed. Otherwise each test's js_validate
 * result must equal "valid", and the error list must agree with it (empty
 * exactly when valid). Exits 1 on any failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "jsonschema.h"

/* The files of the keywords and formats lib/schema/jsonschema.c supports. */
static const char *const files[] = {
	"additionalProperties.json",
	"allOf.json",
	"anyOf.json",
	"boolean_schema.json",
	"const.json",
	"contains.json",
	"default.json",
	"defs.json",
	"dependentRequired.json",
	"dependentSchemas.json",
	"enum.json",
	"exclusiveMaximum.json",
	"exclusiveMinimum.json",
	"if-then-else.json",
	"infinite-loop-detection.json",
	"items.json",
	"maxContains.json",
	"maxItems.json",
	"maxLength.json",
	"maxProperties.json",
	"maximum.json",
	"minContains.json",
	"minItems.json",
	"minLength.json",
	"minProperties.json",
	"minimum.json",
	"multipleOf.json",
	"not.json",
	"oneOf.json",
	"pattern.json",
	"patternProperties.json",
	"prefixItems.json",
	"properties.json",
	"propertyNames.json",
	"ref.json",
	"required.json",
	"type.json",
	"uniqueItems.json",
	"optional/bignum.json",
	"optional/ecmascript-regex.json",
	"optional/float-overflow.json",
	"optional/no-schema.json",
	"optional/non-bmp-regex.json",
	"optional/format/date-time.json",
	"optional/format/date.json",
	"optional/format/duration.json",
	"optional/format/email.json",
	"optional/format/ipv4.json",
	"optional/format/ipv6.json",
	"optional/format/json-pointer.json",
	"optional/format/relative-json-pointer.json",
	"optional/format/time.json",
	"optional/format/uri-reference.json",
	"optional/format/uri.json",
	"optional/format/uuid.json",
	NULL
};

struct totals {
	int	passed;
	int	failed;
	int	skipped;
};

/* Lines printed after the per-file summary. */
static struct json_object *failures, *skips;

/* Appends one formatted line (fmt takes three strings) to list. */
static void
note(struct json_object *list, const char *fmt, const char *a, const char *b,
    const char *c)
{
	struct json_object	*o;
	char			 line[1024];

	snprintf(line, sizeof line, fmt, a, b, c);
	if ((o = json_object_new_string(line)) != NULL &&
	    json_object_array_add(list, o) != 0)
		json_object_put(o);
}

/* Reads and parses a whole file; NULL on failure. */
static struct json_object *
load(const char *path)
{
	struct json_tokener	*tok;
	struct json_object	*o = NULL;
	FILE			*f;
	char			*buf = NULL;
	long			 len;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 ||
	    (buf = malloc((size_t)len + 1)) == NULL ||
	    fread(buf, 1, (size_t)len, f) != (size_t)len)
		goto out;
	if ((tok = json_tokener_new_ex(128)) == NULL)
		goto out;
	o = json_tokener_parse_ex(tok, buf, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
out:
	free(buf);
	fclose(f);
	return o;
}

/* The first error message of a refused compile, with its path. */
static void
reason(struct json_object *errors, char *buf, size_t sz)
{
	struct json_object	*e, *p, *m;

	snprintf(buf, sz, "(no error reported)");
	if (json_object_array_length(errors) == 0)
		return;
	e = json_object_array_get_idx(errors, 0);
	json_object_object_get_ex(e, "path", &p);
	json_object_object_get_ex(e, "message", &m);
	snprintf(buf, sz, "%s: %s", json_object_get_string(p),
	    json_object_get_string(m));
}

static void
run_group(const char *file, struct json_object *group, struct totals *t)
{
	struct json_object	*schema = NULL, *tests = NULL, *gdesc = NULL;
	struct json_object	*test, *data, *valid, *desc, *errors, *verrs;
	struct js_schema	*s = NULL;
	enum js_status		 st;
	size_t			 i, n;
	char			 why[512];
	int			 want, got, consistent;

	json_object_object_get_ex(group, "description", &gdesc);
	json_object_object_get_ex(group, "schema", &schema);
	if (!json_object_object_get_ex(group, "tests", &tests) ||
	    !json_object_is_type(tests, json_type_array)) {
		note(failures, "FAIL %s: %s: %s", file,
		    json_object_get_string(gdesc), "malformed group");
		t->failed++;
		return;
	}
	n = json_object_array_length(tests);
	errors = json_object_new_array();
	st = js_compile(schema, &s, errors);
	if (st == JS_ERR_UNSUPPORTED) {
		reason(errors, why, sizeof why);
		note(skips, "SKIP %s: %s: %s", file,
		    json_object_get_string(gdesc), why);
		t->skipped += (int)n;
		goto out;
	}
	if (st != JS_OK) {
		reason(errors, why, sizeof why);
		note(failures, "FAIL %s: %s: schema refused: %s", file,
		    json_object_get_string(gdesc), why);
		t->failed += (int)n;
		goto out;
	}
	for (i = 0; i < n; i++) {
		test = json_object_array_get_idx(tests, i);
		data = valid = desc = NULL;
		json_object_object_get_ex(test, "data", &data);
		json_object_object_get_ex(test, "valid", &valid);
		json_object_object_get_ex(test, "description", &desc);
		want = json_object_get_boolean(valid);
		verrs = json_object_new_array();
		got = js_validate(s, data, verrs);
		/* With and without an error list the answer must agree. */
		consistent = got == js_validate(s, data, NULL) &&
		    (json_object_array_length(verrs) == 0) == (got == 1);
		if (got == want && consistent)
			t->passed++;
		else {
			t->failed++;
			note(failures, "FAIL %s: %s / %s", file,
			    json_object_get_string(gdesc),
			    json_object_get_string(desc));
			if (!consistent)
				note(failures, "     %s%s%s", "error list does "
				    "not agree with the result", "", "");
		}
		json_object_put(verrs);
	}
out:
	js_free(s);
	json_object_put(errors);
}

/* Finds the draft2020-12 directory under dir. */
static int
draft_dir(const char *dir, char *out, size_t sz)
{
	static const char *const subs[] = {
		"draft2020-12", "tests/draft2020-12", ".", NULL
	};
	struct stat	st;
	char		probe[4096];
	size_t		i;

	for (i = 0; subs[i] != NULL; i++) {
		snprintf(probe, sizeof probe, "%s/%s/type.json", dir, subs[i]);
		if (stat(probe, &st) == 0) {
			snprintf(out, sz, "%s/%s", dir, subs[i]);
			return 1;
		}
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	struct json_object	*doc;
	struct totals		 all = { 0, 0, 0 }, t;
	char			 dir[4096], path[8192];
	size_t			 i, j;

	if (argc != 2) {
		fprintf(stderr, "usage: %s suite-dir\n", argv[0]);
		return 2;
	}
	if (!draft_dir(argv[1], dir, sizeof dir)) {
		fprintf(stderr, "%s: no draft2020-12 directory\n", argv[1]);
		return 2;
	}
	failures = json_object_new_array();
	skips = json_object_new_array();
	for (i = 0; files[i] != NULL; i++) {
		memset(&t, 0, sizeof t);
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		if ((doc = load(path)) == NULL ||
		    !json_object_is_type(doc, json_type_array)) {
			note(failures, "FAIL %s: %s%s", files[i],
			    "cannot read or parse the file", "");
			t.failed++;
		} else
			for (j = 0; j < json_object_array_length(doc); j++)
				run_group(files[i],
				    json_object_array_get_idx(doc, j), &t);
		json_object_put(doc);
		printf("%s: %d passed, %d failed, %d skipped\n", files[i],
		    t.passed, t.failed, t.skipped);
		all.passed += t.passed;
		all.failed += t.failed;
		all.skipped += t.skipped;
	}
	for (j = 0; j < json_object_array_length(skips); j++)
		printf("%s\n", json_object_get_string(
		    json_object_array_get_idx(skips, j)));
	for (j = 0; j < json_object_array_length(failures); j++)
		printf("%s\n", json_object_get_string(
		    json_object_array_get_idx(failures, j)));
	printf("jsonschema: %d passed, %d failed, %d skipped\n",
	    all.passed, all.failed, all.skipped);
	json_object_put(failures);
	json_object_put(skips);
	return all.failed ? 1 : 0;
}
