/*
 * Templates inside workflow configs: "{{input.email}}",
 * "{{steps.<toolId>.<path>}}", "{{secrets.<name>}}", "{{env.now}}",
 * "{{request.headers.<lower-case name>}}", "{{request.body}}" (the raw body).
 * A string that is exactly one reference keeps the referenced JSON type;
 * otherwise references are interpolated as text.
 */
#ifndef ORX_TEMPLATE_H
#define ORX_TEMPLATE_H

#include <stddef.h>
#include <json-c/json.h>

enum tpl_root { TPL_INPUT, TPL_STEPS, TPL_SECRETS, TPL_ENV, TPL_REQUEST, TPL__MAX };
extern const char *const tpl_root_names[TPL__MAX];

#define TPL_MAX_SEGS 16

struct tpl_ref {
	enum tpl_root	 root;
	size_t		 nseg;                 /* path segments after the root */
	const char	*seg[TPL_MAX_SEGS];    /* not NUL-terminated */
	size_t		 seglen[TPL_MAX_SEGS];
};

/* Called for each reference found; json_path is where the string sits. */
typedef void (*tpl_ref_cb)(void *ctx, const struct tpl_ref *, const char *json_path);

int	tpl_scan(struct json_object *, const char *json_path, tpl_ref_cb,
	    void *ctx, struct json_object *errors);
int	tpl_render(struct json_object *tmpl, struct json_object *scope,
	    struct json_object **out, char *err, size_t errsz);
int	tpl_has_refs(struct json_object *);

#endif
