/*
 * Waiting across workers: a worker that waits for a client's answer, or for
 * events of a stream another worker writes, LISTENs on channel "mcp" of its
 * own connection for as long as it waits, and wakes on the NOTIFY whose
 * payload it names ("r:<session>:<request id>" for an answer, "e:<stream>"
 * for a stored event, "c:<session>:<request id>" for a cancellation).
 * Waits are bounded and end early when the client goes away.
 */
#define _GNU_SOURCE  /* POLLRDHUP */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include <libpq-fe.h>

#include "clock.h"
#include "db.h"
#include "log.h"
#include "waiter.h"
#include "mcp_private.h"

/*
 * LISTEN (on = 1) or UNLISTEN (on = 0) channel mcp. The text is constant:
 * LISTEN takes no parameters. Returns 0 or -1.
 */
int
mcp_listen(struct db *d, int on)
{
	PGresult *res;
	PGnotify *n;
	int ok;

	if (db_ready(d) == -1)
		return -1;
	res = PQexec(d->conn, on ? "LISTEN mcp" : "UNLISTEN mcp");
	ok = res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		log_error("mcp: %s: %s", on ? "LISTEN" : "UNLISTEN",
		    PQerrorMessage(d->conn));
	PQclear(res);
	if (!on)  /* what came in meanwhile is nobody's business now */
		while ((n = PQnotifies(d->conn)) != NULL)
			PQfreemem(n);
	return ok ? 0 : -1;
}

/*
 * 1 if a queued notification of channel mcp names one of keys (all queued
 * ones are read; a worker LISTENs on no other channel).
 */
static int
drain(struct db *d, const char *const *keys, int nkeys)
{
	PGnotify *n;
	int hit = 0;

	while ((n = PQnotifies(d->conn)) != NULL) {
		if (strcmp(n->relname, "mcp") == 0)
			for (int i = 0; i < nkeys; i++)
				if (keys[i] != NULL && strcmp(n->extra, keys[i]) == 0)
					hit = 1;
		PQfreemem(n);
	}
	return hit;
}

/*
 * Waits until a notification names one of keys (1), the monotonic deadline
 * passes (0), or client_fd (if >= 0) is readable or hung up, meaning the
 * web server dropped the client (MCP_WAIT_GONE), or the connection fails
 * (-1). The caller has LISTENed before checking its condition, so nothing
 * sent in between is lost.
 */
int
mcp_wait(struct db *d, const char *const *keys, int nkeys, int client_fd,
    long long deadline_ms)
{
	struct pollfd p[2];

	if (d->conn == NULL)
		return -1;
	if (drain(d, keys, nkeys))
		return 1;
	waiter_notify(d->waiter);
	for (;;) {
		long long left = deadline_ms - mono_ms();
		int np = 1, rc;

		if (left <= 0)
			return 0;
		p[0].fd = PQsocket(d->conn);
		p[0].events = POLLIN;
		p[0].revents = 0;
		if (client_fd >= 0) {
			p[1].fd = client_fd;
			p[1].events = POLLIN | POLLRDHUP;
			p[1].revents = 0;
			np = 2;
		}
		rc = poll(p, (nfds_t)np, left > 1000 ? 1000 : (int)left);
		if (rc < 0 && errno != EINTR)
			return -1;
		if (rc <= 0)
			continue;
		if (np == 2 && p[1].revents != 0) {
			char c;
			/*
			 * Hung up, or readable at end of file: nginx dropped the
			 * client. Readable with data (a record libfcgi left
			 * unread) says nothing: stop watching, keep waiting.
			 */
			if ((p[1].revents & (POLLRDHUP | POLLHUP | POLLERR)) ||
			    recv(client_fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0)
				return MCP_WAIT_GONE;
			client_fd = -1;
		}
		if (p[0].revents != 0) {
			if (PQconsumeInput(d->conn) == 0) {
				log_warn("mcp: wait: %s", PQerrorMessage(d->conn));
				return -1;
			}
			if (drain(d, keys, nkeys))
				return 1;
		}
	}
}
