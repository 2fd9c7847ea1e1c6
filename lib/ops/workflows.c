/*
 * Workflow operations (SPEC §3, §5): create (from a document or a
 * sentence), read, list, replace, delete. Documents are validated and
 * stored in canonical form; reads splice the stored text into the result
 * (workflow_render), so a read is one query and no JSON parsing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "builder.h"
#include "collections.h"
#include "db.h"
#include "ids.h"
#include "json.h"
#include "ops.h"
#include "runkit.h"
#include "waiter.h"
#include "wfrender.h"
#include "workflow.h"

#define TEXT_MAX_CHARS	4000

/* The result is the workflow in res's first row (status ok or created). */
static enum op_status
one_workflow(struct op_result *out, enum op_status status, PGresult *res)
{
	buf_reset(&out->body);
	workflow_render(&out->body, res, 0);
	out->status = status;
	out->server_id = arena_strdup(out->body.arena, PQgetvalue(res, 0, WF_SERVER_ID));
	out->version = atoi(PQgetvalue(res, 0, WF_VERSION));
	return status;
}

/*
 * The owner's collections for canon (a checked document of workflow sid):
 * its declarations of unique fields must agree with the owner's other
 * workflows' (lib/engine/collections.h). The check and the save that
 * follows run in one transaction under the owner's lock, so two saves
 * cannot disagree unseen; on OP_OK that transaction is open (unless the
 * caller had one) for the caller to store and commit (save_end); otherwise
 * it is rolled back and why recorded.
 */
static enum op_status
collections_ok(const struct op_env *env, const struct op_caller *who,
    struct json_object *canon, const char *sid, struct op_result *out)
{
	const char *params[2] = { who->owner_id, sid };
	struct json_object *declared, *errors;
	int own_tx = !env->db->in_tx;
	PGresult *res;

	if (!collections_used(canon))
		return OP_OK;
	if (own_tx && db_begin(env->db) == -1)
		return op_unavailable(out);
	if ((res = db_query(env->db, env->arena, Q_COLLECTIONS_LOCK, 1, params)) == NULL ||
	    (db_ok(res) && (res = db_query(env->db, env->arena, Q_COLLECTIONS_DECLARED, 2,
	    params)) == NULL)) {
		db_rollback(env->db);
		return op_unavailable(out);
	}
	if (!db_ok(res) || PQntuples(res) != 1 ||
	    (declared = json_tokener_parse(PQgetvalue(res, 0, 0))) == NULL) {
		db_rollback(env->db);
		return op_fail(out, OP_INTERNAL, "internal", "the collections could not be read");
	}
	errors = json_object_new_array();
	collections_check(canon, declared, errors);
	json_object_put(declared);
	if (json_object_array_length(errors) > 0) {
		if (own_tx)
			db_rollback(env->db);
		return op_fail_details(out, OP_INVALID, "validation_failed",
		    "the workflow is not valid; see details", errors);
	}
	json_object_put(errors);
	return OP_OK;
}

/*
 * Validates doc, the next document of workflow sid, into canonical text
 * (on the arena), or records why not. See collections_ok for the
 * transaction it may leave open.
 */
static enum op_status
canonical_doc(const struct op_env *env, const struct op_caller *who,
    struct json_object *doc, const char *sid, const char **text, struct op_result *out)
{
	struct json_object *errors = json_object_new_array(), *canon;
	enum op_status st;

	if (workflow_check(doc, env->kit->catalog, &canon, errors) == -1)
		return op_fail_details(out, OP_INVALID, "validation_failed",
		    "the workflow is not valid; see details", errors);
	json_object_put(errors);
	st = collections_ok(env, who, canon, sid, out);
	*text = arena_strdup(env->arena, json_plain(canon));
	json_object_put(canon);
	return st;
}

/*
 * Ends the save of one workflow: commits the transaction collections_ok
 * opened (own_tx: it was not the caller's), or rolls it back when the
 * statement failed (ok 0). Returns 0, or -1 when the commit failed.
 */
static int
save_end(const struct op_env *env, int own_tx, int ok)
{
	if (!own_tx || !env->db->in_tx)
		return 0;
	if (!ok) {
		db_rollback(env->db);
		return 0;
	}
	return db_commit(env->db);
}

/*
 * Validates doc (borrowed) and stores it as a new workflow of the caller.
 * Created: the stored document, its location and id; invalid: every
 * problem with its path.
 */
enum op_status
op_workflow_create(const struct op_env *env, const struct op_caller *who,
    struct json_object *doc, struct op_result *out)
{
	char id[32];
	const char *text, *params[3];
	PGresult *res;
	int own_tx = !env->db->in_tx;

	if (op_allowed(who, S_WRITE, out) != OP_OK)
		return out->status;
	if (id_new(id, sizeof(id), "mcp_", 20) == -1)
		return op_fail(out, OP_INTERNAL, "internal", "no randomness");
	if (canonical_doc(env, who, doc, id, &text, out) != OP_OK)
		return out->status;
	params[0] = id;
	params[1] = who->owner_id;
	params[2] = text;
	res = db_query(env->db, env->arena, Q_WORKFLOW_INSERT, 3, params);
	if (save_end(env, own_tx, res != NULL && db_ok(res) && PQntuples(res) == 1) == -1 ||
	    res == NULL)
		return op_unavailable(out);
	if (!db_ok(res) || PQntuples(res) != 1)
		return op_fail(out, OP_INTERNAL, "internal", "the workflow could not be stored");
	out->location = arena_printf(env->arena, "/mcp/servers/%s", id);
	return one_workflow(out, OP_CREATED, res);
}

/*
 * A text a person typed (a chat message, a prompt): a string of 1 to 4000
 * characters, not only blanks (the body is already valid UTF-8).
 */
enum op_status
op_text_check(struct json_object *v, const char *path, struct op_result *out)
{
	const char *s;
	size_t chars = 0;
	int blank = 1;

	if (v == NULL || !json_object_is_type(v, json_type_string)) {
		struct json_object *errors = json_object_new_array();
		errs_add(errors, path, "a string is required");
		return op_fail_details(out, OP_INVALID, "validation_failed",
		    "send the text as a string", errors);
	}
	for (s = json_object_get_string(v); *s != '\0'; s++) {
		chars += ((unsigned char)*s & 0xc0) != 0x80;
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			blank = 0;
	}
	if (blank || chars > TEXT_MAX_CHARS)
		return op_fail(out, OP_INVALID, "validation_failed",
		    "%s must be 1 to %d characters of text", path + 1, TEXT_MAX_CHARS);
	return OP_OK;
}

/*
 * Stores the workflows of an app the builder made (br->docs) in one
 * transaction: all of them, or none. Created: {"app", "workflows": [stored
 * documents...], "changes"}, with the app's name, its documents' text and
 * their ids and names (items) for adapters; else the first failure as it
 * was recorded (nothing stored).
 */
static enum op_status
store_app(const struct op_env *env, const struct op_caller *who,
    const struct build_result *br, struct op_result *out)
{
	size_t n = json_object_array_length(br->docs);
	struct op_result one;
	struct buf wfs;

	if (db_begin(env->db) == -1)
		return op_unavailable(out);
	buf_init(&wfs, env->arena, 4096);
	buf_putc(&wfs, '[');
	out->items = arena_calloc(env->arena, n, sizeof(*out->items));
	for (size_t i = 0; i < n; i++) {
		op_result_init(&one, env->arena);
		if (op_workflow_create(env, who, json_object_array_get_idx(br->docs, i),
		    &one) != OP_CREATED) {
			db_rollback(env->db);
			*out = one;
			return out->status;
		}
		if (i > 0)
			buf_putc(&wfs, ',');
		buf_put(&wfs, one.body.data, one.body.len);
		out->items[out->nitems].id = one.server_id;
		out->items[out->nitems++].name = json_get_str(json_object_array_get_idx(br->docs,
		    i), "name");
	}
	if (db_commit(env->db) == -1)
		return op_unavailable(out);
	buf_putc(&wfs, ']');
	buf_putc(&wfs, '\0');
	buf_reset(&out->body);
	buf_puts(&out->body, "{\"app\":");
	buf_put_json_string(&out->body, br->app, strlen(br->app));
	buf_printf(&out->body, ",\"workflows\":%s,\"changes\":%s}", wfs.data,
	    br->changes != NULL ? json_plain(br->changes) : "[]");
	out->app = arena_strdup(env->arena, br->app);
	out->app_workflows = wfs.data;
	out->status = OP_CREATED;
	return OP_CREATED;
}

/*
 * A workflow from a sentence: the builder makes the document, which is
 * stored like op_workflow_create's -- or, when the sentence asks for an
 * app, the documents, stored together (store_app). What the builder does
 * not understand is unprocessable (not_understood, with what it can do),
 * and nothing is stored. out->message is the builder's summary on success too; *changes
 * (when not NULL) gets the builder's list of what it did (arena-owned).
 */
static enum op_status
build_and_store(const struct op_env *env, const struct op_caller *who,
    const char *prompt, struct op_result *out, struct json_object **changes)
{
	struct build_result br;
	enum build_status bs;

	if (op_allowed(who, S_WRITE, out) != OP_OK)
		return out->status;
	/* The builder may ask a language model over HTTP. */
	waiter_notify(env->waiter);
	bs = builder_create_with(env->arena, env->kit->catalog, env->cfg, prompt, &br);
	if (bs == BUILD_OK && (br.docs != NULL ? store_app(env, who, &br, out) :
	    op_workflow_create(env, who, br.doc, out)) == OP_CREATED) {
		out->message = arena_strdup(env->arena, br.summary);
		if (changes != NULL) {
			*changes = json_object_get(br.changes);
			arena_defer(env->arena, json_put_cb, *changes);
		}
	} else if (bs == BUILD_NOT_UNDERSTOOD)
		/* Whole: op_fail would cut the list of what the builder can do. */
		op_fail_details(out, OP_UNPROCESSABLE, "not_understood", br.summary, NULL);
	else if (bs == BUILD_INVALID)
		op_fail_details(out, OP_UNPROCESSABLE, "invalid", br.summary,
		    br.errors != NULL ? json_object_get(br.errors) : NULL);
	else if (bs != BUILD_OK)
		op_fail(out, OP_INTERNAL, "internal", "out of memory");
	build_result_clear(&br);
	return out->status;
}

enum op_status
op_workflow_build(const struct op_env *env, const struct op_caller *who,
    const char *prompt, struct op_result *out)
{
	return build_and_store(env, who, prompt, out, NULL);
}

/* As op_workflow_build, with the builder's changes for the chat. */
enum op_status
op_workflow_build_changes(const struct op_env *env, const struct op_caller *who,
    const char *prompt, struct op_result *out, struct json_object **changes)
{
	return build_and_store(env, who, prompt, out, changes);
}

enum op_status
op_workflow_get(const struct op_env *env, const struct op_caller *who,
    const char *server_id, struct op_result *out)
{
	const char *params[2] = { server_id, who->owner_id };
	PGresult *res;

	if (op_allowed(who, S_READ, out) != OP_OK)
		return out->status;
	if ((res = db_query(env->db, env->arena, Q_WORKFLOW_GET, 2, params)) == NULL)
		return op_unavailable(out);
	if (!db_ok(res))
		return op_fail(out, OP_INTERNAL, "internal", "lookup failed");
	if (PQntuples(res) == 0)
		return op_fail(out, OP_NOT_FOUND, "not_found", "no such workflow");
	return one_workflow(out, OP_OK, res);
}

/*
 * One page of the caller's workflows by query (Q_WORKFLOW_LIST: oldest
 * first, after cursor; Q_WORKFLOW_LIST_NEWEST: newest first, before it),
 * limit (1..OP_LIST_MAX), cursor 0 for the first page:
 * {"items":[...],"nextCursor":...}. The cursor is opaque to clients
 * (today, the last row's sequence).
 */
static enum op_status
list_page(const struct op_env *env, const struct op_caller *who,
    long long limit, long long cursor, enum query q, struct op_result *out)
{
	char lim[24], cur[24];
	const char *params[3] = { who->owner_id, cur, lim };
	PGresult *res;
	int n, i;

	if (op_allowed(who, S_READ, out) != OP_OK)
		return out->status;
	if (limit < 1 || limit > OP_LIST_MAX)
		return op_fail(out, OP_BAD_REQUEST, "bad_request",
		    "limit must be a number from 1 to %d", OP_LIST_MAX);
	if (cursor < 0)
		return op_fail(out, OP_BAD_REQUEST, "bad_request",
		    "cursor must be a value returned as nextCursor");
	snprintf(cur, sizeof(cur), "%lld", cursor);
	/* One row more than asked tells whether there is a next page. */
	snprintf(lim, sizeof(lim), "%lld", limit + 1);
	if ((res = db_query(env->db, env->arena, q, 3, params)) == NULL)
		return op_unavailable(out);
	if (!db_ok(res))
		return op_fail(out, OP_INTERNAL, "internal", "list failed");
	n = PQntuples(res);
	out->items = arena_alloc(env->arena, sizeof(*out->items) * (size_t)(n ? n : 1));
	buf_puts(&out->body, "{\"items\":[");
	for (i = 0; i < n && i < limit; i++) {
		struct op_item *it = &out->items[out->nitems++];

		if (i > 0)
			buf_putc(&out->body, ',');
		workflow_render(&out->body, res, i);
		it->id = PQgetvalue(res, i, WF_SERVER_ID);
		it->name = PQgetvalue(res, i, WF_COL__MAX);
		it->description = PQgetisnull(res, i, WF_COL__MAX + 1) ? NULL :
		    PQgetvalue(res, i, WF_COL__MAX + 1);
	}
	buf_puts(&out->body, "],\"nextCursor\":");
	if (n > limit) {
		out->next_cursor = PQgetvalue(res, (int)limit - 1, WF_SEQ);
		buf_printf(&out->body, "\"%s\"", out->next_cursor);
	} else
		buf_puts(&out->body, "null");
	buf_putc(&out->body, '}');
	out->status = OP_OK;
	return OP_OK;
}

/* The caller's workflows in creation order, a page after cursor. */
enum op_status
op_workflow_list(const struct op_env *env, const struct op_caller *who,
    long long limit, long long cursor, struct op_result *out)
{
	return list_page(env, who, limit, cursor, Q_WORKFLOW_LIST, out);
}

/* The caller's workflows newest first, a page before cursor (the UI's list). */
enum op_status
op_workflow_list_newest(const struct op_env *env, const struct op_caller *who,
    long long limit, long long cursor, struct op_result *out)
{
	return list_page(env, who, limit, cursor, Q_WORKFLOW_LIST_NEWEST, out);
}

/*
 * Replaces the document of server_id with doc (borrowed), if it is still at
 * version. A stale version is a conflict, so two editors cannot silently
 * overwrite each other.
 */
enum op_status
op_workflow_replace(const struct op_env *env, const struct op_caller *who,
    const char *server_id, struct json_object *doc, long long version,
    struct op_result *out)
{
	const char *text, *params[4];
	char ver[24];
	PGresult *res;
	int own_tx = !env->db->in_tx;

	if (op_allowed(who, S_WRITE, out) != OP_OK)
		return out->status;
	if (version < 1 || version > 2000000000)
		return op_fail_details(out, OP_INVALID, "validation_failed",
		    "send the version you read, so a concurrent change is not lost",
		    json_tokener_parse("[{\"path\":\"/version\",\"message\":"
		    "\"version is required: a positive integer\"}]"));
	snprintf(ver, sizeof(ver), "%lld", version);
	if (canonical_doc(env, who, doc, server_id, &text, out) != OP_OK)
		return out->status;
	params[0] = server_id;
	params[1] = who->owner_id;
	params[2] = text;
	params[3] = ver;
	res = db_query(env->db, env->arena, Q_WORKFLOW_UPDATE, 4, params);
	if (save_end(env, own_tx, res != NULL && db_ok(res) && PQntuples(res) == 1) == -1 ||
	    res == NULL)
		return op_unavailable(out);
	if (!db_ok(res))
		return op_fail(out, OP_INTERNAL, "internal", "update failed");
	if (PQntuples(res) == 1)
		return one_workflow(out, OP_OK, res);
	if ((res = db_query(env->db, env->arena, Q_WORKFLOW_STATE, 2, params)) == NULL)
		return op_unavailable(out);
	if (!db_ok(res) || PQntuples(res) == 0)
		return op_fail(out, OP_NOT_FOUND, "not_found", "no such workflow");
	return op_fail(out, OP_CONFLICT, "version_conflict",
	    "the workflow is at version %s; you sent %s. Read it again and reapply "
	    "your change", PQgetvalue(res, 0, 0), ver);
}

/* Deletes a workflow that is not deployed (a deployed one is a conflict). */
enum op_status
op_workflow_delete(const struct op_env *env, const struct op_caller *who,
    const char *server_id, struct op_result *out)
{
	const char *params[2] = { server_id, who->owner_id };
	PGresult *res;

	if (op_allowed(who, S_WRITE, out) != OP_OK)
		return out->status;
	if ((res = db_query(env->db, env->arena, Q_WORKFLOW_DELETE, 2, params)) == NULL)
		return op_unavailable(out);
	if (!db_ok(res))
		return op_fail(out, OP_INTERNAL, "internal", "delete failed");
	if (PQntuples(res) == 1) {
		out->status = OP_NO_CONTENT;
		return OP_NO_CONTENT;
	}
	if ((res = db_query(env->db, env->arena, Q_WORKFLOW_STATE, 2, params)) == NULL)
		return op_unavailable(out);
	if (!db_ok(res) || PQntuples(res) == 0)
		return op_fail(out, OP_NOT_FOUND, "not_found", "no such workflow");
	return op_fail(out, OP_CONFLICT, "deployed",
	    "the workflow is deployed; undeploy it before deleting it");
}

/*
 * The stored workflow as a JSON document (*doc, arena-owned), for those
 * that change or explain it; also the result's body, like op_workflow_get.
 */
enum op_status
op_workflow_doc(const struct op_env *env, const struct op_caller *who,
    const char *server_id, struct json_object **doc, struct op_result *out)
{
	*doc = NULL;
	if (op_workflow_get(env, who, server_id, out) != OP_OK)
		return out->status;
	if ((*doc = json_tokener_parse(out->body.data)) == NULL)
		return op_fail(out, OP_INTERNAL, "internal", "stored document unreadable");
	arena_defer(env->arena, json_put_cb, *doc);
	return OP_OK;
}

/* OP_OK when the caller owns server_id; else not found (or unavailable). */
enum op_status
op_workflow_owned(const struct op_env *env, const struct op_caller *who,
    const char *server_id, struct op_result *out)
{
	const char *params[2] = { server_id, who->owner_id };
	PGresult *res = db_query(env->db, env->arena, Q_WORKFLOW_STATE, 2, params);

	if (res == NULL)
		return op_unavailable(out);
	if (!db_ok(res) || PQntuples(res) == 0)
		return op_fail(out, OP_NOT_FOUND, "not_found", "no such workflow");
	out->status = OP_OK;
	out->version = atoi(PQgetvalue(res, 0, 0));
	return OP_OK;
}

/*
 * Schema discovery of one workflow: its input schema, and the output schema
 * its response step declares (null when none), with where to run it.
 */
enum op_status
op_workflow_schema(const struct op_env *env, const struct op_caller *who,
    const char *server_id, struct op_result *out)
{
	struct json_object *doc, *in, *os;
	const char *name;
	struct buf *b;

	if (op_workflow_doc(env, who, server_id, &doc, out) != OP_OK)
		return out->status;
	b = &out->body;
	buf_reset(b);
	in = json_object_object_get(doc, "inputSchema");
	os = workflow_output_schema(doc);
	name = json_get_str(doc, "name");
	buf_puts(b, "{\"serverId\":");
	buf_put_json_string(b, server_id, strlen(server_id));
	buf_puts(b, ",\"name\":");
	buf_put_json_string(b, name != NULL ? name : "", name != NULL ? strlen(name) : 0);
	buf_printf(b, ",\"version\":%d,\"inputSchema\":", out->version);
	if (in != NULL)
		json_buf_put(b, in);
	else
		buf_puts(b, "{\"type\":\"object\"}");
	buf_puts(b, ",\"outputSchema\":");
	if (os != NULL)
		json_buf_put(b, os);
	else
		buf_puts(b, "null");
	buf_printf(b, ",\"run\":\"POST /mcp/servers/%s/run\",\"execute\":"
	    "\"POST /mcp/servers/%s/executions\"}", server_id, server_id);
	return OP_OK;
}
