"""Live execution events (issue 20 part 1; SPEC §7): Server-Sent Events
through nginx from the event hub, Last-Event-ID resumption that misses
nothing and repeats nothing, the JSON polling fallback, a workflow's
stream of all its runs, secrets hidden, and 1,000 subscribers held by the
hub without a worker each."""
import json
import os
import selectors
import socket
import time

from pylib.stack import wait_for

OWNER = "gil"
FLOW = {
    "name": "Followed", "inputSchema": {"type": "object"},
    "tools": [
        {"toolId": "in", "name": "Input", "type": "input", "config": {}},
        {"toolId": "sig", "name": "Sign", "type": "transform",
         "config": {"output": {"who": "{{input.who}}", "key": "{{secrets.apiKey}}"}}},
        {"toolId": "ok", "name": "Approve", "type": "approval", "config": {"prompt": "ok {{input.who}}?"}},
        {"toolId": "out", "name": "Respond", "type": "response",
         "config": {"status": 200, "body": {"who": "{{input.who}}", "r": "{{steps.ok.response}}"}}}],
    "executionOrder": ["in", "sig", "ok", "out"],
}
SECRET = "s3cret-canary-value-1234"


def key(s):
    return s.keys[s.owner(OWNER)]


def workflow(s):
    r = s.post("/mcp/servers", FLOW, key=key(s))
    assert r.status == 201, r
    sid = r.json["serverId"]
    assert s.put(f"/mcp/servers/{sid}/secrets/apiKey", {"value": SECRET}, key=key(s)).status == 204
    assert s.post(f"/mcp/servers/{sid}/runtime/start", key=key(s)).status == 200
    return sid


class Stream:
    """An SSE subscriber over a raw socket (HTTP/1.0: nginx sends the stream
    as it comes, to the end of the connection)."""

    def __init__(self, s, path, k, last=None, timeout=10):
        self.sock = socket.create_connection(("127.0.0.1", s.port), timeout=timeout)
        head = (f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {k}\r\n"
                "Accept: text/event-stream\r\n")
        if last is not None:
            head += f"Last-Event-ID: {last}\r\n"
        self.sock.sendall((head + "\r\n").encode())
        self.buf = b""
        self.status = None

    def fileno(self):
        return self.sock.fileno()

    def feed(self, data):
        self.buf += data
        if self.status is None and b"\r\n\r\n" in self.buf:
            head, self.buf = self.buf.split(b"\r\n\r\n", 1)
            self.status = int(head.split(b" ")[1])

    def events(self):
        """The whole events received so far (and drops them from the buffer)."""
        out = []
        while self.status is not None and b"\n\n" in self.buf:
            block, self.buf = self.buf.split(b"\n\n", 1)
            ev = {}
            for line in block.decode().splitlines():
                if line.startswith("id: "):
                    ev["id"] = int(line[4:])
                elif line.startswith("event: "):
                    ev["event"] = line[7:]
                elif line.startswith("data: "):
                    ev["data"] = json.loads(line[6:])
            if "id" in ev:
                out.append(ev)
        return out

    def read_until(self, pred, timeout=15):
        got, end = [], time.time() + timeout
        while time.time() < end:
            got += self.events()
            if pred(got):
                return got
            self.sock.settimeout(max(0.05, end - time.time()))
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            if not data:
                break
            self.feed(data)
        return got + self.events()

    def close(self):
        self.sock.close()


def types(evs):
    return [e["event"] for e in evs]


def test_sse_follows_a_run_live_and_hides_secrets(s):
    sid = workflow(s)
    r = s.post(f"/mcp/servers/{sid}/executions", {"input": {"who": "Ann"}}, key=key(s))
    exe = r.json["executionId"]
    st = Stream(s, f"/api/v1/executions/{exe}/events", key(s))
    try:
        got = st.read_until(lambda e: "intervention_required" in types(e))
        assert st.status == 200, st.status
        assert types(got) == ["step_started", "step_completed", "step_started",
                              "step_completed", "step_started", "intervention_required"], types(got)
        assert all(e["data"]["executionId"] == exe for e in got)
        done = got[3]["data"]["data"]
        assert done["toolId"] == "sig" and done["output"]["key"] == "***", done
        assert SECRET not in json.dumps(got)
        iv = got[-1]["data"]["data"]["interventionId"]
        assert got[-1]["data"]["data"]["prompt"] == "ok Ann?"
        s.post(f"/api/v1/executions/{exe}/interventions/{iv}", {"response": "approve"},
               key=key(s))
        more = st.read_until(lambda e: "succeeded" in types(e))
        assert types(more) == ["intervention_answered", "step_completed", "step_started",
                               "step_completed", "succeeded"], types(more)
        ids = [e["id"] for e in got + more]
        assert ids == sorted(set(ids)), ids
    finally:
        st.close()


def test_reconnect_with_last_event_id_misses_nothing(s):
    sid = workflow(s)
    exe = s.post(f"/mcp/servers/{sid}/run", {"input": {"who": "Bo"}}, key=key(s)).json["executionId"]
    iv = s.get(f"/api/v1/executions/{exe}/interventions", key=key(s)).json["items"][0]["id"]
    s.post(f"/api/v1/executions/{exe}/interventions/{iv}", {"response": "approve"}, key=key(s))
    wait_for(lambda: s.get(f"/api/v1/executions/{exe}", key=key(s)).json["status"] == "succeeded")
    every = s.get(f"/api/v1/executions/{exe}/events", key=key(s)).json
    assert [e["type"] for e in every["events"]][-1] == "succeeded", every
    all_ids = [e["id"] for e in every["events"]]
    # Drop after the third, reconnect with its id: the rest, once each.
    st = Stream(s, f"/api/v1/executions/{exe}/events", key(s))
    first = st.read_until(lambda e: len(e) >= 3)[:3]
    st.close()
    st = Stream(s, f"/api/v1/executions/{exe}/events", key(s), last=first[-1]["id"])
    rest = st.read_until(lambda e: "succeeded" in types(e))
    st.close()
    assert [e["id"] for e in first + rest] == all_ids, (first, rest, all_ids)
    # Polling: a page after an id, and where to go on from.
    page = s.get(f"/api/v1/executions/{exe}/events?after={all_ids[1]}", key=key(s)).json
    assert [e["id"] for e in page["events"]] == all_ids[2:] and page["next"] == all_ids[-1]
    assert s.get(f"/api/v1/executions/{exe}/events?after=x", key=key(s)).status == 400
    assert s.get(f"/api/v1/executions/{exe}/events", key=None).status == 401
    assert s.get(f"/api/v1/executions/{exe}/events", key="bob").status == 404
    assert s.get("/api/v1/executions/exe_doesnotexist/events", key=key(s)).status == 404


def test_a_workflows_stream_follows_every_run(s):
    sid = workflow(s)
    st = Stream(s, f"/mcp/servers/{sid}/events", key(s))
    try:
        st.read_until(lambda e: False, timeout=0.5)
        a = s.post(f"/mcp/servers/{sid}/run", {"input": {"who": "A"}}, key=key(s)).json["executionId"]
        b = s.post(f"/mcp/servers/{sid}/run", {"input": {"who": "B"}}, key=key(s)).json["executionId"]
        got = st.read_until(lambda e: sum(x["event"] == "intervention_required" for x in e) == 2)
        assert {e["data"]["executionId"] for e in got} == {a, b}, got
    finally:
        st.close()


def test_a_thousand_subscribers_hold_no_worker(s):
    sid = workflow(s)
    exe = s.post(f"/mcp/servers/{sid}/run", {"input": {"who": "K"}}, key=key(s)).json["executionId"]
    workers = len(s.workers())
    sel = selectors.DefaultSelector()
    streams = []
    try:
        for _ in range(1000):
            st = Stream(s, f"/api/v1/executions/{exe}/events", key(s))
            st.sock.setblocking(False)
            sel.register(st, selectors.EVENT_READ)
            streams.append(st)

        def pump(until, timeout):
            end = time.time() + timeout
            while time.time() < end and not until():
                for k, _ in sel.select(0.2):
                    try:
                        data = k.fileobj.sock.recv(65536)
                    except BlockingIOError:
                        continue
                    if data:
                        k.fileobj.feed(data)
                        k.fileobj.got = getattr(k.fileobj, "got", []) + k.fileobj.events()
            return until()

        assert pump(lambda: all(any(e["event"] == "intervention_required"
                                    for e in getattr(x, "got", [])) for x in streams), 60), \
            sum(1 for x in streams if getattr(x, "got", None))
        assert len(s.workers()) == workers, "workers were added for subscribers"
        iv = s.get(f"/api/v1/executions/{exe}/interventions", key=key(s)).json["items"][0]["id"]
        s.post(f"/api/v1/executions/{exe}/interventions/{iv}", {"response": "approve"}, key=key(s))
        assert pump(lambda: all(any(e["event"] == "succeeded" for e in getattr(x, "got", []))
                                for x in streams), 60)
        hub = s.aux("orchestrix", "orx-events")
        rss = int(open(f"/proc/{hub}/status").read().split("VmRSS:")[1].split()[0])
        print(f"# 1,000 subscribers: the event hub's RSS {rss // 1024} MB, "
              f"{len(s.workers())} workers")
    finally:
        for st in streams:
            st.close()


def test_the_approvals_inbox_and_the_owners_stream(s):
    """GET /api/v1/interventions: every open intervention the key may be
    asked to answer, newest first (its owner's, and others' that name it);
    GET /api/v1/events follows every run of the key's owner."""
    s.owner("hal")
    st = Stream(s, "/api/v1/events", key(s))
    try:
        st.read_until(lambda e: False, timeout=0.5)
        a = workflow(s)
        doc = json.loads(json.dumps(FLOW))
        doc["tools"][2]["config"]["approvers"] = {"owners": ["hal"]}
        r = s.post("/mcp/servers", doc, key=key(s))
        b = r.json["serverId"]
        s.put(f"/mcp/servers/{b}/secrets/apiKey", {"value": SECRET}, key=key(s))
        s.post(f"/mcp/servers/{b}/runtime/start", key=key(s))
        x = s.post(f"/mcp/servers/{a}/run", {"input": {"who": "X"}}, key=key(s)).json["executionId"]
        y = s.post(f"/mcp/servers/{b}/run", {"input": {"who": "Y"}}, key=key(s)).json["executionId"]
        got = st.read_until(lambda e: {v["data"]["executionId"] for v in e
                                       if v["event"] == "intervention_required"} >= {x, y})
        assert {v["data"]["executionId"] for v in got} >= {x, y}, got
    finally:
        st.close()
    mine = s.get("/api/v1/interventions", key=key(s)).json["items"]
    assert [i["executionId"] for i in mine][:2] == [y, x], mine   # newest first
    assert mine[0]["intervention"]["prompt"] == "ok Y?" and mine[0]["intervention"]["link"]
    theirs = s.get("/api/v1/interventions", key=s.keys["hal"]).json["items"]
    assert [i["executionId"] for i in theirs] == [y], theirs
    assert s.get("/api/v1/interventions", key="bob").json["items"] == []
