/*
 * The development side's operations (lib/ops/), called directly: no nginx,
 * no FastCGI, no HTTP request -- a database connection, a run kit and a
 * caller. Needs DATABASE_URL (a migrated database: tests/run.py runs this
 * against its scratch stack's); without one every check fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "config.h"
#include "db.h"
#include "json.h"
#include "ops.h"
#include "runkit.h"
#include "../unit/t.h"

static const char GREETER[] =
    "{\"name\":\"Greeter\",\"description\":\"says hello\","
    "\"inputSchema\":{\"type\":\"object\",\"required\":[\"name\"],"
    "\"properties\":{\"name\":{\"type\":\"string\",\"minLength\":1}}},"
    "\"tools\":[{\"toolId\":\"in\",\"name\":\"Input\",\"type\":\"input\",\"config\":{}},"
    "{\"toolId\":\"say\",\"name\":\"Say\",\"type\":\"transform\","
    "\"config\":{\"output\":{\"greeting\":\"hello {{input.name}}\"}}},"
    "{\"toolId\":\"out\",\"name\":\"Respond\",\"type\":\"response\","
    "\"config\":{\"status\":200,\"body\":\"{{steps.say}}\"}}],"
    "\"executionOrder\":[\"in\",\"say\",\"out\"]}";

static struct op_env env;
static struct arena arena;

static struct json_object *
parse(const char *s)
{
	struct json_object *v = json_tokener_parse(s);

	arena_defer(&arena, json_put_cb, v);
	return v;
}

static void
fresh(struct op_result *res)
{
	op_result_init(res, &arena);
}

/* The rendered answer of res, as REST would send it. */
static const char *
rendered(const struct op_result *res)
{
	struct buf b;

	buf_init(&b, &arena, 256);
	op_render(res, &b);
	return b.data;
}

static void
test_workflows(const struct op_caller *alice, const struct op_caller *bob,
    const struct op_caller *reader, char *sid, size_t sidsz)
{
	struct op_result res;
	struct json_object *doc;

	fresh(&res);
	T_OK(op_workflow_create(&env, alice, parse(GREETER), &res) == OP_CREATED,
	    "create: a valid document is created");
	if (res.status != OP_CREATED)
		printf("#   %s\n", rendered(&res));
	T_OK(res.server_id != NULL && strncmp(res.server_id, "mcp_", 4) == 0 &&
	    res.version == 1, "create: the result names the new id, version 1");
	T_OK(res.location != NULL && strstr(res.location, res.server_id) != NULL,
	    "create: the location of what was made");
	T_OK(strstr(res.body.data, "\"ownerId\":\"alice-ops\"") != NULL,
	    "create: the body is the stored document, the caller its owner");
	snprintf(sid, sidsz, "%s", res.server_id);

	fresh(&res);
	T_OK(op_workflow_create(&env, alice, parse("{\"name\":\"x\",\"tools\":[],"
	    "\"executionOrder\":[]}"), &res) == OP_INVALID, "create: an invalid one is refused");
	T_OK(res.details != NULL && json_object_array_length(res.details) > 0 &&
	    strstr(rendered(&res), "\"validation_failed\"") != NULL,
	    "create: with every problem in details, rendered as the one envelope");

	fresh(&res);
	T_OK(op_workflow_create(&env, reader, parse(GREETER), &res) == OP_FORBIDDEN &&
	    strstr(res.message, "write") != NULL, "create: a read-only key may not");

	fresh(&res);
	T_OK(op_workflow_get(&env, alice, sid, &res) == OP_OK &&
	    strstr(res.body.data, sid) != NULL, "get: the owner reads it");
	fresh(&res);
	T_OK(op_workflow_get(&env, bob, sid, &res) == OP_NOT_FOUND,
	    "get: another owner does not see it");
	T_OK(op_status_info[res.status].http == 404 && op_status_info[res.status].rpc == -32002,
	    "the table: not found is 404 and JSON-RPC -32002");

	fresh(&res);
	T_OK(op_workflow_list(&env, alice, 100, 0, &res) == OP_OK && res.nitems >= 1 &&
	    strcmp(res.items[res.nitems - 1].name, "Greeter") == 0,
	    "list: the items carry their names without parsing");
	fresh(&res);
	T_OK(op_workflow_list(&env, alice, 0, 0, &res) == OP_BAD_REQUEST,
	    "list: limit 0 is refused");

	fresh(&res);
	T_OK(op_workflow_doc(&env, alice, sid, &doc, &res) == OP_OK && doc != NULL,
	    "doc: the stored document as JSON");
	if (doc == NULL)
		return;
	json_object_object_add(doc, "name", json_object_new_string("Greeter 2"));
	fresh(&res);
	T_OK(op_workflow_replace(&env, alice, sid, doc, 1, &res) == OP_OK &&
	    res.version == 2, "replace: at the version read, version + 1");
	fresh(&res);
	T_OK(op_workflow_replace(&env, alice, sid, doc, 1, &res) == OP_CONFLICT &&
	    strcmp(res.code, "version_conflict") == 0, "replace: a stale version is a conflict");
	fresh(&res);
	T_OK(op_workflow_replace(&env, alice, sid, doc, 0, &res) == OP_INVALID,
	    "replace: no version is invalid");
}

static void
test_runs(const struct op_caller *alice, const struct op_caller *reader, const char *sid)
{
	struct op_result res;
	char exe[64];

	fresh(&res);
	T_OK(op_run(&env, alice, sid, parse("{\"name\":\"Ann\"}"), &res) == OP_CONFLICT &&
	    strcmp(res.code, "runtime_stopped") == 0, "run: refused while the runtime is stopped");
	fresh(&res);
	T_OK(op_runtime_set(&env, reader, sid, 1, &res) == OP_FORBIDDEN,
	    "runtime: a read-only key may not start it");
	fresh(&res);
	T_OK(op_runtime_set(&env, alice, sid, 1, &res) == OP_OK &&
	    strcmp(res.state, "running") == 0, "runtime: started");
	fresh(&res);
	T_OK(op_run(&env, alice, sid, parse("{\"name\":\"Ann\"}"), &res) == OP_OK &&
	    strcmp(res.state, "succeeded") == 0 && op_http(&res) == 200,
	    "run: succeeded with the workflow's own status");
	T_OK(strstr(res.body.data, "\"greeting\":\"hello Ann\"") != NULL,
	    "run: the output is what the response tool built");
	snprintf(exe, sizeof(exe), "%s", res.execution_id);
	fresh(&res);
	T_OK(op_run(&env, alice, sid, parse("{}"), &res) == OP_OK &&
	    strcmp(res.state, "failed") == 0 && op_http(&res) == 400,
	    "run: an input the schema refuses is a failed execution answered 400");
	fresh(&res);
	T_OK(op_execution_get(&env, alice, exe, &res) == OP_OK &&
	    strstr(res.body.data, exe) != NULL, "executions: one, by id");
	fresh(&res);
	T_OK(op_execution_list(&env, alice, sid, 20, 0, &res) == OP_OK &&
	    strstr(res.body.data, exe) != NULL, "executions: listed");
	fresh(&res);
	T_OK(op_workflow_delete(&env, alice, sid, &res) == OP_NO_CONTENT,
	    "delete: an undeployed workflow");
	fresh(&res);
	T_OK(op_workflow_get(&env, alice, sid, &res) == OP_NOT_FOUND, "delete: it is gone");
}

int
main(void)
{
	struct op_caller alice = { "alice-ops", "key_ops", S_ALL };
	struct op_caller bob = { "bob-ops", "key_ops2", S_ALL };
	struct op_caller reader = { "alice-ops", "key_ops3", S_READ };
	struct config cfg;
	struct run_kit kit;
	struct db db;
	char err[256], sid[64] = "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (getenv("DATABASE_URL") == NULL) {
		T_OK(0, "DATABASE_URL names the database these tests need");
		return t_done();
	}
	T_OK(config_load(&cfg, err, sizeof(err)) == 0, "configuration loads");
	T_OK(run_kit_init(&kit, 8) == 0, "a run kit");
	db_init(&db, config_get(&cfg, CFG_DATABASE_URL), "dbtest_ops");
	T_OK(db_ready(&db) == 0, "the database answers");
	arena_init(&arena, 16384);
	for (int i = 0; i < 2; i++) {
		const char *owner[2] = { i ? "bob-ops" : "alice-ops", "ops tests" };
		T_OK(db_ok(db_query(&db, &arena, Q_OWNER_ENSURE, 2, owner)), "owner %s", owner[0]);
	}
	env.arena = &arena;
	env.db = &db;
	env.cfg = &cfg;
	env.kit = &kit;
	test_workflows(&alice, &bob, &reader, sid, sizeof(sid));
	test_runs(&alice, &reader, sid);
	arena_free(&arena);
	db_close(&db);
	run_kit_fini(&kit);
	config_free(&cfg);
	return t_done();
}
