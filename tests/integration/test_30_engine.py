"""The engine and the local runtime through nginx (issue 3): the signup,
login and contact examples, every tool type's success and failures,
templates, secrets, unique inserts under concurrency, the SSRF refusal."""
import base64
import json
import os
import threading

from pylib.jwt import jwt_verify

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def example(name):
    return json.load(open(os.path.join(ROOT, "examples", f"{name}.json")))


JWT_KEY = "integration-signing-key-0123456789"


def deploy_local(s, doc, key="alice", secrets=None, start=True):
    r = s.post("/mcp/servers", doc, key=key)
    assert r.status == 201, r
    sid = r.json["serverId"]
    for name, value in (secrets or {}).items():
        r = s.put(f"/mcp/servers/{sid}/secrets/{name}", {"value": value}, key=key)
        assert r.status == 204, r
    if start:
        r = s.post(f"/mcp/servers/{sid}/runtime/start", key=key)
        assert r.status == 200 and r.json["status"] == "running", r
    return sid


def run(s, sid, inp, key="alice"):
    return s.post(f"/mcp/servers/{sid}/run", {"input": inp}, key=key)


def one_tool(s, tool, inp=None, secrets=None, extra=None, key="alice"):
    """A workflow of input → tool (→ extra tools) for testing one type."""
    tools = [{"toolId": "t", "name": "T", "type": tool["type"], "config": tool["config"]}]
    tools += extra or []
    doc = {"name": "one tool", "tools": tools,
           "executionOrder": [t["toolId"] for t in tools]}
    sid = deploy_local(s, doc, secrets=secrets, key=key)
    return sid, run(s, sid, inp or {}, key=key)


def test_signup_story(s):
    sid = deploy_local(s, example("signup"), secrets={"jwtKey": JWT_KEY})
    ann = {"email": "ann@example.com", "password": "secret123", "name": "Ann"}
    r = run(s, sid, ann)
    assert r.status == 200, r
    d = r.json
    assert d["status"] == "succeeded" and d["httpStatus"] == 200
    assert d["output"]["success"] is True
    assert d["output"]["user"]["email"] == "ann@example.com"
    assert d["output"]["user"]["name"] == "Ann"
    claims = jwt_verify(d["output"]["token"], JWT_KEY)
    assert claims["email"] == "ann@example.com" and claims["sub"] == d["output"]["user"]["id"]
    assert claims["exp"] - claims["iat"] == 3600
    assert [st["status"] for st in d["steps"]] == ["succeeded"] * 6
    assert [st["toolId"] for st in d["steps"]] == example("signup")["executionOrder"]
    assert all(isinstance(st["durationUs"], int) for st in d["steps"])
    for log in d["logs"]:
        assert set(log) == {"timestamp", "type", "message", "details"}, log
        assert log["type"] in ("info", "success", "error")
    assert d["logs"][0]["type"] == "info" and d["logs"][-1]["type"] == "success"
    # The same email again: 409 from db_insert, nothing half-written.
    docs_before = s.count_docs("users", "email", "ann@example.com")
    r = run(s, sid, ann)
    assert r.status == 409, r
    assert r.json["status"] == "failed" and r.json["error"]["code"] == "duplicate"
    assert r.json["error"]["details"] == [{"path": "/email", "message": "is already taken"}]
    assert r.json["steps"][-1]["status"] == "failed" and r.json["steps"][-1]["toolId"] == "dbInsert"
    # A bad email: 400 with every field error.
    r = run(s, sid, {"email": "nope", "password": "short", "name": ""})
    assert r.status == 400, r
    paths = {e["path"] for e in r.json["error"]["details"]}
    assert paths == {"/email", "/password", "/name"}, r.json
    assert s.count_docs("users", "email", "ann@example.com") == docs_before == 1
    # Executions are stored with their trace.
    r = s.get(f"/mcp/servers/{sid}/executions")
    assert r.status == 200
    items = r.json["items"]
    assert [i["httpStatus"] for i in items] == [200, 409, 400], items
    e = s.get(f"/api/v1/executions/{items[0]['executionId']}")
    assert e.status == 200 and e.json["status"] == "succeeded"
    assert len(e.json["steps"]) == 6 and e.json["logs"] == d["logs"]
    assert s.get(f"/api/v1/executions/{items[0]['executionId']}", key="bob").status == 404


def test_secrets_never_leak(s):
    secret = "leak-canary-7f3a9c2e5b1d"
    sid = deploy_local(s, example("signup"), secrets={"jwtKey": secret})
    bodies = []
    for inp in ({"email": "zed@example.com", "password": "secret123", "name": "Zed"},
                {"email": "zed@example.com", "password": "secret123", "name": "Zed"},
                {"email": "bad", "password": "x", "name": ""}):
        bodies.append(run(s, sid, inp).body)
    r = s.get(f"/mcp/servers/{sid}/secrets")
    assert r.json == {"secrets": [{"name": "jwtKey", "value": "***",
                                   "updatedAt": r.json["secrets"][0]["updatedAt"]}]}
    bodies += [r.body, s.get(f"/mcp/servers/{sid}").body,
               s.get(f"/mcp/servers/{sid}/executions").body]
    for item in s.get(f"/mcp/servers/{sid}/executions").json["items"]:
        bodies.append(s.get(f"/api/v1/executions/{item['executionId']}").body)
    for b in bodies:
        assert secret.encode() not in b
        assert b"secret123" not in b  # the password is redacted from traces
    logs = ""
    for f in ("log/orchestrix.log", "log/nginx-access.log", "log/nginx-error.log",
              "pg/postgres.log"):
        p = os.path.join(s.run, f)
        if os.path.exists(p):
            logs += open(p, errors="replace").read()
    assert secret not in logs and "secret123" not in logs
    stored = s.sql("select string_agg(input::text || output::text || steps::text || "
                   "logs::text, '') from executions where server_id = :'p0'", sid)
    assert secret not in stored and "secret123" not in stored
    raw = s.sql("select encode(sealed, 'escape') from workflow_secrets where server_id = :'p0'", sid)
    assert secret not in raw
    # Secrets are write-only; a bad value is refused; delete works.
    assert s.put(f"/mcp/servers/{sid}/secrets/jwtKey", {"value": ""}).status == 400
    assert s.put(f"/mcp/servers/{sid}/secrets/9bad", {"value": "x"}).status == 400
    assert s.put(f"/mcp/servers/{sid}/secrets/jwtKey", {"value": "x"}, key="bob").status == 404
    assert s.delete(f"/mcp/servers/{sid}/secrets/jwtKey").status == 204
    assert s.delete(f"/mcp/servers/{sid}/secrets/jwtKey").status == 404
    r = run(s, sid, {"email": "amy@example.com", "password": "secret123", "name": "Amy"})
    assert r.status == 500 and r.json["error"]["code"] == "secret_missing", r


def test_login_example(s):
    up = deploy_local(s, example("signup"), secrets={"jwtKey": JWT_KEY})
    assert run(s, up, {"email": "lu@example.com", "password": "secret123", "name": "Lu"}).status == 200
    # The login reads the users the sign-up wrote: one owner's workflows
    # share their collections (no document is copied by SQL).
    li = deploy_local(s, example("login"), secrets={"jwtKey": JWT_KEY})
    r = run(s, li, {"email": "lu@example.com", "password": "secret123"})
    assert r.status == 200, r
    assert jwt_verify(r.json["output"]["token"], JWT_KEY)["email"] == "lu@example.com"
    r = run(s, li, {"email": "lu@example.com", "password": "wrong-password"})
    assert r.status == 401 and r.json["error"]["message"] == "wrong email or password", r
    r = run(s, li, {"email": "nobody@example.com", "password": "secret123"})
    assert r.status == 401, r


def test_contact_example(s):
    sid = deploy_local(s, example("contact"))
    r = run(s, sid, {"name": "Cy", "email": "cy@example.com", "message": "Hello there, team!"})
    assert r.status == 201, r
    assert r.json["output"]["success"] is True and r.json["output"]["id"].startswith("doc_")
    stored = json.loads(s.sql("select data::text from documents where id = :'p0'",
                              r.json["output"]["id"]))
    assert stored["message"] == "Hello there, team!" and stored["receivedAt"].endswith("Z")
    r = run(s, sid, {"email": "cy", "message": "short"})
    assert r.status == 400 and r.json["error"]["code"] == "validation_failed", r
    assert {e["path"] for e in r.json["error"]["details"]} == {"/email", "/message"}


def test_runtime_start_stop(s):
    sid = deploy_local(s, example("contact"), start=False)
    assert s.get(f"/mcp/servers/{sid}/runtime").json["status"] == "stopped"
    r = run(s, sid, {})
    assert r.status == 409 and r.json["error"]["code"] == "runtime_stopped", r
    assert s.post(f"/mcp/servers/{sid}/runtime/start").json["status"] == "running"
    assert s.post(f"/mcp/servers/{sid}/runtime/stop").json["status"] == "stopped"
    assert run(s, sid, {}).status == 409
    assert s.post(f"/mcp/servers/{sid}/runtime/start", key="bob").status == 404
    assert s.post(f"/mcp/servers/{sid}/runtime/start", key="alice_ro").status == 403


def test_templates_keep_types_and_interpolate(s):
    tool = {"type": "transform", "config": {"output": {
        "n": "{{input.n}}", "obj": "{{input.o}}", "arr": "{{input.a}}",
        "second": "{{input.a.1}}", "text": "n={{input.n}} o={{input.o}} missing=[{{input.zz}}]",
        "missing": "{{input.zz}}", "exe": "{{env.executionId}}", "lit": 5}}}
    sid, r = one_tool(s, tool, {"n": 3, "o": {"k": True}, "a": ["x", "y"]})
    assert r.status == 200, r
    out = r.json["output"]
    assert out == {"n": 3, "obj": {"k": True}, "arr": ["x", "y"], "second": "y",
                   "text": 'n=3 o={"k":true} missing=[]', "missing": None,
                   "exe": r.json["executionId"], "lit": 5}, out


def test_validate_rules_and_schema(s):
    tool = {"type": "validate", "config": {
        "schema": {"type": "object", "properties": {"age": {"type": "integer", "minimum": 18}}},
        "rules": {"email": ["required", "email"], "code": [{"pattern": "^[A-Z]{3}$"}],
                  "size": [{"enum": ["s", "m", "l"]}]}}}
    sid, r = one_tool(s, tool, {"email": "a@b.co", "age": 30, "code": "ABC", "size": "m"})
    assert r.status == 200 and r.json["output"] == {"valid": True}, r
    r = run(s, sid, {"age": 12, "code": "abc", "size": "xl"})
    assert r.status == 400, r
    got = {(e["path"], e["keyword"]) for e in r.json["error"]["details"]}
    assert {("/email", "required"), ("/age", "minimum"), ("/code", "pattern"),
            ("/size", "enum")} <= got, got
    # Unknown rules and unknown schema keywords are refused at save time.
    bad = {"name": "x", "tools": [{"toolId": "v", "type": "validate",
           "config": {"rules": {"a": ["telepathy"]}, "schema": {"requird": ["a"]}}}],
           "executionOrder": ["v"]}
    r = s.post("/mcp/servers", bad)
    assert r.status == 400, r
    paths = {e["path"] for e in r.json["error"]["details"]}
    assert "/tools/0/config/rules/a/0" in paths, paths
    assert any(p == "/tools/0/config/schema/requird" and "requird" in e["message"]
               for e in r.json["error"]["details"] for p in [e["path"]]), r.json


def test_validate_rules_refuse_other_types(s):
    """Issue 25 item 3: each named rule accepts its own types only, and
    "required" refuses null; 400 names the field."""
    tool = {"type": "validate", "config": {"rules": {
        "email": ["required", "email"], "site": ["uri"], "code": [{"pattern": "^[A-Z]+$"}],
        "name": [{"minLength": 1}, {"maxLength": 9}], "age": [{"min": 0}, {"max": 150}],
        "n": ["integer"], "tags": [{"minItems": 1}], "any": ["required"]}}}
    good = {"email": "a@b.co", "site": "https://x.example/", "code": "AB", "name": "Ann",
            "age": 30.5, "n": 3, "tags": ["x"], "any": 0}
    me = s.owner("rules")
    sid, r = one_tool(s, tool, good, key=me)
    assert r.status == 200, r
    bad = [("email", 1), ("email", ["a@b.c"]), ("email", None), ("email", {"a": "b"}),
           ("site", 5), ("code", 7), ("name", 123), ("name", ["abc"]), ("age", "30"),
           ("age", True), ("n", 1.5), ("n", "3"), ("tags", "x"), ("tags", {"0": 1}),
           ("any", None)]
    for field, value in bad:
        before = s.sql("select count(*) from executions where server_id = :'p0'", sid)
        r = run(s, sid, dict(good, **{field: value}), key=me)
        assert r.status == 400 and r.json["error"]["code"] == "validation_failed", (field, value, r)
        assert f"/{field}" in {e["path"] for e in r.json["error"]["details"]}, (field, value, r.json)
        assert int(s.sql("select count(*) from executions where server_id = :'p0'", sid)) == \
            int(before) + 1
    # Rules that no value could satisfy are refused when the workflow is saved.
    doc = {"name": "x", "tools": [{"toolId": "v", "type": "validate", "config": {
        "rules": {"a": ["integer", {"minLength": 2}], "b": ["boolean", "email"]}}}],
        "executionOrder": ["v"]}
    r = s.post("/mcp/servers", doc)
    assert r.status == 400, r
    paths = {e["path"] for e in r.json["error"]["details"]}
    assert {"/tools/0/config/rules/a", "/tools/0/config/rules/b"} <= paths, r.json


def test_validate_types_hold_on_a_deployed_agent(s):
    """The signup-lite agent (no input step: the validate rules are all that
    stand before db_insert) stores nothing of the wrong type."""
    doc = json.load(open(os.path.join(ROOT, "tests", "bench", "signup-lite.json")))
    me = s.owner("typed")   # the owner's users collection is this agent's alone
    sid = deploy_local(s, doc, key=me, secrets={"jwtKey": JWT_KEY}, start=False)
    d = s.post(f"/mcp/servers/{sid}/deploy", {"ownerId": me}, key=me).json
    path = "/agents/" + d["agentId"]
    count = lambda: s.sql("select count(*) from archestra.documents where owner_id = :'p0'",
                          me)
    for body, field in [({"email": 1, "name": "x"}, "email"),
                        ({"email": ["a@b.c"], "name": "x"}, "email"),
                        ({"email": None, "name": "x"}, "email"),
                        ({"email": "a@b.co", "name": None}, "name"),
                        ({"email": "a@b.co", "name": 5}, "name"),
                        ({"email": "a@b.co", "name": ["x"]}, "name")]:
        r = s.post(path, body, key=None)
        assert r.status == 400 and r.json["error"]["code"] == "validation_failed", (body, r)
        assert f"/{field}" in {e["path"] for e in r.json["error"]["details"]}, (body, r.json)
    assert count() == "0"
    assert s.post(path, {"email": "ok@b.co", "name": "Ok"}, key=None).status == 200
    assert count() == "1"


def test_tool_configs_checked_at_save(s):
    bad = {"name": "x", "executionOrder": ["a", "b", "c", "d"], "tools": [
        {"toolId": "a", "type": "db_insert", "config": {"collection": "bad name!"}},
        {"toolId": "b", "type": "jwt_sign", "config": {"secret": "k", "expiresIn": [1]}},
        {"toolId": "c", "type": "http_request", "config": {"url": "http://x", "method": "BREW"}},
        {"toolId": "d", "type": "response", "config": {"status": 99, "extra": 1}}]}
    r = s.post("/mcp/servers", bad)
    assert r.status == 400, r
    paths = {e["path"] for e in r.json["error"]["details"]}
    for p in ["/tools/0/config/collection", "/tools/0/config/document",
              "/tools/1/config/expiresIn",
              "/tools/2/config/method", "/tools/3/config/status", "/tools/3/config/extra"]:
        assert p in paths, (p, paths)


def test_tool_catalog(s):
    r = s.get("/api/v1/tools")
    assert r.status == 200, r
    types = [t["type"] for t in r.json["tools"]]
    assert types == ["input", "validate", "transform", "db_insert", "db_find", "db_update",
                     "db_delete", "password_hash", "password_verify", "jwt_sign", "jwt_verify",
                     "http_request", "send_email", "random_token", "hmac_verify", "condition",
                     "approval", "response"]
    assert all(t["configSchema"]["type"] == "object" and t["summary"] for t in r.json["tools"])


def test_db_find_and_if_empty(s):
    tools = [{"toolId": "ins", "type": "db_insert",
              "config": {"collection": "items", "document": {"k": "{{input.k}}", "n": 1}}},
             {"toolId": "find", "type": "db_find",
              "config": {"collection": "items", "where": {"k": "{{input.k}}"}, "limit": 5}},
             {"toolId": "none", "type": "db_find",
              "config": {"collection": "items", "where": {"k": "absent"},
                         "ifEmpty": {"status": 404, "message": "nothing here"}}}]
    doc = {"name": "find", "tools": tools, "executionOrder": ["ins", "find", "none"]}
    sid = deploy_local(s, doc)
    r = run(s, sid, {"k": "a"})
    assert r.status == 404 and r.json["error"]["message"] == "nothing here", r
    # The failed run rolled back its insert.
    assert s.count_docs("items", "k", "a") == 0
    find = [st for st in r.json["steps"] if st["toolId"] == "find"][0]["output"]
    assert find["count"] == 1 and find["first"]["k"] == "a" and find["first"]["id"].startswith("doc_")


def test_db_find_failed_query_is_not_an_outage(s):
    """A find the database answers with an error (here: a column renamed
    under the running statement) fails as 500, not as 503 "the database is
    unavailable" -- it is up."""
    tools = [{"toolId": "find", "type": "db_find",
              "config": {"collection": "items", "where": {"k": "{{input.k}}"}}}]
    sid = deploy_local(s, {"name": "find-broken", "tools": tools, "executionOrder": ["find"]})
    assert run(s, sid, {"k": 1}).status == 200
    s.sql("alter table documents rename column data to data_renamed")
    try:
        r = run(s, sid, {"k": 1})
    finally:
        s.sql("alter table documents rename column data_renamed to data")
    assert r.status == 500 and r.json["error"]["code"] == "internal", r
    assert r.json["error"]["message"] == "the documents could not be read", r
    r = run(s, sid, {"k": 1})
    assert r.status == 200 and r.json["output"]["count"] == 0, r


def test_password_and_jwt_tools(s):
    tools = [{"toolId": "h", "type": "password_hash", "config": {"password": "{{input.pw}}",
                                                                 "iterations": 1000}},
             {"toolId": "v", "type": "password_verify",
              "config": {"password": "{{input.try}}", "hash": "{{steps.h.hash}}"}},
             {"toolId": "sign", "type": "jwt_sign",
              "config": {"secret": "k", "claims": {"sub": "u1"}, "expiresIn": 60,
                         "issuer": "orx"}},
             {"toolId": "check", "type": "jwt_verify",
              "config": {"secret": "k", "token": "Bearer {{steps.sign.token}}"}},
             {"toolId": "out", "type": "response",
              "config": {"body": {"claims": "{{steps.check.claims}}"}}}]
    doc = {"name": "crypto", "tools": tools, "executionOrder": ["h", "v", "sign", "check", "out"]}
    sid = deploy_local(s, doc, secrets={"k": JWT_KEY})
    r = run(s, sid, {"pw": "hunter22", "try": "hunter22"})
    assert r.status == 200, r
    c = r.json["output"]["claims"]
    assert c["sub"] == "u1" and c["iss"] == "orx" and c["exp"] - c["iat"] == 60
    r = run(s, sid, {"pw": "hunter22", "try": "hunter23"})
    assert r.status == 401 and r.json["error"]["code"] == "invalid_credentials", r
    # jwt_verify refuses a tampered token.
    tools2 = [{"toolId": "check", "type": "jwt_verify",
               "config": {"secret": "k", "token": "{{input.token}}"}}]
    sid2 = deploy_local(s, {"name": "verify", "tools": tools2, "executionOrder": ["check"]},
                        secrets={"k": JWT_KEY})
    good = s.post(f"/mcp/servers/{sid}/run", {"input": {"pw": "a", "try": "a"}})
    token = [st for st in good.json["steps"] if st["toolId"] == "sign"][0]["output"]["token"]
    assert run(s, sid2, {"token": token}).status == 200
    h, p, sig = token.split(".")
    forged = base64.urlsafe_b64encode(json.dumps({"sub": "admin"}).encode()).decode().rstrip("=")
    r = run(s, sid2, {"token": f"{h}.{forged}.{sig}"})
    assert r.status == 401 and r.json["error"]["code"] == "invalid_token", r
    assert run(s, sid2, {"token": "garbage"}).status == 401


def test_jwt_sign_registered_claims(s):
    """The tool sets iat/exp (and iss/aud when configured) whatever the
    claims say; claims with none of them, or no claims, sign as well."""
    tools = [{"toolId": "a", "type": "jwt_sign",
              "config": {"secret": "k", "claims": {"iat": 1, "exp": 2, "role": "x\"y"},
                         "audience": "app", "expiresIn": 30}},
             {"toolId": "b", "type": "jwt_sign", "config": {"secret": "k"}},
             {"toolId": "c", "type": "jwt_sign",
              "config": {"secret": "k", "claims": {"sub": "{{input.who}}", "n": {"k": [1]}},
                         "issuer": "me", "audience": "you"}},
             {"toolId": "out", "type": "response", "config": {"body": {"ok": True}}}]
    sid = deploy_local(s, {"name": "claims", "tools": tools,
                           "executionOrder": ["a", "b", "c", "out"]}, secrets={"k": JWT_KEY})
    r = s.post(f"/mcp/servers/{sid}/run", {"input": {"who": "ann\u00e9"}})
    assert r.status == 200, r
    tok = {st["toolId"]: st["output"]["token"] for st in r.json["steps"] if st["toolId"] != "out"}
    a, b, c = (jwt_verify(tok[k], JWT_KEY) for k in "abc")
    assert set(a) == {"iat", "exp", "role", "aud"} and a["iat"] > 1000 and \
        a["exp"] - a["iat"] == 30 and a["role"] == 'x"y' and a["aud"] == "app", a
    assert set(b) == {"iat", "exp"} and b["exp"] - b["iat"] == 3600, b
    assert c == {"sub": "ann\u00e9", "n": {"k": [1]}, "iat": c["iat"], "exp": c["iat"] + 3600,
                 "iss": "me", "aud": "you"}, c


def test_condition_skips_a_branch(s):
    tools = [{"toolId": "c", "type": "condition",
              "config": {"left": "{{input.plan}}", "op": "eq", "right": "pro",
                         "whenTrue": ["pro"], "whenFalse": ["free"]}},
             {"toolId": "pro", "type": "response", "config": {"body": {"tier": "pro"}}},
             {"toolId": "free", "type": "response", "config": {"body": {"tier": "free"}}}]
    sid = deploy_local(s, {"name": "cond", "tools": tools, "executionOrder": ["c", "pro", "free"]})
    r = run(s, sid, {"plan": "pro"})
    assert r.json["output"] == {"tier": "pro"}, r
    r = run(s, sid, {"plan": "basic"})
    assert r.json["output"] == {"tier": "free"}, r
    assert [st["status"] for st in r.json["steps"]] == ["succeeded", "skipped", "succeeded"]


def test_http_request_tool_and_ssrf(s):
    import http.server
    import socketserver

    class H(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            n = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(n)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps({"echo": json.loads(body)}).encode())

        def log_message(self, *a):
            pass

    srv = socketserver.TCPServer(("127.0.0.1", 0), H)
    port = srv.server_address[1]
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        tool = {"type": "http_request", "config": {
            "method": "POST", "url": f"http://127.0.0.1:{port}/hook",
            "body": {"v": "{{input.v}}"}, "timeoutMs": 5000}}
        sid, r = one_tool(s, tool, {"v": 42})
        assert r.status == 200, r
        assert r.json["output"]["status"] == 200 and r.json["output"]["body"] == {"echo": {"v": 42}}
        # Only 127.0.0.1 is allowed by the test configuration: other private
        # and loopback targets are refused before any connection is made.
        for url in ("http://localhost:1/", "http://10.0.0.1/", "http://169.254.169.254/latest",
                    "http://[::1]:1/", "http://192.168.1.1/"):
            tool = {"type": "http_request", "config": {"url": url, "timeoutMs": 2000}}
            sid, r = one_tool(s, tool)
            assert r.status == 403 and r.json["error"]["code"] == "target_refused", (url, r)
    finally:
        srv.shutdown()


def test_concurrent_unique_inserts(s):
    sid = deploy_local(s, example("signup"), secrets={"jwtKey": JWT_KEY})
    results = []

    def go():
        results.append(run(s, sid, {"email": "race@example.com", "password": "secret123",
                                    "name": "Race"}).status)
    threads = [threading.Thread(target=go) for _ in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(results) == [200] + [409] * 5, results
    assert s.count_docs("users", "email", "race@example.com") == 1


def test_run_bad_requests(s):
    sid = deploy_local(s, example("contact"))
    assert s.post(f"/mcp/servers/{sid}/run", {"input": [1]}).status == 400
    assert s.post(f"/mcp/servers/{sid}/run", [1]).status == 400
    assert s.post(f"/mcp/servers/{sid}/run", {"input": {}}, key="bob").status == 404
    assert s.post(f"/mcp/servers/{sid}/run", {"input": {}}, key="alice_ro").status == 403
    assert s.get("/api/v1/executions/exe_doesnotexist1").status == 404
    assert s.get("/api/v1/executions/nope").status == 400


def test_http_request_host_is_normalised_before_any_lookup(s):
    """Issue 25 item 9: the URL's host is lower-cased and its final dot
    dropped before anything resolves it, and what is not a host name or an
    IP literal is refused with 400 -- "LOCALHOST.", "127.0.0.1." and
    "127.0.0.1%09" no longer reach the resolver."""
    import http.server
    import socketserver

    seen = []

    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.headers.get("Host"))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"ok":true}')

        def log_message(self, *a):
            pass

    srv = socketserver.TCPServer(("127.0.0.1", 0), H)
    port = srv.server_address[1]
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        me = s.owner("hosts")
        def call(url):
            return one_tool(s, {"type": "http_request", "config": {"url": url, "timeoutMs": 3000}},
                            key=me)[1]
        # The trailing dot goes: an IP literal, connected to as such (the
        # allow list names 127.0.0.1), and the Host header says so.
        for host in ("127.0.0.1.", "127.0.0.1%2e"):   # libcurl decodes the %2e
            r = call(f"http://{host}:{port}/x")
            assert r.status == 200 and r.json["output"]["status"] == 200, (host, r)
            assert seen[-1] == f"127.0.0.1:{port}", seen
        # localhost in any spelling is loopback by definition: refused before
        # any lookup (the refusal names the host, not an address it resolved to).
        for host in ("LOCALHOST.", "localhost", "LocalHost", "db.localhost."):
            r = call(f"http://{host}:{port}/")
            assert r.status == 403 and r.json["error"]["code"] == "target_refused", (host, r)
            step = r.json["steps"][0]
            assert step["error"]["details"] == {"host": host.lower().rstrip("."),
                                                "class": "loopback"}, step
        # Not host names: 400 with the config error, and nothing is called.
        n = len(seen)
        for url in (f"http://127.0.0.1%09:{port}/", f"http://127.0.0.1%20:{port}/",
                    "http://under_score.example/", "http://a..b/", "http://-x.example/",
                    "http://example.123/", "http://0x7f.0.0.1.1/"):
            r = call(url)
            assert r.status == 400 and r.json["error"]["code"] == "bad_config", (url, r)
        assert len(seen) == n, seen
    finally:
        srv.shutdown()
        srv.server_close()
