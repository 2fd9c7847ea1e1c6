/*
 * Unit tests for lib/proc/logring.c: rows come out whole and in order, across
 * the ring's wrap-around; a full ring refuses a row and then takes rows
 * again once drained; bad lengths are refused; scribbled-on memory is
 * dropped rather than read past; and a forked producer's rows reach the
 * parent through the shared mapping, as a worker's reach the log writer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "logring.h"
#include "t.h"

struct seen {
	int	n;
	int	in_order;   /* every row was "row <n>" */
	size_t	bytes;
};

static void
check_row(void *ctx, const char *row, size_t n)
{
	struct seen *s = ctx;
	char want[32];

	snprintf(want, sizeof(want), "row %d", s->n);
	if (strlen(row) != n || strcmp(row, want) != 0)
		s->in_order = 0;
	s->n++;
	s->bytes += n;
}

static void
test_order_and_wrap(struct log_ring *r)
{
	struct seen s = { 0, 1, 0 };
	int put = 0, ok = 1;
	char row[32];

	/* Many rounds of a few rows: the positions pass the end many times. */
	for (int round = 0; round < 5000; round++) {
		for (int k = 0; k < 7; k++) {
			int n = snprintf(row, sizeof(row), "row %d", put);
			if (log_ring_put(r, row, (size_t)n) != 0)
				ok = 0;
			put++;
		}
		log_ring_take(r, SIZE_MAX, check_row, &s);
	}
	T_OK(ok, "put: 35000 rows in rounds of 7 all fit");
	T_OK(s.n == put && s.in_order, "take: every row whole and in order (%d of %d)", s.n, put);
	T_OK(atomic_load(&r->head) > 4 * (unsigned long long)LOG_RING_BYTES,
	    "the positions went round the ring several times");
}

static void
test_full(struct log_ring *r)
{
	static char big[LOG_ROW_MAX];
	struct seen s = { 0, 1, 0 };
	int n = 0;

	memset(big, 'x', sizeof(big));
	while (log_ring_put(r, big, sizeof(big)) == 0)
		n++;
	T_OK(n == LOG_RING_BYTES / (LOG_ROW_MAX + 4), "a full ring refuses the next row (%d fitted)", n);
	s.in_order = 1;
	T_OK(log_ring_take(r, SIZE_MAX, check_row, &s) == (size_t)n && s.bytes == (size_t)n * LOG_ROW_MAX,
	    "take: the full ring's rows, every byte");
	T_OK(log_ring_put(r, "row 0", 5) == 0, "after a drain, rows fit again");
	s.n = 0;
	s.in_order = 1;
	T_OK(log_ring_take(r, SIZE_MAX, check_row, &s) == 1 && s.in_order, "and come out");
	T_OK(log_ring_put(r, big, 0) == -1, "an empty row is refused");
	T_OK(log_ring_put(r, big, LOG_ROW_MAX + 1) == -1, "a row over LOG_ROW_MAX is refused");
}

/* A writer that cannot keep more takes fewer: the rest wait in the ring. */
static void
test_take_at_most(struct log_ring *r)
{
	struct seen s = { 0, 1, 0 };
	char row[32];

	for (int i = 0; i < 10; i++)
		log_ring_put(r, row, (size_t)snprintf(row, sizeof(row), "row %d", i));
	T_OK(log_ring_take(r, 4, check_row, &s) == 4 && s.n == 4 && s.in_order,
	    "take at most 4: the first 4 rows");
	T_OK(log_ring_take(r, 0, check_row, &s) == 0 && s.n == 4, "at most 0: none");
	T_OK(log_ring_take(r, SIZE_MAX, check_row, &s) == 6 && s.n == 10 && s.in_order,
	    "the other 6 waited, in order");
}

static void
test_scribbled(struct log_ring *r)
{
	struct seen s = { 0, 1, 0 };
	unsigned long long head;

	log_ring_put(r, "row 0", 5);
	head = atomic_load(&r->head);
	/* A length that cannot be: the ring's contents are dropped. */
	memset(r->data + ((head - 9) & (LOG_RING_BYTES - 1)), 0xff, 4);
	T_OK(log_ring_take(r, SIZE_MAX, check_row, &s) == 0 && atomic_load(&r->tail) == head,
	    "a bad length drops the ring's rows, reads nothing past them");
	/* A head behind the tail (memory scribbled on): dropped, no loop. */
	atomic_store(&r->head, head - 100);
	T_OK(log_ring_take(r, SIZE_MAX, check_row, &s) == 0 &&
	    atomic_load(&r->tail) == atomic_load(&r->head), "a head behind the tail is dropped");
}

static void
test_across_fork(struct log_rings *rs)
{
	struct seen s = { 0, 1, 0 };
	struct log_ring *r = &rs->ring[LOG_RINGS - 1];
	int status = -1;
	pid_t pid;

	if ((pid = fork()) == 0) {
		char row[32];
		for (int i = 0; i < 1000; i++) {
			int n = snprintf(row, sizeof(row), "row %d", i);
			while (log_ring_put(r, row, (size_t)n) != 0)
				usleep(100);   /* the parent drains */
		}
		_exit(0);
	}
	while (s.n < 1000 && waitpid(pid, &status, WNOHANG) == 0)
		if (log_ring_take(r, SIZE_MAX, check_row, &s) == 0)
			usleep(100);
	log_ring_take(r, SIZE_MAX, check_row, &s);
	if (status == -1)
		waitpid(pid, &status, 0);
	T_OK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the forked producer finished");
	T_OK(s.n == 1000 && s.in_order, "its 1000 rows arrived whole and in order (%d)", s.n);
}

int
main(void)
{
	struct log_rings *rs = log_rings_map();

	T_OK(rs != NULL, "log_rings_map");
	if (rs == NULL)
		return t_done();
	T_OK(atomic_load(&rs->ring[0].head) == 0 && atomic_load(&rs->ring[0].tail) == 0,
	    "a new ring is empty");
	test_order_and_wrap(&rs->ring[0]);
	test_full(&rs->ring[1]);
	test_scribbled(&rs->ring[2]);
	test_take_at_most(&rs->ring[3]);
	test_across_fork(rs);
	log_rings_unmap(rs);
	return t_done();
}
