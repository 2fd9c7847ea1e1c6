/*
 * GET /healthz of a program: 200 {"status":"ok","database":"up"}; 503
 * {"status":"unavailable","database":"down"} while the database is away;
 * 503 {"status":"degraded","database":"up","cause":"..."} when the worker
 * has no secrets key that opens the database's secrets (lib/db/sealkey.h).
 */
#ifndef ORX_HEALTH_H
#define ORX_HEALTH_H

struct req;
struct resp;

int	health_answer(struct req *, struct resp *);

#endif
