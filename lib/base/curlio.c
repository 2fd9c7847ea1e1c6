/*
 * libcurl helpers shared by the outbound calls (lib/base/curlio.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "curlio.h"

/*
 * CURLOPT_WRITEFUNCTION: appends n items of size bytes. Returns what it
 * kept; 0 (which aborts the transfer) when the body would pass b->max
 * (too_large) or memory ran out (oom).
 */
size_t
curl_body_write(char *p, size_t size, size_t n, void *body)
{
	struct curl_body *b = body;
	size_t len = size * n;

	if (len > b->max - b->len) {
		b->too_large = 1;
		return 0;
	}
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap != 0 ? b->cap : 4096;
		char *d;

		while (cap < b->len + len + 1)
			cap *= 2;
		if (cap > b->max + 1)
			cap = b->max + 1;
		if ((d = realloc(b->data, cap)) == NULL) {
			b->oom = 1;
			return 0;
		}
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len] = '\0';
	return len;
}

/* Appends line to *l. Returns 0, or -1 (out of memory; *l is kept). */
int
slist_add(struct curl_slist **l, const char *line)
{
	struct curl_slist *n = curl_slist_append(*l, line);

	if (n == NULL)
		return -1;
	*l = n;
	return 0;
}

/*
 * The options every outbound call sets: http and https only, no redirects,
 * no proxy from the environment, verified TLS, no signals, one timeout for
 * the connection and the whole call, the user agent, the headers, the
 * error text and the capped body collector. The caller adds the URL and
 * the method. Returns the first option libcurl refused, or CURLE_OK.
 */
CURLcode
curl_defaults(CURL *h, long timeout_ms, const char *agent,
    struct curl_slist *headers, char errbuf[CURL_ERROR_SIZE], struct curl_body *body)
{
	CURLcode cc = CURLE_OK;

#define SET(opt, val) do {						\
	if (cc == CURLE_OK)						\
		cc = curl_easy_setopt(h, opt, val);			\
} while (0)
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_PROXY, "");
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	SET(CURLOPT_TIMEOUT_MS, timeout_ms);
	SET(CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	SET(CURLOPT_USERAGENT, agent);
	SET(CURLOPT_HTTPHEADER, headers);
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_WRITEFUNCTION, curl_body_write);
	SET(CURLOPT_WRITEDATA, body);
#undef SET
	return cc;
}

/* Records the first refused address of a call. */
static void
guard_refuse(struct curl_guard *g, const char *why, const struct sockaddr *sa,
    socklen_t len, const char *text)
{
	if (g->refused != NULL)
		return;
	g->refused = why;
	if (text != NULL)
		snprintf(g->refused_addr, sizeof(g->refused_addr), "%s", text);
	else if (ssrf_addr_text(sa, len, g->refused_addr, sizeof(g->refused_addr)) == -1)
		snprintf(g->refused_addr, sizeof(g->refused_addr), "the target");
}

/*
 * CURLOPT_OPENSOCKETFUNCTION: the one place a connection's socket is made,
 * after name resolution and before connect(). A refused address gets no
 * socket (libcurl then tries the next address, if any) and is recorded.
 */
static curl_socket_t
guard_opensocket(void *clientp, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct curl_guard *g = clientp;
	const struct sockaddr *sa = &a->addr;
	socklen_t len = (socklen_t)a->addrlen;
	const char *why;

	if (purpose != CURLSOCKTYPE_IPCXN)
		why = "non-IP";
	else if (a->addrlen > sizeof(struct sockaddr_storage))
		why = "malformed";
	else
		why = ssrf_check(g->allow, g->host, sa, len);
	if (why != NULL) {
		guard_refuse(g, why, sa, len, NULL);
		return CURL_SOCKET_BAD;
	}
	/* Workers fork and exec nothing, but keep sockets out of children anyway. */
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

/*
 * CURLOPT_PREREQFUNCTION: once connected, the peer address is checked again
 * before any byte of the request goes out (a second line of defence should
 * a connection ever reach libcurl by another path than guard_opensocket).
 */
static int
guard_prereq(void *clientp, char *primary_ip, char *local_ip, int primary_port,
    int local_port)
{
	struct curl_guard *g = clientp;
	struct sockaddr_storage ss;
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	char ip[SSRF_ADDR_TEXT];
	socklen_t len;
	const char *why;

	(void)local_ip;
	(void)primary_port;
	(void)local_port;
	memset(&ss, 0, sizeof(ss));
	snprintf(ip, sizeof(ip), "%s", primary_ip != NULL ? primary_ip : "");
	ip[strcspn(ip, "%")] = '\0';    /* an IPv6 zone, "fe80::1%eth0" */
	if (inet_pton(AF_INET, ip, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		len = sizeof(*in);
	} else if (inet_pton(AF_INET6, ip, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		len = sizeof(*in6);
	} else
		len = sizeof(ss);   /* AF_UNSPEC: refused as non-IP */
	why = ssrf_check(g->allow, g->host, (struct sockaddr *)&ss, len);
	if (why == NULL)
		return CURL_PREREQFUNC_OK;
	guard_refuse(g, why, NULL, 0, ip[0] != '\0' ? ip : "the target");
	return CURL_PREREQFUNC_ABORT;
}

/* Puts g (which must outlive the transfer) in charge of h's connections. */
CURLcode
curl_guard_install(CURL *h, struct curl_guard *g)
{
	CURLcode cc;

	if ((cc = curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, guard_opensocket)) != CURLE_OK ||
	    (cc = curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, g)) != CURLE_OK ||
	    (cc = curl_easy_setopt(h, CURLOPT_PREREQFUNCTION, guard_prereq)) != CURLE_OK)
		return cc;
	return curl_easy_setopt(h, CURLOPT_PREREQDATA, g);
}
