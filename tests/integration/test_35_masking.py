"""A secret's value never leaves a run (issue 25 item 4, SPEC §10), and a
password hash shows in traces as a password does (issue 18 part 6).

A canary secret is put, one field at a time, into every template-bearing
field of every tool type the catalog lists; each workflow is run locally and
deployed and called. Then the canary must be in no answer (run, execution,
agent, dashboard), no table but the documents the workflows wrote on
purpose, and no log file -- while the places that show rendered text show
"***" where it was."""
import copy
import http.server
import json
import os
import socketserver
import threading

CANARY = "canary-7f3a9c2e51-value"
TPL = "pre-{{secrets.canary}}-post"
WHOLE = "{{secrets.canary}}"
JWT_KEY = "masking-signing-key-0123456789abcdef"

# A minimal valid config of each type; the field under test is overlaid.
BASE = {
    "input": {},
    "validate": {"rules": {"a": ["required"]}},
    "transform": {"output": {}},
    "db_insert": {"collection": "canary", "document": {"k": 1}},
    "db_find": {"collection": "nothing_here"},
    "db_update": {"collection": "nothing_here", "id": "doc_aaaaaaaaaaaaaaaaaaaa", "set": {"k": 1}},
    "db_delete": {"collection": "nothing_here", "id": "doc_aaaaaaaaaaaaaaaaaaaa"},
    "password_hash": {"password": "a password", "iterations": 1000},
    "password_verify": {"password": "a password", "hash": None},
    "jwt_sign": {"secret": "jwtKey"},
    "jwt_verify": {"secret": "jwtKey", "token": "x.y.z"},
    "http_request": {"url": "ECHO/plain", "method": "POST", "timeoutMs": 5000},
    # A loopback port nothing listens on: the send fails, its error is shown.
    "send_email": {"to": "ann@example.com", "from": "desk@example.com", "subject": "s",
                   "body": "b", "host": "127.0.0.1", "port": 9, "security": "none",
                   "timeoutMs": 2000},
    "random_token": {"secret": "jwtKey", "purpose": "canary"},
    "hmac_verify": {"secret": "jwtKey", "signature": "00", "message": "m"},
    "condition": {"op": "eq", "left": 1, "right": 1},
    "approval": {"prompt": "ok?"},
    "response": {"status": 200, "body": {}},
}
# Fields whose rendered text a run shows (in its output, trace or error):
# there the masked canary must be seen as "***", so the test cannot pass
# by the canary never being rendered at all.
SHOWN = {("transform", "output"), ("db_insert", "document"), ("db_find", "ifEmpty.message"),
         ("password_verify", "onMismatch.message"), ("http_request", "url"),
         ("db_update", "ifNone.message"), ("db_delete", "ifNone.message"),
         ("hmac_verify", "onMismatch.message"),
         ("http_request", "headers.X-Canary"), ("http_request", "body"),
         ("response", "body"), ("response", "headers.X-Canary")}


def accepts_string(schema):
    if not isinstance(schema, dict) or "enum" in schema or "pattern" in schema or "const" in schema:
        return False
    t = schema.get("type")
    return t is None or t == "string" or (isinstance(t, list) and "string" in t)


# Fields not tried: a rendered SMTP host would be looked up in DNS (tests talk
# to loopback only); the rest of send_email is.
NOT_TRIED = {("send_email", "host")}


def template_fields(schema, prefix="", typ=None):
    """Dotted paths of the fields of a config schema that may hold a template."""
    out = []
    for name, sub in (schema.get("properties") or {}).items():
        path = prefix + name
        if not isinstance(sub, dict) or (typ, path) in NOT_TRIED:
            continue
        if accepts_string(sub):
            out.append(path)
        if isinstance(sub.get("properties"), dict):
            out += template_fields(sub, path + ".", typ)
        if accepts_string(sub.get("additionalProperties")):
            out.append(path + ".X-Canary")
        items = sub.get("items")
        if sub.get("type") == "array" and accepts_string(items):
            out.append(path + "[]")
    return out


def with_field(config, path, value):
    c = copy.deepcopy(config)
    keys = path.split(".")
    cur = c
    for k in keys[:-1]:
        if not isinstance(cur.get(k), dict):
            cur[k] = {}
        cur = cur[k]
    last = keys[-1]
    if last.endswith("[]"):
        cur[last[:-2]] = [value]
    else:
        cur[last] = value
    return c


class Echo(http.server.BaseHTTPRequestHandler):
    """Answers every request with what it was sent, as JSON."""
    seen = []

    def answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode("utf-8", "replace")
        got = {"path": self.path, "headers": dict(self.headers), "body": body}
        Echo.seen.append(json.dumps(got))
        out = json.dumps(got).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = answer

    def log_message(self, *a):
        pass


def cases(s, echo):
    """(type, field, config) for every template-bearing field, mixed into text
    and as a whole-value reference."""
    catalog = {t["type"]: t["configSchema"] for t in s.get("/api/v1/tools").json["tools"]}
    missing = set(catalog) - set(BASE)
    assert not missing, f"tool types without a canary case (add them to BASE): {missing}"
    out = []
    for typ, schema in catalog.items():
        base = json.loads(json.dumps(BASE[typ]).replace("ECHO", echo))
        for field in template_fields(schema, typ=typ):
            values = [TPL, WHOLE]
            if (typ, field) == ("http_request", "url"):
                values = [echo + "/p/" + WHOLE, echo + "/q?c=" + WHOLE]
            if field.split(".")[0] in ("document", "where", "claims", "body", "output"):
                values.append({"c": TPL})
            for v in values:
                out.append((typ, field, with_field(base, field, v)))
    return out


def workflow(typ, config):
    tools = [{"toolId": "t", "name": "T", "type": typ, "config": config}]
    if typ != "response":
        tools.append({"toolId": "r", "name": "R", "type": "response",
                      "config": {"status": 200, "body": {"out": "{{steps.t}}"}}})
    return {"name": f"canary {typ}", "tools": tools,
            "executionOrder": [t["toolId"] for t in tools]}


def test_canary_secret_masked_wherever_a_run_hands_it_out(s):
    me = s.owner("masking")   # some 60 workflows: kept out of alice's lists
    srv = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    echo = f"http://127.0.0.1:{srv.server_address[1]}"
    answers, shown, agents = [], set(), []
    try:
        all_cases = cases(s, echo)
        assert len(all_cases) >= 40, len(all_cases)
        for typ, field, config in all_cases:
            label = f"{typ}.{field} = {json.dumps(config)[:120]}"
            r = s.post("/mcp/servers", workflow(typ, config), key=me)
            if r.status != 201:   # a value the field's schema refuses at save
                answers.append((label, r.body))
                continue
            sid = r.json["serverId"]
            for name, value in (("canary", CANARY), ("jwtKey", JWT_KEY)):
                assert s.put(f"/mcp/servers/{sid}/secrets/{name}", {"value": value},
                             key=me).status == 204
            assert s.post(f"/mcp/servers/{sid}/runtime/start", key=me).status == 200
            run = s.post(f"/mcp/servers/{sid}/run", {"input": {"a": 1}}, key=me)
            answers.append((label, run.body))
            if run.status != 404 and "executionId" in run.json:
                ex = s.get(f"/api/v1/executions/{run.json['executionId']}", key=me)
                answers.append((label + " (execution)", ex.body))
                if b"***" in run.body + ex.body:
                    shown.add((typ, field))
            d = s.post(f"/mcp/servers/{sid}/deploy", {"ownerId": me}, key=me)
            assert d.status == 200, (label, d)
            agents.append((d.json["agentId"], d.json["dashboardUrl"].split("#token=")[1]))
            call = s.post(f"/agents/{d.json['agentId']}", {"a": 1}, key=None)
            answers.append((label + " (agent)", call.body + json.dumps(call.headers).encode()))
            if b"***" in call.body:
                shown.add((typ, field))
    finally:
        srv.shutdown()
        srv.server_close()

    print(f"# masking: {len(all_cases)} cases ({len(agents)} saved and deployed), "
          f"{len(answers)} answers read, rendered text seen masked for {len(shown)} fields")
    leaks = [label for label, body in answers if CANARY.encode() in body]
    assert not leaks, "the canary in answers:\n" + "\n".join(leaks[:20])
    assert SHOWN <= shown, f"no masked canary seen for {sorted(SHOWN - shown)}"
    # It was rendered for real: the echo server got it, and so did a document.
    assert any(CANARY in x for x in Echo.seen), "the echo server never saw the canary"
    assert s.sql("select count(*) from documents where data::text like :'p0'",
                 f"%{CANARY}%") != "0"

    # Every agent's dashboard data (recent calls and their errors).
    for aid, token in agents:
        r = s.get(f"/dashboard/{aid}/data", key=None, headers={"Authorization": f"Bearer {token}"})
        assert r.status == 200 and CANARY.encode() not in r.body, (aid, r)

    # No table but the documents the workflows wrote on purpose holds it.
    # Invocations reach their table through the log writer's batches.
    import time
    time.sleep(0.5)
    tables = s.sql("select string_agg(schemaname || '.' || tablename, ' ') from pg_tables "
                   "where schemaname in ('public', 'archestra')").split()
    held = [t for t in tables
            if t.split(".")[1] not in ("documents", "document_keys")
            and s.sql(f"select count(*) from {t} x where x::text like :'p0'",
                      f"%{CANARY}%") != "0"]
    assert not held, f"the canary is stored in {held}"
    # Nor any log file of the stack.
    logdir = os.path.join(s.run, "log")
    for f in sorted(os.listdir(logdir)):
        with open(os.path.join(logdir, f), "rb") as fh:
            assert CANARY.encode() not in fh.read(), f"the canary is in log/{f}"


def test_password_hash_masked_in_traces(s):
    """The password_hash and db_find steps' outputs show the hash as "***",
    in the run's answer and in the stored execution; the response built
    from it, and the document stored, still carry the real hash."""
    doc = {"name": "hash trace", "tools": [
        {"toolId": "h", "name": "Hash", "type": "password_hash",
         "config": {"password": "{{input.pw}}", "iterations": 1000}},
        {"toolId": "ins", "name": "Store", "type": "db_insert",
         "config": {"collection": "hashes", "document": {"who": "{{input.who}}",
                                                         "pw": "{{steps.h.hash}}"}}},
        {"toolId": "find", "name": "Find", "type": "db_find",
         "config": {"collection": "hashes", "where": {"who": "{{input.who}}"}}},
        {"toolId": "r", "name": "R", "type": "response",
         "config": {"status": 200, "body": {"id": "{{steps.ins.id}}"}}}],
        "executionOrder": ["h", "ins", "find", "r"]}
    sid = s.post("/mcp/servers", doc).json["serverId"]
    assert s.post(f"/mcp/servers/{sid}/runtime/start").status == 200
    r = s.post(f"/mcp/servers/{sid}/run", {"input": {"pw": "hunter2-long", "who": "ann"}})
    assert r.status == 200, r
    ex = s.get(f"/api/v1/executions/{r.json['executionId']}").json
    for where in (r.json, ex):
        steps = {st["toolId"]: st for st in where["steps"]}
        assert steps["h"]["output"]["hash"] == "***", steps["h"]
        assert steps["ins"]["output"]["document"]["pw"] == "***", steps["ins"]
        assert steps["find"]["output"]["first"]["pw"] == "***", steps["find"]
        assert all(d["pw"] == "***" for d in steps["find"]["output"]["documents"])
        assert "pbkdf2-sha256$" not in json.dumps(where), where
    stored = s.sql("select data->>'pw' from documents where id = :'p0'", r.json["output"]["id"])
    assert stored.startswith("pbkdf2-sha256$"), stored
