"""`make bench`'s durable executions (scripts/bench.sh, part executions), on
the bench's stack (URL, KEY, DATABASE_URL from the environment):

  1. asynchronous runs of a 3-step graph: enqueued by wrk through nginx for
     BENCH_SECONDS, then completed by the executors; both rates, from the
     database's own timestamps (target: >= 2,000/s completed);
  2. answer-to-next-step: sequential runs that wait, each answered; the time
     from the answer being recorded to the execution's end (its next and last
     step), p50/p99 from the database's timestamps (target: p99 <= 20 ms);
  3. 10,000 waiting executions: made through nginx, then what they hold --
     processes, connections -- and their bytes in PostgreSQL;
  4. live events: the time from a step's completion (its event's time) to a
     subscriber of the workflow's stream reading it, p50/p99 (target: p99
     <= 10 ms); then 1,000 subscribers at once, and what they hold.
"""
import datetime
import selectors
import socket
import http.client
import json
import os
import subprocess
import sys
import time
import urllib.parse

URL = os.environ["URL"]
KEY = os.environ["KEY"]
DB = os.environ["DATABASE_URL"]
DUR = int(os.environ.get("BENCH_SECONDS", "8"))
CONN = os.environ.get("BENCH_CONNECTIONS", "32")
HERE = os.path.dirname(os.path.abspath(__file__))
u = urllib.parse.urlparse(URL)


def call(method, path, body=None):
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    try:
        c.request(method, path, body=json.dumps(body) if body is not None else None,
                  headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"})
        r = c.getresponse()
        return r.status, json.loads(r.read() or b"null")
    finally:
        c.close()


def sql(q):
    p = subprocess.run(["psql", DB, "-X", "-qAt", "-v", "ON_ERROR_STOP=1", "-c", q],
                       capture_output=True, text=True, check=True)
    return p.stdout.strip()


def workflow(doc):
    st, d = call("POST", "/mcp/servers", doc)
    assert st == 201, d
    sid = d["serverId"]
    assert call("POST", f"/mcp/servers/{sid}/runtime/start")[0] == 200
    return sid


def wrk(path, body, seconds):
    env = dict(os.environ, BENCH_DIR=HERE, BENCH_KEY=KEY, BENCH_BODY=json.dumps(body))
    p = subprocess.run(["wrk", "-t2", f"-c{CONN}", f"-d{seconds}s", "-s",
                        os.path.join(HERE, "execute.lua"), URL + path],
                       env=env, capture_output=True, text=True, check=True)
    line = [x for x in p.stdout.splitlines() if x.startswith("RESULT")][0].split()
    return int(line[1]), float(line[2]), float(line[4]), int(line[5])


def wait_done(sid, n, timeout=300):
    end = time.time() + timeout
    while time.time() < end:
        left = int(sql(f"select count(*) from executions where server_id = '{sid}' "
                       "and status not in ('succeeded', 'failed', 'cancelled')"))
        if left == 0:
            return True
        time.sleep(0.2)
    return False


def percentile(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


THREE = {"name": "Three steps", "inputSchema": {"type": "object"},
         "tools": [{"toolId": "in", "name": "In", "type": "input", "config": {}},
                   {"toolId": "t", "name": "T", "type": "transform",
                    "config": {"output": {"n": "{{input.n}}", "ok": True}}},
                   {"toolId": "out", "name": "Out", "type": "response",
                    "config": {"status": 200, "body": "{{steps.t}}"}}],
         "executionOrder": ["in", "t", "out"]}
WAITS = {"name": "Waits", "inputSchema": {"type": "object"},
         "tools": [{"toolId": "ok", "name": "OK", "type": "approval",
                    "config": {"prompt": "go on?"}},
                   {"toolId": "out", "name": "Out", "type": "response",
                    "config": {"status": 200, "body": {"r": "{{steps.ok.response}}"}}}],
         "executionOrder": ["ok", "out"]}


def main():
    execs = sql("select count(*) from pg_stat_activity where application_name like '%-exec'")
    print(f"== durable executions ({execs} executor connections)")
    # 1. asynchronous 3-step runs.
    sid = workflow(THREE)
    n, rps, p99, non2xx = wrk(f"/mcp/servers/{sid}/executions", {"input": {"n": 1}}, DUR)
    ok = wait_done(sid, n)
    done, span = sql(f"select count(*), extract(epoch from max(finished_at) - min(started_at)) "
                     f"from executions where server_id = '{sid}' and status = 'succeeded'").split("|")
    done, span = int(done), float(span or 0)
    print(f"async 3-step runs enqueued:        {rps:9.0f} /s   p99 {p99:.2f} ms   "
          f"non-2xx {non2xx}")
    print(f"async 3-step runs completed:       {done / span if span else 0:9.0f} /s   "
          f"({done} of {n} in {span:.1f} s{'' if ok else ', NOT ALL DONE'})   (target >= 2000/s)")
    # 2. answer -> next step.
    sid = workflow(WAITS)
    lat = []
    for _ in range(int(os.environ.get("BENCH_ANSWERS", "300"))):
        st, d = call("POST", f"/mcp/servers/{sid}/run", {"input": {}})
        assert st == 202, d
        exe, iid = d["executionId"], d["interventions"][0]["id"]
        st, _ = call("POST", f"/api/v1/executions/{exe}/interventions/{iid}",
                     {"response": "approve"})
        assert st == 200
    wait_done(sid, 0)
    rows = sql(f"select extract(epoch from e.finished_at - i.answered_at) * 1000 from executions e "
               f"join interventions i on i.execution_id = e.id where e.server_id = '{sid}' "
               f"and e.status = 'succeeded'").split()
    lat = [float(x) for x in rows]
    print(f"answer to next step ({len(lat)} answers): p50 {percentile(lat, 50):.2f} ms  "
          f"p99 {percentile(lat, 99):.2f} ms   (target p99 <= 20 ms; answered_at to finished_at)")
    # 3. 10,000 waiting executions.
    sid = workflow(WAITS)
    size = ("select coalesce(sum(pg_total_relation_size(c)), 0) from unnest(array["
            "'executions', 'interventions', 'execution_queue']::regclass[]) c")
    before_bytes = int(sql(size))
    before_conn = int(sql("select count(*) from pg_stat_activity"))
    masters = [int(open(os.path.join(os.environ["RUN"], f"{n}.pid")).read())
               for n in ("orchestrix", "runtime")]
    before_procs = sum(len(children(m)) for m in masters)
    want = int(os.environ.get("BENCH_WAITING", "10000"))
    made = 0
    while made < want:
        n, rps, _, non2xx = wrk(f"/mcp/servers/{sid}/run", {"input": {}}, 2)
        made = int(sql(f"select count(*) from executions where server_id = '{sid}' "
                       "and status = 'waiting'"))
    sql("vacuum analyze executions, interventions")
    after_bytes = int(sql(size))
    after_conn = int(sql("select count(*) from pg_stat_activity"))
    after_procs = sum(len(children(m)) for m in masters)
    queued = sql(f"select count(*) from execution_queue q join executions e on e.id = q.execution_id "
                 f"where e.server_id = '{sid}'")
    print(f"{made} waiting executions: {(after_bytes - before_bytes) / made:.0f} bytes each in "
          f"PostgreSQL (executions, interventions, indexes); processes {before_procs} -> "
          f"{after_procs}, connections {before_conn} -> {after_conn}, queued {queued}   "
          f"(target: none held)")
    events_part()


SLOW = {"name": "Followed", "inputSchema": {"type": "object"},
        "tools": [{"toolId": "h", "name": "Hash", "type": "password_hash",
                   "config": {"password": "x-{{input.n}}-password", "iterations": 20000}},
                  {"toolId": "out", "name": "Out", "type": "response",
                   "config": {"status": 200, "body": {"ok": True}}}],
        "executionOrder": ["h", "out"]}


def stream(path):
    sock = socket.create_connection((u.hostname, u.port))
    sock.sendall((f"GET {path} HTTP/1.0\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\n"
                  "Accept: text/event-stream\r\n\r\n").encode())
    return sock


def children(pid):
    """(pid, comm) of each child of pid."""
    out = []
    for x in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True,
                            text=True).stdout.split():
        try:
            out.append((int(x), open(f"/proc/{x}/comm").read().strip()))
        except OSError:
            pass
    return out


def wall(at):
    return datetime.datetime.strptime(at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def events_part():
    sid = workflow(SLOW)
    sock = stream(f"/mcp/servers/{sid}/events")
    sock.settimeout(10)
    buf, lat, n = b"", [], int(os.environ.get("BENCH_EVENT_RUNS", "200"))
    for i in range(n):
        st, d = call("POST", f"/mcp/servers/{sid}/executions", {"input": {"n": i}})
        assert st == 202, d
        seen = False
        while not seen:
            data = sock.recv(65536)
            got = time.time()
            if not data:
                raise SystemExit("the event stream ended")
            buf += data
            while b"\n\n" in buf:
                block, buf = buf.split(b"\n\n", 1)
                for line in block.decode(errors="replace").splitlines():
                    if line.startswith("data: "):
                        ev = json.loads(line[6:])
                        if ev["type"] == "step_completed" and ev["data"].get("toolId") == "h":
                            lat.append((got - wall(ev["at"])) * 1000)
                        if ev["type"] == "succeeded" and ev["executionId"] == d["executionId"]:
                            seen = True
    sock.close()
    print(f"event latency, step completed -> subscriber ({len(lat)} events): "
          f"p50 {percentile(lat, 50):.2f} ms  p99 {percentile(lat, 99):.2f} ms   (target p99 <= 10 ms)")
    # 1,000 subscribers of one workflow's stream.
    socks = []
    for _ in range(1000):
        socks.append(stream(f"/mcp/servers/{sid}/events"))
    time.sleep(2)
    kids = children(int(open(os.path.join(os.environ["RUN"], "orchestrix.pid")).read()))
    rss = sum(int(open(f"/proc/{p}/status").read().split("VmRSS:")[1].split()[0])
              for p, comm in kids if comm == "orx-events")
    workers = sum(1 for _, comm in kids if comm not in ("orx-events", "orx-executor"))
    st, d = call("POST", f"/mcp/servers/{sid}/executions", {"input": {"n": -1}})
    sel = selectors.DefaultSelector()
    for k in socks:
        k.setblocking(False)
        sel.register(k, selectors.EVENT_READ)
    told, end, bufs = set(), time.time() + 30, {}
    while len(told) < len(socks) and time.time() < end:
        for key_, _ in sel.select(0.5):
            try:
                data = key_.fileobj.recv(65536)
            except BlockingIOError:
                continue
            bufs[key_.fd] = bufs.get(key_.fd, b"") + data
            if d["executionId"].encode() in bufs[key_.fd] and b"event: succeeded" in bufs[key_.fd]:
                told.add(key_.fd)
    for k in socks:
        k.close()
    print(f"1,000 subscribers of one workflow: the event hub {rss // 1024} MB RSS, orchestrix "
          f"workers {workers}; {len(told)} told of the next run's end")


if __name__ == "__main__":
    sys.exit(main())
