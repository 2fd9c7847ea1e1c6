/*
 * The unit tests' loopback HTTP server (tests/unit/loopback.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "loopback.h"

int
lb_write_all(int fd, const void *p, size_t n)
{
	const char *s = p;

	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Value of request header name in head (NUL-terminated copy), or NULL. */
const char *
lb_req_header(const char *head, const char *name, char *out, size_t outsz)
{
	const char *p = strstr(head, "\r\n");
	size_t nl = strlen(name);

	while (p != NULL && p[2] != '\r') {
		const char *line = p + 2, *end = strstr(line, "\r\n");

		if (end == NULL)
			break;
		if ((size_t)(end - line) > nl && strncasecmp(line, name, nl) == 0 &&
		    line[nl] == ':') {
			const char *v = line + nl + 1;
			size_t n;

			while (*v == ' ')
				v++;
			n = (size_t)(end - v);
			if (n >= outsz)
				n = outsz - 1;
			memcpy(out, v, n);
			out[n] = '\0';
			return out;
		}
		p = end;
	}
	return NULL;
}

/* The server process: accept, count, fork serve() per connection. */
static void
accept_loop(int lfd, int count_fd, void (*serve)(int))
{
	signal(SIGCHLD, SIG_IGN);   /* connection processes reap themselves */
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		int fd = accept(lfd, NULL, NULL);

		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			_exit(1);
		}
		if (write(count_fd, "c", 1) != 1)
			_exit(1);
		if (fork() == 0) {
			close(lfd);
			close(count_fd);
			serve(fd);
			close(fd);
			_exit(0);
		}
		close(fd);
	}
}

int
loopback_start(struct loopback *lb, void (*serve)(int fd))
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int lfd, one = 1, pfd[2];

	lb->pid = -1;
	lb->accepted_fd = -1;
	if (pipe(pfd) == -1)
		return -1;
	if ((lfd = socket(AF_INET, SOCK_STREAM, 0)) == -1) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(lfd, 64) == -1 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &sl) == -1)
		goto fail;
	lb->port = ntohs(sin.sin_port);
	fflush(stdout);
	fflush(stderr);
	if ((lb->pid = fork()) == -1)
		goto fail;
	if (lb->pid == 0) {
		close(pfd[0]);
		accept_loop(lfd, pfd[1], serve);
	}
	close(lfd);
	close(pfd[1]);
	lb->accepted_fd = pfd[0];
	fcntl(lb->accepted_fd, F_SETFL, O_NONBLOCK);
	return 0;
fail:
	close(lfd);
	close(pfd[0]);
	close(pfd[1]);
	lb->pid = -1;
	return -1;
}

int
loopback_connections(struct loopback *lb)
{
	char buf[256];
	ssize_t r;
	int n = 0;

	usleep(50000);  /* let the server note a connection still in flight */
	while ((r = read(lb->accepted_fd, buf, sizeof(buf))) > 0)
		n += (int)r;
	return n;
}

void
loopback_stop(struct loopback *lb)
{
	int status;

	if (lb->pid <= 0)
		return;
	kill(lb->pid, SIGTERM);
	waitpid(lb->pid, &status, 0);
	close(lb->accepted_fd);
	lb->pid = -1;
}

int
loopback_closed_port(void)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0), p;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)&sin, sizeof(sin));
	getsockname(fd, (struct sockaddr *)&sin, &sl);
	p = ntohs(sin.sin_port);
	close(fd);
	return p;
}
