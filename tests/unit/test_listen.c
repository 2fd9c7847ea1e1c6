/*
 * Unit tests for lib/proc/listen.c: which addresses are TCP and which are
 * unix socket paths; sockets opened on both, reached by a connect; refusals
 * with a message (a bad port, a path too long, an address in use). Host
 * names are not looked up here: that would ask a name server.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "listen.h"
#include "loopback.h"
#include "t.h"

/* 1 if a TCP connect to host (a literal) and port succeeds. */
static int
reaches(int family, const char *host, int port)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, ok;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((unsigned short)port);
		inet_pton(AF_INET, host, &sin->sin_addr);
		sl = sizeof(*sin);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((unsigned short)port);
		inet_pton(AF_INET6, host, &s6->sin6_addr);
		sl = sizeof(*s6);
	}
	if ((fd = socket(family, SOCK_STREAM, 0)) == -1)
		return 0;
	ok = connect(fd, (struct sockaddr *)&ss, sl) == 0;
	close(fd);
	return ok;
}

static void
test_kinds(void)
{
	T_OK(listen_is_tcp("127.0.0.1:9001"), "IPv4 host:port is TCP");
	T_OK(listen_is_tcp("[::1]:9001"), "[v6]:port is TCP");
	T_OK(listen_is_tcp(":9001") && listen_is_tcp("*:9001"), ":port and *:port are TCP");
	T_OK(listen_is_tcp("runtime-1.internal:65535"), "a host name with a port is TCP");
	T_OK(!listen_is_tcp(".run/orchestrix.sock"), "a path is a unix socket");
	T_OK(!listen_is_tcp("/run/orx/a:9001"), "a path with a colon stays a path");
	T_OK(!listen_is_tcp("host:0") && !listen_is_tcp("host:65536") &&
	    !listen_is_tcp("host:80a") && !listen_is_tcp("host:") &&
	    !listen_is_tcp("host:000009001"), "no port 0, none over 65535, digits only");
}

static void
test_open(void)
{
	char err[256], addr[128], dir[] = "/tmp/orx-listen-XXXXXX", path[200];
	int port = loopback_closed_port(), fd, fd2;
	struct stat st;

	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	fd = listen_open(addr, 16, err, sizeof(err));
	T_OK(fd >= 0 && reaches(AF_INET, "127.0.0.1", port), "TCP on 127.0.0.1: connects");
	fd2 = listen_open(addr, 16, err, sizeof(err));
	T_OK(fd2 == -1 && strstr(err, "in use") != NULL, "the same address twice: in use (%s)", err);
	listen_close(fd, addr);
	T_OK(!reaches(AF_INET, "127.0.0.1", port), "closed: refused");
	fd = listen_open(addr, 16, err, sizeof(err));
	T_OK(fd >= 0, "bound again once closed");
	listen_close(fd, addr);

	snprintf(addr, sizeof(addr), "[::1]:%d", port);
	fd = listen_open(addr, 16, err, sizeof(err));
	T_OK(fd >= 0 && reaches(AF_INET6, "::1", port), "TCP on [::1]: connects (%s)",
	    fd >= 0 ? "" : err);
	if (fd >= 0)
		listen_close(fd, addr);

	T_OK(mkdtemp(dir) != NULL, "a scratch folder");
	snprintf(path, sizeof(path), "%s/a:%d", dir, port);
	fd = listen_open(path, 16, err, sizeof(err));
	T_OK(fd >= 0 && stat(path, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    (st.st_mode & 0777) == 0666, "a unix path with a colon: a socket file, mode 0666");
	T_OK(!reaches(AF_INET, "127.0.0.1", port), "and no TCP port");
	/* A stale file of a master that died is replaced. */
	close(fd);
	fd = listen_open(path, 16, err, sizeof(err));
	T_OK(fd >= 0, "a stale socket file is replaced");
	listen_close(fd, path);
	T_OK(stat(path, &st) == -1, "closing removes the file");
	rmdir(dir);

	fd = listen_open("host:8o80", 16, err, sizeof(err));
	T_OK(fd == -1 && strstr(err, "neither host:port") != NULL, "a typo'd port is refused: %s", err);
	char longp[200];
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	fd = listen_open(longp, 16, err, sizeof(err));
	T_OK(fd == -1 && strstr(err, "at most") != NULL, "a path too long is refused");
	fd = listen_open("", 16, err, sizeof(err));
	T_OK(fd == -1, "nothing to listen on is refused");
}

int
main(void)
{
	test_kinds();
	test_open();
	return t_done();
}
