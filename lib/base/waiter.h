/*
 * What a worker is told just before it waits on something outside its
 * process: a statement, an HTTP call, a client. The program sets the
 * function (the CPU gate gives the worker's place back, lib/proc/gate.h);
 * the layers that wait only call waiter_notify(), and know no gate.
 */
#ifndef ORX_WAITER_H
#define ORX_WAITER_H

#include <stddef.h>

struct waiter {
	void	(*fn)(void *ctx);
	void	 *ctx;
};

/* Tells w (NULL, or one without a function: nothing happens). */
static inline void
waiter_notify(const struct waiter *w)
{
	if (w != NULL && w->fn != NULL)
		w->fn(w->ctx);
}

#endif
