/*
 * The regular expressions of JSON Schema on PCRE2: a pattern is rewritten
 * into PCRE2 syntax (js_ecma.c), compiled once, with JIT where the machine
 * allows it, and matched under limits.
 *
 * "$" is the end of the subject only (PCRE2_DOLLAR_ENDONLY), a
 * backreference to a group that did not take part matches the empty string
 * (PCRE2_MATCH_UNSET_BACKREF). What ECMA accepts but PCRE2 cannot compile
 * (a lookbehind of variable length before PCRE2 10.43) is refused as
 * unsupported, with PCRE2's reason.
 *
 * The compiled pattern starts with a callout, (?C1), so that matching
 * returns to us at every starting position: the caller's stop is asked
 * there, which is how a deadline interrupts a quadratic search.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "arena.h"
#include "buf.h"
#include "js_regex.h"

struct js_regex {
	pcre2_code	*code;
	char		*src;
};

enum js_status
js_regex_compile(const char *src, size_t n, struct js_regex **out,
    char *msg, size_t msgsz)
{
	struct js_regex *re = NULL;
	struct arena a;
	struct buf pcre;
	enum js_status st;
	PCRE2_UCHAR why[160];
	PCRE2_SIZE erroff;
	int err;

	*out = NULL;
	arena_init(&a, 4096);
	if ((st = js_ecma_to_pcre2(&a, src, n, &pcre, msg, msgsz)) != JS_OK)
		goto out;
	st = JS_ERR_NOMEM;
	snprintf(msg, msgsz, "out of memory");
	if ((re = calloc(1, sizeof *re)) == NULL ||
	    (re->src = malloc(n + 1)) == NULL)
		goto out;
	memcpy(re->src, src, n);
	re->src[n] = '\0';
	{
		/* The callout first: matching returns to us at each start. */
		struct buf wrapped;

		buf_init(&wrapped, &a, pcre.len + 16);
		buf_puts(&wrapped, "(?C1)(?:");
		buf_put(&wrapped, pcre.data, pcre.len);
		buf_putc(&wrapped, ')');
		re->code = pcre2_compile((PCRE2_SPTR)wrapped.data, wrapped.len,
		    PCRE2_UTF | PCRE2_NO_UTF_CHECK | PCRE2_DOLLAR_ENDONLY |
		    PCRE2_MATCH_UNSET_BACKREF | PCRE2_NEVER_BACKSLASH_C |
		    PCRE2_NEVER_UCP, &err, &erroff, NULL);
	}
	if (re->code == NULL) {
		pcre2_get_error_message(err, why, sizeof why);
		snprintf(msg, msgsz, "unsupported regular expression: PCRE2 "
		    "cannot compile it (%s)", (const char *)why);
		st = err == PCRE2_ERROR_NOMEMORY ? JS_ERR_NOMEM :
		    JS_ERR_UNSUPPORTED;
		goto out;
	}
	/* Without JIT (no support, or no executable memory) the
	 * interpreter runs it, under the same limits. */
	(void)pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE);
	*out = re;
	re = NULL;
	st = JS_OK;
	msg[0] = '\0';
out:
	js_regex_free(re);
	arena_free(&a);
	return st;
}

const char *
js_regex_source(const struct js_regex *re)
{
	return re->src;
}

void
js_regex_free(struct js_regex *re)
{
	if (re == NULL)
		return;
	pcre2_code_free(re->code);
	free(re->src);
	free(re);
}

/* At each starting position: asks the caller's stop, now and then. */
static int
rx_callout(pcre2_callout_block *cb, void *arg)
{
	struct js_matcher *m = arg;

	(void)cb;
	if (m->stop == NULL || ++m->ticks % JS_RX_STOP_EVERY != 0)
		return 0;
	if (m->stop->fn(m->stop->arg)) {
		m->stopped = 1;
		return PCRE2_ERROR_CALLOUT;
	}
	return 0;
}

enum js_rx_result
js_regex_match(struct js_matcher *m, const struct js_regex *re,
    const char *s, size_t n)
{
	int rc;

	if (m->stopped)
		return JS_RX_STOPPED;
	if (m->md == NULL) {
		if ((m->md = pcre2_match_data_create(1, NULL)) == NULL ||
		    (m->mc = pcre2_match_context_create(NULL)) == NULL)
			return JS_RX_TOO_COMPLEX;
		pcre2_set_match_limit(m->mc, JS_RX_MATCH_LIMIT);
		pcre2_set_heap_limit(m->mc, JS_RX_HEAP_LIMIT_KB);
		pcre2_set_callout(m->mc, rx_callout, m);
	}
	rc = pcre2_match(re->code, (PCRE2_SPTR)s, n, 0, 0, m->md, m->mc);
	if (rc == PCRE2_ERROR_JIT_STACKLIMIT && m->jit == NULL) {
		/* The machine stack's 32 KB were not enough: a stack of our
		 * own, which may grow to a bound. */
		if ((m->jit = pcre2_jit_stack_create(64 * 1024,
		    JS_RX_JIT_STACK_MAX, NULL)) == NULL)
			return JS_RX_TOO_COMPLEX;
		pcre2_jit_stack_assign(m->mc, NULL, m->jit);
		rc = pcre2_match(re->code, (PCRE2_SPTR)s, n, 0, 0, m->md,
		    m->mc);
	}
	if (rc >= 0)
		return JS_RX_MATCH;
	/* Not UTF-8 (json-c's own parser lets that through): no match. */
	if (rc == PCRE2_ERROR_NOMATCH ||
	    (rc <= PCRE2_ERROR_UTF8_ERR1 && rc >= PCRE2_ERROR_UTF8_ERR21))
		return JS_RX_NOMATCH;
	if (m->stopped)
		return JS_RX_STOPPED;
	/* A limit (match, heap, JIT stack) or no memory: no answer. */
	return JS_RX_TOO_COMPLEX;
}

void
js_matcher_done(struct js_matcher *m)
{
	pcre2_match_data_free(m->md);
	pcre2_match_context_free(m->mc);
	pcre2_jit_stack_free(m->jit);
	memset(m, 0, sizeof *m);
}
