/*
 * libcurl helpers shared by the outbound calls (lib/base/curlio.h).
 */
#include <stdlib.h>
#include <string.h>

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
