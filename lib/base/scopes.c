/*
 * Scopes of API keys (lib/base/scopes.h).
 */
#include <stdio.h>
#include <string.h>

#include "scopes.h"

const char *const scope_names[SCOPE__MAX] = {
	"read", "write", "run", "deploy", "admin",
};

/* Parses "read,write" into bits. Returns 0, or -1 on an unknown scope. */
int
scopes_parse(const char *csv, unsigned *out)
{
	const char *p = csv;

	*out = 0;
	while (*p != '\0') {
		size_t n = strcspn(p, ","), i;

		for (i = 0; i < SCOPE__MAX; i++)
			if (strlen(scope_names[i]) == n &&
			    strncmp(p, scope_names[i], n) == 0)
				break;
		if (i == SCOPE__MAX)
			return -1;
		*out |= 1u << i;
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

void
scopes_format(unsigned bits, char *out, size_t outsz)
{
	size_t n = 0;

	out[0] = '\0';
	for (int i = 0; i < SCOPE__MAX; i++)
		if (bits & (1u << i))
			n += (size_t)snprintf(out + n, n < outsz ? outsz - n : 0,
			    "%s%s", n ? "," : "", scope_names[i]);
}
