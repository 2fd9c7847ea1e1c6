/*
 * The event hub (SPEC §7): a process of the orchestrix program's own
 * (orx-events) that serves execution events to their subscribers, so that
 * an idle subscriber holds no worker. nginx passes it, over HTTP on
 * ORX_EVENTS_SOCKET (unbuffered), every
 *
 *	GET /api/v1/executions/:executionId/events   one execution's events
 *	GET /mcp/servers/:serverId/events            every run of one workflow
 *	GET /api/v1/events                           every run of the key's owner
 *
 * With "Accept: text/event-stream" the answer is a stream of Server-Sent
 * Events -- each "id: <event id>", "event: <type>", "data: {...}" -- that
 * starts after Last-Event-ID (or ?after=), so a reconnect misses nothing
 * and gets nothing twice; otherwise a page of them as JSON, {"events",
 * "next"} (polling). One epoll loop holds every stream; one LISTEN on
 * orx_events tells it what changed, and one query per execution or
 * workflow that changed serves all its subscribers.
 */
#define _GNU_SOURCE   /* accept4 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "crypto.h"
#include "listen.h"
#include "log.h"
#include "orchestrix.h"

#define HEAD_MAX	8192
#define OUT_MAX		(1 << 20)   /* a subscriber this far behind is dropped */
#define PAGE		500         /* events per query, and per polling page */
#define KEEPALIVE_MS	15000
#define HEAD_TIMEOUT_MS	10000

struct sub {
	int		 fd;
	int		 streaming;     /* the head was answered: an SSE stream */
	char		 in[HEAD_MAX];
	size_t		 inlen;
	char		*out;           /* what is still to be written */
	size_t		 outlen, outoff, outcap;
	char		 exe[72];       /* subscribed execution, or "" */
	char		 server[72];    /* subscribed workflow, or "" */
	char		 owner[72];     /* subscribed owner (every execution of its), or "" */
	long long	 last;          /* the last event id it was sent */
	long long	 since_ms;      /* accepted, or last written */
	int		 dead;          /* closed; freed at the end of the loop's turn */
	struct sub	*next;
};

struct hub {
	const struct config	*cfg;
	struct db		 db;
	struct arena		 arena;
	int			 ep, lfd;
	unsigned long		 listening;   /* db generation LISTENing */
	struct sub		*subs;
	size_t			 nsubs;
};

/*
 * Closes s's connection. s itself stays (dead) until reap(): an event of
 * the same epoll turn may still name it.
 */
static void
sub_close(struct hub *h, struct sub *s)
{
	if (s->dead)
		return;
	epoll_ctl(h->ep, EPOLL_CTL_DEL, s->fd, NULL);
	close(s->fd);
	s->dead = 1;
	(void)h;
}

/* Frees the subscribers closed in this turn. */
static void
reap(struct hub *h)
{
	struct sub **pp = &h->subs, *s;

	while ((s = *pp) != NULL) {
		if (s->dead) {
			*pp = s->next;
			free(s->out);
			free(s);
			h->nsubs--;
		} else
			pp = &s->next;
	}
}

/* Writes what s has queued; 0, or -1 when it is gone (closed). */
static int
sub_flush(struct hub *h, struct sub *s)
{
	if (s->dead)
		return -1;
	while (s->outoff < s->outlen) {
		ssize_t n = send(s->fd, s->out + s->outoff, s->outlen - s->outoff,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			sub_close(h, s);
			return -1;
		}
		s->outoff += (size_t)n;
	}
	if (s->outoff == s->outlen) {
		s->outoff = s->outlen = 0;
		if (s->outcap > 65536) {   /* a burst's room goes back */
			free(s->out);
			s->out = NULL;
			s->outcap = 0;
		}
	}
	{
		struct epoll_event ev = { EPOLLIN | EPOLLRDHUP | (s->outlen ? EPOLLOUT : 0),
		    { .ptr = s } };
		epoll_ctl(h->ep, EPOLL_CTL_MOD, s->fd, &ev);
	}
	s->since_ms = mono_ms();
	return 0;
}

/* Queues n bytes for s; -1 (s closed) when it is too far behind. */
static int
sub_put(struct hub *h, struct sub *s, const char *p, size_t n)
{
	if (s->dead)
		return -1;
	if (s->outlen + n > OUT_MAX) {
		log_warn("events: a subscriber fell %zu bytes behind; dropped (it reconnects)",
		    s->outlen);
		sub_close(h, s);
		return -1;
	}
	if (s->outlen + n > s->outcap) {
		size_t cap = s->outcap ? s->outcap : 4096;
		while (cap < s->outlen + n)
			cap *= 2;
		if ((s->out = realloc(s->out, cap)) == NULL)
			abort();
		s->outcap = cap;
	}
	memcpy(s->out + s->outlen, p, n);
	s->outlen += n;
	return 0;
}

/* A whole answer (head and body), then the connection's end. */
static void
answer(struct hub *h, struct sub *s, int status, const char *body)
{
	char head[256];
	int n = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
	    status, http_reason(status), strlen(body));

	if (sub_put(h, s, head, (size_t)n) == 0 && sub_put(h, s, body, strlen(body)) == 0 &&
	    sub_flush(h, s) == 0)
		sub_close(h, s);   /* what did not fit in the socket is lost: small bodies */
}

static void
fail(struct hub *h, struct sub *s, int status, const char *code, const char *message)
{
	struct buf b;

	buf_init(&b, &h->arena, 256);
	json_error_envelope(&b, code, message, NULL);
	answer(h, s, status, b.data);
}

/* One event as SSE: id, event, data -- the data one line of JSON. */
static void
sse_event(struct buf *b, const char *id, const char *exe, const char *type,
    const char *data, const char *at)
{
	buf_printf(b, "id: %s\nevent: %s\ndata: {\"id\":%s,\"executionId\":\"%s\","
	    "\"type\":\"%s\",\"at\":\"%s\",\"data\":%s}\n\n", id, type, id, exe, type, at, data);
}

/*
 * The events of s's execution or workflow after from (at most PAGE), as
 * SSE into b, or JSON items when json is set. Returns the id of the last,
 * or from when there is none; -1 when the database is away.
 */
static long long
events_after(struct hub *h, const struct sub *s, long long from, struct buf *b, int json)
{
	char after[24], lim[16];
	const char *p[3] = { s->exe[0] ? s->exe : s->server[0] ? s->server : s->owner,
	    after, lim };
	PGresult *res;
	long long last = from;
	int wf = s->exe[0] == '\0';

	snprintf(after, sizeof(after), "%lld", from);
	snprintf(lim, sizeof(lim), "%d", PAGE);
	res = db_query(&h->db, &h->arena, s->exe[0] ? Q_EXEC_EVENTS_SINCE : s->server[0] ?
	    Q_EXEC_EVENTS_OF_SERVER : Q_EXEC_EVENTS_OF_OWNER, 3, p);
	if (res == NULL || !db_ok(res))
		return -1;
	for (int i = 0; i < PQntuples(res); i++) {
		const char *id = PQgetvalue(res, i, 0);
		const char *exe = wf ? PQgetvalue(res, i, 1) : s->exe;
		const char *type = PQgetvalue(res, i, wf ? 2 : 1);
		const char *data = PQgetvalue(res, i, wf ? 3 : 2);
		const char *at = PQgetvalue(res, i, wf ? 4 : 3);

		if (json)
			buf_printf(b, "%s{\"id\":%s,\"executionId\":\"%s\",\"type\":\"%s\","
			    "\"at\":\"%s\",\"data\":%s}", i ? "," : "", id, exe, type, at, data);
		else
			sse_event(b, id, exe, type, data, at);
		last = strtoll(id, NULL, 10);
	}
	return last;
}

/* Sends s what happened after its last event. 0, or -1 (s closed). */
static int
catch_up(struct hub *h, struct sub *s)
{
	for (;;) {
		struct buf b;
		long long last;

		buf_init(&b, &h->arena, 1024);
		if ((last = events_after(h, s, s->last, &b, 0)) <= s->last)
			return 0;   /* none, or the database away: the next notice */
		if (sub_put(h, s, b.data, b.len) == -1)
			return -1;
		s->last = last;
		if (sub_flush(h, s) == -1)
			return -1;
	}
}

/* The value of header name in hdrs (from the request line's "\r\n" on). */
static const char *
header(struct hub *h, const char *hdrs, const char *name)
{
	size_t n = strlen(name);

	for (const char *l = hdrs; l != NULL; l = strstr(l + 2, "\r\n")) {
		const char *k = l + 2, *e;
		if (strncasecmp(k, name, n) != 0 || k[n] != ':')
			continue;
		k += n + 1;
		while (*k == ' ' || *k == '\t')
			k++;
		e = strstr(k, "\r\n");
		return arena_strndup(&h->arena, k, e != NULL ? (size_t)(e - k) : strlen(k));
	}
	return NULL;
}

/* A non-negative decimal, or -1. */
static long long
number(const char *s)
{
	if (s == NULL || *s == '\0' || strlen(s) > 18 || strspn(s, "0123456789") != strlen(s))
		return -1;
	return strtoll(s, NULL, 10);
}

/*
 * The request's head is in: authenticate, check what it asks for, and
 * answer a page, or start the stream.
 */
static void
serve_head(struct hub *h, struct sub *s)
{
	char *head = s->in, *sp, *path, *query, *hdrs = strstr(s->in, "\r\n");
	const char *auth, *last_id, *accept, *owner, *after_q = NULL, *params[2], *cl, *oq;
	struct req rq;
	struct resp w;
	char hash[65];
	unsigned scopes;
	long long after = 0;
	PGresult *res;
	size_t n;

	/* The request line ends before the headers: it may be cut up. */
	*hdrs = '\0';
	hdrs += 1;
	if (strncmp(head, "GET ", 4) != 0)
		return fail(h, s, 405, "method_not_allowed", "events are read with GET");
	path = head + 4;
	if ((sp = strchr(path, ' ')) == NULL)
		return fail(h, s, 400, "bad_request", "a malformed request line");
	*sp = '\0';
	/* The query string as the dispatcher checks every route's (lib/http):
	 * decodable, no name twice; and no body on a GET. */
	memset(&rq, 0, sizeof(rq));
	rq.arena = &h->arena;
	rq.query = (query = strchr(path, '?')) != NULL ?
	    arena_strdup(&h->arena, query + 1) : "";
	resp_init(&w, &h->arena);
	if (req_query_check(&rq, &w) != 0) {
		buf_putc(&w.body, '\0');
		return answer(h, s, w.status, w.body.data);
	}
	if ((cl = header(h, hdrs - 1, "Content-Length")) != NULL && strcmp(cl, "0") != 0)
		return fail(h, s, 413, "payload_too_large", "this route takes no body");
	if ((query = strchr(path, '?')) != NULL) {
		*query++ = '\0';
		for (char *q = query; q != NULL && *q; ) {
			char *amp = strchr(q, '&');
			if (amp != NULL)
				*amp = '\0';
			if (strncmp(q, "after=", 6) == 0) {
				if (after_q != NULL)
					return fail(h, s, 400, "bad_request", "after is given twice");
				after_q = q + 6;
			}
			q = amp != NULL ? amp + 1 : NULL;
		}
	}
	if (strncmp(path, "/api/v1/executions/", 19) == 0 &&
	    (n = strcspn(path + 19, "/")) < sizeof(s->exe) &&
	    strcmp(path + 19 + n, "/events") == 0) {
		memcpy(s->exe, path + 19, n);
		s->exe[n] = '\0';
		if (!param_valid(PARAM_EXEC_ID, s->exe))
			return fail(h, s, 400, "bad_request", "not an execution id");
	} else if (strncmp(path, "/mcp/servers/", 13) == 0 &&
	    (n = strcspn(path + 13, "/")) < sizeof(s->server) &&
	    strcmp(path + 13 + n, "/events") == 0) {
		memcpy(s->server, path + 13, n);
		s->server[n] = '\0';
		if (!param_valid(PARAM_SERVER_ID, s->server))
			return fail(h, s, 400, "bad_request", "not a workflow id");
	} else if (strcmp(path, "/api/v1/events") != 0)
		return fail(h, s, 404, "not_found", "no such route");
	if ((auth = header(h, hdrs - 1, "Authorization")) == NULL ||
	    strncasecmp(auth, "Bearer ", 7) != 0 || strlen(auth + 7) > 512)
		return fail(h, s, 401, "unauthorized",
		    "send an API key as 'Authorization: Bearer <key>'");
	sha256_hex(auth + 7, strlen(auth + 7), hash);
	params[0] = hash;
	if ((res = db_query(&h->db, &h->arena, Q_AUTH_KEY, 1, params)) == NULL)
		return fail(h, s, 503, "unavailable", DB_UNAVAILABLE_MESSAGE);
	if (!db_ok(res) || PQntuples(res) != 1)
		return fail(h, s, 401, "unauthorized", "the API key is unknown or revoked");
	if (scopes_parse(db_value(res, 0, 2), &scopes) == -1 || !(scopes & S_READ))
		return fail(h, s, 403, "forbidden", "this key lacks the scope: read");
	owner = arena_strdup(&h->arena, db_value(res, 0, 1));
	/* The seed's ownerId, as on every route: it must name the key's owner. */
	if ((oq = req_query(&rq, "ownerId")) != NULL && strcmp(oq, owner) != 0)
		return fail(h, s, 403, "forbidden", "ownerId does not match the API key's owner");
	if (s->exe[0] == '\0' && s->server[0] == '\0') {
		/* /api/v1/events: every execution of the key's owner. */
		if (strlen(owner) >= sizeof(s->owner))
			return fail(h, s, 400, "bad_request", "the owner's id is too long");
		snprintf(s->owner, sizeof(s->owner), "%s", owner);
	} else {
		params[0] = s->exe[0] ? s->exe : s->server;
		params[1] = owner;
		res = db_query(&h->db, &h->arena, s->exe[0] ? Q_EXEC_STATUS_OF :
		    Q_WORKFLOW_STATE, 2, params);
		if (res == NULL)
			return fail(h, s, 503, "unavailable", DB_UNAVAILABLE_MESSAGE);
		if (!db_ok(res) || PQntuples(res) == 0)
			return fail(h, s, 404, "not_found", s->exe[0] ? "no such execution" :
			    "no such workflow");
	}
	last_id = header(h, hdrs - 1, "Last-Event-ID");
	if ((after_q != NULL && (after = number(after_q)) < 0) ||
	    (last_id != NULL && (after = number(last_id)) < 0))
		return fail(h, s, 400, "bad_request",
		    "Last-Event-ID and after are event ids: digits");
	s->last = after;
	accept = header(h, hdrs - 1, "Accept");
	/* A workflow's or an owner's stream follows from now on, unless it
	 * names where to go on from: its history may be long. */
	if (s->exe[0] == '\0' && last_id == NULL && after_q == NULL &&
	    accept != NULL && strstr(accept, "text/event-stream") != NULL) {
		if ((res = db_query(&h->db, &h->arena, Q_EXEC_EVENTS_LAST, 0, NULL)) == NULL ||
		    !db_ok(res))
			return fail(h, s, 503, "unavailable", DB_UNAVAILABLE_MESSAGE);
		s->last = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	}
	if (accept == NULL || strstr(accept, "text/event-stream") == NULL) {
		struct buf b;
		long long last;

		buf_init(&b, &h->arena, 1024);
		buf_puts(&b, "{\"events\":[");
		if ((last = events_after(h, s, after, &b, 1)) < 0)
			return fail(h, s, 503, "unavailable", DB_UNAVAILABLE_MESSAGE);
		buf_printf(&b, "],\"next\":%lld}", last);
		return answer(h, s, 200, b.data);
	}
	static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
	    "Cache-Control: no-cache\r\nX-Accel-Buffering: no\r\nConnection: close\r\n\r\n"
	    "retry: 1000\n\n";
	if (sub_put(h, s, ok, sizeof(ok) - 1) == -1)
		return;
	s->streaming = 1;
	(void)catch_up(h, s);
}

static void
readable(struct hub *h, struct sub *s)
{
	ssize_t n;

	if (s->streaming) {
		char sink[512];   /* a stream's client sends nothing more */
		if ((n = recv(s->fd, sink, sizeof(sink), MSG_DONTWAIT)) == 0 ||
		    (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
			sub_close(h, s);
		return;
	}
	n = recv(s->fd, s->in + s->inlen, sizeof(s->in) - 1 - s->inlen, MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
		sub_close(h, s);
		return;
	}
	if (n < 0)
		return;
	s->inlen += (size_t)n;
	s->in[s->inlen] = '\0';
	if (strstr(s->in, "\r\n\r\n") != NULL)
		serve_head(h, s);
	else if (s->inlen >= sizeof(s->in) - 1)
		fail(h, s, 431, "bad_request", "the request's head is too large");
}

static void
accept_all(struct hub *h)
{
	int fd;

	while ((fd = accept4(h->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		struct sub *s = calloc(1, sizeof(*s));
		struct epoll_event ev;

		if (s == NULL)
			abort();
		s->fd = fd;
		s->since_ms = mono_ms();
		ev.events = EPOLLIN | EPOLLRDHUP;
		ev.data.ptr = s;
		if (epoll_ctl(h->ep, EPOLL_CTL_ADD, fd, &ev) == -1) {
			close(fd);
			free(s);
			continue;
		}
		s->next = h->subs;
		h->subs = s;
		h->nsubs++;
	}
}

/* Every stream of the execution, its workflow or its owner gets what is new. */
static void
changed(struct hub *h, const char *exe, const char *server, const char *owner)
{
	struct sub *s, *next;

	for (s = h->subs; s != NULL; s = next) {
		next = s->next;
		if (!s->dead && s->streaming && ((s->exe[0] && strcmp(s->exe, exe) == 0) ||
		    (s->server[0] && strcmp(s->server, server) == 0) ||
		    (s->owner[0] && strcmp(s->owner, owner) == 0)))
			(void)catch_up(h, s);
	}
}

/* LISTEN orx_events on each new connection, and catch every stream up. */
static void
listen_events(struct hub *h)
{
	PGresult *res;
	struct sub *s, *next;

	if (db_ready(&h->db) == -1 || h->listening == h->db.generation)
		return;
	res = PQexec(h->db.conn, "LISTEN orx_events");
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
		log_warn("events: LISTEN: %s", PQerrorMessage(h->db.conn));
		PQclear(res);
		return;
	}
	PQclear(res);
	h->listening = h->db.generation;
	/* What was told while nobody listened is read now. */
	for (s = h->subs; s != NULL; s = next) {
		next = s->next;
		if (!s->dead && s->streaming)
			(void)catch_up(h, s);
	}
}

/* Reads the notices that came, and serves each execution that changed once. */
static void
notices(struct hub *h)
{
	PGnotify *n;

	if (h->db.conn == NULL || PQconsumeInput(h->db.conn) == 0)
		return;
	while ((n = PQnotifies(h->db.conn)) != NULL) {
		char exe[72] = "", server[72] = "", owner[72] = "";

		if (sscanf(n->extra, "%71s %71s %71s", exe, server, owner) >= 1)
			changed(h, exe, server, owner);
		PQfreemem(n);
	}
}

/* Keep-alives for quiet streams; heads that never came are dropped. */
static void
tick(struct hub *h)
{
	struct sub *s, *next;
	long long now = mono_ms();

	for (s = h->subs; s != NULL; s = next) {
		next = s->next;
		if (s->dead)
			continue;
		if (!s->streaming && now - s->since_ms > HEAD_TIMEOUT_MS)
			sub_close(h, s);
		else if (s->streaming && s->outlen == 0 && now - s->since_ms > KEEPALIVE_MS &&
		    sub_put(h, s, ": keep-alive\n\n", 14) == 0)
			(void)sub_flush(h, s);
	}
}

/* The body of orx-events, the orchestrix program's helper process. */
void
orx_event_hub(const struct config *cfg, void *shared, volatile sig_atomic_t *stop)
{
	const char *addr = config_get(cfg, CFG_EVENTS_SOCKET);
	struct epoll_event evs[64];
	struct rlimit rl;
	struct hub h;
	char err[200];
	int dbfd = -1;

	(void)shared;
	memset(&h, 0, sizeof(h));
	h.cfg = cfg;
	/* Every stream is a descriptor: as many as the system lets it have. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if ((h.lfd = listen_open(addr, 4096, err, sizeof(err))) == -1) {
		log_error("events: cannot listen on %s: %s", addr, err);
		return;
	}
	fcntl(h.lfd, F_SETFL, fcntl(h.lfd, F_GETFL) | O_NONBLOCK);
	h.ep = epoll_create1(EPOLL_CLOEXEC);
	{
		struct epoll_event ev = { EPOLLIN, { .ptr = NULL } };
		epoll_ctl(h.ep, EPOLL_CTL_ADD, h.lfd, &ev);
	}
	db_init(&h.db, config_get(cfg, CFG_DATABASE_URL), "orchestrix-events");
	arena_init(&h.arena, 64 * 1024);
	log_info("events: hub listening on %s", addr);
	while (!*stop) {
		int n;

		listen_events(&h);
		/* The database's socket is watched too: a notice wakes the hub. */
		if (h.db.conn != NULL && PQsocket(h.db.conn) != dbfd) {
			struct epoll_event ev = { EPOLLIN, { .ptr = &h.db } };
			if (dbfd >= 0)
				epoll_ctl(h.ep, EPOLL_CTL_DEL, dbfd, NULL);
			dbfd = PQsocket(h.db.conn);
			if (dbfd >= 0)
				epoll_ctl(h.ep, EPOLL_CTL_ADD, dbfd, &ev);
		}
		n = epoll_wait(h.ep, evs, 64, 1000);
		for (int i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;

			if (p == NULL)
				accept_all(&h);
			else if (p == &h.db)
				notices(&h);
			else {
				struct sub *s = p;
				int gone = s->dead;
				if (!gone && (evs[i].events & EPOLLOUT))
					gone = sub_flush(&h, s) == -1;
				if (!gone && (evs[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP |
				    EPOLLERR)))
					readable(&h, s);
			}
		}
		notices(&h);   /* notices read meanwhile by the queries */
		tick(&h);
		reap(&h);
		arena_reset(&h.arena);
	}
	for (struct sub *s = h.subs; s != NULL; s = s->next)
		sub_close(&h, s);
	reap(&h);
	listen_close(h.lfd, addr);
	close(h.ep);
	db_close(&h.db);
	arena_free(&h.arena);
}
