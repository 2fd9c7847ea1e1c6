/*
 * JSON Schema draft 2020-12 validator.
 *
 * js_compile() walks the schema once and builds a tree of struct js_node
 * (one per subschema), with every keyword checked for validity and every
 * regex compiled once on PCRE2 (lib/schema/js_regex.c). Anything we
 * cannot honour (remote references, $dynamicRef, unevaluated*, regex
 * features PCRE2 lacks, ...) is refused with its schema path; nothing is
 * silently ignored. Local "$ref" JSON pointers are resolved after the walk,
 * compiling targets that are not themselves subschemas on demand.
 *
 * js_validate() only reads the tree, so one compiled schema may be shared by
 * threads. It collects one error per failing location (bounded), with the
 * instance path as a JSON pointer.
 *
 * Sections: small buffers; numbers; JSON equality; formats; compilation; $ref resolution; validation.
 */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "js_regex.h"
#include "jsonschema.h"
#include "utf8.h"

const char *const js_status_names[JS_ERR__MAX] = {
	"ok",			/* JS_OK */
	"unsupported",		/* JS_ERR_UNSUPPORTED */
	"invalid",		/* JS_ERR_INVALID */
	"out of memory",	/* JS_ERR_NOMEM */
};

/*
 * Every keyword we accept. Order is the order of evaluation where it
 * matters (type before the type-specific assertions).
 */
enum js_kw {
	JS_KW_SCHEMA,
	JS_KW_ID,
	JS_KW_DEFS,
	JS_KW_COMMENT,
	JS_KW_TITLE,
	JS_KW_DESCRIPTION,
	JS_KW_DEFAULT,
	JS_KW_EXAMPLES,
	JS_KW_DEPRECATED,
	JS_KW_READONLY,
	JS_KW_WRITEONLY,
	JS_KW_TYPE,
	JS_KW_CONST,
	JS_KW_ENUM,
	JS_KW_MULTIPLEOF,
	JS_KW_MINIMUM,
	JS_KW_MAXIMUM,
	JS_KW_EXCLUSIVEMINIMUM,
	JS_KW_EXCLUSIVEMAXIMUM,
	JS_KW_MINLENGTH,
	JS_KW_MAXLENGTH,
	JS_KW_PATTERN,
	JS_KW_FORMAT,
	JS_KW_MINITEMS,
	JS_KW_MAXITEMS,
	JS_KW_UNIQUEITEMS,
	JS_KW_PREFIXITEMS,
	JS_KW_ITEMS,
	JS_KW_CONTAINS,
	JS_KW_MINCONTAINS,
	JS_KW_MAXCONTAINS,
	JS_KW_PROPERTIES,
	JS_KW_PATTERNPROPERTIES,
	JS_KW_ADDITIONALPROPERTIES,
	JS_KW_PROPERTYNAMES,
	JS_KW_REQUIRED,
	JS_KW_DEPENDENTREQUIRED,
	JS_KW_DEPENDENTSCHEMAS,
	JS_KW_MINPROPERTIES,
	JS_KW_MAXPROPERTIES,
	JS_KW_REF,
	JS_KW_ALLOF,
	JS_KW_ANYOF,
	JS_KW_ONEOF,
	JS_KW_NOT,
	JS_KW_IF,
	JS_KW_THEN,
	JS_KW_ELSE,
	JS_KW__MAX
};

static const char *const js_kw_names[JS_KW__MAX] = {
	"$schema",		/* JS_KW_SCHEMA */
	"$id",			/* JS_KW_ID */
	"$defs",		/* JS_KW_DEFS */
	"$comment",		/* JS_KW_COMMENT */
	"title",		/* JS_KW_TITLE */
	"description",		/* JS_KW_DESCRIPTION */
	"default",		/* JS_KW_DEFAULT */
	"examples",		/* JS_KW_EXAMPLES */
	"deprecated",		/* JS_KW_DEPRECATED */
	"readOnly",		/* JS_KW_READONLY */
	"writeOnly",		/* JS_KW_WRITEONLY */
	"type",			/* JS_KW_TYPE */
	"const",		/* JS_KW_CONST */
	"enum",			/* JS_KW_ENUM */
	"multipleOf",		/* JS_KW_MULTIPLEOF */
	"minimum",		/* JS_KW_MINIMUM */
	"maximum",		/* JS_KW_MAXIMUM */
	"exclusiveMinimum",	/* JS_KW_EXCLUSIVEMINIMUM */
	"exclusiveMaximum",	/* JS_KW_EXCLUSIVEMAXIMUM */
	"minLength",		/* JS_KW_MINLENGTH */
	"maxLength",		/* JS_KW_MAXLENGTH */
	"pattern",		/* JS_KW_PATTERN */
	"format",		/* JS_KW_FORMAT */
	"minItems",		/* JS_KW_MINITEMS */
	"maxItems",		/* JS_KW_MAXITEMS */
	"uniqueItems",		/* JS_KW_UNIQUEITEMS */
	"prefixItems",		/* JS_KW_PREFIXITEMS */
	"items",		/* JS_KW_ITEMS */
	"contains",		/* JS_KW_CONTAINS */
	"minContains",		/* JS_KW_MINCONTAINS */
	"maxContains",		/* JS_KW_MAXCONTAINS */
	"properties",		/* JS_KW_PROPERTIES */
	"patternProperties",	/* JS_KW_PATTERNPROPERTIES */
	"additionalProperties",	/* JS_KW_ADDITIONALPROPERTIES */
	"propertyNames",	/* JS_KW_PROPERTYNAMES */
	"required",		/* JS_KW_REQUIRED */
	"dependentRequired",	/* JS_KW_DEPENDENTREQUIRED */
	"dependentSchemas",	/* JS_KW_DEPENDENTSCHEMAS */
	"minProperties",	/* JS_KW_MINPROPERTIES */
	"maxProperties",	/* JS_KW_MAXPROPERTIES */
	"$ref",			/* JS_KW_REF */
	"allOf",		/* JS_KW_ALLOF */
	"anyOf",		/* JS_KW_ANYOF */
	"oneOf",		/* JS_KW_ONEOF */
	"not",			/* JS_KW_NOT */
	"if",			/* JS_KW_IF */
	"then",			/* JS_KW_THEN */
	"else",			/* JS_KW_ELSE */
};

/* 2020-12 vocabulary we know but refuse (anything else is "unknown"). */
static const char *const js_kw_refused[] = {
	"$anchor", "$dynamicAnchor", "$dynamicRef", "$vocabulary",
	"unevaluatedItems", "unevaluatedProperties",
	"contentEncoding", "contentMediaType", "contentSchema",
	NULL
};

#define KW(k)	((uint64_t)1 << (k))

enum js_type {
	JS_T_NULL,
	JS_T_BOOLEAN,
	JS_T_OBJECT,
	JS_T_ARRAY,
	JS_T_NUMBER,
	JS_T_STRING,
	JS_T_INTEGER,
	JS_T__MAX
};

static const char *const js_type_names[JS_T__MAX] = {
	"null",		/* JS_T_NULL */
	"boolean",	/* JS_T_BOOLEAN */
	"object",	/* JS_T_OBJECT */
	"array",	/* JS_T_ARRAY */
	"number",	/* JS_T_NUMBER */
	"string",	/* JS_T_STRING */
	"integer",	/* JS_T_INTEGER */
};

enum js_format {
	JS_FMT_DATE_TIME,
	JS_FMT_DATE,
	JS_FMT_TIME,
	JS_FMT_DURATION,
	JS_FMT_EMAIL,
	JS_FMT_IPV4,
	JS_FMT_IPV6,
	JS_FMT_URI,
	JS_FMT_URI_REFERENCE,
	JS_FMT_UUID,
	JS_FMT_JSON_POINTER,
	JS_FMT_RELATIVE_JSON_POINTER,
	JS_FMT__MAX
};

static const char *const js_format_names[JS_FMT__MAX] = {
	"date-time",		/* JS_FMT_DATE_TIME */
	"date",			/* JS_FMT_DATE */
	"time",			/* JS_FMT_TIME */
	"duration",		/* JS_FMT_DURATION */
	"email",		/* JS_FMT_EMAIL */
	"ipv4",			/* JS_FMT_IPV4 */
	"ipv6",			/* JS_FMT_IPV6 */
	"uri",			/* JS_FMT_URI */
	"uri-reference",	/* JS_FMT_URI_REFERENCE */
	"uuid",			/* JS_FMT_UUID */
	"json-pointer",		/* JS_FMT_JSON_POINTER */
	"relative-json-pointer",/* JS_FMT_RELATIVE_JSON_POINTER */
};

/* ASCII classes, whatever the process locale says. */
#define IS_DIGIT(c)	((c) >= '0' && (c) <= '9')
#define IS_ALPHA(c)	(((c) | 0x20) >= 'a' && ((c) | 0x20) <= 'z')
#define IS_ALNUM(c)	(IS_DIGIT(c) || IS_ALPHA(c))

/* ------------------------------------------------------------------ */
/* Growable NUL-terminated string; an allocation failure sticks in oom. */

struct sbuf {
	char	*p;
	size_t	 len;
	size_t	 cap;
	int	 oom;
};

static void
sb_put(struct sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		if ((p = realloc(b->p, cap)) == NULL) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
sb_putc(struct sbuf *b, char c)
{
	sb_put(b, &c, 1);
}

static void
sb_puts(struct sbuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

/* Appends s as one JSON pointer reference token (~ and / escaped). */
static void
sb_put_token(struct sbuf *b, const char *s, size_t n)
{
	size_t i, start = 0;

	sb_putc(b, '/');
	for (i = 0; i < n; i++) {
		if (s[i] != '~' && s[i] != '/')
			continue;
		sb_put(b, s + start, i - start);
		sb_puts(b, s[i] == '~' ? "~0" : "~1");
		start = i + 1;
	}
	sb_put(b, s + start, n - start);
}

/* Truncates back to len (used to pop path tokens). */
static void
sb_trunc(struct sbuf *b, size_t len)
{
	if (b->p != NULL && len <= b->len) {
		b->len = len;
		b->p[len] = '\0';
	}
}

/* Grows the array *pp of *cap elements of size sz to hold n + 1. */
static int
grow(void *pp, size_t *cap, size_t n, size_t sz)
{
	void	**p = pp;
	void	 *np;
	size_t	  ncap;

	if (n < *cap)
		return 1;
	ncap = *cap ? *cap * 2 : 4;
	if ((np = realloc(*p, ncap * sz)) == NULL)
		return 0;
	*p = np;
	*cap = ncap;
	return 1;
}

/* ------------------------------------------------------------------ */
/* Numbers: json-c gives int64, uint64 (above INT64_MAX) or double.    */

enum js_numkind {
	JS_NUM_INT,
	JS_NUM_UINT,
	JS_NUM_DBL
};

struct js_num {
	enum js_numkind	kind;
	union {
		int64_t		i;
		uint64_t	u;
		double		d;
	};
};

/* Reads a JSON number; returns 0 if o is not a number. */
static int
num_get(struct json_object *o, struct js_num *n)
{
	switch (json_object_get_type(o)) {
	case json_type_int:
		n->kind = JS_NUM_INT;
		n->i = json_object_get_int64(o);
		if (n->i == INT64_MAX &&
		    json_object_get_uint64(o) > (uint64_t)INT64_MAX) {
			n->kind = JS_NUM_UINT;
			n->u = json_object_get_uint64(o);
		}
		return 1;
	case json_type_double:
		n->kind = JS_NUM_DBL;
		n->d = json_object_get_double(o);
		return 1;
	default:
		return 0;
	}
}

static double
num_dbl(const struct js_num *n)
{
	switch (n->kind) {
	case JS_NUM_INT:
		return (double)n->i;
	case JS_NUM_UINT:
		return (double)n->u;
	default:
		return n->d;
	}
}

/* Exact sign of i - d (d not NaN). */
static int
cmp_i_d(int64_t i, double d)
{
	double	t;
	int64_t	ti;

	if (d >= 9223372036854775808.0)
		return -1;
	if (d < -9223372036854775808.0)
		return 1;
	t = trunc(d);
	ti = (int64_t)t;
	if (i != ti)
		return i < ti ? -1 : 1;
	return d > t ? -1 : d < t ? 1 : 0;
}

/* Exact sign of u - d (d not NaN). */
static int
cmp_u_d(uint64_t u, double d)
{
	double		t;
	uint64_t	tu;

	if (d >= 18446744073709551616.0)
		return -1;
	if (d < 0)
		return 1;
	t = trunc(d);
	tu = (uint64_t)t;
	if (u != tu)
		return u < tu ? -1 : 1;
	return d > t ? -1 : 0;
}

/*
 * Exact numeric comparison across representations: -1, 0 or 1 as a is
 * below, equal to or above b; 2 if unordered (NaN).
 */
static int
num_cmp(const struct js_num *a, const struct js_num *b)
{
	int	r;

	if ((a->kind == JS_NUM_DBL && isnan(a->d)) ||
	    (b->kind == JS_NUM_DBL && isnan(b->d)))
		return 2;
	switch (a->kind) {
	case JS_NUM_INT:
		if (b->kind == JS_NUM_INT)
			return (a->i > b->i) - (a->i < b->i);
		if (b->kind == JS_NUM_UINT)
			return -1;
		return cmp_i_d(a->i, b->d);
	case JS_NUM_UINT:
		if (b->kind == JS_NUM_INT)
			return 1;
		if (b->kind == JS_NUM_UINT)
			return (a->u > b->u) - (a->u < b->u);
		return cmp_u_d(a->u, b->d);
	default:
		if (b->kind == JS_NUM_DBL)
			return (a->d > b->d) - (a->d < b->d);
		r = num_cmp(b, a);
		return r == 2 ? 2 : -r;
	}
}

/* |n| for integers, as uint64 (INT64_MIN included). */
static uint64_t
num_mag(const struct js_num *n)
{
	if (n->kind == JS_NUM_UINT)
		return n->u;
	return n->i < 0 ? (uint64_t)(-(n->i + 1)) + 1 : (uint64_t)n->i;
}

/*
 * Whether x is a multiple of m (m > 0). Integers are exact; otherwise the
 * quotient must be within a few ulps of an integer (0.0075 / 0.0001 is
 * 74.99999999999999). An overflowing quotient falls back to fmod, which is
 * exact: 1e308 is a multiple of 0.5 but not of 0.123456789.
 */
static int
num_multiple(const struct js_num *x, const struct js_num *m)
{
	double	xd, md, q;

	if (x->kind != JS_NUM_DBL && m->kind != JS_NUM_DBL)
		return num_mag(x) % num_mag(m) == 0;
	xd = num_dbl(x);
	md = num_dbl(m);
	if (!isfinite(xd))
		return 0;
	q = xd / md;
	if (isinf(q))
		return fmod(xd, md) == 0.0;
	return fabs(q - nearbyint(q)) <= 4 * DBL_EPSILON * fabs(q);
}

/* Formats n for messages, shortest form that reads back exactly. */
static void
num_fmt(char *buf, size_t sz, const struct js_num *n)
{
	switch (n->kind) {
	case JS_NUM_INT:
		snprintf(buf, sz, "%" PRId64, n->i);
		break;
	case JS_NUM_UINT:
		snprintf(buf, sz, "%" PRIu64, n->u);
		break;
	default:
		snprintf(buf, sz, "%.15g", n->d);
		if (strtod(buf, NULL) != n->d)
			snprintf(buf, sz, "%.17g", n->d);
		break;
	}
}

/* ------------------------------------------------------------------ */
/* JSON equality (1 == 1.0, key order irrelevant) and a matching hash.  */

#define JS_EQ_DEPTH	256

static int
json_eq(struct json_object *a, struct json_object *b, int depth)
{
	enum json_type		 ta = json_object_get_type(a);
	enum json_type		 tb = json_object_get_type(b);
	struct js_num		 na, nb;
	struct lh_entry		*e;
	struct json_object	*bv;
	size_t			 i, n;

	if (depth > JS_EQ_DEPTH)
		return 0;
	if (num_get(a, &na) && num_get(b, &nb))
		return num_cmp(&na, &nb) == 0;
	if (ta != tb)
		return 0;
	switch (ta) {
	case json_type_null:
		return 1;
	case json_type_boolean:
		return !json_object_get_boolean(a) ==
		    !json_object_get_boolean(b);
	case json_type_string:
		n = (size_t)json_object_get_string_len(a);
		return n == (size_t)json_object_get_string_len(b) &&
		    memcmp(json_object_get_string(a),
		    json_object_get_string(b), n) == 0;
	case json_type_array:
		n = json_object_array_length(a);
		if (n != json_object_array_length(b))
			return 0;
		for (i = 0; i < n; i++)
			if (!json_eq(json_object_array_get_idx(a, i),
			    json_object_array_get_idx(b, i), depth + 1))
				return 0;
		return 1;
	case json_type_object:
		if (json_object_object_length(a) !=
		    json_object_object_length(b))
			return 0;
		lh_foreach(json_object_get_object(a), e) {
			if (!json_object_object_get_ex(b,
			    (const char *)lh_entry_k(e), &bv) ||
			    !json_eq((struct json_object *)lh_entry_v(e), bv,
			    depth + 1))
				return 0;
		}
		return 1;
	default:
		return 0;
	}
}

static uint64_t
hash_bytes(const void *p, size_t n, uint64_t h)
{
	const unsigned char *s = p;

	while (n--)
		h = (h ^ *s++) * 0x100000001b3ULL;
	return h;
}

static uint64_t
hash_mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

/* Hash consistent with json_eq: equal values hash equal. */
static uint64_t
json_hash(struct json_object *o, int depth)
{
	struct js_num	 n;
	struct lh_entry	*e;
	uint64_t	 h, sum;
	double		 d;
	size_t		 i, len;
	const char	*k;

	if (depth > JS_EQ_DEPTH)
		return 0;
	if (num_get(o, &n)) {
		d = num_dbl(&n);
		if (d == 0)
			d = 0;	/* -0.0 == 0 */
		return hash_bytes(&d, sizeof d, 0xcbf29ce484222325ULL);
	}
	switch (json_object_get_type(o)) {
	case json_type_null:
		return 1;
	case json_type_boolean:
		return 2 + (json_object_get_boolean(o) != 0);
	case json_type_string:
		return hash_bytes(json_object_get_string(o),
		    (size_t)json_object_get_string_len(o), 0x84222325ULL);
	case json_type_array:
		h = 5;
		len = json_object_array_length(o);
		for (i = 0; i < len; i++)
			h = hash_mix(h * 31 +
			    json_hash(json_object_array_get_idx(o, i),
			    depth + 1));
		return h;
	case json_type_object:
		/* A sum is independent of key order. */
		sum = 7;
		lh_foreach(json_object_get_object(o), e) {
			k = lh_entry_k(e);
			sum += hash_mix(hash_bytes(k, strlen(k), 3) ^
			    json_hash((struct json_object *)lh_entry_v(e),
			    depth + 1));
		}
		return sum;
	default:
		return 0;
	}
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* ------------------------------------------------------------------ */
/* Formats (assertions). Each takes a string and its length.           */

static int
dig(const char *s, size_t n)
{
	int	v = 0;
	size_t	i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* full-date of RFC 3339: exactly YYYY-MM-DD, a real calendar day. */
static int
fmt_date(const char *s, size_t n)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	int	y, m, d, leap;

	if (n != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	if ((y = dig(s, 4)) < 0 || (m = dig(s + 5, 2)) < 1 || m > 12 ||
	    (d = dig(s + 8, 2)) < 1)
		return 0;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return d <= mdays[m - 1] + (m == 2 && leap);
}

/*
 * full-time of RFC 3339: HH:MM:SS[.frac](Z|+HH:MM|-HH:MM). Second 60 is a
 * leap second, valid only at 23:59 UTC.
 */
static int
fmt_time(const char *s, size_t n)
{
	int	h, m, sec, oh = 0, om = 0, sign = 0, utc;
	size_t	i = 8;

	if (n < 9 || s[2] != ':' || s[5] != ':')
		return 0;
	if ((h = dig(s, 2)) < 0 || h > 23 || (m = dig(s + 3, 2)) < 0 ||
	    m > 59 || (sec = dig(s + 6, 2)) < 0 || sec > 60)
		return 0;
	if (s[i] == '.') {
		i++;
		if (i >= n || dig(s + i, 1) < 0)
			return 0;
		while (i < n && dig(s + i, 1) >= 0)
			i++;
	}
	if (i >= n)
		return 0;
	if (s[i] == 'Z' || s[i] == 'z') {
		if (i + 1 != n)
			return 0;
	} else if (s[i] == '+' || s[i] == '-') {
		sign = s[i] == '+' ? 1 : -1;
		if (n - i != 6 || s[i + 3] != ':' ||
		    (oh = dig(s + i + 1, 2)) < 0 || oh > 23 ||
		    (om = dig(s + i + 4, 2)) < 0 || om > 59)
			return 0;
	} else
		return 0;
	if (sec == 60) {
		utc = ((h * 60 + m - sign * (oh * 60 + om)) % 1440 + 1440) %
		    1440;
		if (utc != 23 * 60 + 59)
			return 0;
	}
	return 1;
}

static int
fmt_date_time(const char *s, size_t n)
{
	return n > 11 && (s[10] == 'T' || s[10] == 't') &&
	    fmt_date(s, 10) && fmt_time(s + 11, n - 11);
}

/*
 * duration of RFC 3339 appendix A: P then date units in the order Y M D
 * (consecutive), optional T then H M S (consecutive), or weeks alone.
 */
static int
fmt_duration(const char *s, size_t n)
{
	const char	*units = "YMD";
	size_t		 i = 1, start;
	int		 last = -1, items = 0, in_time = 0, weeks = 0, u;
	const char	*p;

	if (n < 2 || s[0] != 'P')
		return 0;
	while (i < n) {
		if (s[i] == 'T') {
			if (in_time || weeks)
				return 0;
			in_time = 1;
			units = "HMS";
			last = -1;
			if (++i >= n)
				return 0;
			continue;
		}
		start = i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == start || i >= n)
			return 0;
		if (s[i] == 'W' && !in_time && items == 0) {
			weeks = 1;
			items++;
			i++;
			continue;
		}
		if (weeks || (p = strchr(units, s[i])) == NULL || s[i] == 0)
			return 0;
		u = (int)(p - units);
		if (last >= 0 && u != last + 1)
			return 0;
		last = u;
		items++;
		i++;
	}
	return items > 0;
}

static int
fmt_uuid(const char *s, size_t n)
{
	size_t	i;

	if (n != 36)
		return 0;
	for (i = 0; i < n; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (hexval((unsigned char)s[i]) < 0)
			return 0;
	}
	return 1;
}

/* Dotted quad, no leading zeros, each part 0-255. */
static int
fmt_ipv4(const char *s, size_t n)
{
	size_t	i = 0, start;
	int	parts = 0, v;

	for (;;) {
		start = i;
		while (i < n && s[i] >= '0' && s[i] <= '9' && i - start < 4)
			i++;
		if (i == start || i - start > 3 ||
		    (s[start] == '0' && i - start > 1) ||
		    (v = dig(s + start, i - start)) > 255 || v < 0)
			return 0;
		if (++parts == 4)
			return i == n;
		if (i >= n || s[i] != '.')
			return 0;
		i++;
	}
}

/* RFC 4291 text form, optional trailing dotted quad, no zone. */
static int
fmt_ipv6(const char *s, size_t n)
{
	size_t	i = 0, start, k;
	int	groups = 0, dbl = 0;

	if (n >= 2 && s[0] == ':' && s[1] == ':') {
		dbl = 1;
		i = 2;
		if (i == n)
			return 1;
	} else if (n == 0 || s[0] == ':')
		return 0;
	for (;;) {
		start = i;
		for (k = i; k < n && s[k] != ':'; k++)
			if (s[k] == '.')
				break;
		if (k < n && s[k] == '.') {
			/* The rest must be an IPv4 address, taking 2 groups. */
			if (memchr(s + start, ':', n - start) != NULL ||
			    !fmt_ipv4(s + start, n - start))
				return 0;
			groups += 2;
			break;
		}
		while (i < n && i - start < 5 &&
		    hexval((unsigned char)s[i]) >= 0)
			i++;
		if (i == start || i - start > 4)
			return 0;
		groups++;
		if (i == n)
			break;
		if (s[i] != ':' || ++i == n)
			return 0;
		if (s[i] == ':') {
			if (dbl)
				return 0;
			dbl = 1;
			if (++i == n)
				break;
		}
	}
	return dbl ? groups <= 7 : groups == 8;
}

/* RFC 1123 host name: LDH labels of 1-63, 253 in all. */
static int
fmt_hostname(const char *s, size_t n)
{
	size_t	i, start = 0;

	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i <= n; i++) {
		if (i < n && s[i] != '.') {
			if (!IS_ALNUM(s[i]) && s[i] != '-')
				return 0;
			continue;
		}
		if (i == start || i - start > 63 || s[start] == '-' ||
		    s[i - 1] == '-')
			return 0;
		start = i + 1;
	}
	return 1;
}

/*
 * RFC 5321 Mailbox: dot-atom or quoted local part, then a host name or an
 * address literal [IPv4] / [IPv6:...].
 */
static int
fmt_email(const char *s, size_t n)
{
	static const char	*atext = "!#$%&'*+-/=?^_`{|}~";
	size_t			 i = 0;
	int			 dot = 1;

	if (n > 0 && s[0] == '"') {
		for (i = 1; i < n && s[i] != '"'; i++) {
			if (s[i] == '\\')
				i++;
			if (i >= n || s[i] < 32 || s[i] > 126)
				return 0;
		}
		if (i >= n)
			return 0;
		i++;
	} else {
		for (; i < n && s[i] != '@'; i++) {
			if (s[i] == '.') {
				if (dot)
					return 0;
				dot = 1;
			} else if (IS_ALNUM(s[i]) ||
			    (s[i] != 0 && strchr(atext, s[i]) != NULL))
				dot = 0;
			else
				return 0;
		}
		if (dot)	/* empty, or ends with a dot */
			return 0;
	}
	if (i > 64 || i >= n || s[i] != '@')
		return 0;
	s += i + 1;
	n -= i + 1;
	if (n > 0 && s[0] == '[') {
		if (s[n - 1] != ']')
			return 0;
		if (n > 6 && strncmp(s + 1, "IPv6:", 5) == 0)
			return fmt_ipv6(s + 6, n - 7);
		return fmt_ipv4(s + 1, n - 2);
	}
	return fmt_hostname(s, n);
}

static int
uri_unreserved(int c)
{
	return IS_ALNUM(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

static int
uri_subdelim(int c)
{
	return c != 0 && strchr("!$&'()*+,;=", c) != NULL;
}

/*
 * Checks s[i..end) is made of unreserved, sub-delims, %XX and the extra
 * characters in `also`.
 */
static int
uri_chars(const char *s, size_t i, size_t end, const char *also)
{
	int	c;

	for (; i < end; i++) {
		c = (unsigned char)s[i];
		if (c == '%') {
			if (end - i < 3 ||
			    hexval((unsigned char)s[i + 1]) < 0 ||
			    hexval((unsigned char)s[i + 2]) < 0)
				return 0;
			i += 2;
		} else if (!uri_unreserved(c) && !uri_subdelim(c) &&
		    (c == 0 || strchr(also, c) == NULL))
			return 0;
	}
	return 1;
}

/* authority = [ userinfo "@" ] host [ ":" port ], s[i..end). */
static int
uri_authority(const char *s, size_t i, size_t end)
{
	const char	*at = memchr(s + i, '@', end - i);
	size_t		 h, k;

	if (at != NULL) {
		if (!uri_chars(s, i, (size_t)(at - s), ":"))
			return 0;
		i = (size_t)(at - s) + 1;
	}
	h = i;
	if (h < end && s[h] == '[') {
		const char *rb = memchr(s + h, ']', end - h);

		if (rb == NULL)
			return 0;
		k = (size_t)(rb - s);
		if (k > h + 1 && (s[h + 1] == 'v' || s[h + 1] == 'V')) {
			/* IPvFuture: "v" 1*HEXDIG "." 1*( unreserved / ...) */
			size_t j = h + 2;

			while (j < k && hexval((unsigned char)s[j]) >= 0)
				j++;
			if (j == h + 2 || j >= k || s[j] != '.' || j + 1 == k ||
			    !uri_chars(s, j + 1, k, ":"))
				return 0;
		} else if (!fmt_ipv6(s + h + 1, k - h - 1))
			return 0;
		i = k + 1;
	} else {
		for (k = h; k < end && s[k] != ':'; k++)
			;
		if (!uri_chars(s, h, k, ""))
			return 0;
		i = k;
	}
	if (i == end)
		return 1;
	if (s[i] != ':')
		return 0;
	for (i++; i < end; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/*
 * The part after the scheme (or all of a relative reference):
 * ["//" authority] path ["?" query] ["#" fragment]. With noscheme, the
 * first segment of a relative path may not contain ':'.
 */
static int
uri_rest(const char *s, size_t n, int noscheme)
{
	size_t	i = 0, end, k;

	for (end = 0; end < n && s[end] != '?' && s[end] != '#'; end++)
		;
	if (end >= 2 && s[0] == '/' && s[1] == '/') {
		for (k = 2; k < end && s[k] != '/'; k++)
			;
		if (!uri_authority(s, 2, k))
			return 0;
		i = k;
	} else if (noscheme) {
		for (k = 0; k < end && s[k] != '/'; k++)
			if (s[k] == ':')
				return 0;
	}
	if (!uri_chars(s, i, end, ":@/"))
		return 0;
	if (end < n && s[end] == '?') {
		for (k = end + 1; k < n && s[k] != '#'; k++)
			;
		if (!uri_chars(s, end + 1, k, ":@/?"))
			return 0;
		end = k;
	}
	if (end < n && !uri_chars(s, end + 1, n, ":@/?"))
		return 0;
	return 1;
}

/* Length of a valid "scheme:" prefix (without the colon), or 0. */
static size_t
uri_scheme(const char *s, size_t n)
{
	size_t	i;

	if (n == 0 || !IS_ALPHA(s[0]))
		return 0;
	for (i = 1; i < n && (IS_ALNUM(s[i]) || s[i] == '+' ||
	    s[i] == '-' || s[i] == '.'); i++)
		;
	return i < n && s[i] == ':' ? i : 0;
}

static int
fmt_uri(const char *s, size_t n)
{
	size_t	k = uri_scheme(s, n);

	return k > 0 && uri_rest(s + k + 1, n - k - 1, 0);
}

static int
fmt_uri_reference(const char *s, size_t n)
{
	size_t	k = uri_scheme(s, n);

	if (k > 0)
		return uri_rest(s + k + 1, n - k - 1, 0);
	return uri_rest(s, n, 1);
}

static int
fmt_json_pointer(const char *s, size_t n)
{
	size_t	i;

	if (n > 0 && s[0] != '/')
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] == '~' && (i + 1 >= n ||
		    (s[i + 1] != '0' && s[i + 1] != '1')))
			return 0;
	return 1;
}

static int
fmt_relative_json_pointer(const char *s, size_t n)
{
	size_t	i = 0;

	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i == 0 || (s[0] == '0' && i > 1))
		return 0;
	if (i < n && s[i] == '#')
		return i + 1 == n;
	return fmt_json_pointer(s + i, n - i);
}

static int (*const js_format_checks[JS_FMT__MAX])(const char *, size_t) = {
	fmt_date_time,			/* JS_FMT_DATE_TIME */
	fmt_date,			/* JS_FMT_DATE */
	fmt_time,			/* JS_FMT_TIME */
	fmt_duration,			/* JS_FMT_DURATION */
	fmt_email,			/* JS_FMT_EMAIL */
	fmt_ipv4,			/* JS_FMT_IPV4 */
	fmt_ipv6,			/* JS_FMT_IPV6 */
	fmt_uri,			/* JS_FMT_URI */
	fmt_uri_reference,		/* JS_FMT_URI_REFERENCE */
	fmt_uuid,			/* JS_FMT_UUID */
	fmt_json_pointer,		/* JS_FMT_JSON_POINTER */
	fmt_relative_json_pointer,	/* JS_FMT_RELATIVE_JSON_POINTER */
};

/* ------------------------------------------------------------------ */
/* The compiled tree.                                                  */

enum js_node_kind {
	JS_NODE_TRUE,
	JS_NODE_FALSE,
	JS_NODE_SCHEMA
};

struct js_prop {
	char		*name;
	struct js_node	*schema;
};

struct js_pprop {
	struct js_regex	*re;
	struct js_node	*schema;
};

struct js_dreq {
	char	*name;
	char	**req;
	size_t	 nreq;
};

struct js_node {
	enum js_node_kind	 kind;
	uint64_t		 has;		/* KW(JS_KW_x) bits */
	unsigned int		 types;		/* 1 << JS_T_x */
	struct json_object	*const_val;	/* own copy, NULL: null */
	struct json_object	*enum_vals;	/* own copy of the array */
	struct js_num		 multiple_of;
	struct js_num		 minimum;
	struct js_num		 maximum;
	struct js_num		 xminimum;
	struct js_num		 xmaximum;
	size_t			 min_length;
	size_t			 max_length;
	struct js_regex		*pattern;
	enum js_format		 format;
	size_t			 min_items;
	size_t			 max_items;
	int			 unique;
	struct js_node		**prefix;
	size_t			 nprefix;
	struct js_node		*items;
	struct js_node		*contains;
	size_t			 min_contains;
	size_t			 max_contains;
	struct js_prop		*props;		/* sorted */
	size_t			 nprops;
	struct js_pprop		*pprops;
	size_t			 npprops;
	struct js_node		*additional;
	struct js_node		*names;		/* propertyNames */
	char			**required;
	size_t			 nrequired;
	struct js_dreq		*dreq;
	size_t			 ndreq;
	struct js_prop		*dschemas;	/* dependentSchemas */
	size_t			 ndschemas;
	size_t			 min_props;
	size_t			 max_props;
	struct js_node		*ref;
	struct js_node		**all_of;
	size_t			 nall_of;
	struct js_node		**any_of;
	size_t			 nany_of;
	struct js_node		**one_of;
	size_t			 none_of;
	struct js_node		*not_;
	struct js_node		*if_;
	struct js_node		*then_;
	struct js_node		*else_;
};

struct js_schema {
	struct js_node		*root;
	struct js_node		**nodes;	/* all, for js_free */
	size_t			 nnodes;
	size_t			 capnodes;
};

static void
node_free(struct js_node *n)
{
	size_t	i, j;

	if (n == NULL)
		return;
	json_object_put(n->const_val);
	json_object_put(n->enum_vals);
	js_regex_free(n->pattern);
	free(n->prefix);
	for (i = 0; i < n->nprops; i++)
		free(n->props[i].name);
	free(n->props);
	for (i = 0; i < n->npprops; i++)
		js_regex_free(n->pprops[i].re);
	free(n->pprops);
	for (i = 0; i < n->nrequired; i++)
		free(n->required[i]);
	free(n->required);
	for (i = 0; i < n->ndreq; i++) {
		free(n->dreq[i].name);
		for (j = 0; j < n->dreq[i].nreq; j++)
			free(n->dreq[i].req[j]);
		free(n->dreq[i].req);
	}
	free(n->dreq);
	for (i = 0; i < n->ndschemas; i++)
		free(n->dschemas[i].name);
	free(n->dschemas);
	free(n->all_of);
	free(n->any_of);
	free(n->one_of);
	free(n);
}

void
js_free(struct js_schema *s)
{
	size_t	i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nnodes; i++)
		node_free(s->nodes[i]);
	free(s->nodes);
	free(s);
}

/* ------------------------------------------------------------------ */
/* Compilation.                                                        */

#define JS_COMPILE_DEPTH	128

struct js_pathnode {
	char		*path;
	struct js_node	*node;
};

struct js_pending {
	struct js_node	*node;
	char		*ref;
	char		*path;		/* of the $ref keyword */
};

struct cctx {
	struct js_schema	*s;
	struct json_object	*root;
	struct json_object	*errors;
	struct sbuf		 path;		/* current schema */
	int			 nunsupported;
	int			 ninvalid;
	int			 nomem;
	int			 depth;
	int			 resolving;	/* $ref targets */
	int			 in_id;		/* under inner $id */
	const char		*base;		/* root $id, no "#" */
	size_t			 baselen;
	struct js_pathnode	*map;
	size_t			 nmap;
	size_t			 capmap;
	struct js_pending	*refs;
	size_t			 nrefs;
	size_t			 caprefs;
};

/*
 * Records a compile problem at the current path plus the token kw (if not
 * NULL), counting it by kind.
 */
static void
c_err(struct cctx *c, enum js_status st, const char *kw, const char *fmt, ...)
{
	struct json_object	*e, *v;
	char			 msg[512];
	size_t			 mark = c->path.len;
	va_list			 ap;

	if (st == JS_ERR_UNSUPPORTED)
		c->nunsupported++;
	else if (st == JS_ERR_NOMEM)
		c->nomem++;
	else
		c->ninvalid++;
	if (c->errors == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (kw != NULL)
		sb_put_token(&c->path, kw, strlen(kw));
	if ((e = json_object_new_object()) != NULL) {
		v = json_object_new_string(c->path.p != NULL ? c->path.p : "");
		if (json_object_object_add(e, "path", v) != 0)
			json_object_put(v);
		v = json_object_new_string(msg);
		if (json_object_object_add(e, "message", v) != 0)
			json_object_put(v);
		if (json_object_array_add(c->errors, e) != 0)
			json_object_put(e);
	}
	sb_trunc(&c->path, mark);
}

static struct js_node *
c_new_node(struct cctx *c, enum js_node_kind kind)
{
	struct js_node	*n;
	struct js_schema *s = c->s;

	if (!grow(&s->nodes, &s->capnodes, s->nnodes, sizeof *s->nodes) ||
	    (n = calloc(1, sizeof *n)) == NULL) {
		c_err(c, JS_ERR_NOMEM, NULL, "out of memory");
		return NULL;
	}
	n->kind = kind;
	n->format = JS_FMT__MAX;
	s->nodes[s->nnodes++] = n;
	return n;
}

/* Remembers that the schema at the current path compiled to n. */
static void
c_map(struct cctx *c, struct js_node *n)
{
	char	*p;

	if (!grow(&c->map, &c->capmap, c->nmap, sizeof *c->map) ||
	    (p = strdup(c->path.p != NULL ? c->path.p : "")) == NULL) {
		c_err(c, JS_ERR_NOMEM, NULL, "out of memory");
		return;
	}
	c->map[c->nmap].path = p;
	c->map[c->nmap].node = n;
	c->nmap++;
}

static struct js_node	*c_schema(struct cctx *, struct json_object *);

/* Compiles the subschema v found under token kw (and idx, if >= 0). */
static struct js_node *
c_sub(struct cctx *c, struct json_object *v, const char *kw, long idx)
{
	struct js_node	*n;
	size_t		 mark = c->path.len;
	char		 b[32];

	if (kw != NULL)
		sb_put_token(&c->path, kw, strlen(kw));
	if (idx >= 0) {
		snprintf(b, sizeof b, "%ld", idx);
		sb_put_token(&c->path, b, strlen(b));
	}
	n = c_schema(c, v);
	sb_trunc(&c->path, mark);
	return n;
}

/* A non-empty array of schemas under kw. */
static void
c_schema_array(struct cctx *c, struct json_object *v, const char *kw,
    struct js_node ***out, size_t *nout)
{
	size_t	i, n;

	if (!json_object_is_type(v, json_type_array) ||
	    (n = json_object_array_length(v)) == 0) {
		c_err(c, JS_ERR_INVALID, kw, "must be a non-empty array of "
		    "schemas");
		return;
	}
	if ((*out = calloc(n, sizeof **out)) == NULL) {
		c_err(c, JS_ERR_NOMEM, kw, "out of memory");
		return;
	}
	*nout = n;
	for (i = 0; i < n; i++)
		(*out)[i] = c_sub(c, json_object_array_get_idx(v, i), kw,
		    (long)i);
}

/* Reads a non-negative integer (2.0 allowed) into *out. */
static int
c_count(struct cctx *c, struct json_object *v, const char *kw, size_t *out)
{
	struct js_num	n;

	if (!num_get(v, &n) ||
	    (n.kind == JS_NUM_INT && n.i < 0) ||
	    (n.kind == JS_NUM_DBL && (!(n.d >= 0) || n.d != floor(n.d)))) {
		c_err(c, JS_ERR_INVALID, kw, "must be a non-negative integer");
		return 0;
	}
	/* Bounds beyond any real size behave as "unbounded". */
	if (n.kind == JS_NUM_DBL)
		*out = n.d >= 1e18 ? (size_t)1e18 : (size_t)n.d;
	else if (n.kind == JS_NUM_UINT || n.i >= (int64_t)1e18)
		*out = (size_t)1e18;
	else
		*out = (size_t)n.i;
	return 1;
}

static int
c_number(struct cctx *c, struct json_object *v, const char *kw,
    struct js_num *out)
{
	if (!num_get(v, out)) {
		c_err(c, JS_ERR_INVALID, kw, "must be a number");
		return 0;
	}
	return 1;
}

/* Array of unique strings, copied into *out. */
static int
c_strings(struct cctx *c, struct json_object *v, const char *kw,
    char ***out, size_t *nout)
{
	struct json_object	*e;
	size_t			 i, j, n;

	if (!json_object_is_type(v, json_type_array)) {
		c_err(c, JS_ERR_INVALID, kw, "must be an array of strings");
		return 0;
	}
	n = json_object_array_length(v);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(v, i);
		if (!json_object_is_type(e, json_type_string)) {
			c_err(c, JS_ERR_INVALID, kw,
			    "must be an array of strings");
			return 0;
		}
		for (j = 0; j < i; j++)
			if (json_eq(e, json_object_array_get_idx(v, j), 0)) {
				c_err(c, JS_ERR_INVALID, kw,
				    "must not repeat \"%s\"",
				    json_object_get_string(e));
				return 0;
			}
	}
	if (n > 0 && (*out = calloc(n, sizeof **out)) == NULL) {
		c_err(c, JS_ERR_NOMEM, kw, "out of memory");
		return 0;
	}
	for (i = 0; i < n; i++) {
		(*out)[i] = strdup(json_object_get_string(
		    json_object_array_get_idx(v, i)));
		if ((*out)[i] == NULL) {
			c_err(c, JS_ERR_NOMEM, kw, "out of memory");
			*nout = i;
			return 0;
		}
	}
	*nout = n;
	return 1;
}

/*
 * Compiles the ECMA pattern src into *re. Problems are reported at the
 * current path plus kw (and sub, if not NULL).
 */
static int
c_regex(struct cctx *c, const char *src, size_t srclen, const char *kw,
    const char *sub, struct js_regex **re)
{
	char		 msg[320];
	enum js_status	 st;
	size_t		 mark = c->path.len;

	if (sub != NULL) {
		sb_put_token(&c->path, kw, strlen(kw));
		kw = sub;
	}
	st = js_regex_compile(src, srclen, re, msg, sizeof msg);
	if (st != JS_OK)
		c_err(c, st, kw, "%s", msg);
	sb_trunc(&c->path, mark);
	return st == JS_OK;
}

static int
prop_cmp(const void *a, const void *b)
{
	const struct js_prop *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* properties / dependentSchemas: an object of schemas, sorted by name. */
static void
c_schema_map(struct cctx *c, struct json_object *v, const char *kw,
    struct js_prop **out, size_t *nout)
{
	struct lh_entry	*e;
	size_t		 n, i = 0, mark = c->path.len;
	const char	*k;

	if (!json_object_is_type(v, json_type_object)) {
		c_err(c, JS_ERR_INVALID, kw, "must be an object of schemas");
		return;
	}
	if ((n = (size_t)json_object_object_length(v)) == 0)
		return;
	if ((*out = calloc(n, sizeof **out)) == NULL) {
		c_err(c, JS_ERR_NOMEM, kw, "out of memory");
		return;
	}
	sb_put_token(&c->path, kw, strlen(kw));
	lh_foreach(json_object_get_object(v), e) {
		k = lh_entry_k(e);
		if (((*out)[i].name = strdup(k)) == NULL) {
			c_err(c, JS_ERR_NOMEM, NULL, "out of memory");
			break;
		}
		(*out)[i].schema = c_sub(c, (struct json_object *)
		    lh_entry_v(e), k, -1);
		i++;
	}
	sb_trunc(&c->path, mark);
	*nout = i;
	qsort(*out, i, sizeof **out, prop_cmp);
}

static void
c_pattern_properties(struct cctx *c, struct json_object *v,
    struct js_node *n)
{
	struct lh_entry	*e;
	size_t		 cnt, mark = c->path.len;
	const char	*k;

	if (!json_object_is_type(v, json_type_object)) {
		c_err(c, JS_ERR_INVALID, "patternProperties",
		    "must be an object of schemas");
		return;
	}
	if ((cnt = (size_t)json_object_object_length(v)) == 0)
		return;
	if ((n->pprops = calloc(cnt, sizeof *n->pprops)) == NULL) {
		c_err(c, JS_ERR_NOMEM, "patternProperties", "out of memory");
		return;
	}
	lh_foreach(json_object_get_object(v), e) {
		k = lh_entry_k(e);
		c_regex(c, k, strlen(k), "patternProperties", k,
		    &n->pprops[n->npprops].re);
		sb_put_token(&c->path, "patternProperties", 17);
		n->pprops[n->npprops].schema = c_sub(c,
		    (struct json_object *)lh_entry_v(e), k, -1);
		sb_trunc(&c->path, mark);
		n->npprops++;
	}
}

static void
c_dependent_required(struct cctx *c, struct json_object *v,
    struct js_node *n)
{
	struct lh_entry	*e;
	size_t		 cnt, mark = c->path.len;
	const char	*k;

	if (!json_object_is_type(v, json_type_object)) {
		c_err(c, JS_ERR_INVALID, "dependentRequired",
		    "must be an object of string arrays");
		return;
	}
	if ((cnt = (size_t)json_object_object_length(v)) == 0)
		return;
	if ((n->dreq = calloc(cnt, sizeof *n->dreq)) == NULL) {
		c_err(c, JS_ERR_NOMEM, "dependentRequired", "out of memory");
		return;
	}
	sb_put_token(&c->path, "dependentRequired", 17);
	lh_foreach(json_object_get_object(v), e) {
		k = lh_entry_k(e);
		if ((n->dreq[n->ndreq].name = strdup(k)) == NULL) {
			c_err(c, JS_ERR_NOMEM, NULL, "out of memory");
			break;
		}
		c_strings(c, (struct json_object *)lh_entry_v(e), k,
		    &n->dreq[n->ndreq].req, &n->dreq[n->ndreq].nreq);
		n->ndreq++;
	}
	sb_trunc(&c->path, mark);
}

static void
c_type(struct cctx *c, struct json_object *v, struct js_node *n)
{
	struct json_object	*e;
	size_t			 i, cnt = 1;
	int			 t;
	unsigned int		 bit;

	if (json_object_is_type(v, json_type_array)) {
		if ((cnt = json_object_array_length(v)) == 0) {
			c_err(c, JS_ERR_INVALID, "type",
			    "must not be an empty array");
			return;
		}
	} else if (!json_object_is_type(v, json_type_string)) {
		c_err(c, JS_ERR_INVALID, "type",
		    "must be a type name or an array of them");
		return;
	}
	for (i = 0; i < cnt; i++) {
		e = json_object_is_type(v, json_type_array) ?
		    json_object_array_get_idx(v, i) : v;
		if (!json_object_is_type(e, json_type_string)) {
			c_err(c, JS_ERR_INVALID, "type",
			    "must contain type names");
			return;
		}
		for (t = 0; t < JS_T__MAX; t++)
			if (strcmp(json_object_get_string(e),
			    js_type_names[t]) == 0)
				break;
		if (t == JS_T__MAX) {
			c_err(c, JS_ERR_INVALID, "type",
			    "unknown type \"%s\"", json_object_get_string(e));
			return;
		}
		bit = 1u << t;
		if (n->types & bit) {
			c_err(c, JS_ERR_INVALID, "type",
			    "repeats type \"%s\"", js_type_names[t]);
			return;
		}
		n->types |= bit;
	}
}

/* Queues a $ref for resolution once the whole tree is compiled. */
static void
c_ref(struct cctx *c, struct json_object *v, struct js_node *n)
{
	struct js_pending	*p;

	if (!json_object_is_type(v, json_type_string)) {
		c_err(c, JS_ERR_INVALID, "$ref", "must be a string");
		return;
	}
	if (c->in_id) {
		c_err(c, JS_ERR_UNSUPPORTED, "$ref", "$ref inside a subschema "
		    "with its own $id needs URI resolution, not supported");
		return;
	}
	if (!grow(&c->refs, &c->caprefs, c->nrefs, sizeof *c->refs)) {
		c_err(c, JS_ERR_NOMEM, "$ref", "out of memory");
		return;
	}
	p = &c->refs[c->nrefs];
	p->node = n;
	p->ref = strdup(json_object_get_string(v));
	p->path = malloc(c->path.len + 6);
	if (p->ref == NULL || p->path == NULL) {
		free(p->ref);
		free(p->path);
		c_err(c, JS_ERR_NOMEM, "$ref", "out of memory");
		return;
	}
	memcpy(p->path, c->path.p != NULL ? c->path.p : "", c->path.len);
	memcpy(p->path + c->path.len, "/$ref", 6);
	c->nrefs++;
}

static int
is_draft202012(const char *s)
{
	return strcmp(s, "https://json-schema.org/draft/2020-12/schema") == 0 ||
	    strcmp(s, "https://json-schema.org/draft/2020-12/schema#") == 0;
}

/* $schema, $id and the annotation keywords: checked, then dropped. */
static void
c_meta(struct cctx *c, enum js_kw kw, struct json_object *v, int is_root)
{
	const char	*name = js_kw_names[kw], *s, *hash;

	switch (kw) {
	case JS_KW_SCHEMA:
		if (!json_object_is_type(v, json_type_string))
			c_err(c, JS_ERR_INVALID, name, "must be a string");
		else if (!is_draft202012(json_object_get_string(v)))
			c_err(c, JS_ERR_UNSUPPORTED, name, "only draft 2020-12 "
			    "(https://json-schema.org/draft/2020-12/schema) "
			    "is supported");
		break;
	case JS_KW_ID:
		if (!json_object_is_type(v, json_type_string)) {
			c_err(c, JS_ERR_INVALID, name, "must be a string");
			break;
		}
		s = json_object_get_string(v);
		hash = strchr(s, '#');
		if (hash != NULL && hash[1] != '\0') {
			c_err(c, JS_ERR_INVALID, name, "must not have a "
			    "fragment");
			break;
		}
		if (is_root) {
			/* References naming this URI stay local. */
			c->base = s;
			c->baselen = hash != NULL ? (size_t)(hash - s) :
			    strlen(s);
		}
		break;
	case JS_KW_COMMENT:
	case JS_KW_TITLE:
	case JS_KW_DESCRIPTION:
		if (!json_object_is_type(v, json_type_string))
			c_err(c, JS_ERR_INVALID, name, "must be a string");
		break;
	case JS_KW_DEPRECATED:
	case JS_KW_READONLY:
	case JS_KW_WRITEONLY:
		if (!json_object_is_type(v, json_type_boolean))
			c_err(c, JS_ERR_INVALID, name, "must be a boolean");
		break;
	case JS_KW_EXAMPLES:
		if (!json_object_is_type(v, json_type_array))
			c_err(c, JS_ERR_INVALID, name, "must be an array");
		break;
	default:	/* default: any value */
		break;
	}
}

/* Copies a JSON value (NULL is JSON null) for the compiled tree. */
static int
c_copy(struct cctx *c, struct json_object *v, const char *kw,
    struct json_object **out)
{
	*out = NULL;
	if (v == NULL)
		return 1;
	if (json_object_deep_copy(v, out, NULL) != 0) {
		c_err(c, JS_ERR_NOMEM, kw, "out of memory");
		*out = NULL;
		return 0;
	}
	return 1;
}

/* Compiles one keyword of an object schema into n. */
static void
c_keyword(struct cctx *c, enum js_kw kw, struct json_object *v,
    struct js_node *n, int is_root)
{
	const char	*name = js_kw_names[kw], *s;
	size_t		 i;
	int		 f;

	n->has |= KW(kw);
	switch (kw) {
	case JS_KW_SCHEMA:
	case JS_KW_ID:
	case JS_KW_COMMENT:
	case JS_KW_TITLE:
	case JS_KW_DESCRIPTION:
	case JS_KW_DEFAULT:
	case JS_KW_EXAMPLES:
	case JS_KW_DEPRECATED:
	case JS_KW_READONLY:
	case JS_KW_WRITEONLY:
		c_meta(c, kw, v, is_root);
		break;
	case JS_KW_DEFS:
		{
			struct js_prop	*defs = NULL;
			size_t		 ndefs = 0;

			/* Compiled for checking and as $ref targets only. */
			c_schema_map(c, v, name, &defs, &ndefs);
			for (i = 0; i < ndefs; i++)
				free(defs[i].name);
			free(defs);
		}
		break;
	case JS_KW_TYPE:
		c_type(c, v, n);
		break;
	case JS_KW_CONST:
		c_copy(c, v, name, &n->const_val);
		break;
	case JS_KW_ENUM:
		if (!json_object_is_type(v, json_type_array))
			c_err(c, JS_ERR_INVALID, name, "must be an array");
		else
			c_copy(c, v, name, &n->enum_vals);
		break;
	case JS_KW_MULTIPLEOF:
		if (c_number(c, v, name, &n->multiple_of) &&
		    !(num_dbl(&n->multiple_of) > 0))
			c_err(c, JS_ERR_INVALID, name,
			    "must be strictly greater than 0");
		break;
	case JS_KW_MINIMUM:
		c_number(c, v, name, &n->minimum);
		break;
	case JS_KW_MAXIMUM:
		c_number(c, v, name, &n->maximum);
		break;
	case JS_KW_EXCLUSIVEMINIMUM:
		c_number(c, v, name, &n->xminimum);
		break;
	case JS_KW_EXCLUSIVEMAXIMUM:
		c_number(c, v, name, &n->xmaximum);
		break;
	case JS_KW_MINLENGTH:
		c_count(c, v, name, &n->min_length);
		break;
	case JS_KW_MAXLENGTH:
		c_count(c, v, name, &n->max_length);
		break;
	case JS_KW_PATTERN:
		if (!json_object_is_type(v, json_type_string)) {
			c_err(c, JS_ERR_INVALID, name, "must be a string");
			break;
		}
		c_regex(c, json_object_get_string(v),
		    (size_t)json_object_get_string_len(v), name, NULL,
		    &n->pattern);
		break;
	case JS_KW_FORMAT:
		if (!json_object_is_type(v, json_type_string)) {
			c_err(c, JS_ERR_INVALID, name, "must be a string");
			break;
		}
		s = json_object_get_string(v);
		for (f = 0; f < JS_FMT__MAX; f++)
			if (strcmp(s, js_format_names[f]) == 0)
				break;
		if (f == JS_FMT__MAX)
			c_err(c, JS_ERR_UNSUPPORTED, name,
			    "format \"%s\" is not supported", s);
		else
			n->format = (enum js_format)f;
		break;
	case JS_KW_MINITEMS:
		c_count(c, v, name, &n->min_items);
		break;
	case JS_KW_MAXITEMS:
		c_count(c, v, name, &n->max_items);
		break;
	case JS_KW_UNIQUEITEMS:
		if (!json_object_is_type(v, json_type_boolean))
			c_err(c, JS_ERR_INVALID, name, "must be a boolean");
		else
			n->unique = json_object_get_boolean(v);
		break;
	case JS_KW_PREFIXITEMS:
		c_schema_array(c, v, name, &n->prefix, &n->nprefix);
		break;
	case JS_KW_ITEMS:
		n->items = c_sub(c, v, name, -1);
		break;
	case JS_KW_CONTAINS:
		n->contains = c_sub(c, v, name, -1);
		break;
	case JS_KW_MINCONTAINS:
		c_count(c, v, name, &n->min_contains);
		break;
	case JS_KW_MAXCONTAINS:
		c_count(c, v, name, &n->max_contains);
		break;
	case JS_KW_PROPERTIES:
		c_schema_map(c, v, name, &n->props, &n->nprops);
		break;
	case JS_KW_PATTERNPROPERTIES:
		c_pattern_properties(c, v, n);
		break;
	case JS_KW_ADDITIONALPROPERTIES:
		n->additional = c_sub(c, v, name, -1);
		break;
	case JS_KW_PROPERTYNAMES:
		n->names = c_sub(c, v, name, -1);
		break;
	case JS_KW_REQUIRED:
		c_strings(c, v, name, &n->required, &n->nrequired);
		break;
	case JS_KW_DEPENDENTREQUIRED:
		c_dependent_required(c, v, n);
		break;
	case JS_KW_DEPENDENTSCHEMAS:
		c_schema_map(c, v, name, &n->dschemas, &n->ndschemas);
		break;
	case JS_KW_MINPROPERTIES:
		c_count(c, v, name, &n->min_props);
		break;
	case JS_KW_MAXPROPERTIES:
		c_count(c, v, name, &n->max_props);
		break;
	case JS_KW_REF:
		c_ref(c, v, n);
		break;
	case JS_KW_ALLOF:
		c_schema_array(c, v, name, &n->all_of, &n->nall_of);
		break;
	case JS_KW_ANYOF:
		c_schema_array(c, v, name, &n->any_of, &n->nany_of);
		break;
	case JS_KW_ONEOF:
		c_schema_array(c, v, name, &n->one_of, &n->none_of);
		break;
	case JS_KW_NOT:
		n->not_ = c_sub(c, v, name, -1);
		break;
	case JS_KW_IF:
		n->if_ = c_sub(c, v, name, -1);
		break;
	case JS_KW_THEN:
		n->then_ = c_sub(c, v, name, -1);
		break;
	case JS_KW_ELSE:
		n->else_ = c_sub(c, v, name, -1);
		break;
	default:
		break;
	}
}

/*
 * Compiles the schema j found at the current path. Returns the node (owned
 * by c->s), or NULL after reporting why.
 */
static struct js_node *
c_schema(struct cctx *c, struct json_object *j)
{
	struct js_node		*n = NULL;
	struct json_object	*id;
	struct lh_entry		*e;
	const char		*k;
	int			 kw, i, sub_id;
	int			 is_root = c->depth == 0 && !c->resolving;

	if (json_object_is_type(j, json_type_boolean)) {
		n = c_new_node(c, json_object_get_boolean(j) ?
		    JS_NODE_TRUE : JS_NODE_FALSE);
		if (n != NULL)
			c_map(c, n);
		return n;
	}
	if (!json_object_is_type(j, json_type_object)) {
		c_err(c, JS_ERR_INVALID, NULL,
		    "a schema must be an object or a boolean");
		return NULL;
	}
	if (c->depth >= JS_COMPILE_DEPTH) {
		c_err(c, JS_ERR_UNSUPPORTED, NULL, "schema nested deeper than "
		    "%d levels", JS_COMPILE_DEPTH);
		return NULL;
	}
	if ((n = c_new_node(c, JS_NODE_SCHEMA)) == NULL)
		return NULL;
	c_map(c, n);
	/* A non-root $id makes "#..." inside it mean something else. */
	sub_id = !is_root && json_object_object_get_ex(j, "$id", &id);
	c->in_id += sub_id;
	c->depth++;
	lh_foreach(json_object_get_object(j), e) {
		k = lh_entry_k(e);
		for (kw = 0; kw < JS_KW__MAX; kw++)
			if (strcmp(k, js_kw_names[kw]) == 0)
				break;
		if (kw < JS_KW__MAX) {
			c_keyword(c, (enum js_kw)kw,
			    (struct json_object *)lh_entry_v(e), n, is_root);
			continue;
		}
		for (i = 0; js_kw_refused[i] != NULL; i++)
			if (strcmp(k, js_kw_refused[i]) == 0)
				break;
		if (js_kw_refused[i] != NULL)
			c_err(c, JS_ERR_UNSUPPORTED, k,
			    "unsupported keyword \"%s\"", k);
		else
			c_err(c, JS_ERR_UNSUPPORTED, k,
			    "unknown keyword \"%s\"", k);
	}
	c->depth--;
	c->in_id -= sub_id;
	return n;
}

/* ------------------------------------------------------------------ */
/* $ref resolution: local JSON pointers only.                          */

/*
 * Decodes a URI fragment holding a JSON pointer into its canonical form
 * (percent-decoded, tokens re-escaped) in out, and the raw tokens in toks
 * (NUL-separated, ntok of them). Returns 0 if malformed.
 */
static int
ref_decode(const char *frag, struct sbuf *out, struct sbuf *toks,
    size_t *ntok)
{
	struct sbuf	dec = { NULL, 0, 0, 0 }, tok = { NULL, 0, 0, 0 };
	size_t		i, n;
	int		ok = 0;

	*ntok = 0;
	for (i = 0; frag[i] != '\0'; i++) {
		if (frag[i] != '%') {
			sb_putc(&dec, frag[i]);
			continue;
		}
		if (hexval((unsigned char)frag[i + 1]) < 0 ||
		    hexval((unsigned char)frag[i + 2]) < 0)
			goto out;
		sb_putc(&dec, (char)(hexval((unsigned char)frag[i + 1]) * 16 +
		    hexval((unsigned char)frag[i + 2])));
		i += 2;
	}
	sb_puts(out, "");
	sb_puts(toks, "");
	if (dec.len == 0) {
		ok = !out->oom && !toks->oom;
		goto out;
	}
	if (dec.p[0] != '/')
		goto out;
	for (i = 1, n = dec.len; i <= n; i++) {
		if (i < n && dec.p[i] != '/') {
			if (dec.p[i] != '~') {
				sb_putc(&tok, dec.p[i]);
				continue;
			}
			if (i + 1 >= n || (dec.p[i + 1] != '0' &&
			    dec.p[i + 1] != '1'))
				goto out;
			sb_putc(&tok, dec.p[i + 1] == '0' ? '~' : '/');
			i++;
			continue;
		}
		sb_put_token(out, tok.p != NULL ? tok.p : "", tok.len);
		sb_put(toks, tok.p != NULL ? tok.p : "", tok.len);
		sb_putc(toks, '\0');
		(*ntok)++;
		sb_trunc(&tok, 0);
	}
	ok = !out->oom && !toks->oom && !tok.oom && !dec.oom;
out:
	free(dec.p);
	free(tok.p);
	return ok;
}

/* Walks the root document along the tokens; NULL if absent. */
static struct json_object *
ref_walk(struct json_object *root, const char *toks, size_t ntok, int *found)
{
	struct json_object	*cur = root;
	size_t			 i, idx;
	char			*end;

	*found = 0;
	for (i = 0; i < ntok; i++, toks += strlen(toks) + 1) {
		if (json_object_is_type(cur, json_type_object)) {
			if (!json_object_object_get_ex(cur, toks, &cur))
				return NULL;
		} else if (json_object_is_type(cur, json_type_array)) {
			if (!IS_DIGIT(toks[0]) ||
			    (toks[0] == '0' && toks[1] != '\0'))
				return NULL;
			idx = strtoul(toks, &end, 10);
			if (*end != '\0' ||
			    idx >= json_object_array_length(cur))
				return NULL;
			cur = json_object_array_get_idx(cur, idx);
		} else
			return NULL;
	}
	*found = 1;
	return cur;
}

/* Resolves one queued $ref, compiling its target if needed. */
static void
c_resolve(struct cctx *c, size_t ri)
{
	struct sbuf		 canon = { NULL, 0, 0, 0 };
	struct sbuf		 toks = { NULL, 0, 0, 0 };
	struct sbuf		 saved;
	struct json_object	*target;
	struct js_node		*n, *t = NULL;
	const char		*ref = c->refs[ri].ref, *frag;
	size_t			 i, ntok, mark = c->path.len;
	int			 found;

	n = c->refs[ri].node;
	if (ref[0] == '#')
		frag = ref + 1;
	else if (c->base != NULL && c->baselen > 0 &&
	    strncmp(ref, c->base, c->baselen) == 0 &&
	    (ref[c->baselen] == '\0' || ref[c->baselen] == '#'))
		frag = ref[c->baselen] == '\0' ? "" : ref + c->baselen + 1;
	else {
		c_err(c, JS_ERR_UNSUPPORTED, NULL, "$ref \"%s\": only local "
		    "references (\"#...\") are supported", ref);
		return;
	}
	if (frag[0] != '\0' && frag[0] != '/' && frag[0] != '%') {
		c_err(c, JS_ERR_UNSUPPORTED, NULL, "$ref \"%s\": $anchor "
		    "references are not supported", ref);
		return;
	}
	if (!ref_decode(frag, &canon, &toks, &ntok)) {
		c_err(c, canon.oom || toks.oom ? JS_ERR_NOMEM : JS_ERR_INVALID,
		    NULL, "$ref \"%s\" is not a valid JSON pointer", ref);
		goto out;
	}
	for (i = 0; i < c->nmap; i++)
		if (strcmp(c->map[i].path, canon.p) == 0) {
			t = c->map[i].node;
			break;
		}
	if (t == NULL) {
		target = ref_walk(c->root, toks.p, ntok, &found);
		if (!found) {
			c_err(c, JS_ERR_INVALID, NULL, "$ref \"%s\" points to "
			    "nothing", ref);
			goto out;
		}
		/* Not a subschema we compiled: compile it where it is. */
		saved = c->path;
		c->path = canon;
		t = c_schema(c, target);
		canon = c->path;
		c->path = saved;
	}
	n->ref = t;
out:
	sb_trunc(&c->path, mark);
	free(canon.p);
	free(toks.p);
}

/* Reports errors at the path of a pending $ref. */
static void
c_resolve_at(struct cctx *c, size_t ri)
{
	struct sbuf	saved = c->path, at = { NULL, 0, 0, 0 };

	sb_puts(&at, c->refs[ri].path);
	if (at.oom) {
		free(at.p);
		c_err(c, JS_ERR_NOMEM, NULL, "out of memory");
		return;
	}
	c->path = at;
	c_resolve(c, ri);
	free(c->path.p);
	c->path = saved;
}

enum js_status
js_compile(struct json_object *schema, struct js_schema **out,
    struct json_object *errors)
{
	struct cctx	c;
	size_t		i;
	enum js_status	st;

	*out = NULL;
	memset(&c, 0, sizeof c);
	c.root = schema;
	c.errors = json_object_is_type(errors, json_type_array) ? errors :
	    NULL;
	if ((c.s = calloc(1, sizeof *c.s)) == NULL)
		return JS_ERR_NOMEM;
	sb_puts(&c.path, "");
	c.s->root = c_schema(&c, schema);
	/* Resolving may compile targets, which may queue more refs. */
	c.resolving = 1;
	for (i = 0; i < c.nrefs; i++)
		c_resolve_at(&c, i);
	if (c.path.oom)
		c.nomem++;

	if (c.nomem)
		st = JS_ERR_NOMEM;
	else if (c.ninvalid)
		st = JS_ERR_INVALID;
	else if (c.nunsupported)
		st = JS_ERR_UNSUPPORTED;
	else if (c.s->root == NULL)
		st = JS_ERR_INVALID;
	else
		st = JS_OK;
	if (st == JS_OK)
		*out = c.s;
	else
		js_free(c.s);
	for (i = 0; i < c.nmap; i++)
		free(c.map[i].path);
	free(c.map);
	for (i = 0; i < c.nrefs; i++) {
		free(c.refs[i].ref);
		free(c.refs[i].path);
	}
	free(c.refs);
	free(c.path.p);
	return st;
}

/* ------------------------------------------------------------------ */
/* Validation.                                                         */

/* Why a validation ended before its answer. */
enum v_halt {
	V_GOING = 0,
	V_TOO_COMPLEX,		/* a pattern hit a limit: the value is refused */
	V_STOPPED,		/* the caller's stop said so */
};

/* Nodes entered between two questions to the caller's stop. */
#define JS_STOP_EVERY	256

struct vctx {
	struct json_object	*errors;	/* NULL: silent, stop early */
	struct json_object	*all;		/* the caller's list, or NULL */
	size_t			 nerrors;
	struct sbuf		 path;		/* current instance */
	int			 depth;
	struct {
		const struct js_node	*node;
		struct json_object	*inst;
	}			 stack[JS_MAX_DEPTH];	/* active $refs */
	size_t			 nstack;
	struct js_matcher	 rx;
	const struct js_stop	*stop;
	unsigned		 ticks;
	enum v_halt		 halt;
	struct json_object	*halt_err;	/* the one error a halt reports */
};

/*
 * Appends an error at the current instance path. Past JS_MAX_ERRORS the
 * context goes silent for good (the result is already 0).
 */
static void
v_err(struct vctx *v, const char *kw, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
v_err(struct vctx *v, const char *kw, const char *fmt, ...)
{
	struct json_object	*e, *s;
	char			 msg[320];
	va_list			 ap;

	if (v->errors == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if ((e = json_object_new_object()) == NULL)
		goto full;
	s = json_object_new_string(v->path.p != NULL && !v->path.oom ?
	    v->path.p : "");
	if (json_object_object_add(e, "path", s) != 0)
		json_object_put(s);
	s = json_object_new_string(kw);
	if (json_object_object_add(e, "keyword", s) != 0)
		json_object_put(s);
	s = json_object_new_string(msg);
	if (json_object_object_add(e, "message", s) != 0)
		json_object_put(s);
	if (json_object_array_add(v->errors, e) != 0) {
		json_object_put(e);
		goto full;
	}
	if (++v->nerrors < JS_MAX_ERRORS)
		return;
full:
	v->errors = NULL;
}

/*
 * The path is kept whenever the caller wants errors, silent branches
 * included, so that a halt inside one says where it happened.
 */
static void
v_push_key(struct vctx *v, const char *k)
{
	if (v->all != NULL)
		sb_put_token(&v->path, k, strlen(k));
}

static void
v_push_idx(struct vctx *v, size_t i)
{
	char	b[32];

	if (v->all != NULL) {
		snprintf(b, sizeof b, "%zu", i);
		sb_put_token(&v->path, b, strlen(b));
	}
}

static int	v_node(struct vctx *, const struct js_node *,
		    struct json_object *, const char *);

/*
 * Ends the validation: a pattern (kw, re) could not be matched on the
 * value at the current path within the limits. The value is refused, with
 * this error alone.
 */
static void
v_too_complex(struct vctx *v, const char *kw, const struct js_regex *re)
{
	struct json_object	*e, *s;
	char			 msg[320];

	v->halt = V_TOO_COMPLEX;
	if (v->all == NULL || v->halt_err != NULL ||
	    (e = json_object_new_object()) == NULL)
		return;
	snprintf(msg, sizeof msg, "is too long or too complex to check "
	    "against the pattern \"%.200s\"", js_regex_source(re));
	s = json_object_new_string(v->path.p != NULL && !v->path.oom ?
	    v->path.p : "");
	if (json_object_object_add(e, "path", s) != 0)
		json_object_put(s);
	s = json_object_new_string(kw);
	if (json_object_object_add(e, "keyword", s) != 0)
		json_object_put(s);
	s = json_object_new_string(msg);
	if (json_object_object_add(e, "message", s) != 0)
		json_object_put(s);
	v->halt_err = e;
}

/* Matches a string; 1 or 0, or -1 after halting the validation. */
static int
v_match(struct vctx *v, const char *kw, const struct js_regex *re,
    const char *s, size_t n)
{
	switch (js_regex_match(&v->rx, re, s, n)) {
	case JS_RX_MATCH:
		return 1;
	case JS_RX_NOMATCH:
		return 0;
	case JS_RX_STOPPED:
		v->halt = V_STOPPED;
		return -1;
	default:
		v_too_complex(v, kw, re);
		return -1;
	}
}

/* Runs n on inst without recording errors; 1 if valid. */
static int
v_silent(struct vctx *v, const struct js_node *n, struct json_object *inst)
{
	struct json_object	*saved = v->errors;
	size_t			 mark = v->path.len;
	int			 ok;

	v->errors = NULL;
	ok = v_node(v, n, inst, "");
	v->errors = saved;
	sb_trunc(&v->path, mark);
	return ok;
}

static const char *
plural(size_t n)
{
	return n == 1 ? "" : "s";
}

static unsigned int
inst_types(struct json_object *o)
{
	double	d;

	switch (json_object_get_type(o)) {
	case json_type_null:
		return 1u << JS_T_NULL;
	case json_type_boolean:
		return 1u << JS_T_BOOLEAN;
	case json_type_object:
		return 1u << JS_T_OBJECT;
	case json_type_array:
		return 1u << JS_T_ARRAY;
	case json_type_string:
		return 1u << JS_T_STRING;
	case json_type_int:
		return 1u << JS_T_NUMBER | 1u << JS_T_INTEGER;
	case json_type_double:
		d = json_object_get_double(o);
		if (isfinite(d) && d == floor(d))
			return 1u << JS_T_NUMBER | 1u << JS_T_INTEGER;
		return 1u << JS_T_NUMBER;
	default:
		return 0;
	}
}

static int
v_type(struct vctx *v, const struct js_node *n, struct json_object *inst)
{
	char	buf[128];
	size_t	len = 0;
	int	t;

	if (inst_types(inst) & n->types)
		return 1;
	if (v->errors == NULL)
		return 0;
	buf[0] = '\0';
	for (t = 0; t < JS_T__MAX; t++)
		if (n->types & (1u << t))
			len += (size_t)snprintf(buf + len, sizeof buf - len,
			    "%s%s", len ? " or " : "", js_type_names[t]);
	v_err(v, "type", "must be %s %s", n->types == 1u << JS_T_INTEGER ?
	    "an" : "of type", buf);
	return 0;
}

static int
v_number(struct vctx *v, const struct js_node *n, struct json_object *inst)
{
	struct js_num	x;
	char		b[64];
	int		ok = 1, r;

	if (!num_get(inst, &x))
		return 1;
	if (n->has & KW(JS_KW_MINIMUM)) {
		r = num_cmp(&x, &n->minimum);
		if (r < 0 || r == 2) {
			ok = 0;
			num_fmt(b, sizeof b, &n->minimum);
			v_err(v, "minimum", "must be >= %s", b);
		}
	}
	if (n->has & KW(JS_KW_MAXIMUM)) {
		if (num_cmp(&x, &n->maximum) > 0) {
			ok = 0;
			num_fmt(b, sizeof b, &n->maximum);
			v_err(v, "maximum", "must be <= %s", b);
		}
	}
	if (n->has & KW(JS_KW_EXCLUSIVEMINIMUM)) {
		r = num_cmp(&x, &n->xminimum);
		if (r <= 0 || r == 2) {
			ok = 0;
			num_fmt(b, sizeof b, &n->xminimum);
			v_err(v, "exclusiveMinimum", "must be > %s", b);
		}
	}
	if (n->has & KW(JS_KW_EXCLUSIVEMAXIMUM)) {
		if (num_cmp(&x, &n->xmaximum) >= 0) {
			ok = 0;
			num_fmt(b, sizeof b, &n->xmaximum);
			v_err(v, "exclusiveMaximum", "must be < %s", b);
		}
	}
	if ((n->has & KW(JS_KW_MULTIPLEOF)) &&
	    !num_multiple(&x, &n->multiple_of)) {
		ok = 0;
		num_fmt(b, sizeof b, &n->multiple_of);
		v_err(v, "multipleOf", "must be a multiple of %s", b);
	}
	return ok;
}

static int
v_string(struct vctx *v, const struct js_node *n, struct json_object *inst)
{
	const char	*s;
	size_t		 len, cps;
	int		 ok = 1;

	if (!json_object_is_type(inst, json_type_string))
		return 1;
	s = json_object_get_string(inst);
	len = (size_t)json_object_get_string_len(inst);
	if (n->has & (KW(JS_KW_MINLENGTH) | KW(JS_KW_MAXLENGTH))) {
		cps = utf8_count(s, len);
		if ((n->has & KW(JS_KW_MINLENGTH)) && cps < n->min_length) {
			ok = 0;
			v_err(v, "minLength", "must be at least %zu "
			    "character%s", n->min_length,
			    plural(n->min_length));
		}
		if ((n->has & KW(JS_KW_MAXLENGTH)) && cps > n->max_length) {
			ok = 0;
			v_err(v, "maxLength", "must be at most %zu character%s",
			    n->max_length, plural(n->max_length));
		}
		/* Cheap checks first: a string of the wrong length is not
		 * matched against the pattern, nor its format checked. */
		if (!ok)
			return 0;
	}
	if (n->pattern != NULL) {
		switch (v_match(v, "pattern", n->pattern, s, len)) {
		case 1:
			break;
		case 0:
			ok = 0;
			v_err(v, "pattern", "must match the pattern \"%s\"",
			    js_regex_source(n->pattern));
			if (v->errors == NULL)
				return 0;
			break;
		default:
			return 0;
		}
	}
	if (n->format != JS_FMT__MAX && !js_format_checks[n->format](s, len)) {
		ok = 0;
		v_err(v, "format", "must be a valid %s",
		    js_format_names[n->format]);
	}
	return ok;
}

struct hidx {
	uint64_t	h;
	size_t		i;
};

static int
hidx_cmp(const void *a, const void *b)
{
	const struct hidx *x = a, *y = b;

	if (x->h != y->h)
		return x->h < y->h ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

/*
 * Finds two equal items of arr (n of them): 1 with their indices, else 0.
 * Large arrays are sorted by hash so only equal hashes are compared.
 */
static int
find_duplicate(struct json_object *arr, size_t n, size_t *a, size_t *b)
{
	struct hidx	*h;
	size_t		 i, j;

	if (n > 16 && (h = calloc(n, sizeof *h)) != NULL) {
		for (i = 0; i < n; i++) {
			h[i].h = json_hash(json_object_array_get_idx(arr, i),
			    0);
			h[i].i = i;
		}
		qsort(h, n, sizeof *h, hidx_cmp);
		for (i = 0; i < n; i++)
			for (j = i + 1; j < n && h[j].h == h[i].h; j++)
				if (json_eq(json_object_array_get_idx(arr,
				    h[i].i), json_object_array_get_idx(arr,
				    h[j].i), 0)) {
					*a = h[i].i;
					*b = h[j].i;
					free(h);
					return 1;
				}
		free(h);
		return 0;
	}
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (json_eq(json_object_array_get_idx(arr, i),
			    json_object_array_get_idx(arr, j), 0)) {
				*a = i;
				*b = j;
				return 1;
			}
	return 0;
}

static int
v_array(struct vctx *v, const struct js_node *n, struct json_object *inst)
{
	size_t	len, i, a, b, matches = 0, mark = v->path.len;
	int	ok = 1;

	if (!json_object_is_type(inst, json_type_array))
		return 1;
	len = json_object_array_length(inst);
	if ((n->has & KW(JS_KW_MINITEMS)) && len < n->min_items) {
		ok = 0;
		v_err(v, "minItems", "must have at least %zu item%s",
		    n->min_items, plural(n->min_items));
	}
	if ((n->has & KW(JS_KW_MAXITEMS)) && len > n->max_items) {
		ok = 0;
		v_err(v, "maxItems", "must have at most %zu item%s",
		    n->max_items, plural(n->max_items));
	}
	if (!ok && v->errors == NULL)
		return 0;
	if (n->unique && find_duplicate(inst, len, &a, &b)) {
		ok = 0;
		v_err(v, "uniqueItems", "must not contain duplicates (items "
		    "%zu and %zu are equal)", a, b);
		if (v->errors == NULL)
			return 0;
	}
	for (i = 0; i < len && (i < n->nprefix || n->items != NULL); i++) {
		v_push_idx(v, i);
		if (!v_node(v, i < n->nprefix ? n->prefix[i] : n->items,
		    json_object_array_get_idx(inst, i), i < n->nprefix ?
		    "prefixItems" : "items"))
			ok = 0;
		sb_trunc(&v->path, mark);
		if (!ok && v->errors == NULL)
			return 0;
	}
	if (n->contains != NULL) {
		a = (n->has & KW(JS_KW_MINCONTAINS)) ? n->min_contains : 1;
		for (i = 0; i < len; i++) {
			if (v_silent(v, n->contains,
			    json_object_array_get_idx(inst, i)))
				matches++;
			/* Without maxContains, enough is enough. */
			if (matches >= a && !(n->has & KW(JS_KW_MAXCONTAINS)))
				break;
		}
		if (matches < a) {
			ok = 0;
			v_err(v, "contains", "must contain at least %zu "
			    "matching item%s", a, plural(a));
		}
		if ((n->has & KW(JS_KW_MAXCONTAINS)) &&
		    matches > n->max_contains) {
			ok = 0;
			v_err(v, "maxContains", "must contain at most %zu "
			    "matching item%s", n->max_contains,
			    plural(n->max_contains));
		}
	}
	return ok;
}

static const struct js_prop *
find_prop(const struct js_prop *props, size_t n, const char *name)
{
	struct js_prop	key;

	if (n == 0)
		return NULL;
	key.name = (char *)(uintptr_t)name;
	return bsearch(&key, props, n, sizeof *props, prop_cmp);
}

/* Per property of inst: properties, patternProperties, additional, names. */
static int
v_members(struct vctx *v, const struct js_node *n, struct json_object *inst)
{
	struct lh_entry		*e;
	struct json_object	*val, *name;
	const struct js_prop	*p;
	const char		*k;
	size_t			 i, mark = v->path.len;
	int			 ok = 1, matched, r;

	lh_foreach(json_object_get_object(inst), e) {
		k = lh_entry_k(e);
		val = (struct json_object *)lh_entry_v(e);
		v_push_key(v, k);
		p = find_prop(n->props, n->nprops, k);
		if (p != NULL && !v_node(v, p->schema, val, "properties"))
			ok = 0;
		matched = p != NULL;
		for (i = 0; i < n->npprops && (ok || v->errors); i++) {
			r = v_match(v, "patternProperties", n->pprops[i].re,
			    k, strlen(k));
			if (r < 0)
				return 0;
			if (r == 0)
				continue;
			matched = 1;
			if (!v_node(v, n->pprops[i].schema, val,
			    "patternProperties"))
				ok = 0;
		}
		if (!matched && n->additional != NULL &&
		    (ok || v->errors) &&
		    !v_node(v, n->additional, val, "additionalProperties"))
			ok = 0;
		if (n->names != NULL && (ok || v->errors)) {
			if ((name = json_object_new_string(k)) == NULL ||
			    !v_silent(v, n->names, name)) {
				ok = 0;
				v_err(v, "propertyNames", "property name "
				    "\"%s\" is not allowed", k);
			}
			json_object_put(name);
		}
		sb_trunc(&v->path, mark);
		if (!ok && v->errors == NULL)
			return 0;
	}
	return ok;
}

static int
v_object(struct vctx *v, const struct js_node *n, struct json_object *inst)
{
	struct json_object	*val;
	size_t			 cnt, i, j, mark = v->path.len;
	int			 ok = 1;

	if (!json_object_is_type(inst, json_type_object))
		return 1;
	cnt = (size_t)json_object_object_length(inst);
	if ((n->has & KW(JS_KW_MINPROPERTIES)) && cnt < n->min_props) {
		ok = 0;
		v_err(v, "minProperties", "must have at least %zu "
		    "propert%s", n->min_props, n->min_props == 1 ? "y" : "ies");
	}
	if ((n->has & KW(JS_KW_MAXPROPERTIES)) && cnt > n->max_props) {
		ok = 0;
		v_err(v, "maxProperties", "must have at most %zu "
		    "propert%s", n->max_props, n->max_props == 1 ? "y" : "ies");
	}
	for (i = 0; i < n->nrequired && (ok || v->errors); i++)
		if (!json_object_object_get_ex(inst, n->required[i], NULL)) {
			ok = 0;
			v_push_key(v, n->required[i]);
			v_err(v, "required", "is required");
			sb_trunc(&v->path, mark);
		}
	for (i = 0; i < n->ndreq && (ok || v->errors); i++) {
		if (!json_object_object_get_ex(inst, n->dreq[i].name, NULL))
			continue;
		for (j = 0; j < n->dreq[i].nreq; j++)
			if (!json_object_object_get_ex(inst,
			    n->dreq[i].req[j], NULL)) {
				ok = 0;
				v_push_key(v, n->dreq[i].req[j]);
				v_err(v, "dependentRequired", "is required "
				    "when \"%s\" is present", n->dreq[i].name);
				sb_trunc(&v->path, mark);
			}
	}
	if (!ok && v->errors == NULL)
		return 0;
	if (n->nprops || n->npprops || n->additional || n->names)
		if (!v_members(v, n, inst))
			ok = 0;
	for (i = 0; i < n->ndschemas && (ok || v->errors); i++)
		if (json_object_object_get_ex(inst, n->dschemas[i].name, &val)
		    && !v_node(v, n->dschemas[i].schema, inst,
		    "dependentSchemas"))
			ok = 0;
	return ok;
}

/* $ref: refuses to re-enter a target on the same instance (a cycle). */
static int
v_ref(struct vctx *v, const struct js_node *n, struct json_object *inst)
{
	size_t	i;
	int	ok;

	for (i = 0; i < v->nstack; i++)
		if (v->stack[i].node == n->ref && v->stack[i].inst == inst) {
			v_err(v, "$ref", "schema loops on itself without "
			    "consuming the instance");
			return 0;
		}
	if (v->nstack == JS_MAX_DEPTH) {
		v_err(v, "$ref", "references nested too deeply");
		return 0;
	}
	v->stack[v->nstack].node = n->ref;
	v->stack[v->nstack].inst = inst;
	v->nstack++;
	ok = v_node(v, n->ref, inst, "$ref");
	v->nstack--;
	return ok;
}

static int
v_applicators(struct vctx *v, const struct js_node *n,
    struct json_object *inst)
{
	size_t	i, matched;
	int	ok = 1;

	if (n->ref != NULL && !v_ref(v, n, inst)) {
		ok = 0;
		if (v->errors == NULL)
			return 0;
	}
	for (i = 0; i < n->nall_of; i++)
		if (!v_node(v, n->all_of[i], inst, "allOf")) {
			ok = 0;
			if (v->errors == NULL)
				return 0;
		}
	if (n->nany_of) {
		for (i = 0; i < n->nany_of; i++)
			if (v_silent(v, n->any_of[i], inst))
				break;
		if (i == n->nany_of) {
			ok = 0;
			v_err(v, "anyOf", "must match at least one schema in "
			    "anyOf");
			if (v->errors == NULL)
				return 0;
		}
	}
	if (n->none_of) {
		for (i = 0, matched = 0; i < n->none_of && matched < 2; i++)
			if (v_silent(v, n->one_of[i], inst))
				matched++;
		if (matched != 1) {
			ok = 0;
			v_err(v, "oneOf", "must match exactly one schema in "
			    "oneOf (%s)", matched ? "matched more than one" :
			    "matched none");
			if (v->errors == NULL)
				return 0;
		}
	}
	if (n->not_ != NULL && v_silent(v, n->not_, inst)) {
		ok = 0;
		v_err(v, "not", "must not match the schema in \"not\"");
		if (v->errors == NULL)
			return 0;
	}
	if (n->if_ != NULL) {
		if (v_silent(v, n->if_, inst)) {
			if (n->then_ != NULL && !v_node(v, n->then_, inst,
			    "then"))
				ok = 0;
		} else if (n->else_ != NULL && !v_node(v, n->else_, inst,
		    "else"))
			ok = 0;
	}
	return ok;
}

/*
 * Validates inst against node n. via names the keyword that applied n,
 * used when n is the schema false. Returns 1 if valid.
 */
static int
v_node(struct vctx *v, const struct js_node *n, struct json_object *inst,
    const char *via)
{
	size_t	i, cnt;
	int	ok = 1;

	if (v->halt)
		return 0;
	if (v->stop != NULL && ++v->ticks % JS_STOP_EVERY == 0 &&
	    v->stop->fn(v->stop->arg)) {
		v->halt = V_STOPPED;
		return 0;
	}
	if (n == NULL || n->kind == JS_NODE_TRUE)
		return 1;
	if (n->kind == JS_NODE_FALSE) {
		v_err(v, via[0] ? via : "false", "is not allowed");
		return 0;
	}
	if (v->depth >= JS_MAX_DEPTH) {
		v_err(v, via[0] ? via : "$ref", "schema applied too deeply "
		    "(more than %d levels)", JS_MAX_DEPTH);
		return 0;
	}
	v->depth++;
	if (n->types && !v_type(v, n, inst)) {
		ok = 0;
		if (v->errors == NULL)
			goto out;
	}
	if ((n->has & KW(JS_KW_CONST)) && !json_eq(n->const_val, inst, 0)) {
		ok = 0;
		v_err(v, "const", "must be equal to the constant");
		if (v->errors == NULL)
			goto out;
	}
	if (n->enum_vals != NULL) {
		cnt = json_object_array_length(n->enum_vals);
		for (i = 0; i < cnt; i++)
			if (json_eq(json_object_array_get_idx(n->enum_vals, i),
			    inst, 0))
				break;
		if (i == cnt) {
			ok = 0;
			v_err(v, "enum", "must be one of the allowed values");
			if (v->errors == NULL)
				goto out;
		}
	}
	if (!v_number(v, n, inst) || !v_string(v, n, inst)) {
		ok = 0;
		if (v->errors == NULL)
			goto out;
	}
	if (!v_array(v, n, inst) || !v_object(v, n, inst)) {
		ok = 0;
		if (v->errors == NULL)
			goto out;
	}
	if (!v_applicators(v, n, inst))
		ok = 0;
out:
	v->depth--;
	return ok;
}

int
js_validate_until(const struct js_schema *s, struct json_object *instance,
    struct json_object *errors, const struct js_stop *stop)
{
	struct vctx	v;	/* the $ref stack is left uninitialised */
	size_t		start = 0, len;
	int		ok;

	if (s == NULL || s->root == NULL)
		return 0;
	v.all = json_object_is_type(errors, json_type_array) ? errors : NULL;
	v.errors = v.all;
	if (v.all != NULL)
		start = json_object_array_length(v.all);
	v.nerrors = 0;
	memset(&v.path, 0, sizeof v.path);
	v.depth = 0;
	v.nstack = 0;
	memset(&v.rx, 0, sizeof v.rx);
	v.rx.stop = stop;
	v.stop = stop;
	v.ticks = 0;
	v.halt = V_GOING;
	v.halt_err = NULL;
	ok = v_node(&v, s->root, instance, "");
	js_matcher_done(&v.rx);
	free(v.path.p);
	if (v.halt == V_GOING)
		return ok;
	/* What a halted walk concluded on the way means nothing. */
	if (v.all != NULL && (len = json_object_array_length(v.all)) > start)
		json_object_array_del_idx(v.all, start, len - start);
	if (v.halt_err != NULL && (v.all == NULL ||
	    json_object_array_add(v.all, v.halt_err) != 0))
		json_object_put(v.halt_err);
	return v.halt == V_STOPPED ? JS_STOPPED : 0;
}

int
js_validate(const struct js_schema *s, struct json_object *instance,
    struct json_object *errors)
{
	return js_validate_until(s, instance, errors, NULL);
}
