/*
 * libcurl helpers shared by the outbound calls (lib/curlio.h).
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
