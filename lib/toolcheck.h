/*
 * Save-time checks of tool configs and of the JSON Schemas a workflow
 * carries. Problems are appended to errors as {path, message}.
 */
#ifndef ORX_TOOLCHECK_H
#define ORX_TOOLCHECK_H

#include <json-c/json.h>

#include "tooltype.h"

void	tool_config_check(enum tool_type, struct json_object *config,
	    const char *path, struct json_object *errors);
void	schema_check(struct json_object *schema, const char *path,
	    struct json_object *errors);

#endif
