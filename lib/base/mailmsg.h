/*
 * Internet messages (RFC 5322) of the send_email tool, built from values a
 * workflow's templates rendered -- so every one of them is hostile: an
 * address is one mailbox ("ann@example.com" or "Ann <ann@example.com>")
 * and nothing that could add a header or a recipient; a subject or a
 * display name is one line of UTF-8 (encoded per RFC 2047 when it is not
 * plain ASCII); the body is UTF-8 text, sent 7bit when it is short-lined
 * ASCII and base64 otherwise, with CRLF line ends.
 */
#ifndef ORX_MAILMSG_H
#define ORX_MAILMSG_H

#include <stddef.h>

struct buf;

#define MAIL_ADDR_MAX		254	/* RFC 5321's path limit, less the brackets */
#define MAIL_NAME_MAX		200	/* bytes of a display name */
#define MAIL_SUBJECT_MAX	998	/* bytes */
#define MAIL_BODY_MAX		(1024 * 1024)
#define MAIL_RCPT_MAX		20

/* A mailbox: its address for the envelope, its display name for headers. */
struct mailbox {
	char	addr[MAIL_ADDR_MAX + 1];
	char	name[MAIL_NAME_MAX + 1];    /* "" when none */
};

struct mail {
	struct mailbox		 from;
	const struct mailbox	*to;        /* nto of them */
	size_t			 nto;
	const struct mailbox	*reply_to;  /* or NULL */
	const char		*subject;
	const char		*body;
	const char		*message_id;/* "<...@...>" */
	long long		 date;      /* Unix seconds */
};

const char	*mailbox_parse(const char *text, struct mailbox *out);
const char	*mail_text_check(const char *text, size_t max, int one_line);
void		 mail_message(struct buf *, const struct mail *);

#endif
