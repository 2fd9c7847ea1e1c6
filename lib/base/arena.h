/*
 * Per-request arena: bump allocation from chained blocks, released at once.
 * Foreign resources (PGresult, json_object, curl lists) are attached with
 * arena_defer() and released, newest first, by arena_reset().
 */
#ifndef ORX_ARENA_H
#define ORX_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena_block;
struct arena_defer;

struct arena {
	struct arena_block	*head;    /* current block; older ones chained */
	struct arena_defer	*defers;  /* LIFO list of cleanups */
	size_t			 block_size;
};

typedef void (*arena_cleanup_fn)(void *);

void	 arena_init(struct arena *, size_t block_size);
void	*arena_alloc(struct arena *, size_t);
void	*arena_calloc(struct arena *, size_t n, size_t size);
char	*arena_strdup(struct arena *, const char *);
char	*arena_strndup(struct arena *, const char *, size_t);
char	*arena_printf(struct arena *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
char	*arena_vprintf(struct arena *, const char *, va_list);
void	*arena_defer(struct arena *, arena_cleanup_fn, void *);
void	 arena_reset(struct arena *);
void	 arena_free(struct arena *);

#endif
