/*
 * Per-request arena. Allocation never fails from the caller's point of view:
 * running out of memory aborts, as it would in any request we could not
 * answer sensibly anyway (Redis does the same with zmalloc_oom_handler).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

#define ARENA_ALIGN 16

struct arena_block {
	struct arena_block	*prev;
	size_t			 size;  /* usable bytes in data[] */
	size_t			 used;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

struct arena_defer {
	struct arena_defer	*next;
	arena_cleanup_fn	 fn;
	void			*ptr;
};

static void *
xmalloc(size_t n)
{
	void *p = malloc(n);

	if (p == NULL) {
		fputs("arena: out of memory\n", stderr);
		abort();
	}
	return p;
}

void
arena_init(struct arena *a, size_t block_size)
{
	a->head = NULL;
	a->defers = NULL;
	a->block_size = block_size ? block_size : 16384;
}

void *
arena_alloc(struct arena *a, size_t n)
{
	struct arena_block *b = a->head;
	size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);

	if (need < n)
		abort();
	if (b == NULL || b->size - b->used < need) {
		size_t size = need > a->block_size ? need : a->block_size;

		/* A kept, empty block further down the chain comes first. */
		if (b != NULL && b->prev != NULL && b->prev->used == 0 &&
		    b->prev->size >= need) {
			struct arena_block *reuse = b->prev;
			b->prev = reuse->prev;
			reuse->prev = b;
			a->head = reuse;
			b = reuse;
		} else {
			b = xmalloc(sizeof(*b) + size);
			b->size = size;
			b->used = 0;
			b->prev = a->head;
			a->head = b;
		}
	}
	void *p = b->data + b->used;
	b->used += need;
	return p;
}

void *
arena_calloc(struct arena *a, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		abort();
	void *p = arena_alloc(a, n * size);
	memset(p, 0, n * size);
	return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *
arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		abort();
	char *p = arena_alloc(a, (size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	char *p = arena_vprintf(a, fmt, ap);
	va_end(ap);
	return p;
}

/*
 * Registers fn(ptr) to run at the next reset. Returns ptr, so that a call can
 * wrap an allocation: res = arena_defer(a, (arena_cleanup_fn)PQclear, PQexec(...)).
 * A NULL ptr registers nothing.
 */
void *
arena_defer(struct arena *a, arena_cleanup_fn fn, void *ptr)
{
	if (ptr == NULL)
		return NULL;
	struct arena_defer *d = arena_alloc(a, sizeof(*d));
	d->fn = fn;
	d->ptr = ptr;
	d->next = a->defers;
	a->defers = d;
	return ptr;
}

/*
 * Runs the cleanups and empties the arena. Blocks of the standard size are
 * kept for reuse (up to ARENA_KEEP of them), so a steady request load does
 * not call malloc for its arena at all; oversized blocks are freed.
 */
#define ARENA_KEEP 8

void
arena_reset(struct arena *a)
{
	struct arena_defer *d;
	struct arena_block *b, *prev, *keep = NULL;
	int std = 0;

	for (d = a->defers; d != NULL; d = d->next)
		d->fn(d->ptr);
	a->defers = NULL;

	/* The chain runs newest to oldest; the oldest ARENA_KEEP stay. */
	for (b = a->head; b != NULL; b = b->prev)
		std += b->size == a->block_size;
	for (b = a->head; b != NULL; b = prev) {
		prev = b->prev;
		if (b->size == a->block_size && std-- <= ARENA_KEEP) {
			b->used = 0;
			b->prev = keep;
			keep = b;
		} else
			free(b);
	}
	/* keep now runs oldest first: the first block comes back first. */
	a->head = keep;
}

void
arena_free(struct arena *a)
{
	struct arena_block *b, *prev;

	arena_reset(a);
	for (b = a->head; b != NULL; b = prev) {
		prev = b->prev;
		free(b);
	}
	a->head = NULL;
}
