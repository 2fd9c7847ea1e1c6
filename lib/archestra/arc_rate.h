/*
 * A deployment package's "rateLimit": {"perSecond": n, "burst": m}, the
 * calls per second its agent takes (a number, 0.001 to 1000000) and how
 * many may come at once (an integer, 1 to 1000000; default: perSecond
 * rounded up). Orchestrix takes it from the deploy body and puts it in the
 * package; the runtime reads it back. Absent in a replace keeps the
 * agent's rate; null removes it.
 */
#ifndef ORX_ARC_RATE_H
#define ORX_ARC_RATE_H

struct json_object;

enum arc_rate_given { ARC_RATE_ABSENT, ARC_RATE_SET, ARC_RATE_CLEARED };

struct arc_rate {
	enum arc_rate_given	 given;
	double			 per_second;
	int			 burst;
};

int	arc_rate_read(struct json_object *parent, const char *path,
	    struct arc_rate *, struct json_object *errors);

#endif
