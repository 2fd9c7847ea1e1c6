/*
 * What every outbound libcurl call shares (the Archestra client, the
 * http_request tool, the builder's language model): the request's header
 * list, the response body collected by the write callback -- malloc'd,
 * NUL-terminated, capped -- and the options they all set (curl_defaults).
 *
 *	struct curl_body b = { .max = 1024 * 1024 };
 *	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, curl_body_write);
 *	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
 *	... b.data (may be NULL when empty), b.len; free(b.data);
 */
#ifndef ORX_CURLIO_H
#define ORX_CURLIO_H

#include <stddef.h>

#include <curl/curl.h>

#include "ssrf.h"

struct curl_body {
	char	*data;      /* NULL until the first byte */
	size_t	 len, cap;
	size_t	 max;       /* larger answers stop the transfer */
	int	 too_large; /* the transfer stopped at max */
	int	 oom;
};

/*
 * The SSRF guard of a call to a target a workflow names (http_request,
 * send_email): every connection libcurl opens is checked on the address it
 * is about to connect to, and again once connected, before a byte goes
 * out (lib/base/ssrf.h); loopback, private and other special addresses are
 * refused unless allow (ORX_HTTP_ALLOW) lists host, as written in the URL.
 * The first refused address is kept for the step's error.
 */
struct curl_guard {
	const char	*allow;     /* ORX_HTTP_ALLOW */
	const char	*host;      /* as written in the URL */
	const char	*refused;   /* class of the first refused address, or NULL */
	char		 refused_addr[SSRF_ADDR_TEXT];
};

size_t		curl_body_write(char *, size_t size, size_t n, void *body);
CURLcode	curl_guard_install(CURL *, struct curl_guard *);
int		slist_add(struct curl_slist **, const char *line);
CURLcode	curl_defaults(CURL *, long timeout_ms, const char *agent,
		    struct curl_slist *headers, char errbuf[CURL_ERROR_SIZE],
		    struct curl_body *body);

#endif
