/*
 * Validating an instance against a compiled schema (js_compile.c).
 *
 * The walk only reads the tree, so one compiled schema may be used by
 * several threads at once. It reports one error per failing location
 * ({path, keyword, message}: a JSON pointer into the instance, the keyword
 * that failed, a sentence), up to JS_MAX_ERRORS; combinators (anyOf, oneOf,
 * not), contains and propertyNames report their own error only.
 *
 * unevaluatedProperties and unevaluatedItems need to know what the other
 * keywords of their schema, and of the schemas applied in place (allOf,
 * anyOf, oneOf, if/then/else, dependentSchemas, $ref, $dynamicRef),
 * evaluated: a struct js_eval, one bit per member of the instance, goes
 * down to every schema applied in place and comes back merged from those
 * that passed (a failed schema's annotations are dropped). It exists only
 * where some unevaluated* keyword asks for it, and anyOf, oneOf and
 * contains then look at every branch or item instead of stopping early.
 *
 * $dynamicRef: the dynamic scope is the stack of schema resources the
 * evaluation has entered; a $dynamicRef whose first target carries the
 * matching $dynamicAnchor goes to the outermost resource of the scope that
 * has one.
 *
 * Costs are bounded: patterns by their limits (js_regex.c), a caller's
 * stop asked every JS_STOP_EVERY schemas entered, nesting by JS_MAX_DEPTH,
 * and cheap keywords (length) run before costly ones (pattern, format).
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "arena.h"
#include "buf.h"
#include "js_int.h"
#include "js_regex.h"
#include "utf8.h"

/* Why a validation ended before its answer. */
enum v_halt {
	V_GOING = 0,
	V_TOO_COMPLEX,		/* a pattern hit a limit: the value is refused */
	V_STOPPED,		/* the caller's stop said so */
};

/* The keywords each instance type's checks look at. */
#define KW_NUMBER	(KW(JS_KW_MINIMUM) | KW(JS_KW_MAXIMUM) | \
			 KW(JS_KW_EXCLUSIVEMINIMUM) | KW(JS_KW_EXCLUSIVEMAXIMUM) | \
			 KW(JS_KW_MULTIPLEOF))
#define KW_STRING	(KW(JS_KW_MINLENGTH) | KW(JS_KW_MAXLENGTH) | \
			 KW(JS_KW_PATTERN) | KW(JS_KW_FORMAT))
#define KW_ARRAY	(KW(JS_KW_MINITEMS) | KW(JS_KW_MAXITEMS) | \
			 KW(JS_KW_UNIQUEITEMS) | KW(JS_KW_PREFIXITEMS) | \
			 KW(JS_KW_ITEMS) | KW(JS_KW_CONTAINS))
#define KW_OBJECT	(KW(JS_KW_MINPROPERTIES) | KW(JS_KW_MAXPROPERTIES) | \
			 KW(JS_KW_REQUIRED) | KW(JS_KW_DEPENDENTREQUIRED) | \
			 KW(JS_KW_PROPERTIES) | KW(JS_KW_PATTERNPROPERTIES) | \
			 KW(JS_KW_ADDITIONALPROPERTIES) | \
			 KW(JS_KW_PROPERTYNAMES) | KW(JS_KW_DEPENDENTSCHEMAS))
#define KW_IN_PLACE	(KW(JS_KW_REF) | KW(JS_KW_DYNAMICREF) | \
			 KW(JS_KW_ALLOF) | KW(JS_KW_ANYOF) | KW(JS_KW_ONEOF) | \
			 KW(JS_KW_NOT) | KW(JS_KW_IF))

/* Schemas entered between two questions to the caller's stop. */
#define JS_STOP_EVERY	256

/* Which members (properties by position, or items) were evaluated. */
struct js_eval {
	uint64_t	 word;		/* members 0-63 */
	uint64_t	*more;		/* the others, from the arena */
	size_t		 n;
};

struct vctx {
	struct json_object	*errors;	/* NULL: silent, stop early */
	struct json_object	*all;		/* the caller's list, or NULL */
	size_t			 nerrors;
	struct arena		 arena;		/* messages, evaluation bits */
	/* The instance location, as the keys and indices that lead there
	 * (borrowed); written out as a JSON pointer only for an error. */
	struct {
		const char	*key;		/* NULL: an array index */
		size_t		 idx;
	}			 seg[JS_MAX_DEPTH + 2];
	size_t			 nseg;
	int			 depth;
	struct {
		const struct js_node	*node;
		struct json_object	*inst;
	}			 refs[JS_MAX_DEPTH];	/* $refs being followed */
	size_t			 nrefs;
	int			 dynamic;	/* keep the dynamic scope */
	const struct js_resource *scope[JS_MAX_DEPTH + 1];
	size_t			 nscope;
	struct js_matcher	 rx;
	const struct js_stop	*stop;
	unsigned		 ticks;
	enum v_halt		 halt;
	struct json_object	*halt_err;	/* the one error a halt reports */
};

/* ------------------------------------------------------------------ */
/* Evaluated members.                                                  */

static void
ev_init(struct vctx *v, struct js_eval *ev, size_t n)
{
	ev->word = 0;
	ev->n = n;
	ev->more = n > 64 ? arena_calloc(&v->arena, (n - 1) / 64,
	    sizeof *ev->more) : NULL;
}

/* Members of the instance (properties or items); 0 for other values. */
static size_t
members(struct json_object *inst)
{
	if (json_object_is_type(inst, json_type_object))
		return (size_t)json_object_object_length(inst);
	if (json_object_is_type(inst, json_type_array))
		return json_object_array_length(inst);
	return 0;
}

static void
ev_set(struct js_eval *ev, size_t i)
{
	if (ev == NULL || i >= ev->n)
		return;
	if (i < 64)
		ev->word |= (uint64_t)1 << i;
	else
		ev->more[(i - 64) / 64] |= (uint64_t)1 << ((i - 64) % 64);
}

static int
ev_get(const struct js_eval *ev, size_t i)
{
	if (i < 64)
		return (ev->word >> i) & 1;
	return (ev->more[(i - 64) / 64] >> ((i - 64) % 64)) & 1;
}

static void
ev_merge(struct js_eval *dst, const struct js_eval *src)
{
	dst->word |= src->word;
	for (size_t k = 0; dst->n > 64 && k < (dst->n - 1) / 64; k++)
		dst->more[k] |= src->more[k];
}

/* ------------------------------------------------------------------ */
/* Errors and paths.                                                   */

/* The instance path is kept whenever the caller wants errors. */
static size_t
path_mark(const struct vctx *v)
{
	return v->nseg;
}

static void
path_cut(struct vctx *v, size_t mark)
{
	v->nseg = mark;
}

static void
path_key(struct vctx *v, const char *k)
{
	/* Deeper than the validation can go: never used. */
	if (v->all == NULL || v->nseg == sizeof v->seg / sizeof v->seg[0])
		return;
	v->seg[v->nseg].key = k;
	v->seg[v->nseg].idx = 0;
	v->nseg++;
}

static void
path_idx(struct vctx *v, size_t i)
{
	if (v->all == NULL || v->nseg == sizeof v->seg / sizeof v->seg[0])
		return;
	v->seg[v->nseg].key = NULL;
	v->seg[v->nseg].idx = i;
	v->nseg++;
}

static struct json_object *
new_error(struct vctx *v, const char *kw, const char *msg)
{
	struct json_object *e = json_object_new_object();
	struct buf path;
	char b[32];

	buf_init(&path, &v->arena, 64);
	for (size_t i = 0; i < v->nseg; i++) {
		if (v->seg[i].key != NULL)
			ptr_put_token(&path, v->seg[i].key,
			    strlen(v->seg[i].key));
		else {
			snprintf(b, sizeof b, "/%zu", v->seg[i].idx);
			buf_puts(&path, b);
		}
	}
	json_object_object_add(e, "path", json_object_new_string(path.data));
	json_object_object_add(e, "keyword", json_object_new_string(kw));
	json_object_object_add(e, "message", json_object_new_string(msg));
	return e;
}

/*
 * Appends an error at the current instance path. Past JS_MAX_ERRORS the
 * context goes silent for good (the answer is already 0).
 */
static void
v_err(struct vctx *v, const char *kw, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
v_err(struct vctx *v, const char *kw, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	if (v->errors == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	json_object_array_add(v->errors, new_error(v, kw, msg));
	if (++v->nerrors >= JS_MAX_ERRORS)
		v->errors = NULL;
}

static const char *
plural(size_t n)
{
	return n == 1 ? "" : "s";
}

/* A value for a message: its JSON text, cut to fit. */
static void
quote(char *b, size_t sz, struct json_object *o)
{
	const char *t = json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t n = strlen(t);

	if (n < sz)
		memcpy(b, t, n + 1);
	else
		snprintf(b, sz, "%.*s...", (int)(sz - 4), t);
}

/*
 * Ends the validation: pattern re (of keyword kw) could not be matched on
 * the value at the current path within its limits. The value is refused,
 * with this one error.
 */
static void
v_too_complex(struct vctx *v, const char *kw, const struct js_regex *re)
{
	char msg[320];

	v->halt = V_TOO_COMPLEX;
	if (v->all == NULL || v->halt_err != NULL)
		return;
	snprintf(msg, sizeof msg, "is too long or too complex to check "
	    "against the pattern \"%.200s\"", js_regex_source(re));
	v->halt_err = new_error(v, kw, msg);
}

/* Matches a string: 1 or 0, or -1 after halting the validation. */
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

/* ------------------------------------------------------------------ */
/* Keywords.                                                           */

static int	v_node(struct vctx *, const struct js_node *,
		    struct json_object *, const char *, struct js_eval *);

/* Runs n on inst without recording errors; 1 if valid. */
static int
v_silent(struct vctx *v, const struct js_node *n, struct json_object *inst,
    struct js_eval *ev)
{
	struct json_object *saved = v->errors;
	size_t mark = path_mark(v);
	int ok;

	v->errors = NULL;
	ok = v_node(v, n, inst, "", ev);
	v->errors = saved;
	path_cut(v, mark);
	return ok;
}

/* Applies n in place, collecting its annotations into ev when asked. */
static int
v_in_place(struct vctx *v, const struct js_node *n, struct json_object *inst,
    const char *kw, struct js_eval *ev, int silent)
{
	struct js_eval sub;
	int ok;

	if (ev == NULL)
		return silent ? v_silent(v, n, inst, NULL) :
		    v_node(v, n, inst, kw, NULL);
	ev_init(v, &sub, ev->n);
	ok = silent ? v_silent(v, n, inst, &sub) : v_node(v, n, inst, kw, &sub);
	/*
	 * A failed schema's annotations are dropped. While errors are being
	 * reported, though, a failure here already fails the schema that
	 * applied it, so its annotations can only spare a user the extra
	 * "is not an allowed property" of a property that is merely invalid.
	 */
	if (ok || (!silent && v->errors != NULL))
		ev_merge(ev, &sub);
	return ok;
}

static unsigned int
inst_types(struct json_object *o)
{
	double d;

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

/* "must be a string", "must be an integer or null". */
static int
v_type(struct vctx *v, const struct js_node *n, struct json_object *inst)
{
	static const char *const article[JS_T__MAX] = {
		"", "a ", "an ", "an ", "a ", "a ", "an ",
	};
	char buf[160];
	size_t len = 0;
	int t, count = 0, seen = 0;

	if (inst_types(inst) & n->types)
		return 1;
	if (v->errors == NULL)
		return 0;
	for (t = 0; t < JS_T__MAX; t++)
		count += (n->types >> t) & 1;
	buf[0] = '\0';
	for (t = 0; t < JS_T__MAX; t++) {
		if (!(n->types & (1u << t)))
			continue;
		seen++;
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s%s",
		    seen == 1 ? "" : seen == count ? " or " : ", ", article[t],
		    js_type_names[t]);
	}
	v_err(v, "type", "must be %s", buf);
	return 0;
}

static int
v_number(struct vctx *v, const struct js_node *n, struct json_object *inst)
{
	struct js_num x;
	char b[64];
	int ok = 1, r;

	if (!num_get(inst, &x))
		return 1;
	if (n->has & KW(JS_KW_MINIMUM)) {
		r = num_cmp(&x, &n->minimum);
		if (r < 0 || r == 2) {
			ok = 0;
			num_fmt(b, sizeof b, &n->minimum);
			v_err(v, "minimum", "must be at least %s", b);
		}
	}
	if ((n->has & KW(JS_KW_MAXIMUM)) && num_cmp(&x, &n->maximum) > 0) {
		ok = 0;
		num_fmt(b, sizeof b, &n->maximum);
		v_err(v, "maximum", "must be at most %s", b);
	}
	if (n->has & KW(JS_KW_EXCLUSIVEMINIMUM)) {
		r = num_cmp(&x, &n->xminimum);
		if (r <= 0 || r == 2) {
			ok = 0;
			num_fmt(b, sizeof b, &n->xminimum);
			v_err(v, "exclusiveMinimum", "must be greater than %s",
			    b);
		}
	}
	if ((n->has & KW(JS_KW_EXCLUSIVEMAXIMUM)) &&
	    num_cmp(&x, &n->xmaximum) >= 0) {
		ok = 0;
		num_fmt(b, sizeof b, &n->xmaximum);
		v_err(v, "exclusiveMaximum", "must be less than %s", b);
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
	const char *s;
	size_t len, cps;
	int ok = 1;

	if (!json_object_is_type(inst, json_type_string))
		return 1;
	s = json_object_get_string(inst);
	len = (size_t)json_object_get_string_len(inst);
	if (n->has & (KW(JS_KW_MINLENGTH) | KW(JS_KW_MAXLENGTH))) {
		cps = utf8_count(s, len);
		if ((n->has & KW(JS_KW_MINLENGTH)) && cps < n->min_length) {
			ok = 0;
			v_err(v, "minLength", "must be at least %zu character%s "
			    "long", n->min_length, plural(n->min_length));
		}
		if ((n->has & KW(JS_KW_MAXLENGTH)) && cps > n->max_length) {
			ok = 0;
			v_err(v, "maxLength", "must be at most %zu character%s "
			    "long", n->max_length, plural(n->max_length));
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
			v_err(v, "pattern", "must match the pattern \"%.200s\"",
			    js_regex_source(n->pattern));
			if (v->errors == NULL)
				return 0;
			break;
		default:
			return 0;
		}
	}
	if (n->format != JS_FMT__MAX && !js_formats[n->format].check(s, len)) {
		ok = 0;
		v_err(v, "format", "must be %s", js_formats[n->format].noun);
	}
	return ok;
}

static int
v_array(struct vctx *v, const struct js_node *n, struct json_object *inst,
    struct js_eval *ev)
{
	size_t len, i, a, b, matches = 0, mark = path_mark(v);
	int ok = 1, hit;

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
	if (n->unique && json_find_duplicate(inst, len, &a, &b)) {
		ok = 0;
		v_err(v, "uniqueItems", "must not contain the same item twice "
		    "(items %zu and %zu are equal)", a, b);
		if (v->errors == NULL)
			return 0;
	}
	for (i = 0; i < len && (i < n->nprefix || n->items != NULL); i++) {
		path_idx(v, i);
		if (!v_node(v, i < n->nprefix ? n->prefix[i] : n->items,
		    json_object_array_get_idx(inst, i), i < n->nprefix ?
		    "prefixItems" : "items", NULL))
			ok = 0;
		ev_set(ev, i);	/* evaluated (a failure fails n anyway) */
		path_cut(v, mark);
		if (!ok && v->errors == NULL)
			return 0;
	}
	if (n->contains == NULL)
		return ok;
	a = (n->has & KW(JS_KW_MINCONTAINS)) ? n->min_contains : 1;
	for (i = 0; i < len; i++) {
		path_idx(v, i);
		hit = v_silent(v, n->contains, json_object_array_get_idx(inst,
		    i), NULL);
		path_cut(v, mark);
		if (v->halt)
			return 0;
		if (hit) {
			matches++;
			ev_set(ev, i);
		}
		/* Enough is enough, unless some count or annotation needs all. */
		if (matches >= a && !(n->has & KW(JS_KW_MAXCONTAINS)) &&
		    ev == NULL)
			break;
	}
	if (matches < a) {
		ok = 0;
		v_err(v, "contains", a == 1 ? "must contain at least one "
		    "matching item" : "must contain at least %zu matching items",
		    a);
	}
	if ((n->has & KW(JS_KW_MAXCONTAINS)) && matches > n->max_contains) {
		ok = 0;
		v_err(v, "maxContains", "must contain at most %zu matching "
		    "item%s", n->max_contains, plural(n->max_contains));
	}
	return ok;
}

static const struct js_prop *
find_prop(const struct js_prop *props, size_t n, const char *name)
{
	size_t lo = 0, hi = n, mid;
	int r;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((r = strcmp(name, props[mid].name)) == 0)
			return &props[mid];
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* Per property of inst: properties, patternProperties, additional, names. */
static int
v_members(struct vctx *v, const struct js_node *n, struct json_object *inst,
    struct js_eval *ev)
{
	struct lh_entry *e;
	struct json_object *val, *name;
	const struct js_prop *p;
	const char *k;
	size_t i, pos = 0, mark = path_mark(v);
	int ok = 1, matched, r;

	lh_foreach(json_object_get_object(inst), e) {
		k = lh_entry_k(e);
		val = (struct json_object *)lh_entry_v(e);
		path_key(v, k);
		p = find_prop(n->props, n->nprops, k);
		if (p != NULL && !v_node(v, p->schema, val, "properties", NULL))
			ok = 0;
		matched = p != NULL;
		for (i = 0; i < n->npprops && (ok || v->errors); i++) {
			if ((r = v_match(v, "patternProperties",
			    n->pprops[i].re, k, strlen(k))) < 0)
				return 0;
			if (r == 0)
				continue;
			matched = 1;
			if (!v_node(v, n->pprops[i].schema, val,
			    "patternProperties", NULL))
				ok = 0;
		}
		if (!matched && n->additional != NULL && (ok || v->errors)) {
			if (!v_node(v, n->additional, val,
			    "additionalProperties", NULL))
				ok = 0;
			matched = 1;
		}
		if (matched)
			ev_set(ev, pos);
		if (n->names != NULL && (ok || v->errors)) {
			name = json_object_new_string(k);
			if (!v_silent(v, n->names, name, NULL)) {
				ok = 0;
				v_err(v, "propertyNames", "property name \"%.200s\" "
				    "is not allowed", k);
			}
			json_object_put(name);
		}
		path_cut(v, mark);
		pos++;
		if (v->halt || (!ok && v->errors == NULL))
			return 0;
	}
	return ok;
}

static int
v_object(struct vctx *v, const struct js_node *n, struct json_object *inst,
    struct js_eval *ev)
{
	struct json_object *val;
	size_t cnt, i, j, mark = path_mark(v);
	int ok = 1;

	if (!json_object_is_type(inst, json_type_object))
		return 1;
	cnt = (size_t)json_object_object_length(inst);
	if ((n->has & KW(JS_KW_MINPROPERTIES)) && cnt < n->min_props) {
		ok = 0;
		v_err(v, "minProperties", "must have at least %zu propert%s",
		    n->min_props, n->min_props == 1 ? "y" : "ies");
	}
	if ((n->has & KW(JS_KW_MAXPROPERTIES)) && cnt > n->max_props) {
		ok = 0;
		v_err(v, "maxProperties", "must have at most %zu propert%s",
		    n->max_props, n->max_props == 1 ? "y" : "ies");
	}
	for (i = 0; i < n->nrequired && (ok || v->errors); i++)
		if (!json_object_object_get_ex(inst, n->required[i], NULL)) {
			ok = 0;
			path_key(v, n->required[i]);
			v_err(v, "required", "is required");
			path_cut(v, mark);
		}
	for (i = 0; i < n->ndreq && (ok || v->errors); i++) {
		if (!json_object_object_get_ex(inst, n->dreq[i].name, NULL))
			continue;
		for (j = 0; j < n->dreq[i].nreq; j++)
			if (!json_object_object_get_ex(inst,
			    n->dreq[i].req[j], NULL)) {
				ok = 0;
				path_key(v, n->dreq[i].req[j]);
				v_err(v, "dependentRequired", "is required "
				    "when \"%.200s\" is present",
				    n->dreq[i].name);
				path_cut(v, mark);
			}
	}
	if (!ok && v->errors == NULL)
		return 0;
	if ((n->nprops || n->npprops || n->additional || n->names) &&
	    !v_members(v, n, inst, ev))
		ok = 0;
	for (i = 0; i < n->ndschemas && (ok || v->errors); i++)
		if (json_object_object_get_ex(inst, n->dschemas[i].name, &val)
		    && !v_in_place(v, n->dschemas[i].schema, inst,
		    "dependentSchemas", ev, 0))
			ok = 0;
	return ok;
}

/* Follows a reference; refuses to re-enter a target on one instance. */
static int
v_ref(struct vctx *v, const char *kw, const struct js_node *target,
    struct json_object *inst, struct js_eval *ev)
{
	size_t i;
	int ok;

	for (i = 0; i < v->nrefs; i++)
		if (v->refs[i].node == target && v->refs[i].inst == inst) {
			v_err(v, kw, "the schema refers to itself without "
			    "going into the value");
			return 0;
		}
	if (v->nrefs == JS_MAX_DEPTH) {
		v_err(v, kw, "references nested too deeply");
		return 0;
	}
	v->refs[v->nrefs].node = target;
	v->refs[v->nrefs].inst = inst;
	v->nrefs++;
	ok = v_in_place(v, target, inst, kw, ev, 0);
	v->nrefs--;
	return ok;
}

/* Where a $dynamicRef leads in the current dynamic scope. */
static const struct js_node *
v_dynamic_target(const struct vctx *v, const struct js_node *n)
{
	const struct js_node *t;

	if (n->dref_anchor == NULL)
		return n->dref;
	for (size_t i = 0; i < v->nscope; i++)
		if (v->scope[i]->has_dynamic && (t = reg_find_anchor(
		    v->scope[i], n->dref_anchor, 1)) != NULL)
			return t;
	return n->dref;
}

static int
v_applicators(struct vctx *v, const struct js_node *n,
    struct json_object *inst, struct js_eval *ev)
{
	struct js_eval sub, match;
	size_t i, matched;
	int ok = 1, hit;

	if (n->ref != NULL && !v_ref(v, "$ref", n->ref, inst, ev)) {
		ok = 0;
		if (v->errors == NULL)
			return 0;
	}
	if (n->dref != NULL && !v_ref(v, "$dynamicRef", v_dynamic_target(v, n),
	    inst, ev)) {
		ok = 0;
		if (v->errors == NULL)
			return 0;
	}
	for (i = 0; i < n->nall_of; i++)
		if (!v_in_place(v, n->all_of[i], inst, "allOf", ev, 0)) {
			ok = 0;
			if (v->errors == NULL)
				return 0;
		}
	if (n->nany_of) {
		for (i = 0, matched = 0; i < n->nany_of; i++)
			/* With annotations wanted, every branch counts. */
			if (v_in_place(v, n->any_of[i], inst, "anyOf", ev, 1) &&
			    matched++ == 0 && ev == NULL)
				break;
		if (v->halt)
			return 0;
		if (matched == 0) {
			ok = 0;
			v_err(v, "anyOf", "must match at least one of the schemas "
			    "in anyOf");
			if (v->errors == NULL)
				return 0;
		}
	}
	if (n->none_of) {
		if (ev != NULL)
			ev_init(v, &match, ev->n);
		for (i = 0, matched = 0; i < n->none_of && matched < 2; i++) {
			if (ev != NULL)
				ev_init(v, &sub, ev->n);
			hit = v_silent(v, n->one_of[i], inst, ev ? &sub : NULL);
			if (hit && matched++ == 0 && ev != NULL)
				match = sub;
		}
		if (v->halt)
			return 0;
		if (matched != 1) {
			ok = 0;
			v_err(v, "oneOf", "must match exactly one of the schemas in "
			    "oneOf (it matches %s)", matched ? "more than one" :
			    "none");
			if (v->errors == NULL)
				return 0;
		} else if (ev != NULL)
			ev_merge(ev, &match);
	}
	if (n->not_ != NULL) {
		hit = v_silent(v, n->not_, inst, NULL);
		if (v->halt)
			return 0;
		if (hit) {
			ok = 0;
			v_err(v, "not", "must not match the schema in not");
			if (v->errors == NULL)
				return 0;
		}
	}
	if (n->if_ != NULL) {
		hit = v_in_place(v, n->if_, inst, "if", ev, 1);
		if (v->halt)
			return 0;
		if (hit ? n->then_ != NULL && !v_in_place(v, n->then_, inst,
		    "then", ev, 0) : n->else_ != NULL && !v_in_place(v,
		    n->else_, inst, "else", ev, 0))
			ok = 0;
	}
	return ok;
}

/* unevaluatedProperties and unevaluatedItems, once all else has run. */
static int
v_unevaluated(struct vctx *v, const struct js_node *n,
    struct json_object *inst, struct js_eval *ev)
{
	struct lh_entry *e;
	size_t i = 0, len, mark = path_mark(v);
	int ok = 1;

	if (n->uneval_props != NULL &&
	    json_object_is_type(inst, json_type_object)) {
		lh_foreach(json_object_get_object(inst), e) {
			if (!ev_get(ev, i)) {
				path_key(v, lh_entry_k(e));
				if (v_node(v, n->uneval_props, (struct json_object *)
				    lh_entry_v(e), "unevaluatedProperties", NULL))
					ev_set(ev, i);
				else
					ok = 0;
				path_cut(v, mark);
				if (!ok && v->errors == NULL)
					return 0;
			}
			i++;
		}
	}
	if (n->uneval_items != NULL &&
	    json_object_is_type(inst, json_type_array)) {
		len = json_object_array_length(inst);
		for (i = 0; i < len; i++) {
			if (ev_get(ev, i))
				continue;
			path_idx(v, i);
			if (v_node(v, n->uneval_items,
			    json_object_array_get_idx(inst, i),
			    "unevaluatedItems", NULL))
				ev_set(ev, i);
			else
				ok = 0;
			path_cut(v, mark);
			if (!ok && v->errors == NULL)
				return 0;
		}
	}
	return ok;
}

/* The sentence for the schema false, by the keyword that applied it. */
static const char *
v_false(const char *via)
{
	if (strcmp(via, "additionalProperties") == 0 ||
	    strcmp(via, "unevaluatedProperties") == 0)
		return "is not an allowed property";
	if (strcmp(via, "items") == 0 || strcmp(via, "unevaluatedItems") == 0 ||
	    strcmp(via, "prefixItems") == 0)
		return "is not allowed: the array has too many items";
	return "is not allowed";
}

/*
 * Validates inst against n. via names the keyword that applied n (for the
 * schema false's message); ev, if not NULL, gathers what n evaluated of
 * inst. Returns 1 if valid.
 */
static int
v_node(struct vctx *v, const struct js_node *n, struct json_object *inst,
    const char *via, struct js_eval *ev)
{
	struct js_eval local;
	size_t i, cnt, scoped = 0;
	int ok = 1;
	char b[160];

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
		v_err(v, via[0] ? via : "false", "%s", v_false(via));
		return 0;
	}
	if (v->depth >= JS_MAX_DEPTH) {
		v_err(v, via[0] ? via : "$ref", "schema applied too deeply "
		    "(more than %d levels)", JS_MAX_DEPTH);
		return 0;
	}
	v->depth++;
	if (v->dynamic && (v->nscope == 0 ||
	    v->scope[v->nscope - 1] != n->res)) {
		v->scope[v->nscope++] = n->res;
		scoped = 1;
	}
	/* unevaluated* needs to know what everything else evaluated. */
	if (ev == NULL && (n->uneval_props != NULL || n->uneval_items != NULL)) {
		ev_init(v, &local, members(inst));
		ev = &local;
	}
	if (n->types && !v_type(v, n, inst)) {
		ok = 0;
		if (v->errors == NULL)
			goto out;
	}
	if ((n->has & KW(JS_KW_CONST)) && !json_eq(n->const_val, inst)) {
		ok = 0;
		quote(b, sizeof b, n->const_val);
		v_err(v, "const", "must be %s", b);
		if (v->errors == NULL)
			goto out;
	}
	if (n->enum_vals != NULL) {
		cnt = json_object_array_length(n->enum_vals);
		for (i = 0; i < cnt; i++)
			if (json_eq(json_object_array_get_idx(n->enum_vals, i),
			    inst))
				break;
		if (i == cnt) {
			ok = 0;
			quote(b, sizeof b, n->enum_vals);
			v_err(v, "enum", "must be one of %s", b);
			if (v->errors == NULL)
				goto out;
		}
	}
	/* Each check only where the schema has a keyword for it. */
	if (((n->has & KW_NUMBER) && !v_number(v, n, inst)) ||
	    ((n->has & KW_STRING) && !v_string(v, n, inst))) {
		ok = 0;
		if (v->errors == NULL)
			goto out;
	}
	if (((n->has & KW_ARRAY) && !v_array(v, n, inst, ev)) ||
	    ((n->has & KW_OBJECT) && !v_object(v, n, inst, ev))) {
		ok = 0;
		if (v->errors == NULL)
			goto out;
	}
	if ((n->has & KW_IN_PLACE) && !v_applicators(v, n, inst, ev)) {
		ok = 0;
		if (v->errors == NULL)
			goto out;
	}
	if ((n->uneval_props != NULL || n->uneval_items != NULL) &&
	    !v_unevaluated(v, n, inst, ev))
		ok = 0;
out:
	v->nscope -= scoped;
	v->depth--;
	return ok && !v->halt;
}

int
js_validate_until(const struct js_schema *s, struct json_object *instance,
    struct json_object *errors, const struct js_stop *stop)
{
	struct vctx v;	/* the $ref stack and the scope are filled as used */
	size_t start = 0, len;
	int ok;

	if (s == NULL || s->root == NULL)
		return 0;
	v.all = json_object_is_type(errors, json_type_array) ? errors : NULL;
	v.errors = v.all;
	if (v.all != NULL)
		start = json_object_array_length(v.all);
	v.nerrors = 0;
	arena_init(&v.arena, 2048);	/* allocates on first use only */
	v.nseg = 0;
	v.depth = 0;
	v.nrefs = 0;
	v.dynamic = s->dynamic;
	v.nscope = 0;
	memset(&v.rx, 0, sizeof v.rx);
	v.rx.stop = stop;
	v.stop = stop;
	v.ticks = 0;
	v.halt = V_GOING;
	v.halt_err = NULL;
	ok = v_node(&v, s->root, instance, "", NULL);
	js_matcher_done(&v.rx);
	arena_free(&v.arena);
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
