/*
 * Compiling a JSON Schema (draft 2020-12): the document is walked once;
 * each subschema becomes a struct js_node with its keywords checked and
 * converted (numbers, regexes compiled once, formats looked up, property
 * names sorted). Every $id starts a schema resource, every $anchor and
 * $dynamicAnchor is registered in its resource, and each $ref and
 * $dynamicRef is resolved against the base URI where it stands; once the
 * walk is done the references are bound to their targets, which may load
 * documents through the options' loader (never the network) or compile a
 * location no keyword reached.
 *
 * $schema selects the vocabularies: the draft 2020-12 meta-schema's by
 * default; another meta-schema (known to the loader) by its $vocabulary.
 * A keyword of a vocabulary not in effect is an annotation, ignored. A
 * keyword of no vocabulary is refused (JS_ERR_UNSUPPORTED): a misspelt
 * "requird" must not silently check nothing. Every problem is reported
 * with its JSON pointer into the schema.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "arena.h"
#include "buf.h"
#include "js_int.h"
#include "js_regex.h"

const char *const js_status_names[JS_ERR__MAX] = {
	"ok",			/* JS_OK */
	"unsupported",		/* JS_ERR_UNSUPPORTED */
	"invalid",		/* JS_ERR_INVALID */
	"out of memory",	/* JS_ERR_NOMEM */
};

const char *const js_vocab_names[JS_VOC__MAX] = {
	"https://json-schema.org/draft/2020-12/vocab/core",
	"https://json-schema.org/draft/2020-12/vocab/applicator",
	"https://json-schema.org/draft/2020-12/vocab/unevaluated",
	"https://json-schema.org/draft/2020-12/vocab/validation",
	"https://json-schema.org/draft/2020-12/vocab/meta-data",
	"https://json-schema.org/draft/2020-12/vocab/format-annotation",
	"https://json-schema.org/draft/2020-12/vocab/format-assertion",
	"https://json-schema.org/draft/2020-12/vocab/content",
};

const struct js_keyword js_keywords[JS_KW__MAX] = {
	[JS_KW_SCHEMA] = { "$schema", JS_VOC_CORE },
	[JS_KW_ID] = { "$id", JS_VOC_CORE },
	[JS_KW_ANCHOR] = { "$anchor", JS_VOC_CORE },
	[JS_KW_DYNAMICANCHOR] = { "$dynamicAnchor", JS_VOC_CORE },
	[JS_KW_VOCABULARY] = { "$vocabulary", JS_VOC_CORE },
	[JS_KW_DEFS] = { "$defs", JS_VOC_CORE },
	[JS_KW_COMMENT] = { "$comment", JS_VOC_CORE },
	[JS_KW_TITLE] = { "title", JS_VOC_METADATA },
	[JS_KW_DESCRIPTION] = { "description", JS_VOC_METADATA },
	[JS_KW_DEFAULT] = { "default", JS_VOC_METADATA },
	[JS_KW_EXAMPLES] = { "examples", JS_VOC_METADATA },
	[JS_KW_DEPRECATED] = { "deprecated", JS_VOC_METADATA },
	[JS_KW_READONLY] = { "readOnly", JS_VOC_METADATA },
	[JS_KW_WRITEONLY] = { "writeOnly", JS_VOC_METADATA },
	[JS_KW_CONTENTENCODING] = { "contentEncoding", JS_VOC_CONTENT },
	[JS_KW_CONTENTMEDIATYPE] = { "contentMediaType", JS_VOC_CONTENT },
	[JS_KW_CONTENTSCHEMA] = { "contentSchema", JS_VOC_CONTENT },
	[JS_KW_TYPE] = { "type", JS_VOC_VALIDATION },
	[JS_KW_CONST] = { "const", JS_VOC_VALIDATION },
	[JS_KW_ENUM] = { "enum", JS_VOC_VALIDATION },
	[JS_KW_MULTIPLEOF] = { "multipleOf", JS_VOC_VALIDATION },
	[JS_KW_MINIMUM] = { "minimum", JS_VOC_VALIDATION },
	[JS_KW_MAXIMUM] = { "maximum", JS_VOC_VALIDATION },
	[JS_KW_EXCLUSIVEMINIMUM] = { "exclusiveMinimum", JS_VOC_VALIDATION },
	[JS_KW_EXCLUSIVEMAXIMUM] = { "exclusiveMaximum", JS_VOC_VALIDATION },
	[JS_KW_MINLENGTH] = { "minLength", JS_VOC_VALIDATION },
	[JS_KW_MAXLENGTH] = { "maxLength", JS_VOC_VALIDATION },
	[JS_KW_PATTERN] = { "pattern", JS_VOC_VALIDATION },
	/* format-annotation or format-assertion: see c_format */
	[JS_KW_FORMAT] = { "format", JS_VOC_FORMAT_ANNOTATION },
	[JS_KW_MINITEMS] = { "minItems", JS_VOC_VALIDATION },
	[JS_KW_MAXITEMS] = { "maxItems", JS_VOC_VALIDATION },
	[JS_KW_UNIQUEITEMS] = { "uniqueItems", JS_VOC_VALIDATION },
	[JS_KW_PREFIXITEMS] = { "prefixItems", JS_VOC_APPLICATOR },
	[JS_KW_ITEMS] = { "items", JS_VOC_APPLICATOR },
	[JS_KW_CONTAINS] = { "contains", JS_VOC_APPLICATOR },
	[JS_KW_MINCONTAINS] = { "minContains", JS_VOC_VALIDATION },
	[JS_KW_MAXCONTAINS] = { "maxContains", JS_VOC_VALIDATION },
	[JS_KW_PROPERTIES] = { "properties", JS_VOC_APPLICATOR },
	[JS_KW_PATTERNPROPERTIES] = { "patternProperties", JS_VOC_APPLICATOR },
	[JS_KW_ADDITIONALPROPERTIES] = { "additionalProperties",
	    JS_VOC_APPLICATOR },
	[JS_KW_PROPERTYNAMES] = { "propertyNames", JS_VOC_APPLICATOR },
	[JS_KW_REQUIRED] = { "required", JS_VOC_VALIDATION },
	[JS_KW_DEPENDENTREQUIRED] = { "dependentRequired", JS_VOC_VALIDATION },
	[JS_KW_DEPENDENTSCHEMAS] = { "dependentSchemas", JS_VOC_APPLICATOR },
	[JS_KW_MINPROPERTIES] = { "minProperties", JS_VOC_VALIDATION },
	[JS_KW_MAXPROPERTIES] = { "maxProperties", JS_VOC_VALIDATION },
	[JS_KW_REF] = { "$ref", JS_VOC_CORE },
	[JS_KW_DYNAMICREF] = { "$dynamicRef", JS_VOC_CORE },
	[JS_KW_ALLOF] = { "allOf", JS_VOC_APPLICATOR },
	[JS_KW_ANYOF] = { "anyOf", JS_VOC_APPLICATOR },
	[JS_KW_ONEOF] = { "oneOf", JS_VOC_APPLICATOR },
	[JS_KW_NOT] = { "not", JS_VOC_APPLICATOR },
	[JS_KW_IF] = { "if", JS_VOC_APPLICATOR },
	[JS_KW_THEN] = { "then", JS_VOC_APPLICATOR },
	[JS_KW_ELSE] = { "else", JS_VOC_APPLICATOR },
	[JS_KW_UNEVALUATEDITEMS] = { "unevaluatedItems", JS_VOC_UNEVALUATED },
	[JS_KW_UNEVALUATEDPROPERTIES] = { "unevaluatedProperties",
	    JS_VOC_UNEVALUATED },
};

const char *const js_type_names[JS_T__MAX] = {
	"null",		/* JS_T_NULL */
	"boolean",	/* JS_T_BOOLEAN */
	"object",	/* JS_T_OBJECT */
	"array",	/* JS_T_ARRAY */
	"number",	/* JS_T_NUMBER */
	"string",	/* JS_T_STRING */
	"integer",	/* JS_T_INTEGER */
};

#define JS_DRAFT	"https://json-schema.org/draft/2020-12/schema"
/* The base URI of a document that has no $id of its own. */
#define JS_DEFAULT_BASE	"json-schema:///"
#define JS_COMPILE_DEPTH 128

/* A $ref or $dynamicRef waiting for the whole document to be known. */
struct pending {
	struct js_node	*node;
	const char	*uri;		/* absolute, with its fragment */
	const char	*as_written;	/* for messages */
	const char	*path;		/* of the keyword, for errors */
	int		 dynamic;
};

struct cctx {
	struct js_schema	*s;
	struct arena		*a;
	struct js_registry	*reg;
	const struct js_options	*opt;
	struct json_object	*errors;
	struct buf		 path;		/* where in the document */
	const char		*doc;		/* "" or "<uri>#" before paths */
	struct json_object	*doc_root;	/* the document being walked */
	const char		*retrieval;	/* the URI it was loaded by */
	struct js_resource	*res;		/* the resource being walked */
	int			 nunsupported;
	int			 ninvalid;
	int			 depth;
	struct pending		*refs;
	size_t			 nrefs, caprefs;
};

/*
 * Records a compile problem at the current path plus the token kw (if not
 * NULL), counting it by kind.
 */
static void
c_err(struct cctx *c, enum js_status st, const char *kw, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
c_err(struct cctx *c, enum js_status st, const char *kw, const char *fmt, ...)
{
	struct json_object *e;
	char msg[512];
	size_t mark = c->path.len;
	va_list ap;

	if (st == JS_ERR_UNSUPPORTED)
		c->nunsupported++;
	else
		c->ninvalid++;
	if (c->errors == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (kw != NULL)
		ptr_put_token(&c->path, kw, strlen(kw));
	e = json_object_new_object();
	json_object_object_add(e, "path", json_object_new_string(
	    arena_printf(c->a, "%s%s", c->doc, c->path.data)));
	json_object_object_add(e, "message", json_object_new_string(msg));
	json_object_array_add(c->errors, e);
	buf_truncate(&c->path, mark);
}

static struct js_node *
c_new_node(struct cctx *c, enum js_node_kind kind, struct json_object *json)
{
	struct js_node *n = arena_calloc(c->a, 1, sizeof *n);

	n->kind = kind;
	n->format = JS_FMT__MAX;
	n->res = c->res;
	reg_map(c->reg, json, n);
	return n;
}

static struct js_node	*c_schema(struct cctx *, struct json_object *);

/* Compiles the subschema v found under token kw (and idx, if >= 0). */
static struct js_node *
c_sub(struct cctx *c, struct json_object *v, const char *kw, long idx)
{
	struct js_node *n;
	size_t mark = c->path.len;
	char b[32];

	if (kw != NULL)
		ptr_put_token(&c->path, kw, strlen(kw));
	if (idx >= 0) {
		snprintf(b, sizeof b, "%ld", idx);
		ptr_put_token(&c->path, b, strlen(b));
	}
	n = c_schema(c, v);
	buf_truncate(&c->path, mark);
	return n;
}

/* A non-empty array of schemas under kw. */
static void
c_schema_array(struct cctx *c, struct json_object *v, const char *kw,
    struct js_node ***out, size_t *nout)
{
	size_t i, n;

	if (!json_object_is_type(v, json_type_array) ||
	    (n = json_object_array_length(v)) == 0) {
		c_err(c, JS_ERR_INVALID, kw, "must be a non-empty array of "
		    "schemas");
		return;
	}
	*out = arena_calloc(c->a, n, sizeof **out);
	*nout = n;
	for (i = 0; i < n; i++)
		(*out)[i] = c_sub(c, json_object_array_get_idx(v, i), kw,
		    (long)i);
}

/* Reads a non-negative integer (2.0 allowed) into *out. */
static int
c_count(struct cctx *c, struct json_object *v, const char *kw, size_t *out)
{
	struct js_num n;

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

/* An array of unique strings, copied into *out. */
static int
c_strings(struct cctx *c, struct json_object *v, const char *kw,
    const char ***out, size_t *nout)
{
	struct json_object *e;
	size_t i, j, n;

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
			if (json_eq(e, json_object_array_get_idx(v, j))) {
				c_err(c, JS_ERR_INVALID, kw,
				    "must not repeat \"%s\"",
				    json_object_get_string(e));
				return 0;
			}
	}
	*out = arena_calloc(c->a, n ? n : 1, sizeof **out);
	for (i = 0; i < n; i++)
		(*out)[i] = arena_strdup(c->a, json_object_get_string(
		    json_object_array_get_idx(v, i)));
	*nout = n;
	return 1;
}

static void
free_regex(void *re)
{
	js_regex_free(re);
}

/* Compiles an ECMA-262 pattern; problems at the path plus kw (and sub). */
static void
c_regex(struct cctx *c, const char *src, size_t srclen, const char *kw,
    const char *sub, struct js_regex **re)
{
	char msg[320];
	enum js_status st;
	size_t mark = c->path.len;

	if (sub != NULL) {
		ptr_put_token(&c->path, kw, strlen(kw));
		kw = sub;
	}
	if ((st = js_regex_compile(src, srclen, re, msg, sizeof msg)) != JS_OK)
		c_err(c, st, kw, "%s", msg);
	else
		arena_defer(c->a, free_regex, *re);
	buf_truncate(&c->path, mark);
}

static void
put_json(void *o)
{
	json_object_put(o);
}

static int
prop_cmp(const void *a, const void *b)
{
	const struct js_prop *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* properties, dependentSchemas, $defs: an object of schemas, sorted. */
static void
c_schema_map(struct cctx *c, struct json_object *v, const char *kw,
    struct js_prop **out, size_t *nout)
{
	struct lh_entry *e;
	size_t n, i = 0, mark = c->path.len;
	const char *k;

	if (!json_object_is_type(v, json_type_object)) {
		c_err(c, JS_ERR_INVALID, kw, "must be an object of schemas");
		return;
	}
	if ((n = (size_t)json_object_object_length(v)) == 0)
		return;
	*out = arena_calloc(c->a, n, sizeof **out);
	ptr_put_token(&c->path, kw, strlen(kw));
	lh_foreach(json_object_get_object(v), e) {
		k = lh_entry_k(e);
		(*out)[i].name = arena_strdup(c->a, k);
		(*out)[i].schema = c_sub(c, (struct json_object *)
		    lh_entry_v(e), k, -1);
		i++;
	}
	buf_truncate(&c->path, mark);
	*nout = i;
	qsort(*out, i, sizeof **out, prop_cmp);
}

static void
c_pattern_properties(struct cctx *c, struct json_object *v,
    struct js_node *n)
{
	struct lh_entry *e;
	size_t cnt, mark = c->path.len;
	const char *k;

	if (!json_object_is_type(v, json_type_object)) {
		c_err(c, JS_ERR_INVALID, "patternProperties",
		    "must be an object of schemas");
		return;
	}
	if ((cnt = (size_t)json_object_object_length(v)) == 0)
		return;
	n->pprops = arena_calloc(c->a, cnt, sizeof *n->pprops);
	lh_foreach(json_object_get_object(v), e) {
		k = lh_entry_k(e);
		c_regex(c, k, strlen(k), "patternProperties", k,
		    &n->pprops[n->npprops].re);
		ptr_put_token(&c->path, "patternProperties", 17);
		n->pprops[n->npprops].schema = c_sub(c,
		    (struct json_object *)lh_entry_v(e), k, -1);
		buf_truncate(&c->path, mark);
		n->npprops++;
	}
}

static void
c_dependent_required(struct cctx *c, struct json_object *v,
    struct js_node *n)
{
	struct lh_entry *e;
	size_t cnt, mark = c->path.len;

	if (!json_object_is_type(v, json_type_object)) {
		c_err(c, JS_ERR_INVALID, "dependentRequired",
		    "must be an object of string arrays");
		return;
	}
	if ((cnt = (size_t)json_object_object_length(v)) == 0)
		return;
	n->dreq = arena_calloc(c->a, cnt, sizeof *n->dreq);
	ptr_put_token(&c->path, "dependentRequired", 17);
	lh_foreach(json_object_get_object(v), e) {
		n->dreq[n->ndreq].name = arena_strdup(c->a, lh_entry_k(e));
		c_strings(c, (struct json_object *)lh_entry_v(e),
		    lh_entry_k(e), &n->dreq[n->ndreq].req,
		    &n->dreq[n->ndreq].nreq);
		n->ndreq++;
	}
	buf_truncate(&c->path, mark);
}

static void
c_type(struct cctx *c, struct json_object *v, struct js_node *n)
{
	struct json_object *e;
	size_t i, cnt = 1;
	int t;

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
			c_err(c, JS_ERR_INVALID, "type", "unknown type \"%s\"",
			    json_object_get_string(e));
			return;
		}
		if (n->types & (1u << t)) {
			c_err(c, JS_ERR_INVALID, "type", "repeats type \"%s\"",
			    js_type_names[t]);
			return;
		}
		n->types |= 1u << t;
	}
}

/* format: asserted under format-assertion (or the options), else noted. */
static void
c_format(struct cctx *c, struct json_object *v, struct js_node *n)
{
	const char *s;
	int f, assert_ = (c->res->vocab & VOC(JS_VOC_FORMAT_ASSERTION)) ||
	    (c->opt != NULL && c->opt->assert_formats);

	if (!json_object_is_type(v, json_type_string)) {
		c_err(c, JS_ERR_INVALID, "format", "must be a string");
		return;
	}
	if (!assert_)
		return;
	s = json_object_get_string(v);
	for (f = 0; f < JS_FMT__MAX; f++)
		if (strcmp(s, js_formats[f].name) == 0)
			break;
	if (f == JS_FMT__MAX)
		c_err(c, JS_ERR_UNSUPPORTED, "format", "format \"%s\" is not "
		    "known, so it cannot be asserted", s);
	else if (!js_formats[f].checked)
		c_err(c, JS_ERR_UNSUPPORTED, "format", "format \"%s\" cannot "
		    "be asserted here (IDNA 2008's Unicode tables are not "
		    "built in); as an annotation it is accepted", s);
	else
		n->format = (enum js_format)f;
}

/* Queues a $ref or $dynamicRef, resolved against the current base. */
static void
c_ref(struct cctx *c, struct json_object *v, struct js_node *n, int dynamic)
{
	const char *kw = dynamic ? "$dynamicRef" : "$ref";
	struct pending *p;
	char *uri;

	if (!json_object_is_type(v, json_type_string)) {
		c_err(c, JS_ERR_INVALID, kw, "must be a string");
		return;
	}
	if (!uri_is_reference(json_object_get_string(v),
	    (size_t)json_object_get_string_len(v)) ||
	    (uri = uri_resolve(c->a, c->res->uri,
	    json_object_get_string(v))) == NULL) {
		c_err(c, JS_ERR_INVALID, kw, "\"%s\" is not a URI reference",
		    json_object_get_string(v));
		return;
	}
	if (c->nrefs == c->caprefs) {
		c->caprefs = c->caprefs ? c->caprefs * 2 : 16;
		if ((p = realloc(c->refs, c->caprefs * sizeof *p)) == NULL)
			abort();
		c->refs = p;
	}
	p = &c->refs[c->nrefs++];
	p->node = n;
	p->uri = uri;
	p->as_written = arena_strdup(c->a, json_object_get_string(v));
	p->path = arena_printf(c->a, "%s%s/%s", c->doc, c->path.data, kw);
	p->dynamic = dynamic;
}

/* An anchor's name: a plain name fragment (core, section 8.2.2). */
static int
anchor_name(const char *s)
{
	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
	    *s == '_'))
		return 0;
	for (s++; *s != '\0'; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9') || strchr("-_.", *s) != NULL))
			return 0;
	return 1;
}

static void
c_anchor(struct cctx *c, struct json_object *v, struct js_node *n,
    int dynamic)
{
	const char *kw = dynamic ? "$dynamicAnchor" : "$anchor", *name;
	struct js_node *was;

	if (!json_object_is_type(v, json_type_string) ||
	    !anchor_name(name = json_object_get_string(v))) {
		c_err(c, JS_ERR_INVALID, kw, "must be a name: a letter or _, "
		    "then letters, digits, -, _ or .");
		return;
	}
	if ((was = reg_find_anchor(c->res, name, 0)) != NULL) {
		/* $anchor and $dynamicAnchor of one name on one schema */
		if (was != n)
			c_err(c, JS_ERR_INVALID, kw, "\"%s\" names two schemas "
			    "of %s", name, c->res->uri);
		else if (dynamic)
			reg_anchor(c->reg, c->res, name, n, 1);
		return;
	}
	reg_anchor(c->reg, c->res, name, n, dynamic);
}

/*
 * The vocabularies $schema names, for the resource being walked: those of
 * the draft 2020-12 meta-schema, or those another meta-schema declares
 * (read through the loader). An unknown vocabulary it requires cannot be
 * honoured.
 */
static void
c_dialect(struct cctx *c, struct json_object *v)
{
	struct json_object *meta, *vocab;
	struct lh_entry *e;
	const char *uri, *frag, *k;
	unsigned set = VOC(JS_VOC_CORE);
	int i;

	if (!json_object_is_type(v, json_type_string)) {
		c_err(c, JS_ERR_INVALID, "$schema", "must be a string");
		return;
	}
	uri = uri_split(c->a, json_object_get_string(v), &frag);
	if (strcmp(uri, JS_DRAFT) == 0 && frag[0] == '\0') {
		c->res->vocab = JS_VOC_DEFAULT;
		return;
	}
	if ((meta = reg_load(c->reg, uri)) == NULL) {
		c_err(c, JS_ERR_UNSUPPORTED, "$schema", "only draft 2020-12 (%s) "
		    "and meta-schemas known here are supported, not \"%s\"",
		    JS_DRAFT, json_object_get_string(v));
		return;
	}
	if (!json_object_object_get_ex(meta, "$vocabulary", &vocab)) {
		c->res->vocab = JS_VOC_DEFAULT;
		return;
	}
	if (!json_object_is_type(vocab, json_type_object)) {
		c_err(c, JS_ERR_INVALID, "$schema", "the meta-schema's "
		    "$vocabulary is not an object");
		return;
	}
	lh_foreach(json_object_get_object(vocab), e) {
		k = lh_entry_k(e);
		for (i = 0; i < JS_VOC__MAX; i++)
			if (strcmp(k, js_vocab_names[i]) == 0)
				break;
		if (i < JS_VOC__MAX)
			set |= VOC(i);
		else if (json_object_get_boolean((struct json_object *)
		    lh_entry_v(e)))
			c_err(c, JS_ERR_UNSUPPORTED, "$schema", "the meta-schema "
			    "requires the vocabulary %s, which is not "
			    "supported", k);
	}
	c->res->vocab = set;
}

/* The annotation keywords: checked for their type, then dropped. */
static void
c_annotation(struct cctx *c, enum js_kw kw, struct json_object *v)
{
	const char *name = js_keywords[kw].name;

	switch (kw) {
	case JS_KW_COMMENT:
	case JS_KW_TITLE:
	case JS_KW_DESCRIPTION:
	case JS_KW_CONTENTENCODING:
	case JS_KW_CONTENTMEDIATYPE:
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
	case JS_KW_VOCABULARY:
		if (!json_object_is_type(v, json_type_object))
			c_err(c, JS_ERR_INVALID, name, "must be an object");
		break;
	default:	/* default: any value */
		break;
	}
}

/* Copies a JSON value (NULL is JSON null) into the compiled tree. */
static struct json_object *
c_copy(struct cctx *c, struct json_object *v)
{
	struct json_object *out = NULL;

	if (v == NULL)
		return NULL;
	if (json_object_deep_copy(v, &out, NULL) != 0)
		abort();
	arena_defer(c->a, put_json, out);
	return out;
}

/* Compiles one keyword (in effect) of an object schema into n. */
static void
c_keyword(struct cctx *c, enum js_kw kw, struct json_object *v,
    struct js_node *n)
{
	const char *name = js_keywords[kw].name;
	struct js_prop *defs = NULL;
	size_t ndefs = 0;

	n->has |= KW(kw);
	switch (kw) {
	case JS_KW_SCHEMA:
		/* At a resource's root c_dialect read it already. */
		if (n->res->root != n && !json_object_is_type(v,
		    json_type_string))
			c_err(c, JS_ERR_INVALID, name, "must be a string");
		break;
	case JS_KW_ID:
		break;		/* done first, by c_resource */
	case JS_KW_ANCHOR:
		c_anchor(c, v, n, 0);
		break;
	case JS_KW_DYNAMICANCHOR:
		c_anchor(c, v, n, 1);
		break;
	case JS_KW_DEFS:
		/* Compiled for checking and as $ref targets. */
		c_schema_map(c, v, name, &defs, &ndefs);
		break;
	case JS_KW_CONTENTSCHEMA:
		(void)c_sub(c, v, name, -1);	/* an annotation */
		break;
	case JS_KW_TYPE:
		c_type(c, v, n);
		break;
	case JS_KW_CONST:
		n->const_val = c_copy(c, v);
		break;
	case JS_KW_ENUM:
		if (!json_object_is_type(v, json_type_array))
			c_err(c, JS_ERR_INVALID, name, "must be an array");
		else
			n->enum_vals = c_copy(c, v);
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
		if (!json_object_is_type(v, json_type_string))
			c_err(c, JS_ERR_INVALID, name, "must be a string");
		else
			c_regex(c, json_object_get_string(v),
			    (size_t)json_object_get_string_len(v), name, NULL,
			    &n->pattern);
		break;
	case JS_KW_FORMAT:
		c_format(c, v, n);
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
		c_ref(c, v, n, 0);
		break;
	case JS_KW_DYNAMICREF:
		c_ref(c, v, n, 1);
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
	case JS_KW_UNEVALUATEDITEMS:
		n->uneval_items = c_sub(c, v, name, -1);
		break;
	case JS_KW_UNEVALUATEDPROPERTIES:
		n->uneval_props = c_sub(c, v, name, -1);
		break;
	default:
		c_annotation(c, kw, v);
		break;
	}
}

/*
 * $id, and for a document's root its retrieval URI: the schema at j starts
 * a resource, whose vocabularies are its parent's until $schema says
 * otherwise. Returns 0 if j starts none.
 */
static int
c_resource(struct cctx *c, struct json_object *j, struct js_node *n)
{
	struct json_object *id, *schema;
	struct js_resource *res;
	const char *uri = NULL, *frag, *base;
	unsigned vocab = c->res != NULL ? c->res->vocab : JS_VOC_DEFAULT;

	base = c->res != NULL ? c->res->uri : c->retrieval;
	if (json_object_object_get_ex(j, "$id", &id)) {
		if (!json_object_is_type(id, json_type_string) ||
		    !uri_is_reference(json_object_get_string(id),
		    (size_t)json_object_get_string_len(id)) ||
		    (uri = uri_resolve(c->a, base,
		    json_object_get_string(id))) == NULL)
			c_err(c, JS_ERR_INVALID, "$id", "must be a URI "
			    "reference");
		else {
			uri = uri_split(c->a, uri, &frag);
			if (frag[0] != '\0') {
				c_err(c, JS_ERR_INVALID, "$id", "must not have a "
				    "fragment (name a location with $anchor)");
				uri = NULL;
			}
		}
	}
	/* A document always is a resource, if only to report its errors. */
	if (uri == NULL && j == c->doc_root)
		uri = c->retrieval;
	if (uri == NULL)
		return 0;
	if ((res = reg_add(c->reg, uri, j, vocab)) == NULL) {
		c_err(c, JS_ERR_INVALID, "$id", "\"%s\" identifies two schemas",
		    uri);
		if (j != c->doc_root)
			return 0;
		res = reg_resource(c->reg, uri, j, vocab);
	}
	if (j == c->doc_root && strcmp(uri, c->retrieval) != 0)
		reg_alias(c->reg, c->retrieval, res);
	res->root = n;
	n->res = res;
	c->res = res;
	if (json_object_object_get_ex(j, "$schema", &schema))
		c_dialect(c, schema);
	return 1;
}

/*
 * Compiles the schema j found at the current path. Returns its node (in
 * c->s's arena), or NULL after reporting why.
 */
static struct js_node *
c_schema(struct cctx *c, struct json_object *j)
{
	struct js_resource *outer = c->res;
	struct js_node *n;
	struct lh_entry *e;
	const char *k;
	int kw;

	if (json_object_is_type(j, json_type_boolean)) {
		n = c_new_node(c, json_object_get_boolean(j) ?
		    JS_NODE_TRUE : JS_NODE_FALSE, j);
		if (j == c->doc_root)
			c_resource(c, j, n);
		c->res = outer;
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
	n = c_new_node(c, JS_NODE_SCHEMA, j);
	/* $schema takes effect at a resource's root only; elsewhere (a
	 * validate step's schema, once put under allOf) it is not looked at. */
	c_resource(c, j, n);
	c->depth++;
	lh_foreach(json_object_get_object(j), e) {
		k = lh_entry_k(e);
		for (kw = 0; kw < JS_KW__MAX; kw++)
			if (strcmp(k, js_keywords[kw].name) == 0)
				break;
		if (kw == JS_KW__MAX)
			c_err(c, JS_ERR_UNSUPPORTED, k, "unknown keyword \"%s\"",
			    k);
		else if (kw == JS_KW_FORMAT ? (c->res->vocab &
		    (VOC(JS_VOC_FORMAT_ANNOTATION) |
		    VOC(JS_VOC_FORMAT_ASSERTION))) != 0 :
		    (c->res->vocab & VOC(js_keywords[kw].vocab)) != 0)
			c_keyword(c, (enum js_kw)kw,
			    (struct json_object *)lh_entry_v(e), n);
		/* else: a vocabulary not in effect; an annotation */
	}
	c->depth--;
	c->res = outer;
	return n;
}

/* Walks a document (the root, or one the loader gave for uri). */
static struct js_node *
c_document(struct cctx *c, struct json_object *doc, const char *uri,
    const char *prefix)
{
	struct js_resource *res = c->res;
	struct json_object *saved_root = c->doc_root;
	const char *saved_doc = c->doc, *saved_retr = c->retrieval;
	struct buf saved_path = c->path;
	struct js_node *n;

	c->doc_root = doc;
	c->retrieval = uri;
	c->doc = prefix;
	c->res = NULL;
	buf_init(&c->path, c->a, 64);
	n = c_schema(c, doc);
	c->path = saved_path;
	c->doc_root = saved_root;
	c->doc = saved_doc;
	c->retrieval = saved_retr;
	c->res = res;
	return n;
}

/* Binds one queued reference to its target, loading or compiling it. */
static void
c_resolve(struct cctx *c, const struct pending *p)
{
	const char *kw = p->dynamic ? "$dynamicRef" : "$ref", *frag;
	struct json_object *doc, *target;
	struct js_resource *res;
	struct js_node *t;
	char *base;
	int bad;

	base = uri_split(c->a, p->uri, &frag);
	if ((res = reg_find(c->reg, base)) == NULL &&
	    (doc = reg_load(c->reg, base)) != NULL) {
		c_document(c, doc, base, arena_printf(c->a, "%s#", base));
		res = reg_find(c->reg, base);
	}
	if (res == NULL) {
		c_err(c, JS_ERR_UNSUPPORTED, NULL, "%s \"%s\": no schema of "
		    "this document has %s%s, and none is ever fetched", kw,
		    p->as_written, strcmp(base, p->as_written) == 0 ? "that URI" :
		    "the URI ", strcmp(base, p->as_written) == 0 ? "" : base);
		return;
	}
	if (frag[0] == '\0')
		t = res->root;
	else if (frag[0] == '/' || frag[0] == '%') {
		target = ptr_walk(res->json, frag, &bad);
		if (target == NULL) {
			c_err(c, JS_ERR_INVALID, NULL, "%s \"%s\" %s", kw,
			    p->as_written, bad ? "is not a valid JSON pointer" :
			    "points to nothing");
			return;
		}
		if ((t = reg_lookup(c->reg, target)) == NULL) {
			/* A location no keyword led to: compile it there. */
			struct js_resource *saved = c->res;
			struct buf saved_path = c->path;
			const char *saved_doc = c->doc;

			c->res = res;
			c->doc = c->s->root != NULL && res == c->s->root->res ? "" :
			    arena_printf(c->a, "%s#", res->uri);
			buf_init(&c->path, c->a, 64);
			buf_puts(&c->path, frag);
			t = c_schema(c, target);
			c->path = saved_path;
			c->doc = saved_doc;
			c->res = saved;
		}
	} else if ((t = reg_find_anchor(res, frag, 0)) == NULL) {
		c_err(c, JS_ERR_INVALID, NULL, "%s \"%s\": no $anchor or "
		    "$dynamicAnchor \"%s\" in its schema resource", kw,
		    p->as_written, frag);
		return;
	}
	if (!p->dynamic) {
		p->node->ref = t;
		return;
	}
	p->node->dref = t;
	/* Only a dynamic anchor at the first target makes it dynamic. */
	if (frag[0] != '/' && frag[0] != '\0' &&
	    reg_find_anchor(res, frag, 1) == t) {
		p->node->dref_anchor = arena_strdup(c->a, frag);
		c->s->dynamic = 1;
	}
}

enum js_status
js_compile_with(struct json_object *schema, const struct js_options *opt,
    struct js_schema **out, struct json_object *errors)
{
	struct js_schema *s;
	struct cctx c;
	size_t i;
	struct buf at;
	enum js_status st;

	*out = NULL;
	if ((s = calloc(1, sizeof *s)) == NULL)
		return JS_ERR_NOMEM;
	arena_init(&s->arena, 8192);
	memset(&c, 0, sizeof c);
	c.s = s;
	c.a = &s->arena;
	c.opt = opt;
	c.reg = reg_new(c.a, opt);
	c.errors = json_object_is_type(errors, json_type_array) ? errors :
	    NULL;
	c.doc = "";
	s->root = c_document(&c, schema, JS_DEFAULT_BASE, "");
	/* Binding may compile more, which may queue more references. */
	for (i = 0; i < c.nrefs; i++) {
		struct pending p = c.refs[i];	/* c.refs may move meanwhile */

		at = c.path;
		buf_init(&c.path, c.a, 64);
		buf_puts(&c.path, p.path);
		c_resolve(&c, &p);
		c.path = at;
	}
	reg_free(c.reg);
	free(c.refs);
	if (c.ninvalid || s->root == NULL)
		st = JS_ERR_INVALID;
	else if (c.nunsupported)
		st = JS_ERR_UNSUPPORTED;
	else {
		*out = s;
		return JS_OK;
	}
	js_free(s);
	return st;
}

enum js_status
js_compile(struct json_object *schema, struct js_schema **out,
    struct json_object *errors)
{
	return js_compile_with(schema, NULL, out, errors);
}

void
js_free(struct js_schema *s)
{
	if (s == NULL)
		return;
	arena_free(&s->arena);
	free(s);
}
