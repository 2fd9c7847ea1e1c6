"""Executions that wait (the engine issue, part 2; SPEC §7): an approval
step stops a run (202, an intervention); answering it lets any executor go
on from the next step; pause, resume and cancel; asynchronous runs from the
queue; approval links; timeouts kept by one sweeper."""
import json
import threading
import time
import urllib.parse

from pylib.stack import wait_for

EXPENSE = {
    "name": "Expense claim",
    "inputSchema": {"type": "object", "required": ["amount", "who"],
                    "properties": {"amount": {"type": "number"},
                                   "who": {"type": "string"}}},
    "tools": [
        {"toolId": "in", "name": "Input", "type": "input", "config": {}},
        {"toolId": "store", "name": "Store claim", "type": "db_insert",
         "config": {"collection": "claims",
                    "document": {"amount": "{{input.amount}}", "who": "{{input.who}}"}}},
        {"toolId": "approve", "name": "Manager approves", "type": "approval",
         "config": {"prompt": "Pay {{input.who}} {{input.amount}}?"}},
        {"toolId": "out", "name": "Respond", "type": "response",
         "config": {"status": 200, "body": {
             "paid": "{{input.amount}}", "decision": "{{steps.approve.response}}",
             "by": "{{steps.approve.answeredBy}}", "claim": "{{steps.store.id}}"}}},
    ],
    "executionOrder": ["in", "store", "approve", "out"],
}


# These tests' workflows belong to an owner of their own ("erin"), so that
# other files' lists of alice's workflows stay as they were.
OWNER = "erin"


def keys(s):
    if "erin" not in s.keys:
        s.keys["erin"] = s.admin("key", "create", OWNER).strip()
        s.keys["erin_ro"] = s.admin("key", "create", OWNER, "read").strip()
    return s.keys


class As:
    """The stack with another default key: s's requests as owner erin."""
    def __init__(self, s, key="erin"):
        self.s, self.key = s, key
        keys(s)

    def __getattr__(self, name):
        return getattr(self.s, name)

    def request(self, method, path, body=None, key=None, **kw):
        k = self.key if key is None else None if key == NOKEY else key
        return self.s.request(method, path, body=body, key=k, **kw)

    def get(self, path, key=None, **kw):
        return self.request("GET", path, key=key, **kw)

    def post(self, path, body=None, key=None, **kw):
        return self.request("POST", path, body=body, key=key, **kw)


NOKEY = "no-key"   # As(...).post(..., key=NOKEY): no Authorization at all


def workflow(s, doc=EXPENSE, key="erin"):
    keys(s)
    r = s.post("/mcp/servers", doc, key=key)
    assert r.status == 201, r
    sid = r.json["serverId"]
    r = s.post(f"/mcp/servers/{sid}/runtime/start", key=key)
    assert r.status == 200, r
    return sid


def with_approval(config, extra_tools=()):
    doc = json.loads(json.dumps(EXPENSE))
    doc["tools"][2]["config"] = config
    return doc


def execution(s, exe, key="erin"):
    r = s.get(f"/api/v1/executions/{exe}", key=key)
    assert r.status == 200, r
    return r.json


def settled(s, exe, status, timeout=15, key="erin"):
    """Waits until the execution has status; returns it."""
    got = wait_for(lambda: (e := execution(s, exe, key)) and e["status"] == status and e,
                   timeout=timeout)
    assert got, f"{exe} is {execution(s, exe, key)['status']}, not {status}"
    return got


def test_approval_story(s):
    s = As(s)
    sid = workflow(s)
    r = s.post(f"/mcp/servers/{sid}/run", {"input": {"amount": 42, "who": "Ann"}})
    assert r.status == 202, r
    d = r.json
    exe = d["executionId"]
    assert d["status"] == "waiting" and d["statusUrl"] == f"/api/v1/executions/{exe}", d
    (iv,) = d["interventions"]
    assert iv["prompt"] == "Pay Ann 42?" and iv["options"] == ["approve", "deny"], iv
    assert iv["status"] == "pending" and iv["link"].startswith(s.url + "/approve/"), iv
    steps = [(x["toolId"], x["status"]) for x in d["steps"]]
    assert steps == [("in", "succeeded"), ("store", "succeeded"), ("approve", "waiting")], steps
    # The claim is stored already: the run's writes commit with its wait.
    assert s.sql("select count(*) from documents where collection = 'claims'") != "0"
    e = execution(s, exe)
    assert e["status"] == "waiting" and e["output"] is None, e
    lst = s.get(f"/api/v1/executions/{exe}/interventions").json
    assert lst["status"] == "waiting" and [x["id"] for x in lst["items"]] == [iv["id"]], lst
    # A response that is not an option is refused and changes nothing.
    before = s.digest()
    r = s.post(f"/api/v1/executions/{exe}/interventions/{iv['id']}", {"response": "maybe"})
    assert r.status == 400 and r.json["error"]["details"][0]["path"] == "/response", r
    assert s.digest() == before
    # Another owner cannot even see it.
    r = s.post(f"/api/v1/executions/{exe}/interventions/{iv['id']}",
               {"response": "approve"}, key="bob")
    assert r.status == 404, r
    r = s.post(f"/api/v1/executions/{exe}/interventions/{iv['id']}",
               {"response": "approve", "notes": "ok by me"})
    assert r.status == 200 and r.json["interventionStatus"] == "approved", r
    e = settled(s, exe, "succeeded")
    assert e["httpStatus"] == 200 and e["output"]["decision"] == "approve", e
    assert e["output"]["by"] == OWNER and e["output"]["paid"] == 42, e
    assert [x["status"] for x in e["steps"]] == ["succeeded"] * 4, e["steps"]
    # A second answer to an answered intervention is a conflict.
    r = s.post(f"/api/v1/executions/{exe}/interventions/{iv['id']}", {"response": "approve"})
    assert r.status == 409, r
    # The claim was stored once, before the wait, and not again.
    assert s.sql("select count(*) from documents where collection = 'claims' and data->>'who' = 'Ann'") == "1"


def test_deny_cancels_and_can_continue(s):
    s = As(s)
    sid = workflow(s)
    exe = s.post(f"/mcp/servers/{sid}/run", {"input": {"amount": 5, "who": "Bo"}}).json["executionId"]
    iv = s.get(f"/api/v1/executions/{exe}/interventions").json["items"][0]
    r = s.post(f"/api/v1/executions/{exe}/interventions/{iv['id']}", {"response": "deny"})
    assert r.status == 200 and r.json["status"] == "cancelled", r
    e = execution(s, exe)
    assert e["status"] == "cancelled" and e["error"]["code"] == "denied", e
    sid2 = workflow(s, with_approval({"prompt": "ok?", "onDeny": "continue"}))
    exe = s.post(f"/mcp/servers/{sid2}/run", {"input": {"amount": 5, "who": "Cy"}}).json["executionId"]
    iv = s.get(f"/api/v1/executions/{exe}/interventions").json["items"][0]
    s.post(f"/api/v1/executions/{exe}/interventions/{iv['id']}", {"response": "deny"})
    assert settled(s, exe, "succeeded")["output"]["decision"] == "deny"


def test_form_and_who_may_answer(s):
    s = As(s)
    doc = with_approval({"prompt": "How much?", "form": {
        "type": "object", "required": ["amount"],
        "properties": {"amount": {"type": "integer", "minimum": 1}}},
        "allowSelfApproval": False, "required": 2,
        "approvers": {"owners": ["bob"], "scopes": ["run"]}})
    sid = workflow(s, doc)
    exe = s.post(f"/mcp/servers/{sid}/run", {"input": {"amount": 9, "who": "Di"}}).json["executionId"]
    iv = s.get(f"/api/v1/executions/{exe}/interventions").json["items"][0]
    assert iv["form"]["required"] == ["amount"] and iv["required"] == 2, iv
    url = f"/api/v1/executions/{exe}/interventions/{iv['id']}"
    other = s.admin("key", "create", OWNER, "read,run").strip()
    # The key that started the run may not approve it.
    assert s.post(url, {"response": {"amount": 3}}).status == 403
    # A read-only key of the owner lacks the run scope.
    assert s.post(url, {"response": {"amount": 3}}, key="erin_ro").status == 403
    r = s.post(url, {"response": {"amount": 0}}, key=other)
    assert r.status == 400 and r.json["error"]["details"][0]["path"].startswith("/response"), r
    r = s.post(url, {"response": {"amount": 3}}, key=other)
    assert r.status == 200 and r.json["interventionStatus"] == "pending", r
    # The same key again is a conflict; the second approver completes it.
    assert s.post(url, {"response": {"amount": 4}}, key=other).status == 409
    assert execution(s, exe)["status"] == "waiting"
    r = s.post(url, {"response": {"amount": 7}}, key="bob")
    assert r.status == 200 and r.json["interventionStatus"] == "approved", r
    e = settled(s, exe, "succeeded")
    assert e["output"]["decision"] == {"amount": 7}, e


def test_fifty_concurrent_answers_one_wins(s):
    s = As(s)
    sid = workflow(s)
    exe = s.post(f"/mcp/servers/{sid}/run", {"input": {"amount": 1, "who": "Ed"}}).json["executionId"]
    iv = s.get(f"/api/v1/executions/{exe}/interventions").json["items"][0]
    url = f"/api/v1/executions/{exe}/interventions/{iv['id']}"
    keys = [s.admin("key", "create", OWNER, "read,run").strip() for _ in range(50)]
    codes = []
    lock = threading.Lock()

    def answer(k):
        r = s.post(url, {"response": "approve"}, key=k)
        with lock:
            codes.append(r.status)
    ts = [threading.Thread(target=answer, args=(k,)) for k in keys]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert sorted(codes) == [200] + [409] * 49, codes
    settled(s, exe, "succeeded")
    assert s.sql("select json_array_length(approvals) from interventions where id = :'p0'",
                 iv["id"]) == "1"


def test_link_answers_once_without_a_key(s):
    s = As(s)
    sid = workflow(s)
    d = s.post(f"/mcp/servers/{sid}/run", {"input": {"amount": 3, "who": "Flo"}}).json
    link = d["interventions"][0]["link"]
    token = link.rsplit("/", 1)[1]
    r = s.get(f"/api/v1/links/{token}", key=NOKEY)
    assert r.status == 200 and r.json["intervention"]["prompt"] == "Pay Flo 3?", r
    # A forged token is not found.
    bad = token[:-4] + ("0000" if not token.endswith("0000") else "1111")
    assert s.get(f"/api/v1/links/{bad}", key=NOKEY).status == 404
    r = s.post(f"/api/v1/links/{token}", {"response": "approve"}, key=NOKEY)
    assert r.status == 200, r
    assert s.post(f"/api/v1/links/{token}", {"response": "approve"}, key=NOKEY).status in (404, 409)
    assert settled(s, d["executionId"], "succeeded")["output"]["by"] == "link"


def test_pause_resume_cancel_transitions(s):
    s = As(s)
    sid = workflow(s)
    exe = s.post(f"/mcp/servers/{sid}/run", {"input": {"amount": 2, "who": "Gus"}}).json["executionId"]
    r = s.post(f"/api/v1/executions/{exe}/resume")
    assert r.status == 409 and r.json["status"] == "waiting", r
    r = s.post(f"/api/v1/executions/{exe}/pause")
    assert r.status == 200 and r.json["status"] == "paused", r
    # Answered while paused: recorded, but it goes on only once resumed.
    iv = s.get(f"/api/v1/executions/{exe}/interventions").json["items"][0]
    r = s.post(f"/api/v1/executions/{exe}/interventions/{iv['id']}", {"response": "approve"})
    assert r.status == 200 and r.json["status"] == "paused", r
    time.sleep(0.5)
    assert execution(s, exe)["status"] == "paused"
    r = s.post(f"/api/v1/executions/{exe}/resume")
    assert r.status == 200 and r.json["status"] == "running", r
    settled(s, exe, "succeeded")
    for act in ("pause", "resume", "cancel"):
        r = s.post(f"/api/v1/executions/{exe}/{act}")
        assert r.status == 409 and r.json["status"] == "succeeded", (act, r)
    exe = s.post(f"/mcp/servers/{sid}/run", {"input": {"amount": 2, "who": "Hal"}}).json["executionId"]
    r = s.post(f"/api/v1/executions/{exe}/cancel")
    assert r.status == 200 and r.json["status"] == "cancelled", r
    assert s.get(f"/api/v1/executions/{exe}/interventions").json["items"] == []
    assert s.post(f"/api/v1/executions/{exe}/pause", key="bob").status == 404


def test_async_run_from_the_queue(s):
    s = As(s)
    sid = workflow(s)
    r = s.post(f"/mcp/servers/{sid}/executions", {"input": {"amount": 8, "who": "Ivy"}})
    assert r.status == 202 and r.json["status"] == "running", r
    exe = r.json["executionId"]
    e = settled(s, exe, "waiting")
    iv = s.get(f"/api/v1/executions/{exe}/interventions").json["items"][0]
    s.post(f"/api/v1/executions/{exe}/interventions/{iv['id']}", {"response": "approve"})
    assert settled(s, exe, "succeeded")["output"]["paid"] == 8
    # A stopped runtime refuses; an unknown workflow is not found.
    s.post(f"/mcp/servers/{sid}/runtime/stop")
    assert s.post(f"/mcp/servers/{sid}/executions", {"input": {}}).status == 409
    assert s.post("/mcp/servers/mcp_doesnotexist00/executions", {"input": {}}).status == 404


def test_timeouts_continue_and_cancel(s):
    s = As(s)
    sid_c = workflow(s, with_approval({"prompt": "quick?", "timeout": 1, "onTimeout": "continue"}))
    sid_x = workflow(s, with_approval({"prompt": "quick?", "timeout": 1, "onTimeout": "cancel"}))
    a = s.post(f"/mcp/servers/{sid_c}/run", {"input": {"amount": 1, "who": "J"}}).json["executionId"]
    b = s.post(f"/mcp/servers/{sid_x}/run", {"input": {"amount": 1, "who": "K"}}).json["executionId"]
    e = settled(s, a, "succeeded", timeout=20)
    assert e["output"]["decision"] is None, e
    e = settled(s, b, "cancelled", timeout=20)
    assert e["error"]["code"] == "timeout", e


def test_deployed_agent_waits_and_a_link_answers(s):
    """The runtime runs the same engine: a call that reaches the approval is
    answered 202 with its status URL; the platform sees the intervention
    with its signed link; whoever holds the link answers without a key; the
    runtime's executors go on and the status URL gives the output."""
    s = As(s)
    sid = workflow(s)
    r = s.post(f"/mcp/servers/{sid}/deploy", {})
    assert r.status == 200, r
    agent = r.json["agentId"]
    r = s.post(f"/agents/{agent}", {"amount": 11, "who": "Lou"}, key=NOKEY)
    assert r.status == 202 and r.json["status"] == "waiting", r
    status_url = r.json["statusUrl"]
    assert status_url.startswith(f"{s.url}/agents/{agent}/executions/exe_"), status_url
    assert r.json["interventions"][0]["prompt"] == "Pay Lou 11?", r
    assert "link" not in r.json["interventions"][0], r  # the caller is not the approver
    path = status_url[len(s.url):]
    assert s.get(path, key=NOKEY).json["status"] == "waiting"
    # Without the token (or the agent's key) the status is not readable.
    assert s.get(path.split("?")[0], key=NOKEY).status == 401
    platform = open(f"{s.run}/platform.key").read().strip()
    items = s.get(f"/mcp/agents/{agent}/interventions", key=platform).json["items"]
    assert len(items) == 1 and items[0]["executionId"] == r.json["executionId"], items
    link = items[0]["intervention"]["link"]
    assert link.startswith(f"{s.url}/agents/{agent}/links/"), link
    lpath = link[len(s.url):]
    assert s.get(lpath, key=NOKEY).json["intervention"]["prompt"] == "Pay Lou 11?"
    r = s.post(lpath, {"response": "approve"}, key=NOKEY)
    assert r.status == 200 and r.json["status"] == "running", r
    done = wait_for(lambda: (x := s.get(path, key=NOKEY).json)["status"] == "succeeded" and x,
                    timeout=15)
    assert done and done["output"]["paid"] == 11 and done["output"]["by"] == "link", done
    assert s.post(lpath, {"response": "approve"}, key=NOKEY).status in (404, 409)
    # The page behind a link is served (the token is read by the page).
    page = s.get("/approve/whatever", key=NOKEY)
    assert page.status == 200 and b"approve.js" in page.body, page


def test_schema_discovery(s):
    """A workflow's input and output schemas, a tool type's metadata, and
    what a key may do, each at its own route."""
    s = As(s)
    doc = json.loads(json.dumps(EXPENSE))
    doc["tools"][3]["outputSchema"] = {"type": "object", "properties": {"paid": {}}}
    sid = workflow(s, doc)
    d = s.get(f"/mcp/servers/{sid}/schema").json
    assert d["inputSchema"]["required"] == ["amount", "who"], d
    assert d["outputSchema"]["properties"] == {"paid": {}} and d["version"] == 1, d
    assert s.get(f"/mcp/servers/{sid}/schema", key="bob").status == 404
    t = s.get("/api/v1/tools/approval").json
    assert t["type"] == "approval" and t["waitsForPeople"] is True, t
    assert "prompt" in t["configSchema"]["properties"], t
    assert s.get("/api/v1/tools/jwtGenerate").json["type"] == "jwt_sign"
    assert s.get("/api/v1/tools/nosuch").status == 404
    me = s.get("/api/v1/me", key="erin_ro").json
    assert me["ownerId"] == OWNER and me["scopes"] == ["read"], me
    allowed = {(a["method"], a["path"]) for a in me["allows"]}
    assert ("GET", "/mcp/servers/:serverId") in allowed, allowed
    assert ("POST", "/mcp/servers/:serverId/run") not in allowed, allowed
    assert s.get("/api/v1/me", key=NOKEY).status == 401


def test_chat_run_that_waits(s):
    s = As(s)
    sid = workflow(s)
    r = s.post("/api/v1/chat", {"message": 'run it with {"amount": 4, "who": "Mo"}',
                                "serverId": sid})
    assert r.status == 200 and r.json["intent"] == "run", r
    ex = r.json["execution"]
    assert ex["status"] == "waiting" and ex["interventions"][0]["prompt"] == "Pay Mo 4?", ex
    assert "waits for a person" in r.json["reply"], r.json


def test_the_readme_expense_example(s):
    """examples/expense.json, as the README's walk-through runs it."""
    import os
    s = As(s)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    sid = workflow(s, json.load(open(os.path.join(root, "examples", "expense.json"))))
    d = s.post(f"/mcp/servers/{sid}/run", {"input": {"amount": 42, "who": "Ann"}}).json
    assert d["status"] == "waiting" and d["interventions"][0]["prompt"] == "Pay Ann 42?", d
    assert d["interventions"][0]["expiresAt"], d
    iv = d["interventions"][0]["id"]
    r = s.post(f"/api/v1/executions/{d['executionId']}/interventions/{iv}",
               {"response": "approve", "notes": "ok"})
    assert r.json == {"executionId": d["executionId"], "interventionId": iv,
                      "interventionStatus": "approved", "status": "running"}, r.json
    e = settled(s, d["executionId"], "succeeded")
    assert e["output"]["paid"] == 42 and e["output"]["decision"] == "approve", e
