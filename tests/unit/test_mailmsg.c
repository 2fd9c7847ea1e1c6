/*
 * Unit tests for lib/base/mailmsg.c: mailboxes a template may render (and
 * what must never pass: a second recipient, a header in disguise), one-line
 * text, and the message as it goes out (encoded words, 7bit or base64 body,
 * CRLF everywhere).
 */
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "crypto.h"
#include "mailmsg.h"
#include "t.h"

static void
test_mailboxes(void)
{
	static const struct { const char *in, *addr, *name; } good[] = {
		{ "ann@example.com", "ann@example.com", "" },
		{ "  ann@example.com ", "ann@example.com", "" },
		{ "Ann <ann@example.com>", "ann@example.com", "Ann" },
		{ "\"Ann, the first\" <ann@example.com>", "ann@example.com", "Ann, the first" },
		{ "<ann@example.com>", "ann@example.com", "" },
		{ "Zoë Ünal <zoe.u+news@mail.example.co.uk>", "zoe.u+news@mail.example.co.uk", "Zoë Ünal" },
		{ "o'brien@example.com", "o'brien@example.com", "" },
	};
	static const char *const bad[] = {
		"", "ann", "ann@", "@example.com", "ann@@example.com", "a@b@example.com",
		"ann@example.com\r\nBcc: evil@example.net", "ann@example.com\nBcc: x@y.z",
		"ann@example.com, evil@example.net", "ann example@example.com",
		"<ann@example.com> evil@example.net", "Ann <ann@example.com", "Ann ann@example.com>",
		"Ann <<ann@example.com>>", "A\"n <ann@example.com>", "ann.@example.com",
		".ann@example.com", "a..nn@example.com", "ann@-example.com", "ann@example-.com",
		"ann@exa_mple.com", "ann@example..com", "ann@", "ann@[127.0.0.1]",
		"(comment)ann@example.com", "ann@example.com\x7f", "ann\t@example.com",
	};
	struct mailbox m;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		const char *why = mailbox_parse(good[i].in, &m);
		T_OK(why == NULL && strcmp(m.addr, good[i].addr) == 0 &&
		    strcmp(m.name, good[i].name) == 0, "mailbox %s", good[i].in);
		if (why != NULL)
			printf("#   %s\n", why);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		T_OK(mailbox_parse(bad[i], &m) != NULL, "refused mailbox #%zu", i);
	char longaddr[400];
	memset(longaddr, 'a', 300);
	strcpy(longaddr + 300, "@example.com");
	T_OK(mailbox_parse(longaddr, &m) != NULL, "an address over 254 bytes is refused");
	T_OK(mailbox_parse("\xc3\x28@example.com", &m) != NULL, "invalid UTF-8 is refused");
}

static void
test_text(void)
{
	T_OK(mail_text_check("Hello", 10, 1) == NULL, "one line");
	T_OK(mail_text_check("Hel\r\nlo", 10, 1) != NULL, "CRLF in a one-line text");
	T_OK(mail_text_check("Hel\nlo", 10, 1) != NULL, "LF in a one-line text");
	T_OK(mail_text_check("Hel\nlo\r\n", 10, 0) == NULL, "lines in a body");
	T_OK(mail_text_check("a\x01" "b", 10, 0) != NULL, "a control character in a body");
	T_OK(mail_text_check("tab\there", 10, 1) == NULL, "a tab is fine");
	T_OK(mail_text_check("0123456789x", 10, 0) != NULL, "too long");
	T_OK(mail_text_check("\xff", 10, 0) != NULL, "invalid UTF-8");
}

static const char *
build(struct arena *a, const char *subject, const char *body, const char *to_name)
{
	struct mailbox to[2];
	struct mail m;
	struct buf b;

	memset(&m, 0, sizeof(m));
	mailbox_parse("Desk <desk@example.com>", &m.from);
	mailbox_parse("ann@example.org", &to[0]);
	mailbox_parse("bo@example.org", &to[1]);
	snprintf(to[1].name, sizeof(to[1].name), "%s", to_name);
	m.to = to;
	m.nto = 2;
	m.subject = subject;
	m.body = body;
	m.message_id = "<abc@example.com>";
	m.date = 0;
	buf_init(&b, a, 256);
	mail_message(&b, &m);
	buf_putc(&b, '\0');
	return b.data;
}

/* 1 if every LF of s follows a CR, and no CR stands alone. */
static int
crlf_only(const char *s)
{
	for (const char *p = s; *p != '\0'; p++)
		if ((*p == '\n' && (p == s || p[-1] != '\r')) || (*p == '\r' && p[1] != '\n'))
			return 0;
	return 1;
}

static void
test_message(void)
{
	struct arena a;
	const char *m;

	arena_init(&a, 4096);
	m = build(&a, "Hello", "line one\nline two\r\n.\n", "Bo");
	T_OK(strncmp(m, "Date: Thu, 01 Jan 1970 00:00:00 +0000\r\nFrom: Desk <desk@example.com>\r\n"
	    "To: <ann@example.org>,\r\n Bo <bo@example.org>\r\nSubject: Hello\r\n"
	    "Message-ID: <abc@example.com>\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"
	    "line one\r\nline two\r\n.\r\n\r\n", 400) == 0, "a plain message");
	if (strstr(m, "7bit") == NULL)
		printf("#   %s\n", m);
	T_OK(crlf_only(m), "CRLF line ends only");

	m = build(&a, "Grüße – 2", "Schöne Grüße\n", "Zoë");
	T_OK(strstr(m, "Subject: =?UTF-8?B?R3LDvMOfZSDigJMgMg==?=\r\n") != NULL,
	    "a non-ASCII subject is an encoded word");
	T_OK(strstr(m, "=?UTF-8?B?Wm/Dqw==?= <bo@example.org>") != NULL,
	    "a non-ASCII display name too");
	T_OK(strstr(m, "Content-Transfer-Encoding: base64\r\n\r\nU2Now7ZuZSBHcsO8w59lDQo=\r\n") != NULL,
	    "a non-ASCII body is base64, its line end CRLF");
	T_OK(crlf_only(m), "CRLF line ends only (encoded)");

	/* A long subject: encoded words of whole characters, folded. */
	char subj[400] = "";
	for (int i = 0; i < 60; i++)
		strcat(subj, "é");
	m = build(&a, subj, "x", "Name, with comma");
	T_OK(strstr(m, "?=\r\n =?UTF-8?B?") != NULL, "long encoded subjects are folded");
	T_OK(strstr(m, "\"Name, with comma\" <bo@example.org>") != NULL,
	    "a name with specials is quoted");
	const char *s = strstr(m, "Subject: ");
	int ok = 1;
	for (const char *w = s; (w = strstr(w, "=?UTF-8?B?")) != NULL; w += 10) {
		char enc[80], dec[64];
		const char *e = strstr(w + 10, "?=");
		size_t n = (size_t)(e - w - 10);
		memcpy(enc, w + 10, n);
		enc[n] = '\0';
		int d = crypto_b64_decode(enc, n, dec, sizeof(dec));
		ok &= d > 0 && d % 2 == 0 && e - w + 2 <= 75;   /* é is 2 bytes */
	}
	T_OK(ok, "each encoded word holds whole characters and is at most 75 long");

	/* A line over 998 bytes goes as base64 even if ASCII. */
	char body[1200];
	memset(body, 'x', 1100);
	body[1100] = '\0';
	m = build(&a, "s", body, "B");
	T_OK(strstr(m, "Content-Transfer-Encoding: base64") != NULL, "long lines: base64");
	size_t longest = 0, cur = 0;
	for (const char *p = m; *p != '\0'; p++)
		cur = *p == '\n' ? 0 : cur + 1, longest = cur > longest ? cur : longest;
	T_OK(longest <= 78, "no line of the message is over 78 characters (%zu)", longest);
	arena_free(&a);
}

int
main(void)
{
	test_mailboxes();
	test_text();
	test_message();
	return t_done();
}
