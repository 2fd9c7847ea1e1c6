/*
 * A throwaway HTTP server on 127.0.0.1 for the unit tests of outbound
 * calls (the Archestra client, the http_request tool): a forked process
 * that accepts on a free port and forks serve(fd) per connection, counting
 * connections through a pipe so a test can tell whether a call connected.
 */
#ifndef TESTS_LOOPBACK_H
#define TESTS_LOOPBACK_H

#include <stddef.h>
#include <sys/types.h>

struct loopback {
	int	port;
	pid_t	pid;          /* the server; -1 when it did not start */
	int	accepted_fd;  /* the server writes a byte per connection */
};

/* Starts the server; 0, or -1 (lb->pid is then -1). */
int	loopback_start(struct loopback *lb, void (*serve)(int fd));
/* Connections accepted since the last call. */
int	loopback_connections(struct loopback *lb);
/* Stops the server by PID and waits for it. */
void	loopback_stop(struct loopback *lb);
/* A port nothing listens on (bound, then closed). */
int	loopback_closed_port(void);

/* For serve(): writes all of p (0, or -1); a request header's value. */
int	lb_write_all(int fd, const void *p, size_t n);
const char *lb_req_header(const char *head, const char *name, char *out,
	    size_t outsz);

#endif
