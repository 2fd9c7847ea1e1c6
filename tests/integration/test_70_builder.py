"""The builder and the supervisor (issue 6): workflows created from a prompt
for each template, the round trip text → workflow → start runtime → run →
expected output, edits through POST /api/v1/chat (version + 1 and the
expected change), run / deploy / explain through the chat, and refusals
that change nothing."""
import http.server
import json
import os
import re
import socketserver
import subprocess
import threading
import urllib.parse

from pylib.jwt import jwt_verify

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
JWT_KEY = "builder-signing-key-0123456789abcdef"
LOG_TYPES = {"info", "success", "error"}


def prompt(s, text, key="alice"):
    r = s.post("/mcp/servers", {"prompt": text}, key=key)
    assert r.status == 201, r
    assert re.fullmatch(r"mcp_[a-z2-7]{20}", r.json["serverId"]), r
    assert r.json["version"] == 1 and r.json["ownerId"] == key
    return r.json


def chat(s, message, sid=None, key="alice"):
    body = {"message": message}
    if sid is not None:
        body["serverId"] = sid
    return s.post("/api/v1/chat", body, key=key)


def check_logs(body):
    assert isinstance(body["logs"], list) and body["logs"], body
    for l in body["logs"]:
        assert l["type"] in LOG_TYPES, l
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", l["timestamp"]), l
        assert isinstance(l["message"], str) and l["message"], l


def start(s, sid, secrets=None, key="alice"):
    for name, value in (secrets or {}).items():
        assert s.put(f"/mcp/servers/{sid}/secrets/{name}", {"value": value},
                     key=key).status == 204
    r = s.post(f"/mcp/servers/{sid}/runtime/start", key=key)
    assert r.status == 200 and r.json["status"] == "running", r


def run(s, sid, inp, key="alice"):
    return s.post(f"/mcp/servers/{sid}/run", {"input": inp}, key=key)


def envelope(r, status, code):
    assert r.status == status, r
    assert r.json["error"]["code"] == code, r
    assert isinstance(r.json["error"]["message"], str) and r.json["error"]["message"], r
    return r.json["error"]["message"]


def props(doc):
    return doc["inputSchema"]["properties"]


def test_signup_round_trip(s):
    d = prompt(s, "Create a sign up API with name, email and phone; "
                  "password at least 12 characters")
    assert d["executionOrder"] == ["input", "validate", "hashPassword", "insertUser",
                                   "signToken", "response"]
    assert props(d)["password"]["minLength"] == 12
    assert props(d)["email"]["format"] == "email"
    assert "pattern" in props(d)["phone"]
    tools = {t["toolId"]: t for t in d["tools"]}
    assert tools["validate"]["config"]["rules"]["password"] == ["required", {"minLength": 12}]
    assert tools["insertUser"]["config"]["unique"] == ["email"]
    assert tools["signToken"]["config"]["secret"] == "jwtKey"
    sid = d["serverId"]
    start(s, sid, {"jwtKey": JWT_KEY})
    inp = {"name": "Ann", "email": "ann70@example.com", "phone": "+44 20 7946 0000",
           "password": "a-long-password"}
    r = run(s, sid, inp)
    assert r.status == 201, r
    out = r.json["output"]
    assert out["success"] is True
    assert out["user"]["email"] == "ann70@example.com" and out["user"]["name"] == "Ann"
    assert out["user"]["phone"] == "+44 20 7946 0000" and "password" not in out["user"]
    assert out["user"]["id"].startswith("doc_")
    assert jwt_verify(out["token"], JWT_KEY)["email"] == "ann70@example.com"
    # The constraints from the text hold: a short password, a duplicate email.
    r = run(s, sid, dict(inp, email="bob@example.com", password="short"))
    assert r.status == 400, r
    r = run(s, sid, inp)
    assert r.status == 409, r


def test_login_round_trip(s):
    owner = s.owner("login70")   # nobody has signed up here yet
    d = prompt(s, "build a login endpoint", key=owner)
    assert d["executionOrder"] == ["input", "validate", "findUser", "checkPassword",
                                   "signToken", "response"]
    assert set(props(d)) == {"email", "password"}
    sid = d["serverId"]
    start(s, sid, {"jwtKey": JWT_KEY}, key=owner)
    r = run(s, sid, {"email": "ann@example.com", "password": "whatever"}, key=owner)
    assert r.status == 401, r
    assert r.json["status"] == "failed"
    r = run(s, sid, {"email": "not-an-email", "password": "x"}, key=owner)
    assert r.status == 400, r
    # A sign-up of the same owner writes the users the login reads.
    up = prompt(s, "create a sign up api with email and password", key=owner)["serverId"]
    start(s, up, {"jwtKey": JWT_KEY}, key=owner)
    r = run(s, up, {"email": "ann@example.com", "password": "a-long-password"}, key=owner)
    assert r.status == 201, r
    user = r.json["output"]["user"]["id"]
    r = run(s, sid, {"email": "ann@example.com", "password": "a-long-password"}, key=owner)
    assert r.status == 200, r
    assert jwt_verify(r.json["output"]["token"], JWT_KEY)["sub"] == user
    assert run(s, sid, {"email": "ann@example.com", "password": "whatever"}, key=owner).status == 401


def test_contact_round_trip_via_chat(s):
    r = chat(s, "I need a contact form with name, email and message where the message "
                "is at most 500 characters")
    assert r.status == 201, r
    b = r.json
    assert b["intent"] == "create" and b["serverId"] == b["workflow"]["serverId"]
    assert "template contact form" in b["changes"]
    assert props(b["workflow"])["message"]["maxLength"] == 500
    check_logs(b)
    sid = b["serverId"]
    # The runtime is not started behind the user's back: the same 409 as /run.
    r = chat(s, 'run it with {"name": "Ann", "email": "ann@example.com", "message": "hello"}',
             sid)
    envelope(r, 409, "runtime_stopped")
    start(s, sid)
    r = chat(s, 'run it with {"name": "Ann", "email": "ann@example.com", "message": "hello"}',
             sid)
    assert r.status == 200, r
    b = r.json
    assert b["intent"] == "run" and b["serverId"] == sid
    ex = b["execution"]
    assert ex["status"] == "succeeded" and ex["httpStatus"] == 201
    assert ex["output"]["success"] is True and ex["output"]["id"].startswith("doc_")
    assert ex["executionId"].startswith("exe_")
    check_logs(b)
    # The execution is the same record /run makes.
    r = s.get(f"/api/v1/executions/{ex['executionId']}")
    assert r.status == 200 and r.json["output"] == ex["output"], r
    # A run that fails in the workflow is still a run: 200, its outcome inside.
    r = chat(s, 'run it with {"email": "nope", "message": "' + "x" * 600 + '"}', sid)
    assert r.status == 200, r
    assert r.json["execution"]["status"] == "failed"
    assert r.json["execution"]["httpStatus"] == 400
    assert any(l["type"] == "error" for l in r.json["logs"])
    # No input in the message: asked for, not guessed.
    envelope(chat(s, "run it", sid), 422, "input_required")
    envelope(chat(s, "run it with {broken", sid), 422, "input_required")


def test_crud_and_relay_templates(s):
    # A collection's API is an app: one workflow per endpoint (test_75_apps
    # runs them); a single endpoint keeps the single answer.
    r = s.post("/mcp/servers", {"prompt": "create a CRUD API for the collection orders "
                                          "with item, quantity and price"})
    assert r.status == 201 and r.json["app"] == "Collection API", r
    assert [w["name"] for w in r.json["workflows"]] == [
        "Create order", "Get order", "Update order", "Delete order", "List orders"]
    d = r.json["workflows"][0]
    assert props(d)["quantity"]["type"] == "integer" and props(d)["price"]["type"] == "number"
    d = prompt(s, "an endpoint to create orders with item, quantity and price")
    assert d["name"] == "Create order"
    sid = d["serverId"]
    start(s, sid)
    r = run(s, sid, {"item": "book", "quantity": 2, "price": 9.5})
    assert r.status == 201 and r.json["output"]["item"]["item"] == "book", r
    r = run(s, sid, {"item": "pen"})
    assert r.status == 400, r

    got = []

    class H(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            got.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(202)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"ok":true}')

        def log_message(self, *a):
            pass

    srv = socketserver.TCPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{srv.server_address[1]}/in"
        d = prompt(s, f"relay webhooks to {url}")
        assert d["executionOrder"] == ["input", "relay", "response"]
        assert d["tools"][1]["config"]["url"] == url
        start(s, d["serverId"])
        r = run(s, d["serverId"], {"event": "paid", "amount": 12})
        assert r.status == 200 and r.json["output"] == {"success": True, "status": 202}, r
        assert got == [{"event": "paid", "amount": 12}]
    finally:
        srv.shutdown()
        srv.server_close()


def test_edits_via_chat(s):
    d = prompt(s, "create a sign up api")
    sid = d["serverId"]
    steps = [
        ("add an optional phone field", lambda w: "phone" in props(w) and
         "phone" not in w["inputSchema"]["required"] and
         w["tools"][3]["config"]["document"]["phone"] == "{{input.phone}}"),
        ("require the name to be at least 2 characters", lambda w:
         props(w)["name"]["minLength"] == 2 and
         {"minLength": 2} in w["tools"][1]["config"]["rules"]["name"]),
        ("rename the field phone to mobile", lambda w: "mobile" in props(w) and
         "phone" not in props(w) and
         w["tools"][5]["config"]["body"]["user"]["mobile"] == "{{input.mobile}}"),
        ("remove the mobile field", lambda w: "mobile" not in props(w) and
         "mobile" not in w["tools"][1]["config"]["rules"]),
        ("rename the workflow to 'Join us'", lambda w: w["name"] == "Join us"),
        ("make name optional", lambda w: "name" not in w["inputSchema"]["required"]),
    ]
    for version, (message, ok) in enumerate(steps, start=2):
        r = chat(s, message, sid)
        assert r.status == 200, (message, r)
        b = r.json
        assert b["intent"] == "edit" and b["serverId"] == sid, b
        assert b["workflow"]["version"] == version, (message, b["workflow"]["version"])
        assert b["changes"] and all(isinstance(c, str) for c in b["changes"]), b
        assert ok(b["workflow"]), (message, b["workflow"])
        assert s.get(f"/mcp/servers/{sid}").json == b["workflow"]
        check_logs(b)
    # Still runnable after all that.
    start(s, sid, {"jwtKey": JWT_KEY})
    r = run(s, sid, {"email": "cy70@example.com", "password": "longenough"})
    assert r.status == 201 and r.json["output"]["user"]["email"] == "cy70@example.com", r
    # An edit that cannot be made changes nothing.
    before = s.digest()
    msg = envelope(chat(s, "remove the password field", sid), 422, "invalid_edit")
    assert "hashPassword" in msg
    envelope(chat(s, "remove the shoe size field", sid), 422, "invalid_edit")
    envelope(chat(s, "add a field and paint it blue", sid), 422, "not_understood")
    assert s.digest() == before


def test_explain_and_deploy_via_chat(s):
    sid = prompt(s, "create a sign up api")["serverId"]
    r = chat(s, "explain this workflow", sid)
    assert r.status == 200, r
    assert r.json["intent"] == "explain" and r.json["workflow"]["serverId"] == sid
    for word in ("hashPassword", "users", "jwtKey", "201"):
        assert word in r.json["reply"], r.json["reply"]
    assert s.put(f"/mcp/servers/{sid}/secrets/jwtKey", {"value": JWT_KEY}).status == 204
    r = chat(s, "deploy it", sid)
    assert r.status == 200, r
    b = r.json
    assert b["intent"] == "deploy" and b["deployment"]["success"] is True
    assert b["deployment"]["serverId"] == sid and b["deployment"]["agentId"].startswith("agent_")
    check_logs(b)
    w = s.get(f"/mcp/servers/{sid}").json
    assert w["archestraAgentId"] == b["deployment"]["agentId"]
    path = urllib.parse.urlparse(b["deployment"]["endpoint"]).path
    r = s.request("POST", path, key=None, raw=json.dumps(
        {"email": "dee@example.com", "password": "secret123", "name": "Dee"}).encode())
    assert r.status == 201 and r.json["user"]["email"] == "dee@example.com", r
    # Deploying again: the seed's 400 comes back as the deployment, same status.
    r = chat(s, "deploy it", sid)
    assert r.status == 400, r
    assert r.json["deployment"]["error"] == "Server already deployed to Archestra"
    assert r.json["logs"][-1]["type"] == "error"


def test_refusals_change_nothing(s):
    sid = prompt(s, "create a login api")["serverId"]
    before = s.digest()
    for text in ("make me a sandwich", "asdf qwer zxcv", "what is the weather like"):
        msg = envelope(s.post("/mcp/servers", {"prompt": text}), 422, "not_understood")
        assert "sign-up" in msg and "login" in msg, msg
        envelope(chat(s, text), 422, "not_understood")
        envelope(chat(s, text, sid), 422, "not_understood")
    envelope(s.post("/mcp/servers", {"prompt": "relay webhooks"}), 422, "not_understood")
    for text in ("add a phone field", "run it with {}", "deploy it", "explain it"):
        envelope(chat(s, text), 422, "workflow_required")
    envelope(s.post("/mcp/servers", {"prompt": 5}), 400, "validation_failed")
    envelope(s.post("/mcp/servers", {"prompt": " "}), 400, "validation_failed")
    envelope(chat(s, ""), 400, "validation_failed")
    envelope(chat(s, "x" * 4001), 400, "validation_failed")
    # The limit counts characters, not bytes.
    for n, status, code in ((4000, 422, "not_understood"), (4001, 400, "validation_failed")):
        envelope(s.request("POST", "/api/v1/chat", raw=json.dumps(
            {"message": "é" * n}, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json"}), status, code)
    envelope(s.post("/api/v1/chat", {"serverId": sid}), 400, "validation_failed")
    envelope(s.post("/api/v1/chat", {"message": ["explain"]}), 400, "validation_failed")
    envelope(chat(s, "explain it", "not-an-id"), 400, "validation_failed")
    envelope(chat(s, "explain it", 12), 400, "validation_failed")
    envelope(chat(s, "explain it", "mcp_aaaaaaaaaaaaaaaaaaaa"), 404, "not_found")
    # Another owner's workflow is not there for them.
    envelope(chat(s, "add a phone field", sid, key="bob"), 404, "not_found")
    envelope(chat(s, "explain it", sid, key="bob"), 404, "not_found")
    envelope(chat(s, "explain it", sid, key="alice_ro"), 403, "forbidden")
    r = s.request("POST", "/api/v1/chat", raw=b'{"message": "' + b"x" * 17000 + b'"}',
                  headers={"Content-Type": "application/json"})
    envelope(r, 413, "payload_too_large")
    assert s.digest() == before


def test_runtime_program_does_not_link_the_builder(s):
    # The production side runs tool graphs only: no builder, no supervisor.
    build = os.path.join(ROOT, s.build)
    for prog, wanted in (("cgi-bin/runtime", False), ("cgi-bin/orchestrix", True)):
        syms = subprocess.run(["nm", os.path.join(build, prog)], capture_output=True,
                              text=True, check=True).stdout
        assert (" T builder_create" in syms) is wanted, prog
        assert (" T builder_edit" in syms) is wanted, prog


def test_language_model_first_then_templates(s):
    seen = []
    todo = {"name": "Todo", "description": "Store a todo",
            "inputSchema": {"type": "object", "required": ["title"],
                            "properties": {"title": {"type": "string", "minLength": 1}}},
            "tools": [{"toolId": "input", "name": "Input", "type": "input", "config": {}},
                      {"toolId": "store", "name": "Store", "type": "db_insert",
                       "config": {"collection": "todos",
                                  "document": {"title": "{{input.title}}"}}},
                      {"toolId": "response", "name": "Respond", "type": "response",
                       "config": {"status": 201, "body": {"id": "{{steps.store.id}}"}}}],
            "executionOrder": ["input", "store", "response"],
            "serverId": "mcp_forgedforgedforged", "ownerId": "mallory"}

    class H(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            req = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append((self.headers.get("Authorization"), req))
            text = req["messages"][-1]["content"]
            if "todo" in text:
                content = "Here it is:\n```json\n" + json.dumps(todo) + "\n```"
            elif "broken" in text:
                content = json.dumps(dict(todo, executionOrder=["response", "store", "input"]))
            else:
                self.send_response(500)
                self.end_headers()
                return
            out = json.dumps({"choices": [{"message": {"role": "assistant",
                                                       "content": content}}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, *a):
            pass

    srv = socketserver.TCPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        s.reconfigure("orchestrix", {
            "ORX_LLM_URL": f"http://127.0.0.1:{srv.server_address[1]}/v1/chat/completions",
            "ORX_LLM_API_KEY": "llm-test-key", "ORX_LLM_MODEL": "test-model"})
        d = prompt(s, "a mytodo tracker")
        assert d["name"] == "Todo" and d["executionOrder"] == ["input", "store", "response"]
        assert d["ownerId"] == "alice" and d["serverId"] != todo["serverId"]
        auth, req = seen[-1]
        assert auth == "Bearer llm-test-key" and req["model"] == "test-model"
        assert req["messages"][-1] == {"role": "user", "content": "a mytodo tracker"}
        assert "db_insert" in req["messages"][0]["content"]
        # The chat asks it too, for what no template knows.
        r = chat(s, "a mytodo tracker please")
        assert r.status == 201 and r.json["workflow"]["name"] == "Todo", r
        assert r.json["changes"] == ["generated by the language model test-model"]
        # An invalid document or a failing model: the templates answer.
        d = prompt(s, "create a sign up api (broken)")
        assert d["executionOrder"][2] == "hashPassword", d
        d = prompt(s, "create a contact form")
        assert d["name"] == "Contact form"
        envelope(s.post("/mcp/servers", {"prompt": "make me a sandwich"}), 422,
                 "not_understood")
    finally:
        s.reconfigure("orchestrix", {})
        srv.shutdown()
        srv.server_close()
    # Unconfigured again: no call goes out.
    n = len(seen)
    assert prompt(s, "create a sign up api")["name"] == "Sign up"
    assert len(seen) == n
