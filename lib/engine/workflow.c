/*
 * Validation of a workflow document. Every problem is reported, each with
 * the JSON pointer of where it is, so an editor can mark them all at once.
 * The canonical form keeps only the user's fields (the server's own fields
 * -- serverId, version, timestamps, archestra* -- come from the database).
 */
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "tooltype.h"
#include "toolcheck.h"
#include "template.h"
#include "workflow.h"

/* Fields a client may send back unchanged after a GET; they are ignored. */
static const char *const readonly_fields[] = {
	"serverId", "ownerId", "version", "createdAt", "updatedAt",
	"archestraAgentId", "archestraEndpoint", "archestraDashboardUrl",
	"archestraDeployedAt", "archestraVersion", NULL
};
static const char *const tool_fields[] = {
	"toolId", "name", "type", "config", "inputSchema", "outputSchema",
	"description", NULL
};

/* toolIds: a letter, then letters, digits, '_' or '-', 64 at most. */
int
toolid_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || !((s[0] >= 'a' && s[0] <= 'z') ||
	    (s[0] >= 'A' && s[0] <= 'Z')))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

/* path + suffix, in the caller's scratch buffer p2. */
#define AT(suffix) (snprintf(p2, sizeof(p2), "%s%s", path, suffix), p2)

static int
utf8_len(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static void
check_text(struct json_object *doc, const char *key, int required, int max,
    struct json_object *errors)
{
	struct json_object *v;
	char path[80];

	snprintf(path, sizeof(path), "/%s", key);
	if (!json_object_object_get_ex(doc, key, &v) || v == NULL) {
		if (required)
			errs_add(errors, path, "%s is required", key);
		return;
	}
	if (!json_object_is_type(v, json_type_string))
		errs_add(errors, path, "%s must be a string", key);
	else if (required && json_object_get_string_len(v) == 0)
		errs_add(errors, path, "%s must not be empty", key);
	else if (!utf8_valid(json_object_get_string(v), (size_t)json_object_get_string_len(v)))
		/* Bodies are checked on intake; documents built in C are not. */
		errs_add(errors, path, "%s must be valid UTF-8", key);
	else if (utf8_len(json_object_get_string(v)) > max)
		errs_add(errors, path, "%s is longer than %d characters", key, max);
}

struct ref_check {
	struct json_object	*errors;
	const char		**ids;     /* every toolId (NULL where invalid) */
	int			 nids;
	const char		**order;   /* toolIds in execution order */
	int			 norder;
	int			 pos;      /* position of the tool being checked */
};

/* A steps.<id> reference must name a tool that runs before this one. */
static void
check_ref(void *ctx, const struct tpl_ref *ref, const char *path)
{
	struct ref_check *rc = ctx;
	int i;

	if (ref->root != TPL_STEPS)
		return;
	for (i = 0; i < rc->nids; i++)
		if (rc->ids[i] != NULL && strlen(rc->ids[i]) == ref->seglen[0] &&
		    strncmp(rc->ids[i], ref->seg[0], ref->seglen[0]) == 0)
			break;
	if (i == rc->nids) {
		errs_add(rc->errors, path, "steps.%.*s names no tool of this workflow",
		    (int)ref->seglen[0], ref->seg[0]);
		return;
	}
	for (i = 0; i < rc->norder; i++)
		if (strlen(rc->order[i]) == ref->seglen[0] &&
		    strncmp(rc->order[i], ref->seg[0], ref->seglen[0]) == 0)
			break;
	/* A tool missing from executionOrder is reported there already. */
	if (i < rc->norder && i >= rc->pos)
		errs_add(rc->errors, path, "steps.%.*s does not run before this tool",
		    (int)ref->seglen[0], ref->seg[0]);
}

/*
 * Checks doc; on success (returns 0) *canon is a new canonical document.
 * With a catalog, each tool's config is checked against its type's schema.
 * On failure returns -1 and errors (a JSON array) lists every problem.
 */
int
workflow_check(struct json_object *doc, const struct catalog *cat,
    struct json_object **canon, struct json_object *errors)
{
	struct json_object *tools = NULL, *order = NULL, *schema = NULL, *v;
	const char *ids[WF_MAX_TOOLS];
	const char *seq[WF_MAX_TOOLS];
	int ntools = 0, nseq = 0, types[WF_MAX_TOOLS];
	size_t before = json_object_array_length(errors), i, n;
	char path[128], p2[192];

	*canon = NULL;
	if (!json_object_is_type(doc, json_type_object)) {
		errs_add(errors, "", "the workflow must be a JSON object");
		return -1;
	}
	json_object_object_foreach(doc, key, val) {
		(void)val;
		if (!key_in_list(readonly_fields, key) && strcmp(key, "name") != 0 &&
		    strcmp(key, "description") != 0 && strcmp(key, "inputSchema") != 0 &&
		    strcmp(key, "tools") != 0 && strcmp(key, "executionOrder") != 0) {
			json_pointer_append(path, sizeof(path), "", key);
			errs_add(errors, path, "unknown field");
		}
	}
	check_text(doc, "name", 1, WF_MAX_NAME, errors);
	check_text(doc, "description", 0, WF_MAX_DESC, errors);

	if (json_object_object_get_ex(doc, "inputSchema", &schema) && schema != NULL)
		schema_check(schema, "/inputSchema", errors);

	if (!json_object_object_get_ex(doc, "tools", &tools) ||
	    !json_object_is_type(tools, json_type_array)) {
		errs_add(errors, "/tools", "tools must be an array of tools");
		tools = NULL;
	} else if ((n = json_object_array_length(tools)) == 0) {
		errs_add(errors, "/tools", "a workflow needs at least one tool");
	} else if (n > WF_MAX_TOOLS) {
		errs_add(errors, "/tools", "at most %d tools", WF_MAX_TOOLS);
		tools = NULL;
	}
	for (i = 0; tools != NULL && i < json_object_array_length(tools); i++) {
		struct json_object *t = json_object_array_get_idx(tools, i);
		const char *id, *type;
		int ty = -1;

		types[i] = -1;
		ids[i] = NULL;
		ntools++;
		snprintf(path, sizeof(path), "/tools/%zu", i);
		if (!json_object_is_type(t, json_type_object)) {
			errs_add(errors, path, "a tool must be an object");
			continue;
		}
		json_object_object_foreach(t, tkey, tval) {
			(void)tval;
			if (!key_in_list(tool_fields, tkey)) {
				json_pointer_append(p2, sizeof(p2), path, tkey);
				errs_add(errors, p2, "unknown field");
			}
		}
		id = json_get_str(t, "toolId");
		if (id == NULL || !toolid_valid(id))
			errs_add(errors, AT("/toolId"),
			    "toolId must be a letter then up to 63 letters, digits, '_' or '-'");
		else {
			for (size_t j = 0; j < i; j++)
				if (ids[j] != NULL && strcmp(ids[j], id) == 0) {
					errs_add(errors, AT("/toolId"),
					    "toolId %s is used twice", id);
					break;
				}
			ids[i] = id;
		}
		if (json_object_object_get_ex(t, "name", &v) &&
		    (!json_object_is_type(v, json_type_string) ||
		    json_object_get_string_len(v) == 0 ||
		    !utf8_valid(json_object_get_string(v),
		    (size_t)json_object_get_string_len(v)) ||
		    utf8_len(json_object_get_string(v)) > WF_MAX_NAME))
			errs_add(errors, AT("/name"),
			    "name must be a non-empty UTF-8 string of at most %d characters",
			    WF_MAX_NAME);
		type = json_get_str(t, "type");
		if (type == NULL || (ty = tool_type_lookup(type)) < 0)
			errs_add(errors, AT("/type"),
			    "type must be one of input, validate, transform, db_insert, "
			    "db_find, password_hash, password_verify, jwt_sign, "
			    "jwt_verify, http_request, condition, approval, response");
		types[i] = ty;
		if (json_object_object_get_ex(t, "config", &v) &&
		    !json_object_is_type(v, json_type_object))
			errs_add(errors, AT("/config"),
			    "config must be an object");
		else if (ty >= 0)
			tool_config_check(cat, (enum tool_type)ty, v,
			    AT("/config"), errors);
		if (json_object_object_get_ex(t, "inputSchema", &v))
			schema_check(v, AT("/inputSchema"), errors);
		if (json_object_object_get_ex(t, "outputSchema", &v))
			schema_check(v, AT("/outputSchema"), errors);
	}

	if (!json_object_object_get_ex(doc, "executionOrder", &order) ||
	    !json_object_is_type(order, json_type_array)) {
		errs_add(errors, "/executionOrder",
		    "executionOrder must be an array of toolIds");
		order = NULL;
	}
	for (i = 0; order != NULL && i < json_object_array_length(order); i++) {
		struct json_object *e = json_object_array_get_idx(order, i);
		const char *id = json_object_get_string(e);
		int k;

		snprintf(path, sizeof(path), "/executionOrder/%zu", i);
		if (!json_object_is_type(e, json_type_string)) {
			errs_add(errors, path, "must be a toolId string");
			continue;
		}
		for (k = 0; k < ntools; k++)
			if (ids[k] != NULL && strcmp(ids[k], id) == 0)
				break;
		if (k == ntools) {
			errs_add(errors, path, "%.64s names no tool", id);
			continue;
		}
		for (int j = 0; j < nseq; j++)
			if (strcmp(seq[j], id) == 0) {
				errs_add(errors, path, "%.64s runs twice", id);
				k = -1;
				break;
			}
		if (k >= 0 && nseq < WF_MAX_TOOLS)
			seq[nseq++] = id;
	}
	if (order != NULL)
		for (int k = 0; k < ntools; k++) {
			int j;
			if (ids[k] == NULL)
				continue;
			for (j = 0; j < nseq; j++)
				if (strcmp(seq[j], ids[k]) == 0)
					break;
			if (j == nseq)
				errs_add(errors, "/executionOrder",
				    "tool %s is missing from executionOrder", ids[k]);
		}

	/* Template references, checked against the execution order. */
	for (i = 0; tools != NULL && i < (size_t)ntools; i++) {
		struct json_object *t = json_object_array_get_idx(tools, i), *cfg;
		struct ref_check rc = { errors, ids, ntools, seq, nseq, nseq };

		if (ids[i] == NULL || !json_object_object_get_ex(t, "config", &cfg))
			continue;
		for (int j = 0; j < nseq; j++)
			if (strcmp(seq[j], ids[i]) == 0)
				rc.pos = j;
		snprintf(path, sizeof(path), "/tools/%zu/config", i);
		tpl_scan(cfg, path, check_ref, &rc, errors);
	}

	if (json_object_array_length(errors) > before)
		return -1;

	/* Canonical form. */
	struct json_object *c = json_object_new_object(), *ct = json_object_new_array();
	json_object_object_add(c, "name", json_object_get(json_object_object_get(doc, "name")));
	v = json_object_object_get(doc, "description");
	json_object_object_add(c, "description", v != NULL ? json_object_get(v) :
	    json_object_new_string(""));
	json_object_object_add(c, "inputSchema", schema != NULL ?
	    json_object_get(schema) : json_tokener_parse("{\"type\":\"object\"}"));
	for (i = 0; i < (size_t)ntools; i++) {
		struct json_object *t = json_object_array_get_idx(tools, i);
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "toolId", json_object_new_string(ids[i]));
		v = json_object_object_get(t, "name");
		json_object_object_add(o, "name", v != NULL ? json_object_get(v) :
		    json_object_new_string(ids[i]));
		json_object_object_add(o, "type",
		    json_object_new_string(tool_type_names[types[i]]));
		v = json_object_object_get(t, "config");
		json_object_object_add(o, "config", v != NULL ? json_object_get(v) :
		    json_object_new_object());
		static const char *const opt[] = { "description", "inputSchema",
		    "outputSchema" };
		for (size_t k = 0; k < 3; k++)
			if ((v = json_object_object_get(t, opt[k])) != NULL)
				json_object_object_add(o, opt[k], json_object_get(v));
		json_object_array_add(ct, o);
	}
	json_object_object_add(c, "tools", ct);
	json_object_object_add(c, "executionOrder", json_object_get(order));
	*canon = c;
	return 0;
}

/*
 * The response tool's outputSchema, when it declares an object one (what a
 * deployed agent's MCP tool declares, and schema discovery shows); borrowed.
 */
struct json_object *
workflow_output_schema(struct json_object *doc)
{
	struct json_object *tools = json_get(doc, "tools", json_type_array);
	size_t n = tools ? json_object_array_length(tools) : 0;

	for (size_t i = 0; i < n; i++) {
		struct json_object *t = json_object_array_get_idx(tools, i);
		const char *type = json_get_str(t, "type");
		struct json_object *os = json_get(t, "outputSchema", json_type_object);
		if (type != NULL && strcmp(type, "response") == 0 && os != NULL) {
			const char *st = json_get_str(os, "type");
			return st != NULL && strcmp(st, "object") == 0 ? os : NULL;
		}
	}
	return NULL;
}

/* tpl_scan callback: adds a {{secrets.<name>}} reference's name to ctx (an object used as a set). */
static void
secret_ref(void *ctx, const struct tpl_ref *ref, const char *json_path)
{
	char name[80];

	(void)json_path;
	if (ref->root != TPL_SECRETS || ref->nseg < 1 || ref->seglen[0] >= sizeof(name))
		return;
	memcpy(name, ref->seg[0], ref->seglen[0]);
	name[ref->seglen[0]] = '\0';
	json_object_object_add(ctx, name, NULL);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(json_object_get_string(*(struct json_object *const *)a),
	    json_object_get_string(*(struct json_object *const *)b));
}

/* 1 if a config field named key names a secret: "secret", or "...Secret". */
static int
secret_field(const char *key)
{
	size_t n = strlen(key);

	return strcmp(key, "secret") == 0 || (n > 6 && strcmp(key + n - 6, "Secret") == 0);
}

/*
 * The names of the secrets a (canonical) workflow document needs, sorted,
 * each once: what a tool's config names in its "secret" field or a field
 * ending in "Secret" (jwt_sign, jwt_verify, random_token, hmac_verify;
 * send_email's passwordSecret), and every {{secrets.<name>}} in a tool's
 * config. Returns a new array.
 */
struct json_object *
workflow_secret_names(struct json_object *doc)
{
	struct json_object *tools = json_get(doc, "tools", json_type_array);
	struct json_object *set = json_object_new_object(), *out = json_object_new_array();
	size_t n = tools != NULL ? json_object_array_length(tools) : 0;

	for (size_t i = 0; i < n; i++) {
		struct json_object *t = json_object_array_get_idx(tools, i);
		struct json_object *cfg = json_get(t, "config", json_type_object);

		if (cfg == NULL)
			continue;
		json_object_object_foreach(cfg, key, val)
			if (secret_field(key) && json_object_is_type(val, json_type_string))
				json_object_object_add(set, json_object_get_string(val), NULL);
		tpl_scan(cfg, "", secret_ref, set, NULL);
	}
	json_object_object_foreach(set, key, val) {
		(void)val;
		json_object_array_add(out, json_object_new_string(key));
	}
	json_object_array_sort(out, name_cmp);
	json_object_put(set);
	return out;
}
