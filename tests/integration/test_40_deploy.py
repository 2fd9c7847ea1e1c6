"""Deploy to Archestra (issue 4): the seed route's exact shapes, the bundled
runtime's public endpoint, every client error produced for real, concurrent
deploys, redeploy / rollback / undeploy / history, per-agent keys, limits."""
import http.client
import http.server
import json
import os
import re
import socketserver
import threading
import time
import urllib.parse

from pylib.jwt import jwt_verify
from pylib.stack import free_port, wait_for

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
JWT_KEY = "deploy-signing-key-0123456789abcdef"


def example(name):
    return json.load(open(os.path.join(ROOT, "examples", f"{name}.json")))


def new_workflow(s, doc=None, key="alice"):
    r = s.post("/mcp/servers", doc or example("signup"), key=key)
    assert r.status == 201, r
    sid = r.json["serverId"]
    assert s.put(f"/mcp/servers/{sid}/secrets/jwtKey", {"value": JWT_KEY}, key=key).status == 204
    return sid


def deploy(s, sid, key="alice", owner="alice"):
    return s.post(f"/mcp/servers/{sid}/deploy", {"ownerId": owner}, key=key)


def call(s, endpoint, body, headers=None):
    path = urllib.parse.urlparse(endpoint).path
    return s.request("POST", path, key=None, raw=json.dumps(body).encode(),
                     headers=headers or {})


def attempts(s, sid):
    return s.sql("select string_agg(action || ':' || outcome || ':' || coalesce(http_status::text, '-') "
                 "|| ':' || coalesce(error, '-'), '|' order by id) from deploy_attempts "
                 "where server_id = :'p0'", sid)


def test_deploy_seed_shapes_and_public_endpoint(s):
    sid = new_workflow(s)
    r = deploy(s, sid)
    assert r.status == 200, r
    d = r.json
    assert set(d) >= {"success", "serverId", "agentId", "endpoint", "dashboardUrl", "deployedAt"}
    assert d["success"] is True and d["serverId"] == sid
    assert d["agentId"].startswith("agent_")
    assert d["endpoint"] == f"http://127.0.0.1:{s.port}/agents/{d['agentId']}"
    # The dashboard's page, with its read-only share token in the fragment.
    assert re.fullmatch(rf"http://127\.0\.0\.1:{s.port}/dashboard/{d['agentId']}"
                        r"#token=dsh_[0-9a-f]{32}", d["dashboardUrl"]), d["dashboardUrl"]
    w = s.get(f"/mcp/servers/{sid}").json
    assert (w["archestraAgentId"], w["archestraEndpoint"], w["archestraDashboardUrl"],
            w["archestraDeployedAt"]) == (d["agentId"], d["endpoint"], d["dashboardUrl"],
                                          d["deployedAt"])
    # A second deploy: the seed's 400 with the existing agent.
    r = deploy(s, sid)
    assert r.status == 400, r
    assert r.json == {"error": "Server already deployed to Archestra", "agentId": d["agentId"],
                      "endpoint": d["endpoint"], "dashboardUrl": d["dashboardUrl"]}
    # The endpoint runs the graph, with no key (public by default).
    r = call(s, d["endpoint"], {"email": "bob@example.com", "password": "secret123",
                                "name": "Bob"})
    assert r.status == 200, r
    assert r.json["success"] is True and r.json["user"]["email"] == "bob@example.com"
    claims = jwt_verify(r.json["token"], JWT_KEY)
    assert claims["email"] == "bob@example.com"
    r = call(s, d["endpoint"], {"email": "bob@example.com", "password": "secret123",
                                "name": "Bob"})
    assert r.status == 409 and r.json["error"]["code"] == "duplicate", r
    r = call(s, d["endpoint"], {"email": "nope", "password": "x", "name": "B"})
    assert r.status == 400 and {e["path"] for e in r.json["error"]["details"]} == \
        {"/email", "/password"}, r
    # curl's default form content type works with a JSON body.
    r = s.request("POST", urllib.parse.urlparse(d["endpoint"]).path, key=None,
                  raw=b'{"email":"cy@example.com","password":"secret123","name":"Cy"}',
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 200, r
    # Invocations are logged (in batches, within 100 ms), with latency.
    wait_for(lambda: s.sql("select count(*) from archestra.invocations where agent_id = :'p0'",
                           d["agentId"]) == "4", timeout=5)
    # In call order: each worker has its own log ring, so ids follow the
    # writer's drain, not the calls.
    rows = s.sql("select string_agg(status::text, ',' order by at) from archestra.invocations "
                 "where agent_id = :'p0'", d["agentId"])
    assert rows == "200,409,400,200", rows
    assert s.sql("select count(*) from archestra.invocations where agent_id = :'p0' "
                 "and latency_us > 0", d["agentId"]) == "4"
    # The runtime keeps its own documents: the owner's, in production.
    for email in ("bob@example.com", "cy@example.com"):
        assert s.count_docs("users", "email", email, environment="production",
                            runtime=True) == 1
        assert s.count_docs("users", "email", email) == 0
    assert attempts(s, sid) == "deploy:succeeded:201:-|deploy:refused:400:already deployed"
    assert s.sql("select status || ':' || version from deployments where server_id = :'p0'",
                 sid) == "active:1"


def test_unknown_agent_and_bad_ids(s):
    r = s.request("POST", "/agents/agent_doesnotexist00", key=None, raw=b"{}")
    assert r.status == 404 and r.json["error"]["code"] == "not_found", r
    r = s.request("POST", "/agents/nope", key=None, raw=b"{}")
    assert r.status == 400, r
    r = s.request("POST", "/agents/agent_doesnotexist00", key=None, raw=b"{bad")
    assert r.status in (400, 404), r


def test_deployment_api_needs_the_platform_key(s):
    pkg = {"name": "x", "tools": [{"toolId": "r", "name": "r",
                                    "handler": {"type": "response", "config": {}}}],
           "executionOrder": ["r"], "inputSchema": {"type": "object"}}
    r = s.request("POST", "/mcp/agents", body=pkg, key=None)
    assert r.status == 401 and r.json["error"]["code"] == "unauthorized", r
    r = s.request("POST", "/mcp/agents", body=pkg, key="wrong-platform-key")
    assert r.status == 401, r
    platform = open(os.path.join(s.run, "platform.key")).read().strip()
    bad = dict(pkg, tools=[{"toolId": "r", "handler": {"type": "warp", "config": {}}}])
    r = s.request("POST", "/mcp/agents", body=bad, key=platform)
    assert r.status == 422 and r.json["error"]["code"] == "validation_failed", r
    assert "/tools/0/handler/type" in {e["path"] for e in r.json["error"]["details"]}, r.json
    # Idempotency: the same key twice gives the same agent.
    h = {"Idempotency-Key": "test-idem-1"}
    a = s.request("POST", "/mcp/agents", body=pkg, key=platform, headers=h)
    b = s.request("POST", "/mcp/agents", body=pkg, key=platform, headers=h)
    assert a.status == 201 and b.status == 201 and a.json["agentId"] == b.json["agentId"], (a, b)
    g = s.request("GET", f"/mcp/agents/{a.json['agentId']}", key=platform)
    assert g.status == 200 and g.json["name"] == "x" and g.json["version"] == 1, g
    # Per-agent key: the endpoint then needs it as Bearer.
    prot = s.request("POST", "/mcp/agents", body=dict(pkg, accessKey="k" * 24), key=platform)
    assert prot.status == 201, prot
    ep = f"/agents/{prot.json['agentId']}"
    assert s.request("POST", ep, key=None, raw=b"{}").status == 401
    assert s.request("POST", ep, key="k" * 23 + "x", raw=b"{}").status == 401
    assert s.request("POST", ep, key="k" * 24, raw=b"{}").status == 200
    assert s.request("DELETE", f"/mcp/agents/{a.json['agentId']}", key=platform).status == 204
    assert wait_for(lambda: s.request("POST", f"/agents/{a.json['agentId']}", key=None,
                                      raw=b"{}").status == 404, timeout=5)


class Fault(http.server.BaseHTTPRequestHandler):
    """Stands in for a broken Archestra: slow, 500, garbage, a bad agent id."""
    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        self.rfile.read(n)
        if self.path.startswith("/slow"):
            time.sleep(3)
        if self.path.startswith("/500"):
            self.send_response(500)
            self.end_headers()
            self.wfile.write(b"boom")
            return
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        if self.path.startswith("/garbage"):
            self.wfile.write(b"<html>not json")
        elif self.path.startswith("/badid"):
            self.wfile.write(b'{"agentId":"x","publicEndpoint":"http://a/b","dashboardUrl":"http://a/c"}')
        else:
            self.wfile.write(b'{"agentId":"agent_faultfaultfault","publicEndpoint":"http://127.0.0.1/x",'
                             b'"dashboardUrl":"http://127.0.0.1/y"}')

    def log_message(self, *a):
        pass


def test_every_client_error_for_real(s):
    class Quiet(socketserver.ThreadingTCPServer):
        def handle_error(self, request, client_address):
            pass  # the slow case's client hangs up first: expected
    srv = Quiet(("127.0.0.1", 0), Fault)
    srv.daemon_threads = True
    fport = srv.server_address[1]
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    closed = free_port()
    platform = open(os.path.join(s.run, "platform.key")).read().strip()
    local = f"http://127.0.0.1:{s.port}/mcp/agents"
    cases = [
        ({"ARCHESTRA_API_KEY": ""}, "API key not configured", None),
        ({"ARCHESTRA_API_KEY": "arc_wrong"}, "Unauthorized", 401),
        ({"ARCHESTRA_DEPLOYMENT_ENDPOINT": f"http://127.0.0.1:{closed}/mcp/agents"},
         "Network request failed", None),
        ({"ARCHESTRA_DEPLOYMENT_ENDPOINT": f"http://127.0.0.1:{fport}/slow",
          "ORX_HTTP_TIMEOUT_MS": "500"}, "Network request failed", None),
        ({"ARCHESTRA_DEPLOYMENT_ENDPOINT": f"http://127.0.0.1:{fport}/500"},
         "Archestra answered 500", 500),
        ({"ARCHESTRA_DEPLOYMENT_ENDPOINT": f"http://127.0.0.1:{fport}/garbage"},
         "Archestra answered an unreadable response (HTTP 201)", 201),
        ({"ARCHESTRA_DEPLOYMENT_ENDPOINT": f"http://127.0.0.1:{fport}/badid"},
         "Archestra answered an unreadable response (HTTP 201)", 201),
    ]
    sid = new_workflow(s)
    try:
        for settings, reason, http_status in cases:
            s.reconfigure("orchestrix", dict({"ARCHESTRA_API_KEY": platform,
                                              "ARCHESTRA_DEPLOYMENT_ENDPOINT": local},
                                             **settings))
            before = s.get(f"/mcp/servers/{sid}").json
            r = deploy(s, sid)
            assert r.status == 500, (settings, r)
            assert r.json == {"success": False,
                              "error": f"Failed to deploy to Archestra: {reason}"}, (settings, r)
            assert s.get(f"/mcp/servers/{sid}").json == before  # nothing half-written
            last = s.sql("select outcome || '|' || coalesce(http_status::text, '-') || '|' || error "
                         "from deploy_attempts where server_id = :'p0' order by id desc limit 1",
                         sid)
            assert last == f"failed|{http_status or '-'}|{reason}", last
        assert s.sql("select count(*) from deployments where server_id = :'p0'", sid) == "0"
    finally:
        s.reconfigure("orchestrix", {})
        srv.shutdown()
    # Healed: the same workflow deploys now.
    assert deploy(s, sid).status == 200


def test_concurrent_deploys_exactly_one_wins(s):
    sid = new_workflow(s)
    results = []

    def go():
        r = deploy(s, sid)
        results.append((r.status, r.json))
    threads = [threading.Thread(target=go) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted(st for st, _ in results)
    assert statuses == [200, 400, 400, 400, 400], results
    winner = [j for st, j in results if st == 200][0]
    for st, j in results:
        if st == 400:
            assert j["error"] == "Server already deployed to Archestra"
            assert j["agentId"] == winner["agentId"]
    n = s.sql("select count(*) from archestra.agents where metadata->>'serverId' = :'p0'", sid)
    assert n == "1", n


def test_redeploy_rollback_undeploy_and_history(s):
    sid = new_workflow(s)
    d = deploy(s, sid).json
    ep = d["endpoint"]
    w = s.get(f"/mcp/servers/{sid}").json
    # v2 answers 201 instead of 200.
    w2 = json.loads(json.dumps(w))
    w2["tools"][-1]["config"]["status"] = 201
    assert s.put(f"/mcp/servers/{sid}", w2).status == 200
    # The document says which version the agent serves: still 1 after the edit.
    assert s.get(f"/mcp/servers/{sid}").json["archestraVersion"] == 1
    listed = [x for x in s.get("/mcp/servers?limit=100").json["items"] if x["serverId"] == sid]
    assert listed[0]["version"] == 2 and listed[0]["archestraVersion"] == 1, listed
    r = s.post(f"/mcp/servers/{sid}/redeploy", {})
    assert r.status == 200 and r.json["agentId"] == d["agentId"] and r.json["version"] == 2, r
    assert r.json["endpoint"] == ep
    assert s.get(f"/mcp/servers/{sid}").json["archestraVersion"] == 2
    # A document read back and sent again (archestraVersion with it) saves.
    back = s.get(f"/mcp/servers/{sid}").json
    r = s.put(f"/mcp/servers/{sid}", back)
    assert r.status == 200 and r.json["version"] == 3 and r.json["archestraVersion"] == 2, r
    assert wait_for(lambda: call(s, ep, {"email": f"v2{time.time()}@example.com",
                                         "password": "secret123", "name": "V"}).status == 201,
                    timeout=5)
    r = s.post(f"/mcp/servers/{sid}/rollback", {"version": 1})
    assert r.status == 200 and r.json["version"] == 1, r
    assert s.get(f"/mcp/servers/{sid}").json["archestraVersion"] == 1
    assert wait_for(lambda: call(s, ep, {"email": f"v1{time.time()}@example.com",
                                         "password": "secret123", "name": "V"}).status == 200,
                    timeout=5)
    assert s.post(f"/mcp/servers/{sid}/rollback", {"version": 99}).status == 404
    h = s.get(f"/mcp/servers/{sid}/deployments").json["items"]
    assert [(i["version"], i["status"]) for i in h] == [(1, "active"), (2, "superseded"),
                                                       (1, "superseded")], h
    # Deleting a deployed workflow is refused; undeploy first.
    assert s.delete(f"/mcp/servers/{sid}").status == 409
    r = s.delete(f"/mcp/servers/{sid}/deploy")
    assert r.status == 200 and r.json == {"success": True}, r
    assert not {"archestraAgentId", "archestraVersion"} & set(s.get(f"/mcp/servers/{sid}").json)
    assert wait_for(lambda: call(s, ep, {}).status == 404, timeout=5)
    assert s.get(f"/mcp/servers/{sid}/deployments").json["items"][0]["status"] == "undeployed"
    assert s.delete(f"/mcp/servers/{sid}/deploy").status == 409
    assert s.post(f"/mcp/servers/{sid}/redeploy", {}).status == 409
    # Deploying again makes a new agent.
    d2 = deploy(s, sid).json
    assert d2["agentId"] != d["agentId"]


def test_deployments_page_with_limit_and_cursor(s):
    """Issue 25 item 2: /deployments honours limit and cursor, as the other lists."""
    sid = new_workflow(s)
    assert deploy(s, sid).status == 200
    for _ in range(4):
        assert s.post(f"/mcp/servers/{sid}/redeploy").status == 200
    whole = s.get(f"/mcp/servers/{sid}/deployments").json
    assert len(whole["items"]) == 5 and whole["nextCursor"] is None, whole
    ids, cursor, pages = [], None, 0
    while True:
        q = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = s.get(f"/mcp/servers/{sid}/deployments{q}").json
        assert len(page["items"]) <= 2, page
        ids += [d["id"] for d in page["items"]]
        pages += 1
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert pages == 3 and ids == [d["id"] for d in whole["items"]], (pages, ids)
    assert ids == sorted(ids, reverse=True)   # newest first
    for bad in ("limit=0", "limit=101", "limit=x", "cursor=-1", "cursor=1e3"):
        r = s.get(f"/mcp/servers/{sid}/deployments?{bad}")
        assert r.status == 400 and r.json["error"]["code"] == "bad_request", (bad, r)


def test_agent_changed_by_another_host_is_picked_up(s):
    """Another runtime host sharing the database changes an agent (here: by
    SQL and the NOTIFY such a change sends). Every worker here had the old
    plan cached; the log writer hears the NOTIFY and the workers drop it."""
    sid = new_workflow(s)
    d = deploy(s, sid).json
    ep, agent = d["endpoint"], d["agentId"]

    def status():
        return call(s, ep, {"email": f"h{time.time()}@example.com", "password": "secret123",
                            "name": "H"}).status
    assert [status() for _ in range(12)] == [200] * 12   # cached by the workers
    doc = json.loads(s.sql("select doc::text from archestra.agents where id = :'p0'", agent))
    doc["tools"][-1]["config"]["status"] = 202
    s.sql("update archestra.agents set doc = :'p1'::json, version = version + 1 "
          "where id = :'p0'; select pg_notify('agents', :'p0')", agent, json.dumps(doc))
    assert wait_for(lambda: status() == 202, timeout=5)
    assert [status() for _ in range(12)] == [202] * 12   # on every worker


def test_deploy_auth_and_ownership(s):
    sid = new_workflow(s)
    assert deploy(s, sid, key="bob", owner="bob").status == 404
    r = deploy(s, sid, owner="bob")
    assert r.status == 403, r
    assert deploy(s, sid, key="alice_ro").status == 403
    assert deploy(s, sid, key=None).status == 401
    assert s.sql("select count(*) from deploy_attempts where server_id = :'p0'", sid) == "0"


def test_rate_limit_and_body_limit(s):
    sid = new_workflow(s, example("contact"))
    ep = deploy(s, sid).json["endpoint"]
    path = urllib.parse.urlparse(ep).path
    big = b'{"message":"' + b"x" * (2 * 1024 * 1024) + b'"}'
    r = s.request("POST", path, key=None, raw=big, headers={"Content-Type": "application/json"})
    assert r.status == 413 and r.json["error"]["code"] == "payload_too_large", r


def quick_calls(s, path, n, **kw):
    """n calls as fast as one client makes them: (statuses, seconds taken)."""
    t0 = time.monotonic()
    st = [s.request("POST", path, key=None, raw=b'{"name":"q","email":"q@example.com",'
                    b'"password":"secret123"}', **kw) for _ in range(n)]
    return st, time.monotonic() - t0


def test_agent_rate_set_at_deploy_holds_across_workers(s):
    """Issue 25 item 7: a deployment's rateLimit is the agent's, enforced in
    the runtime's shared memory -- one bucket for all of the host's workers
    (three here: per-worker buckets would let three bursts through)."""
    doc = {"name": "rated", "tools": [{"toolId": "r", "name": "R", "type": "response",
           "config": {"status": 200, "body": {"ok": True}}}], "executionOrder": ["r"]}
    sid = new_workflow(s, doc)
    before = attempts(s, sid)
    for bad in ({"perSecond": 0}, {"perSecond": "5"}, {"perSecond": 5, "burst": 0},
                {"perSecond": 5, "burst": 1.5}, {"perSecond": 5, "extra": 1}, [5], "fast"):
        r = s.post(f"/mcp/servers/{sid}/deploy", {"ownerId": "alice", "rateLimit": bad})
        assert r.status == 400 and r.json["error"]["code"] == "validation_failed", (bad, r)
        assert r.json["error"]["details"][0]["path"].startswith("/rateLimit"), r.json
    assert attempts(s, sid) == before   # refused before anything was tried or recorded
    r = s.post(f"/mcp/servers/{sid}/deploy", {"ownerId": "alice",
                                              "rateLimit": {"perSecond": 1, "burst": 3}})
    assert r.status == 200, r
    aid, path = r.json["agentId"], urllib.parse.urlparse(r.json["endpoint"]).path
    platform = {"Authorization": "Bearer " + open(os.path.join(s.run, "platform.key")).read().strip()}
    got = s.get(f"/mcp/agents/{aid}", key=None, headers=platform).json
    assert got["rateLimit"] == {"perSecond": 1, "burst": 3}, got
    statuses, took = quick_calls(s, path, 12)
    ok = sum(1 for r in statuses if r.status == 200)
    # The burst, and one more per second that the calls took (not asserted: bounded).
    assert 3 <= ok <= 3 + int(took) + 1, ([r.status for r in statuses], took)
    limited = [r for r in statuses if r.status == 429]
    assert limited and all(r.json["error"]["code"] == "rate_limited" and
                           r.header("Retry-After") == "1" for r in limited), limited[:2]
    assert "1 calls per second" in limited[0].json["error"]["message"], limited[0]
    # Refused calls are in the agent's log, as 429.
    assert wait_for(lambda: s.sql("select count(*) from archestra.invocations where "
                                  "agent_id = :'p0' and status = 429", aid) == str(len(limited)),
                    timeout=10)
    # A redeploy without rateLimit keeps it; with null it goes.
    assert s.post(f"/mcp/servers/{sid}/redeploy", {}).status == 200
    got = s.get(f"/mcp/agents/{aid}", key=None, headers=platform).json
    assert got["rateLimit"] == {"perSecond": 1, "burst": 3} and got["version"] == 2, got
    assert s.post(f"/mcp/servers/{sid}/redeploy", {"rateLimit": None}).status == 200
    assert s.get(f"/mcp/agents/{aid}", key=None, headers=platform).json["rateLimit"] is None
    statuses, _ = quick_calls(s, path, 12)
    assert all(r.status == 200 for r in statuses), [r.status for r in statuses]


def test_one_client_cannot_take_an_agents_whole_rate(s):
    """Issue 25 item 7: nginx limits each client address per agent
    (ORX_CLIENT_RATE, under the agent's ORX_AGENT_RATE): a client that
    floods an agent is refused while another address still gets through."""
    doc = {"name": "shared", "tools": [{"toolId": "r", "name": "R", "type": "response",
           "config": {"status": 200, "body": {"ok": True}}}], "executionOrder": ["r"]}
    sid = new_workflow(s, doc)
    path = urllib.parse.urlparse(deploy(s, sid).json["endpoint"]).path
    s.nginx_reload(ORX_CLIENT_RATE="2")
    try:
        statuses, took = quick_calls(s, path, 15)
        ok = sum(1 for r in statuses if r.status == 200)
        assert 2 <= ok <= 2 + 2 * (int(took) + 1), ([r.status for r in statuses], took)
        limited = [r for r in statuses if r.status == 429]
        assert limited and all(r.json["error"]["code"] == "rate_limited" for r in limited)
        # Another client address (loopback has 127.0.0.0/8), at once: served.
        other = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10,
                                           source_address=("127.0.0.2", 0))
        other.request("POST", path, body=b"{}", headers={"Content-Type": "application/json"})
        assert other.getresponse().status == 200
        other.close()
    finally:
        s.nginx_reload(ORX_CLIENT_RATE="1000")


def test_metrics_take_an_optional_token(s):
    """Issue 25 item 8: with ORX_METRICS_TOKEN set, both programs' metrics
    answer only that Bearer token."""
    for prog in ("orchestrix", "runtime"):
        s.reconfigure(prog, {"ORX_METRICS_TOKEN": "metrics-token-0123456789"})
    try:
        for path in ("/metrics", "/runtime/metrics"):
            for h in (None, {"Authorization": "Bearer wrong"},
                      {"Authorization": "Bearer " + s.keys["alice"]}):
                r = s.get(path, key=None, headers=h)
                assert r.status == 401 and r.json["error"]["code"] == "unauthorized", (path, h, r)
                assert r.header("WWW-Authenticate") == "Bearer"
            r = s.get(path, key=None,
                      headers={"Authorization": "Bearer metrics-token-0123456789"})
            assert r.status == 200 and "orx_http_requests_total" in r.body.decode(), (path, r)
    finally:
        for prog in ("orchestrix", "runtime"):
            s.reconfigure(prog, {})
    assert s.get("/metrics", key=None).status == 200   # unset: open, as before


def commit_writes(s):
    body = s.get("/runtime/metrics", key=None).body.decode()
    line = [x for x in body.splitlines() if x.startswith("orx_runtime_commit_writes_total ")]
    assert line, body
    return int(line[0].split()[1])


def test_concurrent_calls_commit_together_and_each_gets_its_answer(s):
    """Calls that insert at the same moment share a statement (group commit,
    cgi-bin/runtime/commit.c): each still gets its own document, id and
    token, and of six calls with one email exactly one wins."""
    doc = json.load(open(os.path.join(ROOT, "tests", "bench", "signup-lite.json")))
    owner = s.owner("group")   # the users below are this owner's alone
    sid = new_workflow(s, doc, key=owner)
    d = deploy(s, sid, key=owner, owner=owner).json
    before = commit_writes(s)
    bodies = [{"email": f"u{i}@example.com", "name": f"U{i}"} for i in range(24)]
    bodies += [{"email": "same@example.com", "name": f"Same{i}"} for i in range(6)]
    results = [None] * len(bodies)
    gate = threading.Barrier(len(bodies))

    def go(i):
        gate.wait()
        results[i] = call(s, d["endpoint"], bodies[i])
    threads = [threading.Thread(target=go, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for body, r in zip(bodies[:24], results[:24]):
        assert r.status == 200, (body, r)
        assert jwt_verify(r.json["token"], JWT_KEY)["sub"] == r.json["id"]
        assert s.sql("select data->>'email' from archestra.documents where id = :'p0'",
                     r.json["id"]) == body["email"]
    same = sorted(r.status for r in results[24:])
    assert same == [200, 409, 409, 409, 409, 409], [r for r in results[24:]]
    for r in results[24:]:
        if r.status == 409:
            assert r.json["error"]["code"] == "duplicate", r
            assert r.json["error"]["details"][0]["path"] == "/email", r
    assert s.count_docs("users", owner=owner, environment="production", runtime=True) == 25
    assert s.sql("select count(*) from archestra.document_keys where owner_id = :'p0'",
                 owner) == "25"
    # Every call's insert went through the group commit (other tests' calls
    # may run meanwhile, hence at least).
    assert commit_writes(s) - before >= 30


def test_runtime_metrics_and_health(s):
    r = s.get("/runtime/metrics", key=None)
    assert r.status == 200 and "orx_agents " in r.body.decode(), r
    assert 'orx_http_requests_total{program="runtime",class="2xx"}' in r.body.decode()
    assert s.get("/runtime/healthz", key=None).json == {"status": "ok", "database": "up"}
