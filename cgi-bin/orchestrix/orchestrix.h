/*
 * The Orchestrix program (development side): handlers shared between the
 * files of cgi-bin/orchestrix/. The route table is in main.c.
 */
#ifndef ORCHESTRIX_H
#define ORCHESTRIX_H

#include "auth.h"
#include "db.h"
#include "http.h"
#include "json.h"
#include "router.h"

/* common.c */
int	orx_authenticate(struct req *, struct resp *, unsigned scope);
int	unavailable(struct resp *);
int	owner_field_check(struct req *, struct resp *);

/* health.c */
int	h_healthz(struct req *, struct resp *);
int	h_metrics(struct req *, struct resp *);

/* workflows.c */
int	h_workflow_create(struct req *, struct resp *);
int	h_workflow_list(struct req *, struct resp *);
int	h_workflow_get(struct req *, struct resp *);
int	h_workflow_put(struct req *, struct resp *);
int	h_workflow_delete(struct req *, struct resp *);

#endif
