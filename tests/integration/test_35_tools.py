"""The tools the common APIs need (issue 21, part 3), through the real
stack: db_update and db_delete (by id or by a unique field, owner- and
environment-scoped, 404 when none, the keys following the document),
random_token (plain, signed and expiring, single use), hmac_verify over the
raw body with {{request.headers.*}}, and http_request's encoded query.
send_email has its own file (test_36_email.py)."""
import base64
import hashlib
import hmac
import http.server
import json
import socketserver
import threading
import time
import urllib.parse

LINK_KEY = "link-signing-key-0123456789abcdef"


def workflow(s, tools, key, schema=None, secrets=None, start=True):
    doc = {"name": "tools", "inputSchema": schema or {"type": "object"},
           "tools": tools, "executionOrder": [t["toolId"] for t in tools]}
    r = s.post("/mcp/servers", doc, key=key)
    assert r.status == 201, r
    sid = r.json["serverId"]
    for name, value in (secrets or {}).items():
        assert s.put(f"/mcp/servers/{sid}/secrets/{name}", {"value": value},
                     key=key).status == 204
    if start:
        assert s.post(f"/mcp/servers/{sid}/runtime/start", key=key).status == 200
    return sid


def run(s, sid, inp, key, **extra):
    return s.post(f"/mcp/servers/{sid}/run", dict({"input": inp}, **extra), key=key)


def documents(s):
    """A fingerprint of both sides' documents and keys (runs add executions)."""
    return s.sql("select md5(coalesce(string_agg(t, '|' order by t), '')) from ("
                 "select d::text as t from documents d union all "
                 "select k::text from document_keys k union all "
                 "select d::text from archestra.documents d union all "
                 "select k::text from archestra.document_keys k) x")


def respond(body, status=200):
    return {"toolId": "out", "type": "response", "config": {"status": status, "body": body}}


def crud(s, key):
    """create / update (by id or email) / delete (by id or email) / get, on members."""
    create = workflow(s, [
        {"toolId": "ins", "type": "db_insert",
         "config": {"collection": "members", "unique": ["email"],
                    "document": {"email": "{{input.email}}", "name": "{{input.name}}"}}},
        respond("{{steps.ins}}", 201)], key)
    by_id = workflow(s, [
        {"toolId": "upd", "type": "db_update",
         "config": {"collection": "members", "id": "{{input.id}}", "set": "{{input.set}}"}},
        respond("{{steps.upd}}")], key)
    by_email = workflow(s, [
        {"toolId": "upd", "type": "db_update",
         "config": {"collection": "members", "where": {"email": "{{input.email}}"},
                    "set": {"name": "{{input.name}}"},
                    "ifNone": {"status": 410, "message": "no such member"}}},
        respond("{{steps.upd}}")], key)
    delete_id = workflow(s, [
        {"toolId": "del", "type": "db_delete",
         "config": {"collection": "members", "id": "{{input.id}}"}},
        respond("{{steps.del}}")], key)
    delete_email = workflow(s, [
        {"toolId": "del", "type": "db_delete",
         "config": {"collection": "members", "where": {"email": "{{input.email}}"}}},
        respond("{{steps.del}}")], key)
    get = workflow(s, [
        {"toolId": "find", "type": "db_find",
         "config": {"collection": "members", "where": {"id": "{{input.id}}"},
                    "ifEmpty": {"status": 404, "message": "no such member"}}},
        respond("{{steps.find.first}}")], key)
    return create, by_id, by_email, delete_id, delete_email, get


def test_db_update_and_delete(s):
    own = s.owner("tools1")
    create, by_id, by_email, delete_id, delete_email, get = crud(s, own)
    r = run(s, create, {"email": "ann@example.com", "name": "Ann"}, own)
    assert r.status == 201, r
    ann = r.json["output"]["id"]
    r = run(s, create, {"email": "bo@example.com", "name": "Bo"}, own)
    bo = r.json["output"]["id"]
    # By id: set merges, the document is read back through db_find by id.
    r = run(s, by_id, {"id": ann, "set": {"name": "Ann B", "age": 31}}, own)
    assert r.status == 200, r
    assert r.json["output"] == {"id": ann, "collection": "members",
                                "document": {"email": "ann@example.com", "name": "Ann B",
                                             "age": 31}}, r.json
    r = run(s, get, {"id": ann}, own)
    assert r.status == 200 and r.json["output"]["name"] == "Ann B" and \
        r.json["output"]["id"] == ann, r
    # The unique email follows the document: taking bo's is 409, and after
    # ann moves to a new address her old one is free again.
    r = run(s, by_id, {"id": ann, "set": {"email": "bo@example.com"}}, own)
    assert r.status == 409 and r.json["error"]["code"] == "duplicate", r
    assert r.json["error"]["details"] == [{"path": "/email", "message": "is already taken"}]
    r = run(s, by_id, {"id": ann, "set": {"email": "ann@new.example.com"}}, own)
    assert r.status == 200, r
    assert run(s, create, {"email": "ann@example.com", "name": "Other"}, own).status == 201
    assert run(s, create, {"email": "ann@new.example.com", "name": "X"}, own).status == 409
    # By the unique field.
    r = run(s, by_email, {"email": "ann@new.example.com", "name": "Ann C"}, own)
    assert r.status == 200 and r.json["output"]["id"] == ann and \
        r.json["output"]["document"]["name"] == "Ann C", r
    r = run(s, by_email, {"email": "nobody@example.com", "name": "Z"}, own)
    assert r.status == 410 and r.json["error"]["message"] == "no such member", r
    # None there: 404, and nothing changed.
    before = documents(s)
    for sid, inp in ((by_id, {"id": "doc_doesnotexist", "set": {"x": 1}}),
                     (by_id, {"id": 42, "set": {"x": 1}}),
                     (delete_id, {"id": "doc_doesnotexist"}),
                     (delete_email, {"email": "nobody@example.com"}),
                     (get, {"id": "doc_doesnotexist"})):
        r = run(s, sid, inp, own)
        assert r.status == 404 and r.json["error"]["code"] == "not_found", (inp, r)
    assert documents(s) == before
    # A null clears a field, and its key goes with it.
    r = run(s, by_id, {"id": bo, "set": {"email": None}}, own)
    assert r.status == 200 and r.json["output"]["document"]["email"] is None, r
    assert run(s, create, {"email": "bo@example.com", "name": "Bo 2"}, own).status == 201
    # Delete by id and by email: the document and its key go.
    r = run(s, delete_id, {"id": ann}, own)
    assert r.status == 200 and r.json["output"]["document"]["name"] == "Ann C", r
    assert run(s, get, {"id": ann}, own).status == 404
    assert run(s, delete_id, {"id": ann}, own).status == 404
    assert run(s, create, {"email": "ann@new.example.com", "name": "Y"}, own).status == 201
    assert run(s, delete_email, {"email": "ann@new.example.com"}, own).status == 200
    assert s.sql("select count(*) from document_keys k where owner_id = :'p0' and not exists "
                 "(select 1 from documents d where d.id = k.doc_id)", own) == "0"
    # An id cannot be set.
    bad = [{"toolId": "u", "type": "db_update",
            "config": {"collection": "members", "id": "x", "set": {"id": "y"}}}]
    assert s.post("/mcp/servers", {"name": "b", "tools": bad, "executionOrder": ["u"]},
                  key=own).status == 400
    both = [{"toolId": "u", "type": "db_delete",
             "config": {"collection": "members", "id": "x", "where": {"email": "e"}}}]
    r = s.post("/mcp/servers", {"name": "b", "tools": both, "executionOrder": ["u"]}, key=own)
    assert r.status == 400 and "not both" in json.dumps(r.json), r


def test_update_and_delete_are_owner_and_environment_scoped(s):
    own, other = s.owner("tools2"), s.owner("tools3")
    create, by_id, _, delete_id, _, get = crud(s, own)
    r = run(s, create, {"email": "cy@example.com", "name": "Cy"}, own)
    cy = r.json["output"]["id"]
    # Another owner, with the same workflows, cannot reach cy by id.
    _, o_by_id, o_by_email, o_delete_id, o_delete_email, o_get = crud(s, other)
    before = documents(s)
    assert run(s, o_by_id, {"id": cy, "set": {"name": "stolen"}}, other).status == 404
    assert run(s, o_by_email, {"email": "cy@example.com", "name": "stolen"}, other).status == 410
    assert run(s, o_delete_id, {"id": cy}, other).status == 404
    assert run(s, o_delete_email, {"email": "cy@example.com"}, other).status == 404
    assert run(s, o_get, {"id": cy}, other).status == 404
    assert documents(s) == before
    # Production (the deployed agents) cannot reach a development document.
    agents = {}
    for name, sid in (("update", by_id), ("delete", delete_id), ("get", get)):
        r = s.post(f"/mcp/servers/{sid}/deploy", {"ownerId": own}, key=own)
        assert r.status == 200, r
        agents[name] = urllib.parse.urlparse(r.json["endpoint"]).path
    for name, body in (("update", {"id": cy, "set": {"name": "x"}}), ("delete", {"id": cy}),
                       ("get", {"id": cy})):
        r = s.request("POST", agents[name], key=None, raw=json.dumps(body).encode())
        assert r.status == 404, (name, r)
    assert run(s, get, {"id": cy}, own).json["output"]["name"] == "Cy"
    # While the agents update and delete production's own documents.
    r = s.post(f"/mcp/servers/{create}/deploy", {"ownerId": own}, key=own)
    path = urllib.parse.urlparse(r.json["endpoint"]).path
    r = s.request("POST", path, key=None, raw=b'{"email":"cy@example.com","name":"Cy P"}')
    assert r.status == 201, r
    pid = r.json["id"]
    r = s.request("POST", agents["update"], key=None,
                  raw=json.dumps({"id": pid, "set": {"name": "Cy Prod"}}).encode())
    assert r.status == 200 and r.json["document"]["name"] == "Cy Prod", r
    r = s.request("POST", agents["delete"], key=None, raw=json.dumps({"id": pid}).encode())
    assert r.status == 200, r
    assert s.count_docs("members", owner=own, environment="production", runtime=True) == 0
    assert s.count_docs("members", owner=own) == 1


def test_concurrent_updates_keep_keys_consistent(s):
    """Updates of one document's unique field from several runs at once:
    each sees the value the one before left, so exactly one key row
    remains, and it holds the document's final value."""
    own = s.owner("tools4")
    create, by_id, *_ = crud(s, own)
    uid = run(s, create, {"email": "v0@example.com", "name": "V"}, own).json["output"]["id"]
    statuses = []

    def go(i):
        statuses.append(run(s, by_id, {"id": uid, "set": {"email": f"v{i}@example.com"}},
                            own).status)
    threads = [threading.Thread(target=go, args=(i,)) for i in range(1, 9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 8, statuses
    final = s.sql("select data ->> 'email' from documents where id = :'p0'", uid)
    assert s.sql("select string_agg(value, ',') from document_keys where doc_id = :'p0'",
                 uid) == final


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def link_token(claims, key=LINK_KEY):
    head = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64url(json.dumps(claims).encode())
    sig = hmac.new(key.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64url(sig)}"


def test_random_token_issue_verify_and_single_use(s):
    own = s.owner("tools5")
    plain = workflow(s, [{"toolId": "t", "type": "random_token", "config": {"bytes": 24}},
                         respond("{{steps.t}}")], own)
    r = run(s, plain, {}, own)
    t1 = r.json["output"]
    assert len(base64.urlsafe_b64decode(t1["token"] + "==")) == 24 and t1["expiresAt"] is None
    assert run(s, plain, {}, own).json["output"]["token"] != t1["token"]
    issue = workflow(s, [{"toolId": "t", "type": "random_token",
                          "config": {"secret": "linkKey", "purpose": "reset",
                                     "subject": "{{input.user}}", "expiresIn": 600}},
                         respond("{{steps.t}}")], own, secrets={"linkKey": LINK_KEY})
    # Verifying then failing: the token's use is rolled back with the run.
    verify = workflow(s, [{"toolId": "v", "type": "random_token",
                           "config": {"mode": "verify", "secret": "linkKey", "purpose": "reset",
                                      "token": "{{input.token}}", "singleUse": True}},
                          {"toolId": "maybe", "type": "condition",
                           "config": {"left": "{{input.fail}}", "op": "truthy",
                                      "whenTrue": ["boom"], "whenFalse": []}},
                          {"toolId": "boom", "type": "db_find",
                           "config": {"collection": "nothing", "ifEmpty": {"status": 418}}},
                          respond("{{steps.v}}")], own, secrets={"linkKey": LINK_KEY})
    r = run(s, issue, {"user": "doc_u1"}, own)
    assert r.status == 200, r
    tok = r.json["output"]
    assert tok["expiresAt"].endswith("Z") and len(tok["nonce"]) >= 20
    assert run(s, verify, {"token": tok["token"], "fail": True}, own).status == 418
    r = run(s, verify, {"token": tok["token"]}, own)
    assert r.status == 200, r
    assert r.json["output"]["subject"] == "doc_u1" and r.json["output"]["purpose"] == "reset"
    assert r.json["output"]["nonce"] == tok["nonce"]
    r = run(s, verify, {"token": tok["token"]}, own)
    assert r.status == 400 and r.json["error"]["code"] == "token_used", r
    # Forged, tampered, expired, for another purpose, or a login's JWT.
    now = int(time.time())
    base = {"orx": "link", "jti": "n-1", "sub": "doc_u1", "pur": "reset", "iat": now,
            "exp": now + 600}
    cases = [("token_expired", link_token(dict(base, exp=now - 5))),
             ("invalid_token", link_token(base, key="another-key-0123456789abcdef")),
             ("invalid_token", link_token(dict(base, pur="confirm"))),
             ("invalid_token", link_token({k: v for k, v in base.items() if k != "orx"})),
             ("invalid_token", tok["token"][:-2] + ("AA" if tok["token"][-2:] != "AA" else "BB")),
             ("invalid_token", "not-a-token"), ("invalid_token", "")]
    for code, t in cases:
        r = run(s, verify, {"token": t}, own)
        assert r.status == 400 and r.json["error"]["code"] == code, (code, t, r)
    # A valid link made elsewhere with the key passes once.
    assert run(s, verify, {"token": link_token(dict(base, jti="n-2"))}, own).status == 200
    assert run(s, verify, {"token": link_token(dict(base, jti="n-2"))}, own).status == 400
    # Modes take only their own fields.
    bad = [{"toolId": "t", "type": "random_token", "config": {"mode": "verify", "bytes": 16,
                                                              "secret": "k", "token": "x"}}]
    assert s.post("/mcp/servers", {"name": "b", "tools": bad, "executionOrder": ["t"]},
                  key=own).status == 400
    bad = [{"toolId": "t", "type": "random_token", "config": {"subject": "x"}}]
    assert s.post("/mcp/servers", {"name": "b", "tools": bad, "executionOrder": ["t"]},
                  key=own).status == 400


def test_single_use_at_the_runtime_too(s):
    own = s.owner("tools6")
    verify = workflow(s, [{"toolId": "v", "type": "random_token",
                           "config": {"mode": "verify", "secret": "linkKey",
                                      "token": "{{input.token}}", "singleUse": True}},
                          respond({"ok": True})], own, secrets={"linkKey": LINK_KEY})
    r = s.post(f"/mcp/servers/{verify}/deploy", {"ownerId": own}, key=own)
    path = urllib.parse.urlparse(r.json["endpoint"]).path
    t = link_token({"orx": "link", "jti": "rt-1", "iat": int(time.time()),
                    "exp": int(time.time()) + 600})
    body = json.dumps({"token": t}).encode()
    assert s.request("POST", path, key=None, raw=body).status == 200
    r = s.request("POST", path, key=None, raw=body)
    assert r.status == 400 and r.json["error"]["code"] == "token_used", r
    # Development keeps its own uses: the same link still works there once.
    assert run(s, verify, {"token": t}, own).status == 200


def test_hmac_verify_over_the_raw_body(s):
    own = s.owner("tools7")
    secret = "whsec-0123456789abcdef"
    sid = workflow(s, [{"toolId": "sig", "type": "hmac_verify",
                        "config": {"secret": "webhookSecret", "prefix": "sha256=",
                                   "signature": "{{request.headers.x-signature}}"}},
                       respond({"ok": True, "event": "{{input.event}}",
                                "agent": "{{request.headers.user-agent}}"})],
                   own, secrets={"webhookSecret": secret})
    raw = '{"event":"paid",  "amount": 12}'
    good = "sha256=" + hmac.new(secret.encode(), raw.encode(), hashlib.sha256).hexdigest()
    r = run(s, sid, None, own, rawBody=raw,
            headers={"X-Signature": good.upper().replace("SHA256=", "sha256="),
                     "User-Agent": "hooks/1"})
    assert r.status == 200 and r.json["output"] == {"ok": True, "event": "paid",
                                                    "agent": "hooks/1"}, r
    for headers in ({"X-Signature": "sha256=" + "0" * 64}, {"X-Signature": good[7:]}, {},
                    {"X-Signature": good + "00"}):
        r = run(s, sid, None, own, rawBody=raw, headers=headers)
        assert r.status == 401 and r.json["error"]["code"] == "invalid_signature", (headers, r)
    # The raw bytes count: the same JSON written differently does not pass.
    r = run(s, sid, None, own, rawBody='{"event":"paid","amount":12}', headers={"X-Signature": good})
    assert r.status == 401, r
    # Bad requests to /run.
    for body in ({"rawBody": 5}, {"rawBody": "[1]"}, {"rawBody": "{\"a\":"},
                 {"headers": []}, {"headers": {"x": 1}}, {"rawBody": raw, "input": {}}):
        r = s.post(f"/mcp/servers/{sid}/run", body, key=own)
        assert r.status == 400 and r.json["error"]["code"] == "validation_failed", (body, r)
    # At the runtime: the exact bytes the sender posted, its headers.
    r = s.post(f"/mcp/servers/{sid}/deploy", {"ownerId": own}, key=own)
    path = urllib.parse.urlparse(r.json["endpoint"]).path
    r = s.request("POST", path, key=None, raw=raw.encode(),
                  headers={"X-Signature": good, "User-Agent": "hooks/2"})
    assert r.status == 200 and r.json["agent"] == "hooks/2", r
    r = s.request("POST", path, key=None, raw=raw.encode() + b" ", headers={"X-Signature": good})
    assert r.status == 401, r
    # base64 signatures, no prefix.
    b64 = workflow(s, [{"toolId": "sig", "type": "hmac_verify",
                        "config": {"secret": "webhookSecret", "encoding": "base64",
                                   "signature": "{{request.headers.x-hook-sig}}"}},
                       respond({"ok": True})], own, secrets={"webhookSecret": secret})
    sig = base64.b64encode(hmac.new(secret.encode(), raw.encode(), hashlib.sha256).digest())
    assert run(s, b64, None, own, rawBody=raw, headers={"X-Hook-Sig": sig.decode()}).status == 200
    # Header names in templates are lower case.
    bad = [{"toolId": "x", "type": "transform", "config": {"output": "{{request.headers.X-Sig}}"}}]
    assert s.post("/mcp/servers", {"name": "b", "tools": bad, "executionOrder": ["x"]},
                  key=own).status == 400


def test_http_request_query_is_encoded(s):
    seen = []

    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.path)
            q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
            body = json.dumps({"city": q.get("q", [""])[0], "temp": 21, "extra": "x"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass
    srv = socketserver.ThreadingTCPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        own = s.owner("tools8")
        sid = workflow(s, [{"toolId": "call", "type": "http_request",
                            "config": {"url": f"http://127.0.0.1:{srv.server_address[1]}/w?units=m",
                                       "query": {"q": "{{input.city}}", "n": 2, "none": None}}},
                           respond({"temp": "{{steps.call.body.temp}}"})], own)
        r = run(s, sid, {"city": "São Paulo & x=1#frag"}, own)
        assert r.status == 200 and r.json["output"] == {"temp": 21}, r
        path = seen[-1]
        assert path.startswith("/w?units=m&q=") and "&n=2" in path and "none" not in path, path
        assert urllib.parse.parse_qs(urllib.parse.urlparse(path).query)["q"] == \
            ["São Paulo & x=1#frag"], path
    finally:
        srv.shutdown()
