/*
 * What must not leave the engine in what it renders: the values of the
 * run's secrets (anywhere in any string), and in traces (steps, logs,
 * stored inputs) also the values of password-like fields and password
 * hashes. Every string a run hands out -- its output and headers, its
 * error (stored as executions.error and archestra.invocations.error, shown
 * on the dashboard, answered to the caller), its steps and logs -- goes
 * through mask_json; log lines that carry rendered text through mask_text.
 */
#ifndef ORX_MASK_H
#define ORX_MASK_H

#include <stddef.h>

struct json_object;

enum mask_mode {
	MASK_SECRETS,   /* secrets' values only: outputs, headers, errors */
	MASK_TRACE,     /* and password-like fields and password hashes */
	MASK__MAX
};

struct json_object *mask_json(struct json_object *, struct json_object *secrets,
	    enum mask_mode);
void	redact(struct json_object *, struct json_object *secrets, int keys);
void	mask_text(char *s, struct json_object *secrets);

#endif
