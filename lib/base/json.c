#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/printbuf.h>

#include "arena.h"
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
 * The strict parser: one recursive-descent pass over text already known to
 * be UTF-8, building json-c values. It takes RFC 8259 JSON and nothing else:
 * no single quotes, no raw control characters in strings, no leading zeros,
 * no NaN or Infinity; "\u0000" and a number that overflows a double are
 * refused as JP_NUL. An integer past int64/uint64 is a double that keeps
 * its text (json-c would clamp it to UINT64_MAX). A lone UTF-16 surrogate
 * escape becomes U+FFFD, as json-c makes it. Recursion is bounded by
 * max_depth (at most a few hundred, from the configuration), which counts
 * levels as json-c does: "[[]]" has two, "[[1]]" three.
 */
struct jp {
	const unsigned char	*s;
	size_t			 len, pos;    /* pos: where an error stops */
	int			 depth, max_depth;
	enum jp_status		 err;
	struct arena		 arena;      /* the scratch's, from its first use */
	struct buf		 scratch;    /* decoded strings, long numbers */
};

static int
jp_fail(struct jp *p, enum jp_status st)
{
	if (p->err == JP_OK)
		p->err = st;
	return -1;
}

static void
jp_ws(struct jp *p)
{
	while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\n' ||
	    p->s[p->pos] == '\r' || p->s[p->pos] == '\t'))
		p->pos++;
}

/* The scratch, emptied (made on first use: most documents never need it). */
static void
scratch_start(struct jp *p)
{
	if (p->scratch.arena == NULL)
		buf_init(&p->scratch, &p->arena, 256);
	else
		buf_reset(&p->scratch);
}

static void
scratch_utf8(struct jp *p, unsigned cp)
{
	unsigned char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (unsigned char)cp; n = 1;
	} else if (cp < 0x800) {
		u[0] = (unsigned char)(0xc0 | cp >> 6);
		u[1] = (unsigned char)(0x80 | (cp & 0x3f)); n = 2;
	} else if (cp < 0x10000) {
		u[0] = (unsigned char)(0xe0 | cp >> 12);
		u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp & 0x3f)); n = 3;
	} else {
		u[0] = (unsigned char)(0xf0 | cp >> 18);
		u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (unsigned char)(0x80 | (cp & 0x3f)); n = 4;
	}
	buf_put(&p->scratch, u, n);
}

/* The four hex digits at s[i..i+4) as a code unit, or -1. */
static long
hex4(const struct jp *p, size_t i)
{
	long v = 0;

	if (p->len - i < 4)
		return -1;
	for (size_t k = i; k < i + 4; k++) {
		unsigned char c = p->s[k];
		int d = c >= '0' && c <= '9' ? c - '0' :
		    c >= 'a' && c <= 'f' ? c - 'a' + 10 :
		    c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/* Decodes the escapes of the string from s[i] on into the scratch. */
static int
jp_string_slow(struct jp *p, size_t i)
{
	const unsigned char *s = p->s;

	for (;;) {
		size_t run = i;
		long cp, lo;

		while (i < p->len && s[i] != '"' && s[i] != '\\' && s[i] >= 0x20)
			i++;
		buf_put(&p->scratch, s + run, i - run);
		p->pos = i;
		if (i == p->len || s[i] < 0x20)
			return jp_fail(p, JP_MALFORMED);
		if (s[i] == '"') {
			p->pos = i + 1;
			return 0;
		}
		if (i + 1 == p->len)
			return jp_fail(p, JP_MALFORMED);
		switch (s[i + 1]) {
		case '"': case '\\': case '/':
			buf_put(&p->scratch, s + i + 1, 1);
			break;
		case 'b': buf_put(&p->scratch, "\b", 1); break;
		case 'f': buf_put(&p->scratch, "\f", 1); break;
		case 'n': buf_put(&p->scratch, "\n", 1); break;
		case 'r': buf_put(&p->scratch, "\r", 1); break;
		case 't': buf_put(&p->scratch, "\t", 1); break;
		case 'u':
			if ((cp = hex4(p, i + 2)) < 0)
				return jp_fail(p, JP_MALFORMED);
			if (cp == 0)
				return jp_fail(p, JP_NUL);
			if (cp >= 0xd800 && cp <= 0xdbff && p->len - i >= 12 &&
			    s[i + 6] == '\\' && s[i + 7] == 'u' &&
			    (lo = hex4(p, i + 8)) >= 0xdc00 && lo <= 0xdfff) {
				scratch_utf8(p, 0x10000 + (unsigned)((cp - 0xd800) << 10 | (lo - 0xdc00)));
				i += 6;
			} else if (cp >= 0xd800 && cp <= 0xdfff)
				scratch_utf8(p, 0xfffd);
			else
				scratch_utf8(p, (unsigned)cp);
			i += 4;
			break;
		default:
			return jp_fail(p, JP_MALFORMED);
		}
		i += 2;
	}
}

/*
 * The string whose opening quote is at pos: its content (*str, *n bytes)
 * lies in the text itself when it has no escapes (not NUL-terminated), else
 * in the scratch (NUL-terminated). pos ends past the closing quote.
 */
static int
jp_string(struct jp *p, const char **str, size_t *n)
{
	size_t start = p->pos + 1, i = start;

	while (i < p->len && p->s[i] != '"' && p->s[i] != '\\' && p->s[i] >= 0x20)
		i++;
	if (i < p->len && p->s[i] == '"') {
		*str = (const char *)p->s + start;
		*n = i - start;
		p->pos = i + 1;
		return 0;
	}
	scratch_start(p);
	buf_put(&p->scratch, p->s + start, i - start);
	if (jp_string_slow(p, i) == -1)
		return -1;
	*str = p->scratch.data;
	*n = p->scratch.len;
	return 0;
}

static int
jp_digits(struct jp *p)
{
	size_t from = p->pos;

	while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
		p->pos++;
	return p->pos > from ? 0 : jp_fail(p, JP_MALFORMED);
}

static int
jp_number(struct jp *p, struct json_object **out)
{
	size_t start = p->pos;
	int is_double = 0;
	char text[64], *t = text, *end;
	double d;

	if (p->s[p->pos] == '-')
		p->pos++;
	if (p->len - p->pos >= 8 && memcmp(p->s + p->pos, "Infinity", 8) == 0)
		return jp_fail(p, JP_NUL);
	if (p->pos < p->len && p->s[p->pos] == '0') {
		if (++p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
			return jp_fail(p, JP_MALFORMED);
	} else if (jp_digits(p) == -1)
		return -1;
	if (p->pos < p->len && p->s[p->pos] == '.') {
		is_double = 1;
		p->pos++;
		if (jp_digits(p) == -1)
			return -1;
	}
	if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		is_double = 1;
		if (++p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
			p->pos++;
		if (jp_digits(p) == -1)
			return -1;
	}
	if (p->pos - start >= sizeof(text)) {
		scratch_start(p);
		buf_put(&p->scratch, p->s + start, p->pos - start);
		t = p->scratch.data;
	} else {
		memcpy(text, p->s + start, p->pos - start);
		text[p->pos - start] = '\0';
	}
	errno = 0;
	if (!is_double && *t == '-') {
		long long v = strtoll(t, &end, 10);
		if (errno != ERANGE) {
			*out = json_object_new_int64(v);
			return 0;
		}
	} else if (!is_double) {
		unsigned long long v = strtoull(t, &end, 10);
		if (errno != ERANGE) {
			*out = v <= INT64_MAX ? json_object_new_int64((int64_t)v) :
			    json_object_new_uint64(v);
			return 0;
		}
	}
	/* A fraction, an exponent, or an integer past 64 bits (as JavaScript
	 * reads it): a double that is written back as the text it came as. */
	d = strtod(t, &end);
	if (!isfinite(d)) {
		p->pos = start;
		return jp_fail(p, JP_NUL);
	}
	*out = json_object_new_double_s(d, t);
	return 0;
}

/* The literal word at pos, or a failure there. */
static int
jp_word(struct jp *p, const char *w, size_t n)
{
	if (p->len - p->pos < n || memcmp(p->s + p->pos, w, n) != 0)
		return jp_fail(p, JP_MALFORMED);
	p->pos += n;
	return 0;
}

static int jp_value(struct jp *, struct json_object **);

/* Takes c, after white space, if it is next: 1, else 0. */
static int
jp_take(struct jp *p, char c)
{
	jp_ws(p);
	if (p->pos < p->len && p->s[p->pos] == (unsigned char)c) {
		p->pos++;
		return 1;
	}
	return 0;
}

/*
 * After an element or member: 1 when a comma says another follows, 0 when
 * close ends the container, -1 (malformed) for anything else.
 */
static int
jp_next(struct jp *p, char close)
{
	if (jp_take(p, ','))
		return 1;
	return jp_take(p, close) ? 0 : jp_fail(p, JP_MALFORMED);
}

/* A container's end: handed out, or dropped when an error stopped it. */
static int
jp_end(struct json_object *c, int failed, struct json_object **out)
{
	if (failed) {
		json_object_put(c);
		return -1;
	}
	*out = c;
	return 0;
}

static int
jp_array(struct jp *p, struct json_object **out)
{
	struct json_object *a = json_object_new_array(), *v;
	int more;

	p->pos++;
	more = !jp_take(p, ']');
	while (more) {
		if (jp_value(p, &v) == -1)
			break;
		json_object_array_add(a, v);
		if ((more = jp_next(p, ']')) == -1)
			break;
	}
	return jp_end(a, more != 0, out);
}

static int
jp_object(struct jp *p, struct json_object **out)
{
	struct json_object *o = json_object_new_object(), *v;
	const char *key;
	char kbuf[64], *k;
	size_t klen;
	int more;

	p->pos++;
	more = !jp_take(p, '}');
	while (more) {
		jp_ws(p);
		if (p->pos == p->len || p->s[p->pos] != '"') {
			jp_fail(p, JP_MALFORMED);
			break;
		}
		if (jp_string(p, &key, &klen) == -1)
			break;
		/* Out of the text (not NUL-terminated) or the scratch (reused);
		 * a long key on the parser's arena, freed with it. */
		k = klen < sizeof(kbuf) ? kbuf : arena_alloc(&p->arena, klen + 1);
		memcpy(k, key, klen);
		k[klen] = '\0';
		if (!jp_take(p, ':')) {
			jp_fail(p, JP_MALFORMED);
			break;
		}
		if (jp_value(p, &v) == -1)
			break;
		/* A repeated key: the last one wins, as with json-c. */
		if (json_object_object_add(o, k, v) != 0)
			abort();
		if ((more = jp_next(p, '}')) == -1)
			break;
	}
	return jp_end(o, more != 0, out);
}

/* One value at pos (after white space); JSON null is *out NULL. */
static int
jp_value(struct jp *p, struct json_object **out)
{
	const char *str;
	size_t n;
	int rc;

	*out = NULL;
	jp_ws(p);
	if (p->pos == p->len)
		return jp_fail(p, JP_MALFORMED);
	/* The document is level 1, a member or element one more than its parent. */
	if (p->depth >= p->max_depth)
		return jp_fail(p, JP_TOO_DEEP);
	switch (p->s[p->pos]) {
	case '{':
	case '[':
		p->depth++;
		rc = p->s[p->pos] == '{' ? jp_object(p, out) : jp_array(p, out);
		p->depth--;
		return rc;
	case '"':
		if (jp_string(p, &str, &n) == -1)
			return -1;
		*out = json_object_new_string_len(str, (int)n);
		return 0;
	case 't':
		if (jp_word(p, "true", 4) == -1)
			return -1;
		*out = json_object_new_boolean(1);
		return 0;
	case 'f':
		if (jp_word(p, "false", 5) == -1)
			return -1;
		*out = json_object_new_boolean(0);
		return 0;
	case 'n':
		return jp_word(p, "null", 4);
	case 'N':
		/* Not JSON; named apart because json-c's strict mode took it. */
		if (p->len - p->pos >= 3 && memcmp(p->s + p->pos, "NaN", 3) == 0)
			return jp_fail(p, JP_NUL);
		return jp_fail(p, JP_MALFORMED);
	case 'I':
		if (p->len - p->pos >= 8 && memcmp(p->s + p->pos, "Infinity", 8) == 0)
			return jp_fail(p, JP_NUL);
		return jp_fail(p, JP_MALFORMED);
	default:
		if (p->s[p->pos] == '-' ||
		    (p->s[p->pos] >= '0' && p->s[p->pos] <= '9'))
			return jp_number(p, out);
		return jp_fail(p, JP_MALFORMED);
	}
}

/*
 * Parses buf[0..len) as exactly one JSON value. On JP_OK *out is a new
 * reference the caller puts (NULL for the document "null"); otherwise *out
 * is NULL and *err_offset (if given) is where parsing stopped. White space
 * around the value is allowed. A repeated object key is not an error: the
 * last one wins.
 */
enum jp_status
json_parse_strict(const char *buf, size_t len, int max_depth,
    struct json_object **out, size_t *err_offset)
{
	struct jp p;
	struct json_object *v = NULL;

	*out = NULL;
	if (err_offset != NULL)
		*err_offset = 0;
	/* json-c counts a string's length in an int. */
	if (len > INT_MAX)
		return JP_MALFORMED;
	memset(&p, 0, sizeof(p));
	p.s = (const unsigned char *)buf;
	p.len = len;
	p.max_depth = max_depth;
	arena_init(&p.arena, 1024);
	jp_ws(&p);
	if (p.pos == len)
		return JP_EMPTY;
	if (!utf8_valid(buf, len))
		return JP_BAD_UTF8;
	if (jp_value(&p, &v) == 0) {
		jp_ws(&p);
		if (p.pos != len)
			p.err = JP_TRAILING;
	}
	arena_free(&p.arena);
	if (p.err != JP_OK) {
		json_object_put(v);
		if (err_offset != NULL)
			*err_offset = p.pos;
		return p.err;
	}
	*out = v;
	return JP_OK;
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

/* The text of a raw node (json_raw_new): JSON written elsewhere. */
#define RAW_MAGIC	0x72617721u
struct json_raw {
	unsigned	 magic;
	const char	*text;
	size_t		 len;
};

static const struct json_raw *
raw_of(struct json_object *v)
{
	const struct json_raw *r;

	if (!json_object_is_type(v, json_type_object) ||
	    (r = json_object_get_userdata(v)) == NULL || r->magic != RAW_MAGIC)
		return NULL;
	return r;
}

static int
raw_serialize(struct json_object *v, struct printbuf *pb, int level, int flags)
{
	const struct json_raw *r = json_object_get_userdata(v);

	(void)level;
	(void)flags;
	return printbuf_memappend(pb, r->text, (int)r->len);
}

/*
 * A node that serialises as text[0..len), JSON already written (an
 * operation's result, a stored document), so that it can be placed in a
 * json-c tree without being parsed again. text must outlive the node (it
 * is on a's arena, like the node's own record); the node is a new
 * reference. It is for writing only: it has no members to read, and
 * json-c cannot deep-copy it.
 */
struct json_object *
json_raw_new(struct arena *a, const char *text, size_t len)
{
	struct json_raw *r = arena_alloc(a, sizeof(*r));
	struct json_object *o = json_object_new_object();

	r->magic = RAW_MAGIC;
	r->text = text;
	r->len = len;
	json_object_set_serializer(o, raw_serialize, r, NULL);
	return o;
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
	const struct json_raw *raw;
	size_t i, n;
	int first = 1;

	if ((raw = raw_of(v)) != NULL) {
		buf_put(b, raw->text, raw->len);
		return;
	}
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

/*
 * Appends the one error envelope, {"error":{"code","message","details"?}},
 * to b (details borrowed; NULL for none).
 */
void
json_error_envelope(struct buf *b, const char *code, const char *message,
    struct json_object *details)
{
	buf_puts(b, "{\"error\":{\"code\":");
	buf_put_json_string(b, code, strlen(code));
	buf_puts(b, ",\"message\":");
	buf_put_json_string(b, message, strlen(message));
	if (details != NULL) {
		buf_puts(b, ",\"details\":");
		buf_puts(b, json_plain(details));
	}
	buf_puts(b, "}}");
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
