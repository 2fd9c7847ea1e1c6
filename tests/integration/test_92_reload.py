"""Reloads, then a stop (issue 18, part 1): a master reloaded 0, 1, 2, 3 and
10 times with SIGHUP and then stopped with SIGTERM leaves every file of the
run folder where it was, removes its own socket, and the sanitizers report
nothing -- also with requests in flight during the reloads.

The master once kept the socket's path as a pointer into the configuration
it loaded at start, which the second reload frees: at the stop, unlink()
removed whatever string lay there then (seen: the secrets key). unlink is
not one of the calls AddressSanitizer watches, so the programs run here with
freed memory filled with zeroes (free_fill_byte): a path read from freed
memory is then the empty string, and the socket is left behind."""
import json
import os
import threading
import time
import urllib.parse

from pylib.stack import wait_for

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RELOADS = (0, 1, 2, 3, 10)
# Between two calls of a load thread: 3 threads stay under the agent's
# rate limit (ORX_AGENT_RATE, 1000 calls/s) however fast the calls are.
PAUSE = 0.005
# Trees whose files others create and remove on their own.
VOLATILE = ("pg/data", "nginx/tmp", "sanitizers")
# Sockets of a program's own processes besides its master's (Orchestrix's
# event hub): theirs to remove as they stop.
OWN = {"orchestrix": {"events.sock"}, "runtime": set()}


def run_files(s):
    out = set()
    for d, dirs, files in os.walk(s.run):
        rel = os.path.relpath(d, s.run)
        dirs[:] = [x for x in dirs if os.path.normpath(os.path.join(rel, x)) not in VOLATILE]
        out.update(os.path.normpath(os.path.join(rel, f)) for f in files)
    return out


def reports(s):
    return sorted(os.listdir(s.sanlog))


def fill_env(s):
    env = dict(s.env)
    env["ASAN_OPTIONS"] += ":max_free_fill_size=1048576:free_fill_byte=0"
    return env


def cycles(s, prog, load=None):
    """For each count of RELOADS: prog (re)started, reloaded that many times
    while load() runs (if given; it returns the statuses it got), stopped;
    then checks the run folder, the socket and the sanitizer logs."""
    sock = f"{prog}.sock"
    env = fill_env(s)
    s.program_stop(prog)
    try:
        for n in RELOADS:
            s.program_start(env)
            before, seen = run_files(s), reports(s)
            assert sock in before, sorted(before)
            results, stop = [], threading.Event()
            threads = [threading.Thread(target=load, args=(stop, results))
                       for _ in range(3)] if load else []
            for t in threads:
                t.start()
            try:
                for _ in range(n):
                    s.reconfigure(prog, {})
            finally:
                stop.set()
                for t in threads:
                    t.join(30)
            if load:
                bad = [r for r in results if r != 200]
                assert results and not bad, (n, len(results), bad[:5])
            s.program_stop(prog)
            after = run_files(s)
            assert sock not in after, f"{prog}: {n} reloads, then a stop: the socket is left"
            kept = before - {sock} - OWN[prog]
            assert kept <= after, \
                f"{prog}: {n} reloads, then a stop: removed {sorted(kept - after)}"
            new = [r for r in reports(s) if r not in seen]
            assert not new, open(os.path.join(s.sanlog, new[0])).read()[-4000:]
            log = open(os.path.join(s.run, "log", f"{prog}.log")).read()
            assert log.rstrip().endswith(f"{prog}: stopped"), log[-1000:]
    finally:
        # Back as the other tests expect it, whatever happened above.
        s.program_start()


def test_orchestrix_reloaded_then_stopped_keeps_the_run_folder(s):
    cycles(s, "orchestrix")


def test_runtime_reloaded_then_stopped_keeps_the_run_folder(s):
    cycles(s, "runtime")


def test_orchestrix_reloads_with_requests_in_flight_then_stop(s):
    def load(stop, results):
        while not stop.is_set():
            try:
                results.append(s.get("/mcp/servers?limit=1", timeout=20).status)
            except Exception as e:  # a dropped connection is a failure
                results.append(repr(e))
            time.sleep(PAUSE)
    cycles(s, "orchestrix", load)


def test_runtime_reloads_with_calls_in_flight_then_stop(s):
    doc = json.load(open(os.path.join(ROOT, "tests", "bench", "nodb.json")))
    sid = s.post("/mcp/servers", doc).json["serverId"]
    assert s.put(f"/mcp/servers/{sid}/secrets/jwtKey",
                 {"value": "reload-signing-key-0123456789abcdef"}).status == 204
    r = s.post(f"/mcp/servers/{sid}/deploy", {"ownerId": "alice"})
    assert r.status == 200, r
    path = urllib.parse.urlparse(r.json["endpoint"]).path
    body = json.dumps({"email": "r@example.com", "name": "R"}).encode()
    assert wait_for(lambda: s.request("POST", path, key=None, raw=body).status == 200)

    def load(stop, results):
        while not stop.is_set():
            try:
                r = s.request("POST", path, key=None, raw=body, timeout=20)
                results.append(r.status if r.status != 200 or "token" in r.json else r)
            except Exception as e:
                results.append(repr(e))
            time.sleep(PAUSE)
    cycles(s, "runtime", load)
