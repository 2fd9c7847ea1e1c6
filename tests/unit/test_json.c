/*
 * Unit tests for lib/base/json.c: strict body parsing (each jp_status), the
 * UTF-8 validator on its boundaries, errs_add, JSON pointer escaping, the
 * typed getters, and json_text against json-c's own serialiser.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "json.h"
#include "t.h"

/* Parses s[0..n) with depth 32 and drops the value. */
static enum jp_status
parse_n(const char *s, size_t n)
{
	struct json_object *v;
	enum jp_status st = json_parse_strict(s, n, 32, &v, NULL);

	if (st != JP_OK && v != NULL)
		st = JP__MAX;    /* an error must leave *out NULL */
	json_object_put(v);
	return st;
}

static enum jp_status
parse(const char *s)
{
	return parse_n(s, strlen(s));
}

/* One check: s parses to want. */
static void
expect(const char *s, enum jp_status want, const char *what)
{
	enum jp_status got = parse(s);

	T_OK(got == want, "%s -> %s (got %d)", what,
	    want < JP__MAX ? jp_status_names[want] : "?", (int)got);
}

static void
test_ok(void)
{
	struct json_object *v;
	enum jp_status st;

	expect("{}", JP_OK, "empty object");
	expect("[]", JP_OK, "empty array");
	expect("{\"a\":[1,2.5,true,false,null,\"x\"],\"b\":{}}", JP_OK,
	    "nested document");
	expect(" \t\r\n{\"a\":1} \t\r\n", JP_OK, "white space around");
	expect("\"text\"", JP_OK, "top-level string");
	expect("[\"caf\xc3\xa9 \xf0\x9f\x98\x80\"]", JP_OK, "UTF-8 in strings");
	expect("[\"\\u00e9\\ud83d\\ude00\"]", JP_OK, "escaped UTF-16 pair");
	/* RFC 8259: any value may be the whole document. */
	expect("1", JP_OK, "top-level number");
	expect("-3.5", JP_OK, "top-level negative fraction");
	expect("true", JP_OK, "top-level true");
	expect("null", JP_OK, "top-level null");

	st = json_parse_strict("{\"k\":[7]}", 9, 32, &v, NULL);
	T_OK(st == JP_OK && json_object_is_type(v, json_type_object),
	    "JP_OK hands out the object");
	T_STR(json_plain(v), "{\"k\":[7]}", "the value is the document");
	json_object_put(v);
}

static void
test_errors(void)
{
	expect("", JP_EMPTY, "empty body");
	expect("  \n", JP_EMPTY, "white space only");
	expect("{", JP_MALFORMED, "unclosed object");
	expect("[1,]", JP_MALFORMED, "trailing comma in array");
	expect("{\"a\":1,}", JP_MALFORMED, "trailing comma in object");
	expect("[1 2]", JP_MALFORMED, "missing comma");
	expect("[01]", JP_MALFORMED, "leading zero");
	expect("{a:1}", JP_MALFORMED, "unquoted key");
	expect("[\"\\x\"]", JP_MALFORMED, "bad escape");
	expect("{'a':1}", JP_MALFORMED, "single-quoted strings");
	expect("['a']", JP_MALFORMED, "single-quoted value");
	expect("{} x", JP_TRAILING, "garbage after the value");
	expect("{}{}", JP_TRAILING, "two values");
	expect("[1]]", JP_TRAILING, "extra bracket");
}

static void
test_depth(void)
{
	enum { N = 10000 };
	char *s = malloc(2 * N + 1);
	struct json_object *v;
	size_t off = 0;
	enum jp_status st;

	memset(s, '[', N);
	memset(s + N, ']', N);
	s[2 * N] = '\0';
	st = json_parse_strict(s, 2 * N, 32, &v, &off);
	T_OK(st == JP_TOO_DEEP && v == NULL, "10000 nested arrays, limit 32 -> too deep");
	T_OK(off > 0 && off <= 33, "too deep: stopped near the limit (at %zu)", off);
	/* 32 levels are fine, 33 are not. */
	s[32] = '\0';
	memset(s, '[', 32);
	memset(s + 32, ']', 32);
	st = json_parse_strict(s, 64, 32, &v, NULL);
	T_OK(st == JP_OK, "32 levels with limit 32 accepted");
	json_object_put(v);
	memset(s, '[', 33);
	memset(s + 33, ']', 33);
	T_OK(json_parse_strict(s, 66, 32, &v, NULL) == JP_TOO_DEEP,
	    "33 levels with limit 32 refused");
	free(s);
}

#define PARSE_LIT(lit) parse_n(lit, sizeof(lit) - 1)

static void
test_bad_utf8(void)
{
	T_OK(PARSE_LIT("[\"\xff\"]") == JP_BAD_UTF8, "raw 0xff");
	T_OK(PARSE_LIT("[\"\xc0\xaf\"]") == JP_BAD_UTF8, "overlong C0 AF");
	T_OK(PARSE_LIT("[\"\xe0\x80\xaf\"]") == JP_BAD_UTF8, "overlong E0 80 AF");
	T_OK(PARSE_LIT("[\"\xed\xa0\x80\"]") == JP_BAD_UTF8, "surrogate ED A0 80");
	T_OK(PARSE_LIT("[\"\xe2\x82\"]") == JP_BAD_UTF8, "truncated sequence");
	T_OK(PARSE_LIT("[\"\xe2\x82") == JP_BAD_UTF8, "sequence cut at the end");
	T_OK(PARSE_LIT("[\"\x80\"]") == JP_BAD_UTF8, "lone continuation byte");
	T_OK(PARSE_LIT("{\"\xff\":1}") == JP_BAD_UTF8, "bad UTF-8 in a key");
}

static void
test_nul_and_numbers(void)
{
	expect("[\"a\\u0000b\"]", JP_NUL, "\\u0000 in a string value");
	expect("{\"a\":\"\\u0000\"}", JP_NUL, "\\u0000 as a member value");
	expect("{\"a\\u0000b\":1}", JP_NUL, "\\u0000 in a key");
	T_OK(PARSE_LIT("[\"a\0b\"]") != JP_OK, "raw NUL byte refused");
	expect("[NaN]", JP_NUL, "NaN refused");
	expect("[Infinity]", JP_NUL, "Infinity refused");
	expect("[-Infinity]", JP_NUL, "-Infinity refused");
	expect("{\"x\":1e999}", JP_NUL, "overflowing number refused");
	T_OK(parse("NaN") != JP_OK, "top-level NaN refused");
	T_OK(parse("-Infinity") != JP_OK, "top-level -Infinity refused");
}

static void
test_offsets(void)
{
	struct json_object *v;
	size_t off = 99;

	T_OK(json_parse_strict("[1,]", 4, 32, &v, &off) == JP_MALFORMED &&
	    off == 3, "malformed: offset of the bad byte (%zu)", off);
	/* Refused before a byte is read: the buffer is only "{}". */
	T_OK(json_parse_strict("{}", (size_t)INT_MAX + 1, 32, &v, NULL) == JP_MALFORMED &&
	    v == NULL, "a length past INT_MAX is refused");
	off = 99;
	json_parse_strict("{} x", 4, 32, &v, &off);
	T_OK(off == 3, "trailing: offset of the first extra byte (%zu)", off);
	off = 99;
	json_parse_strict("{}", 2, 32, &v, &off);
	T_OK(off == 0, "ok: offset 0");
	json_object_put(v);
}

static void
test_utf8_valid(void)
{
#define U(lit) utf8_valid(lit, sizeof(lit) - 1)
	T_OK(U("") == 1, "utf8: empty");
	T_OK(U("\x7f") == 1, "utf8: U+007F");
	T_OK(U("\xc2\x80") == 1, "utf8: U+0080");
	T_OK(U("\xdf\xbf") == 1, "utf8: U+07FF");
	T_OK(U("\xe0\xa0\x80") == 1, "utf8: U+0800");
	T_OK(U("\xed\x9f\xbf") == 1, "utf8: U+D7FF");
	T_OK(U("\xee\x80\x80") == 1, "utf8: U+E000");
	T_OK(U("\xef\xbf\xbf") == 1, "utf8: U+FFFF");
	T_OK(U("\xf0\x90\x80\x80") == 1, "utf8: U+10000");
	T_OK(U("\xf4\x8f\xbf\xbf") == 1, "utf8: U+10FFFF");
	T_OK(U("\xf4\x90\x80\x80") == 0, "utf8: U+110000 refused");
	T_OK(U("\xc1\xbf") == 0, "utf8: overlong U+007F refused");
	T_OK(U("\xe0\x9f\xbf") == 0, "utf8: overlong U+07FF refused");
	T_OK(U("\xf0\x8f\xbf\xbf") == 0, "utf8: overlong U+FFFF refused");
	T_OK(U("\xed\xbf\xbf") == 0, "utf8: surrogate U+DFFF refused");
	T_OK(U("\xf5\x80\x80\x80") == 0, "utf8: F5 lead refused");
	T_OK(U("\xc2") == 0, "utf8: truncated 2-byte");
	T_OK(U("\xe2\x28\xa1") == 0, "utf8: bad continuation");
	T_OK(utf8_valid("\xc2\x80", 1) == 0, "utf8: length cuts a sequence");
	T_OK(U("a\0b") == 1, "utf8: NUL is valid UTF-8");
#undef U
}

static void
test_errs_add(void)
{
	struct json_object *errs = json_object_new_array();

	errs_add(errs, "/tools/0", "bad %s %d", "thing", 3);
	errs_add(errs, "", "root");
	errs_add(NULL, "/x", "ignored");
	T_STR(json_plain(errs),
	    "[{\"path\":\"/tools/0\",\"message\":\"bad thing 3\"},"
	    "{\"path\":\"\",\"message\":\"root\"}]", "errs_add shape");
	json_object_put(errs);
}

static void
test_pointer(void)
{
	char out[64], small[8];

	json_pointer_append(out, sizeof(out), "", "a");
	T_STR(out, "/a", "pointer: root + a");
	json_pointer_append(out, sizeof(out), "/tools/0", "config");
	T_STR(out, "/tools/0/config", "pointer: nested");
	json_pointer_append(out, sizeof(out), "", "a~b/c");
	T_STR(out, "/a~0b~1c", "pointer: ~ -> ~0, / -> ~1");
	json_pointer_append(out, sizeof(out), "/x", "");
	T_STR(out, "/x/", "pointer: empty token");
	json_pointer_append(small, sizeof(small), "/ab", "cdefghij");
	T_OK(strlen(small) < sizeof(small) && strncmp(small, "/ab/", 4) == 0,
	    "pointer: truncated inside the buffer (%s)", small);
}

static void
test_getters(void)
{
	struct json_object *o = json_tokener_parse(
	    "{\"s\":\"str\",\"n\":5,\"a\":[1],\"z\":null}");
	struct json_object *arr = json_object_new_array();

	T_STR(json_get_str(o, "s"), "str", "get_str: string member");
	T_OK(json_get_str(o, "n") == NULL, "get_str: number is not a string");
	T_OK(json_get_str(o, "z") == NULL, "get_str: null is not a string");
	T_OK(json_get_str(o, "missing") == NULL, "get_str: missing");
	T_OK(json_get_str(arr, "s") == NULL, "get_str: not an object");
	T_OK(json_get_str(NULL, "s") == NULL, "get_str: NULL object");
	T_OK(json_get(o, "n", json_type_int) != NULL &&
	    json_object_get_int(json_get(o, "n", json_type_int)) == 5,
	    "get: int member");
	T_OK(json_get(o, "n", json_type_string) == NULL, "get: wrong type");
	T_OK(json_get(o, "a", json_type_array) != NULL, "get: array member");
	T_OK(json_get(o, "a", json_type_object) == NULL, "get: array is not object");
	json_object_put(arr);
	json_object_put(o);
}

/*
 * json_text writes what json_plain writes -- byte for byte where json-c
 * spells escapes as we do, and the same value always (parsed back and
 * compared with json_object_equal).
 */
static void
test_text(void)
{
	static const struct { const char *in; int same_bytes; } cases[] = {
		{ "null", 1 }, { "true", 1 }, { "false", 1 }, { "0", 1 }, { "-42", 1 },
		{ "9223372036854775807", 1 }, { "-9223372036854775808", 1 },
		{ "18446744073709551615", 1 },          /* a uint64 json-c keeps */
		{ "1.5", 1 }, { "1e300", 1 }, { "0.1000", 1 }, { "-0.0", 1 },
		{ "\"\"", 1 }, { "\"a/b \\\" \\\\ \\n\\t\\r\\u0001 \\u001f\"", 1 },
		{ "\"\\b\\f\"", 0 },                     /* json-c: \b \f; we: \u0008 */
		{ "\"é ✓ 😀\"", 1 },
		{ "[]", 1 }, { "{}", 1 }, { "[1,[2,[3,{}]],\"x\"]", 1 },
		{ "{\"a\":1,\"b\":{\"c\":[true,null]},\"k\\\"ey\":\"v\"}", 1 },
		{ "{\"success\":true,\"token\":\"eyJ.eyJ.sig\",\"n\":-3,\"d\":2.25}", 1 },
	};
	struct arena a;

	arena_init(&a, 1024);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct json_object *v = NULL, *back = NULL;
		size_t len;
		const char *got, *want;

		if (json_parse_strict(cases[i].in, strlen(cases[i].in), 32, &v, NULL) != JP_OK) {
			T_OK(0, "json_text: %s parses", cases[i].in);
			continue;
		}
		got = json_text(&a, v, &len);
		want = json_plain(v);
		T_OK(len == strlen(got), "json_text: %s: its length", cases[i].in);
		if (cases[i].same_bytes)
			T_STR(got, want, cases[i].in);
		T_OK(json_parse_strict(got, len, 32, &back, NULL) == JP_OK &&
		    json_object_equal(v, back), "json_text: %s reads back equal", cases[i].in);
		json_object_put(back);
		json_object_put(v);
	}
	/* Built, not parsed: json-c's own values. */
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "i", json_object_new_int(7));
	json_object_object_add(o, "u", json_object_new_uint64(UINT64_MAX));
	json_object_object_add(o, "d", json_object_new_double(0.5));
	json_object_object_add(o, "s", json_object_new_string_len("a\0b", 3));
	T_STR(json_text(&a, o, NULL), json_plain(o), "json_text: built values, as json-c writes them");
	json_object_put(o);
	T_STR(json_text(&a, NULL, NULL), "null", "json_text: NULL is null");
	arena_free(&a);
}

/* s parses to a value that json-c writes as want. */
static void
expect_value(const char *s, const char *want, const char *what)
{
	struct json_object *v = NULL;
	enum jp_status st = json_parse_strict(s, strlen(s), 32, &v, NULL);

	T_OK(st == JP_OK, "%s: parses (%d)", what, (int)st);
	T_STR(st == JP_OK ? json_plain(v) : "", want, what);
	json_object_put(v);
}

static void
test_strings(void)
{
	struct json_object *v;
	char doc[800], want[301];

	expect_value("[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]",
	    "[\"\\\"\\\\/\\b\\f\\n\\r\\t\"]", "every short escape");
	/* U+1DA00, which json-c 0.16 itself turns into U+FFFD. */
	expect_value("[\"\\ud836\\ude00\"]", "[\"\xf0\x9d\xa8\x80\"]",
	    "a surrogate pair is its code point");
	expect_value("[\"\\ud83d\\ude00x\"]", "[\"\xf0\x9f\x98\x80x\"]", "U+1F600");
	expect_value("[\"\\ud800\"]", "[\"\xef\xbf\xbd\"]", "a lone high surrogate is U+FFFD");
	expect_value("[\"\\udc00a\"]", "[\"\xef\xbf\xbd" "a\"]", "a lone low surrogate is U+FFFD");
	expect_value("[\"\\ud800\\u0041\"]", "[\"\xef\xbf\xbd" "A\"]",
	    "a high surrogate before a non-surrogate");
	expect_value("[\"\\u00e9\\u20AC\"]", "[\"\xc3\xa9\xe2\x82\xac\"]", "two- and three-byte escapes");
	expect_value("{\"a\\nb\":1,\"a\":2,\"a\":3}", "{\"a\\nb\":1,\"a\":3}",
	    "an escaped key; a repeated key, the last wins");
	static const struct { const char *text, *what; } bad[] = {
		{ "[\"a\tb\"]", "a raw tab in a string" },
		{ "[\"a\nb\"]", "a raw line feed in a string" },
		{ "[\"\\u12\"]", "a short \\u escape" },
		{ "[\"\\u12G4\"]", "a \\u escape that is not hex" },
		{ "[\"abc", "an unterminated string" },
		{ "[\"abc\\", "a string cut after a backslash" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect(bad[i].text, JP_MALFORMED, bad[i].what);

	/* Past the parser's small buffers: a long key, a long escaped string. */
	memset(want, 'k', 300);
	want[300] = '\0';
	snprintf(doc, sizeof(doc), "{\"%s\":\"\\u0041%s\"}", want, want);
	T_OK(json_parse_strict(doc, strlen(doc), 32, &v, NULL) == JP_OK &&
	    strlen(json_get_str(v, want)) == 301 && json_get_str(v, want)[0] == 'A',
	    "a 300-byte key, a 301-byte escaped string");
	json_object_put(v);
	snprintf(doc, sizeof(doc), "{\"%s\":[1,", want);
	expect(doc, JP_MALFORMED, "a document cut after a 300-byte key");
}

static void
test_numbers(void)
{
	struct json_object *v;

	expect_value("[0,-0,12,-7,1.5e3,2E-2,0.25]", "[0,0,12,-7,1.5e3,2E-2,0.25]",
	    "numbers; a fraction or exponent keeps its text");
	expect_value("[9223372036854775807,-9223372036854775808,18446744073709551615]",
	    "[9223372036854775807,-9223372036854775808,18446744073709551615]",
	    "int64 and uint64 limits");
	T_OK(json_parse_strict("[18446744073709551615]", 22, 32, &v, NULL) == JP_OK &&
	    json_object_get_type(json_object_array_get_idx(v, 0)) == json_type_int &&
	    json_object_get_uint64(json_object_array_get_idx(v, 0)) == UINT64_MAX,
	    "above int64: a uint64");
	json_object_put(v);
	/* Past 64 bits: a double, as JavaScript reads it, written back as sent. */
	expect_value("[18446744073709551616,-9223372036854775809]",
	    "[18446744073709551616,-9223372036854775809]", "integers past 64 bits keep their text");
	T_OK(json_parse_strict("[18446744073709551616]", 22, 32, &v, NULL) == JP_OK &&
	    json_object_get_type(json_object_array_get_idx(v, 0)) == json_type_double &&
	    json_object_get_double(json_object_array_get_idx(v, 0)) == 18446744073709551616.0,
	    "past uint64: a double of that value");
	json_object_put(v);
	char big[400];
	memset(big, '9', 320);
	big[0] = '[';
	big[320] = ']';
	T_OK(json_parse_strict(big, 321, 32, &v, NULL) == JP_NUL, "an integer past a double's range");
	const char *bad[] = { "[1.]", "[.5]", "[+1]", "[-]", "[1e]", "[1e+]", "[-01]",
	    "[0x1]", "[1.2.3]", "[tru]", "[nul]", "[True]" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect(bad[i], JP_MALFORMED, bad[i]);
}

/* Levels count as json-c counts them: a scalar member is one level more. */
static void
test_levels(void)
{
	struct json_object *v;
	size_t off = 99;

	T_OK(json_parse_strict("[1]", 3, 1, &v, &off) == JP_TOO_DEEP && off == 1,
	    "[1] with limit 1: too deep at the 1 (%zu)", off);
	T_OK(json_parse_strict("[1]", 3, 2, &v, NULL) == JP_OK, "[1] with limit 2");
	json_object_put(v);
	T_OK(json_parse_strict("{\"a\":{\"b\":1}}", 13, 2, &v, NULL) == JP_TOO_DEEP,
	    "{a:{b:1}} with limit 2: too deep");
	T_OK(json_parse_strict("{\"a\":{\"b\":1}}", 13, 3, &v, NULL) == JP_OK,
	    "{a:{b:1}} with limit 3");
	json_object_put(v);
	T_OK(json_parse_strict("7", 1, 1, &v, NULL) == JP_OK && json_object_get_int(v) == 7,
	    "a bare scalar with limit 1");
	json_object_put(v);
	off = 99;
	T_OK(json_parse_strict("{\"a\":[1,", 8, 32, &v, &off) == JP_MALFORMED && off == 8,
	    "cut short: the offset is the end (%zu)", off);
}

/* A raw node is written as its text, by json-c and by json_buf_put alike. */
static void
test_raw(void)
{
	struct arena a;
	struct json_object *o = json_object_new_object();
	static const char doc[] = "{\"b\":[1,2,{\"c\":\"d\"}]}";
	struct buf b;

	arena_init(&a, 1024);
	json_object_object_add(o, "a", json_raw_new(&a, doc, strlen(doc)));
	json_object_object_add(o, "n", json_object_new_int(3));
	T_STR(json_plain(o), "{\"a\":{\"b\":[1,2,{\"c\":\"d\"}]},\"n\":3}",
	    "raw: json-c writes the node as its text");
	buf_init(&b, &a, 64);
	json_buf_put(&b, o);
	T_STR(b.data, "{\"a\":{\"b\":[1,2,{\"c\":\"d\"}]},\"n\":3}",
	    "raw: json_buf_put writes it the same");
	buf_init(&b, &a, 64);
	json_error_envelope(&b, "x", "a \"quoted\" word", NULL);
	T_STR(b.data, "{\"error\":{\"code\":\"x\",\"message\":\"a \\\"quoted\\\" word\"}}",
	    "the error envelope, its message escaped");
	json_object_put(o);
	arena_free(&a);
}

int
main(void)
{
	test_ok();
	test_errors();
	test_depth();
	test_bad_utf8();
	test_nul_and_numbers();
	test_offsets();
	test_utf8_valid();
	test_errs_add();
	test_pointer();
	test_getters();
	test_text();
	test_strings();
	test_numbers();
	test_levels();
	test_raw();
	return t_done();
}
