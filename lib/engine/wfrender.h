/*
 * Rendering stored workflows as API documents (SPEC §3), without parsing:
 * the stored canonical text is spliced between the server's own fields.
 */
#ifndef ORX_WFRENDER_H
#define ORX_WFRENDER_H

#include <libpq-fe.h>

#include "buf.h"

/* Column order of every query that returns workflow rows. */
enum wf_col {
	WF_SERVER_ID, WF_OWNER_ID, WF_DOC, WF_VERSION, WF_CREATED_AT,
	WF_UPDATED_AT, WF_AGENT_ID, WF_ENDPOINT, WF_DASHBOARD_URL,
	WF_DEPLOYED_AT, WF_SEQ, WF_LIVE_VERSION, WF_COL__MAX
};

void	workflow_render(struct buf *, PGresult *, int row);

#endif
