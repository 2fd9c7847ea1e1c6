/*
 * The listening socket a program's workers accept on (ORX_SOCKET): a unix
 * socket path, or a TCP address for nginx on other hosts -- host:port,
 * [v6 address]:port, or :port for every interface.
 */
#ifndef ORX_LISTEN_H
#define ORX_LISTEN_H

#include <stddef.h>

/* 1 if addr names a TCP address, 0 if a unix socket path. */
int	listen_is_tcp(const char *addr);
/*
 * Opens, binds and listens (backlog) on addr. A unix socket's old file is
 * replaced and the new one made reachable by any user (nginx's workers may
 * run as another). Returns the descriptor, or -1 with a message in err.
 */
int	listen_open(const char *addr, int backlog, char *err, size_t errsz);
/* Closes fd, removing a unix socket's file. */
void	listen_close(int fd, const char *addr);

#endif
