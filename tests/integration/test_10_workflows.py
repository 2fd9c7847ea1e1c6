"""Workflows through nginx: create, read, list, update, delete, validation,
auth and ownership (issue 2; SPEC §3, §5)."""
import copy
import json
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SIGNUP = json.load(open(os.path.join(ROOT, "examples", "signup.json")))


def envelope(r, status, code):
    assert r.status == status, r
    e = r.json["error"]
    assert e["code"] == code, r
    assert isinstance(e["message"], str) and e["message"], r
    return e


def create(s, doc=None, key="alice"):
    r = s.post("/mcp/servers", doc or SIGNUP, key=key)
    assert r.status == 201, r
    return r.json


def test_healthz(s):
    r = s.get("/healthz", key=None)
    assert r.status == 200, r
    assert r.json == {"status": "ok", "database": "up"}


def test_create_returns_the_document(s):
    d = create(s)
    assert re.fullmatch(r"mcp_[a-z2-7]{20}", d["serverId"]), d
    assert d["version"] == 1 and d["ownerId"] == "alice"
    assert d["name"] == SIGNUP["name"] and d["description"] == SIGNUP["description"]
    assert d["inputSchema"] == SIGNUP["inputSchema"]
    assert d["tools"] == SIGNUP["tools"]
    assert d["executionOrder"] == SIGNUP["executionOrder"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", d["createdAt"])
    assert "archestraAgentId" not in d
    assert list(d)[:6] == ["serverId", "name", "description", "inputSchema", "tools",
                           "executionOrder"]
    r = s.get(f"/mcp/servers/{d['serverId']}")
    assert r.status == 200 and r.json == d, r
    assert s.sql("select count(*) from workflow_versions where server_id = :'p0'",
                 d["serverId"]) == "1"


def test_seed_aliases_are_stored_canonically(s):
    doc = copy.deepcopy(SIGNUP)
    doc["tools"][3]["type"] = "dbInsert"
    d = create(s, doc)
    assert d["tools"][3]["type"] == "db_insert"


def test_list_is_paginated_in_creation_order(s):
    ids = [create(s, dict(SIGNUP, name=f"page {i}"), key="bob")["serverId"] for i in range(5)]
    seen, cursor, pages = [], None, 0
    while True:
        q = "/mcp/servers?limit=2" + (f"&cursor={cursor}" if cursor else "")
        r = s.get(q, key="bob")
        assert r.status == 200, r
        seen += [w["serverId"] for w in r.json["items"]]
        assert len(r.json["items"]) <= 2
        pages += 1
        cursor = r.json["nextCursor"]
        if cursor is None:
            break
    assert seen == ids and pages == 3, (seen, ids)
    envelope(s.get("/mcp/servers?limit=0", key="bob"), 400, "bad_request")
    envelope(s.get("/mcp/servers?limit=101", key="bob"), 400, "bad_request")
    envelope(s.get("/mcp/servers?cursor=abc", key="bob"), 400, "bad_request")
    # Newest first (the UI's list), paged the same way.
    seen, cursor = [], None
    while True:
        q = "/mcp/servers?order=newest&limit=2" + (f"&cursor={cursor}" if cursor else "")
        r = s.get(q, key="bob")
        assert r.status == 200, r
        seen += [w["serverId"] for w in r.json["items"]]
        cursor = r.json["nextCursor"]
        if cursor is None:
            break
    assert seen == ids[::-1], (seen, ids)
    assert [w["serverId"] for w in s.get("/mcp/servers?order=oldest", key="bob").json["items"]] == ids
    envelope(s.get("/mcp/servers?order=name", key="bob"), 400, "bad_request")


def test_update_bumps_version_and_refuses_stale_writes(s):
    d = create(s)
    sid = d["serverId"]
    d2 = dict(d, name="Sign up, renamed")
    r = s.put(f"/mcp/servers/{sid}", d2)
    assert r.status == 200, r
    assert r.json["version"] == 2 and r.json["name"] == "Sign up, renamed"
    assert r.json["createdAt"] == d["createdAt"]
    # The same body again carries version 1: stale.
    e = envelope(s.put(f"/mcp/servers/{sid}", d2), 409, "version_conflict")
    assert "version 2" in e["message"]
    assert s.get(f"/mcp/servers/{sid}").json["name"] == "Sign up, renamed"
    assert s.sql("select string_agg(version::text, ',' order by version) from "
                 "workflow_versions where server_id = :'p0'", sid) == "1,2"
    assert s.sql("select doc->>'name' from workflow_versions where server_id = :'p0' "
                 "and version = 1", sid) == "Sign up"
    no_version = {k: v for k, v in d.items() if k != "version"}
    envelope(s.put(f"/mcp/servers/{sid}", no_version), 400, "validation_failed")
    other = create(s)["serverId"]
    envelope(s.put(f"/mcp/servers/{sid}", dict(d2, version=2, serverId=other)), 400,
             "bad_request")


def test_delete(s):
    sid = create(s)["serverId"]
    r = s.delete(f"/mcp/servers/{sid}")
    assert r.status == 204 and r.body == b"", r
    envelope(s.get(f"/mcp/servers/{sid}"), 404, "not_found")
    envelope(s.delete(f"/mcp/servers/{sid}"), 404, "not_found")
    assert s.sql("select count(*) from workflow_versions where server_id = :'p0'", sid) == "0"


def test_validation_lists_every_problem(s):
    doc = {
        "name": "",
        "bogus": 1,
        "tools": [
            {"toolId": "a", "type": "input", "config": {}},
            {"toolId": "a", "type": "teleport", "config": {}},
            {"toolId": "9bad", "type": "response", "config": []},
            {"toolId": "b", "type": "transform",
             "config": {"x": "{{steps.c.y}}", "y": "{{steps.ghost.z}}", "z": "{{nope}}"}},
            {"toolId": "c", "type": "response", "config": {}},
            {"toolId": "d", "type": "response", "config": {}},
        ],
        "executionOrder": ["a", "b", "b", "zz", "c"],
    }
    before = s.digest()
    e = envelope(s.post("/mcp/servers", doc), 400, "validation_failed")
    got = {(d["path"], d["message"].split(" ")[0]) for d in e["details"]}
    paths = {d["path"] for d in e["details"]}
    for p in ["/name", "/bogus", "/tools/1/toolId", "/tools/1/type", "/tools/2/toolId",
              "/tools/2/config", "/executionOrder/2", "/executionOrder/3",
              "/tools/3/config/x", "/tools/3/config/y", "/tools/3/config/z"]:
        assert p in paths, (p, e["details"])
    assert any("missing from executionOrder" in d["message"] for d in e["details"]), got
    assert any("does not run before" in d["message"] for d in e["details"])
    assert s.digest() == before


def test_auth(s):
    envelope(s.get("/mcp/servers", key=None), 401, "unauthorized")
    r = s.get("/mcp/servers", key="orx_doesnotexist")
    envelope(r, 401, "unauthorized")
    assert r.header("WWW-Authenticate", ) is not None
    envelope(s.get("/mcp/servers", key=None, headers={"Authorization": "Basic YTpi"}),
             401, "unauthorized")
    # A read-only key reads but does not write.
    assert s.get("/mcp/servers", key="alice_ro").status == 200
    envelope(s.post("/mcp/servers", SIGNUP, key="alice_ro"), 403, "forbidden")
    # A revoked key stops working at once.
    key = s.admin("key", "create", "carol").strip()
    assert s.get("/mcp/servers", key=key).status == 200
    kid = s.sql("select id from api_keys where owner_id = 'carol'")
    s.admin("key", "revoke", kid)
    envelope(s.get("/mcp/servers", key=key), 401, "unauthorized")


def test_another_owners_workflow_is_not_found(s):
    sid = create(s, key="alice")["serverId"]
    before = s.digest()
    envelope(s.get(f"/mcp/servers/{sid}", key="bob"), 404, "not_found")
    d = s.get(f"/mcp/servers/{sid}").json
    del d["ownerId"]
    envelope(s.put(f"/mcp/servers/{sid}", d, key="bob"), 404, "not_found")
    envelope(s.delete(f"/mcp/servers/{sid}", key="bob"), 404, "not_found")
    assert sid not in [w["serverId"] for w in s.get("/mcp/servers?limit=100", key="bob").json["items"]]
    assert s.digest() == before


def test_owner_id_field_must_match(s):
    d = create(s, dict(SIGNUP, ownerId="alice"))
    assert d["ownerId"] == "alice"
    before = s.digest()
    envelope(s.post("/mcp/servers", dict(SIGNUP, ownerId="bob")), 403, "forbidden")
    envelope(s.get(f"/mcp/servers/{d['serverId']}?ownerId=bob"), 403, "forbidden")
    assert s.get(f"/mcp/servers/{d['serverId']}?ownerId=alice").status == 200
    envelope(s.post("/mcp/servers", dict(SIGNUP, ownerId=7)), 400, "bad_request")
    assert s.digest() == before


def test_sql_metacharacters_are_data(s):
    evil = "x'); drop table workflows; -- \" \\ $1 %s {{"
    doc = copy.deepcopy(SIGNUP)
    doc["name"] = "Robert'); DROP TABLE workflows;--"
    doc["description"] = evil.replace("{{", "{ {")
    doc["tools"][0]["name"] = "O'Brien \"quoted\" \\ back"
    doc["tools"][3]["config"]["document"].update({"note": "'; select pg_sleep(10); --",
                                                  "k'ey": "v"})
    d = create(s, doc)
    r = s.get(f"/mcp/servers/{d['serverId']}")
    assert r.json["name"] == doc["name"]
    assert r.json["description"] == doc["description"]
    assert r.json["tools"][0] == doc["tools"][0]
    assert r.json["tools"][3] == doc["tools"][3]
    assert s.sql("select count(*) from pg_tables where tablename = 'workflows'") == "1"
    # In the path and the query, too.
    envelope(s.get("/mcp/servers/mcp_aaaaaaaa'%3B--"), 400, "invalid_parameter")
    envelope(s.get("/mcp/servers?cursor=1'%20or%20'1'='1"), 400, "bad_request")
