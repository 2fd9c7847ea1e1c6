/*
 * The listening socket (lib/proc/listen.h). Opened here rather than by
 * libfcgi's FCGX_OpenSocket, which reads any "x:digits" as TCP (a unix
 * path with a colon included), binds TCP to every interface whatever host
 * it is given, and knows no IPv6.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "listen.h"

/*
 * Splits a TCP address into host (empty: every interface) and port.
 * Returns 0, or -1 when addr is not one: it holds a '/' (a path), or what
 * follows its last ':' is not a port number.
 */
static int
split_tcp(const char *addr, char *host, size_t hostsz, char *port, size_t portsz)
{
	const char *colon = strrchr(addr, ':'), *p;
	size_t hl;
	long v = 0;

	if (colon == NULL || strchr(addr, '/') != NULL || colon[1] == '\0' ||
	    strlen(colon + 1) > 5)
		return -1;
	for (p = colon + 1; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	hl = (size_t)(colon - addr);
	if (hl >= 2 && addr[0] == '[' && addr[hl - 1] == ']') {
		addr++;
		hl -= 2;
	}
	if (hl >= hostsz || strlen(colon + 1) >= portsz)
		return -1;
	memcpy(host, addr, hl);
	host[hl] = '\0';
	if (strcmp(host, "*") == 0)
		host[0] = '\0';
	snprintf(port, portsz, "%s", colon + 1);
	return 0;
}

int
listen_is_tcp(const char *addr)
{
	char host[256], port[8];

	return split_tcp(addr, host, sizeof(host), port, sizeof(port)) == 0;
}

static int
open_tcp(const char *host, const char *port, int backlog, char *err, size_t errsz)
{
	struct addrinfo hints, *res, *ai;
	int fd = -1, one = 1, rc, saved = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(*host ? host : NULL, port, &hints, &res)) != 0) {
		snprintf(err, errsz, "%s: %s", *host ? host : "*", gai_strerror(rc));
		return -1;
	}
	/* The first address that binds (a name may resolve to several). */
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol)) == -1) {
			saved = errno;
			continue;
		}
		/* A restarted host binds again at once, its old connections
		 * still in TIME_WAIT. */
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, backlog) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1)
		snprintf(err, errsz, "%s:%s: %s", *host ? host : "*", port, strerror(saved));
	return fd;
}

static int
open_unix(const char *path, int backlog, char *err, size_t errsz)
{
	struct sockaddr_un sun;
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errsz, "%s: a unix socket path is at most %zu bytes", path,
		    sizeof(sun.sun_path) - 1);
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1) {
		snprintf(err, errsz, "socket: %s", strerror(errno));
		return -1;
	}
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(fd, backlog) == -1) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	/* nginx's workers may run as another user. */
	chmod(path, 0666);
	return fd;
}

int
listen_open(const char *addr, int backlog, char *err, size_t errsz)
{
	char host[256], port[8];

	if (addr == NULL || *addr == '\0') {
		snprintf(err, errsz, "no address to listen on");
		return -1;
	}
	if (split_tcp(addr, host, sizeof(host), port, sizeof(port)) == 0)
		return open_tcp(host, port, backlog, err, errsz);
	/* "host:8o80" is a typo, not a file to make in the working folder. */
	if (strchr(addr, ':') != NULL && strchr(addr, '/') == NULL) {
		snprintf(err, errsz, "%s: neither host:port (a port is 1-65535) nor a "
		    "unix socket path (write ./%s for a file here)", addr, addr);
		return -1;
	}
	return open_unix(addr, backlog, err, errsz);
}

void
listen_close(int fd, const char *addr)
{
	if (!listen_is_tcp(addr))
		unlink(addr);
	close(fd);
}
