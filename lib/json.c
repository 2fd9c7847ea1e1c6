#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "json.h"

const char *const jp_status_names[JP__MAX] = {
	"ok",
	"the body is empty",
	"the body is not valid JSON",
	"the JSON nests too deeply",
	"the body is not valid UTF-8",
	"unexpected data after the JSON value",
	"strings must not contain NUL characters, numbers must be finite",
};

/*
 * Returns 1 if s[0..n) is well-formed UTF-8 (no overlongs, no surrogates,
 * nothing above U+10FFFF), else 0.
 */
int
utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;

	while (p < end) {
		unsigned c = *p;
		size_t len;
		unsigned cp;

		if (c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			len = 2; cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3; cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4; cp = c & 0x07;
		} else
			return 0;
		if ((size_t)(end - p) < len)
			return 0;
		for (size_t i = 1; i < len; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return 0;
		p += len;
	}
	return 1;
}

/*
 * Returns 1 if any string or key under v holds a NUL byte, or a number is
 * not finite (json-c's strict mode still takes NaN and Infinity).
 */
static int
has_nul(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_double:
		return !isfinite(json_object_get_double(v));
	case json_type_string:
		return strlen(json_object_get_string(v)) !=
		    (size_t)json_object_get_string_len(v);
	case json_type_array: {
		size_t n = json_object_array_length(v);
		for (size_t i = 0; i < n; i++)
			if (has_nul(json_object_array_get_idx(v, i)))
				return 1;
		return 0;
	}
	case json_type_object: {
		json_object_object_foreach(v, key, val) {
			(void)key;
			if (has_nul(val))
				return 1;
		}
		return 0;
	}
	default:
		return 0;
	}
}

/*
 * What json-c's strict mode lets through and JSON does not: a single quote
 * outside strings (json-c takes 'key'), and \u0000 in a string or key
 * (json-c cuts keys at it). One pass over the raw text.
 */
static enum jp_status
raw_scan(const char *buf, size_t len)
{
	int in_str = 0;

	for (size_t i = 0; i < len; i++) {
		char c = buf[i];
		if (!in_str) {
			if (c == '"')
				in_str = 1;
			else if (c == '\'')
				return JP_MALFORMED;
			continue;
		}
		if (c == '"')
			in_str = 0;
		else if (c == '\\' && i + 1 < len) {
			if (buf[i + 1] == 'u' && i + 5 < len &&
			    memcmp(buf + i + 2, "0000", 4) == 0)
				return JP_NUL;
			i++;
		}
	}
	return JP_OK;
}

/*
 * Parses buf[0..len) as exactly one JSON value. On JP_OK *out is a new
 * reference the caller puts; otherwise *out is NULL and *err_offset (if
 * given) is where parsing stopped. Trailing white space is allowed.
 * Object keys are unique by construction in json-c (the last one wins), so a
 * duplicated key is not an error here.
 */
enum jp_status
json_parse_strict(const char *buf, size_t len, int max_depth,
    struct json_object **out, size_t *err_offset)
{
	struct json_tokener *tok;
	struct json_object *v;
	enum json_tokener_error jerr;
	enum jp_status st = JP_OK;
	size_t end, i;

	*out = NULL;
	if (err_offset != NULL)
		*err_offset = 0;
	for (i = 0; i < len && strchr(" \t\r\n", buf[i]) != NULL; i++)
		;
	if (i == len)
		return JP_EMPTY;
	if (!utf8_valid(buf, len))
		return JP_BAD_UTF8;
	if (len > (size_t)0x7fffffff)
		return JP_MALFORMED;
	if ((st = raw_scan(buf, len)) != JP_OK)
		return st;
	if ((tok = json_tokener_new_ex(max_depth)) == NULL)
		return JP_MALFORMED;
	/* Trailing bytes are allowed here and refused below, to say so. */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8 |
	    JSON_TOKENER_ALLOW_TRAILING_CHARS);
	v = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (v == NULL && jerr == json_tokener_continue) {
		/* A bare scalar ("1", "true") ends only at the end of input. */
		v = json_tokener_parse_ex(tok, "", 1);
		jerr = json_tokener_get_error(tok);
		if (v != NULL)
			end = len;
	}
	if (v == NULL && jerr == json_tokener_success) {
		/* The document is JSON null: OK, with *out NULL. */
		for (i = end; i < len && strchr(" \t\r\n", buf[i]) != NULL; i++)
			;
		st = i == len ? JP_OK : JP_TRAILING;
		if (err_offset != NULL && st != JP_OK)
			*err_offset = i;
		goto out;
	}
	if (v == NULL) {
		if (jerr == json_tokener_error_depth)
			st = JP_TOO_DEEP;
		else if (jerr == json_tokener_error_parse_utf8_string)
			st = JP_BAD_UTF8;
		else
			st = JP_MALFORMED;
		/* json_tokener_continue: the value was cut short. */
		if (err_offset != NULL)
			*err_offset = end;
		goto out;
	}
	for (i = end; i < len && strchr(" \t\r\n", buf[i]) != NULL; i++)
		;
	if (i != len) {
		st = JP_TRAILING;
		if (err_offset != NULL)
			*err_offset = i;
		goto out;
	}
	if (has_nul(v)) {
		st = JP_NUL;
		goto out;
	}
	*out = v;
	v = NULL;
out:
	json_object_put(v);
	json_tokener_free(tok);
	return st;
}

/* json_object_put with the arena_defer signature. */
void
json_put_cb(void *v)
{
	json_object_put(v);
}

/* Serialises v compactly; the string is owned by v. */
const char *
json_plain(struct json_object *v)
{
	return json_object_to_json_string_ext(v,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

/*
 * Appends v to b as compact JSON: what json_plain writes, without json-c's
 * printbuf, its per-character escaping and its cached copy in v (strings
 * go through buf_put_json_string, whose escapes differ only in spelling:
 * \u0008 for \b). Numbers json-c keeps as text of their own (doubles,
 * integers beyond int64) are json-c's text.
 */
void
json_buf_put(struct buf *b, struct json_object *v)
{
	size_t i, n;
	int first = 1;

	switch (json_object_get_type(v)) {
	case json_type_null:
		buf_put(b, "null", 4);
		return;
	case json_type_boolean:
		if (json_object_get_boolean(v))
			buf_put(b, "true", 4);
		else
			buf_put(b, "false", 5);
		return;
	case json_type_int: {
		int64_t x = json_object_get_int64(v);

		if (x == INT64_MAX)
			break;  /* maybe a uint64 clamped: json-c's own text */
		buf_put_llong(b, x);
		return;
	}
	case json_type_string:
		buf_put_json_string(b, json_object_get_string(v),
		    (size_t)json_object_get_string_len(v));
		return;
	case json_type_array:
		buf_putc(b, '[');
		for (i = 0, n = json_object_array_length(v); i < n; i++) {
			if (i > 0)
				buf_putc(b, ',');
			json_buf_put(b, json_object_array_get_idx(v, i));
		}
		buf_putc(b, ']');
		return;
	case json_type_object:
		buf_putc(b, '{');
		json_object_object_foreach(v, key, val) {
			if (!first)
				buf_putc(b, ',');
			first = 0;
			buf_put_json_string(b, key, strlen(key));
			buf_putc(b, ':');
			json_buf_put(b, val);
		}
		buf_putc(b, '}');
		return;
	case json_type_double:
		break;
	}
	buf_puts(b, json_plain(v));
}

/*
 * v as compact JSON text in the arena (json_buf_put); its length in *len
 * unless len is NULL.
 */
const char *
json_text(struct arena *a, struct json_object *v, size_t *len)
{
	struct buf b;

	buf_init(&b, a, 256);
	json_buf_put(&b, v);
	if (len != NULL)
		*len = b.len;
	return b.data;
}

/* Returns obj[key] if obj is an object and the member has the given type. */
struct json_object *
json_get(struct json_object *obj, const char *key, enum json_type type)
{
	struct json_object *v;

	if (!json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, type))
		return NULL;
	return v;
}

/* Returns obj[key] as a borrowed string, or NULL if absent or not a string. */
const char *
json_get_str(struct json_object *obj, const char *key)
{
	struct json_object *v = json_get(obj, key, json_type_string);

	return v != NULL ? json_object_get_string(v) : NULL;
}

/*
 * Appends {"path": path, "message": ...} to the errors array (if not NULL).
 * Every validation error in the project has this shape.
 */
void
errs_add(struct json_object *errors, const char *path, const char *fmt, ...)
{
	struct json_object *e;
	char msg[512];
	va_list ap;

	if (errors == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	e = json_object_new_object();
	json_object_object_add(e, "path", json_object_new_string(path));
	json_object_object_add(e, "message", json_object_new_string(msg));
	json_object_array_add(errors, e);
}

/* Writes base + "/" + token (escaped per RFC 6901) into out. */
void
json_pointer_append(char *out, size_t outsz, const char *base, const char *token)
{
	size_t n = (size_t)snprintf(out, outsz, "%s/", base);

	for (; *token != '\0' && n + 3 < outsz; token++) {
		if (*token == '~') {
			out[n++] = '~';
			out[n++] = '0';
		} else if (*token == '/') {
			out[n++] = '~';
			out[n++] = '1';
		} else
			out[n++] = *token;
	}
	out[n < outsz ? n : outsz - 1] = '\0';
}

/* Appends sub's errors to errors, each path prefixed with prefix. */
void
errs_merge(struct json_object *errors, struct json_object *sub, const char *prefix)
{
	size_t n = json_object_array_length(sub);

	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(sub, i), *c = NULL;
		const char *p = json_get_str(e, "path");
		char full[512];

		snprintf(full, sizeof(full), "%s%s", prefix, p ? p : "");
		if (json_object_deep_copy(e, &c, NULL) != 0)
			continue;
		json_object_object_add(c, "path", json_object_new_string(full));
		json_object_array_add(errors, c);
	}
}

/* 1 if key is one of list (NULL-terminated): an object's allowed fields. */
int
key_in_list(const char *const *list, const char *key)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, key) == 0)
			return 1;
	return 0;
}
