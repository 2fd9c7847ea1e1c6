#include "tools.h"

/* Approvals pause an execution for a person; they come with interventions. */
int
tool_approval_run(struct tool_ctx *ctx)
{
	return tool_fail(ctx, 501, "not_implemented",
	    "approval steps are not available in this version");
}
