/*
 * What the files of the JSON Schema validator share: the compiled tree, the
 * schema resources, and the functions one file offers the others.
 *
 *   js_compile.c   keywords into nodes, vocabularies, js_compile_with()
 *   js_resolve.c   URIs (RFC 3986), JSON pointers, resources, $ref targets
 *   js_validate.c  js_validate_until(), annotations, the dynamic scope
 *   js_format.c    the "format" checks
 *   js_ecma.c      ECMA-262 patterns rewritten as PCRE2 patterns
 *   js_regex.c     compiling and matching them on PCRE2, under limits
 *   js_value.c     numbers and JSON equality
 *
 * A compiled schema lives in one arena (struct js_schema.arena): nodes,
 * strings, resources; json-c copies, regexes and loaded documents are
 * released by its cleanups. Nothing in it changes after js_compile, so
 * threads may share it.
 */
#ifndef ORX_JS_INT_H
#define ORX_JS_INT_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "arena.h"
#include "jsonschema.h"

/* ------------------------------------------------------------------ */
/* Vocabularies and keywords.                                          */

enum js_vocab {
	JS_VOC_CORE,
	JS_VOC_APPLICATOR,
	JS_VOC_UNEVALUATED,
	JS_VOC_VALIDATION,
	JS_VOC_METADATA,
	JS_VOC_FORMAT_ANNOTATION,
	JS_VOC_FORMAT_ASSERTION,
	JS_VOC_CONTENT,
	JS_VOC__MAX
};

extern const char *const js_vocab_names[JS_VOC__MAX];

#define VOC(v)		(1u << (v))
/* The vocabularies of the draft 2020-12 meta-schema. */
#define JS_VOC_DEFAULT	(VOC(JS_VOC_CORE) | VOC(JS_VOC_APPLICATOR) | \
			 VOC(JS_VOC_UNEVALUATED) | VOC(JS_VOC_VALIDATION) | \
			 VOC(JS_VOC_METADATA) | VOC(JS_VOC_FORMAT_ANNOTATION) | \
			 VOC(JS_VOC_CONTENT))

/* Every keyword of draft 2020-12, in the order validation applies them. */
enum js_kw {
	JS_KW_SCHEMA,
	JS_KW_ID,
	JS_KW_ANCHOR,
	JS_KW_DYNAMICANCHOR,
	JS_KW_VOCABULARY,
	JS_KW_DEFS,
	JS_KW_COMMENT,
	JS_KW_TITLE,
	JS_KW_DESCRIPTION,
	JS_KW_DEFAULT,
	JS_KW_EXAMPLES,
	JS_KW_DEPRECATED,
	JS_KW_READONLY,
	JS_KW_WRITEONLY,
	JS_KW_CONTENTENCODING,
	JS_KW_CONTENTMEDIATYPE,
	JS_KW_CONTENTSCHEMA,
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
	JS_KW_DYNAMICREF,
	JS_KW_ALLOF,
	JS_KW_ANYOF,
	JS_KW_ONEOF,
	JS_KW_NOT,
	JS_KW_IF,
	JS_KW_THEN,
	JS_KW_ELSE,
	JS_KW_UNEVALUATEDITEMS,
	JS_KW_UNEVALUATEDPROPERTIES,
	JS_KW__MAX
};

struct js_keyword {
	const char	*name;
	enum js_vocab	 vocab;
};

extern const struct js_keyword js_keywords[JS_KW__MAX];

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

extern const char *const js_type_names[JS_T__MAX];

/* ------------------------------------------------------------------ */
/* Numbers (js_value.c): json-c gives int64, uint64 or double.         */

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

int		 num_get(struct json_object *, struct js_num *);
double		 num_dbl(const struct js_num *);
int		 num_cmp(const struct js_num *, const struct js_num *);
int		 num_multiple(const struct js_num *x, const struct js_num *m);
void		 num_fmt(char *buf, size_t sz, const struct js_num *);
int		 json_eq(struct json_object *, struct json_object *);
int		 json_find_duplicate(struct json_object *arr, size_t n,
		    size_t *a, size_t *b);

/* ------------------------------------------------------------------ */
/* Formats (js_format.c).                                              */

enum js_format {
	JS_FMT_DATE_TIME,
	JS_FMT_DATE,
	JS_FMT_TIME,
	JS_FMT_DURATION,
	JS_FMT_EMAIL,
	JS_FMT_IDN_EMAIL,
	JS_FMT_HOSTNAME,
	JS_FMT_IDN_HOSTNAME,
	JS_FMT_IPV4,
	JS_FMT_IPV6,
	JS_FMT_URI,
	JS_FMT_URI_REFERENCE,
	JS_FMT_IRI,
	JS_FMT_IRI_REFERENCE,
	JS_FMT_URI_TEMPLATE,
	JS_FMT_UUID,
	JS_FMT_JSON_POINTER,
	JS_FMT_RELATIVE_JSON_POINTER,
	JS_FMT_REGEX,
	JS_FMT__MAX
};

struct js_format_def {
	const char	*name;
	const char	*noun;		/* "an email address" */
	int		 checked;	/* 0: known, but we cannot assert it */
	int		(*check)(const char *, size_t);
};

extern const struct js_format_def js_formats[JS_FMT__MAX];

/* RFC 3986 pieces the resolver shares with the uri formats. */
int		 uri_is_uri(const char *, size_t);
int		 uri_is_reference(const char *, size_t);

/* ------------------------------------------------------------------ */
/* The compiled tree.                                                  */

enum js_node_kind {
	JS_NODE_TRUE,
	JS_NODE_FALSE,
	JS_NODE_SCHEMA
};

struct js_node;
struct js_regex;

struct js_prop {
	const char	*name;
	struct js_node	*schema;
};

struct js_pprop {
	struct js_regex	*re;
	struct js_node	*schema;
};

struct js_dreq {
	const char	*name;
	const char	**req;
	size_t		 nreq;
};

/* An $anchor or $dynamicAnchor of a resource. */
struct js_anchor {
	const char	*name;
	struct js_node	*node;
	int		 dynamic;
};

/* A schema resource: a document, or a subschema with its own $id. */
struct js_resource {
	const char		*uri;		/* absolute, no fragment */
	struct json_object	*json;		/* its root (borrowed) */
	struct js_node		*root;
	struct js_anchor	*anchors;
	size_t			 nanchors;
	size_t			 capanchors;
	unsigned		 vocab;		/* VOC() bits in effect */
	int			 has_dynamic;	/* has a $dynamicAnchor */
};

struct js_node {
	enum js_node_kind	 kind;
	uint64_t		 has;		/* KW() bits in effect */
	struct js_resource	*res;
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
	enum js_format		 format;	/* JS_FMT__MAX: none asserted */
	size_t			 min_items;
	size_t			 max_items;
	int			 unique;
	struct js_node		**prefix;
	size_t			 nprefix;
	struct js_node		*items;
	struct js_node		*contains;
	size_t			 min_contains;
	size_t			 max_contains;
	struct js_prop		*props;		/* sorted by name */
	size_t			 nprops;
	struct js_pprop		*pprops;
	size_t			 npprops;
	struct js_node		*additional;
	struct js_node		*names;		/* propertyNames */
	const char		**required;
	size_t			 nrequired;
	struct js_dreq		*dreq;
	size_t			 ndreq;
	struct js_prop		*dschemas;	/* dependentSchemas, sorted */
	size_t			 ndschemas;
	size_t			 min_props;
	size_t			 max_props;
	struct js_node		*ref;
	struct js_node		*dref;		/* $dynamicRef, as resolved */
	const char		*dref_anchor;	/* its dynamic anchor, if bookended */
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
	struct js_node		*uneval_items;
	struct js_node		*uneval_props;
};

struct js_schema {
	struct arena		 arena;
	struct js_node		*root;
	int			 dynamic;	/* some $dynamicRef may move */
};

/* ------------------------------------------------------------------ */
/* Resources and references (js_resolve.c), used while compiling.      */

struct js_registry;

struct js_registry *reg_new(struct arena *, const struct js_options *);
void		 reg_free(struct js_registry *);

/*
 * Resolves ref against base (RFC 3986 section 5.2) into an arena string;
 * NULL if either is not a URI reference.
 */
char		*uri_resolve(struct arena *, const char *base, const char *ref);

/* Splits "uri#fragment": the part before '#' (an arena copy) and after. */
char		*uri_split(struct arena *, const char *uri, const char **frag);

/* A new resource, registered under uri (NULL if uri is taken) or not. */
struct js_resource *reg_add(struct js_registry *, const char *uri,
		    struct json_object *json, unsigned vocab);
struct js_resource *reg_resource(struct js_registry *, const char *uri,
		    struct json_object *json, unsigned vocab);
struct js_resource *reg_find(struct js_registry *, const char *uri);
int		 reg_alias(struct js_registry *, const char *uri,
		    struct js_resource *);
void		 reg_anchor(struct js_registry *, struct js_resource *,
		    const char *name, struct js_node *, int dynamic);
struct js_node	*reg_find_anchor(const struct js_resource *, const char *name,
		    int dynamic_only);
void		 reg_map(struct js_registry *, struct json_object *,
		    struct js_node *);
struct js_node	*reg_lookup(struct js_registry *, struct json_object *);
/* The document the options' loader gives for uri, kept; NULL if none. */
struct json_object *reg_load(struct js_registry *, const char *uri);

/*
 * Walks the JSON pointer fragment frag (percent-encoded, as in a URI) from
 * root. Returns the value, or NULL with *bad set when frag is no JSON
 * pointer (0 when it is one that points nowhere).
 */
struct json_object *ptr_walk(struct json_object *root, const char *frag,
		    int *bad);

/* Appends one reference token to a JSON pointer (~ and / escaped). */
struct buf;
void		 ptr_put_token(struct buf *, const char *, size_t);

#endif
