/*
 * Live events of executions (SPEC §7): what a run did, as it did it, kept
 * in execution_events (sql/migrations/013_events.sql) and announced with
 * NOTIFY orx_events. A run collects them (exec_events_on_step is the
 * engine's on_step hook) and writes them with its own statements -- a
 * synchronous run with its execution record, an executor at each checkpoint,
 * at each boundary after a step that took a while, and at its stop -- so an
 * event costs no statement of its own unless someone could be waiting for
 * it. Step outputs are hidden as traces are (secrets, password-like values).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "clock.h"
#include "db.h"
#include "engine.h"
#include "exec.h"
#include "json.h"

const char *const exec_event_names[EXEC_EVENT__MAX] = {
	"step_started", "step_completed", "intervention_required",
	"intervention_answered", "paused", "resumed", "cancelled", "succeeded", "failed",
};

void
exec_events_init(struct exec_events *ev, struct json_object *secrets)
{
	memset(ev, 0, sizeof(*ev));
	ev->list = json_object_new_array();
	ev->secrets = secrets;
}

void
exec_events_free(struct exec_events *ev)
{
	json_object_put(ev->list);
	ev->list = NULL;
}

/* Adds an event of type with data (a new reference, or NULL for {}). */
void
exec_event_add(struct exec_events *ev, enum exec_event type, struct json_object *data)
{
	struct json_object *e = json_object_new_object();
	char at[ISO_UTC_SIZE];

	iso_utc_us(wall_us(), at);
	json_add_new(e, "type", json_object_new_string(exec_event_names[type]));
	json_add_new(e, "at", json_object_new_string(at));
	json_add_new(e, "data", data != NULL ? data : json_object_new_object());
	json_object_array_add(ev->list, e);
}

/*
 * The engine's on_step hook (step_ctx: the struct exec_events): a step
 * started (record NULL), or ended with its trace record (hidden here).
 */
void
exec_events_on_step(void *ctx, size_t i, const struct plan_step *s,
    struct json_object *record)
{
	struct exec_events *ev = ctx;
	struct json_object *d, *copy = NULL;

	if (record == NULL) {
		d = json_object_new_object();
		json_add_new(d, "index", json_object_new_int64((int64_t)i));
		json_add_new(d, "toolId", json_object_new_string(s->tool_id));
		json_add_new(d, "name", json_object_new_string(s->name));
		json_add_new(d, "type", json_object_new_string(tool_type_names[s->type]));
		exec_event_add(ev, EXEC_EVENT_STEP_STARTED, d);
		ev->step_started_ms = mono_ms();
		return;
	}
	/* A waiting step's end is its intervention_required, added by the run. */
	if (strcmp(json_get_str(record, "status") ? json_get_str(record, "status") : "",
	    "waiting") == 0)
		return;
	if (json_object_deep_copy(record, &copy, NULL) != 0)
		abort();
	redact(copy, ev->secrets, 1);
	json_object_object_add(copy, "index", json_object_new_int64((int64_t)i));
	exec_event_add(ev, EXEC_EVENT_STEP_COMPLETED, copy);
	ev->slow = ev->slow || mono_ms() - ev->step_started_ms >= EXEC_EVENTS_SLOW_MS;
}

/* What a run's end, wait or stop says: one event for res. */
void
exec_events_outcome(struct exec_events *ev, const struct exec_result *res,
    const char *intervention_id, const char *expires_at)
{
	static const enum exec_event of[EXEC_STATUS__MAX] = {
		[EXEC_SUCCEEDED] = EXEC_EVENT_SUCCEEDED, [EXEC_FAILED] = EXEC_EVENT_FAILED,
		[EXEC_WAITING] = EXEC_EVENT_INTERVENTION_REQUIRED,
		[EXEC_PAUSED] = EXEC_EVENT_PAUSED, [EXEC_CANCELLED] = EXEC_EVENT_CANCELLED,
		[EXEC_RUNNING] = EXEC_EVENT__MAX,
	};
	struct json_object *d = json_object_new_object();

	if (of[res->status] == EXEC_EVENT__MAX) {
		json_object_put(d);
		return;
	}
	json_add_new(d, "status", json_object_new_string(exec_status_names[res->status]));
	json_add_new(d, "httpStatus", json_object_new_int(res->http_status));
	json_add_new(d, "nextStep", json_object_new_int64((int64_t)res->next_step));
	if (res->status == EXEC_WAITING && res->intervention != NULL) {
		if (intervention_id != NULL)
			json_add_new(d, "interventionId", json_object_new_string(intervention_id));
		json_add_new(d, "prompt", json_object_get(json_object_object_get(
		    res->intervention, "prompt")));
		json_add_new(d, "toolId", json_object_get(json_object_object_get(
		    res->intervention, "toolId")));
		if (expires_at != NULL)
			json_add_new(d, "expiresAt", json_object_new_string(expires_at));
	}
	if (res->error != NULL) {
		struct json_object *e = NULL;
		if (json_object_deep_copy(res->error, &e, NULL) != 0)
			abort();
		redact(e, ev->secrets, 0);
		json_add_new(d, "error", e);
	}
	exec_event_add(ev, of[res->status], d);
}

/* An event on its own (an answer, a pause or resume from outside a run). */
int
exec_event_write(struct db *db, struct arena *a, const char *execution_id,
    const char *server_id, enum exec_event type, struct json_object *data)
{
	struct exec_events ev;
	int rc;

	exec_events_init(&ev, NULL);
	exec_event_add(&ev, type, data);
	rc = exec_events_flush(db, a, execution_id, server_id, &ev);
	exec_events_free(&ev);
	return rc;
}

/* The collected events as JSON text (arena), "[]" when none. */
const char *
exec_events_json(struct arena *a, const struct exec_events *ev)
{
	return json_text(a, ev->list, NULL);
}

/*
 * Writes the collected events (in the connection's transaction, if one is
 * open) and empties the list. Returns 0, or -1 (they stay for the next).
 */
int
exec_events_flush(struct db *db, struct arena *a, const char *execution_id,
    const char *server_id, struct exec_events *ev)
{
	const char *p[3] = { execution_id, server_id, NULL };
	PGresult *res;

	if (json_object_array_length(ev->list) == 0)
		return 0;
	p[2] = exec_events_json(a, ev);
	if ((res = db_query(db, a, Q_EXEC_EVENTS_ADD, 3, p)) == NULL || !db_ok(res))
		return -1;
	json_object_array_del_idx(ev->list, 0, json_object_array_length(ev->list));
	ev->slow = 0;
	return 0;
}

/*
 * NOTIFY channel once per payload, after the writes they announce have
 * committed (a statement of its own that writes nothing: see
 * sql/queries/executions.sql). Payloads are ids and spaces. 0, or -1.
 */
int
exec_notify(struct db *db, struct arena *a, const char *channel,
    const char *const *payloads, size_t n)
{
	const char *p[2] = { channel, NULL };
	struct buf b;

	if (n == 0)
		return 0;
	buf_init(&b, a, 64 * n + 8);
	buf_putc(&b, '{');
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "%s\"%s\"", i ? "," : "", payloads[i]);
	buf_putc(&b, '}');
	p[1] = b.data;
	return db_query(db, a, Q_EXEC_NOTIFY, 2, p) != NULL ? 0 : -1;
}
