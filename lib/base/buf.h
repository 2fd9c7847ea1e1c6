/*
 * Growable byte buffer, allocated from an arena (old storage is simply left
 * in the arena when it grows). Always NUL-terminated.
 */
#ifndef ORX_BUF_H
#define ORX_BUF_H

#include <stddef.h>

struct arena;

struct buf {
	struct arena	*arena;
	char		*data;
	size_t		 len;
	size_t		 cap;
};

void	buf_init(struct buf *, struct arena *, size_t hint);
void	buf_put(struct buf *, const void *, size_t);
void	buf_puts(struct buf *, const char *);
void	buf_putc(struct buf *, char);
void	buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	buf_put_json_string(struct buf *, const char *, size_t);
void	buf_put_llong(struct buf *, long long);
void	buf_put_copy_text(struct buf *, const char *, size_t);
void	buf_reset(struct buf *);
void	buf_truncate(struct buf *, size_t len);

#endif
