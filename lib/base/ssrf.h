/*
 * Guard against server-side request forgery: which addresses an outbound
 * call may connect to. Callers check the address the socket is about to
 * connect to (libcurl's CURLOPT_OPENSOCKETFUNCTION), never a separate DNS
 * answer, so a name that resolves differently the second time gains nothing.
 *
 * A URL's host is normalised before anything looks it up
 * (ssrf_host_normalise): lower case, a final dot dropped, and refused
 * unless it is a host name or an IP literal -- so "LOCALHOST.", "127.0.0.1."
 * or "127.0.0.1%09" never reach a resolver.
 *
 * An allow list is the text of ORX_HTTP_ALLOW: comma-separated entries, each
 * a host name ("localhost", compared without case, a trailing dot ignored),
 * an IP literal ("127.0.0.1", "::1", "[::1]"; compared as addresses) or an
 * IP prefix ("10.0.0.0/8", "fd00::/8"). Entries match the host as written
 * in the URL: "127.0.0.1" allows http://127.0.0.1/ but not http://localhost/
 * (list "localhost" for that).
 */
#ifndef ORX_SSRF_H
#define ORX_SSRF_H

#include <stddef.h>
#include <sys/socket.h>

/* Longest text ssrf_addr_text writes, NUL included (INET6_ADDRSTRLEN). */
#define SSRF_ADDR_TEXT	46

/* Longest host name ssrf_host_normalise writes, NUL included. */
#define SSRF_HOST_MAX	256

enum ssrf_host {
	SSRF_HOST_NAME,      /* a DNS name, to be resolved */
	SSRF_HOST_LOCAL,     /* "localhost" or a name under it: loopback, never asked for */
	SSRF_HOST_IP,        /* an IPv4 literal or a bracketed IPv6 one */
	SSRF_HOST_INVALID,
	SSRF_HOST__MAX
};

enum ssrf_host	 ssrf_host_normalise(const char *host, char *out, size_t outsz);
const char	*ssrf_refusal(const struct sockaddr *, socklen_t);
int		 ssrf_listed(const char *allow, const char *host);
const char	*ssrf_check(const char *allow, const char *host,
		    const struct sockaddr *, socklen_t);
int		 ssrf_addr_text(const struct sockaddr *, socklen_t,
		    char *out, size_t outsz);

#endif
