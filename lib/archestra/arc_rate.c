/* The package's rateLimit (lib/archestra/arc_rate.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "arc_rate.h"
#include "json.h"

#define RATE_MIN	0.001
#define RATE_MAX	1000000.0
#define BURST_MAX	1000000

/*
 * Reads parent's "rateLimit" into *out; path is the JSON pointer of parent
 * for messages (e.g. "" for a package or a deploy body). Returns 0, or -1
 * with each problem appended to errors.
 */
int
arc_rate_read(struct json_object *parent, const char *path, struct arc_rate *out,
    struct json_object *errors)
{
	struct json_object *rl, *v;
	char p[96];
	int bad = 0;

	memset(out, 0, sizeof(*out));
	if (!json_object_object_get_ex(parent, "rateLimit", &rl))
		return 0;
	snprintf(p, sizeof(p), "%s/rateLimit", path);
	if (rl == NULL) {
		out->given = ARC_RATE_CLEARED;
		return 0;
	}
	if (!json_object_is_type(rl, json_type_object)) {
		errs_add(errors, p, "rateLimit must be an object "
		    "{\"perSecond\": n, \"burst\": m} or null");
		return -1;
	}
	json_object_object_foreach(rl, k, val) {
		(void)val;
		if (strcmp(k, "perSecond") != 0 && strcmp(k, "burst") != 0) {
			snprintf(p, sizeof(p), "%s/rateLimit", path);
			errs_add(errors, p, "unknown field %.40s (perSecond, burst)", k);
			bad = 1;
		}
	}
	snprintf(p, sizeof(p), "%s/rateLimit/perSecond", path);
	v = json_object_object_get(rl, "perSecond");
	if (v == NULL || !(json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double)) ||
	    !(json_object_get_double(v) >= RATE_MIN &&
	    json_object_get_double(v) <= RATE_MAX)) {
		errs_add(errors, p, "perSecond is required: a number from 0.001 to 1000000");
		bad = 1;
	} else
		out->per_second = json_object_get_double(v);
	snprintf(p, sizeof(p), "%s/rateLimit/burst", path);
	if ((v = json_object_object_get(rl, "burst")) != NULL) {
		if (!json_object_is_type(v, json_type_int) ||
		    json_object_get_int64(v) < 1 || json_object_get_int64(v) > BURST_MAX) {
			errs_add(errors, p, "burst must be an integer from 1 to 1000000");
			bad = 1;
		} else
			out->burst = (int)json_object_get_int64(v);
	} else if (!bad)
		out->burst = (int)ceil(out->per_second);
	if (bad)
		return -1;
	out->given = ARC_RATE_SET;
	return 0;
}
