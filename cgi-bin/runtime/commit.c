/*
 * Commits a call's buffered insert together with other workers' (group
 * commit, lib/proc/gcommit.h): the common run -- one document, at most one
 * unique field -- waits for its write like any other, but under load many
 * calls share one statement and one WAL flush. The batches run in the
 * runtime's committer (rt_committer, a process of its own); workers lead
 * them only while it is away.
 *
 * A slot's payload is six NUL-terminated strings: document id, owner and
 * environment (whose collections they are), collection, the document as
 * JSON text, its unique field ("" for none).
 */
#include <string.h>

#include "config.h"
#include "runtime.h"
#include "tools.h"

enum { P_ID, P_OWNER, P_ENV, P_COLL, P_DOC, P_FIELD, P__MAX };

/*
 * One batch at a time when workers lead: on two cores, wrk -c32 against 16
 * workers, one leader made batches of about 9 writes and served more calls
 * than two or four leaders (smaller batches, more statements).
 */
#define LEADERS	1

int
rt_shared_init(void *shared)
{
	return gc_init(&((struct rt_shared *)shared)->commits, LEADERS);
}

/* Splits a payload into its P__MAX strings. */
static void
fields(const char *p, const char *out[P__MAX])
{
	for (int i = 0; i < P__MAX; i++) {
		out[i] = p;
		p += strlen(p) + 1;
	}
}

/*
 * What a commit statement's result means for its call: committed, refused
 * for a taken unique value (field, if given, names it), or failed.
 */
enum gc_outcome
rt_commit_outcome(PGresult *pg, char *field, size_t fieldsz)
{
	if (pg != NULL && db_ok(pg))
		return GC_OK;
	if (pg != NULL && strcmp(db_sqlstate(pg), "23505") == 0) {
		if (field != NULL)
			duplicate_field(pg, field, fieldsz);
		return GC_DUPLICATE;
	}
	return GC_FAILED;
}

/* Where a batch runs: a leading worker's connection and request arena,
 * or the committer's. */
struct committer {
	struct db	*db;
	struct arena	*arena;
};

/* One write alone: rt_commit_one, as an ungrouped run would. */
static enum gc_outcome
commit_alone(struct committer *c, const char *payload)
{
	const char *f[P__MAX], *params[6];
	struct buf uniq;
	PGresult *pg;

	fields(payload, f);
	buf_init(&uniq, c->arena, 64);
	buf_putc(&uniq, '[');
	if (f[P_FIELD][0] != '\0')
		buf_put_json_string(&uniq, f[P_FIELD], strlen(f[P_FIELD]));
	buf_putc(&uniq, ']');
	params[0] = f[P_ID];
	params[1] = f[P_OWNER];
	params[2] = f[P_ENV];
	params[3] = f[P_COLL];
	params[4] = f[P_DOC];
	params[5] = uniq.data;
	pg = db_query(c->db, c->arena, Q_RT_COMMIT_ONE, 6, params);
	return rt_commit_outcome(pg, NULL, 0);
}

/* Appends v to a PostgreSQL array literal as one quoted element (NULL: null). */
static void
put_element(struct buf *b, const char *v)
{
	if (b->len > 1)
		buf_putc(b, ',');
	if (v == NULL) {
		buf_puts(b, "NULL");
		return;
	}
	buf_putc(b, '"');
	for (const char *p = v; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			buf_putc(b, '\\');
		buf_putc(b, *p);
	}
	buf_putc(b, '"');
}

/*
 * The leader's statement (gc_run_fn): slots' writes in one rt_commit_batch.
 * A batch the database refuses (a unique value taken, or one document it
 * will not take) is retried write by write, so that only those fail.
 */
static void
commit_batch(void *ctx, struct gcommit *gc, const int *slots, int n)
{
	struct committer *c = ctx;
	struct buf arr[P__MAX];
	const char *params[P__MAX];
	PGresult *pg;

	if (n == 1) {
		gc->slot[slots[0]].outcome = commit_alone(c, gc->slot[slots[0]].payload);
		return;
	}
	for (int k = 0; k < P__MAX; k++) {
		buf_init(&arr[k], c->arena, k == P_DOC ? 256 * (size_t)n : 32 * (size_t)n);
		buf_putc(&arr[k], '{');
	}
	for (int i = 0; i < n; i++) {
		const char *f[P__MAX];

		fields(gc->slot[slots[i]].payload, f);
		for (int k = 0; k < P__MAX; k++)
			put_element(&arr[k], k == P_FIELD && f[k][0] == '\0' ? NULL : f[k]);
	}
	for (int k = 0; k < P__MAX; k++) {
		buf_putc(&arr[k], '}');
		params[k] = arr[k].data;
	}
	pg = db_query(c->db, c->arena, Q_RT_COMMIT_BATCH, P__MAX, params);
	for (int i = 0; i < n; i++) {
		struct gc_slot *s = &gc->slot[slots[i]];

		if (pg == NULL)
			s->outcome = GC_FAILED;
		else if (db_ok(pg))
			s->outcome = GC_OK;
		else
			s->outcome = commit_alone(c, s->payload);
	}
}

/*
 * Commits one document of the calling worker's run, grouped with other
 * workers' when they commit at the same time. field is its unique field,
 * or NULL. Returns the outcome; a document too big to group is committed
 * alone here.
 */
enum gc_outcome
rt_commit_grouped(struct req *r, const char *id, const char *owner, const char *env,
    const char *coll, const char *doc, const char *field)
{
	const char *v[P__MAX] = { id, owner, env, coll, doc, field != NULL ? field : "" };
	struct gcommit *gc = &RT_SHARED(r)->commits;
	struct committer here = { r->app->db, r->arena };
	size_t len[P__MAX], total = 0, at = 0;
	char *payload;

	for (int i = 0; i < P__MAX; i++)
		total += (len[i] = strlen(v[i])) + 1;
	payload = arena_alloc(r->arena, total);
	for (int i = 0; i < P__MAX; i++) {
		memcpy(payload + at, v[i], len[i] + 1);
		at += len[i] + 1;
	}
	/* A worker inside a transaction must not carry others' writes in it. */
	if (total > GC_PAYLOAD || r->app->slot < 0 || r->app->slot >= GC_SLOTS ||
	    r->app->db->in_tx)
		return commit_alone(&here, payload);
	/* It sleeps until a leader has run its write, or leads and waits on
	 * PostgreSQL: either way another worker may have its CPU gate place. */
	waiter_notify(&r->app->waiter);
	return gc_commit(gc, r->app->slot, payload, total, commit_batch, &here);
}

/* The committer's batch: commit_batch, then its arena is emptied. */
static void
serve_batch(void *ctx, struct gcommit *gc, const int *slots, int n)
{
	struct committer *c = ctx;

	commit_batch(c, gc, slots, n);
	arena_reset(c->arena);
}

/*
 * The runtime's committer (program.helper): runs the workers' grouped
 * writes on a connection of its own until *stop (lib/proc/gcommit.h).
 */
void
rt_committer(const struct config *cfg, void *shared, volatile sig_atomic_t *stop)
{
	struct gcommit *gc = &((struct rt_shared *)shared)->commits;
	struct arena arena;
	struct db db;
	struct committer c = { &db, &arena };

	db_init(&db, config_get(cfg, CFG_DATABASE_URL), "runtime-commit");
	db_set_options(&db, "-c search_path=archestra");
	arena_init(&arena, 64 * 1024);
	gc_serve(gc, serve_batch, &c, stop);
	arena_free(&arena);
	db_close(&db);
}
