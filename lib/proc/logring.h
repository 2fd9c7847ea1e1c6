/*
 * Log rows from workers to their program's log writer through shared
 * memory: one single-producer, single-consumer ring per worker slot of the
 * master, so a worker logs a call with two atomic operations and a copy --
 * no system call, no wake-up of the writer, which drains the rings on a
 * timer. A full ring drops the row (the caller counts it); a writer that
 * cannot take more leaves rows in the rings, which then fill.
 *
 * A slot has at most one worker at a time (the master reuses a slot only
 * after reaping its worker), so each ring has one producer. A worker that
 * dies while writing never published its row: the next one overwrites it.
 */
#ifndef ORX_LOGRING_H
#define ORX_LOGRING_H

#include <stdatomic.h>
#include <stddef.h>

#define LOG_RINGS	128          /* the master's worker slots */
#define LOG_RING_BYTES	(64 * 1024)  /* a power of two */
#define LOG_ROW_MAX	4096

struct log_ring {
	atomic_ullong	head;   /* bytes the worker has published */
	char		pad0[64 - sizeof(atomic_ullong)];
	atomic_ullong	tail;   /* bytes the writer has taken */
	char		pad1[64 - sizeof(atomic_ullong)];
	unsigned char	data[LOG_RING_BYTES];
};

struct log_rings {
	struct log_ring	ring[LOG_RINGS];
};

struct log_rings	*log_rings_map(void);
void			 log_rings_unmap(struct log_rings *);
int			 log_ring_put(struct log_ring *, const void *row, size_t n);
size_t			 log_ring_take(struct log_ring *, size_t max,
			    void (*fn)(void *ctx, const char *row, size_t n), void *ctx);

#endif
