"""send_email (issue 21, part 3) against a real SMTP server on loopback
(python3-aiosmtpd, tests/pylib/smtp.py): the message as the templates made
it, STARTTLS with a login from the workflow's secrets, the configured
default server, the SSRF rules of http_request (loopback only because
ORX_HTTP_ALLOW lists 127.0.0.1), refusals of what could add a header or a
recipient, and the same step at the runtime."""
import json
import urllib.parse

# The owner of these workflows: one of its own, so that they do not crowd
# alice's lists in the other tests.
ROOT_KEY = "mailer"


def workflow(s, config, key=ROOT_KEY, secrets=None, schema=None):
    doc = {"name": "mail", "inputSchema": schema or {"type": "object"},
           "tools": [{"toolId": "input", "type": "input"},
                     {"toolId": "mail", "type": "send_email", "config": config},
                     {"toolId": "response", "type": "response",
                      "config": {"status": 200, "body": "{{steps.mail}}"}}],
           "executionOrder": ["input", "mail", "response"]}
    r = s.post("/mcp/servers", doc, key=s.owner(key))
    assert r.status == 201, r
    sid = r.json["serverId"]
    for name, value in (secrets or {}).items():
        assert s.put(f"/mcp/servers/{sid}/secrets/{name}", {"value": value},
                     key=key).status == 204
    assert s.post(f"/mcp/servers/{sid}/runtime/start", key=key).status == 200
    return sid


def run(s, sid, inp, key=ROOT_KEY):
    return s.post(f"/mcp/servers/{sid}/run", {"input": inp}, key=key)


def test_message_from_templates(s):
    from pylib.smtp import SmtpServer
    with SmtpServer() as srv:
        sid = workflow(s, {"host": "127.0.0.1", "port": srv.port, "security": "none",
                           "from": "Orchestrix <noreply@example.com>",
                           "to": "{{input.email}}", "replyTo": "help@example.com",
                           "subject": "Welcome, {{input.name}}",
                           "body": "Hello {{input.name}},\n\nYour code is {{input.code}}.\n."})
        r = run(s, sid, {"email": "Ann <ann@example.org>", "name": "Ann", "code": 4711})
        assert r.status == 200, r
        out = r.json["output"]
        assert out["sent"] is True and out["to"] == ["ann@example.org"], out
        (m,) = srv.wait(1)
        assert m["from"] == "noreply@example.com" and m["to"] == ["ann@example.org"]
        msg = m["msg"]
        assert msg["Subject"] == "Welcome, Ann" and msg["To"] == "Ann <ann@example.org>"
        assert msg["From"] == "Orchestrix <noreply@example.com>"
        assert msg["Reply-To"] == "<help@example.com>" or msg["Reply-To"] == "help@example.com"
        assert msg["Message-ID"] == out["messageId"] and msg["Date"]
        # A lone "." line arrives as itself (SMTP's dot-stuffing undone).
        assert m["body"] == "Hello Ann,\n\nYour code is 4711.\n.\n", m["body"]
        # Non-ASCII subject and body, and several recipients.
        sid = workflow(s, {"host": "127.0.0.1", "port": srv.port, "security": "none",
                           "from": "Zoë <zoe@example.com>", "to": ["a@example.org", "b@example.org"],
                           "subject": "Grüße aus Köln – {{input.n}}", "body": "Schöne Grüße\n"})
        assert run(s, sid, {"n": 2}).status == 200
        m = srv.wait(2)[1]
        assert sorted(m["to"]) == ["a@example.org", "b@example.org"]
        assert m["msg"]["Subject"] == "Grüße aus Köln – 2", m["raw"][:400]
        assert str(m["msg"]["From"]) == "Zoë <zoe@example.com>"
        assert m["body"] == "Schöne Grüße\n"


def test_what_could_add_a_header_or_recipient_is_refused(s):
    from pylib.smtp import SmtpServer
    with SmtpServer() as srv:
        sid = workflow(s, {"host": "127.0.0.1", "port": srv.port, "security": "none",
                           "from": "noreply@example.com", "to": "{{input.to}}",
                           "subject": "{{input.subject}}", "body": "x"})
        for to, subject in (("a@example.org\r\nBcc: evil@example.net", "hi"),
                            ("a@example.org, evil@example.net", "hi"),
                            ("<a@example.org> evil@example.net", "hi"),
                            ("not an address", "hi"), ("", "hi"),
                            ("a@example.org", "hi\r\nBcc: evil@example.net"),
                            ("a@example.org", "x" * 1000)):
            r = run(s, sid, {"to": to, "subject": subject})
            assert r.status == 400, (to, subject, r)
            assert r.json["error"]["code"] in ("invalid_address", "bad_config"), r
        assert srv.messages == []
        # A list of addresses from the input is fine: each is one mailbox.
        r = run(s, sid, {"to": ["a@example.org"], "subject": "ok"})
        assert r.status == 200, r
        (m,) = srv.wait(1)
        assert m["to"] == ["a@example.org"] and m["msg"]["Subject"] == "ok"


def test_starttls_with_login_from_secrets(s):
    from pylib.smtp import SmtpServer
    with SmtpServer(starttls=True, login=("mailer", "s3cret-pass")) as srv:
        s.reconfigure("orchestrix", {"ORX_SMTP_CA_FILE": srv.cafile})
        try:
            cfg = {"host": "127.0.0.1", "port": srv.port, "security": "starttls",
                   "username": "mailer", "passwordSecret": "smtpPassword",
                   "from": "noreply@example.com", "to": "ann@example.org",
                   "subject": "reset", "body": "your link"}
            sid = workflow(s, cfg, secrets={"smtpPassword": "s3cret-pass"})
            r = run(s, sid, {})
            assert r.status == 200, r
            (m,) = srv.wait(1)
            assert m["tls"] is True and m["login"] == "mailer"
            # The password never shows in the trace.
            e = s.get(f"/api/v1/executions/{r.json['executionId']}", key=ROOT_KEY).json
            assert "s3cret-pass" not in json.dumps(e)
            # A wrong password: the server refuses it, nothing is sent.
            bad = workflow(s, cfg, secrets={"smtpPassword": "wrong"})
            r = run(s, bad, {})
            assert r.status == 502 and r.json["error"]["code"] == "smtp_auth", r
            # Without the password set, the step says which secret is missing.
            r = run(s, workflow(s, cfg), {})
            assert r.status == 500 and r.json["error"]["code"] == "secret_missing", r
            assert len(srv.messages) == 1
        finally:
            s.reconfigure("orchestrix", {})
        # No CA for this certificate any more: TLS fails, nothing is sent.
        r = run(s, sid, {})
        assert r.status == 502 and r.json["error"]["code"] == "smtp_tls", r
    # STARTTLS is required by default: a server that does not offer it is refused.
    with SmtpServer() as plain:
        sid = workflow(s, {"host": "127.0.0.1", "port": plain.port, "from": "n@example.com",
                           "to": "a@example.org", "subject": "s", "body": "b"})
        r = run(s, sid, {})
        assert r.status == 502 and r.json["error"]["code"] == "smtp_tls", r
        assert plain.messages == []


def test_credentials_never_without_tls(s):
    doc = {"host": "127.0.0.1", "port": 2525, "security": "none", "username": "u",
           "passwordSecret": "pw", "from": "n@example.com", "to": "a@example.org",
           "subject": "s", "body": "b"}
    body = {"name": "mail", "tools": [{"toolId": "m", "type": "send_email", "config": doc}],
            "executionOrder": ["m"]}
    r = s.post("/mcp/servers", body, key=s.owner(ROOT_KEY))
    assert r.status == 400 and "TLS" in json.dumps(r.json["error"]["details"]), r
    # Port, security and credentials without a host would be the configured
    # server's: refused too.
    del doc["host"]
    assert s.post("/mcp/servers", body, key=ROOT_KEY).status == 400


def test_smtp_targets_follow_the_ssrf_rules(s):
    from pylib.smtp import SmtpServer
    with SmtpServer() as srv:
        # ORX_HTTP_ALLOW lists 127.0.0.1, not "localhost" (matched as written).
        for host, cls in (("localhost", "loopback"), ("10.1.2.3", "private"),
                          ("169.254.169.254", "link-local"), ("0.0.0.0", "unspecified")):
            sid = workflow(s, {"host": host, "port": srv.port, "security": "none",
                               "from": "n@example.com", "to": "a@example.org",
                               "subject": "s", "body": "b"})
            r = run(s, sid, {})
            assert r.status == 403 and r.json["error"]["code"] == "target_refused", (host, r)
            assert r.json["error"]["details"]["class"] == cls, r
        assert srv.messages == []


def test_configured_default_server_and_the_runtime(s):
    from pylib.smtp import SmtpServer
    with SmtpServer() as srv:
        conf = {"ORX_SMTP_HOST": "127.0.0.1", "ORX_SMTP_PORT": str(srv.port),
                "ORX_SMTP_SECURITY": "none", "ORX_SMTP_FROM": "Desk <desk@example.com>"}
        s.reconfigure("orchestrix", conf)
        s.reconfigure("runtime", conf)
        try:
            sid = workflow(s, {"to": "{{input.email}}", "subject": "Hi",
                               "body": "sent by {{input.who}}"})
            r = run(s, sid, {"email": "ann@example.org", "who": "local"})
            assert r.status == 200, r
            (m,) = srv.wait(1)
            assert m["from"] == "desk@example.com" and m["body"] == "sent by local\n"
            r = s.post(f"/mcp/servers/{sid}/deploy", {"ownerId": ROOT_KEY}, key=ROOT_KEY)
            assert r.status == 200, r
            path = urllib.parse.urlparse(r.json["endpoint"]).path
            r = s.request("POST", path, key=None,
                          raw=json.dumps({"email": "bob@example.org", "who": "agent"}).encode())
            assert r.status == 200 and r.json["sent"] is True, r
            m = srv.wait(2)[1]
            assert m["to"] == ["bob@example.org"] and m["body"] == "sent by agent\n"
        finally:
            s.reconfigure("orchestrix", {})
            s.reconfigure("runtime", {})
        # Unconfigured, a step without a host says so.
        r = run(s, sid, {"email": "ann@example.org", "who": "local"})
        assert r.status == 500 and r.json["error"]["code"] == "smtp_not_configured", r
