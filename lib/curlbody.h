/*
 * A response body collected by libcurl's write callback: malloc'd,
 * NUL-terminated, capped. Shared by every outbound call (the Archestra
 * client, the http_request tool, the builder's language model).
 *
 *	struct curl_body b = { .max = 1024 * 1024 };
 *	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, curl_body_write);
 *	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
 *	... b.data (may be NULL when empty), b.len; free(b.data);
 */
#ifndef ORX_CURLBODY_H
#define ORX_CURLBODY_H

#include <stddef.h>

struct curl_body {
	char	*data;      /* NULL until the first byte */
	size_t	 len, cap;
	size_t	 max;       /* larger answers stop the transfer */
	int	 too_large; /* the transfer stopped at max */
	int	 oom;
};

size_t	curl_body_write(char *, size_t size, size_t n, void *body);

#endif
