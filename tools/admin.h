/* orx-admin's commands apart from its main (tools/orx-admin.c). */
#ifndef ORX_ADMIN_H
#define ORX_ADMIN_H

struct arena;
struct db;

/* orx-admin secrets ...: argv[0] is the subcommand. Returns the exit code, or -1 for usage. */
int	admin_secrets(struct db *, struct arena *, int argc, char **argv);

#endif
