/*
 * JSON Schema draft 2020-12 validator: a schema is compiled once into an
 * immutable tree (regexes precompiled), then validated against many
 * instances. Every keyword of the draft is implemented ($ref, $dynamicRef,
 * $anchor, $id, $vocabulary, unevaluated*, format as annotation or
 * assertion); a keyword of no vocabulary is refused at compile time, never
 * ignored. Nothing is ever fetched: a reference outside the document is
 * only given to the caller's loader, if any. Depends on libc, json-c,
 * PCRE2 and lib/base. The files: lib/schema/js_int.h.
 */
#ifndef ORX_JSONSCHEMA_H
#define ORX_JSONSCHEMA_H

#include <json-c/json.h>

struct js_schema;

enum js_status {
	JS_OK = 0,
	JS_ERR_UNSUPPORTED,	/* valid schema, uses something we refuse */
	JS_ERR_INVALID,		/* not a valid 2020-12 schema */
	JS_ERR_NOMEM,		/* allocation failed */
	JS_ERR__MAX
};

extern const char *const js_status_names[JS_ERR__MAX];

/* At most this many errors are appended by one js_validate call. */
#define JS_MAX_ERRORS	100

/* Nested subschema applications allowed before a branch fails. */
#define JS_MAX_DEPTH	128

/*
 * Compiles schema (borrowed; nothing in the result points into it) into *out
 * (the caller frees it with js_free). On failure *out is NULL, and if errors
 * is a json array, one {"path", "message"} object is appended per problem,
 * "path" being a JSON pointer into the schema (prefixed "<uri>#" inside a
 * document the loader gave). When problems of several kinds are found,
 * JS_ERR_INVALID wins over JS_ERR_UNSUPPORTED.
 *
 * "format" is an annotation, as draft 2020-12 has it by default, unless the
 * schema's meta-schema takes the format-assertion vocabulary.
 */
enum js_status	js_compile(struct json_object *schema,
		    struct js_schema **out, struct json_object *errors);

/*
 * Gives the document at uri (absolute, without a fragment), a new
 * reference the compiled schema keeps; or NULL. For $ref, $dynamicRef and
 * $schema (a meta-schema's $vocabulary) naming no resource of the schema.
 */
typedef struct json_object *(*js_loader_fn)(void *arg, const char *uri);

struct js_options {
	/* "format" asserts, as under the format-assertion vocabulary (an
	 * unknown format is then refused at compile time). */
	int		 assert_formats;
	js_loader_fn	 load;		/* NULL: nothing outside the schema */
	void		*load_arg;
};

/* js_compile with options (opt may be NULL: js_compile's defaults). */
enum js_status	js_compile_with(struct json_object *schema,
		    const struct js_options *opt, struct js_schema **out,
		    struct json_object *errors);

/*
 * Validates instance (borrowed) against a compiled schema: 1 if valid, 0 if
 * not. If errors is a json array, one {"path", "keyword", "message"} object
 * is appended per failing location (at most JS_MAX_ERRORS), "path" being a
 * JSON pointer into the instance; a missing required property is reported
 * at the property's own path. Combinators (anyOf, oneOf, not) and contains,
 * propertyNames report only their own error. A $ref loop that does not
 * consume the instance, or nesting beyond JS_MAX_DEPTH, fails its branch.
 * Safe to call concurrently on one schema.
 */
int		js_validate(const struct js_schema *,
		    struct json_object *instance, struct json_object *errors);

/*
 * Asked now and then while a validation runs (every few hundred schema
 * nodes, and every few dozen starting positions of a pattern match):
 * nonzero means stop now. A run's deadline, for instance.
 */
struct js_stop {
	int	(*fn)(void *arg);
	void	*arg;
};

/* What js_validate_until returns when its stop said so. */
#define JS_STOPPED	(-1)

/*
 * js_validate that can be stopped (stop may be NULL): 1 valid, 0 not,
 * JS_STOPPED if stop->fn answered nonzero, and then errors gets nothing.
 *
 * A pattern that cannot be matched within its limits (see js_regex.h) on
 * some value refuses the instance: the answer is 0, with that one error
 * (keyword "pattern" or "patternProperties", at the value's path).
 */
int		js_validate_until(const struct js_schema *,
		    struct json_object *instance, struct json_object *errors,
		    const struct js_stop *stop);

void		js_free(struct js_schema *);

#endif
