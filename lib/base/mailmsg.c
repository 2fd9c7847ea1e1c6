/*
 * Internet messages of send_email (lib/base/mailmsg.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "crypto.h"
#include "json.h"
#include "mailmsg.h"

/* Characters an unquoted local part may hold (RFC 5322 atext, and '.'). */
static int
atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~.", c) != NULL);
}

/*
 * Checks addr-spec a (local@domain, dot-atom on both sides, the domain of
 * letters, digits and hyphens in labels of 1 to 63). Returns NULL, or why not.
 */
static const char *
addr_check(const char *a)
{
	const char *at = strchr(a, '@'), *p;
	size_t label = 0;

	if (at == NULL || at == a || strchr(at + 1, '@') != NULL)
		return "an address is local-part@domain";
	if (a[0] == '.' || at[-1] == '.' || strstr(a, "..") != NULL)
		return "an address has no empty part between dots";
	for (p = a; p < at; p++)
		if (!atext((unsigned char)*p))
			return "the local part of an address holds a character it may not";
	if (at[1] == '\0' || at[1] == '.' || at[1] == '-')
		return "the domain of an address is not valid";
	for (p = at + 1; *p != '\0'; p++) {
		if (*p == '.') {
			if (label == 0 || p[-1] == '-')
				return "the domain of an address is not valid";
			label = 0;
			continue;
		}
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-') || ++label > 63)
			return "the domain of an address is not valid";
	}
	if (label == 0 || p[-1] == '-')
		return "the domain of an address is not valid";
	return NULL;
}

/*
 * Checks text of at most max bytes: valid UTF-8 without control characters
 * (tabs allowed; CR and LF too unless one_line). Returns NULL, or why not.
 */
const char *
mail_text_check(const char *text, size_t max, int one_line)
{
	size_t n = strlen(text);

	if (n > max)
		return "too long";
	if (!utf8_valid(text, n))
		return "not valid UTF-8";
	for (const char *p = text; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;
		if ((c < 0x20 && c != '\t' && (one_line || (c != '\r' && c != '\n'))) || c == 0x7f)
			return one_line ? "it must be one line without control characters" :
			    "it holds a control character";
	}
	return NULL;
}

/*
 * Reads one mailbox: "addr", or "Display Name <addr>" (the name may be
 * quoted). Returns NULL with out filled, or why the text is not one.
 */
const char *
mailbox_parse(const char *text, struct mailbox *out)
{
	const char *lt, *gt, *why;
	size_t n, an;

	memset(out, 0, sizeof(*out));
	if ((why = mail_text_check(text, MAIL_ADDR_MAX + MAIL_NAME_MAX + 8, 1)) != NULL)
		return why;
	while (*text == ' ' || *text == '\t')
		text++;
	n = strlen(text);
	while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\t'))
		n--;
	if ((lt = memchr(text, '<', n)) == NULL) {
		if (n == 0 || n > MAIL_ADDR_MAX)
			return "an address is 1 to 254 bytes";
		memcpy(out->addr, text, n);
		out->addr[n] = '\0';
		return addr_check(out->addr);
	}
	gt = text + n - 1;
	if (*gt != '>' || memchr(lt + 1, '<', (size_t)(gt - lt - 1)) != NULL ||
	    memchr(lt + 1, '>', (size_t)(gt - lt - 1)) != NULL)
		return "write a mailbox as Name <address>";
	an = (size_t)(gt - lt - 1);
	if (an == 0 || an > MAIL_ADDR_MAX)
		return "an address is 1 to 254 bytes";
	memcpy(out->addr, lt + 1, an);
	out->addr[an] = '\0';
	if ((why = addr_check(out->addr)) != NULL)
		return why;
	/* The name: what stands before '<', without blanks or quotes around it. */
	const char *s = text, *e = lt;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (e - s >= 2 && *s == '"' && e[-1] == '"') {
		s++;
		e--;
	}
	if ((size_t)(e - s) > MAIL_NAME_MAX)
		return "a display name is at most 200 bytes";
	for (const char *p = s; p < e; p++)
		if (*p == '"' || *p == '\\' || *p == '<' || *p == '>')
			return "a display name may not hold quotes, backslashes or angle brackets";
	memcpy(out->name, s, (size_t)(e - s));
	out->name[e - s] = '\0';
	return NULL;
}

static int
ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/*
 * Appends s as RFC 2047 encoded words ("=?UTF-8?B?...?="), each of at
 * most 45 bytes of s and never splitting a character, joined by folding
 * whitespace.
 */
static void
put_encoded(struct buf *b, const char *s)
{
	size_t n = strlen(s), at = 0;

	while (at < n) {
		size_t take = n - at > 45 ? 45 : n - at;
		char enc[B64_ENCODED_LEN(45) + 1];

		/* Back off to the start of a character. */
		while (at + take < n && take > 0 &&
		    ((unsigned char)s[at + take] & 0xc0) == 0x80)
			take--;
		crypto_b64_encode(s + at, take, enc, sizeof(enc));
		if (at > 0)
			buf_puts(b, "\r\n ");
		buf_printf(b, "=?UTF-8?B?%s?=", enc);
		at += take;
	}
}

/* A header value of free text: as it is when plain short ASCII, else encoded. */
static void
put_text(struct buf *b, const char *s)
{
	if (ascii(s) && strlen(s) <= 900)
		buf_puts(b, s);
	else
		put_encoded(b, s);
}

/* Characters RFC 5322 lets a display name hold as an atom (and spaces). */
static int
plain_name(const char *s)
{
	for (; *s != '\0'; s++)
		if (!atext((unsigned char)*s) && *s != ' ')
			return 0;
	return 1;
}

static void
put_mailbox(struct buf *b, const struct mailbox *m)
{
	if (m->name[0] != '\0') {
		if (!ascii(m->name))
			put_encoded(b, m->name);
		else if (plain_name(m->name))
			buf_puts(b, m->name);
		else
			buf_printf(b, "\"%s\"", m->name);   /* no '"' or '\\' in it */
		buf_putc(b, ' ');
	}
	buf_printf(b, "<%s>", m->addr);
}

/* 1 if the body can go as 7bit: ASCII, lines of at most 998 bytes. */
static int
seven_bit(const char *s)
{
	size_t line = 0;

	for (; *s != '\0'; s++) {
		if ((unsigned char)*s >= 0x80)
			return 0;
		line = *s == '\n' ? 0 : line + 1;
		if (line > 998)
			return 0;
	}
	return 1;
}

/*
 * Appends the message m: headers, a blank line, the body. Every line ends
 * in CRLF; values were checked by the caller (mailbox_parse,
 * mail_text_check).
 */
void
mail_message(struct buf *b, const struct mail *m)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)m->date;
	struct tm tm;

	gmtime_r(&t, &tm);
	buf_printf(b, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday],
	    tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	buf_puts(b, "From: ");
	put_mailbox(b, &m->from);
	buf_puts(b, "\r\nTo: ");
	for (size_t i = 0; i < m->nto; i++) {
		if (i > 0)
			buf_puts(b, ",\r\n ");
		put_mailbox(b, &m->to[i]);
	}
	if (m->reply_to != NULL) {
		buf_puts(b, "\r\nReply-To: ");
		put_mailbox(b, m->reply_to);
	}
	buf_puts(b, "\r\nSubject: ");
	put_text(b, m->subject);
	buf_printf(b, "\r\nMessage-ID: %s\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=UTF-8\r\n", m->message_id);
	if (seven_bit(m->body)) {
		buf_puts(b, "Content-Transfer-Encoding: 7bit\r\n\r\n");
		for (const char *p = m->body; *p != '\0'; p++) {
			if (*p == '\r' && p[1] == '\n')
				continue;   /* CRLF: the LF writes it */
			if (*p == '\n' || *p == '\r')
				buf_puts(b, "\r\n");
			else
				buf_putc(b, *p);
		}
		buf_puts(b, "\r\n");
		return;
	}
	/* base64 of the body with its line ends made CRLF, 76 characters a line. */
	struct buf crlf;
	char enc[B64_ENCODED_LEN(57) + 1];

	buf_init(&crlf, b->arena, strlen(m->body) + 64);
	for (const char *p = m->body; *p != '\0'; p++) {
		if (*p == '\r' && p[1] == '\n')
			continue;
		if (*p == '\n' || *p == '\r')
			buf_puts(&crlf, "\r\n");
		else
			buf_putc(&crlf, *p);
	}
	buf_puts(b, "Content-Transfer-Encoding: base64\r\n\r\n");
	for (size_t at = 0; at < crlf.len; at += 57) {
		size_t take = crlf.len - at > 57 ? 57 : crlf.len - at;
		crypto_b64_encode(crlf.data + at, take, enc, sizeof(enc));
		buf_printf(b, "%s\r\n", enc);
	}
}
