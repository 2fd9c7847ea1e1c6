"""Every bad request gets its error in the one envelope and changes nothing
(issue 2 item 9; SPEC §10)."""
import json
import os
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SIGNUP = json.load(open(os.path.join(ROOT, "examples", "signup.json")))
JSON = {"Content-Type": "application/json"}


def check(s, r, status, code):
    assert r.status == status, r
    assert r.header("Content-Type").startswith("application/json"), r.headers
    body = r.json
    assert set(body) == {"error"}, body
    assert body["error"]["code"] == code, body
    assert body["error"]["message"], body


def battery(s):
    """(label, request thunk, status, code) for each hostile input."""
    deep = b"[" * 10000 + b"]" * 10000
    deep_obj = b'{"a":' * 5000 + b"1" + b"}" * 5000
    big = b'{"name":"' + b"a" * (2 * 1024 * 1024) + b'"}'
    post = lambda raw, h=JSON, **kw: (lambda: s.request("POST", "/mcp/servers", raw=raw, headers=h, **kw))
    return [
        ("malformed JSON", post(b'{"name": "x",'), 400, "invalid_json"),
        ("single quotes", post(b"{'name': 'x'}"), 400, "invalid_json"),
        ("trailing garbage", post(b'{"name":"x"} {"b":1}'), 400, "invalid_json"),
        ("empty body", post(b""), 400, "invalid_json"),
        ("whitespace body", post(b"  \n "), 400, "invalid_json"),
        ("NaN", post(b'{"name": NaN}'), 400, "invalid_json"),
        ("NUL in string", post(b'{"name": "a\\u0000b"}'), 400, "invalid_json"),
        ("invalid UTF-8", post(b'{"name": "\xff\xfe"}'), 400, "invalid_json"),
        ("overlong UTF-8", post(b'{"name": "\xc0\xaf"}'), 400, "invalid_json"),
        ("lone surrogate bytes", post(b'{"name": "\xed\xa0\x80"}'), 400, "invalid_json"),
        ("10 000-deep arrays", post(deep), 400, "invalid_json"),
        ("5 000-deep objects", post(deep_obj), 400, "invalid_json"),
        ("2 MB body", post(big), 413, "payload_too_large"),
        ("not an object", post(b"[1,2,3]"), 400, "validation_failed"),
        ("wrong types", post(json.dumps({"name": 5, "tools": {}, "executionOrder": "a"}).encode()),
         400, "validation_failed"),
        ("XML", post(b"<workflow/>", {"Content-Type": "application/xml"}), 415,
         "unsupported_media_type"),
        ("multipart", post(b"--x--", {"Content-Type": "multipart/form-data; boundary=x"}), 415,
         "unsupported_media_type"),
        ("unknown route", lambda: s.get("/mcp/nothing/here"), 404, "not_found"),
        ("unknown api route", lambda: s.get("/api/v1/nope"), 404, "not_found"),
        ("wrong method", lambda: s.request("PATCH", "/mcp/servers"), 405, "method_not_allowed"),
        ("unknown method", lambda: s.request("BREW", "/mcp/servers"), 405, "method_not_allowed"),
        ("no key", lambda: s.post("/mcp/servers", SIGNUP, key=None), 401, "unauthorized"),
        ("bad key", lambda: s.post("/mcp/servers", SIGNUP, key="orx_nope"), 401, "unauthorized"),
        ("read-only key", lambda: s.post("/mcp/servers", SIGNUP, key="alice_ro"), 403, "forbidden"),
        ("bad id shape", lambda: s.get("/mcp/servers/not-an-id"), 400, "invalid_parameter"),
        ("percent-encoded NUL id", lambda: s.get("/mcp/servers/mcp_%00aaaaaaaa"), 400,
         "bad_request"),
        ("percent-encoded bad UTF-8 id", lambda: s.get("/mcp/servers/mcp_%ffaaaaaaaa"), 400,
         "invalid_parameter"),
        ("body on a bodiless route", lambda: s.request("GET", "/mcp/servers", raw=b"{}", headers=JSON),
         413, "payload_too_large"),
        ("prompt not understood", post(json.dumps({"prompt": "paint the fence"}).encode()),
         422, "not_understood"),
        ("prompt not a string", post(json.dumps({"prompt": ["signup"]}).encode()),
         400, "validation_failed"),
    ]


def test_each_bad_request_is_refused_and_changes_nothing(s):
    # Something to protect: a workflow of alice's.
    sid = s.post("/mcp/servers", SIGNUP).json["serverId"]
    before = s.digest()
    failures = []
    for label, thunk, status, code in battery(s):
        try:
            check(s, thunk(), status, code)
        except AssertionError as e:
            failures.append(f"{label}: {e}")
    # Updates with the same hostile bodies.
    for raw in [b'{"version": 1, "name":', b'{"version": "1"}', b'[]', b'{"name": "\xff"}']:
        r = s.request("PUT", f"/mcp/servers/{sid}", raw=raw, headers=JSON)
        if r.status != 400:
            failures.append(f"PUT {raw!r}: {r}")
    assert not failures, "\n".join(failures)
    assert s.digest() == before
    # The 405 names what is allowed.
    r = s.request("PATCH", "/mcp/servers")
    assert set(r.header("Allow").split(", ")) == {"GET", "POST"}, r.headers


def test_wrong_field_types_each_reported(s):
    before = s.digest()
    doc = dict(SIGNUP, name=["x"], description=3,
               tools=[{"toolId": 1, "type": None, "config": "x", "name": {}}],
               executionOrder=[1])
    r = s.post("/mcp/servers", doc)
    check(s, r, 400, "validation_failed")
    paths = {d["path"] for d in r.json["error"]["details"]}
    assert {"/name", "/description", "/tools/0/toolId", "/tools/0/type", "/tools/0/config",
            "/tools/0/name", "/executionOrder/0"} <= paths, paths
    assert s.digest() == before


def test_answers_whole_whether_or_not_the_body_was_read(s):
    """A worker closes at once only when it has read its input to the end;
    a body it refused unread (here 900 kB, more than a socket buffer holds)
    is drained first, so nginx still passes the whole answer on, not a 502."""
    before = s.digest()
    big_xml = b"<w>" + b"x" * (900 * 1024) + b"</w>"
    big_json = json.dumps(dict(SIGNUP, description="d" * (900 * 1024))).encode()
    for _ in range(5):
        r = s.request("POST", "/mcp/servers", raw=big_xml,
                      headers={"Content-Type": "application/xml"})
        check(s, r, 415, "unsupported_media_type")
        r = s.request("GET", "/mcp/servers", raw=big_json, headers=JSON)
        check(s, r, 413, "payload_too_large")
        # Read whole, then refused by field.
        r = s.request("POST", "/mcp/servers", raw=big_json, headers=JSON)
        check(s, r, 400, "validation_failed")
        assert "/description" in {d["path"] for d in r.json["error"]["details"]}, r.json
    assert s.get("/mcp/servers").status == 200
    assert s.digest() == before


def raw_http(s, data, timeout=60):
    """Sends raw bytes to nginx and reads until it closes: (status, headers, body)
    or (None, {}, b"") for a connection closed without an answer."""
    import socket
    c = socket.create_connection(("127.0.0.1", s.port), timeout=timeout)
    try:
        c.sendall(data)
        got = b""
        while True:
            chunk = c.recv(65536)
            if not chunk:
                break
            got += chunk
    finally:
        c.close()
    if not got:
        return None, {}, b""
    head, _, body = got.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    return int(lines[0].split()[1]), headers, body


NGINX_REFUSALS = [
    # (label, raw request, status, code)
    ("10 kB Authorization header", b"GET /mcp/servers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
     + b"a" * 10240 + b"\r\nConnection: close\r\n\r\n", 431, "header_too_large"),
    ("%2f in a path", b"GET /mcp/servers/mcp_abcdefgh%2fx HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
     400, "bad_request"),
    ("%2F to the static files", b"GET /%2F HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
     400, "bad_request"),
    ("TRACE", b"TRACE /mcp/servers HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
     405, "method_not_allowed"),
    ("/agents/..", b"GET /agents/.. HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 400, "bad_request"),
    ("/agents/%2e%2e/x", b"POST /agents/%2e%2e/x HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
     b"Connection: close\r\n\r\n{}", 400, "bad_request"),
    ("above the root", b"GET /agents/../../x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
     400, "bad_request"),
    ("./ in a path", b"GET /mcp/./servers HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
     400, "bad_request"),
    ("a non-agent id under /dashboard/", b"GET /dashboard/foo HTTP/1.1\r\nHost: x\r\n"
     b"Connection: close\r\n\r\n", 404, "not_found"),
    ("a non-agent id's data", b"GET /dashboard/foo/data HTTP/1.1\r\nHost: x\r\n"
     b"Connection: close\r\n\r\n", 404, "not_found"),
    ("a missing .html file", b"GET /missing.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
     404, "not_found"),
    ("a folder of the UI", b"GET /js/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
     403, "forbidden"),
    ("POST to a static file", b"POST /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
     b"Connection: close\r\n\r\n", 405, "method_not_allowed"),
    ("10 kB request line", b"GET /" + b"a" * 10240 + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
     414, "uri_too_long"),
    ("HTTP/9.9", b"GET / HTTP/9.9\r\nHost: x\r\n\r\n", 505, "http_version_not_supported"),
    ("a control byte in the path", b"GET /\x01 HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad_request"),
    ("two Host headers", b"GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "bad_request"),
    ("a body over the limit", b"POST /mcp/servers HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n"
     b"Connection: close\r\n\r\n", 413, "payload_too_large"),
]


def test_nginx_refusals_are_in_the_envelope(s):
    """Issue 25 item 6: what nginx refuses itself is answered in the one
    error envelope with the right status, never an HTML page; and changes
    nothing."""
    before = s.digest()
    failures = []
    for label, data, status, code in NGINX_REFUSALS:
        st, h, body = raw_http(s, data)
        try:
            assert st == status, (st, body[:200])
            assert h.get("content-type", "").startswith("application/json"), h
            env = json.loads(body)
            assert set(env) == {"error"} and env["error"]["code"] == code, env
            assert env["error"]["message"], env
        except (AssertionError, ValueError) as e:
            failures.append(f"{label}: {e}")
    assert not failures, "\n".join(failures)
    assert s.digest() == before


def test_a_body_shorter_than_its_content_length_ends_soon(s):
    """Issue 25 item 6: a Content-Length longer than the body sent no longer
    holds the connection for 15 s: nginx waits client_body_timeout (5 s)
    for the next byte, then closes it; nothing reaches a program and
    nothing changes. (Time is not asserted: the configured timeout is, and
    the close.)"""
    import re
    import time
    conf = open(os.path.join(s.run, "nginx", "nginx.conf")).read()
    m = re.search(r"client_body_timeout\s+(\d+)s;", conf)
    assert m and int(m.group(1)) <= 5, m and m.group(0)
    before = s.digest()
    t0 = time.monotonic()
    st, h, body = raw_http(s, b"POST /mcp/servers HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                              b"\r\nAuthorization: Bearer " + s.keys["alice"].encode() +
                              b"\r\nContent-Length: 100\r\n\r\n{}")
    took = time.monotonic() - t0
    # nginx sends no answer to a client that stopped sending: it closes.
    assert st is None or (st == 408 and h.get("content-type", "").startswith("application/json")), \
        (st, body[:200])
    print(f"# a body 98 bytes short: closed after {took:.1f} s")
    assert s.digest() == before


# --- issue 25: the battery across every route ------------------------------------

# Every route of both programs, as nginx exposes them: (method, path, kind).
# kind: "json" takes an optional or required JSON object body; "raw" reads its
# body itself (MCP: JSON-RPC errors); "none" takes no body. {W} is a deployed
# workflow of alice's, {E} one of its executions, {A} its agent, {B} bob's,
# {I} and {L} an intervention id and an approval link of the right shapes.
ROUTES = [
    ("GET", "/healthz", "none"), ("GET", "/metrics", "none"),
    ("POST", "/mcp/servers", "json"), ("GET", "/mcp/servers", "none"),
    ("GET", "/mcp/servers/{W}", "none"), ("PUT", "/mcp/servers/{W}", "json"),
    ("DELETE", "/mcp/servers/{W}", "json"),
    ("PUT", "/mcp/servers/{W}/secrets/jwtKey", "json"),
    ("DELETE", "/mcp/servers/{W}/secrets/jwtKey", "none"),
    ("GET", "/mcp/servers/{W}/secrets", "none"),
    ("POST", "/mcp/servers/{W}/runtime/start", "json"),
    ("POST", "/mcp/servers/{W}/runtime/stop", "json"),
    ("GET", "/mcp/servers/{W}/runtime", "none"),
    ("POST", "/mcp/servers/{W}/run", "json"),
    ("GET", "/mcp/servers/{W}/executions", "none"),
    ("GET", "/api/v1/executions/{E}", "none"), ("GET", "/api/v1/tools", "none"),
    ("GET", "/api/v1/tools/input", "none"), ("GET", "/api/v1/me", "none"),
    ("GET", "/mcp/servers/{W}/schema", "none"),
    # The event hub's streams (cgi-bin/orchestrix/hub.c, behind nginx).
    ("GET", "/api/v1/executions/{E}/events", "none"), ("GET", "/mcp/servers/{W}/events", "none"),
    ("GET", "/api/v1/events", "none"), ("GET", "/api/v1/interventions", "none"),
    ("POST", "/mcp/servers/{W}/executions", "json"),
    ("POST", "/api/v1/executions/{E}/pause", "json"),
    ("POST", "/api/v1/executions/{E}/resume", "json"),
    ("POST", "/api/v1/executions/{E}/cancel", "json"),
    ("GET", "/api/v1/executions/{E}/interventions", "none"),
    ("POST", "/api/v1/executions/{E}/interventions/{I}", "json"),
    ("GET", "/api/v1/links/{L}", "none"), ("POST", "/api/v1/links/{L}", "json"),
    ("POST", "/api/v1/chat", "json"),
    ("POST", "/mcp/servers/{W}/deploy", "json"), ("DELETE", "/mcp/servers/{W}/deploy", "json"),
    ("POST", "/mcp/servers/{W}/redeploy", "json"), ("POST", "/mcp/servers/{W}/rollback", "json"),
    ("GET", "/mcp/servers/{W}/deployments", "none"),
    ("POST", "/mcp", "raw"), ("GET", "/mcp", "none"), ("DELETE", "/mcp", "none"),
    # The runtime.
    ("POST", "/mcp/agents", "json"), ("GET", "/mcp/agents/{A}", "none"),
    ("PUT", "/mcp/agents/{A}", "json"), ("DELETE", "/mcp/agents/{A}", "none"),
    ("GET", "/mcp/agents/{A}/interventions", "none"),
    ("POST", "/mcp/agents/{A}/executions/{E}/interventions/{I}", "json"),
    ("POST", "/agents/{A}", "json"), ("POST", "/agents/{A}/mcp", "raw"),
    ("GET", "/agents/{A}/executions/{E}", "none"),
    ("GET", "/agents/{A}/links/{L}", "none"), ("POST", "/agents/{A}/links/{L}", "json"),
    ("GET", "/agents/{A}/mcp", "none"), ("DELETE", "/agents/{A}/mcp", "none"),
    ("GET", "/dashboard/{A}/data", "none"),
    ("GET", "/runtime/metrics", "none"), ("GET", "/runtime/healthz", "none"),
]
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "BREW"]
NOT_OBJECTS = [b"[]", b"1", b"null", b'"x"', b"true", b'[{"ownerId":"alice"}]', b"-0", b"[[[]]]"]
MALFORMED = [b"{", b'{"a":1}x', b"{'a':1}", b'{"a":"\xff"}', b'{"a":NaN}', b"\x00"]
BAD_QUERIES = ["limit=%00", "ownerId=%00", "cursor=%ff%fe", "limit=1&limit=2", "x=%zz",
               "%ff=1", "=1", "a=1&a=1"]


def is_orchestrix(path):
    return not path.startswith(("/mcp/agents", "/agents/", "/dashboard/", "/runtime/"))


def authed(path):
    """Routes that take alice's key (approval links carry their own credential)."""
    return path not in ("/healthz", "/metrics") and is_orchestrix(path) and \
        not path.startswith("/api/v1/links/")


def probes(route, ids, keys):
    """(label, method, path, body, headers, expected statuses) for one route."""
    method, pattern, kind = route
    path = pattern.format(**ids)
    base = {}
    if authed(path):
        base["Authorization"] = "Bearer " + keys["alice"]
    elif path.startswith("/mcp/agents"):
        base["Authorization"] = "Bearer " + keys["platform"]
    elif path.startswith("/dashboard/"):
        base["Authorization"] = "Bearer " + keys["dashboard"]
    mcp = path.endswith("/mcp") or path == "/mcp"
    if mcp:
        base["Accept"] = "application/json, text/event-stream"
    J = dict(base, **{"Content-Type": "application/json"})
    out = []
    # Bodies.
    if kind == "json":
        for b in NOT_OBJECTS:
            out.append((f"non-object {b!r}", method, path, b, J, {400}))
        for b in MALFORMED:
            out.append((f"malformed {b!r}", method, path, b, J, {400}))
        out.append(("XML", method, path, b"<a/>", dict(base, **{"Content-Type": "text/xml"}), {415}))
        if authed(path):
            out.append(("foreign ownerId", method, path, b'{"ownerId":"bob"}', J, {403}))
            out.append(("ownerId not a string", method, path, b'{"ownerId":7}', J, {400}))
    elif kind == "raw":
        for b in NOT_OBJECTS + MALFORMED:
            out.append((f"raw {b!r}", method, path, b, J, {400, 404, 406}))
    else:
        out.append(("body on a bodiless route", method, path, b"{}", J, {413}))
    # Queries.
    for q in BAD_QUERIES:
        out.append((f"query {q}", method, path + "?" + q, b"{}" if kind == "json" else None,
                    J if kind == "json" else base, {400}))
    if authed(path):
        out.append(("query ownerId=bob", method, path + "?ownerId=bob",
                    b"{}" if kind == "json" else None, J if kind == "json" else base, {403}))
    # Headers.
    out.append(("10 kB Authorization", method, path, None,
                dict(base, Authorization="Bearer " + "a" * 10240), {431}))
    if authed(path) or path.startswith(("/mcp/agents", "/dashboard/")):
        out.append(("no key", method, path, None, {k: v for k, v in base.items()
                                                    if k != "Authorization"}, {401}))
        out.append(("unknown key", method, path, None, dict(base, Authorization="Bearer orx_nope"),
                    {401}))
        out.append(("Basic auth", method, path, None, dict(base, Authorization="Basic YTpi"), {401}))
    return out


def method_probes(ids):
    """A wrong method on every path: 405 from the program or nginx."""
    allowed = {}
    for m, p, _ in ROUTES:
        allowed.setdefault(p, set()).add(m)
    out = []
    for pattern, ms in allowed.items():
        for m in METHODS:
            if m in ms or (m == "HEAD" and "GET" in ms):
                continue
            out.append((f"method {m}", m, pattern.format(**ids), None, {}, {405}))
    return out


def envelope_ok(path, r):
    """The one envelope; MCP endpoints answer JSON-RPC's error object."""
    if not (r.header("Content-Type") or "").startswith("application/json"):
        return False
    try:
        body = r.json
    except ValueError:
        return False
    if set(body) == {"error"} and isinstance(body["error"], dict):
        return isinstance(body["error"].get("code"), str) and bool(body["error"].get("message"))
    if path.split("?")[0].endswith("/mcp") and body.get("jsonrpc") == "2.0":
        return isinstance(body.get("error"), dict) and "message" in body["error"]
    return False


def test_battery_across_every_route_changes_nothing(s):
    """Issue 25 "Done means": each item's probes -- bodies, queries, methods,
    headers -- on every route of both programs; each answered with a 4xx in
    the one envelope, none changing any table (row counts and a digest of
    every table of both schemas, before and after each probe)."""
    sid = s.post("/mcp/servers", SIGNUP).json["serverId"]
    assert s.put(f"/mcp/servers/{sid}/secrets/jwtKey", {"value": "battery-key-0123456789abcdef"}).status == 204
    assert s.post(f"/mcp/servers/{sid}/runtime/start").status == 200
    exe = s.post(f"/mcp/servers/{sid}/run", {"input": {"email": "bat@example.com",
                                                       "password": "secret123", "name": "B"}})
    assert exe.status == 200, exe
    d = s.post(f"/mcp/servers/{sid}/deploy", {"ownerId": "alice"}).json
    undeployed = s.post("/mcp/servers", SIGNUP).json["serverId"]
    bob = s.post("/mcp/servers", SIGNUP, key="bob").json["serverId"]
    ids = {"W": sid, "E": exe.json["executionId"], "A": d["agentId"], "B": bob,
           "I": "int_aaaaaaaaaaaa", "L": "int_aaaaaaaaaaaaaaaa.1700000000.abcdef"}
    keys = {"alice": s.keys["alice"], "dashboard": d["dashboardUrl"].split("#token=")[1],
            "platform": open(os.path.join(s.run, "platform.key")).read().strip()}
    all_probes = [p for rt in ROUTES for p in probes(rt, ids, keys)] + method_probes(ids)
    # The deploy routes once more on the workflow that is not deployed (a
    # non-object body had deployed one).
    for m, p in (("POST", "/mcp/servers/{W}/deploy"), ("DELETE", "/mcp/servers/{W}/deploy"),
                 ("POST", "/mcp/servers/{W}/runtime/start"), ("POST", "/mcp/servers/{W}/run")):
        all_probes += [x for x in probes((m, p, "json"), dict(ids, W=undeployed), keys)
                       if x[0].startswith(("non-object", "foreign", "query ownerId"))]
    # Another owner's workflow: 404 (or 400 for a body the route refuses
    # before it looks the workflow up: that says nothing of it).
    for m, p, kind in ROUTES:
        if "{W}" in p:
            h = {"Authorization": "Bearer " + keys["alice"]}
            if kind == "json":
                h["Content-Type"] = "application/json"
            all_probes.append(("bob's workflow", m, p.format(**dict(ids, W=bob)),
                               b"{}" if kind == "json" else None, h, {400, 404}))

    failures, n4, n5, changed = [], 0, 0, []
    before = last = s.digest()
    t0 = time.monotonic()
    for label, method, path, body, headers, want in all_probes:
        r = s.request(method, path, raw=body, headers=headers, key=None)
        n4 += 400 <= r.status < 500
        n5 += r.status >= 500
        if r.status not in want or not envelope_ok(path, r):
            failures.append(f"{method} {path} [{label}]: want {sorted(want)}, got {r}")
        if method not in ("GET", "HEAD", "OPTIONS", "TRACE"):
            now = s.digest()
            if now != last:
                changed.append(f"{method} {path} [{label}]: " +
                               ", ".join(t for t in now if now[t] != last.get(t)))
                last = now
    after = s.digest()
    print(f"# battery: {len(all_probes)} probes on {len(ROUTES)} routes, {n4} answered 4xx, "
          f"{n5} 5xx, {len(changed)} changed the database ({time.monotonic() - t0:.0f} s)")
    assert not failures, f"{len(failures)} of {len(all_probes)} probes:\n" + "\n".join(failures[:40])
    assert not changed, "\n".join(changed)
    assert after == before
    assert n5 == 0
    # Nothing was deployed, undeployed, started or stopped meanwhile.
    assert s.get(f"/mcp/servers/{undeployed}").json.get("archestraAgentId") is None
    assert s.get(f"/mcp/servers/{sid}").json["archestraAgentId"] == d["agentId"]
