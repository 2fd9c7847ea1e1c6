/*
 * The secrets key against the database (sql/migrations/008_secrets_key.sql):
 * whether a key file's keys are the ones the database's secrets were sealed
 * under, for the master at start and at reload, orx-admin, and /healthz.
 * Every function reads the schema the connection's search_path names.
 */
#ifndef ORX_SEALKEY_H
#define ORX_SEALKEY_H

#include <stddef.h>

#include "sealed.h"

struct arena;
struct db;

enum sealkey_verdict {
	SEALKEY_OK,         /* the ring opens everything; ring->seal, ->also set */
	SEALKEY_NONE,       /* no key, and nothing was ever sealed: secrets are off */
	SEALKEY_REFUSED,    /* secrets exist that the ring cannot open: do not start */
	SEALKEY_UNCHECKED,  /* the database could not say (unreachable, no migration) */
	SEALKEY__MAX
};
extern const char *const sealkey_verdict_names[SEALKEY__MAX];

/* How a key file read: what sealkey_verify says about it. */
struct key_file {
	const char		*path;
	enum key_file_status	 status;
	char			 why[160];   /* the reason, when not KEY_FILE_OK */
};

enum key_file_status key_file_read(struct key_file *, const char *path, struct keyring *);
void	key_file_problem(const struct key_file *, char *out, size_t outsz);
enum sealkey_verdict sealkey_verify(struct db *, struct arena *, struct keyring *,
	    const struct key_file *, const char *what, int adopt, char *msg, size_t msgsz);
enum sealkey_verdict sealkey_check(const char *conninfo, const char *options,
	    const char *app_name, const struct key_file *, const char *what,
	    struct keyring *, char *msg, size_t msgsz);
int	sealkey_refused(struct db *, struct arena *, const char *key_id);
const char *sealkey_health(struct db *, struct arena *, const struct keyring *, int *db_up);

#endif
