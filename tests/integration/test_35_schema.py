"""JSON Schema through the real stack (issue 22): hostile patterns against a
deployed agent (the public endpoint, no key) end with an answer and leave
the runtime to its other agents; a step's deadline stops a validation that
computes too long."""
import json
import threading
import urllib.parse

JWT_KEY = "schema-signing-key-0123456789abcdef"


def agent(s, name, input_schema):
    """Creates, deploys and returns the public path of an input → response agent."""
    doc = {"name": name, "inputSchema": input_schema,
           "tools": [{"toolId": "input", "name": "Input", "type": "input", "config": {}},
                     {"toolId": "response", "name": "Respond", "type": "response",
                      "config": {"status": 200, "body": {"ok": True}}}],
           "executionOrder": ["input", "response"]}
    r = s.post("/mcp/servers", doc)
    assert r.status == 201, r
    r = s.post(f"/mcp/servers/{r.json['serverId']}/deploy", {"ownerId": "alice"})
    assert r.status == 200, r
    return urllib.parse.urlparse(r.json["endpoint"]).path


def call(s, path, body, timeout=30):
    return s.request("POST", path, key=None, raw=json.dumps(body).encode(), timeout=timeout)


HOSTILE_SCHEMA = {"type": "object", "properties": {
    "code": {"type": "string", "maxLength": 10, "pattern": "[0-9]+$"},
    "word": {"type": "string", "pattern": "(a+)+$"}}}


def test_hostile_patterns_are_refused_and_others_served(s):
    hostile = agent(s, "Hostile patterns", HOSTILE_SCHEMA)
    other = agent(s, "Plain", {"type": "object", "required": ["n"],
                               "properties": {"n": {"type": "integer"}}})
    bodies = [{"code": "1" * 65536 + "x"}, {"word": "a" * 65536 + "!"}] * 3
    answers = [None] * len(bodies)

    def send(i):
        try:
            answers[i] = call(s, hostile, bodies[i])
        except Exception as e:  # a timeout is an answer too: the wrong one
            answers[i] = e
    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    # Meanwhile another agent is served.
    r = call(s, other, {"n": 1})
    assert r.status == 200 and r.json == {"ok": True}, r
    for t in threads:
        t.join(60)
    for body, a in zip(bodies, answers):
        assert getattr(a, "status", None) == 400, a
        err = a.json["error"]
        assert err["code"] == "invalid_input", a
        if "code" in body:
            # maxLength is checked first; the pattern never ran.
            assert [(d["path"], d["keyword"]) for d in err["details"]] == \
                [("/code", "maxLength")], a
        else:
            assert [(d["path"], d["keyword"]) for d in err["details"]] == \
                [("/word", "pattern")], a
            assert "too complex" in err["details"][0]["message"], a
    # The agent still answers ordinary calls, and so does the other.
    assert call(s, hostile, {"code": "12345", "word": "aaa"}).status == 200
    r = call(s, hostile, {"code": "12345a"})
    assert r.status == 400 and r.json["error"]["details"][0]["keyword"] == "pattern", r
    assert call(s, other, {"n": 2}).status == 200


def test_a_step_deadline_stops_a_long_validation(s):
    # A pattern that searches quadratically without hitting a limit: each
    # starting position scans to the end. The step's deadline stops it.
    path = agent(s, "Slow search", {"type": "object", "properties": {
        "t": {"type": "string", "pattern": "[0-9]+$"}}})
    s.reconfigure("runtime", {"ORX_STEP_TIMEOUT_MS": "300"})
    try:
        r = call(s, path, {"t": "1" * 400000 + "x"})
        assert r.status == 504 and r.json["error"]["code"] == "step_timeout", r
        # Validations that end in time are not affected.
        assert call(s, path, {"t": "12345"}).status == 200
        r = call(s, path, {"t": "123x"})
        assert r.status == 400 and r.json["error"]["code"] == "invalid_input", r
    finally:
        s.reconfigure("runtime", {})


# A schema that uses what the validator once refused at save: $defs with
# $anchor and $dynamicAnchor, $ref, $dynamicRef, unevaluatedProperties.
RICH = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://orchestrix.example/schemas/order",
    "type": "object",
    "required": ["email", "items"],
    "properties": {
        "email": {"type": "string", "format": "email"},
        "items": {"type": "array", "minItems": 1, "items": {"$dynamicRef": "#item"}},
    },
    "allOf": [{"$ref": "#contact"}],
    "unevaluatedProperties": False,
    "$defs": {
        "contact": {"$anchor": "contact",
                    "properties": {"phone": {"type": "string", "pattern": "^\\+[0-9]{6,15}$"}}},
        "item": {"$dynamicAnchor": "item", "type": "object", "required": ["sku"],
                 "properties": {"sku": {"type": "string", "minLength": 3}}},
    },
}


def test_draft_2020_keywords_saved_and_enforced(s):
    doc = {"name": "Orders", "inputSchema": RICH,
           "tools": [{"toolId": "input", "name": "Input", "type": "input", "config": {}},
                     {"toolId": "response", "name": "Respond", "type": "response",
                      "config": {"status": 201, "body": {"ok": True}}}],
           "executionOrder": ["input", "response"]}
    r = s.post("/mcp/servers", doc)
    assert r.status == 201, r
    sid = r.json["serverId"]
    assert s.post(f"/mcp/servers/{sid}/runtime/start").status == 200
    good = {"email": "ann@example.com", "phone": "+3312345678", "items": [{"sku": "abc"}]}
    # A run answers with the workflow's own status.
    r = s.post(f"/mcp/servers/{sid}/run", {"input": good})
    assert r.status == 201 and r.json["status"] == "succeeded", r
    bad = {"email": "nope", "phone": "12", "items": [{"sku": "x"}], "coupon": "FREE"}
    r = s.post(f"/mcp/servers/{sid}/run", {"input": bad})
    assert r.status == 400 and r.json["status"] == "failed", r
    err = r.json["error"]
    assert err["code"] == "invalid_input", err
    got = {(d["path"], d["keyword"]): d["message"] for d in err["details"]}
    assert got == {
        ("/email", "format"): "must be an email address",
        ("/phone", "pattern"): "must match the pattern \"^\\+[0-9]{6,15}$\"",
        ("/items/0/sku", "minLength"): "must be at least 3 characters long",
        ("/coupon", "unevaluatedProperties"): "is not an allowed property",
    }, got
    # The message says it in words, field by field.
    assert err["message"].startswith("email must be an email address; "), err
    assert "items/0/sku must be at least 3 characters long" in err["message"], err
    assert err["message"].endswith(" (4 problems)"), err
    # Deployed, the public endpoint answers the same 400.
    r = s.post(f"/mcp/servers/{sid}/deploy", {"ownerId": "alice"})
    assert r.status == 200, r
    path = urllib.parse.urlparse(r.json["endpoint"]).path
    r = call(s, path, bad)
    assert r.status == 400 and r.json["error"]["message"] == err["message"], r
    assert call(s, path, good).status == 201


def test_a_schema_never_fetches_anything(s):
    doc = {"name": "Remote", "inputSchema": {"$ref": "https://json-schema.org/draft/2020-12/schema"},
           "tools": [{"toolId": "r", "name": "R", "type": "response", "config": {}}],
           "executionOrder": ["r"]}
    r = s.post("/mcp/servers", doc)
    assert r.status == 400 and r.json["error"]["code"] == "validation_failed", r
    (d,) = r.json["error"]["details"]
    assert d["path"] == "/inputSchema/$ref" and "none is ever fetched" in d["message"], d
