/*
 * The closed set of tool types (SPEC §4). Adding a type breaks the build
 * until every table indexed by it has an entry.
 */
#ifndef ORX_TOOLTYPE_H
#define ORX_TOOLTYPE_H

enum tool_type {
	TOOL_INPUT,
	TOOL_VALIDATE,
	TOOL_TRANSFORM,
	TOOL_DB_INSERT,
	TOOL_DB_FIND,
	TOOL_DB_UPDATE,
	TOOL_DB_DELETE,
	TOOL_PASSWORD_HASH,
	TOOL_PASSWORD_VERIFY,
	TOOL_JWT_SIGN,
	TOOL_JWT_VERIFY,
	TOOL_HTTP_REQUEST,
	TOOL_SEND_EMAIL,
	TOOL_RANDOM_TOKEN,
	TOOL_HMAC_VERIFY,
	TOOL_CONDITION,
	TOOL_APPROVAL,
	TOOL_RESPONSE,
	TOOL__MAX
};
extern const char *const tool_type_names[TOOL__MAX];

#include <stddef.h>

int	tool_type_lookup(const char *name);
size_t	tool_type_aliases(enum tool_type, const char **out, size_t max);

#endif
