"""The agent dashboard (SPEC §6): the static page nginx serves at
/dashboard/<agentId> and the JSON it reads from /dashboard/<agentId>/data,
checked on an agent deployed through the API and called a known number of
times, with known failures."""
import os
import re

from pylib.stack import wait_for

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HTML = os.path.join(ROOT, "nginx", "html")

# Call i fails with 400 (no "name") when i % 4 == 3: 3 errors in 12 calls.
N = 12
FAILS = {i for i in range(N) if i % 4 == 3}

GREETER = {
    "name": "Dashboard <greeter> & \"friends\"",
    "description": "says hello",
    "inputSchema": {"type": "object", "required": ["name"],
                    "properties": {"name": {"type": "string"}}},
    "tools": [
        {"toolId": "in", "name": "Input", "type": "input", "config": {}},
        {"toolId": "out", "name": "Respond", "type": "response",
         "config": {"status": 200, "body": {"hello": "{{input.name}}"}}},
    ],
    "executionOrder": ["in", "out"],
}

_agent = {}


def deployed_agent(s):
    """One agent for this file: deployed once, called N times."""
    if _agent:
        return _agent
    r = s.post("/mcp/servers", GREETER)
    assert r.status == 201, r
    sid = r.json["serverId"]
    r = s.post(f"/mcp/servers/{sid}/deploy", {"ownerId": "alice"})
    assert r.status == 200 and r.json["success"] is True, r
    aid = r.json["agentId"]
    m = re.search(rf"/dashboard/{aid}#token=(dsh_[0-9a-f]{{32}})$", r.json["dashboardUrl"])
    assert m, r.json
    token = m.group(1)
    statuses = []
    for i in range(N):
        r = s.post(f"/agents/{aid}", {} if i in FAILS else {"name": f"n{i}"}, key=None)
        statuses.append(r.status)
    assert statuses == [400 if i in FAILS else 200 for i in range(N)], statuses
    # Invocations reach the table through the log writer's batches (≤ 100 ms).
    assert wait_for(lambda: s.sql("select count(*) from archestra.invocations "
                                  "where agent_id = :'p0'", aid) == str(N), timeout=5)
    _agent.update(id=aid, server_id=sid, statuses=statuses, token=token)
    return _agent


def data(s, aid, query="", token=None):
    """GET the dashboard data of aid with its share token (default: this file's agent's)."""
    token = token or _agent["token"]
    return s.get(f"/dashboard/{aid}/data{query}", key=None,
                 headers={"Authorization": f"Bearer {token}"})


def test_dashboard_page_is_served(s):
    aid = deployed_agent(s)["id"]
    r = s.get(f"/dashboard/{aid}", key=None)
    assert r.status == 200, r
    assert r.header("Content-Type").startswith("text/html"), r.headers
    page = r.body.decode()
    assert '<script type="module" src="/dashboard.js"></script>' in page
    assert '<link rel="stylesheet" href="/dashboard.css">' in page
    assert page == open(os.path.join(HTML, "dashboard.html")).read()
    # Any agent id gets the page; the page itself says when there is no such agent.
    r = s.get("/dashboard/agent_nosuchagent0000", key=None)
    assert r.status == 200 and r.body.decode() == page
    # Its assets, with their types.
    for path, ctype in (("/dashboard.js", "application/javascript"),
                        ("/dashboard.css", "text/css")):
        r = s.get(path, key=None)
        assert r.status == 200 and r.header("Content-Type").startswith(ctype), (path, r)
        assert r.body == open(os.path.join(HTML, path[1:]), "rb").read()


def test_dashboard_assets_are_self_contained(s):
    """No CDN, one fetch (the data URL), no HTML parsing of data."""
    page = open(os.path.join(HTML, "dashboard.html")).read()
    js = open(os.path.join(HTML, "dashboard.js")).read()
    css = open(os.path.join(HTML, "dashboard.css")).read()
    urls = re.findall(r"https?://[^\s\"'`)]+", page + js + css)
    assert set(urls) <= {"http://www.w3.org/2000/svg"}, urls
    assert len(re.findall(r"\bfetch\(", js)) == 1
    assert "/data?minutes=" in js
    assert not re.search(r"\.(inner|outer)HTML\s*=|insertAdjacentHTML|document\.write|"
                         r"\beval\(|new Function", js)
    # Accessible structure: headings, table headers, labelled chart, live status.
    assert "<h1" in page and page.count("<h2") >= 3
    assert page.count('<th scope="col"') == 5
    assert 'role="status"' in page and 'role="alert"' in page
    assert '"aria-label"' in js and 'role: "img"' in js
    for minutes in ("15", "60", "1440"):
        assert f'value="{minutes}"' in page


def test_dashboard_data_counts_calls(s):
    a = deployed_agent(s)
    r = data(s, a["id"], "?minutes=60")
    assert r.status == 200, r
    assert r.header("Content-Type").startswith("application/json")
    d = r.json
    agent = dict(d["agent"])
    created = agent.pop("createdAt")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", created), d
    assert agent == {"agentId": a["id"], "name": GREETER["name"], "version": 1,
                     "isolation": "shared", "workflowVersion": 1}, d
    assert d["minutes"] == 60
    st = d["stats"]
    assert st["calls"] == N, st
    assert st["errors"] == len(FAILS), st
    lat = st["latencyUs"]
    assert set(lat) == {"p50", "p95", "p99"}, lat
    assert all(isinstance(v, int) and v > 0 for v in lat.values()), lat
    assert lat["p50"] <= lat["p95"] <= lat["p99"], lat
    # Per minute: the minutes add up to the totals, each ordered.
    assert st["series"], st
    assert sum(p["calls"] for p in st["series"]) == N
    assert sum(p["errors"] for p in st["series"]) == len(FAILS)
    ts = [p["t"] for p in st["series"]]
    assert ts == sorted(ts) and all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z", t)
                                    for t in ts), ts
    for p in st["series"]:
        assert p["p50"] <= p["p95"] <= p["p99"], p
    # Recent: every call, newest first, with its status and error.
    rec = st["recent"]
    assert len(rec) == N, rec
    assert [x["status"] for x in rec] == list(reversed(a["statuses"])), rec
    for x in rec:
        assert x["channel"] == "http" and isinstance(x["latencyUs"], int) and x["latencyUs"] > 0
        assert (x["error"] is None) == (x["status"] < 400), x
        if x["error"] is not None:   # one field missing: "1 problem", in plain words
            assert x["error"].endswith("(1 problem)"), x
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", x["at"]), x
    ats = [x["at"] for x in rec]
    assert ats == sorted(ats, reverse=True), ats


def test_dashboard_data_windows(s):
    aid = deployed_agent(s)["id"]
    for minutes in (15, 1440):
        r = data(s, aid, f"?minutes={minutes}")
        assert r.status == 200 and r.json["minutes"] == minutes, r
        assert r.json["stats"]["calls"] == N
    r = data(s, aid)
    assert r.status == 200 and r.json["minutes"] == 60, r
    for bad in ("0", "10081", "x"):
        r = data(s, aid, f"?minutes={bad}")
        assert r.status == 400 and r.json["error"]["code"] == "bad_request", (bad, r)


def test_dashboard_data_unknown_agent(s):
    # With the platform key (what deploys agents): 404. Without a key the
    # answer is the same 401 as for an agent that exists.
    r = data(s, "agent_nosuchagent0000", "?minutes=60", token=open(
        os.path.join(s.run, "platform.key")).read().strip())
    assert r.status == 404, r
    assert r.header("Content-Type").startswith("application/json")
    assert r.json["error"]["code"] == "not_found", r.json


def test_dashboard_agent_without_calls(s):
    """A fresh agent: zero calls, zero percentiles, nothing recent."""
    r = s.post("/mcp/servers", dict(GREETER, name="Quiet agent"))
    assert r.status == 201, r
    r = s.post(f"/mcp/servers/{r.json['serverId']}/deploy", {"ownerId": "alice"})
    assert r.status == 200, r
    token = r.json["dashboardUrl"].split("#token=")[1]
    d = data(s, r.json["agentId"], token=token).json
    assert d["stats"] == {"calls": 0, "errors": 0, "latencyUs": {"p50": 0, "p95": 0, "p99": 0},
                          "series": [], "recent": []}, d


def test_dashboard_shows_the_workflow_version_served(s):
    """The agent's own version counts replacements; the page shows the
    workflow version it serves (v3 after two edits and a redeploy)."""
    r = s.post("/mcp/servers", dict(GREETER, name="Versioned agent"))
    assert r.status == 201, r
    sid = r.json["serverId"]
    d = s.post(f"/mcp/servers/{sid}/deploy", {"ownerId": "alice"}).json
    aid, token = d["agentId"], d["dashboardUrl"].split("#token=")[1]
    for i in range(2):
        w = s.get(f"/mcp/servers/{sid}").json
        w["description"] = f"edit {i}"
        assert s.put(f"/mcp/servers/{sid}", w).status == 200
    a = data(s, aid, token=token).json["agent"]
    assert (a["version"], a["workflowVersion"]) == (1, 1), a
    assert s.post(f"/mcp/servers/{sid}/redeploy", {}).status == 200
    a = data(s, aid, token=token).json["agent"]
    assert (a["version"], a["workflowVersion"]) == (2, 3), a


def test_dashboard_minutes_must_be_a_plain_number(s):
    a = deployed_agent(s)
    for bad in ("60abc", "-5", "0", "99999", "1e3"):
        r = data(s, a["id"], f"?minutes={bad}")
        assert r.status == 400 and r.json["error"]["code"] == "bad_request", (bad, r)


def platform_key(s):
    return open(os.path.join(s.run, "platform.key")).read().strip()


def test_dashboard_data_needs_the_share_token(s):
    """Issue 25 item 8: the data answers the agent's read-only share token
    (given at deploy, in the dashboardUrl) or the platform key, nothing
    else; the token lives as long as the agent, across redeploys."""
    a = deployed_agent(s)
    other = s.post("/mcp/servers", dict(GREETER, name="Other agent")).json["serverId"]
    od = s.post(f"/mcp/servers/{other}/deploy", {"ownerId": "alice"}).json
    other_token = od["dashboardUrl"].split("#token=")[1]
    url = f"/dashboard/{a['id']}/data"
    for h in (None, {"Authorization": "Bearer dsh_" + "0" * 32},
              {"Authorization": "Bearer " + other_token},
              {"Authorization": "Bearer " + s.keys["alice"]},     # an Orchestrix key
              {"Authorization": "Basic " + a["token"]}):
        r = s.get(url, key=None, headers=h)
        assert r.status == 401 and r.json["error"]["code"] == "unauthorized", (h, r)
        assert r.header("WWW-Authenticate") == "Bearer"
        assert b"calls" not in r.body
    assert data(s, a["id"]).status == 200
    assert data(s, a["id"], token=platform_key(s)).status == 200
    # An unknown agent without a key: the same 401 (nothing said of it).
    r = s.get("/dashboard/agent_nosuchagent0000/data", key=None)
    assert r.status == 401, r
    # The owner reads the URL back; a redeploy keeps it, and its token.
    w = s.get(f"/mcp/servers/{a['server_id']}").json
    assert w["archestraDashboardUrl"].endswith(f"/dashboard/{a['id']}#token={a['token']}"), w
    r = s.post(f"/mcp/servers/{a['server_id']}/redeploy", {})
    assert r.status == 200 and r.json["dashboardUrl"] == w["archestraDashboardUrl"], r
    assert data(s, a["id"]).status == 200
    # The page itself is the same static file; it reads the token from the
    # fragment (which no request carries) and sends it as Bearer.
    js = open(os.path.join(HTML, "dashboard.js")).read()
    assert 'location.hash' in js and "Authorization: `Bearer ${state.token}`" in js


def test_refused_calls_to_an_agent_are_logged(s):
    """Issue 25 item 5: every call that reaches an agent is on its dashboard,
    the ones refused before the graph runs too -- not JSON, not an object,
    another media type, a bad query, a wrong or missing access key, a
    malformed MCP message (the battery saw 45 of 50 before)."""
    platform = {"Authorization": "Bearer " + platform_key(s)}
    pkg = {"name": "keyed", "tools": [{"toolId": "r", "name": "r", "handler": {
        "type": "response", "config": {"status": 200, "body": {"ok": True}}}}],
        "executionOrder": ["r"], "inputSchema": {"type": "object"}, "accessKey": "k" * 24}
    made = s.request("POST", "/mcp/agents", body=pkg, key=None, headers=platform).json
    aid, token = made["agentId"], made["dashboardToken"]
    ep = f"/agents/{aid}"
    J = {"Content-Type": "application/json", "Authorization": "Bearer " + "k" * 24}
    calls = [
        ("POST", ep, b"{bad", J), ("POST", ep, b"[]", J), ("POST", ep, b"null", J),
        ("POST", ep, b'"x"', J), ("POST", ep, b"1", J),
        ("POST", ep, b"<x/>", dict(J, **{"Content-Type": "application/xml"})),
        ("POST", ep + "?a=%00", b"{}", J), ("POST", ep + "?a=1&a=2", b"{}", J),
        ("POST", ep, b"{}", {"Content-Type": "application/json"}),
        ("POST", ep, b"{}", dict(J, Authorization="Bearer " + "k" * 23 + "x")),
        ("POST", ep + "/mcp", b"{bad", dict(J, Accept="application/json, text/event-stream")),
        ("POST", ep + "/mcp", b"{}", {"Accept": "application/json, text/event-stream",
                                      "Content-Type": "application/json"}),
    ]
    seen = []
    for i in range(50):
        method, path, body, h = calls[i % len(calls)]
        r = s.request(method, path, key=None, raw=body, headers=h)
        assert 400 <= r.status < 500, (calls[i % len(calls)], r)
        seen.append(r.status)
    assert wait_for(lambda: data(s, aid, token=token).json["stats"]["calls"] == 50, timeout=10), \
        (data(s, aid, token=token).json["stats"]["calls"], seen)
    st = data(s, aid, token=token).json["stats"]
    assert st["errors"] == 50, st
    recent = st["recent"]
    assert {x["status"] for x in recent} <= {400, 401, 415}, recent
    assert all(x["error"] for x in recent), recent
    assert {x["channel"] for x in recent} == {"http", "mcp"}, recent
    # An id that names no agent is not logged: anyone could fill the log so.
    for body in (b"{bad", b"[]"):
        s.request("POST", "/agents/agent_nosuchagent0000", key=None, raw=body)
    assert s.sql("select count(*) from archestra.invocations "
                 "where agent_id = 'agent_nosuchagent0000'") == "0"
