/*
 * What the MCP layer keeps in memory shared by a program's workers (the
 * program puts it in its shared page and points app->mcp_shared at it):
 * a counter of sessions ended or changed, which drops every worker's
 * session cache (mcp_cache.h), and the slots of workers holding an idle
 * stream (an SSE GET), so idle clients never pin more than a limit of them.
 */
#ifndef ORX_MCP_SHARED_H
#define ORX_MCP_SHARED_H

#include <stdatomic.h>

#define MCP_STREAM_SLOTS	128

struct mcp_shared {
	atomic_ullong	session_changes;
	atomic_int	stream_pid[MCP_STREAM_SLOTS];   /* 0 = free */
};

void	mcp_sessions_changed(struct mcp_shared *);
int	mcp_stream_claim(struct mcp_shared *, int limit);
void	mcp_stream_release(struct mcp_shared *, int slot);

#endif
