/*
 * The executors (lib/exec/exec.h): processes of a program that take
 * executions from the queue, run them from where they stand, and keep the
 * interventions' deadlines (the sweeper).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "clock.h"
#include "config.h"
#include "db.h"
#include "exec.h"
#include "ids.h"
#include "json.h"
#include "log.h"

#define LEASE_BATCH	8      /* executions leased at once */
#define SWEEP_MS	1000   /* how often the sweeper looks */
#define FLAGS_MS	50     /* pause/cancel requests are read this often */

/* One executor's run of one job. */
struct job_run {
	struct db		*db;
	struct arena		*arena;
	const struct exec_job	*job;
	const char		*me;          /* the lease holder's name */
	struct exec_env		*env;
	struct exec_events	*events;      /* what it tells, until written */
	struct json_object	*input;       /* as the run got it */
	long long		 flags_ms;    /* when the flags were read */
	int			 pause, cancel;
	int			 lost;        /* the lease went to another */
	const char		*told;        /* "<id> <server> <owner>" once stopped */
};

static struct json_object *
parse_col(PGresult *res, int row, int col, struct arena *a)
{
	struct json_object *v;

	if (PQgetisnull(res, row, col))
		return NULL;
	if ((v = json_tokener_parse(PQgetvalue(res, row, col))) != NULL)
		arena_defer(a, json_put_cb, v);
	return v;
}

/* A copy with secrets hidden (and, for traces, password-like values). */
static struct json_object *
hidden(struct arena *a, struct json_object *v, struct json_object *secrets, int keys)
{
	struct json_object *c = NULL;

	if (v == NULL)
		return NULL;
	if (json_object_deep_copy(v, &c, NULL) != 0)
		abort();
	redact(c, secrets, keys);
	arena_defer(a, json_put_cb, c);
	return c;
}

/* Before each step: a pause or cancel asked for meanwhile stops the run. */
static enum exec_status
boundary(void *ctx, size_t i)
{
	struct job_run *jr = ctx;
	const char *p[1] = { jr->job->id };
	PGresult *res;

	(void)i;
	/* After a step that took a while, someone following it should know. */
	if (jr->events->slow)
		(void)exec_events_flush(jr->db, jr->arena, jr->job->id, jr->job->plan_id,
		    jr->events);
	if (mono_ms() - jr->flags_ms >= FLAGS_MS) {
		res = db_query(jr->db, jr->arena, Q_EXEC_FLAGS, 1, p);
		if (res != NULL && db_ok(res) && PQntuples(res) == 1) {
			jr->pause = PQgetvalue(res, 0, 1)[0] == 't';
			jr->cancel = PQgetvalue(res, 0, 2)[0] == 't';
		}
		jr->flags_ms = mono_ms();
	}
	return jr->cancel ? EXEC_CANCELLED : jr->pause ? EXEC_PAUSED : EXEC_RUNNING;
}

/*
 * After a step with effects: where the run stands, in the transaction of
 * the step's writes, while this process still holds the lease; then the
 * commit (asynchronous: a crash of the server may lose it, and the step's
 * writes with it, so the step runs again and nothing is twice). -1 when
 * the lease is gone (the run is abandoned) or the database is away.
 */
static int
checkpoint(void *ctx, struct exec_result *sofar, size_t next)
{
	struct job_run *jr = ctx;
	struct json_object *state;
	const char *p[5];
	char nx[24];
	PGresult *res;

	if (!jr->db->in_tx && db_begin(jr->db) == -1)
		return -1;
	p[0] = jr->job->id;
	p[1] = jr->me;
	if ((res = db_query(jr->db, jr->arena, Q_EXEC_HOLD, 2, p)) == NULL || !db_ok(res) ||
	    PQntuples(res) != 1) {
		if (res != NULL)
			jr->lost = 1;
		goto fail;
	}
	state = exec_state_with_input(sofar->state, jr->input);
	arena_defer(jr->arena, json_put_cb, state);
	snprintf(nx, sizeof(nx), "%zu", next);
	p[1] = json_plain(state);
	p[2] = nx;
	p[3] = json_plain(hidden(jr->arena, sofar->steps, jr->env->secrets, 1));
	p[4] = json_plain(hidden(jr->arena, sofar->logs, jr->env->secrets, 1));
	if ((res = db_query(jr->db, jr->arena, Q_EXEC_PROGRESS, 5, p)) == NULL ||
	    !db_ok(res) || PQntuples(res) != 1)
		goto fail;
	jr->pause = PQgetvalue(res, 0, 0)[0] == 't';
	jr->cancel = PQgetvalue(res, 0, 1)[0] == 't';
	jr->flags_ms = mono_ms();
	if (exec_events_flush(jr->db, jr->arena, jr->job->id, jr->job->plan_id,
	    jr->events) == -1)
		goto fail;
	res = PQexec(jr->db->conn, "set local synchronous_commit = off");
	PQclear(res);
	if (db_commit(jr->db) == -1)
		return -1;
	jr->env->in_tx = 0;
	return 0;
fail:
	db_rollback(jr->db);
	jr->env->in_tx = 0;
	return -1;
}

/*
 * Records how job's run stopped or ended (res), and its intervention if it
 * waits, in one transaction with the run's last writes: only while this
 * process holds the lease. Returns 0, or -1 (nothing recorded).
 */
static int
stop_job(struct job_run *jr, const struct exec_result *res)
{
	const struct exec_job *job = jr->job;
	struct json_object *secrets = jr->env->secrets, *state = NULL;
	int ended = res->status == EXEC_SUCCEEDED || res->status == EXEC_FAILED ||
	    res->status == EXEC_CANCELLED;
	int waits = res->status == EXEC_WAITING && res->intervention != NULL;
	char http[8], next[24], dur[24], iid[40] = "";
	const char *p[13];
	PGresult *pg;

	/* A wait writes its intervention too, and writes since the last
	 * checkpoint are in a transaction already: those commit together;
	 * otherwise the end is one statement. */
	if (waits && !jr->db->in_tx && db_begin(jr->db) == -1)
		return -1;
	if (waits) {
		struct json_object *t = json_get(res->intervention, "timeout", json_type_int);
		char secs[24];
		const char *q[8];

		if (id_new(iid, sizeof(iid), "int_", 20) == -1)
			goto fail;
		snprintf(next, sizeof(next), "%zu", res->next_step);
		snprintf(secs, sizeof(secs), "%lld", t ? (long long)json_object_get_int64(t) : 0LL);
		q[0] = iid;
		q[1] = job->id;
		q[2] = next;
		q[3] = json_get_str(res->intervention, "toolId") ?
		    json_get_str(res->intervention, "toolId") : "";
		q[4] = job->owner_id;
		q[5] = json_get_str(res->intervention, "prompt") ?
		    json_get_str(res->intervention, "prompt") : "";
		q[6] = json_plain(res->intervention);
		q[7] = secs;
		if ((pg = db_query(jr->db, jr->arena, Q_INTERVENTION_INSERT, 8, q)) == NULL ||
		    !db_ok(pg))
			goto fail;
		exec_events_outcome(jr->events, res, iid, PQgetisnull(pg, 0, 0) ? NULL :
		    PQgetvalue(pg, 0, 0));
	} else
		exec_events_outcome(jr->events, res, NULL, NULL);
	if (!ended) {
		state = exec_state_with_input(res->state, jr->input);
		arena_defer(jr->arena, json_put_cb, state);
	}
	snprintf(http, sizeof(http), "%d", res->http_status);
	snprintf(next, sizeof(next), "%zu", res->next_step);
	snprintf(dur, sizeof(dur), "%lld", res->duration_us);
	p[0] = job->id;
	p[1] = exec_status_names[res->status];
	p[2] = http;
	p[3] = res->output != NULL ? json_plain(hidden(jr->arena, res->output, secrets, 0)) :
	    "null";
	p[4] = res->error != NULL ? json_plain(hidden(jr->arena, res->error, secrets, 0)) :
	    "null";
	p[5] = res->steps != NULL ? json_plain(hidden(jr->arena, res->steps, secrets, 1)) : "[]";
	p[6] = res->logs != NULL ? json_plain(hidden(jr->arena, res->logs, secrets, 1)) : "[]";
	p[7] = state != NULL ? json_plain(state) : NULL;
	p[8] = next;
	p[9] = dur;
	p[10] = ended ? "t" : "f";
	p[11] = jr->me;
	p[12] = exec_events_json(jr->arena, jr->events);
	if ((pg = db_query(jr->db, jr->arena, Q_EXEC_STOP, 13, p)) == NULL || !db_ok(pg))
		goto fail;
	if (PQntuples(pg) != 1) {
		jr->lost = 1;
		goto fail;
	}
	if (jr->db->in_tx && db_commit(jr->db) == -1)
		return -1;
	jr->told = arena_printf(jr->arena, "%s %s %s", PQgetvalue(pg, 0, 0),
	    PQgetvalue(pg, 0, 1), PQgetvalue(pg, 0, 2));
	jr->env->in_tx = 0;
	return 0;
fail:
	if (jr->db->in_tx)
		db_rollback(jr->db);
	jr->env->in_tx = 0;
	return -1;
}

/* Ends job without running it (its plan is gone, or it was cancelled). */
static void
stop_unrun(struct job_run *jr, enum exec_status st, const char *code, const char *why)
{
	struct exec_result res;

	memset(&res, 0, sizeof(res));
	res.status = st;
	res.http_status = st == EXEC_FAILED ? 500 : st == EXEC_CANCELLED ? 409 : 202;
	res.next_step = jr->job->next_step;
	res.state = jr->job->state != NULL ? json_object_get(jr->job->state) :
	    json_object_new_object();
	res.steps = jr->job->steps != NULL ? json_object_get(jr->job->steps) : NULL;
	res.logs = jr->job->logs != NULL ? json_object_get(jr->job->logs) : NULL;
	if (code != NULL) {
		res.error = json_object_new_object();
		json_add_new(res.error, "code", json_object_new_string(code));
		json_add_new(res.error, "message", json_object_new_string(why));
	}
	if (stop_job(jr, &res) == -1 && !jr->lost)
		log_warn("execution %s: could not be recorded as %s", jr->job->id,
		    exec_status_names[st]);
	exec_result_free(&res);
}

/* Runs job; returns what its stop announces (arena), or NULL. */
static const char *
run_job(struct db *db, struct arena *a, const struct exec_host *host,
    const struct exec_job *job, const char *me)
{
	struct exec_resume from;
	struct exec_result res;
	struct exec_events ev;
	struct exec_env env;
	struct job_run jr;
	const struct plan *p = NULL;
	char why[256] = "";

	memset(&env, 0, sizeof(env));
	memset(&jr, 0, sizeof(jr));
	jr.db = db;
	jr.arena = a;
	jr.job = job;
	jr.me = me;
	jr.env = &env;
	exec_events_init(&ev, NULL);
	jr.events = &ev;
	jr.pause = job->pause_requested;
	jr.cancel = job->cancel_requested;
	jr.flags_ms = mono_ms();
	/* The input as it came is in the state (the stored one hides secrets). */
	if ((jr.input = json_get(job->state, "input", json_type_object)) == NULL &&
	    (jr.input = job->input) == NULL) {
		jr.input = json_object_new_object();
		arena_defer(a, json_put_cb, jr.input);
	}
	if (jr.cancel || jr.pause) {
		stop_unrun(&jr, jr.cancel ? EXEC_CANCELLED : EXEC_PAUSED, NULL, NULL);
		exec_events_free(&ev);
		return jr.told;
	}
	if (host->prepare(host->ctx, db, a, job, &p, &env, why, sizeof(why)) == -1) {
		log_warn("execution %s cannot go on: %s", job->id, why);
		stop_unrun(&jr, EXEC_FAILED, "not_runnable", why);
		json_object_put(env.secrets);
		exec_events_free(&ev);
		return jr.told;
	}
	ev.secrets = env.secrets;
	env.on_step = exec_events_on_step;
	env.step_ctx = &ev;
	memset(&from, 0, sizeof(from));
	from.next_step = job->next_step;
	from.state = job->state;
	from.steps = job->steps;
	from.logs = job->logs;
	from.answer = job->answer;
	env.resume = job->state != NULL ? &from : NULL;
	env.execution_id = job->id;
	env.defer_writes = 0;
	env.no_trace = 0;
	env.boundary = boundary;
	env.checkpoint = checkpoint;
	env.hook_ctx = &jr;
	engine_run(p, &env, jr.input, &res);
	if (jr.lost)
		log_warn("execution %s: its lease went to another executor; this run is dropped",
		    job->id);
	else if (stop_job(&jr, &res) == -1 && !jr.lost)
		log_warn("execution %s: could not be recorded (it will be taken again)", job->id);
	if (env.in_tx)
		db_rollback(db);
	exec_result_free(&res);
	exec_events_free(&ev);
	json_object_put(env.secrets);
	return jr.told;
}

/* Columns of Q_EXEC_LEASE. */
enum { LS_ID, LS_PLAN, LS_OWNER, LS_VERSION, LS_STATUS, LS_INPUT, LS_STATE, LS_STEPS,
	LS_LOGS, LS_NEXT, LS_PAUSE, LS_CANCEL, LS_ATTEMPTS, LS_STARTED_BY, LS_DURATION,
	LS_ANSWER };

/* Leases what is due and runs it. Returns how many were run, or -1. */
static int
take_and_run(struct db *db, struct arena *a, const struct exec_host *host,
    const char *me, int lease_s)
{
	char lim[16], secs[16];
	const char *p[3] = { me, lim, secs }, **told;
	PGresult *res;
	size_t ntold = 0;
	int n;

	snprintf(lim, sizeof(lim), "%d", LEASE_BATCH);
	snprintf(secs, sizeof(secs), "%d", lease_s);
	if ((res = db_query(db, a, Q_EXEC_LEASE, 3, p)) == NULL)
		return -1;
	if (!db_ok(res))
		return -1;
	n = PQntuples(res);
	told = arena_alloc(a, sizeof(*told) * (size_t)(n ? n : 1));
	for (int i = 0; i < n; i++) {
		struct exec_job job;

		memset(&job, 0, sizeof(job));
		job.id = PQgetvalue(res, i, LS_ID);
		job.plan_id = PQgetvalue(res, i, LS_PLAN);
		job.owner_id = PQgetvalue(res, i, LS_OWNER);
		job.version = atoi(PQgetvalue(res, i, LS_VERSION));
		job.status = PQgetvalue(res, i, LS_STATUS);
		job.input = parse_col(res, i, LS_INPUT, a);
		job.state = parse_col(res, i, LS_STATE, a);
		job.steps = parse_col(res, i, LS_STEPS, a);
		job.logs = parse_col(res, i, LS_LOGS, a);
		job.answer = parse_col(res, i, LS_ANSWER, a);
		job.next_step = (size_t)atoi(PQgetvalue(res, i, LS_NEXT));
		job.pause_requested = PQgetvalue(res, i, LS_PAUSE)[0] == 't';
		job.cancel_requested = PQgetvalue(res, i, LS_CANCEL)[0] == 't';
		job.attempts = atoi(PQgetvalue(res, i, LS_ATTEMPTS));
		job.started_by = PQgetisnull(res, i, LS_STARTED_BY) ? NULL :
		    PQgetvalue(res, i, LS_STARTED_BY);
		job.duration_us = strtoll(PQgetvalue(res, i, LS_DURATION), NULL, 10);
		if ((told[ntold] = run_job(db, a, host, &job, me)) != NULL)
			ntold++;
	}
	/* Subscribers hear of the batch's ends after they committed. */
	(void)exec_notify(db, a, "orx_events", told, ntold);
	return n;
}

/*
 * The sweeper: when this process's transaction holds the database's
 * sweeper lock, each open intervention whose time ran out is ended as its
 * approval says -- continue (the step's output says timedOut), cancel or
 * fail the execution. Returns how many it ended, or -1.
 */
int
exec_sweep(struct db *db, struct arena *a, int keep_hours)
{
	PGresult *res, *due;
	char hours[16];
	const char *hp[1] = { hours };
	int n = 0;

	if (db_begin(db) == -1)
		return -1;
	if ((res = db_query(db, a, Q_EXEC_SWEEPER_LOCK, 0, NULL)) == NULL || !db_ok(res) ||
	    PQgetvalue(res, 0, 0)[0] != 't') {
		db_rollback(db);
		return res == NULL ? -1 : 0;
	}
	if ((due = db_query(db, a, Q_INTERVENTIONS_DUE, 0, NULL)) == NULL || !db_ok(due)) {
		db_rollback(db);
		return -1;
	}
	for (int i = 0; i < PQntuples(due); i++) {
		const char *iid = PQgetvalue(due, i, 0), *exe = PQgetvalue(due, i, 1);
		const char *plan = PQgetvalue(due, i, 3);
		struct exec_events ev;
		struct json_object *d;
		struct json_object *spec = json_tokener_parse(PQgetvalue(due, i, 2)), *ans;
		const char *on = json_get_str(spec, "onTimeout"), *p[4];
		char at[ISO_UTC_SIZE];
		int ok;

		iso_utc(wall_us(), at);
		ans = json_object_new_object();
		json_add_new(ans, "response", NULL);
		json_add_new(ans, "notes", NULL);
		json_add_new(ans, "approved", json_object_new_boolean(0));
		json_add_new(ans, "answeredBy", NULL);
		json_add_new(ans, "answeredAt", json_object_new_string(at));
		json_add_new(ans, "approvals", json_object_new_array());
		json_add_new(ans, "timedOut", json_object_new_boolean(1));
		p[0] = iid;
		p[1] = "[]";
		p[2] = "expired";
		p[3] = json_text(a, ans, NULL);
		ok = db_query(db, a, Q_INTERVENTION_RECORD, 4, p) != NULL;
		if (ok && on != NULL && strcmp(on, "continue") == 0) {
			p[0] = exe;
			ok = db_query(db, a, Q_EXEC_CONTINUE, 1, p) != NULL;
		} else if (ok)
			ok = exec_end(db, a, exe, on != NULL && strcmp(on, "cancel") == 0 ?
			    "cancelled" : "failed", "timeout",
			    "nobody answered the approval in time", 504) == 0;
		exec_events_init(&ev, NULL);
		d = json_object_new_object();
		json_add_new(d, "interventionId", json_object_new_string(iid));
		json_add_new(d, "status", json_object_new_string("expired"));
		json_add_new(d, "timedOut", json_object_new_boolean(1));
		exec_event_add(&ev, EXEC_EVENT_INTERVENTION_ANSWERED, d);
		if (on == NULL || strcmp(on, "continue") != 0) {
			int cancel = on != NULL && strcmp(on, "cancel") == 0;
			d = json_object_new_object();
			json_add_new(d, "status", json_object_new_string(cancel ? "cancelled" :
			    "failed"));
			json_add_new(d, "reason", json_object_new_string("timeout"));
			exec_event_add(&ev, cancel ? EXEC_EVENT_CANCELLED : EXEC_EVENT_FAILED, d);
		}
		ok = ok && exec_events_flush(db, a, exe, plan, &ev) == 0;
		exec_events_free(&ev);
		json_object_put(ans);
		json_object_put(spec);
		if (!ok) {
			db_rollback(db);
			return -1;
		}
		n++;
	}
	/* Events older than they are kept for go too, a batch at a time. */
	snprintf(hours, sizeof(hours), "%d", keep_hours);
	if (db_query(db, a, Q_EXEC_EVENTS_EXPIRE, 1, hp) == NULL) {
		db_rollback(db);
		return -1;
	}
	if (db_commit(db) == -1)
		return -1;
	if (n > 0)
		log_info("sweeper: %d intervention%s timed out", n, n == 1 ? "" : "s");
	return n;
}

/* LISTEN orx_executions on each new connection of db. */
static void
listen_queue(struct db *db, unsigned long *listening)
{
	PGresult *res;

	if (db_ready(db) == -1 || *listening == db->generation)
		return;
	res = PQexec(db->conn, "LISTEN orx_executions");
	if (res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK)
		*listening = db->generation;
	else
		log_warn("executor: LISTEN: %s", PQerrorMessage(db->conn));
	PQclear(res);
}

/* Waits for a notification or ms; reads what came (it only wakes us). */
static void
idle(struct db *db, int ms)
{
	PGnotify *n;

	if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK) {
		struct pollfd pfd = { PQsocket(db->conn), POLLIN, 0 };
		if (poll(&pfd, 1, ms) > 0)
			(void)PQconsumeInput(db->conn);
		while ((n = PQnotifies(db->conn)) != NULL)
			PQfreemem(n);
	} else {
		struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
		nanosleep(&t, NULL);
	}
}

/*
 * An executor's life: until *stop, take what is due and run it; when
 * nothing is, wait for NOTIFY orx_executions (or the sweeper's next look).
 */
void
exec_serve(const struct config *cfg, struct db *db, const struct exec_host *host,
    const char *name, volatile sig_atomic_t *stop)
{
	char me[96], host_name[64] = "";
	unsigned long listening = 0;
	long long last_sweep = 0;
	int lease_s = (int)((cfg->exec_lease_ms + 999) / 1000);
	struct arena a;

	gethostname(host_name, sizeof(host_name) - 1);
	snprintf(me, sizeof(me), "%s:%s:%ld", host_name, name, (long)getpid());
	arena_init(&a, 64 * 1024);
	while (!*stop) {
		int n;

		listen_queue(db, &listening);
		n = take_and_run(db, &a, host, me, lease_s < 1 ? 1 : lease_s);
		if (mono_ms() - last_sweep >= SWEEP_MS) {
			(void)exec_sweep(db, &a, cfg->events_keep_hours);
			last_sweep = mono_ms();
		}
		arena_reset(&a);
		if (n <= 0 && !*stop)
			idle(db, n < 0 ? 200 : SWEEP_MS);
	}
	arena_free(&a);
}
