/*
 * The store of durable executions (lib/exec/exec.h): a run that stopped
 * to wait, its intervention, and how both are shown.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "db.h"
#include "exec.h"
#include "json.h"

static const char *
plain_or_null(struct json_object *v)
{
	return v != NULL ? json_plain(v) : "null";
}

/*
 * What a stopped run is to go on from: the engine's state with the run's
 * input as it came (the stored input is the trace's, secrets hidden). It is
 * never shown, and it is dropped when the execution ends.
 */
struct json_object *
exec_state_with_input(struct json_object *state, struct json_object *input)
{
	struct json_object *s = json_object_new_object();

	json_object_object_foreach(state, k, v)
		json_object_object_add(s, k, json_object_get(v));
	json_object_object_add(s, "input", json_object_get(input));
	return s;
}

/*
 * Stores a synchronous run that stopped at an approval (res->status
 * EXEC_WAITING): the execution (trace steps and logs as given, already
 * redacted by the caller) and its intervention intervention_id. Opens the
 * transaction if the run did not (the caller commits). Returns 0 with
 * *intervention_out {id, prompt, spec, expiresAt, expires} (a new
 * reference), or -1 (NULL result: the database is away; -2: refused).
 */
int
exec_save_waiting(struct db *db, struct arena *a, const char *execution_id,
    const char *plan_id, const char *owner_id, int version, struct json_object *input,
    struct json_object *trace_input, struct json_object *steps, struct json_object *logs,
    const struct exec_result *res, const char *started_by, const char *token_hash,
    const char *intervention_id, struct json_object **intervention_out)
{
	struct json_object *spec = res->intervention, *state, *t;
	char ver[16], http[8], started[24], dur[24], next[24], timeout[24];
	const char *p[17];
	PGresult *pg;
	long long secs;

	*intervention_out = NULL;
	if (spec == NULL)
		return -2;
	if (!db->in_tx && db_begin(db) == -1)
		return -1;
	state = exec_state_with_input(res->state, input);
	arena_defer(a, json_put_cb, state);
	snprintf(ver, sizeof(ver), "%d", version);
	snprintf(http, sizeof(http), "%d", res->http_status);
	snprintf(started, sizeof(started), "%lld", res->started_at_us);
	snprintf(dur, sizeof(dur), "%lld", res->duration_us);
	snprintf(next, sizeof(next), "%zu", res->next_step);
	p[0] = execution_id;
	p[1] = plan_id;
	p[2] = owner_id;
	p[3] = ver;
	p[4] = exec_status_names[res->status];
	p[5] = http;
	p[6] = plain_or_null(trace_input);
	p[7] = "null";
	p[8] = "null";
	p[9] = steps != NULL ? json_plain(steps) : "[]";
	p[10] = logs != NULL ? json_plain(logs) : "[]";
	p[11] = started;
	p[12] = dur;
	p[13] = next;
	p[14] = json_plain(state);
	p[15] = started_by;
	p[16] = token_hash;
	if ((pg = db_query(db, a, Q_EXEC_INSERT_STOPPED, 17, p)) == NULL)
		return -1;
	if (!db_ok(pg))
		return -2;
	secs = (t = json_get(spec, "timeout", json_type_int)) != NULL ?
	    json_object_get_int64(t) : 0;
	snprintf(timeout, sizeof(timeout), "%lld", secs);
	p[0] = intervention_id;
	p[1] = execution_id;
	p[2] = next;
	p[3] = json_get_str(spec, "toolId") ? json_get_str(spec, "toolId") : "";
	p[4] = owner_id;
	p[5] = json_get_str(spec, "prompt") ? json_get_str(spec, "prompt") : "";
	p[6] = json_plain(spec);
	p[7] = timeout;
	if ((pg = db_query(db, a, Q_INTERVENTION_INSERT, 8, p)) == NULL)
		return -1;
	if (!db_ok(pg) || PQntuples(pg) != 1)
		return -2;
	t = json_object_new_object();
	json_object_object_add(t, "id", json_object_new_string(intervention_id));
	json_object_object_add(t, "prompt", json_object_new_string(p[5]));
	json_object_object_add(t, "spec", json_object_get(spec));
	json_object_object_add(t, "expiresAt", PQgetisnull(pg, 0, 0) ? NULL :
	    json_object_new_string(PQgetvalue(pg, 0, 0)));
	json_object_object_add(t, "expires", json_object_new_int64(PQgetisnull(pg, 0, 1) ?
	    0 : strtoll(PQgetvalue(pg, 0, 1), NULL, 10)));
	*intervention_out = t;
	return 0;
}

/*
 * Appends an intervention as the API shows it: {"id","toolId","prompt",
 * "form" or "options","required","approvers","expiresAt","onTimeout",
 * "link"?} (link: the URL of its signed link, for those who may see it).
 */
void
exec_intervention_json(struct buf *b, const char *id, const char *prompt,
    struct json_object *spec, const char *expires_at, const char *link)
{
	static const char *const shown[] = { "toolId", "form", "options", "required",
	    "approvers", "timeout", "onTimeout", "onDeny", "allowSelfApproval", NULL };
	struct json_object *v;

	buf_puts(b, "{\"id\":");
	buf_put_json_string(b, id, strlen(id));
	buf_puts(b, ",\"status\":\"pending\",\"prompt\":");
	buf_put_json_string(b, prompt, strlen(prompt));
	for (const char *const *k = shown; *k != NULL; k++)
		if (json_object_object_get_ex(spec, *k, &v) && v != NULL) {
			buf_printf(b, ",\"%s\":", *k);
			json_buf_put(b, v);
		}
	buf_puts(b, ",\"expiresAt\":");
	if (expires_at != NULL && *expires_at != '\0')
		buf_put_json_string(b, expires_at, strlen(expires_at));
	else
		buf_puts(b, "null");
	if (link != NULL) {
		buf_puts(b, ",\"link\":");
		buf_put_json_string(b, link, strlen(link));
	}
	buf_putc(b, '}');
}

const char *const exec_action_names[EXEC_ACTION__MAX] = { "pause", "resume", "cancel" };

/*
 * Pause, resume or cancel execution id of owner (SPEC §7). Returns the
 * outcome, with *status the execution's status after it (or as it is,
 * for a conflict) and *requested set when the change takes effect at the
 * next step boundary.
 */
enum exec_control_status
exec_control(struct db *db, struct arena *a, const char *id, const char *owner,
    enum exec_action act, const char **status, int *requested)
{
	static const enum query q[EXEC_ACTION__MAX] = { Q_EXEC_PAUSE, Q_EXEC_RESUME,
	    Q_EXEC_CANCEL };
	const char *p[2] = { id, owner };
	PGresult *res;

	*status = NULL;
	*requested = 0;
	if ((res = db_query(db, a, q[act], 2, p)) == NULL)
		return EXC_UNAVAILABLE;
	if (!db_ok(res))
		return EXC_FAILED;
	if (PQntuples(res) == 1) {
		*status = PQgetvalue(res, 0, 0);
		*requested = act != EXEC_RESUME && PQgetvalue(res, 0, 1)[0] == 't';
		/* What took effect at once is told now; a request, by the run
		 * when it stops. */
		if (!*requested) {
			struct json_object *d = json_object_new_object();
			json_object_object_add(d, "status", json_object_new_string(*status));
			(void)exec_event_write(db, a, id, PQgetvalue(res, 0, 2),
			    act == EXEC_PAUSE ? EXEC_EVENT_PAUSED : act == EXEC_RESUME ?
			    EXEC_EVENT_RESUMED : EXEC_EVENT_CANCELLED, d);
		}
		return EXC_OK;
	}
	if ((res = db_query(db, a, Q_EXEC_STATUS_OF, 2, p)) == NULL)
		return EXC_UNAVAILABLE;
	if (!db_ok(res))
		return EXC_FAILED;
	if (PQntuples(res) == 0)
		return EXC_NOT_FOUND;
	*status = PQgetvalue(res, 0, 0);
	*requested = PQgetvalue(res, 0, act == EXEC_CANCEL ? 2 : 1)[0] == 't';
	return EXC_CONFLICT;
}
