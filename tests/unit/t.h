/*
 * A minimal TAP producer for unit tests: each check prints "ok N - what" or
 * "not ok N - what", and t_done() prints the plan and returns the exit code.
 * tests/run.py reads these lines.
 */
#ifndef ORX_T_H
#define ORX_T_H

#include <stdio.h>
#include <string.h>

static int t_count, t_failed;

#define T_OK(cond, ...) do {						\
	int t_c_ = (cond) ? 1 : 0;					\
	t_count++;							\
	if (t_c_) {							\
		printf("ok %d - ", t_count);				\
	} else {							\
		t_failed++;						\
		printf("not ok %d - ", t_count);			\
	}								\
	printf(__VA_ARGS__);						\
	printf("%s\n", t_c_ ? "" : "  # " __FILE__ ": " #cond);	\
} while (0)

#define T_STR(got, want, what) do {					\
	const char *t_g_ = (got), *t_w_ = (want);			\
	int t_eq_ = t_g_ != NULL && t_w_ != NULL && strcmp(t_g_, t_w_) == 0; \
	T_OK(t_eq_, "%s", what);					\
	if (!t_eq_)							\
		printf("#   got:  %s\n#   want: %s\n",			\
		    t_g_ ? t_g_ : "(null)", t_w_ ? t_w_ : "(null)");	\
} while (0)

static inline int
t_done(void)
{
	printf("1..%d\n", t_count);
	return t_failed ? 1 : 0;
}

#endif
