/*
 * Unit tests for lib/base/buf.c: growth from the arena, printf across a growth,
 * and JSON string quoting (every result is also parsed back with json-c).
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "arena.h"
#include "buf.h"
#include "clock.h"
#include "t.h"

static void
test_growth(void)
{
	struct arena a;
	struct buf b;
	int ok = 1;

	arena_init(&a, 256);
	buf_init(&b, &a, 0);
	T_OK(b.cap == 64 && b.len == 0 && b.data[0] == '\0',
	    "init: 64 bytes minimum, empty, NUL-terminated");
	for (int i = 0; i < 1000; i++)
		buf_putc(&b, (char)('a' + i % 26));
	for (int i = 0; i < 1000; i++)
		if (b.data[i] != (char)('a' + i % 26))
			ok = 0;
	T_OK(ok && b.len == 1000, "1000 putc keep every byte");
	T_OK(b.data[1000] == '\0' && b.cap > 1000, "NUL-terminated after growth");

	buf_reset(&b);
	T_OK(b.len == 0 && b.data[0] == '\0', "reset empties");
	buf_puts(&b, "abc");
	buf_put(&b, "defgh", 2);
	T_STR(b.data, "abcde", "puts then put(n)");
	arena_free(&a);
}

static void
test_printf(void)
{
	struct arena a;
	struct buf b;
	char want[600];

	arena_init(&a, 256);
	buf_init(&b, &a, 16);
	buf_printf(&b, "%s", "0123456789012345678901234567890123456789"
	    "01234567890123456789012");                    /* 63: fits */
	T_OK(b.len == 63 && b.cap == 64, "printf of 63 bytes fits in 64");
	buf_reset(&b);
	buf_puts(&b, "head:");
	buf_printf(&b, "%d/%s/%500d", 42, "x", 7);
	snprintf(want, sizeof(want), "head:42/x/%500d", 7);
	T_STR(b.data, want, "printf across growth");
	T_OK(b.len == strlen(want), "printf across growth: length");
	buf_printf(&b, "!");
	T_OK(b.len == strlen(want) + 1 && b.data[b.len - 1] == '!' &&
	    b.data[b.len] == '\0', "printf appends after growth");
	arena_free(&a);
}

/* Quotes s[0..n) and returns the result (valid until the arena is freed). */
static const char *
quote(struct arena *a, const char *s, size_t n)
{
	struct buf b;

	buf_init(&b, a, 0);
	buf_put_json_string(&b, s, n);
	return b.data;
}

/* 1 if json-c reads q back as the string s[0..n). */
static int
round_trips(const char *q, const char *s, size_t n)
{
	struct json_object *v = json_tokener_parse(q);
	int ok = json_object_is_type(v, json_type_string) &&
	    (size_t)json_object_get_string_len(v) == n &&
	    memcmp(json_object_get_string(v), s, n) == 0;

	json_object_put(v);
	return ok;
}

static void
check_quote(struct arena *a, const char *s, size_t n, const char *want,
    const char *what)
{
	const char *q = quote(a, s, n);

	T_STR(q, want, what);
	T_OK(round_trips(q, s, n), "%s: json-c reads it back", what);
}

static void
test_json_string(void)
{
	struct arena a;

	arena_init(&a, 1024);
	check_quote(&a, "", 0, "\"\"", "empty string");
	check_quote(&a, "plain", 5, "\"plain\"", "plain text");
	check_quote(&a, "a\"b", 3, "\"a\\\"b\"", "quote escaped");
	check_quote(&a, "a\\b", 3, "\"a\\\\b\"", "backslash escaped");
	check_quote(&a, "\n\r\t", 3, "\"\\n\\r\\t\"", "newline, CR, tab");
	check_quote(&a, "\x01\x08\x0c\x1f", 4, "\"\\u0001\\u0008\\u000c\\u001f\"",
	    "other control characters as \\u00XX");
	check_quote(&a, "a\0b", 3, "\"a\\u0000b\"", "NUL byte as \\u0000");
	check_quote(&a, "/\x7f", 2, "\"/\x7f\"", "slash and DEL kept");
	check_quote(&a, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14,
	    "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
	    "UTF-8 kept as is");

	struct buf b;
	buf_init(&b, &a, 0);
	buf_puts(&b, "{\"k\":");
	buf_put_json_string(&b, "v\"", 2);
	buf_putc(&b, '}');
	T_STR(b.data, "{\"k\":\"v\\\"\"}", "appends after existing content");
	arena_free(&a);
}

static void
test_llong_and_copy_text(void)
{
	static const long long v[] = { 0, 7, -7, 1234567890123LL, LLONG_MAX, LLONG_MIN };
	struct arena a;
	struct buf b;
	char want[32];
	int ok = 1;

	arena_init(&a, 256);
	buf_init(&b, &a, 0);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		buf_reset(&b);
		buf_put_llong(&b, v[i]);
		snprintf(want, sizeof(want), "%lld", v[i]);
		if (strcmp(b.data, want) != 0)
			ok = 0;
	}
	T_OK(ok, "buf_put_llong writes what %%lld writes, extremes included");
	buf_reset(&b);
	buf_put_copy_text(&b, "a\\b\tc\nd\re", 9);
	T_STR(b.data, "a\\\\b\\tc\\nd\\re", "COPY text: backslash, tab, newline, CR escaped");
	buf_reset(&b);
	buf_put_copy_text(&b, "caf\xc3\xa9 \"q\"", 9);
	T_STR(b.data, "caf\xc3\xa9 \"q\"", "COPY text: anything else kept");
	arena_free(&a);
}

static void
test_iso_times(void)
{
	char out[ISO_UTC_SIZE];

	iso_utc(1795281234567891LL, out);
	T_STR(out, "2026-11-21T17:13:54.567Z", "iso_utc: milliseconds");
	iso_utc_us(1795281234567891LL, out);
	T_STR(out, "2026-11-21T17:13:54.567891Z", "iso_utc_us: microseconds");
	iso_utc(0, out);
	T_STR(out, "1970-01-01T00:00:00.000Z", "iso_utc: the epoch");
	iso_utc_us(-1, out);
	T_STR(out, "1969-12-31T23:59:59.999999Z", "iso_utc_us: before the epoch");
	iso_utc(951782400000000LL, out);
	T_STR(out, "2000-02-29T00:00:00.000Z", "iso_utc: a leap day");
}

int
main(void)
{
	test_growth();
	test_printf();
	test_json_string();
	test_llong_and_copy_text();
	test_iso_times();
	return t_done();
}
