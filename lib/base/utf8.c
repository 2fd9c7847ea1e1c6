#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "utf8.h"

int32_t
utf8_decode(const char *s, size_t n, size_t *len)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp, min;
	size_t k;

	*len = 1;
	if (p[0] < 0x80)
		return p[0];
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		k = 2; cp = p[0] & 0x1f; min = 0x80;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		k = 3; cp = p[0] & 0x0f; min = 0x800;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		k = 4; cp = p[0] & 0x07; min = 0x10000;
	} else
		return -1;
	if (n < k)
		return -1;
	for (size_t i = 1; i < k; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return -1;
	*len = k;
	return (int32_t)cp;
}

int
utf8_valid(const char *s, size_t n)
{
	size_t i = 0, len;

	while (i < n) {
		/* ASCII runs are the common case: no call per byte. */
		if ((unsigned char)s[i] < 0x80) {
			i++;
			continue;
		}
		if (utf8_decode(s + i, n - i, &len) < 0)
			return 0;
		i += len;
	}
	return 1;
}

size_t
utf8_count(const char *s, size_t n)
{
	size_t c = 0, i = 0;
	uint64_t w;

	/* Eight bytes at a time: continuation bytes have bit 7 set, 6 clear. */
	for (; n - i >= 8; i += 8) {
		memcpy(&w, s + i, 8);
		w = (w & ~(w << 1) & 0x8080808080808080ULL) >> 7;
		c += 8 - (size_t)((w * 0x0101010101010101ULL) >> 56);
	}
	for (; i < n; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}
