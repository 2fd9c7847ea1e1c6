"""Faults survived: a worker killed under load, a configuration reload,
PostgreSQL going away and coming back (issue 2, "Done means")."""
import collections
import json
import os
import subprocess
import signal
import threading
import time
import urllib.parse

from pylib.stack import Skip, kill, wait_for

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SIGNUP = json.load(open(os.path.join(ROOT, "examples", "signup.json")))


def load(s, seconds, results):
    end = time.time() + seconds
    while time.time() < end:
        try:
            results.append(s.get("/mcp/servers?limit=1", timeout=10).status)
        except Exception as e:  # a dropped connection counts as a failure
            results.append(repr(e))


def deploy_lite(s, name=None):
    """Deploys the bench's signup-lite agent (one insert) for an owner of its
    own (whose users are its alone); its deploy answer, with "owner"."""
    doc = json.load(open(os.path.join(ROOT, "tests", "bench", "signup-lite.json")))
    if name is not None:
        doc["name"] = name
    owner = s.owner(f"faults{len(s.keys)}")
    sid = s.post("/mcp/servers", doc, key=owner).json["serverId"]
    assert s.put(f"/mcp/servers/{sid}/secrets/jwtKey",
                 {"value": "faults-signing-key-0123456789abcdef"}, key=owner).status == 204
    r = s.post(f"/mcp/servers/{sid}/deploy", {"ownerId": owner}, key=owner)
    assert r.status == 200, r
    return dict(r.json, owner=owner)


def test_start_is_idempotent(s):
    pids = (s.pid("orchestrix"), s.workers())
    s.script("start", s.run, str(s.port), s.build)
    assert (s.pid("orchestrix"), s.workers()) == pids


def test_killed_worker_is_replaced_under_load(s):
    before = s.workers()
    assert len(before) == 3, before
    results = []
    threads = [threading.Thread(target=load, args=(s, 3.0, results)) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    kill(before[0], signal.SIGKILL)
    for t in threads:
        t.join()
    after = wait_for(lambda: (w := s.workers()) and len(w) == 3 and w, timeout=10)
    assert after and before[0] not in after, (before, after)
    ok = sum(1 for r in results if r == 200)
    bad = [r for r in results if r != 200]
    # At most the requests in flight on the killed worker may fail.
    assert ok > 20 and len(bad) <= 4, (ok, bad[:10])
    assert s.get("/mcp/servers?limit=1").status == 200
    r = s.get("/metrics", key=None)
    assert 'orx_worker_restarts_total{program="orchestrix"}' in r.body.decode()


def test_sighup_replaces_workers_without_dropping_requests(s):
    before = s.workers()
    results = []
    threads = [threading.Thread(target=load, args=(s, 2.0, results)) for _ in range(3)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    os.kill(s.pid("orchestrix"), signal.SIGHUP)
    for t in threads:
        t.join()
    after = wait_for(lambda: (w := s.workers()) and len(w) == 3 and
                     not set(w) & set(before) and w, timeout=10)
    assert after, (before, s.workers())
    assert results and all(r == 200 for r in results), [r for r in results if r != 200][:5]


def test_database_outage_gives_503_then_heals(s):
    sid = s.post("/mcp/servers", SIGNUP).json["serverId"]
    s.pg_ctl("stop")
    try:
        for path in ("/mcp/servers", f"/mcp/servers/{sid}"):
            t0 = time.time()
            r = s.get(path)
            assert r.status == 503, r
            assert r.json["error"]["code"] == "unavailable", r
            assert r.header("Retry-After") == "1"
            assert time.time() - t0 < 5
        r = s.get("/healthz", key=None)
        assert r.status == 503 and r.json["database"] == "down", r
    finally:
        s.pg_ctl("start")
    # No restart of the programs: each worker reconnects on its own.
    assert wait_for(lambda: all(s.get(f"/mcp/servers/{sid}").status == 200
                                for _ in range(6)), timeout=15)
    assert s.get("/healthz", key=None).status == 200


def test_runtime_survives_database_outage(s):
    """A deployed agent's workers, its group commit and the log writer of
    the runtime reconnect on their own once PostgreSQL is back (SPEC §10)."""
    # The log writer back from the last test's outage has told every worker
    # to read its agents again: the calls below start after that.
    assert wait_for(lambda: s.sql("select count(*) from pg_stat_activity where "
                                  "application_name = 'runtime-log' and query <> ''") == "1",
                    timeout=10)
    agent = deploy_lite(s)
    cold = deploy_lite(s, "Sign up (never called)")
    path = urllib.parse.urlparse(agent["endpoint"]).path
    unavailable = {"error": {"code": "unavailable",
                             "message": "the database is unavailable; try again shortly"}}
    answered = {}  # email -> status

    def call(p=path):
        email = f"u{len(answered)}@example.com"
        r = s.request("POST", p, key=None,
                      raw=json.dumps({"email": email, "name": "U"}).encode())
        answered[email] = r.status
        return r

    for _ in range(12):  # the workers have read the agent
        assert call().status == 200
    s.pg_ctl("stop")
    try:
        for _ in range(6):
            r = call()
            # Refused at the commit as on any route: one envelope, a retry hint.
            assert r.status == 503 and r.header("Retry-After") == "1", r
            assert r.json == unavailable, r
        # No worker has read this one: refused before it runs, the same way.
        for _ in range(2):
            r = call(urllib.parse.urlparse(cold["endpoint"]).path)
            assert r.status == 503 and r.header("Retry-After") == "1", r
            assert r.json == unavailable, r
    finally:
        s.pg_ctl("start")
    assert wait_for(lambda: all(call().status == 200 for _ in range(8)), timeout=15), answered
    ok = {e for e, st in answered.items() if st == 200}
    stored = s.sql("select string_agg(data ->> 'email', ',') from archestra.documents "
                   "where owner_id = :'p0'", agent["owner"])
    assert set(stored.split(",")) == ok, (stored, answered)
    # The log writer kept the rows it could not write meanwhile: every call
    # answered 200 is logged, and so are the six refused at the commit.
    counts = ("select count(*) filter (where status = 200) || ' ' || "
              "(count(*) filter (where status = 503) >= 6) from archestra.invocations "
              "where agent_id = :'p0'")
    assert wait_for(lambda: s.sql(counts, agent["agentId"]) == f"{len(ok)} true", timeout=10), \
        (s.sql("select string_agg(status::text, ',') from archestra.invocations "
               "where agent_id = :'p0'", agent["agentId"]), answered)
    # The calls refused before the agent was read are logged too, as version 0.
    assert wait_for(lambda: s.sql("select string_agg(status || ' v' || version, ',') from "
                                  "archestra.invocations where agent_id = :'p0'",
                                  cold["agentId"]) == "503 v0,503 v0", timeout=10)


def metric(s, path, name):
    """The value of a Prometheus sample line starting with name, as an int."""
    for line in s.get(path, key=None).body.decode().splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return int(float(line.split()[-1]))
    raise AssertionError(f"no {name} in {path}")


def restart_log_writer(s):
    """Kills the runtime's log writer; the master starts a new one with the
    configuration it has now. Returns once the new one has its connection."""
    old = s.aux("runtime", "orx-log-writer")
    kill(old, signal.SIGKILL)
    assert wait_for(lambda: (p := s.aux("runtime", "orx-log-writer")) and p != old, timeout=10)
    assert wait_for(lambda: s.sql("select count(*) from pg_stat_activity where "
                                  "application_name = 'runtime-log' and query <> ''") == "1",
                    timeout=10)


def test_log_writer_keeps_what_fits_and_counts_every_dropped_row(s):
    """Issue 25 item 5: with PostgreSQL away, the log writer keeps up to
    ORX_LOG_KEEP_ROWS rows (here 100), the workers' rings hold what they
    can, and only the rest is dropped -- each dropped row counted in
    orx_log_dropped_total. Every call answered meanwhile is either in the
    log once the database is back or counted."""
    greeter = {"name": "no-db greeter", "tools": [
        {"toolId": "r", "name": "R", "type": "response",
         "config": {"status": 200, "body": {"hi": "{{input.n}}"}}}], "executionOrder": ["r"]}
    sid = s.post("/mcp/servers", greeter).json["serverId"]
    d = s.post(f"/mcp/servers/{sid}/deploy", {"ownerId": "alice"}).json
    path = urllib.parse.urlparse(d["endpoint"]).path
    s.reconfigure("runtime", {"ORX_LOG_KEEP_ROWS": "100"})
    try:
        restart_log_writer(s)
        for _ in range(12):   # every worker has read the agent
            assert s.post(path, {"n": 0}, key=None).status == 200
        assert wait_for(lambda: s.sql("select count(*) from archestra.invocations where "
                                      "agent_id = :'p0'", d["agentId"]) == "12", timeout=10)
        dropped0 = metric(s, "/runtime/metrics", "orx_log_dropped_total")
        s.pg_ctl("stop")
        ok, lock, stop = [0], threading.Lock(), time.time() + 40
        # Far more rows than 100 kept and three workers' rings (64 kB each).
        want = 4000

        def flood():
            while time.time() < stop:
                with lock:
                    if ok[0] >= want:
                        return
                try:
                    st = s.request("POST", path, key=None, raw=b'{"n":1}', timeout=10).status
                except Exception:
                    continue
                if st == 200:
                    with lock:
                        ok[0] += 1
        try:
            threads = [threading.Thread(target=flood) for _ in range(6)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        finally:
            s.pg_ctl("start")
        answered = ok[0]
        assert answered >= want, answered
        logged = lambda: int(s.sql("select count(*) from archestra.invocations where "
                                   "agent_id = :'p0'", d["agentId"])) - 12
        dropped = lambda: metric(s, "/runtime/metrics", "orx_log_dropped_total") - dropped0
        assert wait_for(lambda: logged() + dropped() == answered, timeout=20), \
            (logged(), dropped(), answered)
        assert dropped() > 0, (logged(), dropped(), answered)
        print(f"# log writer, database away: {answered} calls answered, {logged()} logged "
              f"afterwards, {dropped()} dropped and counted")
        # What fitted was kept: the 100 of the writer and what the rings held.
        assert logged() >= 100 + 3 * 500, (logged(), dropped(), answered)
        log = open(os.path.join(s.run, "log", "runtime.log")).read()
        assert "the database is away and 100 invocation rows wait" in log, log[-2000:]
    finally:
        s.reconfigure("runtime", {})
        restart_log_writer(s)


def insert_load(s, agent, kill_some):
    """Six threads call agent (one that inserts) for 3 s while kill_some()
    runs; returns [(email, status, error code)], once every thread is back."""
    path = urllib.parse.urlparse(agent["endpoint"]).path
    answered, lock = [], threading.Lock()
    stop = time.time() + 3.0

    def load(t):
        n = 0
        while time.time() < stop:
            email = f"t{t}n{n}@example.com"
            n += 1
            try:
                r = s.request("POST", path, key=None, timeout=10,
                              raw=json.dumps({"email": email, "name": "U"}).encode())
                st, code = r.status, r.json["error"]["code"] if r.status != 200 else ""
            except Exception as e:  # a connection cut with its worker
                st, code = 0, repr(e)
            with lock:
                answered.append((email, st, code))
            time.sleep(0.01)  # 6 threads stay under the agent's 1000 calls/s

    threads = [threading.Thread(target=load, args=(t,)) for t in range(6)]
    for t in threads:
        t.start()
    kill_some()
    for t in threads:
        t.join(timeout=20)
        assert not t.is_alive(), "a call hung"
    return answered


def check_stored_once(s, agent, answered, may_fail):
    """Every call answered 200 is stored once, nothing twice; at most
    may_fail calls failed, each as 502 or 503 "unavailable" (a call whose
    worker was killed, or whose write may or may not be stored) -- none
    refused as a duplicate. Then the agent serves again."""
    ok = [e for e, st, _ in answered if st == 200]
    bad = [(st, code) for _, st, code in answered if st != 200]
    assert len(ok) > 30, (len(ok), collections.Counter(st for _, st, _ in answered))
    summary = collections.Counter(bad)
    assert all(st in (502, 503) and code == "unavailable" for st, code in bad), summary
    assert len(bad) <= may_fail, (summary, len(ok))
    rows = s.sql("select count(*) || ' ' || count(distinct data ->> 'email') || ' ' || "
                 "count(*) filter (where data ->> 'email' = any(string_to_array(:'p1', ','))) "
                 "from archestra.documents where owner_id = :'p0'", agent["owner"], ",".join(ok))
    total, distinct, stored_ok = map(int, rows.split())
    assert total == distinct and stored_ok == len(ok), (rows, len(ok), len(answered))
    path = urllib.parse.urlparse(agent["endpoint"]).path
    for i in range(6):
        r = s.request("POST", path, key=None,
                      raw=json.dumps({"email": f"after{i}@example.com", "name": "U"}).encode())
        assert r.status == 200, r


def test_runtime_worker_killed_under_insert_load(s):
    """Runtime workers SIGKILLed while calls that insert share the group
    commit: no call hangs, a call answered 200 is stored once, a worker is
    replaced, and the agent serves again."""
    agent = deploy_lite(s)
    before = s.workers("runtime")

    def kill_two():
        for pid in before[:2]:
            time.sleep(0.7)
            kill(pid, signal.SIGKILL)
    answered = insert_load(s, agent, kill_two)
    after = wait_for(lambda: (w := s.workers("runtime")) and len(w) == len(before) and
                     not set(w) & set(before[:2]) and w, timeout=10)
    assert after, (before, s.workers("runtime"))
    check_stored_once(s, agent, answered, 12)


def test_runtime_committer_killed_under_insert_load(s):
    """The committer (the process that runs the group commit's batches,
    lib/proc/gcommit.h) SIGKILLed twice under calls that insert: no call hangs;
    only a call whose write it held may fail, as 503 (stored or not, said
    so); every 200 is stored once; the workers lead meanwhile; the master
    starts a new committer, which commits again."""
    agent = deploy_lite(s)
    killed = []

    def kill_committer():
        for _ in range(2):
            time.sleep(0.7)
            pid = wait_for(lambda: (p := s.aux("runtime", "orx-committer")) and
                           p not in killed and p, timeout=5)
            assert pid, "no committer running"
            killed.append(pid)
            kill(pid, signal.SIGKILL)
    answered = insert_load(s, agent, kill_committer)
    assert all(st != 502 for _, st, _ in answered), "no worker died"
    check_stored_once(s, agent, answered, 2 * 6)
    now = wait_for(lambda: (p := s.aux("runtime", "orx-committer")) and p not in killed and p,
                   timeout=5)
    assert now, "no new committer"
    log = open(os.path.join(s.run, "log", "runtime.log")).read()
    assert log.count("orx-committer died; restarting it") >= 2, log[-2000:]
    # The new committer's connection carries the commits again.
    assert wait_for(lambda: s.sql("select count(*) from pg_stat_activity "
                                  "where application_name = 'runtime-commit'") == "1",
                    timeout=5)


# --- the CPU gate (lib/proc/gate.h) ------------------------------------------------

def deploy_doc(s, doc):
    """Deploys a workflow document; the path of its public endpoint."""
    sid = s.post("/mcp/servers", doc).json["serverId"]
    assert s.put(f"/mcp/servers/{sid}/secrets/jwtKey",
                 {"value": "faults-signing-key-0123456789abcdef"}).status == 204
    r = s.post(f"/mcp/servers/{sid}/deploy", {"ownerId": "alice"})
    assert r.status == 200, r
    return urllib.parse.urlparse(r.json["endpoint"]).path


def gate_opened(s):
    body = s.get("/runtime/metrics", key=None).body.decode()
    for line in body.splitlines():
        if line.startswith('orx_busy_gate_opened_total{program="runtime"}'):
            return int(line.split()[-1])
    raise AssertionError("no orx_busy_gate_opened_total in the runtime's metrics")


def call_in_thread(s, path, body):
    out = []
    t = threading.Thread(target=lambda: out.append(
        s.request("POST", path, key=None, raw=json.dumps(body).encode(), timeout=30)))
    t.start()
    return t, out


def settle(s, path, body):
    """Calls path (calls that do not wait) until one runtime worker is in
    accept: the holder of the only place. A worker whose request waited
    accepts the next without a place; a call that does not wait brings it
    back to the gate. Returns the holder's pid."""
    import platform
    if platform.machine() != "x86_64":
        raise Skip("finds the worker in accept by its x86-64 system call number")

    def in_accept():   # accept(2) is 43 on x86-64, accept4(2) 288
        out = []
        for pid in s.workers("runtime"):
            try:
                if open(f"/proc/{pid}/syscall").read().split()[0] in ("43", "288"):
                    out.append(pid)
            except OSError:
                pass
        return out

    def one():
        h = in_accept()
        if len(h) != 1:
            assert s.request("POST", path, key=None, raw=body).status == 200
        return len(h) == 1 and h
    holders = wait_for(one, timeout=10)
    assert holders, f"not one worker in accept: {in_accept()}"
    return holders[0]


def test_busy_gate_a_call_waiting_on_http_gives_its_place(s):
    """With one place at the runtime's CPU gate, a call whose http_request
    waits on a slow server has given its place back: another agent is
    served meanwhile, without the master having to open the gate."""
    import http.server
    import socketserver

    armed, got, release = threading.Event(), threading.Event(), threading.Event()

    class Slow(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if armed.is_set():
                got.set()
                release.wait(20)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"late":true}')

        def log_message(self, *a):
            pass

    srv = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    s.reconfigure("runtime", {"ORX_BUSY_WORKERS": "1"})
    try:
        assert 'orx_busy_workers_limit{program="runtime"} 1' in \
            s.get("/runtime/metrics", key=None).body.decode()
        slow = deploy_doc(s, {
            "name": "Waits on HTTP", "inputSchema": {"type": "object"},
            "tools": [{"toolId": "fetch", "name": "Fetch", "type": "http_request",
                       "config": {"url": f"http://127.0.0.1:{srv.server_address[1]}/",
                                  "timeoutMs": 20000}},
                      {"toolId": "response", "name": "Respond", "type": "response",
                       "config": {"status": 200, "body": {"got": "{{steps.fetch.body.late}}"}}}],
            "executionOrder": ["fetch", "response"]})
        token = deploy_doc(s, json.load(open(os.path.join(ROOT, "tests", "bench", "nodb.json"))))
        # Every worker reads the agent first: reading it is a statement,
        # which would give the place back before the HTTP call does. (Each
        # of these calls waits on HTTP, so the next call finds every worker
        # in accept, and they share them.)
        for _ in range(12):
            assert s.request("POST", slow, key=None, raw=b"{}").status == 200
        opened = gate_opened(s)
        settle(s, token, json.dumps({"email": "s@example.com", "name": "S"}).encode())
        armed.set()
        t, out = call_in_thread(s, slow, {})
        try:
            assert got.wait(10), "the slow call never reached its server"
            for i in range(4):
                r = s.request("POST", token, key=None,
                              raw=json.dumps({"email": f"g{i}@example.com", "name": "G"}).encode())
                assert r.status == 200, r
            assert t.is_alive(), "the slow call was not waiting any more"
            assert gate_opened(s) == opened, "the gate had to be opened"
        finally:
            release.set()
            t.join(30)
        assert out and out[0].status == 200 and out[0].json == {"got": True}, out
    finally:
        srv.shutdown()
        s.reconfigure("runtime", {})


def worker_states(s):
    """Each runtime worker's pid, state, system call and wait channel."""
    out = []
    for pid in s.workers("runtime"):
        try:
            st = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
            sc = open(f"/proc/{pid}/syscall").read().split()[0]
            wc = open(f"/proc/{pid}/wchan").read()
        except OSError as e:
            st = sc = wc = repr(e)
        out.append(f"{pid} {st} syscall {sc} {wc}")
    return out


def test_busy_gate_opens_for_a_holder_that_does_not_move(s):
    """With one place, the worker holding it stopped (SIGSTOP) in accept: a
    call waits in the socket's backlog until the master sees the holder has
    not moved while a connection waits, opens the gate, and another worker
    takes the call."""
    s.reconfigure("runtime", {"ORX_BUSY_WORKERS": "1"})
    try:
        token = deploy_doc(s, json.load(open(os.path.join(ROOT, "tests", "bench", "nodb.json"))))
        body = json.dumps({"email": "h@example.com", "name": "H"}).encode()
        # Read before the holder is found: the metrics read the database.
        opened = gate_opened(s)
        holder = settle(s, token, body)
        os.kill(holder, signal.SIGSTOP)
        try:
            try:
                r = s.request("POST", token, key=None, raw=body, timeout=20)
            except TimeoutError:
                # Seen once in a full clean-clone run, never alone: say
                # where every worker was, for the next time.
                states = "; ".join(worker_states(s))
                master = s.pid("runtime")
                states += (f"; master {open(f'/proc/{master}/wchan').read()} syscall "
                           f"{open(f'/proc/{master}/syscall').read().split()[0]}")
                states += "; socket backlog " + subprocess.run(
                    ["ss", "-xlH", "src", os.path.join(s.run, "runtime.sock")],
                    capture_output=True, text=True).stdout.strip()
                try:
                    m = s.request("GET", "/runtime/metrics", key=None, timeout=5).body.decode()
                    gate = " ".join(ln for ln in m.splitlines() if ln.startswith("orx_busy"))
                except OSError as e:
                    gate = f"metrics unanswered ({e!r})"
                raise AssertionError(f"no answer in 20 s; holder {holder}; {states}; {gate}")
            assert r.status == 200, r
        finally:
            os.kill(holder, signal.SIGCONT)
        assert gate_opened(s) == opened + 1, (opened, gate_opened(s))
        assert s.request("POST", token, key=None, raw=body).status == 200
    finally:
        s.reconfigure("runtime", {})
