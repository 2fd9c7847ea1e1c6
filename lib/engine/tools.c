/*
 * The registry of tool types: for each, a summary, the JSON Schema of its
 * config (served by the catalog route and checked at save time), and its
 * functions. Fields that may hold a template accept a string as well as
 * their own type; the tool checks the rendered value when it runs.
 */
#include "tools.h"

#define TPL_INT		"{\"type\":[\"integer\",\"string\"]}"
#define TPL_OBJ		"{\"type\":[\"object\",\"string\"]}"
#define COLLECTION	"{\"type\":\"string\",\"pattern\":\"^[A-Za-z][A-Za-z0-9_-]{0,63}$\"}"
#define FAILURE		"{\"type\":\"object\",\"additionalProperties\":false," \
			"\"properties\":{\"status\":{\"type\":\"integer\",\"minimum\":400,\"maximum\":599}," \
			"\"message\":{\"type\":\"string\",\"maxLength\":500}}}"
#define SECRET_NAME	"{\"type\":\"string\",\"pattern\":\"^[A-Za-z][A-Za-z0-9_.-]{0,63}$\"}"
#define FIELD_NAME	"{\"type\":\"string\",\"pattern\":\"^[A-Za-z_][A-Za-z0-9_]{0,63}$\"}"
/* A document by id (a template) or by one unique field: {"email": "{{input.email}}"}. */
#define DOC_MATCH	"\"id\":{\"type\":\"string\",\"maxLength\":200}," \
			"\"where\":{\"type\":\"object\",\"minProperties\":1,\"maxProperties\":1," \
			"\"propertyNames\":" FIELD_NAME "," \
			"\"additionalProperties\":{\"type\":[\"string\",\"number\",\"boolean\",\"null\"]}}," \
			"\"ifNone\":" FAILURE

const struct tool_impl tool_impls[TOOL__MAX] = {
	[TOOL_INPUT] = {
		"Checks the request against the workflow's inputSchema; its output is the input.",
		"{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{}}",
		NULL, NULL, tool_input_run,
	},
	[TOOL_VALIDATE] = {
		"Checks a value (default: the input) against a JSON Schema and named rules "
		"(required, email, uri, uuid, date-time, string, number, integer, boolean, "
		"minLength, maxLength, pattern, min, max, enum); 400 lists every field error.",
		"{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{"
		"\"schema\":{\"type\":[\"object\",\"boolean\"]},"
		"\"rules\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"array\","
		"\"items\":{\"type\":[\"string\",\"object\"]}}},"
		"\"target\":{}}}",
		tool_validate_compile, tool_validate_free, tool_validate_run,
	},
	[TOOL_TRANSFORM] = {
		"Builds a new value from templates: its output is the rendered \"output\".",
		"{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"output\"],"
		"\"properties\":{\"output\":{}}}",
		NULL, NULL, tool_transform_run,
	},
	[TOOL_DB_INSERT] = {
		"Inserts a JSON document into a collection; fields listed in \"unique\" answer "
		"409 on a duplicate. Output: {id, collection, document, createdAt}.",
		"{\"type\":\"object\",\"additionalProperties\":false,"
		"\"required\":[\"collection\",\"document\"],\"properties\":{"
		"\"collection\":" COLLECTION ","
		"\"document\":" TPL_OBJ ","
		"\"unique\":{\"type\":\"array\",\"maxItems\":8,\"uniqueItems\":true,"
		"\"items\":" FIELD_NAME "}}}",
		NULL, NULL, tool_db_insert_run,
	},
	[TOOL_DB_FIND] = {
		"Finds documents of a collection whose fields equal \"where\" (\"id\" there is "
		"the document's id), up to \"limit\", oldest first. Output: {documents, count, "
		"first}; \"ifEmpty\" fails the run when none match.",
		"{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"collection\"],"
		"\"properties\":{\"collection\":" COLLECTION ","
		"\"where\":" TPL_OBJ ","
		"\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100},"
		"\"ifEmpty\":" FAILURE "}}",
		NULL, NULL, tool_db_find_run,
	},
	[TOOL_DB_UPDATE] = {
		"Sets fields (\"set\", merged into the document; null clears one, or with "
		"\"skipNulls\" leaves it as it is: a field the input did not send) of the document "
		"of a collection with this \"id\", or with this value of a unique field "
		"(\"where\": one field a db_insert declares unique); 404 when there is none "
		"(\"ifNone\"), 409 when a unique value is taken. Output: {id, collection, document}.",
		"{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"collection\",\"set\"],"
		"\"properties\":{\"collection\":" COLLECTION "," DOC_MATCH ","
		"\"set\":" TPL_OBJ ",\"skipNulls\":{\"type\":\"boolean\"}}}",
		tool_db_change_compile, NULL, tool_db_update_run,
	},
	[TOOL_DB_DELETE] = {
		"Removes the document of a collection with this \"id\", or with this value of a "
		"unique field (\"where\"); 404 when there is none (\"ifNone\"). Output: {id, "
		"collection, document} (what it held).",
		"{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"collection\"],"
		"\"properties\":{\"collection\":" COLLECTION "," DOC_MATCH "}}",
		tool_db_change_compile, NULL, tool_db_delete_run,
	},
	[TOOL_PASSWORD_HASH] = {
		"Hashes a password with PBKDF2-HMAC-SHA256 and a random salt. Output: {hash}.",
		"{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"password\"],"
		"\"properties\":{\"password\":{\"type\":\"string\"},"
		"\"iterations\":{\"type\":\"integer\",\"minimum\":1000,\"maximum\":10000000}}}",
		NULL, NULL, tool_password_hash_run,
	},
	[TOOL_PASSWORD_VERIFY] = {
		"Checks a password against a stored hash; a mismatch fails the run (401 by default).",
		"{\"type\":\"object\",\"additionalProperties\":false,"
		"\"required\":[\"password\",\"hash\"],\"properties\":{"
		"\"password\":{\"type\":\"string\"},\"hash\":{\"type\":[\"string\",\"null\"]},"
		"\"onMismatch\":" FAILURE "}}",
		NULL, NULL, tool_password_verify_run,
	},
	[TOOL_JWT_SIGN] = {
		"Signs an HS256 JWT with the workflow secret named \"secret\". Output: "
		"{token, expiresAt}.",
		"{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"secret\"],"
		"\"properties\":{\"secret\":" SECRET_NAME ","
		"\"claims\":" TPL_OBJ ",\"expiresIn\":" TPL_INT ","
		"\"issuer\":{\"type\":\"string\"},\"audience\":{\"type\":\"string\"}}}",
		NULL, NULL, tool_jwt_sign_run,
	},
	[TOOL_JWT_VERIFY] = {
		"Verifies an HS256 JWT (\"Bearer \" prefix allowed); an invalid token fails "
		"the run with 401. Output: {claims}.",
		"{\"type\":\"object\",\"additionalProperties\":false,"
		"\"required\":[\"secret\",\"token\"],\"properties\":{"
		"\"secret\":" SECRET_NAME ","
		"\"token\":{\"type\":[\"string\",\"null\"]},"
		"\"leewaySeconds\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":3600}}}",
		NULL, NULL, tool_jwt_verify_run,
	},
	[TOOL_HTTP_REQUEST] = {
		"Calls an HTTP API (method, url, headers, body; timeout, size cap). "
		"Loopback and private targets are refused unless configured.",
		"{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"url\"],"
		"\"properties\":{\"method\":{\"enum\":[\"GET\",\"POST\",\"PUT\",\"PATCH\",\"DELETE\",\"HEAD\"]},"
		"\"url\":{\"type\":\"string\",\"maxLength\":2048},"
		"\"headers\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\"}},"
		"\"query\":{\"type\":\"object\",\"maxProperties\":50,\"additionalProperties\":"
		"{\"type\":[\"string\",\"number\",\"boolean\",\"null\"]}},"
		"\"body\":{},\"timeoutMs\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":60000},"
		"\"maxBytes\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":10485760},"
		"\"expectStatus\":{\"type\":\"array\",\"minItems\":1,\"maxItems\":32,"
		"\"items\":{\"type\":\"integer\",\"minimum\":100,\"maximum\":599}}}}",
		NULL, NULL, tool_http_request_run,
	},
	[TOOL_SEND_EMAIL] = {
		"Sends a text email over SMTP (to, from, replyTo, subject, body from templates). "
		"The server is host/port/security (starttls, tls or none) with username and the "
		"secret passwordSecret, or else ORX_SMTP_*; loopback and private servers are "
		"refused unless ORX_HTTP_ALLOW lists them. Output: {sent, to, messageId}.",
		"{\"type\":\"object\",\"additionalProperties\":false,"
		"\"required\":[\"to\",\"subject\",\"body\"],\"properties\":{"
		"\"to\":{\"type\":[\"string\",\"array\"],\"minItems\":1,\"maxItems\":20,"
		"\"items\":{\"type\":\"string\"}},"
		"\"from\":{\"type\":\"string\"},\"replyTo\":{\"type\":\"string\"},"
		"\"subject\":{\"type\":\"string\"},\"body\":{\"type\":\"string\"},"
		"\"host\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":253},"
		"\"port\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":65535},"
		"\"security\":{\"enum\":[\"starttls\",\"tls\",\"none\"]},"
		"\"username\":{\"type\":\"string\",\"maxLength\":256},"
		"\"passwordSecret\":" SECRET_NAME ","
		"\"timeoutMs\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":60000}}}",
		tool_send_email_compile, NULL, tool_send_email_run,
	},
	[TOOL_RANDOM_TOKEN] = {
		"Issues a random token (\"bytes\" of randomness, base64url); with \"secret\" it is "
		"a signed link token carrying \"subject\" and \"purpose\", expiring after "
		"\"expiresIn\" seconds. \"mode\": \"verify\" checks such a \"token\" (signature, "
		"purpose, expiry; \"singleUse\": a second use fails) and fails the run with "
		"\"onInvalid\" (400) otherwise. Output: {token, expiresAt, nonce} or {valid, "
		"subject, purpose, expiresAt, nonce}.",
		"{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{"
		"\"mode\":{\"enum\":[\"issue\",\"verify\"]},"
		"\"bytes\":{\"type\":\"integer\",\"minimum\":16,\"maximum\":64},"
		"\"secret\":" SECRET_NAME ","
		"\"purpose\":{\"type\":\"string\",\"pattern\":\"^[A-Za-z0-9_.-]{1,64}$\"},"
		"\"subject\":{\"type\":[\"string\",\"integer\",\"null\"]},"
		"\"expiresIn\":" TPL_INT ","
		"\"token\":{\"type\":[\"string\",\"null\"]},"
		"\"singleUse\":{\"type\":\"boolean\"},\"onInvalid\":" FAILURE "}}",
		tool_random_token_compile, NULL, tool_random_token_run,
	},
	[TOOL_HMAC_VERIFY] = {
		"Checks an HMAC-SHA256 signature (\"signature\", e.g. {{request.headers.x-signature}}, "
		"after an optional \"prefix\" such as \"sha256=\"; hex or base64) of \"message\" "
		"(default: the raw request body) under the secret \"secret\"; a mismatch fails the "
		"run with \"onMismatch\" (401). Output: {valid}.",
		"{\"type\":\"object\",\"additionalProperties\":false,"
		"\"required\":[\"secret\",\"signature\"],\"properties\":{"
		"\"secret\":" SECRET_NAME ",\"signature\":{\"type\":[\"string\",\"null\"]},"
		"\"message\":{\"type\":[\"string\",\"null\"]},"
		"\"algorithm\":{\"enum\":[\"sha256\"]},\"encoding\":{\"enum\":[\"hex\",\"base64\"]},"
		"\"prefix\":{\"type\":\"string\",\"maxLength\":32},\"onMismatch\":" FAILURE "}}",
		NULL, NULL, tool_hmac_verify_run,
	},
	[TOOL_CONDITION] = {
		"Tests a value (ops: eq, ne, gt, gte, lt, lte, exists, missing, truthy, falsy, "
		"contains, in) and skips the tools of the branch not taken.",
		"{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"op\"],"
		"\"properties\":{\"left\":{},\"right\":{},"
		"\"op\":{\"enum\":[\"eq\",\"ne\",\"gt\",\"gte\",\"lt\",\"lte\",\"exists\",\"missing\","
		"\"truthy\",\"falsy\",\"contains\",\"in\"]},"
		"\"whenTrue\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
		"\"whenFalse\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}}}",
		NULL, NULL, tool_condition_run,
	},
	[TOOL_APPROVAL] = {
		"Stops the execution until a person answers (an intervention): a prompt, the "
		"answer's form (a JSON Schema) or options (default approve/deny), who may answer "
		"(owners, scopes), how many approvals, a timeout and what then (continue, "
		"cancel, fail), what a deny does. Later steps read "
		"{{steps.<id>.response}}, .approved, .answeredBy, .answeredAt.",
		"{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"prompt\"],"
		"\"properties\":{\"prompt\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":2000},"
		"\"form\":{\"type\":[\"object\",\"boolean\"]},"
		"\"options\":{\"type\":\"array\",\"minItems\":1,\"maxItems\":20,"
		"\"uniqueItems\":true,\"items\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":100}},"
		"\"approvers\":{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{"
		"\"owners\":{\"type\":\"array\",\"maxItems\":50,\"items\":{\"type\":\"string\","
		"\"minLength\":1,\"maxLength\":64}},"
		"\"scopes\":{\"type\":\"array\",\"maxItems\":5,\"items\":{\"enum\":[\"read\","
		"\"write\",\"run\",\"deploy\",\"admin\"]}}}},"
		"\"required\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":20},"
		"\"timeout\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":31536000},"
		"\"onTimeout\":{\"enum\":[\"continue\",\"cancel\",\"fail\"]},"
		"\"onDeny\":{\"enum\":[\"cancel\",\"fail\",\"continue\"]},"
		"\"allowSelfApproval\":{\"type\":\"boolean\"}}}",
		tool_approval_compile, NULL, tool_approval_run,
	},
	[TOOL_RESPONSE] = {
		"Sets the status, headers and body of the endpoint's reply, and ends the run.",
		"{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{"
		"\"status\":{\"type\":\"integer\",\"minimum\":100,\"maximum\":599},"
		"\"headers\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\"}},"
		"\"body\":{}}}",
		NULL, NULL, tool_response_run,
	},
};

/*
 * Opens the run's transaction at its first write. Returns 0, or fails the
 * step with 503 when the database is away.
 */
int
tool_tx(struct tool_ctx *ctx)
{
	if (ctx->env->db == NULL)
		return tool_fail(ctx, 503, "unavailable", "no database here");
	if (ctx->env->in_tx)
		return 0;
	if (db_begin(ctx->env->db) == -1)
		return tool_fail(ctx, 503, "unavailable", DB_UNAVAILABLE_MESSAGE);
	ctx->env->in_tx = 1;
	return 0;
}
