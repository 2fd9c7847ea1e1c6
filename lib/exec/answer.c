/*
 * Answering an intervention (SPEC §7): who may, what the answer must look
 * like, and what it does. The intervention and its execution are locked
 * while the answer is recorded, so of concurrent answers exactly one
 * resolves it and the others find it answered. An answer that completes it
 * (enough approvals, or a deny) queues the execution to go on from the
 * approval's step, or ends it (a deny that cancels or fails).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "clock.h"
#include "db.h"
#include "exec.h"
#include "json.h"
#include "jsonschema.h"
#include "scopes.h"
#include "toolcheck.h"

#define NOTES_MAX	2000

/* Columns of Q_INTERVENTION_LOCK. */
enum { IL_STATUS, IL_SPEC, IL_APPROVALS, IL_STEP, IL_OWNER, IL_EXEC_STATUS,
	IL_STARTED_BY, IL_PLAN, IL_EXPIRES, IL_EXPIRED, IL_PROMPT };

static enum exec_answer_status
refuse(struct exec_answer_result *out, enum exec_answer_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum exec_answer_status
refuse(struct exec_answer_result *out, enum exec_answer_status st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out->message, sizeof(out->message), fmt, ap);
	va_end(ap);
	out->status = st;
	return st;
}

/* 1 if list (a json array of strings) holds s. */
static int
listed(struct json_object *list, const char *s)
{
	size_t n = json_object_is_type(list, json_type_array) ?
	    json_object_array_length(list) : 0;

	for (size_t i = 0; s != NULL && i < n; i++) {
		const char *v = json_object_get_string(json_object_array_get_idx(list, i));
		if (v != NULL && strcmp(v, s) == 0)
			return 1;
	}
	return 0;
}

/*
 * Whether who may answer: the platform, a link's bearer, or a key whose
 * owner is the workflow's (or one the approval names) and that carries the
 * scopes it names (by default run). Returns 0, or the refusal.
 */
static enum exec_answer_status
may_answer(const struct exec_answerer *who, struct json_object *spec, const char *owner,
    const char *started_by, struct exec_answer_result *out)
{
	struct json_object *ap = json_get(spec, "approvers", json_type_object);
	struct json_object *scopes = ap != NULL ? json_get(ap, "scopes", json_type_array) : NULL;
	struct json_object *self = json_get(spec, "allowSelfApproval", json_type_boolean);
	unsigned need = S_RUN;

	if (who->platform || who->via_link)
		return EXA_OK;
	/* To anyone else it does not exist. */
	if (who->owner_id == NULL || (strcmp(who->owner_id, owner) != 0 &&
	    !listed(ap != NULL ? json_object_object_get(ap, "owners") : NULL, who->owner_id)))
		return refuse(out, EXA_NOT_FOUND, "no such intervention");
	if (scopes != NULL) {
		need = 0;
		for (size_t i = 0; i < json_object_array_length(scopes); i++) {
			unsigned bit;
			if (scopes_parse(json_object_get_string(json_object_array_get_idx(scopes,
			    i)), &bit) == 0)
				need |= bit;
		}
	}
	if ((who->scopes & need) != need) {
		char names[64];
		scopes_format(need & ~who->scopes, names, sizeof(names));
		return refuse(out, EXA_FORBIDDEN, "answering needs the scope: %s", names);
	}
	if (self != NULL && !json_object_get_boolean(self) && started_by != NULL &&
	    who->key_id != NULL && strcmp(who->key_id, started_by) == 0)
		return refuse(out, EXA_FORBIDDEN,
		    "the key that started this run may not approve it");
	return EXA_OK;
}

/*
 * The response against the intervention's form (a JSON Schema) or options.
 * Returns 0, or EXA_INVALID with details [{path, message}].
 */
static enum exec_answer_status
response_fits(struct json_object *spec, struct json_object *response,
    struct exec_answer_result *out)
{
	struct json_object *form = json_object_object_get(spec, "form");
	struct json_object *opts = json_get(spec, "options", json_type_array);
	struct json_object *errs;
	struct js_schema *s = NULL;
	int ok;

	out->details = json_object_new_array();
	if (form == NULL) {
		if (json_object_is_type(response, json_type_string) &&
		    listed(opts, json_object_get_string(response)))
			return EXA_OK;
		struct buf b;
		struct arena a;
		arena_init(&a, 512);
		buf_init(&b, &a, 128);
		for (size_t i = 0; opts != NULL && i < json_object_array_length(opts); i++)
			buf_printf(&b, "%s%s", i ? ", " : "",
			    json_object_get_string(json_object_array_get_idx(opts, i)));
		errs_add(out->details, "/response", "must be one of: %s", b.data);
		arena_free(&a);
		return refuse(out, EXA_INVALID, "the response is not one of the options");
	}
	if (js_compile_with(form, &workflow_schema_options, &s, NULL) != JS_OK)
		return refuse(out, EXA_INVALID, "the intervention's form does not compile");
	errs = json_object_new_array();
	ok = js_validate(s, response, errs);
	js_free(s);
	if (!ok)
		errs_merge(out->details, errs, "/response");
	json_object_put(errs);
	return ok ? EXA_OK : refuse(out, EXA_INVALID, "the response does not fit the form");
}

/* Who answered, as the record shows it. */
static const char *
answerer_name(const struct exec_answerer *who)
{
	if (who->via_link)
		return "link";
	if (who->platform)
		return "platform";
	return who->owner_id != NULL ? who->owner_id : "?";
}

/* 1 if approvals has one by the same key (or the same link). */
static int
answered_before(struct json_object *approvals, const struct exec_answerer *who)
{
	size_t n = json_object_array_length(approvals);
	const char *me = who->key_id != NULL ? who->key_id : answerer_name(who);

	for (size_t i = 0; i < n; i++) {
		const char *k = json_get_str(json_object_array_get_idx(approvals, i), "keyId");
		if (k != NULL && strcmp(k, me) == 0)
			return 1;
	}
	return 0;
}

/*
 * The step's output once resolved: the last response and notes, whether it
 * was approved, by whom and when, every approval, and no timeout.
 */
static struct json_object *
resolved_answer(struct json_object *approvals, int approved)
{
	struct json_object *a = json_object_new_object();
	struct json_object *last = json_object_array_get_idx(approvals,
	    json_object_array_length(approvals) - 1);

	json_add_new(a, "response", json_object_get(json_object_object_get(last, "response")));
	json_add_new(a, "notes", json_object_get(json_object_object_get(last, "notes")));
	json_add_new(a, "approved", json_object_new_boolean(approved));
	json_add_new(a, "answeredBy", json_object_get(json_object_object_get(last, "by")));
	json_add_new(a, "answeredAt", json_object_get(json_object_object_get(last, "at")));
	json_add_new(a, "approvals", json_object_get(approvals));
	json_add_new(a, "timedOut", json_object_new_boolean(0));
	return a;
}

/*
 * Ends execution id without going on: status (cancelled or failed) with an
 * error {code, message}. 0, or -1 when the database is away.
 */
int
exec_end(struct db *db, struct arena *a, const char *id, const char *status,
    const char *code, const char *message, int http)
{
	struct json_object *e = json_object_new_object();
	char hs[8];
	const char *p[4];
	PGresult *res;

	json_add_new(e, "code", json_object_new_string(code));
	json_add_new(e, "message", json_object_new_string(message));
	snprintf(hs, sizeof(hs), "%d", http);
	p[0] = id;
	p[1] = status;
	p[2] = json_text(a, e, NULL);
	p[3] = hs;
	res = db_query(db, a, Q_EXEC_END, 4, p);
	json_object_put(e);
	return res == NULL ? -1 : 0;
}

/*
 * Answers intervention iid of execution exe with response (borrowed) and
 * optional notes, as who. Fills out (free it with exec_answer_result_free).
 */
void
exec_answer(struct db *db, struct arena *a, const char *exe, const char *iid,
    const struct exec_answerer *who, struct json_object *response, const char *notes,
    struct exec_answer_result *out)
{
	struct json_object *spec = NULL, *approvals = NULL, *entry, *answer = NULL, *v;
	const char *p[4], *istatus = "pending", *estatus, *plan = NULL;
	struct exec_events ev;
	char at[ISO_UTC_SIZE];
	size_t required = 1;
	int denied = 0, done = 0;
	PGresult *res;

	memset(out, 0, sizeof(*out));
	exec_events_init(&ev, NULL);
	if (response == NULL) {
		out->details = json_object_new_array();
		errs_add(out->details, "/response", "the answer is required");
		refuse(out, EXA_INVALID, "send {\"response\": ...}");
		return;
	}
	if (notes != NULL && strlen(notes) > NOTES_MAX) {
		out->details = json_object_new_array();
		errs_add(out->details, "/notes", "at most %d bytes", NOTES_MAX);
		refuse(out, EXA_INVALID, "the notes are too long");
		return;
	}
	if (db_begin(db) == -1) {
		refuse(out, EXA_UNAVAILABLE, "the database is unavailable; try again shortly");
		return;
	}
	p[0] = iid;
	p[1] = exe;
	if ((res = db_query(db, a, Q_INTERVENTION_LOCK, 2, p)) == NULL) {
		refuse(out, EXA_UNAVAILABLE, "the database is unavailable; try again shortly");
		goto rollback;
	}
	if (!db_ok(res) || PQntuples(res) != 1) {
		refuse(out, EXA_NOT_FOUND, "no such intervention");
		goto rollback;
	}
	estatus = PQgetvalue(res, 0, IL_EXEC_STATUS);
	plan = arena_strdup(a, PQgetvalue(res, 0, IL_PLAN));
	if (strcmp(PQgetvalue(res, 0, IL_STATUS), "pending") != 0) {
		out->intervention_status = arena_strdup(a, PQgetvalue(res, 0, IL_STATUS));
		refuse(out, EXA_CONFLICT, "the intervention is %s already",
		    PQgetvalue(res, 0, IL_STATUS));
		goto rollback;
	}
	if (PQgetvalue(res, 0, IL_EXPIRED)[0] == 't') {
		refuse(out, EXA_CONFLICT, "the intervention's time ran out");
		goto rollback;
	}
	if (strcmp(estatus, "waiting") != 0 && strcmp(estatus, "paused") != 0) {
		out->execution_status = arena_strdup(a, estatus);
		refuse(out, EXA_CONFLICT, "the execution is %s, not waiting", estatus);
		goto rollback;
	}
	spec = json_tokener_parse(PQgetvalue(res, 0, IL_SPEC));
	approvals = json_tokener_parse(PQgetvalue(res, 0, IL_APPROVALS));
	if (!json_object_is_type(spec, json_type_object) ||
	    !json_object_is_type(approvals, json_type_array)) {
		refuse(out, EXA_CONFLICT, "the intervention's record is unreadable");
		goto rollback;
	}
	if (may_answer(who, spec, PQgetvalue(res, 0, IL_OWNER),
	    PQgetisnull(res, 0, IL_STARTED_BY) ? NULL : PQgetvalue(res, 0, IL_STARTED_BY),
	    out) != EXA_OK)
		goto rollback;
	if (answered_before(approvals, who)) {
		refuse(out, EXA_CONFLICT, "you answered this intervention already");
		goto rollback;
	}
	if (response_fits(spec, response, out) != EXA_OK)
		goto rollback;
	json_object_put(out->details);
	out->details = NULL;

	iso_utc(wall_us(), at);
	entry = json_object_new_object();
	json_add_new(entry, "by", json_object_new_string(answerer_name(who)));
	json_add_new(entry, "keyId", json_object_new_string(who->key_id != NULL ?
	    who->key_id : answerer_name(who)));
	json_add_new(entry, "at", json_object_new_string(at));
	json_add_new(entry, "response", json_object_get(response));
	json_add_new(entry, "notes", notes != NULL ? json_object_new_string(notes) : NULL);
	json_object_array_add(approvals, entry);
	if ((v = json_get(spec, "required", json_type_int)) != NULL &&
	    json_object_get_int64(v) > 1)
		required = (size_t)json_object_get_int64(v);
	denied = json_object_object_get(spec, "form") == NULL &&
	    json_object_is_type(response, json_type_string) &&
	    strcmp(json_object_get_string(response), "deny") == 0;
	done = denied || json_object_array_length(approvals) >= required;
	if (done) {
		istatus = denied ? "denied" : "approved";
		answer = resolved_answer(approvals, !denied);
	}
	p[0] = iid;
	p[1] = json_text(a, approvals, NULL);
	p[2] = istatus;
	p[3] = answer != NULL ? json_text(a, answer, NULL) : NULL;
	if ((res = db_query(db, a, Q_INTERVENTION_RECORD, 4, p)) == NULL) {
		refuse(out, EXA_UNAVAILABLE, "the database is unavailable; try again shortly");
		goto rollback;
	}
	out->execution_status = arena_strdup(a, estatus);
	{
		struct json_object *d = json_object_new_object();
		json_add_new(d, "interventionId", json_object_new_string(iid));
		json_add_new(d, "status", json_object_new_string(istatus));
		json_add_new(d, "answeredBy", json_object_new_string(answerer_name(who)));
		json_add_new(d, "response", json_object_get(response));
		json_add_new(d, "approvals",
		    json_object_new_int64((int64_t)json_object_array_length(approvals)));
		exec_event_add(&ev, EXEC_EVENT_INTERVENTION_ANSWERED, d);
	}
	if (done) {
		const char *on_deny = json_get_str(spec, "onDeny");

		if (denied && on_deny != NULL && strcmp(on_deny, "continue") != 0) {
			int fail = strcmp(on_deny, "fail") == 0;
			if (exec_end(db, a, exe, fail ? "failed" : "cancelled", "denied",
			    "the approval was denied", fail ? 403 : 409) == -1) {
				refuse(out, EXA_UNAVAILABLE,
				    "the database is unavailable; try again shortly");
				goto rollback;
			}
			out->execution_status = fail ? "failed" : "cancelled";
			{
				struct json_object *d = json_object_new_object();
				json_add_new(d, "status", json_object_new_string(
				    out->execution_status));
				json_add_new(d, "reason", json_object_new_string("denied"));
				exec_event_add(&ev, fail ? EXEC_EVENT_FAILED :
				    EXEC_EVENT_CANCELLED, d);
			}
		} else {
			p[0] = exe;
			if (db_query(db, a, Q_EXEC_CONTINUE, 1, p) == NULL) {
				refuse(out, EXA_UNAVAILABLE,
				    "the database is unavailable; try again shortly");
				goto rollback;
			}
			if (strcmp(estatus, "waiting") == 0)
				out->execution_status = "running";
		}
	}
	if (exec_events_flush(db, a, exe, plan, &ev) == -1) {
		refuse(out, EXA_UNAVAILABLE, "the database is unavailable; try again shortly");
		goto rollback;
	}
	if (db_commit(db) == -1) {
		refuse(out, EXA_UNAVAILABLE, "the database is unavailable; try again shortly");
		goto done;
	}
	out->status = EXA_OK;
	out->intervention_status = istatus;
	goto done;
rollback:
	db_rollback(db);
done:
	exec_events_free(&ev);
	json_object_put(spec);
	json_object_put(approvals);
	json_object_put(answer);
}

void
exec_answer_result_free(struct exec_answer_result *out)
{
	json_object_put(out->details);
	out->details = NULL;
}
