/*
 * The Archestra deployment API (SPEC §6).
 *
 * The package: what Orchestrix sends and the runtime accepts. Each tool's
 * type and config travel as its "handler"; the workflow's identity travels
 * as "metadata"; the workflow's secrets (plain text, decrypted by the caller)
 * travel as "secrets", so the package body must never be logged.
 *
 * The client: one libcurl easy handle per call, no redirects, no proxy,
 * http(s) only, a capped answer parsed strictly. Every failure becomes one
 * enum arc_status plus the short reason the seed deploy route prints after
 * "Failed to deploy to Archestra: ". The API key and the body stay out of
 * the log; libcurl's own detail goes there instead of to the client.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "archestra.h"
#include "arc_rate.h"
#include "buf.h"
#include "config.h"
#include "curlio.h"
#include "json.h"
#include "log.h"

#define ARC_MAX_KEY		4096	/* bytes of the API key */
#define ARC_MAX_IDEM		255	/* bytes of an Idempotency-Key */
#define ARC_MAX_DETAILS		100	/* field errors kept from a 400/422 */
#define ARC_DEFAULT_TIMEOUT	10000L
#define ARC_JSON_DEPTH		32

const char *const arc_status_names[ARC__MAX] = {
	"ok",
	"no_key",
	"unauthorized",
	"network",
	"rejected",
	"not_found",
	"server_error",
	"bad_response",
};

static const char *const pkg_fields[] = {
	"name", "description", "tools", "executionOrder", "inputSchema",
	"metadata", "secrets", "accessKey", "isolation", "rateLimit", NULL
};
static const char *const pkg_tool_fields[] = {
	"toolId", "name", "description", "handler", "inputSchema",
	"outputSchema", NULL
};
static const char *const pkg_handler_fields[] = { "type", "config", NULL };

/* A new deep copy of v; JSON null (NULL in json-c) stays NULL. */
static struct json_object *
copy(struct json_object *v)
{
	struct json_object *c = NULL;

	if (v == NULL || json_object_deep_copy(v, &c, NULL) != 0)
		return NULL;
	return c;
}

/* A new deep copy of obj[key] if present and of that type, else dflt parsed. */
static struct json_object *
copy_or(struct json_object *obj, const char *key, enum json_type type,
    const char *dflt)
{
	struct json_object *v = json_get(obj, key, type);

	return v != NULL ? copy(v) : json_tokener_parse(dflt);
}

/* 1 if v is an object with no members. */
static int
empty_object(struct json_object *v)
{
	return json_object_is_type(v, json_type_object) &&
	    json_object_object_length(v) == 0;
}

/* Names of secrets: a letter, then up to 63 letters, digits, '_', '.', '-'. */
static int
secret_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || !isalpha((unsigned char)s[0]))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.' &&
		    s[i] != '-')
			return 0;
	return 1;
}

/* Owner ids: ^[a-z0-9][a-z0-9_-]{0,62}$, as the owners table has them. */
static int
owner_id_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 63 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

/* Agent ids: ^agent_[a-z0-9]{8,64}$ (what the runtime assigns). */
int
arc_agent_id_valid(const char *s)
{
	size_t n;

	if (s == NULL || strncmp(s, "agent_", 6) != 0)
		return 0;
	s += 6;
	n = strlen(s);
	if (n < 8 || n > 64)
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
			return 0;
	return 1;
}

/*
 * Builds the deployment package of a canonical workflow document: a new
 * object the caller puts, sharing nothing with doc or secrets (both
 * borrowed). Each tool becomes {toolId, name, description?, handler{type,
 * config}, inputSchema, outputSchema} with {} for an absent schema. NULL
 * arguments leave their metadata field out; "secrets" is present only when
 * secrets has members. Returns NULL if doc lacks name, tools (each with a
 * string toolId and type) or executionOrder.
 */
struct json_object *
arc_package(struct json_object *doc, const char *server_id, const char *owner_id,
    int version, const char *created_at, struct json_object *secrets)
{
	struct json_object *tools, *order, *pkg = NULL, *ptools, *meta, *v;
	size_t n;

	if (json_get_str(doc, "name") == NULL ||
	    (tools = json_get(doc, "tools", json_type_array)) == NULL ||
	    (order = json_get(doc, "executionOrder", json_type_array)) == NULL)
		return NULL;
	n = json_object_array_length(tools);
	for (size_t i = 0; i < n; i++) {
		struct json_object *t = json_object_array_get_idx(tools, i);

		if (json_get_str(t, "toolId") == NULL || json_get_str(t, "type") == NULL)
			return NULL;
	}

	pkg = json_object_new_object();
	json_object_object_add(pkg, "name", copy(json_object_object_get(doc, "name")));
	json_object_object_add(pkg, "description",
	    copy_or(doc, "description", json_type_string, "\"\""));
	ptools = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		struct json_object *t = json_object_array_get_idx(tools, i);
		struct json_object *o = json_object_new_object();
		struct json_object *h = json_object_new_object();

		json_object_object_add(o, "toolId",
		    copy(json_object_object_get(t, "toolId")));
		v = json_get(t, "name", json_type_string);
		json_object_object_add(o, "name",
		    copy(v != NULL ? v : json_object_object_get(t, "toolId")));
		if ((v = json_get(t, "description", json_type_string)) != NULL)
			json_object_object_add(o, "description", copy(v));
		json_object_object_add(h, "type", copy(json_object_object_get(t, "type")));
		json_object_object_add(h, "config",
		    copy_or(t, "config", json_type_object, "{}"));
		json_object_object_add(o, "handler", h);
		/* A schema may be an object or a boolean; absent means {}. */
		static const char *const schemas[] = { "inputSchema", "outputSchema" };
		for (size_t k = 0; k < 2; k++) {
			if (json_object_object_get_ex(t, schemas[k], &v) && v != NULL)
				json_object_object_add(o, schemas[k], copy(v));
			else
				json_object_object_add(o, schemas[k],
				    json_object_new_object());
		}
		json_object_array_add(ptools, o);
	}
	json_object_object_add(pkg, "tools", ptools);
	json_object_object_add(pkg, "executionOrder", copy(order));
	if (json_object_object_get_ex(doc, "inputSchema", &v) && v != NULL)
		json_object_object_add(pkg, "inputSchema", copy(v));
	else
		json_object_object_add(pkg, "inputSchema",
		    json_tokener_parse("{\"type\":\"object\"}"));

	meta = json_object_new_object();
	json_object_object_add(meta, "createdBy", json_object_new_string("orchestrix"));
	if (server_id != NULL)
		json_object_object_add(meta, "serverId", json_object_new_string(server_id));
	if (created_at != NULL)
		json_object_object_add(meta, "createdAt",
		    json_object_new_string(created_at));
	if (owner_id != NULL)
		json_object_object_add(meta, "ownerId", json_object_new_string(owner_id));
	json_object_object_add(meta, "version", json_object_new_int(version));
	json_object_object_add(pkg, "metadata", meta);

	if (json_object_is_type(secrets, json_type_object) &&
	    json_object_object_length(secrets) > 0)
		json_object_object_add(pkg, "secrets", copy(secrets));
	return pkg;
}

/* Checks that obj[key], if present, is a string; required says if it must be. */
static struct json_object *
want_string(struct json_object *obj, const char *key, int required,
    const char *path, struct json_object *errors)
{
	struct json_object *v;
	char p[192];

	json_pointer_append(p, sizeof(p), path, key);
	if (!json_object_object_get_ex(obj, key, &v)) {
		if (required)
			errs_add(errors, p, "%s is required", key);
		return NULL;
	}
	if (!json_object_is_type(v, json_type_string)) {
		errs_add(errors, p, "%s must be a string", key);
		return NULL;
	}
	if (required && json_object_get_string_len(v) == 0) {
		errs_add(errors, p, "%s must not be empty", key);
		return NULL;
	}
	return v;
}

/* Checks that obj[key], if present, is a JSON Schema in shape (object or boolean). */
static void
want_schema(struct json_object *obj, const char *key, const char *path,
    struct json_object *errors)
{
	struct json_object *v;
	char p[192];

	if (!json_object_object_get_ex(obj, key, &v) ||
	    json_object_is_type(v, json_type_object) ||
	    json_object_is_type(v, json_type_boolean))
		return;
	json_pointer_append(p, sizeof(p), path, key);
	errs_add(errors, p, "%s must be a JSON Schema (an object)", key);
}

/* Reports every member of obj whose name is not in allowed. */
static void
unknown_fields(struct json_object *obj, const char *const *allowed,
    const char *path, struct json_object *errors)
{
	char p[192];

	json_object_object_foreach(obj, key, val) {
		(void)val;
		if (!key_in_list(allowed, key)) {
			json_pointer_append(p, sizeof(p), path, key);
			errs_add(errors, p, "unknown field");
		}
	}
}

/* Checks one package tool at pkg.tools[i] (path "/tools/<i>"). */
static void
check_tool(struct json_object *t, const char *path, struct json_object *errors)
{
	struct json_object *h, *v;
	char p[192];

	if (!json_object_is_type(t, json_type_object)) {
		errs_add(errors, path, "a tool must be an object");
		return;
	}
	unknown_fields(t, pkg_tool_fields, path, errors);
	want_string(t, "toolId", 1, path, errors);
	want_string(t, "name", 0, path, errors);
	want_string(t, "description", 0, path, errors);
	want_schema(t, "inputSchema", path, errors);
	want_schema(t, "outputSchema", path, errors);
	snprintf(p, sizeof(p), "%s/handler", path);
	if (!json_object_object_get_ex(t, "handler", &h)) {
		errs_add(errors, p, "handler is required");
		return;
	}
	if (!json_object_is_type(h, json_type_object)) {
		errs_add(errors, p, "handler must be an object with type and config");
		return;
	}
	unknown_fields(h, pkg_handler_fields, p, errors);
	want_string(h, "type", 1, p, errors);
	if (json_object_object_get_ex(h, "config", &v) &&
	    !json_object_is_type(v, json_type_object)) {
		snprintf(p, sizeof(p), "%s/handler/config", path);
		errs_add(errors, p, "config must be an object");
	}
}

static void
check_secrets(struct json_object *s, struct json_object *errors)
{
	char p[192];

	if (!json_object_is_type(s, json_type_object)) {
		errs_add(errors, "/secrets", "secrets must be an object of name: value");
		return;
	}
	json_object_object_foreach(s, name, val) {
		json_pointer_append(p, sizeof(p), "/secrets", name);
		if (!secret_name_valid(name))
			errs_add(errors, p, "a secret name is a letter then up to 63 "
			    "letters, digits, '_', '.' or '-'");
		else if (!json_object_is_type(val, json_type_string) ||
		    json_object_get_string_len(val) == 0 ||
		    json_object_get_string_len(val) > ARC_MAX_SECRET)
			errs_add(errors, p, "a secret value must be a non-empty string "
			    "of at most %d bytes", ARC_MAX_SECRET);
	}
}

/*
 * The reverse of arc_package, for the runtime: checks the package's shape
 * (not tool types or configs: the caller runs workflow_check on the result)
 * and builds a new workflow document in canonical field order: name,
 * description, inputSchema, tools[{toolId, name, type, config, description?,
 * inputSchema?, outputSchema?}], executionOrder. A tool schema that is {} is
 * left out (arc_package sends {} for an absent one).
 * Returns 0 with *doc_out new and *secrets_out a new reference to the
 * package's secrets (NULL if none), or -1 with {path, message} objects
 * appended to errors and both outputs NULL. "accessKey" (a string of 16 to
 * 256 bytes) and "isolation" ("shared" or "dedicated") are checked and left
 * to the caller.
 */
int
arc_package_to_doc(struct json_object *pkg, struct json_object **doc_out,
    struct json_object **secrets_out, struct json_object *errors)
{
	struct json_object *tools = NULL, *order = NULL, *v, *doc, *dtools;
	size_t before = json_object_array_length(errors), n;
	char path[64];

	*doc_out = NULL;
	*secrets_out = NULL;
	if (!json_object_is_type(pkg, json_type_object)) {
		errs_add(errors, "", "the package must be a JSON object");
		return -1;
	}
	unknown_fields(pkg, pkg_fields, "", errors);
	want_string(pkg, "name", 1, "", errors);
	want_string(pkg, "description", 0, "", errors);
	want_schema(pkg, "inputSchema", "", errors);

	if (!json_object_object_get_ex(pkg, "tools", &tools))
		errs_add(errors, "/tools", "tools is required");
	else if (!json_object_is_type(tools, json_type_array))
		errs_add(errors, "/tools", "tools must be an array of tools");
	else
		for (size_t i = 0; i < json_object_array_length(tools); i++) {
			snprintf(path, sizeof(path), "/tools/%zu", i);
			check_tool(json_object_array_get_idx(tools, i), path, errors);
		}

	if (!json_object_object_get_ex(pkg, "executionOrder", &order))
		errs_add(errors, "/executionOrder", "executionOrder is required");
	else if (!json_object_is_type(order, json_type_array))
		errs_add(errors, "/executionOrder",
		    "executionOrder must be an array of toolIds");
	else
		for (size_t i = 0; i < json_object_array_length(order); i++)
			if (!json_object_is_type(json_object_array_get_idx(order, i),
			    json_type_string)) {
				snprintf(path, sizeof(path), "/executionOrder/%zu", i);
				errs_add(errors, path, "must be a toolId string");
			}

	if (json_object_object_get_ex(pkg, "metadata", &v) &&
	    !json_object_is_type(v, json_type_object))
		errs_add(errors, "/metadata", "metadata must be an object");
	else if ((v = json_get(pkg, "metadata", json_type_object)) != NULL &&
	    json_object_object_get_ex(v, "ownerId", &v) &&
	    (!json_object_is_type(v, json_type_string) || !owner_id_valid(json_object_get_string(v))))
		/* The owner's collections are the agent's: its id has the owners' shape. */
		errs_add(errors, "/metadata/ownerId",
		    "ownerId is 1 to 63 of a-z, 0-9, '_' and '-', starting with a letter or digit");
	if (json_object_object_get_ex(pkg, "secrets", &v))
		check_secrets(v, errors);
	if (json_object_object_get_ex(pkg, "accessKey", &v) &&
	    (!json_object_is_type(v, json_type_string) ||
	    json_object_get_string_len(v) < 16 || json_object_get_string_len(v) > 256))
		errs_add(errors, "/accessKey",
		    "accessKey must be a string of 16 to 256 bytes");
	/* The runtime reads it (shared, the default, or its own deployment). */
	if (json_object_object_get_ex(pkg, "isolation", &v) &&
	    (!json_object_is_type(v, json_type_string) ||
	    (strcmp(json_object_get_string(v), "shared") != 0 &&
	    strcmp(json_object_get_string(v), "dedicated") != 0)))
		errs_add(errors, "/isolation", "isolation is \"shared\" or \"dedicated\"");
	{
		struct arc_rate rate;   /* read again by the runtime, which keeps it */
		(void)arc_rate_read(pkg, "", &rate, errors);
	}

	if (json_object_array_length(errors) > before)
		return -1;

	doc = json_object_new_object();
	json_object_object_add(doc, "name", copy(json_object_object_get(pkg, "name")));
	json_object_object_add(doc, "description",
	    copy_or(pkg, "description", json_type_string, "\"\""));
	if (json_object_object_get_ex(pkg, "inputSchema", &v))
		json_object_object_add(doc, "inputSchema", copy(v));
	else
		json_object_object_add(doc, "inputSchema",
		    json_tokener_parse("{\"type\":\"object\"}"));
	dtools = json_object_new_array();
	n = json_object_array_length(tools);
	for (size_t i = 0; i < n; i++) {
		struct json_object *t = json_object_array_get_idx(tools, i);
		struct json_object *h = json_object_object_get(t, "handler");
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "toolId", copy(json_object_object_get(t, "toolId")));
		v = json_get(t, "name", json_type_string);
		json_object_object_add(o, "name",
		    copy(v != NULL ? v : json_object_object_get(t, "toolId")));
		json_object_object_add(o, "type", copy(json_object_object_get(h, "type")));
		json_object_object_add(o, "config",
		    copy_or(h, "config", json_type_object, "{}"));
		if ((v = json_get(t, "description", json_type_string)) != NULL)
			json_object_object_add(o, "description", copy(v));
		static const char *const schemas[] = { "inputSchema", "outputSchema" };
		for (size_t k = 0; k < 2; k++)
			if (json_object_object_get_ex(t, schemas[k], &v) && !empty_object(v))
				json_object_object_add(o, schemas[k], copy(v));
		json_object_array_add(dtools, o);
	}
	json_object_object_add(doc, "tools", dtools);
	json_object_object_add(doc, "executionOrder", copy(order));
	*doc_out = doc;
	if ((v = json_get(pkg, "secrets", json_type_object)) != NULL)
		*secrets_out = json_object_get(v);
	return 0;
}

/* ---- the client ---- */

/* 1 if host (as a URL holds it: "[::1]" for IPv6) is a loopback address or "localhost". */
static int
loopback_host(const char *host)
{
	char h[INET6_ADDRSTRLEN + 2];
	size_t n = strlen(host);
	struct in6_addr a6;
	struct in_addr a4;

	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		host++;
		n -= 2;
	}
	if (n > 0 && host[n - 1] == '.')
		n--;
	if (n == 0 || n >= sizeof(h))
		return 0;
	memcpy(h, host, n);
	h[n] = '\0';
	if (strcasecmp(h, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, h, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, h, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) ||
		    (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	return 0;
}

/*
 * 1 if a request to endpoint travels as plain http:// to a host that is
 * not loopback, where anyone on the way can read it (and when endpoint does
 * not parse as a URL); 0 for https:// and loopback. Host names other than
 * localhost are not resolved: what they resolve to may change.
 */
int
arc_endpoint_insecure(const char *endpoint)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL;
	int insecure = 1;

	if (u != NULL && curl_url_set(u, CURLUPART_URL, endpoint, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
		insecure = strcasecmp(scheme, "http") == 0 && !loopback_host(host);
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return insecure;
}

/*
 * The endpoint from the configuration: ARCHESTRA_DEPLOYMENT_ENDPOINT, or
 * the bundled runtime at <ORX_PUBLIC_URL>/mcp/agents. Copied into buf
 * (without a trailing '/'); the key and timeout point into cfg.
 */
void
arc_client_from_config(struct arc_client *cl, const struct config *cfg,
    char *buf, size_t bufsz)
{
	const char *ep = config_get(cfg, CFG_ARCHESTRA_ENDPOINT);
	size_t n;
	int w;

	if (ep != NULL && *ep != '\0')
		w = snprintf(buf, bufsz, "%s", ep);
	else {
		const char *pub = config_get(cfg, CFG_PUBLIC_URL);
		size_t pl = pub != NULL ? strlen(pub) : 0;

		while (pl > 0 && pub[pl - 1] == '/')
			pl--;
		w = snprintf(buf, bufsz, "%.*s/mcp/agents", (int)pl, pub != NULL ? pub : "");
	}
	if (w < 0 || (size_t)w >= bufsz) {
		/* A cut URL would reach somewhere else: leave it empty instead. */
		log_error("archestra: the deployment endpoint is longer than %zu bytes",
		    bufsz - 1);
		buf[0] = '\0';
	}
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '/')
		buf[--n] = '\0';
	cl->endpoint = buf;
	cl->api_key = config_get(cfg, CFG_ARCHESTRA_API_KEY);
	cl->timeout_ms = cfg->http_timeout_ms;
}

void
arc_result_free(struct arc_result *r)
{
	json_object_put(r->details);
	r->details = NULL;
}

/* Sets r's status and reason (printf-style); returns the status. */
static enum arc_status
fail(struct arc_result *r, enum arc_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum arc_status
fail(struct arc_result *r, enum arc_status st, const char *fmt, ...)
{
	va_list ap;

	r->status = st;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
	return st;
}

/*
 * Copies text from the answer into out: control characters become spaces,
 * and a cut falls between UTF-8 characters (the reason ends up in JSON).
 */
static void
clean_copy(char *out, size_t outsz, const char *s)
{
	size_t n;

	for (n = 0; s[n] != '\0' && n + 1 < outsz; n++)
		out[n] = ((unsigned char)s[n] < 0x20 || s[n] == 0x7f) ? ' ' : s[n];
	/* Cut short inside a character: drop its leading bytes too. */
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	out[n] = '\0';
}

/* 1 if v (visible ASCII only, at most max bytes) can go into a header. */
static int
header_safe(const char *v, size_t max)
{
	size_t n = strlen(v);

	if (n == 0 || n > max)
		return 0;
	for (; *v != '\0'; v++)
		if ((unsigned char)*v < 0x21 || (unsigned char)*v > 0x7e)
			return 0;
	return 1;
}

/* 1 if s is an absolute http(s) URL with a host that fits the result. */
static int
url_ok(const char *s, size_t max)
{
	CURLU *u;
	char *scheme = NULL, *host = NULL;
	int ok;

	if (s == NULL || strlen(s) >= max || !header_safe(s, max) ||
	    (strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0))
		return 0;
	if ((u = curl_url()) == NULL)
		return 0;
	ok = curl_url_set(u, CURLUPART_URL, s, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0) &&
	    host[0] != '\0';
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return ok;
}

/*
 * One request: method to url with package (or none) as the body. Returns
 * ARC_OK once any HTTP answer arrived (r->http_status and *b set), else the
 * failure, already in r. The curl detail goes to the log, never the key.
 */
static enum arc_status
transfer(const struct arc_client *cl, const char *method, const char *url,
    struct json_object *package, const char *idem, struct arc_result *r,
    struct curl_body *b)
{
	CURL *h = NULL;
	struct curl_slist *hl = NULL;
	char errbuf[CURL_ERROR_SIZE], line[ARC_MAX_KEY + 64];
	const char *body = NULL;
	long timeout = cl->timeout_ms > 0 ? cl->timeout_ms : ARC_DEFAULT_TIMEOUT;
	long code = 0;
	CURLcode cc = CURLE_OK;
	enum arc_status st;
	int oom;

	errbuf[0] = '\0';
	if ((h = curl_easy_init()) == NULL) {
		log_error("archestra: %s: curl_easy_init failed", method);
		return fail(r, ARC_NETWORK, "Network request failed");
	}
	snprintf(line, sizeof(line), "Authorization: Bearer %s", cl->api_key);
	oom = slist_add(&hl, line) == -1;
	explicit_bzero(line, sizeof(line));
	oom = oom || slist_add(&hl, "Accept: application/json") == -1;
	if (package != NULL)
		oom = oom || slist_add(&hl, "Content-Type: application/json") == -1;
	if (idem != NULL) {
		snprintf(line, sizeof(line), "Idempotency-Key: %s", idem);
		oom = oom || slist_add(&hl, line) == -1;
	}
	/* No "Expect: 100-continue" round trip before the body. */
	oom = oom || slist_add(&hl, "Expect:") == -1;
	if (oom) {
		log_error("archestra: %s: out of memory", method);
		st = fail(r, ARC_NETWORK, "Network request failed");
		goto out;
	}

	cc = curl_defaults(h, timeout, "orchestrix", hl, errbuf, b);
#define SET(opt, val) do {						\
	if (cc == CURLE_OK)						\
		cc = curl_easy_setopt(h, opt, val);			\
} while (0)
	SET(CURLOPT_URL, url);
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)ARC_MAX_RESPONSE);
	if (strcmp(method, "POST") != 0)
		SET(CURLOPT_CUSTOMREQUEST, method);
	if (package != NULL) {
		body = json_plain(package);
		SET(CURLOPT_POSTFIELDS, body);
		SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
	}
#undef SET
	if (cc != CURLE_OK) {
		log_error("archestra: %s: libcurl refused an option: %s", method,
		    curl_easy_strerror(cc));
		st = fail(r, ARC_NETWORK, "Network request failed");
		goto out;
	}

	cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	if (cc == CURLE_OK) {
		r->http_status = (int)code;
		st = ARC_OK;
		goto out;
	}
	log_warn("archestra: %s: %s (curl %d)", method,
	    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(cc), (int)cc);
	if (b->too_large || cc == CURLE_FILESIZE_EXCEEDED ||
	    cc == CURLE_WEIRD_SERVER_REPLY || cc == CURLE_BAD_CONTENT_ENCODING) {
		/* Something answered, but nothing this client can read. */
		r->http_status = (int)code;
		st = fail(r, ARC_BAD_RESPONSE,
		    "Archestra answered an unreadable response (HTTP %ld)", code);
	} else
		st = fail(r, ARC_NETWORK, "Network request failed");
out:
	curl_slist_free_all(hl);
	curl_easy_cleanup(h);
	return st;
}

/*
 * The field errors of a 400/422 answer as a new array of {path, message}
 * (strings only, at most ARC_MAX_DETAILS), or NULL if there are none.
 */
static struct json_object *
field_errors(struct json_object *list)
{
	struct json_object *out;
	size_t n = json_object_array_length(list);

	if (n == 0)
		return NULL;
	out = json_object_new_array();
	for (size_t i = 0; i < n && i < ARC_MAX_DETAILS; i++) {
		struct json_object *e = json_object_array_get_idx(list, i), *o;
		const char *p = json_get_str(e, "path"), *m = json_get_str(e, "message");
		char text[512];

		if (m == NULL)
			continue;
		o = json_object_new_object();
		clean_copy(text, sizeof(text), p != NULL ? p : "");
		json_object_object_add(o, "path", json_object_new_string(text));
		clean_copy(text, sizeof(text), m);
		json_object_object_add(o, "message", json_object_new_string(text));
		json_object_array_add(out, o);
	}
	if (json_object_array_length(out) == 0) {
		json_object_put(out);
		return NULL;
	}
	return out;
}

/*
 * A 400/422: ARC_REJECTED with the first message found in the answer --
 * error.message, error (a string), errors[0].message, error.details[0].message,
 * message -- and the field errors of {"error":{"details":[...]}} or
 * {"errors":[...]} in r->details.
 */
static enum arc_status
rejected(struct arc_result *r, const struct curl_body *b)
{
	static const char prefix[] = "Archestra refused the package";
	struct json_object *ans = NULL, *err, *list = NULL;
	const char *msg = NULL;
	char text[sizeof(r->reason) - sizeof(prefix) - 2];

	if (b->len > 0)
		json_parse_strict(b->data, b->len, ARC_JSON_DEPTH, &ans, NULL);
	if (json_object_is_type(ans, json_type_object)) {
		if ((err = json_get(ans, "error", json_type_object)) != NULL) {
			msg = json_get_str(err, "message");
			list = json_get(err, "details", json_type_array);
		} else
			msg = json_get_str(ans, "error");
		if (list == NULL)
			list = json_get(ans, "errors", json_type_array);
		if (msg == NULL && list != NULL)
			msg = json_get_str(json_object_array_get_idx(list, 0), "message");
		if (msg == NULL)
			msg = json_get_str(ans, "message");
		if (list != NULL)
			r->details = field_errors(list);
	}
	if (msg != NULL && *msg != '\0') {
		clean_copy(text, sizeof(text), msg);
		fail(r, ARC_REJECTED, "%s: %s", prefix, text);
	} else
		fail(r, ARC_REJECTED, "%s: HTTP %d", prefix, r->http_status);
	json_object_put(ans);
	return r->status;
}

/*
 * The error message of an answer in the one envelope ({"error":{"message"}})
 * into text, cleaned. Returns 0, or -1 when it carries none.
 */
static int
answer_message(const struct curl_body *b, char *text, size_t textsz)
{
	struct json_object *ans = NULL;
	const char *msg;
	int rc = -1;

	if (b->len > 0 && json_parse_strict(b->data, b->len, ARC_JSON_DEPTH, &ans, NULL) == JP_OK &&
	    (msg = json_get_str(json_get(ans, "error", json_type_object), "message")) != NULL &&
	    *msg != '\0') {
		clean_copy(text, textsz, msg);
		rc = 0;
	}
	json_object_put(ans);
	return rc;
}

/* Maps a status no operation expected; returns the failure. */
static enum arc_status
unexpected(struct arc_result *r, const struct curl_body *b)
{
	int s = r->http_status;

	if (s == 401 || s == 403)
		return fail(r, ARC_UNAUTHORIZED, "Unauthorized");
	if (s == 400 || s == 422)
		return rejected(r, b);
	if (s == 404)
		return fail(r, ARC_NOT_FOUND, "Agent not found");
	if (s >= 500 && s <= 599) {
		char text[200];

		if (answer_message(b, text, sizeof(text)) == 0)
			return fail(r, ARC_SERVER_ERROR, "Archestra answered %d: %s", s, text);
		return fail(r, ARC_SERVER_ERROR, "Archestra answered %d", s);
	}
	return fail(r, ARC_BAD_RESPONSE,
	    "Archestra answered an unreadable response (HTTP %d)", s);
}

/*
 * The optional "isolation" and "orchestrator": {"status", "reason"} of an
 * agent answer into r. Returns 0, or -1 when they are there but not as
 * this API says (a status outside its four, a reason that is no string).
 */
static int
read_isolation(struct arc_result *r, struct json_object *ans)
{
	static const char *const statuses[] = {
		"not_created", "pending", "running", "failed", NULL,
	};
	struct json_object *v, *o;
	const char *s;

	if (json_object_object_get_ex(ans, "isolation", &v)) {
		s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
		if (strcmp(s, "shared") != 0 && strcmp(s, "dedicated") != 0)
			return -1;
		snprintf(r->isolation, sizeof(r->isolation), "%s", s);
	}
	if (!json_object_object_get_ex(ans, "orchestrator", &o))
		return 0;
	if (!json_object_is_type(o, json_type_object) ||
	    (s = json_get_str(o, "status")) == NULL || !key_in_list(statuses, s))
		return -1;
	snprintf(r->orch_status, sizeof(r->orch_status), "%s", s);
	if (json_object_object_get_ex(o, "reason", &v) && !json_object_is_type(v, json_type_null)) {
		if (!json_object_is_type(v, json_type_string))
			return -1;
		clean_copy(r->orch_reason, sizeof(r->orch_reason), json_object_get_string(v));
	}
	return 0;
}

/*
 * Reads a 2xx agent answer {"agentId", "publicEndpoint", "dashboardUrl",
 * "version"?, "isolation"?, "orchestrator"?} into r, strictly: anything
 * else is ARC_BAD_RESPONSE. With want_id, the answer must name that agent.
 */
static enum arc_status
read_agent(struct arc_result *r, const struct curl_body *b, const char *want_id)
{
	struct json_object *ans = NULL, *v;
	const char *id, *ep, *dash;
	enum arc_status st = ARC_BAD_RESPONSE;

	if (b->len == 0 || json_parse_strict(b->data, b->len, ARC_JSON_DEPTH, &ans,
	    NULL) != JP_OK || !json_object_is_type(ans, json_type_object))
		goto out;
	id = json_get_str(ans, "agentId");
	ep = json_get_str(ans, "publicEndpoint");
	dash = json_get_str(ans, "dashboardUrl");
	if (!arc_agent_id_valid(id) || (want_id != NULL && strcmp(id, want_id) != 0) ||
	    !url_ok(ep, sizeof(r->endpoint)) || !url_ok(dash, sizeof(r->dashboard_url)))
		goto out;
	if (json_object_object_get_ex(ans, "version", &v)) {
		int64_t n;

		if (!json_object_is_type(v, json_type_int) ||
		    (n = json_object_get_int64(v)) < 1 || n > INT_MAX)
			goto out;
		r->version = (int)n;
	}
	if (read_isolation(r, ans) == -1)
		goto out;
	snprintf(r->agent_id, sizeof(r->agent_id), "%s", id);
	snprintf(r->endpoint, sizeof(r->endpoint), "%s", ep);
	snprintf(r->dashboard_url, sizeof(r->dashboard_url), "%s", dash);
	st = ARC_OK;
out:
	json_object_put(ans);
	if (st != ARC_OK) {
		r->version = 0;
		return fail(r, ARC_BAD_RESPONSE,
		    "Archestra answered an unreadable response (HTTP %d)", r->http_status);
	}
	r->status = ARC_OK;
	r->reason[0] = '\0';
	return ARC_OK;
}

enum arc_op { OP_CREATE, OP_REPLACE, OP_DELETE, OP_GET };

/* Checks the call's arguments before anything is sent; fills url. */
static enum arc_status
prepare(const struct arc_client *cl, enum arc_op op, const char *agent_id,
    struct json_object *package, const char *idem, char *url, size_t urlsz,
    struct arc_result *r)
{
	const char *ep = cl->endpoint;
	int n;

	if (cl->api_key == NULL || cl->api_key[0] == '\0')
		return fail(r, ARC_NO_KEY, "API key not configured");
	if (!header_safe(cl->api_key, ARC_MAX_KEY)) {
		/* Never sent: it would break the header (and is not a key). */
		log_error("archestra: ARCHESTRA_API_KEY holds characters a header "
		    "cannot carry");
		return fail(r, ARC_UNAUTHORIZED, "Unauthorized");
	}
	if ((op == OP_CREATE || op == OP_REPLACE) && !json_object_is_type(package, json_type_object))
		return fail(r, ARC_REJECTED, "Archestra refused the package: "
		    "no package");
	if (idem != NULL && !header_safe(idem, ARC_MAX_IDEM))
		return fail(r, ARC_REJECTED, "Archestra refused the package: "
		    "invalid idempotency key");
	/* No such agent can exist, and the id goes into the URL. */
	if (op != OP_CREATE && !arc_agent_id_valid(agent_id))
		return fail(r, ARC_NOT_FOUND, "Agent not found");
	if (ep == NULL || *ep == '\0')
		n = -1;
	else if (op == OP_CREATE)
		n = snprintf(url, urlsz, "%s", ep);
	else
		n = snprintf(url, urlsz, "%s%s%s", ep,
		    ep[strlen(ep) - 1] == '/' ? "" : "/", agent_id);
	if (n < 0 || (size_t)n >= urlsz) {
		log_error("archestra: the deployment endpoint is empty or too long");
		return fail(r, ARC_NETWORK, "Network request failed");
	}
	return ARC_OK;
}

/*
 * The shared path of the three operations. Clears r first (a previous
 * result must have been freed); logs every failure once, with the status
 * and the reason (never the key, the body or the secrets in it).
 */
static enum arc_status
call(const struct arc_client *cl, enum arc_op op, const char *agent_id,
    struct json_object *package, const char *idem, struct arc_result *r)
{
	static const char *const methods[] = { "POST", "PUT", "DELETE", "GET" };
	const char *method = methods[op];
	struct curl_body b = { .max = ARC_MAX_RESPONSE };
	char url[1024];
	enum arc_status st;

	memset(r, 0, sizeof(*r));
	if ((st = prepare(cl, op, agent_id, package, idem, url, sizeof(url), r)) !=
	    ARC_OK)
		goto out;
	if ((st = transfer(cl, method, url, package, idem, r, &b)) != ARC_OK)
		goto out;
	if (op == OP_DELETE)
		st = r->http_status == 200 || r->http_status == 204 ? ARC_OK :
		    unexpected(r, &b);
	else if (r->http_status == 200 || (r->http_status == 201 && op == OP_CREATE))
		st = read_agent(r, &b, op != OP_CREATE ? agent_id : NULL);
	else
		st = unexpected(r, &b);
out:
	if (st != ARC_OK)
		log_warn("archestra: %s %s: %s (HTTP %d): %s", method,
		    op == OP_CREATE ? "(create)" : arc_agent_id_valid(agent_id) ?
		    agent_id : "(invalid agent id)", arc_status_names[st],
		    r->http_status, r->reason);
	free(b.data);
	r->status = st;
	return st;
}

/*
 * POST {endpoint} with the package; 201 (or 200, an idempotent replay)
 * {"agentId", "publicEndpoint", "dashboardUrl", "version"?}. idempotency_key
 * (visible ASCII, at most 255 bytes) goes into Idempotency-Key when not NULL.
 * r is overwritten; on failure r->reason says why (see arc_result).
 */
enum arc_status
arc_create(const struct arc_client *cl, struct json_object *package,
    const char *idempotency_key, struct arc_result *r)
{
	return call(cl, OP_CREATE, NULL, package, idempotency_key, r);
}

/* PUT {endpoint}/{agentId} with the package; 200 with the same answer. */
enum arc_status
arc_replace(const struct arc_client *cl, const char *agent_id,
    struct json_object *package, struct arc_result *r)
{
	return call(cl, OP_REPLACE, agent_id, package, NULL, r);
}

/*
 * The members of an agent answer's "orchestrator" object both sides of
 * the API write: its status and reason (null when there is none).
 */
void
arc_put_orchestrator(struct buf *b, const char *status, const char *reason)
{
	buf_puts(b, "\"status\":");
	buf_put_json_string(b, status, strlen(status));
	buf_puts(b, ",\"reason\":");
	if (reason != NULL && reason[0] != '\0')
		buf_put_json_string(b, reason, strlen(reason));
	else
		buf_puts(b, "null");
}

/* GET {endpoint}/{agentId}; 200 with the agent (its isolation and status). */
enum arc_status
arc_get(const struct arc_client *cl, const char *agent_id, struct arc_result *r)
{
	return call(cl, OP_GET, agent_id, NULL, NULL, r);
}

/* DELETE {endpoint}/{agentId}; 204 (or 200). 404 is ARC_NOT_FOUND. */
enum arc_status
arc_delete(const struct arc_client *cl, const char *agent_id, struct arc_result *r)
{
	return call(cl, OP_DELETE, agent_id, NULL, NULL, r);
}
