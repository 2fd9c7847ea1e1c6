/*
 * What an API key may do: a closed set of scope bits, with their names as
 * keys store them ("read,write").
 */
#ifndef ORX_SCOPES_H
#define ORX_SCOPES_H

#include <stddef.h>

enum scope_bit { SCOPE_READ, SCOPE_WRITE, SCOPE_RUN, SCOPE_DEPLOY, SCOPE_ADMIN,
	SCOPE__MAX };
extern const char *const scope_names[SCOPE__MAX];

#define S_READ		(1u << SCOPE_READ)
#define S_WRITE		(1u << SCOPE_WRITE)
#define S_RUN		(1u << SCOPE_RUN)
#define S_DEPLOY	(1u << SCOPE_DEPLOY)
#define S_ADMIN		(1u << SCOPE_ADMIN)
#define S_ALL		((1u << SCOPE__MAX) - 1)

int		 scopes_parse(const char *csv, unsigned *out);
void		 scopes_format(unsigned, char *out, size_t outsz);

#endif
