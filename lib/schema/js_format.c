/*
 * The "format" keyword's checks. Each takes a string and its length and
 * answers 1 (valid) or 0. Dates and times follow RFC 3339, e-mail addresses
 * RFC 5321, host names RFC 1123, URIs RFC 3986 (IRIs RFC 3987), URI
 * templates RFC 6570, JSON pointers RFC 6901 and their relative form, UUIDs
 * RFC 4122; IPv4 and IPv6 addresses are what inet_pton(3) accepts (dotted
 * quads without leading zeros; RFC 4291 text, no zone). "regex" is an
 * ECMA-262 pattern (js_regex.c). idn-hostname is known but not checked,
 * and neither are the A-labels ("xn--...") of a hostname: IDNA 2008's
 * Punycode and contextual rules (RFC 5890-5893) need Unicode tables that
 * are not here.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

#include "crypto.h"
#include "js_int.h"
#include "js_regex.h"
#include "utf8.h"

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

static int
is_alnum(int c)
{
	return is_digit(c) || is_alpha(c);
}

/* The decimal number of exactly n digits; -1 if one is not a digit. */
static int
dig(const char *s, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* Whether s[0..n) is n hex digits (n even), by decoding them. */
static int
hex_run(const char *s, size_t n)
{
	unsigned char b[8];

	return n <= 2 * sizeof b && n % 2 == 0 &&
	    crypto_hex_decode(s, n, b, sizeof b) == (int)(n / 2);
}

/* ------------------------------------------------------------------ */
/* Dates and times (RFC 3339).                                         */

/* full-date: exactly YYYY-MM-DD, a real calendar day. */
static int
fmt_date(const char *s, size_t n)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	int y, m, d, leap;

	if (n != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	if ((y = dig(s, 4)) < 0 || (m = dig(s + 5, 2)) < 1 || m > 12 ||
	    (d = dig(s + 8, 2)) < 1)
		return 0;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return d <= mdays[m - 1] + (m == 2 && leap);
}

/*
 * full-time: HH:MM:SS[.frac](Z|+HH:MM|-HH:MM). Second 60 is a leap second,
 * valid only at 23:59 UTC.
 */
static int
fmt_time(const char *s, size_t n)
{
	int h, m, sec, oh = 0, om = 0, sign = 0, utc;
	size_t i = 8;

	if (n < 9 || s[2] != ':' || s[5] != ':')
		return 0;
	if ((h = dig(s, 2)) < 0 || h > 23 || (m = dig(s + 3, 2)) < 0 ||
	    m > 59 || (sec = dig(s + 6, 2)) < 0 || sec > 60)
		return 0;
	if (s[i] == '.') {
		if (++i >= n || !is_digit(s[i]))
			return 0;
		while (i < n && is_digit(s[i]))
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
 * duration (RFC 3339 appendix A): P, then date units in the order Y M D
 * (each after the last), then T and H M S likewise; or weeks alone.
 */
static int
fmt_duration(const char *s, size_t n)
{
	const char *units = "YMD", *p;
	size_t i = 1, start;
	int last = -1, items = 0, in_time = 0, weeks = 0, u;

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
		while (i < n && is_digit(s[i]))
			i++;
		if (i == start || i >= n)
			return 0;
		if (s[i] == 'W' && !in_time && items == 0) {
			weeks = 1;
			items++;
			i++;
			continue;
		}
		if (weeks || s[i] == '\0' || (p = strchr(units, s[i])) == NULL)
			return 0;
		u = (int)(p - units);
		if (last >= 0 && u != last + 1)	/* Y M D and H M S, in a row */
			return 0;
		last = u;
		items++;
		i++;
	}
	return items > 0;
}

/* ------------------------------------------------------------------ */
/* Addresses and names.                                                */

/* The address family's inet_pton on a NUL-terminated copy of s. */
static int
ip_parse(int af, const char *s, size_t n)
{
	unsigned char addr[sizeof(struct in6_addr)];
	char copy[INET6_ADDRSTRLEN + 1];

	if (n >= sizeof copy || memchr(s, '\0', n) != NULL)
		return 0;
	memcpy(copy, s, n);
	copy[n] = '\0';
	return inet_pton(af, copy, addr) == 1;
}

static int
fmt_ipv4(const char *s, size_t n)
{
	return ip_parse(AF_INET, s, n);
}

static int
fmt_ipv6(const char *s, size_t n)
{
	return ip_parse(AF_INET6, s, n);
}

/*
 * A host name: labels of 1-63 letters, digits and hyphens (not at either
 * end), 253 characters in all; with idn, labels may hold non-ASCII
 * characters (U-labels), each counted as one.
 */
static int
hostname(const char *s, size_t n, int idn)
{
	size_t i, start = 0, len = 0;

	if (n == 0 || (idn ? utf8_count(s, n) : n) > 253)
		return 0;
	for (i = 0; i <= n; i++) {
		if (i < n && s[i] != '.') {
			if ((unsigned char)s[i] >= 0x80 && idn) {
				len += ((unsigned char)s[i] & 0xC0) != 0x80;
				continue;
			}
			if (!is_alnum(s[i]) && s[i] != '-')
				return 0;
			len++;
			continue;
		}
		if (i == start || len > 63 || s[start] == '-' ||
		    s[i - 1] == '-')
			return 0;
		/* "xn--" starts an A-label; other "??--" are reserved. */
		if (i - start >= 4 && s[start + 2] == '-' &&
		    s[start + 3] == '-' && !((s[start] | 0x20) == 'x' &&
		    (s[start + 1] | 0x20) == 'n'))
			return 0;
		start = i + 1;
		len = 0;
	}
	return 1;
}

static int
fmt_hostname(const char *s, size_t n)
{
	return hostname(s, n, 0);
}

/*
 * RFC 5321 Mailbox: a dot-atom or quoted local part, then a host name or
 * an address literal ([IPv4] or [IPv6:...]). With idn (RFC 6531) the
 * local part and the host name may hold non-ASCII characters.
 */
static int
mailbox(const char *s, size_t n, int idn)
{
	static const char *atext = "!#$%&'*+-/=?^_`{|}~";
	size_t i = 0;
	int dot = 1;

	if (n > 0 && s[0] == '"') {
		for (i = 1; i < n && s[i] != '"'; i++) {
			if (s[i] == '\\')
				i++;
			if (i >= n || (s[i] < 32 && s[i] >= 0) || s[i] == 127 ||
			    ((unsigned char)s[i] >= 0x80 && !idn))
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
			} else if (is_alnum(s[i]) ||
			    (s[i] != '\0' && strchr(atext, s[i]) != NULL) ||
			    ((unsigned char)s[i] >= 0x80 && idn))
				dot = 0;
			else
				return 0;
		}
		if (dot)	/* empty, or ending with a dot */
			return 0;
	}
	if (i >= n || s[i] != '@' || (!idn && i > 64))
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
	return hostname(s, n, idn);
}

static int
fmt_email(const char *s, size_t n)
{
	return mailbox(s, n, 0);
}

static int
fmt_idn_email(const char *s, size_t n)
{
	return mailbox(s, n, 1);
}

static int
fmt_uuid(const char *s, size_t n)
{
	return n == 36 && s[8] == '-' && s[13] == '-' && s[18] == '-' &&
	    s[23] == '-' && hex_run(s, 8) && hex_run(s + 9, 4) &&
	    hex_run(s + 14, 4) && hex_run(s + 19, 4) && hex_run(s + 24, 12);
}

/* ------------------------------------------------------------------ */
/* URIs (RFC 3986) and IRIs (RFC 3987).                                */

static int
uri_unreserved(int c)
{
	return is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

static int
uri_subdelim(int c)
{
	return c != 0 && strchr("!$&'()*+,;=", c) != NULL;
}

/*
 * Whether s[i..end) is unreserved characters, sub-delims, %XX and those in
 * also; with iri, any non-ASCII character (ucschar, iprivate) too.
 */
static int
uri_chars(const char *s, size_t i, size_t end, const char *also, int iri)
{
	int c;

	for (; i < end; i++) {
		c = (unsigned char)s[i];
		if (c == '%') {
			if (end - i < 3 || !hex_run(s + i + 1, 2))
				return 0;
			i += 2;
		} else if (c >= 0x80 && iri)
			continue;
		else if (!uri_unreserved(c) && !uri_subdelim(c) &&
		    (c == 0 || strchr(also, c) == NULL))
			return 0;
	}
	return 1;
}

/* authority = [ userinfo "@" ] host [ ":" port ], in s[i..end). */
static int
uri_authority(const char *s, size_t i, size_t end, int iri)
{
	const char *at = memchr(s + i, '@', end - i), *rb;
	size_t h, k, j;

	if (at != NULL) {
		if (!uri_chars(s, i, (size_t)(at - s), ":", iri))
			return 0;
		i = (size_t)(at - s) + 1;
	}
	h = i;
	if (h < end && s[h] == '[') {
		if ((rb = memchr(s + h, ']', end - h)) == NULL)
			return 0;
		k = (size_t)(rb - s);
		if (k > h + 1 && (s[h + 1] | 0x20) == 'v') {
			/* IPvFuture: "v" 1*HEXDIG "." 1*(unreserved / ...) */
			for (j = h + 2; j < k && strchr("0123456789abcdefABCDEF",
			    s[j]) != NULL && s[j] != '\0'; j++)
				;
			if (j == h + 2 || j >= k || s[j] != '.' || j + 1 == k ||
			    !uri_chars(s, j + 1, k, ":", 0))
				return 0;
		} else if (!fmt_ipv6(s + h + 1, k - h - 1))
			return 0;
		i = k + 1;
	} else {
		for (k = h; k < end && s[k] != ':'; k++)
			;
		if (!uri_chars(s, h, k, "", iri))
			return 0;
		i = k;
	}
	if (i == end)
		return 1;
	if (s[i] != ':')
		return 0;
	for (i++; i < end; i++)
		if (!is_digit(s[i]))
			return 0;
	return 1;
}

/*
 * What follows the scheme (or all of a relative reference):
 * ["//" authority] path ["?" query] ["#" fragment]. With noscheme, the
 * first segment of a relative path may not hold ':'.
 */
static int
uri_rest(const char *s, size_t n, int noscheme, int iri)
{
	size_t i = 0, end, k;

	for (end = 0; end < n && s[end] != '?' && s[end] != '#'; end++)
		;
	if (end >= 2 && s[0] == '/' && s[1] == '/') {
		for (k = 2; k < end && s[k] != '/'; k++)
			;
		if (!uri_authority(s, 2, k, iri))
			return 0;
		i = k;
	} else if (noscheme) {
		for (k = 0; k < end && s[k] != '/'; k++)
			if (s[k] == ':')
				return 0;
	}
	if (!uri_chars(s, i, end, ":@/", iri))
		return 0;
	if (end < n && s[end] == '?') {
		for (k = end + 1; k < n && s[k] != '#'; k++)
			;
		if (!uri_chars(s, end + 1, k, ":@/?", iri))
			return 0;
		end = k;
	}
	return end >= n || uri_chars(s, end + 1, n, ":@/?", iri);
}

/* The length of a valid "scheme:" prefix (without the colon), or 0. */
static size_t
uri_scheme(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || !is_alpha(s[0]))
		return 0;
	for (i = 1; i < n && (is_alnum(s[i]) || s[i] == '+' ||
	    s[i] == '-' || s[i] == '.'); i++)
		;
	return i < n && s[i] == ':' ? i : 0;
}

static int
uri_absolute(const char *s, size_t n, int iri)
{
	size_t k = uri_scheme(s, n);

	return k > 0 && uri_rest(s + k + 1, n - k - 1, 0, iri);
}

static int
uri_ref(const char *s, size_t n, int iri)
{
	size_t k = uri_scheme(s, n);

	if (k > 0)
		return uri_rest(s + k + 1, n - k - 1, 0, iri);
	return uri_rest(s, n, 1, iri);
}

int
uri_is_uri(const char *s, size_t n)
{
	return uri_absolute(s, n, 0);
}

int
uri_is_reference(const char *s, size_t n)
{
	return uri_ref(s, n, 0);
}

static int
fmt_iri(const char *s, size_t n)
{
	return utf8_valid(s, n) && uri_absolute(s, n, 1);
}

static int
fmt_iri_reference(const char *s, size_t n)
{
	return utf8_valid(s, n) && uri_ref(s, n, 1);
}

/*
 * RFC 6570 level 4: literals, and expressions "{" [operator] varspec
 * *("," varspec) "}", varspec = varname [":" 1-4 digits / "*"]. As the
 * test suite has it, an apostrophe is a literal like any other.
 */
static int
fmt_uri_template(const char *s, size_t n)
{
	size_t i = 0, start;
	int c;

	while (i < n) {
		c = (unsigned char)s[i];
		if (c == '}')
			return 0;
		if (c != '{') {
			if (c == '%' ? !(n - i >= 3 && hex_run(s + i + 1, 2)) :
			    c <= 0x20 || c == 0x7F || (c < 0x80 &&
			    strchr("\"<>\\^`|", c) != NULL))
				return 0;
			i += c == '%' ? 3 : 1;
			continue;
		}
		if (++i < n && strchr("+#./;?&=,!@|", s[i]) != NULL &&
		    s[i] != '\0')
			i++;
		for (;;) {
			start = i;
			while (i < n && (is_alnum(s[i]) || s[i] == '_' ||
			    (s[i] == '.' && i > start && s[i - 1] != '.') ||
			    (s[i] == '%' && n - i >= 3 &&
			    hex_run(s + i + 1, 2))))
				i += s[i] == '%' ? 3 : 1;
			if (i == start || s[i - 1] == '.')
				return 0;
			if (i < n && s[i] == ':') {
				start = ++i;
				while (i < n && is_digit(s[i]) && i - start < 4)
					i++;
				if (i == start || s[start] == '0')
					return 0;
			} else if (i < n && s[i] == '*')
				i++;
			if (i < n && s[i] == ',') {
				i++;
				continue;
			}
			break;
		}
		if (i >= n || s[i] != '}')
			return 0;
		i++;
	}
	return 1;
}

/* ------------------------------------------------------------------ */
/* JSON pointers (RFC 6901) and relative JSON pointers.                */

static int
fmt_json_pointer(const char *s, size_t n)
{
	if (n > 0 && s[0] != '/')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '~' && (i + 1 >= n ||
		    (s[i + 1] != '0' && s[i + 1] != '1')))
			return 0;
	return 1;
}

static int
fmt_relative_json_pointer(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && is_digit(s[i]))
		i++;
	if (i == 0 || (s[0] == '0' && i > 1))
		return 0;
	if (i < n && s[i] == '#')
		return i + 1 == n;
	return fmt_json_pointer(s + i, n - i);
}

static int
fmt_regex(const char *s, size_t n)
{
	return js_regex_valid(s, n);
}

const struct js_format_def js_formats[JS_FMT__MAX] = {
	[JS_FMT_DATE_TIME] = { "date-time",
	    "a date and time (RFC 3339, e.g. 2024-05-01T12:00:00Z)", 1,
	    fmt_date_time },
	[JS_FMT_DATE] = { "date", "a date (YYYY-MM-DD)", 1, fmt_date },
	[JS_FMT_TIME] = { "time", "a time (RFC 3339, e.g. 12:00:00Z)", 1,
	    fmt_time },
	[JS_FMT_DURATION] = { "duration", "a duration (ISO 8601, e.g. P1DT2H)",
	    1, fmt_duration },
	[JS_FMT_EMAIL] = { "email", "an email address", 1, fmt_email },
	[JS_FMT_IDN_EMAIL] = { "idn-email", "an email address", 1,
	    fmt_idn_email },
	[JS_FMT_HOSTNAME] = { "hostname", "a host name", 1, fmt_hostname },
	[JS_FMT_IDN_HOSTNAME] = { "idn-hostname",
	    "an internationalized host name", 0, NULL },
	[JS_FMT_IPV4] = { "ipv4", "an IPv4 address", 1, fmt_ipv4 },
	[JS_FMT_IPV6] = { "ipv6", "an IPv6 address", 1, fmt_ipv6 },
	[JS_FMT_URI] = { "uri", "an absolute URI", 1, uri_is_uri },
	[JS_FMT_URI_REFERENCE] = { "uri-reference", "a URI reference", 1,
	    uri_is_reference },
	[JS_FMT_IRI] = { "iri", "an absolute IRI", 1, fmt_iri },
	[JS_FMT_IRI_REFERENCE] = { "iri-reference", "an IRI reference", 1,
	    fmt_iri_reference },
	[JS_FMT_URI_TEMPLATE] = { "uri-template", "a URI template", 1,
	    fmt_uri_template },
	[JS_FMT_UUID] = { "uuid", "a UUID", 1, fmt_uuid },
	[JS_FMT_JSON_POINTER] = { "json-pointer", "a JSON pointer", 1,
	    fmt_json_pointer },
	[JS_FMT_RELATIVE_JSON_POINTER] = { "relative-json-pointer",
	    "a relative JSON pointer", 1, fmt_relative_json_pointer },
	[JS_FMT_REGEX] = { "regex", "an ECMA-262 regular expression", 1,
	    fmt_regex },
};
