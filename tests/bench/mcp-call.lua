-- tools/call over MCP Streamable HTTP, stateless JSON: the same request for
-- the TS SDK server and for a deployed agent. MCP_TOOL names the tool,
-- MCP_SESSION (optional) is sent as MCP-Session-Id.
dofile(os.getenv("BENCH_DIR") .. "/report.lua")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["MCP-Protocol-Version"] = "2025-11-25"
local sid = os.getenv("MCP_SESSION")
if sid ~= nil and sid ~= "" then wrk.headers["MCP-Session-Id"] = sid end
wrk.body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"' ..
   os.getenv("MCP_TOOL") .. '","arguments":{"email":"fixed.user@example.com","name":"Fixed User"}}}'
