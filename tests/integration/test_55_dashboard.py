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
    assert r.json["dashboardUrl"].endswith(f"/dashboard/{aid}"), r.json
    statuses = []
    for i in range(N):
        r = s.post(f"/agents/{aid}", {} if i in FAILS else {"name": f"n{i}"}, key=None)
        statuses.append(r.status)
    assert statuses == [400 if i in FAILS else 200 for i in range(N)], statuses
    # Invocations reach the table through the log writer's batches (≤ 100 ms).
    assert wait_for(lambda: s.sql("select count(*) from archestra.invocations "
                                  "where agent_id = :'p0'", aid) == str(N), timeout=5)
    _agent.update(id=aid, server_id=sid, statuses=statuses)
    return _agent


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
    r = s.get(f"/dashboard/{a['id']}/data?minutes=60", key=None)
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
        r = s.get(f"/dashboard/{aid}/data?minutes={minutes}", key=None)
        assert r.status == 200 and r.json["minutes"] == minutes, r
        assert r.json["stats"]["calls"] == N
    r = s.get(f"/dashboard/{aid}/data", key=None)
    assert r.status == 200 and r.json["minutes"] == 60, r
    for bad in ("0", "10081", "x"):
        r = s.get(f"/dashboard/{aid}/data?minutes={bad}", key=None)
        assert r.status == 400 and r.json["error"]["code"] == "bad_request", (bad, r)


def test_dashboard_data_unknown_agent(s):
    r = s.get("/dashboard/agent_nosuchagent0000/data?minutes=60", key=None)
    assert r.status == 404, r
    assert r.header("Content-Type").startswith("application/json")
    assert r.json["error"]["code"] == "not_found", r.json


def test_dashboard_agent_without_calls(s):
    """A fresh agent: zero calls, zero percentiles, nothing recent."""
    r = s.post("/mcp/servers", dict(GREETER, name="Quiet agent"))
    assert r.status == 201, r
    r = s.post(f"/mcp/servers/{r.json['serverId']}/deploy", {"ownerId": "alice"})
    assert r.status == 200, r
    d = s.get(f"/dashboard/{r.json['agentId']}/data", key=None).json
    assert d["stats"] == {"calls": 0, "errors": 0, "latencyUs": {"p50": 0, "p95": 0, "p99": 0},
                          "series": [], "recent": []}, d


def test_dashboard_shows_the_workflow_version_served(s):
    """The agent's own version counts replacements; the page shows the
    workflow version it serves (v3 after two edits and a redeploy)."""
    r = s.post("/mcp/servers", dict(GREETER, name="Versioned agent"))
    assert r.status == 201, r
    sid = r.json["serverId"]
    aid = s.post(f"/mcp/servers/{sid}/deploy", {"ownerId": "alice"}).json["agentId"]
    for i in range(2):
        w = s.get(f"/mcp/servers/{sid}").json
        w["description"] = f"edit {i}"
        assert s.put(f"/mcp/servers/{sid}", w).status == 200
    a = s.get(f"/dashboard/{aid}/data", key=None).json["agent"]
    assert (a["version"], a["workflowVersion"]) == (1, 1), a
    assert s.post(f"/mcp/servers/{sid}/redeploy", {}).status == 200
    a = s.get(f"/dashboard/{aid}/data", key=None).json["agent"]
    assert (a["version"], a["workflowVersion"]) == (2, 3), a


def test_dashboard_minutes_must_be_a_plain_number(s):
    a = deployed_agent(s)
    for bad in ("60abc", "-5", "0", "99999", "1e3"):
        r = s.get(f"/dashboard/{a['id']}/data?minutes={bad}", key=None)
        assert r.status == 400 and r.json["error"]["code"] == "bad_request", (bad, r)
