/*
 * Unit tests for lib/schema/jsonschema.c: the error list of a signup form (every
 * field, right instance paths), refusals with their schema paths (unknown
 * and unsupported keywords, remote $ref, formats, regex features), invalid
 * schemas, $ref cycles and deep recursion, ECMA-262 patterns on PCRE2 and
 * hostile ones (limits, cheap keywords first, the caller's stop), numbers,
 * and the error cap.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "jsonschema.h"
#include "t.h"

static struct json_object *
parse(const char *s)
{
	struct json_object *o = json_tokener_parse(s);

	if (o == NULL && strcmp(s, "null") != 0)
		fprintf(stderr, "bad test JSON: %s\n", s);
	return o;
}

/* Index of the error with this path (and keyword, if not NULL), or -1. */
static int
find_err(struct json_object *errs, const char *path, const char *kw)
{
	struct json_object *e, *p, *k;
	size_t i;

	for (i = 0; i < json_object_array_length(errs); i++) {
		e = json_object_array_get_idx(errs, i);
		if (!json_object_object_get_ex(e, "path", &p) ||
		    strcmp(json_object_get_string(p), path) != 0)
			continue;
		if (kw == NULL)
			return (int)i;
		if (json_object_object_get_ex(e, "keyword", &k) &&
		    strcmp(json_object_get_string(k), kw) == 0)
			return (int)i;
	}
	return -1;
}

/* As the engine compiles workflow schemas: format asserted. */
static const struct js_options asserting = { 1, NULL, NULL };

/* The message of the error at path for keyword kw, or NULL. */
static const char *
message(struct json_object *errs, const char *path, const char *kw)
{
	struct json_object *m;
	int i = find_err(errs, path, kw);

	if (i < 0 || !json_object_object_get_ex(json_object_array_get_idx(errs,
	    (size_t)i), "message", &m))
		return NULL;
	return json_object_get_string(m);
}

/* Compiles text; returns the status, errors (if wanted) in *errs. */
static enum js_status
compile(const char *text, struct js_schema **s, struct json_object **errs)
{
	struct json_object *schema = parse(text);
	struct json_object *e = json_object_new_array();
	enum js_status st;

	st = js_compile_with(schema, &asserting, s, e);
	json_object_put(schema);
	if (errs != NULL)
		*errs = e;
	else
		json_object_put(e);
	return st;
}

/* Validates instance text against s; the errors land in *errs. */
static int
check(const struct js_schema *s, const char *text, struct json_object **errs)
{
	struct json_object *inst = parse(text);
	int ok;

	*errs = json_object_new_array();
	ok = js_validate(s, inst, *errs);
	json_object_put(inst);
	return ok;
}

/* Whether schema accepts (1) or rejects (0) instance. */
static int
accepts(const char *schema, const char *instance)
{
	struct js_schema *s;
	struct json_object *errs, *inst;
	int ok;

	if (compile(schema, &s, NULL) != JS_OK)
		return -1;
	inst = parse(instance);
	errs = json_object_new_array();
	ok = js_validate(s, inst, errs);
	/* The error list must agree with the verdict. */
	if ((json_object_array_length(errs) == 0) != (ok == 1))
		ok = -2;
	json_object_put(errs);
	json_object_put(inst);
	js_free(s);
	return ok;
}

static const char signup[] =
    "{\"$schema\": \"https://json-schema.org/draft/2020-12/schema\","
    " \"$id\": \"https://orchestrix.example/schemas/signup\","
    " \"title\": \"Signup\", \"type\": \"object\","
    " \"required\": [\"name\", \"email\", \"password\"],"
    " \"properties\": {"
    "   \"name\": {\"type\": \"string\", \"minLength\": 1},"
    "   \"email\": {\"type\": \"string\", \"format\": \"email\"},"
    "   \"password\": {\"type\": \"string\", \"minLength\": 8},"
    "   \"age\": {\"type\": \"integer\", \"minimum\": 13},"
    "   \"tags\": {\"type\": \"array\", \"items\": {\"type\": \"string\","
    "              \"maxLength\": 3}, \"uniqueItems\": true}},"
    " \"additionalProperties\": false}";

static void
test_signup(void)
{
	struct js_schema *s;
	struct json_object *errs;
	int ok;

	T_OK(compile(signup, &s, NULL) == JS_OK, "signup schema compiles");
	ok = check(s, "{\"name\": \"Ada\", \"email\": \"ada@example.com\","
	    " \"password\": \"correct horse\", \"tags\": [\"a\", \"b\"]}",
	    &errs);
	T_OK(ok == 1 && json_object_array_length(errs) == 0,
	    "a good signup is valid, no errors");
	json_object_put(errs);

	ok = check(s, "{\"email\": \"not-an-email\", \"password\": \"short\","
	    " \"age\": 12.5, \"tags\": [\"ok\", \"toolong\", \"ok\"],"
	    " \"extra\": 1}", &errs);
	T_OK(ok == 0, "a bad signup is invalid");
	T_OK(find_err(errs, "/name", "required") >= 0,
	    "missing name reported at /name (required)");
	T_OK(find_err(errs, "/email", "format") >= 0,
	    "bad email reported at /email (format)");
	T_OK(find_err(errs, "/password", "minLength") >= 0,
	    "short password reported at /password (minLength)");
	T_OK(find_err(errs, "/age", "type") >= 0 &&
	    find_err(errs, "/age", "minimum") >= 0,
	    "age 12.5 reported twice at /age (type, minimum)");
	T_OK(find_err(errs, "/tags/1", "maxLength") >= 0,
	    "long tag reported at /tags/1 (maxLength)");
	T_OK(find_err(errs, "/tags", "uniqueItems") >= 0,
	    "duplicate tags reported at /tags (uniqueItems)");
	T_OK(find_err(errs, "/extra", "additionalProperties") >= 0,
	    "unknown field reported at /extra (additionalProperties)");
	T_OK(json_object_array_length(errs) == 8,
	    "exactly 8 errors (got %zu)", json_object_array_length(errs));
	T_STR(message(errs, "/password", "minLength"),
	    "must be at least 8 characters long", "minLength in words");
	T_STR(message(errs, "/email", "format"), "must be an email address",
	    "format in words");
	T_STR(message(errs, "/age", "type"), "must be an integer",
	    "type in words");
	T_STR(message(errs, "/age", "minimum"), "must be at least 13",
	    "minimum in words");
	T_STR(message(errs, "/extra", "additionalProperties"),
	    "is not an allowed property", "additionalProperties in words");
	T_STR(message(errs, "/tags", "uniqueItems"), "must not contain the "
	    "same item twice (items 0 and 2 are equal)", "uniqueItems in words");
	T_OK(js_validate(s, json_object_array_get_idx(errs, 0), NULL) == 0,
	    "validate without an error list");
	json_object_put(errs);

	ok = check(s, "[]", &errs);
	T_OK(ok == 0 && find_err(errs, "", "type") >= 0,
	    "a non-object is reported at the root path \"\"");
	json_object_put(errs);
	js_free(s);
}

/* Expects status st and an error at path. */
static void
refused(const char *schema, enum js_status st, const char *path,
    const char *what)
{
	struct js_schema *s = (struct js_schema *)&s;
	struct json_object *errs;
	enum js_status got = compile(schema, &s, &errs);

	T_OK(got == st && s == NULL && find_err(errs, path, NULL) >= 0,
	    "%s: %s at %s", what, js_status_names[st], path);
	if (got != st || find_err(errs, path, NULL) < 0)
		printf("#   status %s, errors %s\n", js_status_names[got],
		    json_object_to_json_string(errs));
	json_object_put(errs);
	js_free(got == JS_OK ? s : NULL);
}

static void
test_refusals(void)
{
	struct js_schema *s;
	struct json_object *errs;

	refused("{\"type\": \"object\", \"foo\": 1}", JS_ERR_UNSUPPORTED,
	    "/foo", "made-up keyword refused");
	refused("{\"$ref\": \"https://example.com/other.json\"}",
	    JS_ERR_UNSUPPORTED, "/$ref", "remote $ref refused (nothing is "
	    "fetched)");
	refused("{\"$schema\": \"https://example.com/my-meta\"}",
	    JS_ERR_UNSUPPORTED, "/$schema", "unknown meta-schema refused");
	refused("{\"format\": \"emial\"}", JS_ERR_UNSUPPORTED, "/format",
	    "an unknown format, asserted, is refused");
	refused("{\"format\": \"idn-hostname\"}", JS_ERR_UNSUPPORTED,
	    "/format", "a format that cannot be asserted here is refused");
	refused("{\"$schema\": \"http://json-schema.org/draft-07/schema#\"}",
	    JS_ERR_UNSUPPORTED, "/$schema", "other drafts refused");
	refused("{\"dependencies\": {}}", JS_ERR_UNSUPPORTED, "/dependencies",
	    "pre-2020 keyword refused");

	/* Names, not keywords: properties and $defs entries. */
	T_OK(compile("{\"properties\": {\"foo\": {}, \"$ref\": true},"
	    " \"$defs\": {\"bar\": {\"type\": \"string\"}},"
	    " \"dependentRequired\": {\"baz\": [\"qux\"]}}", &s, NULL) ==
	    JS_OK, "property and $defs names are not keywords");
	js_free(s);

	/* Every problem is listed, not only the first. */
	T_OK(compile("{\"foo\": 1, \"properties\": {\"a\": {\"bar\": 2}}}",
	    &s, &errs) == JS_ERR_UNSUPPORTED &&
	    json_object_array_length(errs) == 2 &&
	    find_err(errs, "/foo", NULL) >= 0 &&
	    find_err(errs, "/properties/a/bar", NULL) >= 0,
	    "two unknown keywords, two errors");
	json_object_put(errs);
}

static void
test_invalid(void)
{
	struct js_schema *s;
	struct json_object *errs;

	refused("{\"minLength\": -1}", JS_ERR_INVALID, "/minLength",
	    "negative minLength");
	refused("{\"minLength\": 1.5}", JS_ERR_INVALID, "/minLength",
	    "fractional minLength");
	refused("{\"type\": \"bogus\"}", JS_ERR_INVALID, "/type",
	    "unknown type name");
	refused("{\"type\": [\"string\", \"string\"]}", JS_ERR_INVALID,
	    "/type", "repeated type name");
	refused("{\"required\": \"name\"}", JS_ERR_INVALID, "/required",
	    "required not an array");
	refused("{\"multipleOf\": 0}", JS_ERR_INVALID, "/multipleOf",
	    "multipleOf 0");
	refused("{\"anyOf\": []}", JS_ERR_INVALID, "/anyOf", "empty anyOf");
	refused("{\"items\": 3}", JS_ERR_INVALID, "/items",
	    "schema that is a number");
	refused("{\"$ref\": \"#/$defs/missing\"}", JS_ERR_INVALID, "/$ref",
	    "dangling $ref");
	refused("{\"$ref\": \"#/a~2b\"}", JS_ERR_INVALID, "/$ref",
	    "bad ~ escape in $ref");
	refused("{\"$ref\": \"#foo\"}", JS_ERR_INVALID, "/$ref",
	    "a $ref to an anchor nobody has");
	refused("{\"$defs\": {\"a\": {\"$id\": \"https://x.example/a#b\"}}}",
	    JS_ERR_INVALID, "/$defs/a/$id", "an $id with a fragment");
	refused("{\"$defs\": {\"a\": {\"$id\": \"https://x.example/a\"},"
	    " \"b\": {\"$id\": \"https://x.example/a\"}}}", JS_ERR_INVALID,
	    "/$defs/b/$id", "one $id for two schemas");
	refused("{\"$defs\": {\"a\": {\"$anchor\": \"1a\"}}}",
	    JS_ERR_INVALID, "/$defs/a/$anchor", "an anchor that is no name");

	refused("{\"properties\": {\"a\": {\"pattern\": \"(\"}}}",
	    JS_ERR_INVALID, "/properties/a/pattern", "unbalanced pattern");
	/* Invalid wins over unsupported. */
	T_OK(compile("{\"minLength\": -1, \"foo\": 1}", &s, &errs) ==
	    JS_ERR_INVALID && json_object_array_length(errs) == 2,
	    "invalid and unsupported: JS_ERR_INVALID, both listed");
	json_object_put(errs);
	T_OK(compile("42", &s, NULL) == JS_ERR_INVALID && s == NULL,
	    "a number is not a schema");
	T_STR(js_status_names[JS_ERR_UNSUPPORTED], "unsupported",
	    "status names");
}

static void
test_refs(void)
{
	struct js_schema *s;
	struct json_object *errs, *inst, *cur, *next;
	int i, ok;

	T_OK(compile("{\"$ref\": \"#\"}", &s, NULL) == JS_OK,
	    "{\"$ref\": \"#\"} compiles");
	ok = check(s, "{}", &errs);
	T_OK(ok == 0 && find_err(errs, "", "$ref") >= 0,
	    "self-reference without progress fails, no crash");
	json_object_put(errs);
	js_free(s);

	T_OK(accepts("{\"$defs\": {\"a\": {\"$ref\": \"#/$defs/b\"},"
	    " \"b\": {\"$ref\": \"#/$defs/a\"}}, \"$ref\": \"#/$defs/a\"}",
	    "1") == 0, "two-step $ref cycle fails, no crash");
	T_OK(accepts("{\"anyOf\": [{\"$ref\": \"#\"}, {\"$ref\": \"#\"},"
	    " {\"type\": \"integer\"}]}", "1") == 1,
	    "cycle inside anyOf: other branch still counts");

	/* A recursive tree: fine when shallow, fails cleanly when deep. */
	T_OK(compile("{\"type\": \"array\", \"items\": {\"$ref\": \"#\"}}",
	    &s, NULL) == JS_OK, "recursive array schema compiles");
	T_OK(accepts("{\"type\": \"array\", \"items\": {\"$ref\": \"#\"}}",
	    "[[[], [[]]]]") == 1, "shallow recursion is valid");
	inst = json_object_new_array();
	for (cur = inst, i = 0; i < 1000; i++, cur = next) {
		next = json_object_new_array();
		json_object_array_add(cur, next);
	}
	errs = json_object_new_array();
	T_OK(js_validate(s, inst, errs) == 0 &&
	    json_object_array_length(errs) == 1,
	    "1000-deep instance fails with one depth error, no overflow");
	json_object_put(errs);
	json_object_put(inst);
	js_free(s);

	T_OK(accepts("{\"$defs\": {\"a/b\": {\"type\": \"integer\"},"
	    " \"c%d\": {\"minimum\": 3}}, \"allOf\": ["
	    "{\"$ref\": \"#/$defs/a~1b\"}, {\"$ref\": \"#/$defs/c%25d\"}]}",
	    "2") == 0, "~1 and %%25 in $ref pointers");
	T_OK(accepts("{\"$id\": \"urn:example:root\", \"minimum\": 3,"
	    " \"properties\": {\"x\": {\"$ref\": \"urn:example:root\"}}}",
	    "{\"x\": 2}") == 0, "$ref naming the root $id stays local");
	T_OK(accepts("{\"examples\": [{\"type\": \"string\"}],"
	    " \"$ref\": \"#/examples/0\"}", "1") == 0,
	    "$ref into a non-schema location compiles it");
}

/* pattern p against string s (both JSON-escaped) */
static int
pat(const char *p, const char *s)
{
	char schema[512], inst[512];

	snprintf(schema, sizeof schema, "{\"pattern\": \"%s\"}", p);
	snprintf(inst, sizeof inst, "\"%s\"", s);
	return accepts(schema, inst);
}

static void
test_patterns(void)
{
	struct js_schema *s;
	struct json_object *errs;

	T_OK(pat("^\\\\d{3}-\\\\w+$", "123-abc_9") == 1 &&
	    pat("^\\\\d{3}-\\\\w+$", "12-abc") == 0, "\\d and \\w");
	T_OK(pat("^\\\\d+$", "\\u0661\\u0662") == 0, "\\d is ASCII only");
	T_OK(pat("^\\\\s$", "\\u00a0") == 1 && pat("^\\\\S$", "\\u2003") == 0,
	    "\\s and \\S know Unicode spaces");
	T_OK(pat("^\\\\W$", "\\u00e9") == 1 && pat("^\\\\D$", "x") == 1,
	    "\\W and \\D match non-ASCII");
	T_OK(pat("^.$", "\\ud83d\\ude00") == 1 && pat("^..$", "\\u00e9") == 0,
	    ". is one code point, not one byte");
	T_OK(pat("^.$", "\\n") == 0, ". does not match a newline");
	T_OK(pat("^\\u00e9{2}$", "\\u00e9\\u00e9") == 1 &&
	    pat("^\\u00e9{2}$", "\\u00e9") == 0,
	    "a quantifier repeats a whole multibyte character");
	T_OK(pat("^[^a]$", "\\u00e9") == 1 &&
	    pat("^[a-\\u00ff]+$", "b\\u00fe") == 1,
	    "classes over code points");
	T_OK(pat("^abc$", "abc\\n") == 0 && pat("a$\\\\n", "a\\n") == 0,
	    "$ is the end of input, even next to a newline");
	T_OK(pat("^a\\\\u0000b$", "a\\u0000b") == 1 &&
	    pat("^a[^x]b$", "a\\u0000b") == 1, "NUL in subject and pattern");
	T_OK(pat("(?:ab)+?c|(?<n>z)", "xababc") == 1,
	    "non-capturing, lazy, named groups");
	T_OK(pat("^[\\\\]\\\\-^]+$", "]-^") == 1, "bracket specials");
	T_OK(pat("a+", "xxaayy") == 1, "patterns are not anchored");

	T_OK(pat("^a(?=b)", "ab") == 1 && pat("^a(?=b)", "ac") == 0 &&
	    pat("^a(?!b)", "ac") == 1 && pat("(?<=x)y", "xy") == 1 &&
	    pat("(?<!x)y", "xy") == 0, "lookahead and lookbehind");
	T_OK(pat("\\\\bword\\\\b", "a word.") == 1 &&
	    pat("\\\\bword\\\\b", "swordfish") == 0 &&
	    pat("\\\\bcaf", "\\u00e9caf") == 1, "\\b on ASCII word characters");
	T_OK(pat("^(a)\\\\1$", "aa") == 1 && pat("^(a)\\\\1$", "ab") == 0 &&
	    pat("^(?<q>[ab])\\\\k<q>$", "bb") == 1 &&
	    pat("^(?:(a)|b)\\\\1$", "b") == 1,
	    "backreferences (one to a group that did not take part is empty)");
	T_OK(pat("^\\\\p{L}+$", "\\u00e9t\\u00e9") == 1 &&
	    pat("^\\\\p{Letter}+$", "ab1") == 0 &&
	    pat("^\\\\p{digit}$", "\\u0967") == 1 &&
	    pat("^\\\\P{Lu}$", "a") == 1 &&
	    pat("^\\\\p{Script=Greek}$", "\\u03b1") == 1 &&
	    pat("^[\\\\p{Nd}x]+$", "x1\\u0967") == 1, "\\p{...} properties");
	T_OK(pat("(^a)*b", "b") == 1 && pat("^a{2000}$", "a") == 0,
	    "anchors in repeated groups, large counts");
	T_OK(pat("^[]$", "") == 0 && pat("^[]?$", "") == 1 &&
	    pat("^[^]$", "\\n") == 1, "[] matches nothing, [^] anything");
	T_OK(pat("^\\\\v$", "\\u000b") == 1 && pat("^\\\\v$", "\\n") == 0 &&
	    pat("^.$", "\\r") == 0 && pat("^.$", "\\u2028") == 0 &&
	    pat("^.$", "\\u0085") == 1, "\\v is one character; . as ECMA has it");
	T_OK(pat("^\\\\u{1F600}\\\\x41\\\\u0042\\\\cJ$",
	    "\\ud83d\\ude00AB\\n") == 1 &&
	    pat("^\\\\ud83d\\\\ude00$", "\\ud83d\\ude00") == 1 &&
	    pat("^\\\\ud83d$", "x") == 0, "\\u, \\x, \\c and surrogate pairs");
	refused("{\"pattern\": \"(?<=a+)b\"}", JS_ERR_UNSUPPORTED, "/pattern",
	    "a variable-length lookbehind is refused (PCRE2 10.42)");
	refused("{\"pattern\": \"a{70000}\"}", JS_ERR_UNSUPPORTED, "/pattern",
	    "a count above 65535 is refused");
	refused("{\"patternProperties\": {\"^x(?<=x+)\": {}}}",
	    JS_ERR_UNSUPPORTED, "/patternProperties/^x(?<=x+)",
	    "patternProperties regex refused at its key");
	refused("{\"pattern\": \"\\\\a\"}", JS_ERR_INVALID, "/pattern",
	    "\\a is no ECMA-262 escape");
	refused("{\"pattern\": \"(?i)a\"}", JS_ERR_INVALID, "/pattern",
	    "inline flags are not ECMA-262");
	refused("{\"pattern\": \"(?P<n>a)\"}", JS_ERR_INVALID, "/pattern",
	    "Python's named groups are not ECMA-262");
	refused("{\"pattern\": \"(a)\\\\2\"}", JS_ERR_INVALID, "/pattern",
	    "a backreference to no group");
	refused("{\"pattern\": \"\\\\k<x>(?<y>a)\"}", JS_ERR_INVALID,
	    "/pattern", "a named reference to no group");
	refused("{\"pattern\": \"(?=a)*\"}", JS_ERR_INVALID, "/pattern",
	    "a repeated lookahead");
	refused("{\"pattern\": \"\\\\p{Foo=Bar}\"}", JS_ERR_INVALID,
	    "/pattern", "an unknown property name");
	refused("{\"pattern\": \"a{\"}", JS_ERR_INVALID, "/pattern",
	    "lone { is invalid in unicode mode");
	refused("{\"pattern\": \"[z-a]\"}", JS_ERR_INVALID, "/pattern",
	    "reversed range invalid");
	refused("{\"pattern\": \"\\\\q\"}", JS_ERR_INVALID, "/pattern",
	    "unknown escape invalid");
	refused("{\"pattern\": \"a{70000}(\"}", JS_ERR_INVALID, "/pattern",
	    "unsupported and invalid: invalid wins");

	T_OK(compile("{\"patternProperties\": {\"^x_\": {\"type\": "
	    "\"integer\"}}, \"additionalProperties\": false}", &s, NULL) ==
	    JS_OK, "patternProperties compiles");
	T_OK(check(s, "{\"x_a\": 1, \"x_b\": \"no\", \"y\": 1}", &errs) == 0 &&
	    find_err(errs, "/x_b", "type") >= 0 &&
	    find_err(errs, "/y", "additionalProperties") >= 0 &&
	    json_object_array_length(errs) == 2,
	    "patternProperties and additionalProperties errors");
	json_object_put(errs);
	js_free(s);
}

/* Counts its calls; says stop from the n-th on. */
struct stop_after {
	int	calls;
	int	n;
};

static int
stop_after(void *arg)
{
	struct stop_after *sa = arg;

	return ++sa->calls >= sa->n;
}

/* A JSON string of n copies of c, then the text end. */
static struct json_object *
long_string(size_t n, char c, const char *end)
{
	struct json_object *o;
	size_t e = strlen(end);
	char *b = malloc(n + e + 1);

	memset(b, c, n);
	memcpy(b + n, end, e + 1);
	o = json_object_new_string(b);
	free(b);
	return o;
}

/*
 * The denial of service of issue 22: patterns that backtrack without end,
 * or search quadratically, on long hostile strings. Every one ends with an
 * answer (refused, or stopped by its caller), never by running on.
 */
static void
test_hostile_patterns(void)
{
	struct js_schema *s;
	struct json_object *errs, *inst, *e, *k;
	struct stop_after sa;
	struct js_stop stop = { stop_after, &sa };
	int ok;

	/* A cheap keyword that fails keeps the pattern from running. */
	T_OK(compile("{\"type\": \"string\", \"maxLength\": 10,"
	    " \"pattern\": \"[0-9]+$\"}", &s, NULL) == JS_OK,
	    "maxLength + pattern compiles");
	inst = long_string(32768, '1', "x");
	errs = json_object_new_array();
	ok = js_validate(s, inst, errs);
	T_OK(ok == 0 && json_object_array_length(errs) == 1 &&
	    find_err(errs, "", "maxLength") >= 0,
	    "32 KB against maxLength 10: the maxLength error alone (the "
	    "pattern is not run)");
	json_object_put(errs);
	json_object_put(inst);
	js_free(s);

	/* Catastrophic backtracking: PCRE2's match limit ends it. */
	T_OK(compile("{\"properties\": {\"w\": {\"pattern\": \"(a+)+$\"}}}",
	    &s, NULL) == JS_OK, "(a+)+$ compiles");
	inst = json_object_new_object();
	json_object_object_add(inst, "w", long_string(100000, 'a', "!"));
	errs = json_object_new_array();
	ok = js_validate(s, inst, errs);
	e = json_object_array_get_idx(errs, 0);
	T_OK(ok == 0 && json_object_array_length(errs) == 1 &&
	    find_err(errs, "/w", "pattern") >= 0 &&
	    json_object_object_get_ex(e, "message", &k) &&
	    strstr(json_object_get_string(k), "too complex") != NULL,
	    "(a+)+$ on 100 KB: refused as too complex to check, at /w");
	T_OK(js_validate(s, inst, NULL) == 0, "the same without an error list");
	json_object_put(errs);
	json_object_put(inst);
	js_free(s);

	/* Inside "not" the refusal must not turn into a success. */
	T_OK(compile("{\"not\": {\"pattern\": \"(a+)+$\"}}", &s, NULL) ==
	    JS_OK, "not + (a+)+$ compiles");
	inst = long_string(30, 'a', "!");
	errs = json_object_new_array();
	T_OK(js_validate(s, inst, errs) == 0 &&
	    json_object_array_length(errs) == 1 &&
	    find_err(errs, "", "pattern") >= 0,
	    "a limit reached under not refuses the value (one error)");
	json_object_put(errs);
	json_object_put(inst);
	js_free(s);

	T_OK(compile("{\"patternProperties\": {\"(a|aa)+$\": {}}}", &s,
	    NULL) == JS_OK, "patternProperties (a|aa)+$ compiles");
	inst = json_object_new_object();
	json_object_object_add(inst, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!",
	    json_object_new_int(1));
	errs = json_object_new_array();
	T_OK(js_validate(s, inst, errs) == 0 && find_err(errs,
	    "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", "patternProperties") >= 0,
	    "a hostile property name: refused at its path");
	json_object_put(errs);
	json_object_put(inst);
	js_free(s);

	/* Long values that legitimately match still do. */
	T_OK(compile("{\"pattern\": \"^(?:\\\\d\\\\d)+$\"}", &s, NULL) == JS_OK,
	    "^(?:\\d\\d)+$ compiles");
	inst = long_string(65536, '4', "");
	T_OK(js_validate(s, inst, NULL) == 1,
	    "64 KB of digit pairs match (the JIT stack grows)");
	json_object_put(inst);
	js_free(s);

	/* A caller's stop ends a quadratic search, and a long walk. */
	T_OK(compile("{\"pattern\": \"[0-9]+$\"}", &s, NULL) == JS_OK,
	    "[0-9]+$ compiles");
	inst = long_string(200000, '1', "x");
	sa.calls = 0;
	sa.n = 3;
	errs = json_object_new_array();
	T_OK(js_validate_until(s, inst, errs, &stop) == JS_STOPPED &&
	    json_object_array_length(errs) == 0 && sa.calls == 3,
	    "a stop during a pattern match: JS_STOPPED, no errors");
	json_object_put(errs);
	json_object_put(inst);
	js_free(s);

	T_OK(compile("{\"items\": {\"type\": \"integer\"}}", &s, NULL) ==
	    JS_OK, "items schema compiles");
	inst = json_object_new_array();
	for (int i = 0; i < 10000; i++)
		json_object_array_add(inst, json_object_new_int(i));
	sa.calls = 0;
	sa.n = 2;
	errs = json_object_new_array();
	T_OK(js_validate_until(s, inst, errs, &stop) == JS_STOPPED &&
	    json_object_array_length(errs) == 0 && sa.calls == 2,
	    "a stop between nodes: JS_STOPPED, no errors");
	sa.calls = 0;
	sa.n = 1000000;
	T_OK(js_validate_until(s, inst, errs, &stop) == 1 &&
	    json_object_array_length(errs) == 0 && sa.calls == 10000 / 256,
	    "a stop that never says stop: the usual answer, asked every 256 "
	    "nodes");
	json_object_put(errs);
	json_object_put(inst);
	js_free(s);
}

/* A loader for the tests: a few documents by URI. */
static struct json_object *
test_loader(void *arg, const char *uri)
{
	static const char *const docs[][2] = {
		{ "https://x.example/int.json",
		  "{\"$defs\": {\"i\": {\"type\": \"integer\"}}, \"$anchor\": \"top\","
		  " \"$ref\": \"#/$defs/i\"}" },
		/* A dialect without the validation vocabulary. */
		{ "https://x.example/meta/no-validation",
		  "{\"$vocabulary\": {"
		  "\"https://json-schema.org/draft/2020-12/vocab/core\": true,"
		  "\"https://json-schema.org/draft/2020-12/vocab/applicator\": true}}" },
		{ "https://x.example/meta/formats",
		  "{\"$vocabulary\": {"
		  "\"https://json-schema.org/draft/2020-12/vocab/core\": true,"
		  "\"https://json-schema.org/draft/2020-12/vocab/format-assertion\": true}}" },
		{ "https://x.example/meta/odd",
		  "{\"$vocabulary\": {\"https://x.example/vocab/odd\": true}}" },
	};
	int *calls = arg;

	(*calls)++;
	for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++)
		if (strcmp(uri, docs[i][0]) == 0)
			return parse(docs[i][1]);
	return NULL;
}

/* Whether the schema compiled with opt accepts instance (1, 0, -1). */
static int
accepts_with(const struct js_options *opt, const char *schema,
    const char *instance)
{
	struct json_object *sch = parse(schema), *inst = parse(instance);
	struct js_schema *s;
	int ok = -1;

	if (js_compile_with(sch, opt, &s, NULL) == JS_OK) {
		ok = js_validate(s, inst, NULL);
		js_free(s);
	}
	json_object_put(sch);
	json_object_put(inst);
	return ok;
}

/* The keywords the POSIX-era validator refused: all of draft 2020-12. */
static void
test_draft_2020(void)
{
	struct js_options loading = { 0, test_loader, NULL };
	struct js_schema *s;
	struct json_object *errs;
	int calls = 0;
	const char *tree =
	    "{\"$id\": \"https://x.example/strict\", \"$dynamicAnchor\": \"node\","
	    " \"$ref\": \"tree\", \"unevaluatedProperties\": false,"
	    " \"$defs\": {\"tree\": {\"$id\": \"tree\", \"$dynamicAnchor\": \"node\","
	    "   \"type\": \"object\", \"properties\": {\"data\": true,"
	    "   \"children\": {\"type\": \"array\","
	    "                  \"items\": {\"$dynamicRef\": \"#node\"}}}}}}";

	loading.load_arg = &calls;
	T_OK(compile("{\"properties\": {\"a\": {}}, \"allOf\": [{\"properties\":"
	    " {\"b\": {}}}], \"unevaluatedProperties\": false}", &s, NULL) ==
	    JS_OK, "unevaluatedProperties compiles");
	T_OK(check(s, "{\"a\": 1, \"b\": 2}", &errs) == 1,
	    "properties seen through allOf are evaluated");
	json_object_put(errs);
	T_OK(check(s, "{\"a\": 1, \"c\": 3}", &errs) == 0 &&
	    json_object_array_length(errs) == 1 &&
	    find_err(errs, "/c", "unevaluatedProperties") >= 0,
	    "an unevaluated property is reported at its path");
	T_STR(message(errs, "/c", "unevaluatedProperties"),
	    "is not an allowed property", "unevaluatedProperties in words");
	json_object_put(errs);
	js_free(s);
	T_OK(accepts("{\"anyOf\": [{\"prefixItems\": [true]}, {\"prefixItems\":"
	    " [true, true]}], \"unevaluatedItems\": false}", "[1, 2]") == 1 &&
	    accepts("{\"anyOf\": [{\"prefixItems\": [true]}, {\"prefixItems\":"
	    " [true, {\"type\": \"string\"}]}], \"unevaluatedItems\": false}",
	    "[1, 2]") == 0, "unevaluatedItems: only passing branches count");
	T_OK(accepts("{\"not\": {\"not\": {\"properties\": {\"a\": true}}},"
	    " \"unevaluatedProperties\": false}", "{\"a\": 1}") == 0,
	    "annotations under not are dropped");

	T_OK(accepts("{\"$ref\": \"#i\", \"$defs\": {\"x\": {\"$anchor\": \"i\","
	    " \"type\": \"integer\"}}}", "1.5") == 0 &&
	    accepts("{\"$ref\": \"#i\", \"$defs\": {\"x\": {\"$anchor\": \"i\","
	    " \"type\": \"integer\"}}}", "2") == 1, "$anchor");
	T_OK(accepts("{\"$id\": \"https://x.example/root/a.json\", \"$ref\":"
	    " \"b/c.json\", \"$defs\": {\"c\": {\"$id\": \"b/c.json\","
	    " \"minimum\": 5}}}", "4") == 0, "$id resolved against its parent");
	T_OK(accepts(tree, "{\"children\": [{\"data\": 1}]}") == 1 &&
	    accepts(tree, "{\"children\": [{\"daat\": 1}]}") == 0,
	    "$dynamicRef extends a recursive schema (strict tree)");

	T_OK(accepts("{\"format\": \"email\"}", "\"nope\"") == 0 &&
	    accepts_with(NULL, "{\"format\": \"email\"}", "\"nope\"") == 1 &&
	    accepts_with(NULL, "{\"format\": \"emial\"}", "\"nope\"") == 1,
	    "format asserts with the option, is an annotation without");

	T_OK(accepts_with(&loading, "{\"$ref\": \"https://x.example/int.json\"}",
	    "1.5") == 0 && accepts_with(&loading,
	    "{\"$ref\": \"https://x.example/int.json#top\"}", "3") == 1,
	    "a loaded document, and its anchor");
	T_OK(accepts_with(&loading, "{\"$schema\": "
	    "\"https://x.example/meta/no-validation\", \"properties\":"
	    " {\"n\": {\"minimum\": 10}}, \"additionalProperties\": false}",
	    "{\"n\": 1}") == 1 && accepts_with(&loading, "{\"$schema\": "
	    "\"https://x.example/meta/no-validation\", \"properties\":"
	    " {\"n\": {\"minimum\": 10}}, \"additionalProperties\": false}",
	    "{\"m\": 1}") == 0,
	    "$vocabulary: validation off, applicators on");
	T_OK(accepts_with(&loading, "{\"$schema\": "
	    "\"https://x.example/meta/formats\", \"format\": \"ipv4\"}",
	    "\"1.2.3\"") == 0, "the format-assertion vocabulary asserts");
	T_OK(accepts_with(&loading, "{\"$schema\": \"https://x.example/meta/odd\"}",
	    "1") == -1, "a required unknown vocabulary is refused");
	calls = 0;
	T_OK(accepts_with(&loading, "{\"allOf\": [{\"$ref\": "
	    "\"https://x.example/none\"}, {\"$ref\": \"https://x.example/none#/a\"}]}",
	    "1") == -1 && calls == 1,
	    "a document the loader has not is asked for once, then refused");
}

static void
test_values(void)
{
	T_OK(accepts("{\"multipleOf\": 0.01}", "19.99") == 1 &&
	    accepts("{\"multipleOf\": 0.01}", "19.995") == 0,
	    "multipleOf 0.01");
	T_OK(accepts("{\"uniqueItems\": true}", "[1, 1.0]") == 0 &&
	    accepts("{\"uniqueItems\": true}",
	    "[{\"a\": 1, \"b\": 2}, {\"b\": 2, \"a\": 1}]") == 0 &&
	    accepts("{\"uniqueItems\": true}", "[1, true, \"1\", [1]]") == 1,
	    "uniqueItems uses JSON equality");
	T_OK(accepts("{\"uniqueItems\": true}",
	    "[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,7.0]") == 0,
	    "uniqueItems on a long array (hashed path)");
	T_OK(accepts("{\"const\": {\"a\": [1, null]}}",
	    "{\"a\": [1.0, null]}") == 1, "const with 1 == 1.0");
	T_OK(accepts("{\"enum\": [null]}", "null") == 1 &&
	    accepts("{\"enum\": [null]}", "0") == 0, "enum with null");
	T_OK(accepts("{\"maximum\": 9223372036854775807}",
	    "9223372036854775808") == 0, "maximum beyond int64");
	T_OK(accepts("{\"exclusiveMinimum\": 0.5}", "1") == 1 &&
	    accepts("{\"minimum\": 2}", "1.9999999") == 0,
	    "integer and double compared exactly");
	T_OK(accepts("{\"type\": \"integer\"}", "3.0") == 1 &&
	    accepts("{\"type\": \"integer\"}", "3.5") == 0,
	    "3.0 is an integer");
	T_OK(accepts("{\"maxLength\": 2}", "\"\\u00e9\\ud83d\\ude00\"") == 1,
	    "maxLength counts code points");
	T_OK(accepts("{\"format\": \"date-time\"}",
	    "\"2024-02-29T12:00:00Z\"") == 1 &&
	    accepts("{\"format\": \"date-time\"}",
	    "\"2023-02-29T12:00:00Z\"") == 0, "date-time format");
	T_OK(accepts("{\"format\": \"uuid\"}",
	    "\"123e4567-e89b-12d3-a456-426614174000\"") == 1 &&
	    accepts("{\"format\": \"uri\"}", "\"/relative\"") == 0,
	    "uuid and uri formats");
}

static void
test_combinators(void)
{
	struct js_schema *s;
	struct json_object *errs;
	char big[4096];
	size_t n;
	int i;

	T_OK(compile("{\"properties\": {\"contact\": {\"anyOf\": ["
	    "{\"type\": \"string\", \"format\": \"email\"},"
	    "{\"type\": \"string\", \"pattern\": \"^\\\\+[0-9]+$\"}]}}}",
	    &s, NULL) == JS_OK, "anyOf schema compiles");
	T_OK(check(s, "{\"contact\": \"nope\"}", &errs) == 0 &&
	    json_object_array_length(errs) == 1 &&
	    find_err(errs, "/contact", "anyOf") >= 0,
	    "anyOf reports one error of its own");
	json_object_put(errs);
	js_free(s);

	T_OK(compile("{\"oneOf\": [{\"minimum\": 0}, {\"maximum\": 10}],"
	    " \"not\": {\"const\": 99}}", &s, NULL) == JS_OK,
	    "oneOf/not schema compiles");
	T_OK(check(s, "5", &errs) == 0 &&
	    find_err(errs, "", "oneOf") >= 0 &&
	    json_object_array_length(errs) == 1, "oneOf matching two fails");
	json_object_put(errs);
	T_OK(check(s, "99", &errs) == 0 &&
	    find_err(errs, "", "not") >= 0 &&
	    json_object_array_length(errs) == 1, "not reports itself");
	json_object_put(errs);
	js_free(s);

	T_OK(accepts("{\"if\": {\"properties\": {\"country\": {\"const\": "
	    "\"US\"}}}, \"then\": {\"required\": [\"zip\"]}}",
	    "{\"country\": \"US\"}") == 0 &&
	    accepts("{\"if\": {\"properties\": {\"country\": {\"const\": "
	    "\"US\"}}}, \"then\": {\"required\": [\"zip\"]}}",
	    "{\"country\": \"FR\"}") == 1, "if/then");

	/* The error list is capped. */
	T_OK(compile("{\"items\": {\"type\": \"string\"}}", &s, NULL) ==
	    JS_OK, "items schema compiles");
	n = (size_t)snprintf(big, sizeof big, "[");
	for (i = 0; i < 500; i++)
		n += (size_t)snprintf(big + n, sizeof big - n, "%s%d",
		    i ? "," : "", i);
	snprintf(big + n, sizeof big - n, "]");
	T_OK(check(s, big, &errs) == 0 &&
	    json_object_array_length(errs) == JS_MAX_ERRORS,
	    "500 bad items give %d errors", JS_MAX_ERRORS);
	T_OK(find_err(errs, "/0", "type") >= 0 &&
	    find_err(errs, "/99", "type") >= 0, "first items reported");
	json_object_put(errs);
	js_free(s);
}

int
main(void)
{
	test_signup();
	test_refusals();
	test_invalid();
	test_refs();
	test_draft_2020();
	test_patterns();
	test_hostile_patterns();
	test_values();
	test_combinators();
	return t_done();
}
