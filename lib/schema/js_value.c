/*
 * JSON values as JSON Schema compares them: numbers across json-c's three
 * representations (int64, uint64 above INT64_MAX, double), exactly; JSON
 * equality (1 == 1.0, key order irrelevant) and a hash that agrees with
 * it, for uniqueItems on long arrays.
 */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "js_int.h"


/* Reads a JSON number; returns 0 if o is not a number. */
int
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

double
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
int
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
int
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
void
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
eq(struct json_object *a, struct json_object *b, int depth)
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
			if (!eq(json_object_array_get_idx(a, i),
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
			    !eq((struct json_object *)lh_entry_v(e), bv,
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

/* JSON equality: 1 == 1.0, the order of keys does not matter. */
int
json_eq(struct json_object *a, struct json_object *b)
{
	return eq(a, b, 0);
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
int
json_find_duplicate(struct json_object *arr, size_t n, size_t *a, size_t *b)
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
				    h[j].i))) {
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
			    json_object_array_get_idx(arr, j))) {
				*a = i;
				*b = j;
				return 1;
			}
	return 0;
}

