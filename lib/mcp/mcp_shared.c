/*
 * The MCP layer's shared memory (lib/mcp/mcp_shared.h).
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <unistd.h>

#include "mcp_shared.h"

/*
 * After a session ended or changed here: every worker's cache (this one's
 * too) drops what it holds at its next MCP request. NULL: no shared memory.
 */
void
mcp_sessions_changed(struct mcp_shared *m)
{
	if (m != NULL)
		atomic_fetch_add(&m->session_changes, 1);
}

/*
 * Claims a slot for a stream that only waits (an SSE GET), so that idle
 * clients never hold more than limit of the program's workers. Slots of
 * workers that died are taken back on the way. Returns the slot (pass it to
 * mcp_stream_release) or -1 when limit streams are held already, or there
 * is no shared memory.
 */
int
mcp_stream_claim(struct mcp_shared *m, int limit)
{
	int held = 0, free_slot = -1, me = (int)getpid();

	if (m == NULL)
		return -1;
	for (int i = 0; i < MCP_STREAM_SLOTS; i++) {
		int pid = atomic_load(&m->stream_pid[i]);
		if (pid != 0 && kill(pid, 0) == -1 && errno == ESRCH)
			(void)atomic_compare_exchange_strong(&m->stream_pid[i], &pid, 0);
		pid = atomic_load(&m->stream_pid[i]);
		if (pid != 0)
			held++;
		else if (free_slot < 0)
			free_slot = i;
	}
	while (held < limit && free_slot >= 0 && free_slot < MCP_STREAM_SLOTS) {
		int zero = 0;
		if (atomic_compare_exchange_strong(&m->stream_pid[free_slot], &zero, me))
			return free_slot;
		free_slot++;
	}
	return -1;
}

void
mcp_stream_release(struct mcp_shared *m, int slot)
{
	if (m != NULL && slot >= 0 && slot < MCP_STREAM_SLOTS)
		atomic_store(&m->stream_pid[slot], 0);
}
