/*
 * Unit tests for lib/engine/collections.c: a workflow's declarations of
 * unique fields against the owner's other workflows', and the fields a
 * db_update or db_delete may find its document by.
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "collections.h"
#include "t.h"

/* Runs the check of doc against declared (both JSON texts); the errors as text. */
static const char *
check(const char *doc, const char *declared)
{
	static char out[4096];
	struct json_object *d = json_tokener_parse(doc), *dec = json_tokener_parse(declared);
	struct json_object *errors = json_object_new_array();

	collections_check(d, dec, errors);
	snprintf(out, sizeof(out), "%s", json_object_to_json_string_ext(errors,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(errors);
	json_object_put(d);
	json_object_put(dec);
	return out;
}

#define INS(coll, uniq) "{\"toolId\":\"i\",\"type\":\"db_insert\",\"config\":{\"collection\":\"" \
	coll "\",\"unique\":" uniq ",\"document\":{}}}"
#define UPD(coll, where) "{\"toolId\":\"u\",\"type\":\"db_update\",\"config\":{\"collection\":\"" \
	coll "\"," where ",\"set\":{}}}"
#define DOC(...) "{\"tools\":[" __VA_ARGS__ "]}"
#define SIGNUP "[{\"collection\":\"users\",\"unique\":[\"email\"],\"serverId\":\"mcp_a\",\"name\":\"Sign up\"}]"

int
main(void)
{
	struct json_object *d;

	T_STR(check(DOC(INS("users", "[\"email\"]")), SIGNUP), "[]", "the same declaration");
	T_STR(check(DOC(INS("users", "[\"email\",\"email\"]")), SIGNUP), "[]",
	    "a name twice is the name once");
	T_STR(check(DOC(INS("users", "[\"name\"]")), SIGNUP),
	    "[{\"path\":\"/tools/0/config/unique\",\"message\":\"the collection users is declared "
	    "with unique [email] by workflow \\\"Sign up\\\" (mcp_a); every workflow that stores "
	    "into it declares the same unique fields (here: [name])\"}]", "another declaration");
	T_OK(strstr(check(DOC(INS("users", "[]")), SIGNUP), "(here: [])") != NULL,
	    "none is another declaration too");
	T_STR(check(DOC(INS("users", "[\"name\"]")), "[]"), "[]", "a first declaration");
	T_STR(check(DOC(INS("orders", "[]")), SIGNUP), "[]", "another collection");
	T_STR(check("{\"tools\":[{\"toolId\":\"i\",\"type\":\"db_insert\",\"config\":"
	    "{\"collection\":\"users\",\"document\":{}}}]}", "[{\"collection\":\"users\","
	    "\"unique\":[],\"serverId\":\"mcp_b\",\"name\":\"n\"}]"), "[]",
	    "no unique list is an empty one");
	T_STR(check(DOC(INS("users", "[\"b\",\"a\"]")), "[{\"collection\":\"users\","
	    "\"unique\":[\"a\",\"b\"],\"serverId\":\"mcp_b\",\"name\":\"n\"}]"), "[]",
	    "order does not count");
	T_OK(strstr(check(DOC(INS("users", "[\"email\"]") "," INS("users", "[\"id\"]")), "[]"),
	    "by the step i") != NULL, "two inserts of one workflow disagree");

	T_STR(check(DOC(UPD("users", "\"id\":\"x\"")), "[]"), "[]", "an update by id needs nothing");
	T_STR(check(DOC(UPD("users", "\"where\":{\"email\":\"x\"}")), SIGNUP), "[]",
	    "an update by a unique field");
	T_OK(strstr(check(DOC(UPD("users", "\"where\":{\"name\":\"x\"}")), SIGNUP),
	    "name is not a unique field of users (unique: [email])") != NULL,
	    "an update by another field");
	T_OK(strstr(check(DOC(UPD("members", "\"where\":{\"email\":\"x\"}")), SIGNUP),
	    "no workflow stores into members with email unique") != NULL,
	    "an update of a collection nobody declares");
	T_STR(check(DOC(INS("members", "[\"email\"]") "," UPD("members", "\"where\":{\"email\":\"x\"}")),
	    "[]"), "[]", "its own insert declares it");

	d = json_tokener_parse(DOC(UPD("users", "\"id\":\"x\"")));
	T_OK(collections_used(d), "an update uses a collection");
	json_object_put(d);
	d = json_tokener_parse("{\"tools\":[{\"toolId\":\"f\",\"type\":\"db_find\",\"config\":{}}]}");
	T_OK(!collections_used(d), "a find declares nothing");
	json_object_put(d);
	return t_done();
}
