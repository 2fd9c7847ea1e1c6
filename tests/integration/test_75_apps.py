"""The builder understands the apps people ask for (issue 21, part 4), end
to end: each created from its sentence through POST /mcp/servers (or the
chat), started, run, and doing what was asked -- with no SQL: sign-up and
login (the login logs in the signed-up user), password reset by an emailed
single-use link, a newsletter with double opt-in, a contact form that
emails its owner, a collection's endpoints (CRUD, a to-do list), an API
that calls an external one by its URL template, a webhook receiver that
checks an HMAC signature. Mail goes to a real SMTP server on loopback
(tests/pylib/smtp.py), the external API is a loopback HTTP server (allowed
by ORX_HTTP_ALLOW)."""
import hashlib
import hmac
import http.server
import json
import re
import socketserver
import threading
import urllib.parse

from pylib.jwt import jwt_verify

JWT_KEY = "apps-signing-key-0123456789abcdef"
LINK_KEY = "apps-link-key-0123456789abcdef"


def build(s, text, key):
    """The prompt's app: {name: stored document} (one workflow: its name alone)."""
    r = s.post("/mcp/servers", {"prompt": text}, key=key)
    assert r.status == 201, r
    docs = r.json["workflows"] if "workflows" in r.json else [r.json]
    for d in docs:
        assert re.fullmatch(r"mcp_[a-z2-7]{20}", d["serverId"]) and d["version"] == 1, d
        assert s.get(f"/mcp/servers/{d['serverId']}", key=key).json == d
    return {d["name"]: d["serverId"] for d in docs}, r.json


def ready(s, sid, key, **secrets):
    for name, value in secrets.items():
        assert s.put(f"/mcp/servers/{sid}/secrets/{name}", {"value": value},
                     key=key).status == 204
    assert s.post(f"/mcp/servers/{sid}/runtime/start", key=key).status == 200


def run(s, sid, inp, key):
    return s.post(f"/mcp/servers/{sid}/run", {"input": inp}, key=key)


class Mail:
    """An SMTP server on loopback that Orchestrix sends through (ORX_SMTP_*)."""

    def __init__(self, s):
        from pylib.smtp import SmtpServer
        self.s, self.srv = s, SmtpServer()

    def __enter__(self):
        self.srv.__enter__()
        self.s.reconfigure("orchestrix", {"ORX_SMTP_HOST": "127.0.0.1",
                                          "ORX_SMTP_PORT": str(self.srv.port),
                                          "ORX_SMTP_SECURITY": "none",
                                          "ORX_SMTP_FROM": "App <noreply@example.com>"})
        return self.srv

    def __exit__(self, *exc):
        self.s.reconfigure("orchestrix", {})
        self.srv.__exit__(*exc)


def token_in(mail):
    m = re.search(r"token=([A-Za-z0-9_.-]+)", mail["body"])
    assert m, mail["body"]
    return m.group(1)


def test_user_accounts_sign_up_login_and_password_reset(s):
    own = s.owner("apps1")
    wf, body = build(s, "user accounts with sign up, login and password reset", own)
    assert body["app"] == "User accounts" and set(wf) == {"Sign up", "Log in", "Password reset"}
    assert any("3 workflows sharing the collection users" in c for c in body["changes"]), body
    for sid in wf.values():
        ready(s, sid, own, jwtKey=JWT_KEY, linkKey=LINK_KEY)
    ann = {"email": "ann@example.com", "password": "first-password", "name": "Ann"}
    r = run(s, wf["Sign up"], ann, own)
    assert r.status == 201, r
    uid = r.json["output"]["user"]["id"]
    # The login logs the signed-up user in.
    r = run(s, wf["Log in"], {"email": ann["email"], "password": "first-password"}, own)
    assert r.status == 200 and jwt_verify(r.json["output"]["token"], JWT_KEY)["sub"] == uid, r
    assert run(s, wf["Log in"], {"email": ann["email"], "password": "wrong-pass"}, own).status == 401
    with Mail(s) as mail:
        # Asking for a reset: the same answer whether or not the account exists.
        r = run(s, wf["Password reset"], {"email": "nobody@example.com"}, own)
        assert r.status == 200, r
        asked = run(s, wf["Password reset"], {"email": ann["email"]}, own)
        assert asked.status == 200 and asked.json["output"] == r.json["output"], asked
        (m,) = mail.wait(1)
        assert m["to"] == ["ann@example.com"] and m["msg"]["Subject"] == "Reset your password"
        assert m["from"] == "noreply@example.com"
        token = token_in(m)
        assert len(mail.messages) == 1    # nobody@ got nothing
    r = run(s, wf["Password reset"], {"token": token, "password": "short"}, own)
    assert r.status == 400, r
    r = run(s, wf["Password reset"], {"token": token, "password": "second-password"}, own)
    assert r.status == 200, r
    assert run(s, wf["Log in"], {"email": ann["email"], "password": "first-password"},
               own).status == 401
    r = run(s, wf["Log in"], {"email": ann["email"], "password": "second-password"}, own)
    assert r.status == 200 and jwt_verify(r.json["output"]["token"], JWT_KEY)["sub"] == uid
    # The link works once, and a forged one not at all.
    r = run(s, wf["Password reset"], {"token": token, "password": "third-password"}, own)
    assert r.status == 400 and r.json["error"]["code"] == "token_used", r
    r = run(s, wf["Password reset"], {"token": token[:-3] + "abc", "password": "x" * 10}, own)
    assert r.status == 400 and r.json["error"]["code"] == "invalid_token", r


def test_an_app_is_stored_whole_or_not_at_all(s):
    own = s.owner("apps2")
    # users already declared without a unique field: the sign-up's unique
    # email is refused at save, and so is the whole app.
    other = {"name": "import", "tools": [{"toolId": "i", "type": "db_insert",
             "config": {"collection": "users", "document": {"x": 1}}}], "executionOrder": ["i"]}
    assert s.post("/mcp/servers", other, key=own).status == 201
    before = s.get("/mcp/servers?limit=100", key=own).json["items"]
    r = s.post("/mcp/servers", {"prompt": "sign up and login"}, key=own)
    assert r.status == 400 and r.json["error"]["code"] == "validation_failed", r
    assert "unique" in json.dumps(r.json["error"]["details"]), r
    assert s.get("/mcp/servers?limit=100", key=own).json["items"] == before


def test_app_through_the_chat(s):
    own = s.owner("apps3")
    r = s.post("/api/v1/chat", {"message": "i want users to be able to register and then log in"},
               key=own)
    assert r.status == 201, r
    b = r.json
    assert b["intent"] == "create" and b["app"] == "User accounts", b
    assert [w["name"] for w in b["workflows"]] == ["Sign up", "Log in"]
    assert b["serverIds"] == [w["serverId"] for w in b["workflows"]]
    assert "serverId" not in b and "workflow" not in b
    for sid in b["serverIds"]:
        assert s.get(f"/mcp/servers/{sid}", key=own).status == 200
    assert b["logs"] and all(l["type"] in ("info", "success") for l in b["logs"])
    # One workflow keeps the single answer's shape.
    r = s.post("/api/v1/chat", {"message": "create a login api"}, key=own)
    assert r.status == 201 and r.json["serverId"] == r.json["workflow"]["serverId"], r
    assert "app" not in r.json and "workflows" not in r.json
    r = s.post("/mcp/servers", {"prompt": "create a login api"}, key=own)
    assert r.status == 201 and r.json["name"] == "Log in" and "app" not in r.json


def test_newsletter_with_double_opt_in(s):
    own = s.owner("apps4")
    wf, body = build(s, "newsletter with double opt-in", own)
    assert body["app"] == "Newsletter" and set(wf) == {"Subscribe", "Confirm subscription"}
    for sid in wf.values():
        ready(s, sid, own, linkKey=LINK_KEY)
    with Mail(s) as mail:
        r = run(s, wf["Subscribe"], {"email": "reader@example.com"}, own)
        assert r.status == 201, r
        (m,) = mail.wait(1)
        assert m["to"] == ["reader@example.com"] and "confirm" in m["msg"]["Subject"].lower()
        token = token_in(m)
        # Subscribing twice is refused; no second mail.
        assert run(s, wf["Subscribe"], {"email": "reader@example.com"}, own).status == 409
        assert len(mail.messages) == 1
    r = run(s, wf["Confirm subscription"], {"token": token}, own)
    assert r.status == 200, r
    assert r.json["output"] == {"success": True, "confirmed": True,
                                "email": "reader@example.com"}, r.json
    r = run(s, wf["Confirm subscription"], {"token": "not-a-token"}, own)
    assert r.status == 400, r


def test_contact_form_that_emails_the_owner(s):
    own = s.owner("apps5")
    wf, _ = build(s, "a contact form that emails me at owner@example.com", own)
    (sid,) = wf.values()
    ready(s, sid, own)
    with Mail(s) as mail:
        r = run(s, sid, {"name": "Cy", "email": "cy@example.org",
                         "message": "Hello, I would like a quote."}, own)
        assert r.status == 201 and r.json["output"]["success"] is True, r
        (m,) = mail.wait(1)
        assert m["to"] == ["owner@example.com"] and m["msg"]["Subject"] == "New message from Cy"
        assert "Hello, I would like a quote." in m["body"] and "cy@example.org" in m["body"]
        assert "cy@example.org" in m["msg"]["Reply-To"]
    # Without an address in the sentence, the owner's is a secret.
    wf, _ = build(s, "contact form that sends me an email", own)
    (sid,) = wf.values()
    ready(s, sid, own, ownerEmail="me@example.net")
    with Mail(s) as mail:
        assert run(s, sid, {"email": "d@example.org", "message": "hi"}, own).status == 201
        assert mail.wait(1)[0]["to"] == ["me@example.net"]


def test_crud_for_a_named_collection(s):
    own = s.owner("apps6")
    wf, body = build(s, "a CRUD API for the collection books with title, author and year", own)
    assert set(wf) == {"Create book", "Get book", "Update book", "Delete book", "List books"}
    for sid in wf.values():
        ready(s, sid, own)
    r = run(s, wf["Create book"], {"title": "Dune", "author": "Herbert", "year": 1965}, own)
    assert r.status == 201, r
    bid = r.json["output"]["id"]
    run(s, wf["Create book"], {"title": "Emma", "author": "Austen", "year": 1815}, own)
    assert run(s, wf["Create book"], {"title": "No year"}, own).status == 400
    r = run(s, wf["Get book"], {"id": bid}, own)
    assert r.status == 200 and r.json["output"]["item"]["title"] == "Dune", r
    # An update changes what it is sent and keeps the rest.
    r = run(s, wf["Update book"], {"id": bid, "year": 1966}, own)
    assert r.status == 200, r
    item = run(s, wf["Get book"], {"id": bid}, own).json["output"]["item"]
    assert (item["title"], item["author"], item["year"]) == ("Dune", "Herbert", 1966), item
    assert run(s, wf["Update book"], {"id": bid, "year": "soon"}, own).status == 400
    r = run(s, wf["List books"], {}, own)
    assert r.status == 200 and r.json["output"]["count"] == 2, r
    assert [b["title"] for b in r.json["output"]["items"]] == ["Dune", "Emma"]
    r = run(s, wf["Delete book"], {"id": bid}, own)
    assert r.status == 200 and r.json["output"]["deleted"] == bid, r
    for name in ("Get book", "Delete book", "Update book"):
        r = run(s, wf[name], {"id": bid, **({"year": 1} if name == "Update book" else {})}, own)
        assert r.status == 404, (name, r)
    assert run(s, wf["List books"], {}, own).json["output"]["count"] == 1


def test_todo_api_with_create_list_complete_and_delete(s):
    own = s.owner("apps7")
    wf, body = build(s, "a todo api with create, list, complete and delete", own)
    assert set(wf) == {"Create todo", "List todos", "Complete todo", "Delete todo"}, wf
    for sid in wf.values():
        ready(s, sid, own)
    ids = [run(s, wf["Create todo"], {"title": t}, own).json["output"]["id"]
           for t in ("milk", "bread")]
    r = run(s, wf["Complete todo"], {"id": ids[0]}, own)
    assert r.status == 200 and r.json["output"]["item"]["done"] is True, r
    items = run(s, wf["List todos"], {}, own).json["output"]["items"]
    assert [(i["title"], i["done"]) for i in items] == [("milk", True), ("bread", False)]
    assert run(s, wf["Delete todo"], {"id": ids[1]}, own).status == 200
    assert [i["title"] for i in run(s, wf["List todos"], {}, own).json["output"]["items"]] == \
        ["milk"]
    # Deployed, the same four share production's todos.
    eps = {}
    for name, sid in wf.items():
        r = s.post(f"/mcp/servers/{sid}/deploy", {"ownerId": own}, key=own)
        assert r.status == 200, r
        eps[name] = urllib.parse.urlparse(r.json["endpoint"]).path

    def call(name, body):
        return s.request("POST", eps[name], key=None, raw=json.dumps(body).encode())
    r = call("Create todo", {"title": "deployed"})
    assert r.status == 201, r
    assert call("Complete todo", {"id": r.json["id"]}).status == 200
    assert [(i["title"], i["done"]) for i in call("List todos", {}).json["items"]] == \
        [("deployed", True)]


class Weather(http.server.BaseHTTPRequestHandler):
    seen = []

    def do_GET(self):
        Weather.seen.append(self.path)
        q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        city = q.get("q", [""])[0]
        body = json.dumps({"city": city, "temp": 21.5, "conditions": "sunny",
                           "humidity": 40}).encode()
        self.send_response(200 if city != "nowhere" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


def test_api_that_calls_an_external_api(s):
    own = s.owner("apps8")
    srv = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Weather)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{srv.server_address[1]}/weather"
    try:
        wf, _ = build(s, f"the weather for a city using {base}?q={{city}}", own)
        (sid,) = wf.values()
        ready(s, sid, own)
        r = run(s, sid, {"city": "São Paulo"}, own)
        assert r.status == 200, r
        assert r.json["output"] == {"city": "São Paulo", "weather": {
            "city": "São Paulo", "temp": 21.5, "conditions": "sunny", "humidity": 40}}, r.json
        assert urllib.parse.parse_qs(urllib.parse.urlparse(Weather.seen[-1]).query)["q"] == \
            ["São Paulo"]
        assert run(s, sid, {}, own).status == 400            # the city is required
        r = run(s, sid, {"city": "nowhere"}, own)
        assert r.status == 502 and r.json["error"]["code"] == "upstream_status", r
        # Part of its answer, by name.
        wf, _ = build(s, f"an api that gets the weather of a city from {base}?q={{city}}&units=metric "
                         "returning its temp and conditions", own)
        (sid,) = wf.values()
        ready(s, sid, own)
        r = run(s, sid, {"city": "Oslo"}, own)
        assert r.status == 200, r
        assert r.json["output"] == {"city": "Oslo", "temp": 21.5, "conditions": "sunny"}, r.json
        assert "units=metric" in Weather.seen[-1]
    finally:
        srv.shutdown()


def test_webhook_receiver_with_hmac_signature_check(s):
    own = s.owner("apps9")
    secret = "whsec-apps-0123456789"
    wf, body = build(s, "a webhook receiver that checks the HMAC signature in the "
                        "X-Signature-256 header", own)
    (sid,) = wf.values()
    ready(s, sid, own, webhookSecret=secret)
    raw = '{"event":"invoice.paid","amount":12}'
    sig = "sha256=" + hmac.new(secret.encode(), raw.encode(), hashlib.sha256).hexdigest()
    r = s.post(f"/mcp/servers/{sid}/run", {"rawBody": raw, "headers": {"X-Signature-256": sig}},
               key=own)
    assert r.status == 200 and r.json["output"]["received"] is True, r
    r = s.post(f"/mcp/servers/{sid}/run", {"rawBody": raw, "headers": {"X-Signature-256":
               "sha256=" + "0" * 64}}, key=own)
    assert r.status == 401, r
    # Deployed: the sender's exact bytes and header.
    r = s.post(f"/mcp/servers/{sid}/deploy", {"ownerId": own}, key=own)
    path = urllib.parse.urlparse(r.json["endpoint"]).path
    r = s.request("POST", path, key=None, raw=raw.encode(), headers={"X-Signature-256": sig})
    assert r.status == 200 and r.json["received"] is True and r.json["id"].startswith("doc_"), r
    for headers in ({}, {"X-Signature-256": sig.replace("sha256=", "")},
                    {"X-Signature-256": "sha256=" + "f" * 64}):
        r = s.request("POST", path, key=None, raw=raw.encode(), headers=headers)
        assert r.status == 401, (headers, r)
    assert s.count_docs("events", owner=own, environment="production", runtime=True) == 1


def test_what_it_cannot_build_is_refused_with_what_it_can(s):
    own = s.owner("apps10")
    before = s.digest()
    for text in ("a chat app with websockets", "upload images to s3", "a crud api"):
        r = s.post("/mcp/servers", {"prompt": text}, key=own)
        assert r.status == 422 and r.json["error"]["code"] == "not_understood", r
        msg = r.json["error"]["message"]
        assert "I can create" in msg and "user accounts" in msg and "webhook receiver" in msg
    assert s.digest() == before
