/*
 * JSON Schema draft 2020-12 validator: a schema is compiled once into an
 * immutable tree (regexes precompiled), then validated against many
 * instances. Keywords outside the supported set are refused at compile time,
 * never ignored. Depends on libc, json-c, PCRE2 and lib/base.
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
 * "path" being a JSON pointer into the schema. When problems of several
 * kinds are found, JS_ERR_NOMEM wins, then JS_ERR_INVALID.
 */
enum js_status	js_compile(struct json_object *schema,
		    struct js_schema **out, struct json_object *errors);

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
