#include <string.h>

#include "wfrender.h"

static void
field(struct buf *b, const char *name, PGresult *res, int row, int col)
{
	const char *v = PQgetvalue(res, row, col);

	buf_printf(b, ",\"%s\":", name);
	if (PQgetisnull(res, row, col))
		buf_puts(b, "null");
	else
		buf_put_json_string(b, v, (size_t)PQgetlength(res, row, col));
}

/*
 * Appends the document of one row: serverId, the stored members (name,
 * description, inputSchema, tools, executionOrder), then ownerId, version,
 * timestamps and, once deployed, the four archestra* fields and
 * archestraVersion, the version its active deployment serves (the workflow
 * may have changed since, or an older version been rolled back to).
 */
void
workflow_render(struct buf *b, PGresult *res, int row)
{
	const char *doc = PQgetvalue(res, row, WF_DOC);
	size_t n = (size_t)PQgetlength(res, row, WF_DOC);

	buf_puts(b, "{\"serverId\":");
	buf_put_json_string(b, PQgetvalue(res, row, WF_SERVER_ID),
	    (size_t)PQgetlength(res, row, WF_SERVER_ID));
	/* doc is a canonical non-empty object "{...}": take its members. */
	if (n > 2 && doc[0] == '{' && doc[n - 1] == '}') {
		buf_putc(b, ',');
		buf_put(b, doc + 1, n - 2);
	}
	field(b, "ownerId", res, row, WF_OWNER_ID);
	buf_printf(b, ",\"version\":%s", PQgetvalue(res, row, WF_VERSION));
	field(b, "createdAt", res, row, WF_CREATED_AT);
	field(b, "updatedAt", res, row, WF_UPDATED_AT);
	if (!PQgetisnull(res, row, WF_AGENT_ID)) {
		field(b, "archestraAgentId", res, row, WF_AGENT_ID);
		field(b, "archestraEndpoint", res, row, WF_ENDPOINT);
		field(b, "archestraDashboardUrl", res, row, WF_DASHBOARD_URL);
		field(b, "archestraDeployedAt", res, row, WF_DEPLOYED_AT);
		if (!PQgetisnull(res, row, WF_LIVE_VERSION))
			buf_printf(b, ",\"archestraVersion\":%s",
			    PQgetvalue(res, row, WF_LIVE_VERSION));
	}
	buf_putc(b, '}');
}
