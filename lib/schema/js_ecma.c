/*
 * ECMA-262 patterns (unicode mode, the "u" flag that JSON Schema implies),
 * read by a parser that follows ECMA-262's Pattern grammar and writes, as
 * it goes, the PCRE2 pattern that means the same thing (js_regex.c compiles
 * and runs it). Most of the syntax is common to both; what differs is
 * rewritten:
 *   - "." excludes exactly the ECMA line terminators (\n \r U+2028 U+2029);
 *   - \d \w are ASCII, \s is ECMA's white space and line terminators, as
 *     explicit classes (PCRE2 without UCP would make \s ASCII only);
 *   - every escaped or class character is written \x{...}, so PCRE2's own
 *     escapes (\v is a class there, \a \e \z \Q ... do not exist in ECMA)
 *     never come into play; backreferences become \g{N};
 *   - \p{General_Category=Letter} and the long category names become the
 *     short ones PCRE2 knows;
 *   - [] matches nothing and [^] any character, as in ECMA;
 *   - a lone surrogate (\uD800) cannot occur in UTF-8 text: it matches
 *     nothing.
 * A syntax error is JS_ERR_INVALID; a count above PCRE2's 65535, or groups
 * nested too deeply, JS_ERR_UNSUPPORTED.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "crypto.h"
#include "js_regex.h"
#include "utf8.h"

#define RX_MAX_NEST	200	/* groups inside groups */
#define RX_MAX_COUNT	65535	/* PCRE2's largest {n,m} */
#define RX_MAX_CP	0x10FFFF

/* ECMA-262 WhiteSpace and LineTerminator, the set of \s. */
static const uint32_t rx_space[][2] = {
	{ 0x09, 0x0D }, { 0x20, 0x20 }, { 0xA0, 0xA0 }, { 0x1680, 0x1680 },
	{ 0x2000, 0x200A }, { 0x2028, 0x2029 }, { 0x202F, 0x202F },
	{ 0x205F, 0x205F }, { 0x3000, 0x3000 }, { 0xFEFF, 0xFEFF },
};
static const uint32_t rx_digit[][2] = { { '0', '9' } };
static const uint32_t rx_word[][2] = {
	{ '0', '9' }, { 'A', 'Z' }, { '_', '_' }, { 'a', 'z' },
};

/* The General_Category names ECMA accepts, long and short (UAX #44). */
static const struct {
	const char	*name;
	const char	*pcre;
} rx_gc[] = {
	{ "C", "C" }, { "Other", "C" }, { "Cc", "Cc" }, { "Control", "Cc" },
	{ "cntrl", "Cc" }, { "Cf", "Cf" }, { "Format", "Cf" },
	{ "Cn", "Cn" }, { "Unassigned", "Cn" }, { "Co", "Co" },
	{ "Private_Use", "Co" }, { "Cs", "Cs" }, { "Surrogate", "Cs" },
	{ "L", "L" }, { "Letter", "L" }, { "LC", "L&" },
	{ "Cased_Letter", "L&" }, { "Ll", "Ll" }, { "Lowercase_Letter", "Ll" },
	{ "Lm", "Lm" }, { "Modifier_Letter", "Lm" }, { "Lo", "Lo" },
	{ "Other_Letter", "Lo" }, { "Lt", "Lt" }, { "Titlecase_Letter", "Lt" },
	{ "Lu", "Lu" }, { "Uppercase_Letter", "Lu" }, { "M", "M" },
	{ "Mark", "M" }, { "Combining_Mark", "M" }, { "Mc", "Mc" },
	{ "Spacing_Mark", "Mc" }, { "Me", "Me" }, { "Enclosing_Mark", "Me" },
	{ "Mn", "Mn" }, { "Nonspacing_Mark", "Mn" }, { "N", "N" },
	{ "Number", "N" }, { "Nd", "Nd" }, { "Decimal_Number", "Nd" },
	{ "digit", "Nd" }, { "Nl", "Nl" }, { "Letter_Number", "Nl" },
	{ "No", "No" }, { "Other_Number", "No" }, { "P", "P" },
	{ "Punctuation", "P" }, { "punct", "P" }, { "Pc", "Pc" },
	{ "Connector_Punctuation", "Pc" }, { "Pd", "Pd" },
	{ "Dash_Punctuation", "Pd" }, { "Pe", "Pe" },
	{ "Close_Punctuation", "Pe" }, { "Pf", "Pf" },
	{ "Final_Punctuation", "Pf" }, { "Pi", "Pi" },
	{ "Initial_Punctuation", "Pi" }, { "Po", "Po" },
	{ "Other_Punctuation", "Po" }, { "Ps", "Ps" },
	{ "Open_Punctuation", "Ps" }, { "S", "S" }, { "Symbol", "S" },
	{ "Sc", "Sc" }, { "Currency_Symbol", "Sc" }, { "Sk", "Sk" },
	{ "Modifier_Symbol", "Sk" }, { "Sm", "Sm" }, { "Math_Symbol", "Sm" },
	{ "So", "So" }, { "Other_Symbol", "So" }, { "Z", "Z" },
	{ "Separator", "Z" }, { "Zl", "Zl" }, { "Line_Separator", "Zl" },
	{ "Zp", "Zp" }, { "Paragraph_Separator", "Zp" }, { "Zs", "Zs" },
	{ "Space_Separator", "Zs" },
};

/* A name seen in the pattern: a group's, or one a \k<...> refers to. */
struct rx_name {
	const char	*p;
	size_t		 n;
	size_t		 at;
};

struct rx {
	const char	*src;
	size_t		 len;
	size_t		 pos;
	struct buf	 out;
	struct arena	*arena;
	enum js_status	 st;
	char		 msg[160];
	size_t		 at;		/* offset of the problem */
	int		 nest;
	unsigned	 ngroups;
	unsigned	 maxref;	/* highest \N */
	size_t		 maxref_at;
	struct rx_name	*names, *refs;
	size_t		 nnames, nrefs, capnames, caprefs;
};

/*
 * Records a problem at the current offset; returns 0. A syntax error
 * (JS_ERR_INVALID) stops the parse and wins over an unsupported feature
 * seen before it; parsing goes on past an unsupported feature, so an
 * invalid pattern is always reported as invalid.
 */
static int
rx_fail(struct rx *x, enum js_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
rx_fail(struct rx *x, enum js_status st, const char *fmt, ...)
{
	va_list ap;

	if (x->st == JS_ERR_INVALID ||
	    (x->st == JS_ERR_UNSUPPORTED && st == JS_ERR_UNSUPPORTED))
		return 0;
	x->st = st;
	x->at = x->pos;
	va_start(ap, fmt);
	vsnprintf(x->msg, sizeof x->msg, fmt, ap);
	va_end(ap);
	return 0;
}

static int
rx_stop(const struct rx *x)
{
	return x->st == JS_ERR_INVALID;
}

static int
rx_peek(const struct rx *x, size_t ahead)
{
	return x->pos + ahead < x->len ?
	    (unsigned char)x->src[x->pos + ahead] : -1;
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Writes code point cp as \x{...}, which PCRE2 reads as that character. */
static void
rx_put_cp(struct rx *x, uint32_t cp)
{
	buf_printf(&x->out, "\\x{%x}", (unsigned)cp);
}

/* Writes [lo, hi] inside a class, leaving out the surrogates. */
static void
rx_put_range(struct rx *x, uint32_t lo, uint32_t hi)
{
	if (lo <= 0xDFFF && hi >= 0xD800) {
		if (lo < 0xD800)
			rx_put_range(x, lo, 0xD7FF);
		if (hi > 0xDFFF)
			rx_put_range(x, 0xE000, hi);
		return;
	}
	rx_put_cp(x, lo);
	if (hi > lo) {
		buf_putc(&x->out, '-');
		rx_put_cp(x, hi);
	}
}

/* Writes a set of sorted ranges, or its complement, inside a class. */
static void
rx_put_set(struct rx *x, const uint32_t (*r)[2], size_t n, int negate)
{
	uint32_t next = 0;

	for (size_t i = 0; i < n; i++) {
		if (!negate)
			rx_put_range(x, r[i][0], r[i][1]);
		else if (r[i][0] > next)
			rx_put_range(x, next, r[i][0] - 1);
		next = r[i][1] + 1;
	}
	if (negate && next <= RX_MAX_CP)
		rx_put_range(x, next, RX_MAX_CP);
}

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* Writes \d \D \w \W \s or \S (c) inside a class. */
static void
rx_put_class_escape(struct rx *x, int c)
{
	int neg = c >= 'A' && c <= 'Z';

	switch (c | 0x20) {
	case 'd':
		rx_put_set(x, rx_digit, NELEM(rx_digit), neg);
		break;
	case 'w':
		rx_put_set(x, rx_word, NELEM(rx_word), neg);
		break;
	default:
		rx_put_set(x, rx_space, NELEM(rx_space), neg);
		break;
	}
}

/*
 * Reads n (2 or 4) hex digits at the current offset into *v; 0 if they are
 * not there.
 */
static int
rx_hex(struct rx *x, size_t n, int32_t *v)
{
	unsigned char b[2];

	if (x->len - x->pos < n ||
	    crypto_hex_decode(x->src + x->pos, n, b, sizeof b) != (int)(n / 2))
		return 0;
	x->pos += n;
	*v = n == 2 ? b[0] : (int32_t)(b[0] << 8 | b[1]);
	return 1;
}

static int
rx_hexdigit(int c)
{
	return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

/*
 * After "\u": \uHHHH (a surrogate pair joined) or \u{H...}. Returns the
 * code point, or -1 after reporting why.
 */
static int32_t
rx_unicode_escape(struct rx *x)
{
	char digits[8];
	unsigned char b[4];
	int32_t v, lo;
	size_t save, nd = 0, i;

	if (rx_peek(x, 0) == '{') {
		x->pos++;
		while (rx_peek(x, 0) == '0' && rx_hexdigit(rx_peek(x, 1)))
			x->pos++;	/* leading zeros: any number */
		while (rx_peek(x, 0) >= 0 && rx_hexdigit(rx_peek(x, 0)) &&
		    nd < 7)
			digits[1 + nd++] = x->src[x->pos++];
		if (nd == 0 || nd > 6 || rx_peek(x, 0) != '}') {
			rx_fail(x, JS_ERR_INVALID, "invalid \\u{...} escape");
			return -1;
		}
		x->pos++;
		/* An odd count decodes with a leading zero. */
		digits[0] = '0';
		i = nd % 2 ? 0 : 1;
		if (crypto_hex_decode(digits + i, nd + (1 - i), b, sizeof b) < 0)
			return -1;
		for (v = 0, i = 0; i < (nd + 1) / 2; i++)
			v = v << 8 | b[i];
		if (v > RX_MAX_CP) {
			rx_fail(x, JS_ERR_INVALID, "\\u{...} above U+10FFFF");
			return -1;
		}
		return v;
	}
	if (!rx_hex(x, 4, &v)) {
		rx_fail(x, JS_ERR_INVALID, "invalid \\u escape");
		return -1;
	}
	if (v >= 0xD800 && v <= 0xDBFF && rx_peek(x, 0) == '\\' &&
	    rx_peek(x, 1) == 'u') {
		save = x->pos;
		x->pos += 2;
		if (rx_hex(x, 4, &lo) && lo >= 0xDC00 && lo <= 0xDFFF)
			return 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
		x->pos = save;
	}
	return v;
}

/* What an escape turned out to be. */
enum rx_esc {
	RX_E_FAIL,	/* reported */
	RX_E_CHAR,	/* one code point, in *cp, nothing written yet */
	RX_E_SET,	/* a set (\d, \p{...}), written */
	RX_E_DONE,	/* an assertion or a backreference, written */
};

/*
 * After "\p" or "\P" (neg): {Name}, {Name=Value} or {Value}, written as
 * the PCRE2 property that names the same set.
 */
static enum rx_esc
rx_property(struct rx *x, int neg)
{
	const char *name, *eq, *value;
	size_t start, n, vn, i;
	char key[32];

	if (rx_peek(x, 0) != '{')
		return rx_fail(x, JS_ERR_INVALID, "\\%c needs {...}",
		    neg ? 'P' : 'p'), RX_E_FAIL;
	start = ++x->pos;
	while (rx_peek(x, 0) >= 0 && (is_alpha(rx_peek(x, 0)) ||
	    is_digit(rx_peek(x, 0)) || rx_peek(x, 0) == '_' ||
	    rx_peek(x, 0) == '='))
		x->pos++;
	if (rx_peek(x, 0) != '}' || x->pos == start)
		return rx_fail(x, JS_ERR_INVALID, "invalid Unicode property "
		    "escape"), RX_E_FAIL;
	name = x->src + start;
	n = x->pos - start;
	x->pos++;
	eq = memchr(name, '=', n);
	value = eq != NULL ? eq + 1 : name;
	vn = eq != NULL ? n - (size_t)(value - name) : n;
	if (eq != NULL) {
		snprintf(key, sizeof key, "%.*s", (int)(eq - name), name);
		if (strcmp(key, "Script") == 0 || strcmp(key, "sc") == 0 ||
		    strcmp(key, "Script_Extensions") == 0 ||
		    strcmp(key, "scx") == 0) {
			buf_printf(&x->out, "\\%c{%s=%.*s}", neg ? 'P' : 'p',
			    key[1] == 'c' || key[6] == '_' ? "scx" : "sc",
			    (int)vn, value);
			return RX_E_SET;
		}
		if (strcmp(key, "General_Category") != 0 &&
		    strcmp(key, "gc") != 0)
			return rx_fail(x, JS_ERR_INVALID, "unknown Unicode "
			    "property %s", key), RX_E_FAIL;
	}
	for (i = 0; i < NELEM(rx_gc); i++)
		if (strlen(rx_gc[i].name) == vn &&
		    memcmp(rx_gc[i].name, value, vn) == 0) {
			buf_printf(&x->out, "\\%c{%s}", neg ? 'P' : 'p',
			    rx_gc[i].pcre);
			return RX_E_SET;
		}
	if (eq != NULL)
		return rx_fail(x, JS_ERR_INVALID, "unknown General_Category "
		    "%.*s", (int)vn, value), RX_E_FAIL;
	if (vn == 8 && memcmp(value, "Assigned", 8) == 0) {
		buf_printf(&x->out, "\\%c{Cn}", neg ? 'p' : 'P');
		return RX_E_SET;
	}
	/* A binary property (Alphabetic, White_Space, ...): PCRE2 checks it. */
	buf_printf(&x->out, "\\%c{%.*s}", neg ? 'P' : 'p', (int)vn, value);
	return RX_E_SET;
}

/* Records a group name (a definition, or with ref set a \k<...> use). */
static int
rx_name(struct rx *x, int ref)
{
	struct rx_name **list = ref ? &x->refs : &x->names, *grown;
	size_t *cnt = ref ? &x->nrefs : &x->nnames;
	size_t *cap = ref ? &x->caprefs : &x->capnames;
	size_t start = x->pos, at = x->pos;
	int c;

	while ((c = rx_peek(x, 0)) >= 0 && c != '>') {
		if (!(is_alpha(c) || c == '_' || c == '$' || c >= 0x80 ||
		    (is_digit(c) && x->pos > start)))
			return rx_fail(x, JS_ERR_INVALID, "invalid group name");
		x->pos++;
	}
	if (c != '>' || x->pos == start)
		return rx_fail(x, JS_ERR_INVALID, "invalid group name");
	if (!ref)
		for (size_t i = 0; i < x->nnames; i++)
			if (x->names[i].n == x->pos - start &&
			    memcmp(x->names[i].p, x->src + start,
			    x->names[i].n) == 0)
				return rx_fail(x, JS_ERR_INVALID, "duplicate "
				    "group name");
	if (*cnt == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		grown = arena_alloc(x->arena, *cap * sizeof **list);
		if (*cnt)
			memcpy(grown, *list, *cnt * sizeof **list);
		*list = grown;
	}
	(*list)[*cnt].p = x->src + start;
	(*list)[*cnt].n = x->pos - start;
	(*list)[*cnt].at = at;
	(*cnt)++;
	x->pos++;	/* '>' */
	return 1;
}

/*
 * The escape after a backslash. A character is returned in *cp and not
 * written; sets are written for the context (inside a class or not).
 */
static enum rx_esc
rx_escape(struct rx *x, int in_class, int32_t *cp)
{
	int c;
	unsigned n;

	if (x->pos >= x->len)
		return rx_fail(x, JS_ERR_INVALID, "\\ at the end of the "
		    "pattern"), RX_E_FAIL;
	c = (unsigned char)x->src[x->pos++];
	switch (c) {
	case 'd': case 'D': case 'w': case 'W': case 's': case 'S':
		if (in_class)
			rx_put_class_escape(x, c);
		else {
			buf_putc(&x->out, '[');
			rx_put_class_escape(x, c);
			buf_putc(&x->out, ']');
		}
		return RX_E_SET;
	case 'p': case 'P':
		return rx_property(x, c == 'P');
	case 'f': *cp = '\f'; return RX_E_CHAR;
	case 'n': *cp = '\n'; return RX_E_CHAR;
	case 'r': *cp = '\r'; return RX_E_CHAR;
	case 't': *cp = '\t'; return RX_E_CHAR;
	case 'v': *cp = '\v'; return RX_E_CHAR;
	case 'c':
		if (!is_alpha(rx_peek(x, 0)))
			return rx_fail(x, JS_ERR_INVALID, "\\c needs a "
			    "letter"), RX_E_FAIL;
		*cp = x->src[x->pos++] % 32;
		return RX_E_CHAR;
	case '0':
		if (is_digit(rx_peek(x, 0)))
			return rx_fail(x, JS_ERR_INVALID, "octal escapes are "
			    "not ECMA-262 in unicode mode"), RX_E_FAIL;
		*cp = 0;
		return RX_E_CHAR;
	case 'x':
		if (!rx_hex(x, 2, cp))
			return rx_fail(x, JS_ERR_INVALID, "invalid \\x "
			    "escape"), RX_E_FAIL;
		return RX_E_CHAR;
	case 'u':
		return (*cp = rx_unicode_escape(x)) < 0 ? RX_E_FAIL : RX_E_CHAR;
	case 'b':
		if (in_class) {
			*cp = '\b';
			return RX_E_CHAR;
		}
		buf_puts(&x->out, "\\b");
		return RX_E_DONE;
	case 'B':
		if (in_class)
			break;
		buf_puts(&x->out, "\\B");
		return RX_E_DONE;
	case '-':
		if (!in_class)
			break;
		*cp = '-';
		return RX_E_CHAR;
	case 'k':
		if (in_class || rx_peek(x, 0) != '<')
			break;
		x->pos++;
		if (!rx_name(x, 1))
			return RX_E_FAIL;
		buf_printf(&x->out, "\\k<%.*s>", (int)x->refs[x->nrefs - 1].n,
		    x->refs[x->nrefs - 1].p);
		return RX_E_DONE;
	case '1': case '2': case '3': case '4': case '5':
	case '6': case '7': case '8': case '9':
		if (in_class)
			break;
		for (n = (unsigned)(c - '0'); is_digit(rx_peek(x, 0)) &&
		    n < 100000; x->pos++)
			n = n * 10 + (unsigned)(x->src[x->pos] - '0');
		if (n > x->maxref) {
			x->maxref = n;
			x->maxref_at = x->pos;
		}
		buf_printf(&x->out, "\\g{%u}", n);
		return RX_E_DONE;
	default:
		if (strchr("^$\\.*+?()[]{}|/", c) != NULL) {
			*cp = c;
			return RX_E_CHAR;
		}
		break;
	}
	x->pos--;
	return rx_fail(x, JS_ERR_INVALID, "\\%c is not an ECMA-262 escape",
	    c >= 0x20 && c < 0x7F ? c : '?'), RX_E_FAIL;
}

/* One character of the pattern itself (UTF-8). */
static int32_t
rx_char(struct rx *x)
{
	size_t adv;
	int32_t c = utf8_decode(x->src + x->pos, x->len - x->pos, &adv);

	if (c < 0)
		return rx_fail(x, JS_ERR_INVALID, "the pattern is not UTF-8") - 1;
	x->pos += adv;
	return c;
}

/* Writes a code point as an atom outside a class. */
static void
rx_put_atom(struct rx *x, int32_t cp)
{
	if (cp >= 0xD800 && cp <= 0xDFFF)
		buf_puts(&x->out, "(?!)");	/* never in UTF-8 text */
	else if (cp < 0x80 && (is_alpha(cp) || is_digit(cp)))
		buf_putc(&x->out, (char)cp);
	else
		rx_put_cp(x, (uint32_t)cp);
}

/* A class atom: a character (*cp) or a set (written); 0 on error. */
static enum rx_esc
rx_class_atom(struct rx *x, int32_t *cp)
{
	if (x->src[x->pos] != '\\')
		return (*cp = rx_char(x)) < 0 ? RX_E_FAIL : RX_E_CHAR;
	x->pos++;
	return rx_escape(x, 1, cp);
}

/* After '[': a class, written as a PCRE2 class. */
static int
rx_class(struct rx *x)
{
	size_t mark = x->out.len, body;
	enum rx_esc ka, kb;
	int32_t a, b;
	int neg = 0;

	if (rx_peek(x, 0) == '^') {
		neg = 1;
		x->pos++;
	}
	buf_puts(&x->out, neg ? "[^" : "[");
	body = x->out.len;
	for (;;) {
		if (x->pos >= x->len)
			return rx_fail(x, JS_ERR_INVALID, "[ without ]");
		if (x->src[x->pos] == ']') {
			x->pos++;
			break;
		}
		if ((ka = rx_class_atom(x, &a)) == RX_E_FAIL)
			return 0;
		if (rx_peek(x, 0) == '-' && rx_peek(x, 1) >= 0 &&
		    rx_peek(x, 1) != ']') {
			x->pos++;
			if ((kb = rx_class_atom(x, &b)) == RX_E_FAIL)
				return 0;
			if (ka != RX_E_CHAR || kb != RX_E_CHAR)
				return rx_fail(x, JS_ERR_INVALID, "a class "
				    "escape cannot bound a range");
			if (a > b)
				return rx_fail(x, JS_ERR_INVALID, "range out "
				    "of order in a class");
			rx_put_range(x, (uint32_t)a, (uint32_t)b);
		} else if (ka == RX_E_CHAR)
			rx_put_range(x, (uint32_t)a, (uint32_t)a);
	}
	if (x->out.len == body) {
		/* [] matches nothing, [^] any character (a lone surrogate,
		 * dropped above, is no character of UTF-8 text). */
		x->out.len = mark;
		buf_puts(&x->out, neg ? "(?s:.)" : "(?!)");
		return 1;
	}
	buf_putc(&x->out, ']');
	return 1;
}

/* Reads the decimal bound of a {n,m} quantifier; -1 if there is none. */
static long
rx_bound(struct rx *x)
{
	long v = 0;
	size_t start = x->pos;

	while (is_digit(rx_peek(x, 0))) {
		if (v <= 10000000)
			v = v * 10 + (x->src[x->pos] - '0');
		x->pos++;
	}
	return x->pos == start ? -1 : v;
}

/* Whether a {n}, {n,} or {n,m} quantifier starts here. */
static int
rx_brace_quantifier(const struct rx *x)
{
	size_t i = x->pos + 1;

	if (i >= x->len || !is_digit((unsigned char)x->src[i]))
		return 0;
	while (i < x->len && is_digit((unsigned char)x->src[i]))
		i++;
	if (i < x->len && x->src[i] == ',')
		for (i++; i < x->len && is_digit((unsigned char)x->src[i]); i++)
			;
	return i < x->len && x->src[i] == '}';
}

/* An optional quantifier after an atom. */
static void
rx_quantifier(struct rx *x)
{
	long lo, hi;
	int c = rx_peek(x, 0);

	if (c == '*' || c == '+' || c == '?') {
		buf_putc(&x->out, (char)c);
		x->pos++;
	} else if (c == '{') {
		if (!rx_brace_quantifier(x)) {
			rx_fail(x, JS_ERR_INVALID, "incomplete quantifier");
			return;
		}
		x->pos++;
		lo = hi = rx_bound(x);
		if (rx_peek(x, 0) == ',') {
			x->pos++;
			hi = rx_bound(x);
		}
		x->pos++;	/* '}' */
		if (hi >= 0 && hi < lo) {
			rx_fail(x, JS_ERR_INVALID, "numbers out of order in a "
			    "{} quantifier");
			return;
		}
		if (lo > RX_MAX_COUNT || hi > RX_MAX_COUNT)
			rx_fail(x, JS_ERR_UNSUPPORTED, "a repetition count "
			    "above %d", RX_MAX_COUNT);
		if (hi < 0)
			buf_printf(&x->out, "{%ld,}", lo);
		else if (hi == lo)
			buf_printf(&x->out, "{%ld}", lo);
		else
			buf_printf(&x->out, "{%ld,%ld}", lo, hi);
	} else
		return;
	if (rx_peek(x, 0) == '?') {
		buf_putc(&x->out, '?');
		x->pos++;
	}
	c = rx_peek(x, 0);
	if (c == '*' || c == '+' || c == '?' ||
	    (c == '{' && rx_brace_quantifier(x)))
		rx_fail(x, JS_ERR_INVALID, "nothing to repeat");
}

static void	rx_disjunction(struct rx *);

/*
 * After '(': a group. Returns 1 for an atom (a quantifier may follow), 2
 * for a lookaround (none may, in unicode mode), 0 on error.
 */
static int
rx_group(struct rx *x)
{
	int kind = 1;

	if (rx_peek(x, 0) == '?') {
		if (rx_peek(x, 1) == ':') {
			buf_puts(&x->out, "(?:");
			x->pos += 2;
		} else if (rx_peek(x, 1) == '=' || rx_peek(x, 1) == '!') {
			buf_printf(&x->out, "(?%c", x->src[x->pos + 1]);
			x->pos += 2;
			kind = 2;
		} else if (rx_peek(x, 1) == '<' && (rx_peek(x, 2) == '=' ||
		    rx_peek(x, 2) == '!')) {
			buf_printf(&x->out, "(?<%c", x->src[x->pos + 2]);
			x->pos += 3;
			kind = 2;
		} else if (rx_peek(x, 1) == '<') {
			x->pos += 2;
			if (!rx_name(x, 0))
				return 0;
			x->ngroups++;
			buf_printf(&x->out, "(?<%.*s>",
			    (int)x->names[x->nnames - 1].n,
			    x->names[x->nnames - 1].p);
		} else
			return rx_fail(x, JS_ERR_INVALID, "(? starts no ECMA-262 "
			    "group");
	} else {
		x->ngroups++;
		buf_putc(&x->out, '(');
	}
	if (++x->nest > RX_MAX_NEST) {
		x->nest--;
		return rx_fail(x, JS_ERR_UNSUPPORTED, "groups nested deeper "
		    "than %d", RX_MAX_NEST);
	}
	rx_disjunction(x);
	x->nest--;
	if (rx_stop(x))
		return 0;
	if (rx_peek(x, 0) != ')')
		return rx_fail(x, JS_ERR_INVALID, "( without )");
	x->pos++;
	buf_putc(&x->out, ')');
	return kind;
}

/* One term: an assertion, or an atom and its quantifier. */
static void
rx_term(struct rx *x)
{
	int32_t cp;
	int c = (unsigned char)x->src[x->pos], k;

	switch (c) {
	case '^':
	case '$':
		buf_putc(&x->out, (char)c);
		x->pos++;
		k = 2;
		break;
	case '(':
		x->pos++;
		if ((k = rx_group(x)) == 0)
			return;
		break;
	case '[':
		x->pos++;
		if (!rx_class(x))
			return;
		k = 1;
		break;
	case '.':
		buf_puts(&x->out, "[^\\n\\r\\x{2028}\\x{2029}]");
		x->pos++;
		k = 1;
		break;
	case '\\':
		x->pos++;
		switch (rx_escape(x, 0, &cp)) {
		case RX_E_FAIL:
			return;
		case RX_E_CHAR:
			rx_put_atom(x, cp);
			k = 1;
			break;
		case RX_E_SET:
			k = 1;
			break;
		default:
			/* \b and \B are assertions; a backreference an atom */
			k = x->src[x->pos - 1] == 'b' ||
			    x->src[x->pos - 1] == 'B' ? 2 : 1;
			break;
		}
		break;
	case '*': case '+': case '?':
		rx_fail(x, JS_ERR_INVALID, "nothing to repeat");
		return;
	case '{':
		rx_fail(x, JS_ERR_INVALID, rx_brace_quantifier(x) ?
		    "nothing to repeat" : "a lone { (write \\{)");
		return;
	case '}':
	case ']':
		rx_fail(x, JS_ERR_INVALID, "a lone %c (write \\%c)", c, c);
		return;
	default:
		if ((cp = rx_char(x)) < 0)
			return;
		rx_put_atom(x, cp);
		k = 1;
		break;
	}
	c = rx_peek(x, 0);
	if (k == 2 && (c == '*' || c == '+' || c == '?' ||
	    (c == '{' && rx_brace_quantifier(x))))
		rx_fail(x, JS_ERR_INVALID, "an assertion cannot be repeated");
	else if (k == 1)
		rx_quantifier(x);
}

/* Alternatives separated by '|', up to ')' or the end. */
static void
rx_disjunction(struct rx *x)
{
	for (;;) {
		while (x->pos < x->len && x->src[x->pos] != '|' &&
		    x->src[x->pos] != ')' && !rx_stop(x))
			rx_term(x);
		if (rx_stop(x) || x->pos >= x->len || x->src[x->pos] != '|')
			return;
		buf_putc(&x->out, '|');
		x->pos++;
	}
}

/* Parses src[0..n) into x (x->out allocated from arena). */
static enum js_status
rx_parse(struct rx *x, struct arena *arena, const char *src, size_t n)
{
	size_t i, j;

	memset(x, 0, sizeof *x);
	x->src = src;
	x->len = n;
	x->arena = arena;
	buf_init(&x->out, arena, n * 2 + 16);
	if (!utf8_valid(src, n)) {
		rx_fail(x, JS_ERR_INVALID, "the pattern is not UTF-8");
		return x->st;
	}
	rx_disjunction(x);
	if (!rx_stop(x) && x->pos < x->len)
		rx_fail(x, JS_ERR_INVALID, ") without (");
	if (!rx_stop(x) && x->maxref > x->ngroups) {
		x->pos = x->maxref_at;
		rx_fail(x, JS_ERR_INVALID, "\\%u refers to no group",
		    x->maxref);
	}
	for (i = 0; i < x->nrefs && !rx_stop(x); i++) {
		for (j = 0; j < x->nnames; j++)
			if (x->names[j].n == x->refs[i].n &&
			    memcmp(x->names[j].p, x->refs[i].p, x->refs[i].n) == 0)
				break;
		if (j == x->nnames) {
			x->pos = x->refs[i].at;
			rx_fail(x, JS_ERR_INVALID, "\\k<%.*s> refers to no "
			    "group", (int)x->refs[i].n, x->refs[i].p);
		}
	}
	return x->st;
}

enum js_status
js_ecma_to_pcre2(struct arena *a, const char *src, size_t n,
    struct buf *out, char *msg, size_t msgsz)
{
	struct rx x;
	enum js_status st = rx_parse(&x, a, src, n);

	if (st != JS_OK) {
		snprintf(msg, msgsz, "%s regular expression at offset %zu: %s",
		    st == JS_ERR_INVALID ? "invalid" : "unsupported", x.at,
		    x.msg);
		return st;
	}
	*out = x.out;
	return JS_OK;
}

int
js_regex_valid(const char *src, size_t n)
{
	struct arena a;
	struct rx x;
	enum js_status st;

	arena_init(&a, 4096);
	st = rx_parse(&x, &a, src, n);
	arena_free(&a);
	return st != JS_ERR_INVALID;
}
