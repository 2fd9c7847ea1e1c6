/*
 * Unit tests for lib/engine/workflow.c: the example document passes and its
 * canonical form is exact; a broken document reports every problem with
 * its JSON pointer in one call; toolid_valid. Run from the project root
 * (examples/signup.json is read relative to it).
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "json.h"
#include "workflow.h"
#include "t.h"

/* The keys of object o joined by ',' (in json-c's insertion order). */
static const char *
keys(struct json_object *o)
{
	static char out[512];
	size_t n = 0;

	out[0] = '\0';
	if (!json_object_is_type(o, json_type_object))
		return "(not an object)";
	json_object_object_foreach(o, k, v) {
		(void)v;
		n += (size_t)snprintf(out + n, n < sizeof(out) ? sizeof(out) - n : 0,
		    "%s%s", n ? "," : "", k);
	}
	return out;
}

/* 1 if errors holds exactly {"path": path, "message": msg}. */
static int
has_err(struct json_object *errors, const char *path, const char *msg)
{
	for (size_t i = 0; i < json_object_array_length(errors); i++) {
		struct json_object *e = json_object_array_get_idx(errors, i);
		const char *p = json_get_str(e, "path"), *m = json_get_str(e, "message");

		if (p && m && strcmp(p, path) == 0 && strcmp(m, msg) == 0)
			return 1;
	}
	return 0;
}

static struct json_object *
tool_at(struct json_object *doc, size_t i)
{
	return json_object_array_get_idx(json_object_object_get(doc, "tools"), i);
}

static void
test_example(void)
{
	struct json_object *doc = json_object_from_file("examples/signup.json");
	struct json_object *errs = json_object_new_array(), *canon = NULL, *t;
	int rc;

	T_OK(doc != NULL, "examples/signup.json loads (cwd: project root)");
	if (doc == NULL) {
		json_object_put(errs);
		return;
	}
	/* Read-only fields a client echoes back after a GET. */
	json_object_object_add(doc, "serverId", json_object_new_string("mcp_abcd1234"));
	json_object_object_add(doc, "version", json_object_new_int(3));
	json_object_object_add(doc, "createdAt", json_object_new_string("2024-01-01"));
	json_object_object_add(doc, "archestraAgentId", json_object_new_string("a"));
	/* The seed's alias for db_insert. */
	json_object_object_add(tool_at(doc, 3), "type", json_object_new_string("dbInsert"));

	rc = workflow_check(doc, NULL, &canon, errs);
	T_OK(rc == 0 && canon != NULL, "the example passes");
	T_OK(json_object_array_length(errs) == 0, "no errors (%s)", json_plain(errs));
	T_STR(keys(canon), "name,description,inputSchema,tools,executionOrder",
	    "canonical top level: these keys, in this order, no read-only ones");
	T_STR(json_get_str(canon, "name"), "Sign up", "canonical name");
	T_STR(json_get_str(canon, "description"),
	    "Create an account and return a signed token", "canonical description");
	T_OK(json_object_equal(json_object_object_get(canon, "inputSchema"),
	    json_object_object_get(doc, "inputSchema")), "inputSchema kept as is");
	T_OK(json_object_array_length(json_object_object_get(canon, "tools")) == 6,
	    "six tools");
	t = tool_at(canon, 0);
	T_STR(keys(t), "toolId,name,type,config", "canonical tool keys");
	T_STR(json_get_str(tool_at(canon, 3), "type"), "db_insert",
	    "alias dbInsert -> db_insert");
	T_STR(json_get_str(tool_at(canon, 2), "type"), "password_hash",
	    "canonical type kept");
	T_OK(json_object_equal(json_object_object_get(tool_at(canon, 5), "config"),
	    json_object_object_get(tool_at(doc, 5), "config")), "config kept as is");
	T_STR(json_plain(json_object_object_get(canon, "executionOrder")),
	    "[\"input\",\"validation\",\"passwordHash\",\"dbInsert\",\"jwtGenerate\","
	    "\"response\"]", "executionOrder kept");
	json_object_put(canon);
	json_object_put(errs);
	json_object_put(doc);
}

static void
test_defaults(void)
{
	struct json_object *doc = json_tokener_parse(
	    "{\"name\":\"w\",\"tools\":[{\"toolId\":\"a\",\"type\":\"jwtGenerate\","
	    "\"description\":\"d\",\"outputSchema\":true}],"
	    "\"executionOrder\":[\"a\"]}");
	struct json_object *errs = json_object_new_array(), *canon = NULL;

	T_OK(workflow_check(doc, NULL, &canon, errs) == 0, "minimal document passes");
	T_STR(json_plain(canon),
	    "{\"name\":\"w\",\"description\":\"\",\"inputSchema\":{\"type\":\"object\"},"
	    "\"tools\":[{\"toolId\":\"a\",\"name\":\"a\",\"type\":\"jwt_sign\","
	    "\"config\":{},\"description\":\"d\",\"outputSchema\":true}],"
	    "\"executionOrder\":[\"a\"]}",
	    "defaults: description, inputSchema, tool name and config filled in");
	json_object_put(canon);
	json_object_put(errs);
	json_object_put(doc);
}

/* Checks doc (JSON text) and returns its errors; *rc gets the result. */
static struct json_object *
check(const char *text, int *rc)
{
	struct json_object *doc = json_tokener_parse(text);
	struct json_object *errs = json_object_new_array(), *canon = NULL;

	*rc = workflow_check(doc, NULL, &canon, errs);
	if (*rc != 0 && canon != NULL)
		*rc = 99;    /* a failed check must not hand out a document */
	if (*rc == 0 && canon == NULL)
		*rc = 98;    /* a passed check must hand one out */
	json_object_put(canon);
	json_object_put(doc);
	return errs;
}

#define ERR(path, msg) T_OK(has_err(errs, path, msg), "error at \"%s\": %s", path, msg)

static void
test_all_errors_at_once(void)
{
	int rc;
	struct json_object *errs = check(
	    "{\"nme\":1,\"name\":5,\"description\":5,\"serverId\":\"mcp_x\","
	    "\"tools\":["
	    "\"notobj\","
	    "{\"toolId\":\"a\",\"type\":\"input\",\"extra\":1},"
	    "{\"toolId\":\"1bad\",\"type\":\"input\"},"
	    "{\"toolId\":\"a\",\"type\":\"input\"},"
	    "{\"toolId\":\"b\",\"type\":\"nope\"},"
	    "{\"toolId\":\"c\",\"type\":\"input\",\"config\":[]},"
	    "{\"toolId\":\"d\",\"type\":\"response\",\"config\":{\"x\":\"{{steps.e.y}}\","
	    "\"y\":[\"{{steps.zz}}\"],\"z\":\"{{foo}}\",\"w\":\"{{steps.d.q}}\"}},"
	    "{\"toolId\":\"e\",\"type\":\"input\"},"
	    "{\"toolId\":\"f\",\"type\":\"input\"}],"
	    "\"executionOrder\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"ghost\",\"d\",1]}",
	    &rc);

	T_OK(rc == -1, "broken document refused, no canonical form");
	ERR("/nme", "unknown field");
	ERR("/name", "name must be a string");
	ERR("/description", "description must be a string");
	ERR("/tools/0", "a tool must be an object");
	ERR("/tools/1/extra", "unknown field");
	ERR("/tools/2/toolId",
	    "toolId must be a letter then up to 63 letters, digits, '_' or '-'");
	ERR("/tools/3/toolId", "toolId a is used twice");
	ERR("/tools/4/type", "type must be one of input, validate, transform, "
	    "db_insert, db_find, password_hash, password_verify, jwt_sign, "
	    "jwt_verify, http_request, condition, approval, response");
	ERR("/tools/5/config", "config must be an object");
	ERR("/executionOrder/5", "ghost names no tool");
	ERR("/executionOrder/6", "d runs twice");
	ERR("/executionOrder/7", "must be a toolId string");
	ERR("/executionOrder", "tool f is missing from executionOrder");
	ERR("/tools/6/config/x", "steps.e does not run before this tool");
	ERR("/tools/6/config/y/0", "steps.zz names no tool of this workflow");
	ERR("/tools/6/config/z", "bad template {{foo}}: a reference starts with "
	    "input, steps, secrets, env or request");
	ERR("/tools/6/config/w", "steps.d does not run before this tool");
	T_OK(json_object_array_length(errs) == 17,
	    "exactly 17 errors, read-only serverId not one (got %zu)",
	    json_object_array_length(errs));
	json_object_put(errs);
}

static void
test_shape_errors(void)
{
	struct json_object *errs;
	int rc;

	errs = check("[]", &rc);
	T_OK(rc == -1 && json_object_array_length(errs) == 1, "array refused");
	ERR("", "the workflow must be a JSON object");
	json_object_put(errs);

	errs = check("{}", &rc);
	T_OK(rc == -1 && json_object_array_length(errs) == 3,
	    "empty object: three errors");
	ERR("/name", "name is required");
	ERR("/tools", "tools must be an array of tools");
	ERR("/executionOrder", "executionOrder must be an array of toolIds");
	json_object_put(errs);

	errs = check("{\"name\":\"\",\"tools\":{},\"executionOrder\":\"a\"}", &rc);
	T_OK(rc == -1 && json_object_array_length(errs) == 3, "wrong types: three");
	ERR("/name", "name must not be empty");
	ERR("/tools", "tools must be an array of tools");
	ERR("/executionOrder", "executionOrder must be an array of toolIds");
	json_object_put(errs);

	errs = check("{\"name\":\"w\",\"tools\":[],\"executionOrder\":[]}", &rc);
	T_OK(rc == -1 && json_object_array_length(errs) == 1, "empty tools: one");
	ERR("/tools", "a workflow needs at least one tool");
	json_object_put(errs);

	errs = check("{\"name\":\"w\",\"tools\":[{\"toolId\":\"a\",\"type\":\"input\","
	    "\"name\":\"\",\"inputSchema\":5}],\"executionOrder\":[\"a\"]}", &rc);
	T_OK(rc == -1 && json_object_array_length(errs) == 2, "tool name, schema");
	ERR("/tools/0/name", "name must be a non-empty UTF-8 string of at most 200 characters");
	ERR("/tools/0/inputSchema", "a JSON Schema is an object or a boolean");
	json_object_put(errs);
}

/* A document named name (the tools part is valid). */
static struct json_object *
check_name(const char *name, int *rc)
{
	char text[1200];

	snprintf(text, sizeof(text), "{\"name\":\"%s\",\"tools\":[{\"toolId\":"
	    "\"a\",\"type\":\"input\"}],\"executionOrder\":[\"a\"]}", name);
	return check(text, rc);
}

static void
test_name_length(void)
{
	struct json_object *errs;
	char name[801];
	int rc;

	memset(name, 'n', 200);
	name[200] = '\0';
	errs = check_name(name, &rc);
	T_OK(rc == 0, "name of 200 characters accepted");
	json_object_put(errs);

	name[200] = 'n';
	name[201] = '\0';
	errs = check_name(name, &rc);
	T_OK(rc == -1 && json_object_array_length(errs) == 1, "201 refused");
	ERR("/name", "name is longer than 200 characters");
	json_object_put(errs);

	for (int i = 0; i < 200; i++)
		memcpy(name + 4 * i, "\xf0\x9f\x98\x80", 4);   /* 800 bytes */
	name[800] = '\0';
	errs = check_name(name, &rc);
	T_OK(rc == 0, "200 four-byte characters accepted (length in characters)");
	json_object_put(errs);

	/* A name cut inside a character (documents built in C, e.g. the builder's). */
	memcpy(name, "ab\xf0\x9f", 5);
	name[5] = '\0';
	errs = check_name(name, &rc);
	T_OK(rc == -1 && json_object_array_length(errs) == 1, "invalid UTF-8 refused");
	ERR("/name", "name must be valid UTF-8");
	json_object_put(errs);
}

static void
test_too_many_tools(void)
{
	struct json_object *doc = json_object_new_object();
	struct json_object *tools = json_object_new_array(), *order = json_object_new_array();
	struct json_object *errs = json_object_new_array(), *canon = NULL;
	char id[16];

	json_object_object_add(doc, "name", json_object_new_string("big"));
	for (int i = 0; i < WF_MAX_TOOLS + 1; i++) {
		struct json_object *t = json_object_new_object();
		snprintf(id, sizeof(id), "t%d", i);
		json_object_object_add(t, "toolId", json_object_new_string(id));
		json_object_object_add(t, "type", json_object_new_string("input"));
		json_object_array_add(tools, t);
		json_object_array_add(order, json_object_new_string(id));
	}
	json_object_object_add(doc, "tools", tools);
	json_object_object_add(doc, "executionOrder", order);
	T_OK(workflow_check(doc, NULL, &canon, errs) == -1 && canon == NULL,
	    "101 tools refused");
	T_OK(has_err(errs, "/tools", "at most 100 tools"), "101 tools: message");

	json_object_array_del_idx(tools, WF_MAX_TOOLS, 1);
	json_object_array_del_idx(order, WF_MAX_TOOLS, 1);
	json_object_put(errs);
	errs = json_object_new_array();
	T_OK(workflow_check(doc, NULL, &canon, errs) == 0 && canon != NULL,
	    "100 tools accepted (%s)", json_plain(errs));
	json_object_put(canon);
	json_object_put(errs);
	json_object_put(doc);
}

static void
test_toolid(void)
{
	char s[70];

	T_OK(toolid_valid("a") == 1, "toolId: one letter");
	T_OK(toolid_valid("Step_2-b") == 1, "toolId: letters, digits, _ and -");
	T_OK(toolid_valid("") == 0, "toolId: empty refused");
	T_OK(toolid_valid("9a") == 0, "toolId: leading digit refused");
	T_OK(toolid_valid("_a") == 0, "toolId: leading '_' refused");
	T_OK(toolid_valid("a.b") == 0, "toolId: '.' refused");
	T_OK(toolid_valid("a b") == 0, "toolId: space refused");
	T_OK(toolid_valid("caf\xc3\xa9") == 0, "toolId: non-ASCII refused");
	memset(s, 'x', 64);
	s[64] = '\0';
	T_OK(toolid_valid(s) == 1, "toolId: 64 characters");
	s[64] = 'x';
	s[65] = '\0';
	T_OK(toolid_valid(s) == 0, "toolId: 65 refused");
}

/* The secrets a document needs: what a deploy checks are all set. */
static void
test_secret_names(void)
{
	struct json_object *doc = json_tokener_parse("{\"tools\":["
	    "{\"toolId\":\"a\",\"type\":\"jwt_sign\",\"config\":{\"secret\":\"jwtKey\"}},"
	    "{\"toolId\":\"b\",\"type\":\"jwt_verify\",\"config\":{\"secret\":\"other\","
	    "\"token\":\"{{input.t}}\"}},"
	    "{\"toolId\":\"c\",\"type\":\"http_request\",\"config\":{\"url\":\"https://x/\","
	    "\"headers\":{\"Authorization\":\"Bearer {{secrets.apiToken}}\"},"
	    "\"body\":[\"{{ secrets.jwtKey }}\"]}},"
	    "{\"toolId\":\"d\",\"type\":\"transform\",\"config\":{\"output\":{\"secret\":\"notOne\"}}},"
	    "{\"toolId\":\"e\",\"type\":\"send_email\",\"config\":{\"passwordSecret\":\"smtpPassword\"}},"
	    "{\"toolId\":\"f\",\"type\":\"random_token\",\"config\":{\"secret\":\"linkKey\"}}]}");
	struct json_object *names = workflow_secret_names(doc);

	T_STR(json_object_to_json_string_ext(names, JSON_C_TO_STRING_PLAIN),
	    "[\"apiToken\",\"jwtKey\",\"linkKey\",\"other\",\"smtpPassword\"]",
	    "config fields secret and ...Secret, {{secrets.x}} anywhere in a config, sorted, "
	    "once each; a key named secret deeper in a config is data, no secret");
	json_object_put(names);
	json_object_put(doc);
	names = workflow_secret_names(NULL);
	T_OK(json_object_array_length(names) == 0, "no document: none");
	json_object_put(names);
}

int
main(void)
{
	test_example();
	test_defaults();
	test_all_errors_at_once();
	test_shape_errors();
	test_name_length();
	test_too_many_tools();
	test_toolid();
	test_secret_names();
	return t_done();
}
