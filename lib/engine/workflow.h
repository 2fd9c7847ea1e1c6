/*
 * The workflow document (SPEC §3): validation and canonical form.
 */
#ifndef ORX_WORKFLOW_H
#define ORX_WORKFLOW_H

#include <json-c/json.h>

#define WF_MAX_TOOLS	100
#define WF_MAX_NAME	200
#define WF_MAX_DESC	4000

struct catalog;

int	workflow_check(struct json_object *doc, const struct catalog *,
	    struct json_object **canon, struct json_object *errors);
int	toolid_valid(const char *);
struct json_object *workflow_output_schema(struct json_object *doc);
struct json_object *workflow_secret_names(struct json_object *doc);

#endif
