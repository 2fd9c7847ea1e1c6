#include <string.h>

#include "tooltype.h"

const char *const tool_type_names[TOOL__MAX] = {
	"input", "validate", "transform", "db_insert", "db_find", "db_update",
	"db_delete", "password_hash", "password_verify", "jwt_sign", "jwt_verify",
	"http_request", "send_email", "random_token", "hmac_verify", "condition",
	"approval", "response",
};

/* The seed documents' names for the same types. */
static const struct {
	const char	*alias;
	enum tool_type	 type;
} aliases[] = {
	{ "validation", TOOL_VALIDATE },
	{ "dbInsert", TOOL_DB_INSERT },
	{ "dbFind", TOOL_DB_FIND },
	{ "dbUpdate", TOOL_DB_UPDATE },
	{ "dbDelete", TOOL_DB_DELETE },
	{ "passwordHash", TOOL_PASSWORD_HASH },
	{ "passwordVerify", TOOL_PASSWORD_VERIFY },
	{ "jwtGenerate", TOOL_JWT_SIGN },
	{ "jwtSign", TOOL_JWT_SIGN },
	{ "jwtVerify", TOOL_JWT_VERIFY },
	{ "httpRequest", TOOL_HTTP_REQUEST },
	{ "sendEmail", TOOL_SEND_EMAIL },
	{ "randomToken", TOOL_RANDOM_TOKEN },
	{ "hmacVerify", TOOL_HMAC_VERIFY },
};

/* The seed's names for t, at most max of them into out; returns how many. */
size_t
tool_type_aliases(enum tool_type t, const char **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]) && n < max; i++)
		if (aliases[i].type == t)
			out[n++] = aliases[i].alias;
	return n;
}

/* Returns the type named (canonically or by a seed alias), or -1. */
int
tool_type_lookup(const char *name)
{
	size_t i;

	for (i = 0; i < TOOL__MAX; i++)
		if (strcmp(name, tool_type_names[i]) == 0)
			return (int)i;
	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcmp(name, aliases[i].alias) == 0)
			return (int)aliases[i].type;
	return -1;
}
