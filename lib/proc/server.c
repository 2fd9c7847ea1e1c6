#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <fcgiapp.h>

#include "clock.h"
#include "config.h"
#include "db.h"
#include "listen.h"
#include "log.h"
#include "logring.h"
#include "mcp_cache.h"
#include "sealed.h"
#include "sealkey.h"
#include "server.h"

#define MAX_WORKERS	64
#define DRAIN_SECONDS	10
/*
 * A worker told to stop the moment before it blocks in accept() sleeps
 * there until the next connection: workers still draining are told again
 * this often (a reload's old ones could outlive it by minutes when idle).
 */
#define NUDGE_MS	1000
/* Worker slot i logs through ring i (one worker per slot at a time). */
#define RING(rs, i)	((rs) != NULL ? &(rs)->ring[(i)] : NULL)
_Static_assert(LOG_RINGS >= 2 * MAX_WORKERS, "a log ring per worker slot");

const double metrics_bounds_s[METRICS_BUCKETS] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5,
};

/* Signal flags: the only writable globals, as signal handlers need. */
static volatile sig_atomic_t got_term, got_hup, got_chld;

static void
on_signal(int sig)
{
	switch (sig) {
	case SIGTERM:
	case SIGINT:
		got_term = 1;
		FCGX_ShutdownPending();
		break;
	case SIGHUP:
		got_hup = 1;
		break;
	case SIGCHLD:
		got_chld = 1;
		break;
	}
}

static void
set_handler(int sig, void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;  /* no SA_RESTART: accept() must see EINTR */
	sigaction(sig, &sa, NULL);
}

/* --- worker -------------------------------------------------------------- */

struct fcgi_io {
	FCGX_Request	*fr;
	int		 finished;  /* FCGX_Finish_r done by the stream's end */
};

static long
fcgi_read(void *io, char *buf, size_t n)
{
	struct fcgi_io *f = io;
	int want = n > 65536 ? 65536 : (int)n;

	return FCGX_GetStr(buf, want, f->fr->in);
}

static enum http_method
method_of(const char *s)
{
	for (int m = 0; m < HTTP_METHOD__MAX; m++)
		if (s != NULL && strcmp(s, http_method_names[m]) == 0)
			return (enum http_method)m;
	return HTTP_METHOD__MAX;
}

/*
 * The CGI head into h, on the request's arena: Status, Content-Type, then
 * Content-Length (clen >= 0) or a stream's no-cache, no-buffering lines,
 * the handler's headers and the blank line. Copied piece by piece: snprintf
 * here cost more than the rest of a small answer's writing. Returns -1 when
 * the head outgrows 4 kB.
 */
static int
put_head(struct buf *h, const struct resp *w, long long clen)
{
	buf_init(h, w->body.arena, 256);
	buf_puts(h, "Status: ");
	buf_put_llong(h, w->status);
	buf_putc(h, ' ');
	buf_puts(h, http_reason(w->status));
	buf_puts(h, "\r\nContent-Type: ");
	buf_puts(h, w->content_type);
	if (clen >= 0) {
		buf_puts(h, "\r\nContent-Length: ");
		buf_put_llong(h, clen);
		buf_puts(h, "\r\n");
	} else
		buf_puts(h, "\r\nCache-Control: no-cache\r\nX-Accel-Buffering: no\r\n");
	for (size_t i = 0; i < w->nheaders; i++) {
		buf_puts(h, w->headers[i].name);
		buf_puts(h, ": ");
		buf_puts(h, w->headers[i].value);
		buf_puts(h, "\r\n");
	}
	buf_puts(h, "\r\n");
	return h->len > 4096 ? -1 : 0;
}

static void
write_response(FCGX_Request *fr, const struct req *r, const struct resp *w)
{
	struct buf head;

	if (put_head(&head, w, (long long)w->body.len) == -1) {
		log_error("response headers too long");
		return;
	}
	FCGX_PutStr(head.data, (int)head.len, fr->out);
	if (r->method != HTTP_HEAD && w->body.len > 0)
		FCGX_PutStr(w->body.data, (int)w->body.len, fr->out);
}

/*
 * Ends the request. libfcgi's close half-shuts the connection and waits for
 * nginx to close its end, reading and dropping whatever else it sends, so
 * that closing on unread input cannot reset a request nginx is still
 * sending. Once the input has been read to its end nothing more can come:
 * the worker then closes at once and goes back to accept, rather than
 * waiting (a poll, a read and mostly a context switch) until nginx has
 * taken the answer. Reading to the end is a byte at most: the empty record
 * that ends the input follows the body at once.
 */
static void
finish(FCGX_Request *fr)
{
	if (fr->in != NULL &&
	    (FCGX_HasSeenEOF(fr->in) == EOF || FCGX_GetChar(fr->in) == EOF))
		FCGX_Detach(fr);
	FCGX_Finish_r(fr);
}

/* --- streaming glue (struct stream_io) ---------------------------------- */

static int
stream_begin(void *ctx, const struct resp *w)
{
	struct fcgi_io *f = ctx;
	struct buf head;

	if (put_head(&head, w, -1) == -1) {
		log_error("stream headers too long");
		return -1;
	}
	if (FCGX_PutStr(head.data, (int)head.len, f->fr->out) != (int)head.len ||
	    FCGX_FFlush(f->fr->out) == -1)
		return -1;
	return 0;
}

static int
stream_write(void *ctx, const char *s, size_t n)
{
	struct fcgi_io *f = ctx;

	if (f->finished || n > INT_MAX)
		return -1;
	if (FCGX_PutStr(s, (int)n, f->fr->out) != (int)n ||
	    FCGX_FFlush(f->fr->out) == -1)
		return -1;
	return 0;
}

/* Ends the FastCGI request now: nginx completes the response to the client. */
static void
stream_end(void *ctx)
{
	struct fcgi_io *f = ctx;

	if (!f->finished) {
		finish(f->fr);
		f->finished = 1;
	}
}

static int
stream_fd(void *ctx)
{
	struct fcgi_io *f = ctx;

	return f->finished ? -1 : f->fr->ipcFd;
}

static const struct stream_io fcgi_stream = {
	stream_begin, stream_write, stream_end, stream_fd,
};

static void
count(struct metrics *m, int status, long long us)
{
	int cls = status / 100;

	if (m == NULL)
		return;
	atomic_fetch_add(&m->requests[cls >= 1 && cls <= 5 ? cls - 1 : 5], 1);
	atomic_fetch_add(&m->latency_us_sum, (unsigned long long)us);
	for (int i = 0; i < METRICS_BUCKETS; i++)
		if ((double)us / 1e6 <= metrics_bounds_s[i])
			atomic_fetch_add(&m->latency_bucket[i], 1);
	if (status == HTTP_SERVICE_UNAVAILABLE)
		atomic_fetch_add(&m->db_unavailable, 1);
}

/*
 * Fills r from the FastCGI parameters and dispatches it. Returns 1 when the
 * request was already finished by a stream's end, else 0.
 */
static int
serve_one(const struct program *p, struct app *app, FCGX_Request *fr,
    struct arena *a)
{
	struct req r;
	struct resp w;
	struct fcgi_io io = { fr, 0 };
	const char *uri, *cl, *q;
	long long t0 = mono_us();

	memset(&r, 0, sizeof(r));
	r.arena = a;
	r.app = app;
	r.started_us = t0;
	r.envp = fr->envp;
	r.read = fcgi_read;
	r.io = &io;
	r.method = method_of(FCGX_GetParam("REQUEST_METHOD", fr->envp));
	resp_init(&w, a);
	w.sio = &fcgi_stream;
	w.sio_ctx = &io;

	uri = FCGX_GetParam("REQUEST_URI", fr->envp);
	if (uri == NULL)
		uri = "/";
	q = strchr(uri, '?');
	/* Copies: a stream's end frees envp while the handler still runs. */
	r.path = q ? arena_strndup(a, uri, (size_t)(q - uri)) : arena_strdup(a, uri);
	r.query = q ? arena_strdup(a, q + 1) : "";
	r.content_type = FCGX_GetParam("CONTENT_TYPE", fr->envp);
	cl = FCGX_GetParam("CONTENT_LENGTH", fr->envp);
	r.content_length = -1;
	if (cl != NULL && *cl != '\0') {
		char *end;
		errno = 0;
		r.content_length = strtoll(cl, &end, 10);
		if (errno != 0 || *end != '\0' || r.content_length < 0)
			r.content_length = -2;
	}

	if (r.method == HTTP_METHOD__MAX)
		resp_error(&w, HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
		    "unknown method");
	else if (r.content_length == -2)
		resp_error(&w, HTTP_BAD_REQUEST, "bad_request",
		    "invalid Content-Length");
	else
		dispatch(p->router, &r, &w);
	if (w.status >= 500)
		log_warn("%s %s -> %d", http_method_names[r.method < HTTP_METHOD__MAX ?
		    r.method : 0], r.path, w.status);
	if (w.stream == STREAM_NONE)
		write_response(fr, &r, &w);
	count(app->metrics, w.status, mono_us() - t0);
	return io.finished;
}

/*
 * Puts one log row in this worker's ring for the program's log writer,
 * never blocking: a full ring drops the row and counts it. Returns 0, or -1
 * when dropped.
 */
int
app_log(struct app *app, const char *msg, size_t n)
{
	if (app->log_ring == NULL || log_ring_put(app->log_ring, msg, n) == 0)
		return 0;
	if (app->metrics != NULL)
		atomic_fetch_add(&app->metrics->log_dropped, 1);
	return -1;
}

/*
 * A forked child's signals: SIGTERM and SIGINT end it gracefully, the
 * master's reload signal is not its business, and nothing stays blocked.
 */
static void
child_signals(void)
{
	sigset_t none;

	set_handler(SIGTERM, on_signal);
	set_handler(SIGINT, on_signal);
	signal(SIGHUP, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* The waiter of a worker's app and connection: its gate place goes back. */
static void
leave_gate(void *pass)
{
	gate_leave(pass);
}

static void
worker_run(const struct program *p, const struct config *cfg,
    const struct keyring *keys, struct metrics *metrics, void *shared, int sock,
    struct log_rings *rings, int slot)
{
	FCGX_Request fr;
	struct arena arena;
	struct db db;
	struct app app;
	struct gate_pass pass;

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	child_signals();

	memset(&app, 0, sizeof(app));
	memset(&pass, 0, sizeof(pass));
	app.cfg = cfg;
	app.keys = keys;
	app.db = &db;
	app.metrics = metrics;
	app.mcp_shared = metrics != NULL ? &metrics->mcp : NULL;
	app.log_ring = RING(rings, slot);
	app.shared = shared;
	app.slot = slot;
	pass.gate = metrics != NULL ? &metrics->gate : NULL;
	pass.slot = slot;
	app.waiter.fn = leave_gate;
	app.waiter.ctx = &pass;
	db_init(&db, config_get(cfg, CFG_DATABASE_URL), p->name);
	db_set_options(&db, p->db_options);
	db.waiter = &app.waiter;
	(void)db_ready(&db);  /* warm up; failure is handled per request */
	if (p->worker_init != NULL && p->worker_init(&app) != 0) {
		log_error("%s: worker init failed", p->name);
		_exit(1);
	}
	arena_init(&arena, 32768);
	FCGX_InitRequest(&fr, sock, FCGI_FAIL_ACCEPT_ON_INTR);
	while (!got_term) {
		/* A place at the CPU gate first: without one, the request
		 * waits in the socket's backlog rather than in the run queue. */
		gate_enter(&pass, &got_term);
		if (got_term)
			break;
		if (FCGX_Accept_r(&fr) < 0) {
			if (got_term)
				break;
			continue;
		}
		if (!serve_one(p, &app, &fr, &arena))
			finish(&fr);
		/* A request must not leave its transaction open for the next
		 * (it would see an aborted or foreign transaction): a bug, but one
		 * that then costs one request, not the worker. */
		if (db.in_tx) {
			log_error("%s: a request left a transaction open; rolled back", p->name);
			db_rollback(&db);
		}
		arena_reset(&arena);
		gate_done(&pass);
	}
	gate_leave(&pass);
	FCGX_Free(&fr, 1);
	if (p->worker_fini != NULL)
		p->worker_fini(&app);
	arena_free(&arena);
	mcp_cache_free(app.mcp_cache);
	db_close(&db);
	/* The master's copy, in this process: wiped as the process leaves. */
	if (keys != NULL)
		keyring_wipe((struct keyring *)keys);
	/* exit, not _exit: LeakSanitizer checks the worker at exit. */
	exit(0);
}

/* --- master -------------------------------------------------------------- */

struct slot {
	pid_t	pid;
	int	gen;   /* config generation it runs */
};

static pid_t
spawn(const struct program *p, const struct config *cfg, const struct keyring *keys,
    struct metrics *metrics, void *shared, int sock, struct log_rings *rings, int slot)
{
	pid_t pid = fork();

	if (pid == 0)
		worker_run(p, cfg, keys, metrics, shared, sock, rings, slot);
	if (pid < 0)
		log_error("fork: %s", strerror(errno));
	return pid;
}

static void
signal_all(struct slot *s, int n, int sig, int gen_below)
{
	for (int i = 0; i < n; i++)
		if (s[i].pid > 0 && s[i].gen < gen_below)
			kill(s[i].pid, sig);
}

/* 1 if a worker of a generation before gen is still alive. */
static int
old_alive(const struct slot *s, int n, int gen)
{
	for (int i = 0; i < n; i++)
		if (s[i].pid > 0 && s[i].gen < gen)
			return 1;
	return 0;
}

static int
alive(const struct slot *s, int n)
{
	int c = 0;

	for (int i = 0; i < n; i++)
		c += s[i].pid > 0;
	return c;
}

/* 1 if a connection waits on the listening socket sock. */
static int
backlog(int sock)
{
	struct pollfd pfd = { sock, POLLIN, 0 };

	return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN);
}

/* Processes beside the workers: the log writer, the helper, then the
 * executors (their number is ORX_EXECUTORS at start). */
#define MAX_EXECUTORS	16
enum aux { AUX_WRITER, AUX_HELPER, AUX_EXECUTOR, AUX__MAX = AUX_EXECUTOR + MAX_EXECUTORS };

static const char *
aux_name(const struct program *p, int which)
{
	return which == AUX_WRITER ? "orx-log-writer" : which == AUX_HELPER ?
	    p->helper_name : "orx-executor";
}

/*
 * A process of the program's own beside the workers: its log writer, its
 * helper or one of its executors, stopped by SIGTERM. Returns its pid, or 0
 * when there is none.
 */
static pid_t
spawn_aux(const struct program *p, int which, const struct config *cfg,
    const struct keyring *keys, struct log_rings *rings, void *shared)
{
	pid_t pid;

	if (which == AUX_WRITER ? p->log_writer == NULL || rings == NULL :
	    which == AUX_HELPER ? p->helper == NULL ||
	    (shared == NULL && p->shared_size > 0) :
	    p->executor == NULL || which - AUX_EXECUTOR >= cfg->executors)
		return 0;
	if ((pid = fork()) != 0) {
		if (pid < 0)
			log_error("fork: %s", strerror(errno));
		return pid;
	}
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	/* Named apart from the workers (ps, /proc/PID/comm), which it outlives
	 * across reloads. */
	prctl(PR_SET_NAME, aux_name(p, which));
	child_signals();
	if (which == AUX_WRITER)
		p->log_writer(cfg, rings, shared, &got_term);
	else if (which == AUX_HELPER)
		p->helper(cfg, shared, &got_term);
	else
		p->executor(cfg, keys, shared, &got_term);
	if (keys != NULL)   /* this process's copy of the master's */
		keyring_wipe((struct keyring *)keys);
	exit(0);
}

/* Stops an aux process, waiting up to DRAIN_SECONDS. */
static void
stop_aux(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	for (int i = 0; i < DRAIN_SECONDS * 10 && waitpid(pid, NULL, WNOHANG) == 0; i++)
		usleep(100000);
	kill(pid, SIGKILL);
}

/*
 * The secrets key (program.secrets): the key file read and checked against
 * the database (lib/db/sealkey.h) into ring. At start (old NULL) a refusal
 * stops the program. At a reload (old: the keys the workers have), an
 * unchanged file that was checked before needs no check; a file that no
 * longer gives a key, or a new key that cannot be checked, is refused like
 * a key that does not match: workers never lose a key they had, nor get
 * one nobody checked.
 * Returns 0, or -1 (said in the log; ring is then wiped).
 */
static int
master_keys(const struct program *p, const struct config *cfg, struct keyring *ring,
    const struct keyring *old)
{
	char msg[1024], app[64];
	struct key_file kf;
	enum sealkey_verdict v;

	key_file_read(&kf, config_get(cfg, CFG_SECRET_KEY_FILE), ring);
	if (old != NULL && old->checked && keyring_same(ring, old)) {
		ring->seal = old->seal;
		ring->also = old->also;
		ring->checked = 1;
		return 0;
	}
	snprintf(app, sizeof(app), "%s-master", p->name);
	v = sealkey_check(config_get(cfg, CFG_DATABASE_URL), p->db_options, app, &kf,
	    p->secrets, ring, msg, sizeof(msg));
	if (old != NULL && v != SEALKEY_REFUSED && ring->n == 0) {
		snprintf(msg, sizeof(msg), "%s", ring->problem);
		v = SEALKEY_REFUSED;
	} else if (old != NULL && v == SEALKEY_UNCHECKED && !keyring_same(ring, old)) {
		snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg),
		    ", and the key file changed");
		v = SEALKEY_REFUSED;
	} else if (old != NULL && v == SEALKEY_UNCHECKED) {
		ring->seal = old->seal;   /* the same keys, still unchecked */
		ring->also = old->also;
	}
	switch (v) {
	case SEALKEY_REFUSED:
		if (old == NULL)
			log_error("%s: refusing to start: %s", p->name, msg);
		else
			log_error("%s: reload refused: %s; the workers keep the secrets key "
			    "read before", p->name, msg);
		keyring_wipe(ring);
		return -1;
	case SEALKEY_UNCHECKED:
		log_warn("%s: %s: the secrets key is used unchecked (the database refuses "
		    "a seal under a key it does not record)", p->name, msg);
		break;
	case SEALKEY_NONE:
		log_warn("%s: %s", p->name, msg);
		break;
	default:
		log_info("%s: secrets key: %s", p->name, msg);
	}
	return 0;
}

/*
 * The master: never serves a request. It owns the socket, the workers and
 * the configuration. Returns the process exit code.
 */
int
server_main(const struct program *p, int argc, char **argv)
{
	struct slot slots[2 * MAX_WORKERS];
	struct config cfg[2];   /* current and previous, kept while old drain */
	char err[256];
	int cur = 0, gen = 1, sock, i, nslots = 2 * MAX_WORKERS;
	long long last_spawn_fail = 0, last_nudge = 0, last_tick = 0;
	struct metrics *shared_metrics;
	struct gate_watch watch = { 0, 0 };
	struct log_rings *rings = NULL;
	void *shared = NULL;
	pid_t aux[AUX__MAX] = { 0 };
	int renew[AUX__MAX] = { 0 };   /* told to stop for new keys: restarted at once */
	/*
	 * The master's own copy: cfg[] holds two generations and each reload
	 * frees the older one, so nothing kept across reloads may point into
	 * it (the socket's path once did, and the stop unlinked whatever
	 * string lay there after two reloads).
	 */
	char path[PATH_MAX];
	/* The secrets keys workers get (program.secrets), and a reload's. */
	struct keyring ring, next_ring;
	const struct keyring *keys = NULL;   /* &ring when the program seals */
	sigset_t block, none;

	(void)argc;
	(void)argv;
	if (config_load(&cfg[cur], err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: configuration: %s\n", p->name, err);
		config_free(&cfg[cur]);
		return 2;
	}
	memset(&cfg[1], 0, sizeof(cfg[1]));
	log_set_level((enum log_level)cfg[cur].log_level);
	keyring_wipe(&ring);
	keyring_wipe(&next_ring);
	if (p->secrets != NULL && (p->seals == NULL || p->seals(&cfg[cur])))
		keys = &ring;
	if (keys != NULL && master_keys(p, &cfg[cur], &ring, NULL) == -1) {
		config_free(&cfg[cur]);
		return 2;
	}

	shared_metrics = mmap(NULL, sizeof(struct metrics), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared_metrics == MAP_FAILED) {
		shared_metrics = NULL;
		log_warn("metrics disabled: mmap: %s", strerror(errno));
	}

	/* Once per process, before any thread or worker exists. */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (FCGX_Init() != 0) {
		log_error("FCGX_Init failed");
		return 1;
	}
	/* A unix socket, or TCP for nginx on other hosts (lib/proc/listen.h). */
	if ((size_t)snprintf(path, sizeof(path), "%s", config_get(&cfg[cur],
	    CFG_SOCKET)) >= sizeof(path)) {
		log_error("%s: ORX_SOCKET is too long", p->name);
		return 1;
	}
	if ((sock = listen_open(path, 1024, err, sizeof(err))) < 0) {
		log_error("%s: cannot listen: %s", p->name, err);
		return 1;
	}
	if (p->shared_size > 0) {
		shared = mmap(NULL, p->shared_size, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (shared == MAP_FAILED) {
			log_error("shared memory: mmap: %s", strerror(errno));
			return 1;
		}
		if (p->shared_init != NULL && p->shared_init(shared) == -1) {
			log_error("%s: shared memory: set-up failed", p->name);
			return 1;
		}
	}
	if (p->log_writer != NULL && (rings = log_rings_map()) == NULL)
		log_error("log rings: mmap: %s; rows are dropped", strerror(errno));

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, NULL);
	set_handler(SIGTERM, on_signal);
	set_handler(SIGINT, on_signal);
	set_handler(SIGHUP, on_signal);
	set_handler(SIGCHLD, on_signal);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&none);

	memset(slots, 0, sizeof(slots));
	if (shared_metrics != NULL)
		gate_init(&shared_metrics->gate, (unsigned)cfg[cur].busy_workers);
	for (int a = 0; a < AUX__MAX; a++)
		aux[a] = spawn_aux(p, a, &cfg[cur], keys, rings, shared);
	for (i = 0; i < cfg[cur].workers; i++) {
		slots[i].pid = spawn(p, &cfg[cur], keys, shared_metrics, shared, sock, rings, i);
		slots[i].gen = gen;
	}
	log_info("%s: master %ld listening on %s with %d workers", p->name,
	    (long)getpid(), path, cfg[cur].workers);

	while (!got_term) {
		int gated = shared_metrics != NULL &&
		    atomic_load(&shared_metrics->gate.limit) > 0;
		int draining = old_alive(slots, nslots, gen);

		if (!got_chld && !got_hup) {
			/* Signals, or the CPU gate's next look (lib/proc/gate.h),
			 * when there is a gate, or the next nudge of old
			 * workers still draining. */
			long long left = GATE_TICK_MS - (mono_ms() - last_tick);
			struct timespec tick = { 0, (left > 0 ? left : 0) * 1000000L };

			(void)pselect(0, NULL, NULL, NULL, gated || draining ? &tick : NULL,
			    &none);
		}
		/* The gate's look comes every GATE_TICK_MS whatever woke the
		 * master: signals (a child restarted over and over) must not
		 * starve it, or a stuck holder would hold the program. */
		if (gated && mono_ms() - last_tick >= GATE_TICK_MS) {
			(void)gate_tick(&shared_metrics->gate, &watch, backlog(sock));
			last_tick = mono_ms();
		}
		if (draining && mono_ms() - last_nudge >= NUDGE_MS) {
			signal_all(slots, nslots, SIGTERM, gen);
			last_nudge = mono_ms();
		}
		if (got_hup) {
			int next = 1 - cur;

			got_hup = 0;
			config_free(&cfg[next]);
			if (config_load(&cfg[next], err, sizeof(err)) == -1) {
				log_error("reload refused: %s", err);
				config_free(&cfg[next]);
				continue;
			}
			if (keys != NULL &&
			    master_keys(p, &cfg[next], &next_ring, &ring) == -1) {
				config_free(&cfg[next]);
				continue;
			}
			if (keys != NULL) {
				/* Executors hold the keys as workers do: new keys
				 * replace them too (each finishes its run first). */
				if (!keyring_same(&ring, &next_ring))
					for (int a = AUX_EXECUTOR; a < AUX__MAX; a++)
						if (aux[a] > 0 && kill(aux[a], SIGTERM) == 0)
							renew[a] = 1;
				ring = next_ring;
				keyring_wipe(&next_ring);
			}
			cur = next;
			gen++;
			if (strcmp(config_get(&cfg[cur], CFG_SOCKET), path) != 0)
				log_warn("%s: ORX_SOCKET changed; still listening on %s "
				    "until a restart", p->name, path);
			log_set_level((enum log_level)cfg[cur].log_level);
			if (shared_metrics != NULL)
				gate_set_limit(&shared_metrics->gate,
				    (unsigned)cfg[cur].busy_workers);
			/* New workers first, then the old ones finish and leave. */
			int started = 0;
			for (i = 0; i < nslots && started < cfg[cur].workers; i++)
				if (slots[i].pid <= 0) {
					slots[i].pid = spawn(p, &cfg[cur], keys,
					    shared_metrics, shared, sock, rings, i);
					slots[i].gen = gen;
					started++;
				}
			signal_all(slots, nslots, SIGTERM, gen);
			last_nudge = mono_ms();
			log_info("%s: reloaded (generation %d, %d workers)",
			    p->name, gen, cfg[cur].workers);
		}
		if (got_chld) {
			pid_t pid;
			int status;

			got_chld = 0;
			while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
				int a;

				for (a = 0; a < AUX__MAX && aux[a] != pid; a++)
					;
				if (a < AUX__MAX) {
					aux[a] = 0;
					if (!got_term && renew[a])
						log_info("%s: %s replaced: new secrets keys",
						    p->name, aux_name(p, a));
					else if (!got_term) {
						log_warn("%s: %s died; restarting it", p->name,
						    aux_name(p, a));
						usleep(100000);
					}
					renew[a] = 0;
					if (!got_term)
						aux[a] = spawn_aux(p, a, &cfg[cur], keys, rings,
						    shared);
					continue;
				}
				for (i = 0; i < nslots; i++)
					if (slots[i].pid == pid)
						break;
				if (i == nslots)
					continue;
				int old = slots[i].gen != gen;
				slots[i].pid = 0;
				if (shared_metrics != NULL)
					gate_reclaim(&shared_metrics->gate, i);
				if (old || got_term)
					continue;
				if (WIFSIGNALED(status) || WEXITSTATUS(status) != 0) {
					log_warn("%s: worker %ld died (%s %d); replacing it",
					    p->name, (long)pid, WIFSIGNALED(status) ?
					    "signal" : "exit", WIFSIGNALED(status) ?
					    WTERMSIG(status) : WEXITSTATUS(status));
					if (shared_metrics != NULL)
						atomic_fetch_add(&shared_metrics->worker_restarts, 1);
				}
				/* A worker that dies at once must not spin the CPU. */
				if (mono_ms() - last_spawn_fail < 100)
					usleep(100000);
				last_spawn_fail = mono_ms();
				slots[i].pid = spawn(p, &cfg[cur], keys, shared_metrics,
				    shared, sock, rings, i);
				slots[i].gen = gen;
			}
		}
	}

	log_info("%s: draining %d workers", p->name, alive(slots, nslots));
	signal_all(slots, nslots, SIGTERM, gen + 1);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (i = 0; i < DRAIN_SECONDS * 10 && alive(slots, nslots) > 0; i++) {
		pid_t pid;
		while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
			for (int j = 0; j < nslots; j++)
				if (slots[j].pid == pid) {
					slots[j].pid = 0;
					if (shared_metrics != NULL)
						gate_reclaim(&shared_metrics->gate, j);
				}
		if (alive(slots, nslots) > 0)
			usleep(100000);
		if (i % (NUDGE_MS / 100) == NUDGE_MS / 100 - 1)
			signal_all(slots, nslots, SIGTERM, gen + 1);
	}
	signal_all(slots, nslots, SIGKILL, gen + 1);
	/* The executors finish the run in hand (or leave it to the next
	 * executor when its lease runs out); the helper outlives the workers,
	 * whose last calls may wait on it; the writer goes last: it takes what
	 * they all sent before leaving. */
	for (int a = AUX_EXECUTOR; a < AUX__MAX; a++)
		if (aux[a] > 0)
			kill(aux[a], SIGTERM);
	for (int a = AUX_EXECUTOR; a < AUX__MAX; a++)
		stop_aux(aux[a]);
	stop_aux(aux[AUX_HELPER]);
	stop_aux(aux[AUX_WRITER]);
	while (waitpid(-1, NULL, 0) > 0)
		;
	log_rings_unmap(rings);
	if (shared != NULL)
		munmap(shared, p->shared_size);
	listen_close(sock, path);
	config_free(&cfg[0]);
	config_free(&cfg[1]);
	keyring_wipe(&ring);
	curl_global_cleanup();
	log_info("%s: stopped", p->name);
	return 0;
}

/* Prometheus text exposition of the shared counters. */
int
metrics_write(struct buf *b, const char *prog, const struct metrics *m)
{
	static const char *const cls[6] = { "1xx", "2xx", "3xx", "4xx", "5xx", "other" };
	int i;

	if (m == NULL)
		return -1;
	buf_printf(b, "# HELP orx_http_requests_total Requests served, by status class.\n"
	    "# TYPE orx_http_requests_total counter\n");
	for (i = 0; i < 6; i++)
		buf_printf(b, "orx_http_requests_total{program=\"%s\",class=\"%s\"} %llu\n",
		    prog, cls[i], (unsigned long long)atomic_load(&m->requests[i]));
	buf_printf(b, "# HELP orx_http_request_duration_seconds Time in the worker.\n"
	    "# TYPE orx_http_request_duration_seconds histogram\n");
	unsigned long long total = 0;
	for (i = 0; i < 6; i++)
		total += atomic_load(&m->requests[i]);
	for (i = 0; i < METRICS_BUCKETS; i++)
		buf_printf(b, "orx_http_request_duration_seconds_bucket{program=\"%s\",le=\"%g\"} %llu\n",
		    prog, metrics_bounds_s[i],
		    (unsigned long long)atomic_load(&m->latency_bucket[i]));
	buf_printf(b, "orx_http_request_duration_seconds_bucket{program=\"%s\",le=\"+Inf\"} %llu\n",
	    prog, total);
	buf_printf(b, "orx_http_request_duration_seconds_sum{program=\"%s\"} %.6f\n",
	    prog, (double)atomic_load(&m->latency_us_sum) / 1e6);
	buf_printf(b, "orx_http_request_duration_seconds_count{program=\"%s\"} %llu\n",
	    prog, total);
	buf_printf(b, "# TYPE orx_worker_restarts_total counter\n"
	    "orx_worker_restarts_total{program=\"%s\"} %llu\n", prog,
	    (unsigned long long)atomic_load(&m->worker_restarts));
	buf_printf(b, "# TYPE orx_log_dropped_total counter\n"
	    "orx_log_dropped_total{program=\"%s\"} %llu\n", prog,
	    (unsigned long long)atomic_load(&m->log_dropped));
	buf_printf(b, "# TYPE orx_db_unavailable_total counter\n"
	    "orx_db_unavailable_total{program=\"%s\"} %llu\n", prog,
	    (unsigned long long)atomic_load(&m->db_unavailable));
	buf_printf(b, "# HELP orx_busy_workers_limit Workers allowed on the CPU at once (0: no limit).\n"
	    "# TYPE orx_busy_workers_limit gauge\n"
	    "orx_busy_workers_limit{program=\"%s\"} %u\n", prog,
	    atomic_load(&m->gate.limit));
	buf_printf(b, "# HELP orx_busy_workers_holding Places of the CPU gate held now.\n"
	    "# TYPE orx_busy_workers_holding gauge\n"
	    "orx_busy_workers_holding{program=\"%s\"} %u\n", prog, gate_holders(
	    (struct gate *)&m->gate));
	buf_printf(b, "# HELP orx_busy_workers_waiting Workers asleep at the CPU gate now.\n"
	    "# TYPE orx_busy_workers_waiting gauge\n"
	    "orx_busy_workers_waiting{program=\"%s\"} %u\n", prog,
	    atomic_load(&m->gate.waiters));
	buf_printf(b, "# HELP orx_busy_gate_open 1 while the master lets workers past the limit.\n"
	    "# TYPE orx_busy_gate_open gauge\n"
	    "orx_busy_gate_open{program=\"%s\"} %u\n", prog, atomic_load(&m->gate.open));
	buf_printf(b, "# HELP orx_busy_gate_opened_total Times the master let workers past the limit: the busy ones had not moved while requests waited.\n"
	    "# TYPE orx_busy_gate_opened_total counter\n"
	    "orx_busy_gate_opened_total{program=\"%s\"} %llu\n", prog,
	    (unsigned long long)atomic_load(&m->gate.opened));
	return 0;
}
