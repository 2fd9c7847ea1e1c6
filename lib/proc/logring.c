/*
 * Shared-memory rings of log rows; see logring.h. A row is a 4-byte length
 * and its bytes, written at the ring's head (mod its size) and published by
 * a release store of head; the writer reads up to head (acquire) and frees
 * the space by a release store of tail.
 */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "logring.h"

#define MASK	((unsigned long long)LOG_RING_BYTES - 1)

/* The rings, shared by the master's children; NULL if mmap failed. */
struct log_rings *
log_rings_map(void)
{
	void *p = mmap(NULL, sizeof(struct log_rings), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void
log_rings_unmap(struct log_rings *rs)
{
	if (rs != NULL)
		munmap(rs, sizeof(*rs));
}

static void
ring_copy_in(struct log_ring *r, unsigned long long pos, const void *src, size_t n)
{
	size_t off = (size_t)(pos & MASK), first = LOG_RING_BYTES - off;

	if (first > n)
		first = n;
	memcpy(r->data + off, src, first);
	memcpy(r->data, (const unsigned char *)src + first, n - first);
}

static void
ring_copy_out(const struct log_ring *r, unsigned long long pos, void *dst, size_t n)
{
	size_t off = (size_t)(pos & MASK), first = LOG_RING_BYTES - off;

	if (first > n)
		first = n;
	memcpy(dst, r->data + off, first);
	memcpy((unsigned char *)dst + first, r->data, n - first);
}

/*
 * Appends one row (1..LOG_ROW_MAX bytes). Only the ring's own worker calls
 * this. Returns 0, or -1 when the row is too long or the ring is full.
 */
int
log_ring_put(struct log_ring *r, const void *row, size_t n)
{
	unsigned long long head, tail;
	uint32_t len = (uint32_t)n;

	if (n == 0 || n > LOG_ROW_MAX)
		return -1;
	head = atomic_load_explicit(&r->head, memory_order_relaxed);
	tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	if (LOG_RING_BYTES - (head - tail) < sizeof(len) + n)
		return -1;
	ring_copy_in(r, head, &len, sizeof(len));
	ring_copy_in(r, head + sizeof(len), row, n);
	atomic_store_explicit(&r->head, head + sizeof(len) + n, memory_order_release);
	return 0;
}

/*
 * Hands the published rows to fn, in order, at most max of them, then
 * frees their space; the others stay for a later take. Only the log writer
 * calls this. A length that cannot be (memory scribbled on) drops what the
 * ring holds. Returns the number of rows taken.
 */
size_t
log_ring_take(struct log_ring *r, size_t max,
    void (*fn)(void *, const char *, size_t), void *ctx)
{
	unsigned long long head, tail;
	char row[LOG_ROW_MAX + 1];
	size_t taken = 0;
	uint32_t len;

	tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	head = atomic_load_explicit(&r->head, memory_order_acquire);
	if (head - tail > LOG_RING_BYTES)
		tail = head;
	while (taken < max && head - tail >= sizeof(len)) {
		ring_copy_out(r, tail, &len, sizeof(len));
		if (len == 0 || len > LOG_ROW_MAX || head - tail < sizeof(len) + len) {
			tail = head;
			break;
		}
		ring_copy_out(r, tail + sizeof(len), row, len);
		row[len] = '\0';
		tail += sizeof(len) + len;
		fn(ctx, row, len);
		taken++;
	}
	atomic_store_explicit(&r->tail, tail, memory_order_release);
	return taken;
}
