/*
 * Unit tests for lib/base/arena.c: 16-byte alignment, small and oversized
 * allocations, string helpers, deferred cleanups (newest first) and the
 * reuse of the first block across resets. ASan checks that every byte
 * handed out is usable and that arena_free releases everything.
 */
#include <stdint.h>
#include <string.h>

#include "arena.h"
#include "t.h"

static int
aligned16(const void *p)
{
	return ((uintptr_t)p & 15) == 0;
}

static void
test_alignment(void)
{
	static const size_t sizes[] = { 1, 3, 7, 15, 16, 17, 31, 33, 100, 0 };
	struct arena a;
	int ok = 1;

	arena_init(&a, 256);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		void *p = arena_alloc(&a, sizes[i]);
		if (!aligned16(p))
			ok = 0;
	}
	T_OK(ok, "alloc: every pointer is 16-byte aligned");
	T_OK(aligned16(arena_strdup(&a, "x")), "strdup: aligned");
	T_OK(aligned16(arena_printf(&a, "%d", 7)), "printf: aligned");
	arena_free(&a);
}

/* Fills n blocks of 24 bytes with their index, then checks none overlap. */
static void
test_many_small(void)
{
	enum { N = 5000 };
	static unsigned char *p[N];
	struct arena a;
	int ok = 1, aligned = 1;

	arena_init(&a, 1024);
	for (int i = 0; i < N; i++) {
		p[i] = arena_alloc(&a, 24);
		memset(p[i], i & 0xff, 24);
		if (!aligned16(p[i]))
			aligned = 0;
	}
	for (int i = 0; i < N; i++)
		for (int j = 0; j < 24; j++)
			if (p[i][j] != (unsigned char)(i & 0xff))
				ok = 0;
	T_OK(ok, "5000 small allocations keep their contents");
	T_OK(aligned, "5000 small allocations are aligned");
	arena_free(&a);
}

static void
test_huge(void)
{
	struct arena a;
	unsigned char *small, *big, *after;
	size_t bign = 1u << 20;

	arena_init(&a, 1024);
	small = arena_alloc(&a, 10);
	memset(small, 'a', 10);
	big = arena_alloc(&a, bign);
	memset(big, 'b', bign);   /* ASan: the whole MiB is ours */
	T_OK(aligned16(big), "huge: aligned");
	after = arena_alloc(&a, 10);
	memset(after, 'c', 10);
	T_OK(small[9] == 'a' && big[0] == 'b' && big[bign - 1] == 'b' &&
	    after[0] == 'c', "huge: neighbours untouched");
	arena_reset(&a);
	T_OK(arena_alloc(&a, 10) == small,
	    "reset after a huge block: the first block is reused");
	arena_free(&a);

	/* An oversized first block is not kept. */
	arena_init(&a, 1024);
	arena_alloc(&a, 4096);
	arena_reset(&a);
	T_OK(a.head == NULL, "reset: an oversized only block is released");
	arena_free(&a);
}

static void
test_strings(void)
{
	struct arena a;
	char longs[3000];
	char *s;

	arena_init(&a, 256);
	T_STR(arena_strdup(&a, "hello"), "hello", "strdup");
	T_STR(arena_strdup(&a, ""), "", "strdup of empty");
	T_STR(arena_strndup(&a, "hello", 3), "hel", "strndup cuts");
	T_STR(arena_printf(&a, "%s-%d-%05.1f", "x", 42, 2.5), "x-42-002.5",
	    "printf formats");
	memset(longs, 'z', sizeof(longs) - 1);
	longs[sizeof(longs) - 1] = '\0';
	s = arena_printf(&a, "<%s>", longs);
	T_OK(strlen(s) == sizeof(longs) + 1 && s[0] == '<' &&
	    s[sizeof(longs)] == '>', "printf longer than a block");

	unsigned char *z = arena_calloc(&a, 10, 30);
	int zero = 1;
	for (int i = 0; i < 300; i++)
		if (z[i] != 0)
			zero = 0;
	T_OK(zero, "calloc zeroes");
	arena_free(&a);
}

static int order[8], norder;

static void
record(void *p)
{
	order[norder++] = *(int *)p;
}

static void
test_defer(void)
{
	static int one = 1, two = 2, three = 3;
	struct arena a;

	norder = 0;
	arena_init(&a, 256);
	T_OK(arena_defer(&a, record, &one) == &one, "defer returns its pointer");
	arena_defer(&a, record, &two);
	arena_defer(&a, record, &three);
	T_OK(arena_defer(&a, record, NULL) == NULL, "defer of NULL returns NULL");
	T_OK(norder == 0, "defer: nothing runs before reset");
	arena_reset(&a);
	T_OK(norder == 3, "reset ran three cleanups (none for NULL)");
	T_OK(order[0] == 3 && order[1] == 2 && order[2] == 1,
	    "cleanups run newest first");
	arena_reset(&a);
	T_OK(norder == 3, "a second reset runs nothing again");

	arena_defer(&a, record, &one);
	arena_free(&a);
	T_OK(norder == 4 && order[3] == 1, "arena_free runs pending cleanups");
	T_OK(a.head == NULL && a.defers == NULL, "arena_free leaves it empty");
}

static void
test_reset_reuse(void)
{
	struct arena a;
	void *first, *again;

	arena_init(&a, 512);
	first = arena_alloc(&a, 100);
	for (int i = 0; i < 50; i++)   /* spill into more blocks */
		arena_alloc(&a, 200);
	arena_reset(&a);
	again = arena_alloc(&a, 100);
	T_OK(again == first, "reset: the first block is reused from its start");
	arena_reset(&a);
	arena_reset(&a);
	T_OK(arena_alloc(&a, 8) == first, "repeated resets keep the block");
	arena_free(&a);
	T_OK(a.head == NULL, "arena_free releases the kept block");

	arena_init(&a, 0);
	T_OK(a.block_size == 16384, "block size 0 means the default");
	arena_free(&a);
}

int
main(void)
{
	test_alignment();
	test_many_small();
	test_huge();
	test_strings();
	test_defer();
	test_reset_reuse();
	return t_done();
}
