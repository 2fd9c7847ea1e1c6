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
