/*
 * The regular expressions of JSON Schema (ECMA-262, unicode mode) on PCRE2.
 *
 * A pattern is parsed as ECMA-262 and rewritten into the PCRE2 syntax
 * that means the same (js_ecma.c: \d, \w, \s and "." by their ECMA
 * definitions, escapes as \x{...}), then compiled once, with JIT where the
 * machine allows it (js_regex.c). A match runs under limits: PCRE2's match limit (backtracking per starting
 * position), a heap limit, a bounded JIT stack, and a callout at every
 * starting position that asks the caller whether to stop (its deadline).
 * So no pattern and no subject can hold the CPU past those bounds.
 */
#ifndef ORX_JS_REGEX_H
#define ORX_JS_REGEX_H

#include <stddef.h>

#include "jsonschema.h"

struct js_regex;

/* Backtracking steps PCRE2 may take from one starting position. */
#define JS_RX_MATCH_LIMIT	1000000
/* Memory the interpreter may use for its backtracking frames (KiB). */
#define JS_RX_HEAP_LIMIT_KB	20000
/* Largest JIT stack a match may grow to. */
#define JS_RX_JIT_STACK_MAX	(8u << 20)
/* Starting positions between two questions to the caller's stop. */
#define JS_RX_STOP_EVERY	64

/*
 * Parses and compiles the ECMA-262 pattern src[0..n). On failure returns
 * JS_ERR_INVALID (not ECMA-262), JS_ERR_UNSUPPORTED (valid, but PCRE2
 * cannot do it: a lone surrogate, a variable-length lookbehind, ...) or
 * JS_ERR_NOMEM, with a sentence in msg.
 */
enum js_status	 js_regex_compile(const char *src, size_t n,
		    struct js_regex **out, char *msg, size_t msgsz);

/* Whether src[0..n) is an ECMA-262 pattern (the "regex" format). */
int		 js_regex_valid(const char *src, size_t n);

/*
 * Rewrites the ECMA-262 pattern src[0..n) into the PCRE2 pattern that
 * means the same (*out, allocated from a); js_ecma.c. Returns JS_OK, or
 * JS_ERR_INVALID / JS_ERR_UNSUPPORTED with a sentence in msg.
 */
struct arena;
struct buf;
enum js_status	 js_ecma_to_pcre2(struct arena *a, const char *src, size_t n,
		    struct buf *out, char *msg, size_t msgsz);

/* The pattern as written. */
const char	*js_regex_source(const struct js_regex *);

void		 js_regex_free(struct js_regex *);

enum js_rx_result {
	JS_RX_NOMATCH = 0,
	JS_RX_MATCH,
	JS_RX_TOO_COMPLEX,	/* a limit was reached: no answer */
	JS_RX_STOPPED,		/* the caller's stop said so */
	JS_RX__MAX
};

/*
 * What matching needs per validation (PCRE2's match data, match context
 * and JIT stack, made on first use), so that a compiled schema stays
 * read-only and may be shared. Zero it before use, js_matcher_done after.
 */
struct js_matcher {
	void		*md;
	void		*mc;
	void		*jit;
	const struct js_stop *stop;
	unsigned	 ticks;
	int		 stopped;
};

/* Matches s[0..n) anywhere, as ECMA-262 does (a string not UTF-8: no match). */
enum js_rx_result js_regex_match(struct js_matcher *, const struct js_regex *,
		    const char *s, size_t n);

void		 js_matcher_done(struct js_matcher *);

#endif
