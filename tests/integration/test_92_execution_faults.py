"""Durable executions under faults (the engine issue, part 2): an executor
SIGKILLed in the middle of a step loses nothing and repeats no committed
write; PostgreSQL restarted under 100 waiting executions; the sweeper is
one per database, whichever process holds its lock."""
import http.server
import os
import signal
import socketserver
import subprocess
import threading
import time

from pylib.stack import wait_for

OWNER = "fay"


def key(s):
    return s.keys[s.owner(OWNER)]


def executors(s, prog="orchestrix"):
    return sorted(pid for pid, c in s._children(prog) if c == "orx-executor")


def start(s, doc):
    k = key(s)
    r = s.post("/mcp/servers", doc, key=k)
    assert r.status == 201, r
    sid = r.json["serverId"]
    assert s.post(f"/mcp/servers/{sid}/runtime/start", key=k).status == 200
    return sid


def status(s, exe):
    return s.get(f"/api/v1/executions/{exe}", key=key(s)).json


def short_leases(s, ms):
    """Executors with a lease of ms: the configuration, then new executors
    (they keep the configuration they started with)."""
    s.reconfigure("orchestrix", {"ORX_EXEC_LEASE_MS": str(ms)} if ms else {})
    old = executors(s)
    for pid in old:
        os.kill(pid, signal.SIGTERM)
    assert wait_for(lambda: (e := executors(s)) and not set(e) & set(old) and len(e) == len(old),
                    timeout=20), (old, executors(s))


def test_executor_killed_mid_step_loses_nothing(s):
    calls, slow = [], threading.Event()
    slow.set()

    class Slow(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            calls.append(time.time())
            if slow.is_set():
                time.sleep(6)
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok":true}')
            except OSError:   # the killed executor's call: nobody listens
                pass

        def log_message(self, *a):
            pass

    srv = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Slow)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    short_leases(s, 2000)
    try:
        sid = start(s, {
            "name": "Kill me mid-step", "inputSchema": {"type": "object"},
            "tools": [
                {"toolId": "before", "name": "Before", "type": "db_insert",
                 "config": {"collection": "kill_before", "document": {"n": "{{input.n}}"}}},
                {"toolId": "call", "name": "Call out", "type": "http_request",
                 "config": {"method": "POST", "url": f"http://127.0.0.1:{srv.server_address[1]}/",
                            "body": {"n": "{{input.n}}"}, "timeoutMs": 20000}},
                {"toolId": "after", "name": "After", "type": "db_insert",
                 "config": {"collection": "kill_after", "document": {"n": "{{input.n}}"}}},
                {"toolId": "out", "name": "Respond", "type": "response",
                 "config": {"status": 200, "body": {"ok": "{{steps.call.body.ok}}"}}}],
            "executionOrder": ["before", "call", "after", "out"]})
        r = s.post(f"/mcp/servers/{sid}/executions", {"input": {"n": 7}}, key=key(s))
        assert r.status == 202, r
        exe = r.json["executionId"]
        # The step that calls out is under way: its executor dies in it.
        assert wait_for(lambda: calls, timeout=15), "the call never came"
        e = status(s, exe)
        assert e["status"] == "running" and [x["toolId"] for x in e["steps"]] == ["before"], e
        before = executors(s)
        for pid in before:
            os.kill(pid, signal.SIGKILL)
        slow.clear()
        done = wait_for(lambda: (x := status(s, exe))["status"] == "succeeded" and x, timeout=30)
        assert done, status(s, exe)
        assert done["output"] == {"ok": True}, done
        # The committed write is not done again; the call out is (at least once).
        assert s.count_docs("kill_before", owner=OWNER) == 1
        assert s.count_docs("kill_after", owner=OWNER) == 1
        assert len(calls) == 2, calls
        assert not set(executors(s)) & set(before), "the executors were not replaced"
        log = open(os.path.join(s.run, "log", "orchestrix.log")).read()
        assert "orx-executor died; restarting it" in log
    finally:
        srv.shutdown()
        short_leases(s, None)


WAITER = {
    "name": "Waits", "inputSchema": {"type": "object"},
    "tools": [
        {"toolId": "ok", "name": "Approve", "type": "approval", "config": {"prompt": "#{{input.n}}?"}},
        {"toolId": "out", "name": "Respond", "type": "response",
         "config": {"status": 200, "body": {"n": "{{input.n}}", "r": "{{steps.ok.response}}"}}}],
    "executionOrder": ["ok", "out"],
}


def test_database_restart_with_100_waiting(s):
    sid = start(s, WAITER)
    exes = []
    for n in range(100):
        r = s.post(f"/mcp/servers/{sid}/run", {"input": {"n": n}}, key=key(s))
        assert r.status == 202, r
        exes.append((r.json["executionId"], r.json["interventions"][0]["id"]))
    # Waiting holds nothing: no executor works on them, no connection waits.
    held = s.sql("select count(*) from execution_queue q join executions e on e.id = q.execution_id "
                 "where e.server_id = :'p0'", sid)
    assert held == "0", held
    s.pg_ctl("stop")
    s.pg_ctl("start")

    def answer(exe, iid):
        r = s.post(f"/api/v1/executions/{exe}/interventions/{iid}", {"response": "approve"},
                   key=key(s))
        return r.status == 200 or (r.status == 503 and None)
    for exe, iid in exes:
        assert wait_for(lambda: answer(exe, iid), timeout=20), exe
    done = wait_for(lambda: s.sql("select count(*) from executions where server_id = :'p0' "
                                  "and status = 'succeeded'", sid) == "100", timeout=60)
    assert done, s.sql("select status, count(*) from executions where server_id = :'p0' "
                       "group by status", sid)
    e = status(s, exes[42][0])
    assert e["output"] == {"n": 42, "r": "approve"}, e


def test_one_sweeper_per_database(s):
    """Whoever holds the sweeper's advisory lock is the one sweeper: while a
    session of the test holds it, no executor ends an overdue intervention;
    once it lets go, each is ended once."""
    doc = {**WAITER, "tools": [dict(WAITER["tools"][0], config={
        "prompt": "#{{input.n}}?", "timeout": 1, "onTimeout": "continue"}), WAITER["tools"][1]]}
    sid = start(s, doc)
    holder = subprocess.Popen(["psql", s.database_url, "-X", "-qAt", "-v", "ON_ERROR_STOP=1"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        holder.stdin.write("select pg_advisory_lock(hashtext('public.orx_sweeper'));\n"
                           "select 'held';\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() in ("", "held")
        log = os.path.join(s.run, "log", "orchestrix.log")
        mark = os.path.getsize(log)
        exes = [s.post(f"/mcp/servers/{sid}/run", {"input": {"n": n}}, key=key(s)).json["executionId"]
                for n in range(20)]
        time.sleep(3)   # every deadline has passed; the sweepers look each second
        waiting = s.sql("select count(*) from executions where server_id = :'p0' "
                        "and status = 'waiting'", sid)
        assert waiting == "20", waiting
    finally:
        holder.stdin.close()
        holder.wait(10)
    done = wait_for(lambda: s.sql("select count(*) from executions where server_id = :'p0' "
                                  "and status = 'succeeded'", sid) == "20", timeout=30)
    assert done, s.sql("select status, count(*) from executions where server_id = :'p0' "
                       "group by status", sid)
    assert status(s, exes[3])["output"] == {"n": 3, "r": None}
    assert s.sql("select count(*) from interventions i join executions e on e.id = i.execution_id "
                 "where e.server_id = :'p0' and i.status = 'expired'", sid) == "20"
    with open(log) as f:
        f.seek(mark)
        swept = [int(line.split("sweeper: ")[1].split()[0]) for line in f if "sweeper: " in line]
    assert sum(swept) == 20, swept
