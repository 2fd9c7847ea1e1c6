/*
 * UTF-8: validation, decoding one code point, counting code points.
 * Well-formed means RFC 3629: no overlong forms, no surrogates, nothing
 * above U+10FFFF.
 */
#ifndef ORX_UTF8_H
#define ORX_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* 1 if s[0..n) is well-formed UTF-8, else 0. */
int	 utf8_valid(const char *s, size_t n);

/*
 * Decodes the code point at s (n > 0 bytes) and sets *len to its length;
 * returns -1 (and *len 1) for a byte that starts no well-formed sequence.
 */
int32_t	 utf8_decode(const char *s, size_t n, size_t *len);

/* Code points in s[0..n), which is well-formed (continuation bytes skipped). */
size_t	 utf8_count(const char *s, size_t n);

#endif
