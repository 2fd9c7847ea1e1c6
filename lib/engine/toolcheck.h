/*
 * Save-time checks of tool configs and of the JSON Schemas a workflow
 * carries. A catalog holds every type's compiled config schema; a worker
 * builds it once. Problems are appended to errors as {path, message}.
 */
#ifndef ORX_TOOLCHECK_H
#define ORX_TOOLCHECK_H

#include <json-c/json.h>

#include "tooltype.h"

struct catalog;
struct js_options;

/*
 * How every JSON Schema of a workflow is compiled (inputSchema, outputSchema,
 * a validate step's schema and rules): "format" is asserted, so an "email"
 * rule refuses "nope" and an unknown format is refused at save; no loader,
 * so nothing outside the document is ever fetched.
 */
extern const struct js_options workflow_schema_options;

struct catalog	*catalog_new(void);
void		 catalog_free(struct catalog *);
const char	*catalog_json(const struct catalog *);
const char	*catalog_type_json(const struct catalog *, enum tool_type);
void		 tool_config_check(const struct catalog *, enum tool_type,
		    struct json_object *config, const char *path,
		    struct json_object *errors);
void		 schema_check(struct json_object *schema, const char *path,
		    struct json_object *errors);

#endif
