#include "json.h"
#include "toolcheck.h"

/* Shallow for now: a config, when present, is an object. */
void
tool_config_check(enum tool_type type, struct json_object *config,
    const char *path, struct json_object *errors)
{
	(void)type;
	if (config != NULL && !json_object_is_type(config, json_type_object))
		errs_add(errors, path, "config must be an object");
}

void
schema_check(struct json_object *schema, const char *path,
    struct json_object *errors)
{
	if (!json_object_is_type(schema, json_type_object) &&
	    !json_object_is_type(schema, json_type_boolean))
		errs_add(errors, path, "a JSON Schema is an object or a boolean");
}
