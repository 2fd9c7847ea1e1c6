"""Several hosts behind one nginx, for real on this machine (issue 24, part 1).

Hosts are Linux network namespaces (tests/pylib/netns.py): a hub with
PostgreSQL, Orchestrix and nginx, and three runtime hosts, each a whole
runtime master with its workers, log writer and committer, listening on TCP
at its own address (198.18.i.2:9001) and reaching PostgreSQL at the hub's.
nginx's runtime upstream lists the three (ORX_RUNTIME_HOSTS); the test adds
/__host/<i>/... locations that go to one host only, to say which host
serves what. Where namespaces cannot be made the first test fails (it does
not skip); the cluster is made once and taken down by the last test (or
at exit)."""
import atexit
import collections
import glob
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import tempfile
import time
import urllib.parse

from pylib import netns
from pylib.stack import Stack, wait_for

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HOSTS = 3
FCGI_PORT = 9001
LITE = json.load(open(os.path.join(ROOT, "tests", "bench", "signup-lite.json")))
_cluster = {}


class HubStack(Stack):
    """The hub's stack: scripts/stack.sh run inside the hub namespace, with
    the runtime on the listed hosts instead of here; HTTP through the hub's
    nginx (the client's sockets made inside the namespace)."""

    def __init__(self, root, build, net, sanlog):
        super().__init__(root, build)
        self.net = net
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
            # Reports land where tests/run.py looks for them.
            self.env[k] = re.sub(r"log_path=[^:]*", f"log_path={sanlog}", self.env[k])
        self.env.update({
            "ORX_RUNTIME_HOSTS": ",".join(f"{net.host_addr(i)}:{FCGI_PORT}"
                                          for i in range(1, HOSTS + 1)),
            "ORX_PG_LISTEN": ",".join(net.hub_addr(i) for i in range(1, HOSTS + 1)),
            # The load below is far above the default per-agent rate, and
            # comes from one client address.
            "ORX_AGENT_RATE": "1000000",
            "ORX_CLIENT_RATE": "1000000",
            "ORX_ACCESS_LOG": "off",
        })

    def script(self, *args, check=True, env=None, ns=None):
        p = subprocess.run(self.net.exec(ns or self.net.hub,
                                         [os.path.join(self.root, "scripts", "stack.sh"), *args]),
                           cwd=self.root, env=env or self.env, capture_output=True,
                           text=True, timeout=180)
        if check and p.returncode != 0:
            raise RuntimeError(f"stack.sh {' '.join(args)} failed:\n{p.stderr}")
        return p

    def request(self, *a, **kw):
        with netns.inside(self.net.hub):
            return super().request(*a, **kw)


class Cluster:
    def __init__(self, s):
        self.net = netns.Net(f"orx{os.getpid() % 100000}", HOSTS)
        self.hub = None
        self.password = "pw-" + os.urandom(8).hex()
        try:
            self.net.make()
            self.hub = HubStack(s.root, s.build, self.net, s.sanlog)
            self.hub.start()
            self.hub.sql("alter role postgres password :'p0'", self.password)
            self.pgport = open(os.path.join(self.hub.run, "pg", "port")).read().strip()
            for i in range(1, HOSTS + 1):
                self.start_host(i)
            self.add_host_locations()
        except BaseException:
            self.stop()
            raise

    def host_env(self, i):
        env = dict(self.hub.env)
        env.update({
            "DATABASE_URL": f"postgresql://postgres:{self.password}@{self.net.hub_addr(i)}:"
                            f"{self.pgport}/orchestrix",
            "ORX_PROGRAM": "runtime", "ORX_INSTANCE": f"runtime-h{i}",
            "ORX_SOCKET": f"{self.net.host_addr(i)}:{FCGI_PORT}",
            # libfcgi takes FastCGI connections from nginx's address only.
            "FCGI_WEB_SERVER_ADDRS": self.net.hub_addr(i),
        })
        return env

    def start_host(self, i):
        self.hub.script("program", self.hub.run, str(self.hub.port), self.hub.build,
                        env=self.host_env(i), ns=self.net.hosts[i - 1])

    def stop_host(self, i):
        self.hub.script("program-stop", self.hub.run, env=self.host_env(i), check=False)

    def kill_host(self, i):
        """SIGKILLs every process of host i: its master, workers, log writer
        and committer, all at once."""
        self.net.kill_all(self.net.hosts[i - 1])

    def master(self, i):
        """Host i's master, or None when it is gone (a zombie counts as gone)."""
        try:
            pid = int(open(os.path.join(self.hub.run, f"runtime-h{i}.pid")).read())
            state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
            return pid if state not in ("Z", "X") else None
        except (OSError, ValueError):
            return None

    def add_host_locations(self):
        """/__host/<i>/<path> goes to host i alone (the test's own eyes)."""
        conf = "".join(
            f"location ~ ^/__host/{i}(?<orx_uri>/.*)$ {{\n"
            f"    fastcgi_param REQUEST_URI $orx_uri$is_args$args;\n"
            f"    include {self.hub.run}/nginx/fastcgi_params.conf;\n"
            f"    fastcgi_read_timeout 60s;\n"
            f"    fastcgi_pass {self.net.host_addr(i)}:{FCGI_PORT};\n}}\n"
            for i in range(1, HOSTS + 1))
        with open(os.path.join(self.hub.run, "nginx", "extra-hosts.conf"), "w") as f:
            f.write(conf)
        nginx = ["nginx", "-p", f"{self.hub.run}/nginx", "-c", f"{self.hub.run}/nginx/nginx.conf",
                 "-e", f"{self.hub.run}/log/nginx-error.log"]
        subprocess.run(nginx + ["-t", "-q"], check=True, capture_output=True)
        subprocess.run(nginx + ["-s", "reload"], check=True, capture_output=True)
        assert wait_for(lambda: all(self.hub.get(f"/__host/{i}/healthz", key=None).status == 200
                                    for i in range(1, HOSTS + 1)), timeout=20), \
            self.hub.tail_logs()

    def host_2xx(self, i):
        """Calls host i's workers answered 2xx since its master started."""
        body = self.hub.get(f"/__host/{i}/metrics", key=None).body.decode()
        m = re.search(r'orx_http_requests_total\{program="runtime",class="2xx"\} (\d+)', body)
        assert m, body[:500]
        return int(m.group(1))

    def stop(self):
        try:
            if self.hub is not None:
                for i in range(1, HOSTS + 1):
                    self.stop_host(i)
                self.hub.stop()
        finally:
            self.net.remove()
            if self.hub is not None:
                self.hub.cleanup()


def cluster(s):
    if "c" not in _cluster:
        _cluster["c"] = Cluster(s)
        atexit.register(teardown)
    return _cluster["c"]


def teardown():
    c = _cluster.pop("c", None)
    if c is not None:
        c.stop()


def deploy(c, doc):
    sid = c.hub.post("/mcp/servers", doc).json["serverId"]
    assert c.hub.put(f"/mcp/servers/{sid}/secrets/jwtKey",
                     {"value": "hosts-signing-key-0123456789abcdef"}).status == 204
    r = c.hub.post(f"/mcp/servers/{sid}/deploy", {"ownerId": "alice"})
    assert r.status == 200, r
    return sid, r.json["agentId"], urllib.parse.urlparse(r.json["endpoint"]).path


def call(c, path, email, host=None):
    prefix = f"/__host/{host}" if host else ""
    return c.hub.request("POST", prefix + path, key=None,
                         raw=json.dumps({"email": email, "name": "H"}).encode())


# --- the tests ---------------------------------------------------------------

def test_hosts_are_made_and_each_serves(s):
    """The namespaces, the hub's stack and three runtime hosts come up; each
    host answers through nginx, and the balanced upstream spreads calls
    over all three."""
    c = cluster(s)
    _, agent, path = deploy(c, LITE)
    for i in range(1, HOSTS + 1):
        r = call(c, path, f"first{i}@example.com", host=i)
        assert r.status == 200 and r.json["success"], r
    before = {i: c.host_2xx(i) for i in range(1, HOSTS + 1)}
    for n in range(30):
        assert call(c, path, f"spread{n}@example.com").status == 200
    after = {i: c.host_2xx(i) for i in range(1, HOSTS + 1)}
    assert all(after[i] > before[i] for i in before), (before, after)


def test_fastcgi_over_tcp_takes_nginx_only(s):
    """A runtime host takes FastCGI connections from nginx's address only
    (FCGI_WEB_SERVER_ADDRS, checked by libfcgi): the same request from any
    other address is closed unanswered."""
    c = cluster(s)
    with netns.inside(c.net.hub):
        assert b"Status: 200" in fcgi_get(c.net.host_addr(1), FCGI_PORT, "/healthz")
    with netns.inside(c.net.hosts[0]):
        assert fcgi_get(c.net.host_addr(1), FCGI_PORT, "/healthz") == b""


def test_hosts_render_their_upstreams(s):
    """nginx's upstreams take host lists; what is not an address is refused."""
    conf = subprocess.run(
        [os.path.join(ROOT, "scripts", "nginx-conf.sh"), "/tmp/orx-none", "8080"],
        env=dict(os.environ, ORX_ORCHESTRIX_HOSTS="10.0.0.5:9000, [fd00::7]:9000",
                 ORX_RUNTIME_HOSTS="unix:/run/orx/runtime.sock"),
        capture_output=True, text=True, check=True).stdout
    ox = conf[conf.index("upstream orchestrix"):conf.index("upstream runtime")]
    assert "server 10.0.0.5:9000 max_fails=1" in ox and "server [fd00::7]:9000 max_fails=1" in ox, ox
    assert "server unix:/run/orx/runtime.sock max_fails=1" in conf
    assert "fastcgi_next_upstream error timeout;" in conf
    assert not re.search(r"^\s*fastcgi_next_upstream\b[^;]*non_idempotent", conf, re.M)
    for bad in ("10.0.0.5:9000;evil", "10.0.0.5", ", ,", "host:9000 backup", "unix:rel/path"):
        p = subprocess.run([os.path.join(ROOT, "scripts", "nginx-conf.sh"), "/tmp/x", "8080"],
                           env=dict(os.environ, ORX_RUNTIME_HOSTS=bad),
                           capture_output=True, text=True)
        assert p.returncode == 1 and "nginx-conf:" in p.stderr, (bad, p.stdout[:200], p.stderr)


def test_host_killed_under_load_then_back(s):
    """wrk against an agent that inserts, through the balanced upstream,
    while host 1 and then host 2 are SIGKILLed (every process of the
    namespace) and started again: under 0.5 % of calls fail, each failure
    is nginx's 502 for a call the dead host had taken (nginx passes a POST
    on only when it was not sent); every 200 names a document stored
    once, nothing is stored twice; each host comes back and serves again,
    and the others' masters never restarted."""
    c = cluster(s)
    _, agent, path = deploy(c, dict(LITE, name="Sign up (hosts under load)"))
    for i in range(1, HOSTS + 1):   # every host has read the agent
        for n in range(4):
            assert call(c, path, f"warm{i}-{n}@example.com", host=i).status == 200
    out = tempfile.mkdtemp(prefix="orx-hosts-")
    masters = {i: c.master(i) for i in range(1, HOSTS + 1)}
    env = dict(os.environ, HOSTS_OUT=out, HOSTS_NONCE=os.urandom(4).hex())
    wrk = subprocess.Popen(c.net.exec(c.net.hub, [
        "wrk", "-t2", "-c8", "-d12s", "-s", os.path.join(ROOT, "tests", "integration", "hosts_load.lua"),
        f"http://127.0.0.1:{c.hub.port}{path}"]), env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)
    try:
        back = {}
        for victim in (1, 2):
            time.sleep(2.0)
            c.kill_host(victim)
            assert c.master(victim) is None
            others = [i for i in masters if i != victim and i not in back]
            assert all(c.master(i) == masters[i] for i in others), (masters, others)
            time.sleep(2.0)
            c.start_host(victim)
            back[victim] = c.master(victim)
            assert back[victim] and back[victim] != masters[victim]
        text, _ = wrk.communicate(timeout=60)
        answers = []
        for f in glob.glob(os.path.join(out, "*")):
            answers += [line.split() for line in open(f).read().splitlines()]
    finally:
        if wrk.poll() is None:
            wrk.kill()
            wrk.wait()
        shutil.rmtree(out, ignore_errors=True)
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    socket_errors = sum(map(int, m.groups())) if m else 0
    statuses = collections.Counter(st for st, _ in answers)
    failed = sum(n for st, n in statuses.items() if st != "200") + socket_errors
    total = len(answers) + socket_errors
    print(f"# hosts under load: {total} calls, {failed} failed "
          f"({100.0 * failed / max(total, 1):.3f} %), {dict(statuses)}, socket errors {socket_errors}")
    assert total > 2000, (total, text)
    assert failed < 0.005 * total, (statuses, socket_errors, text)
    # nginx's answer for a call whose host died with it (error_page keeps
    # the 502); no 409: nothing ran twice.
    assert set(statuses) <= {"200", "502"}, statuses
    ok_ids = [i for st, i in answers if st == "200"]
    assert len(ok_ids) == len(set(ok_ids)) and "-" not in ok_ids
    # The ids go in as COPY data (too many for a command line).
    rows = c.hub.sql(
        "create temp table ok (id text primary key);\ncopy ok from stdin;\n" +
        "".join(f"{i}\n" for i in ok_ids) + "\\.\n"
        "select count(*) || ' ' || count(distinct data ->> 'email') || ' ' || "
        "count(*) filter (where id in (select id from ok)) "
        "from archestra.documents where owner_id = "
        "(select owner_id from archestra.agents where id = :'p0')", agent)
    stored, distinct, stored_ok = map(int, rows.split())
    assert stored_ok == len(ok_ids), (stored_ok, len(ok_ids))   # no acknowledged write lost
    assert stored == distinct, rows                             # none stored twice
    # Each host killed is back and serves again (nginx tries it again once
    # its fail_timeout is over), and host 3 never restarted.
    counts = {i: c.host_2xx(i) for i in (1, 2)}
    n = [0]

    def served_again():
        for _ in range(6):
            n[0] += 1
            assert call(c, path, f"after{n[0]}@example.com").status == 200
        return all(c.host_2xx(i) > counts[i] for i in counts)
    assert wait_for(served_again, timeout=20, step=0.2), counts
    assert c.master(3) == masters[3] and all(c.master(i) == back[i] for i in back)


def test_mcp_session_moves_between_hosts(s):
    """An MCP session opened through host 1 goes on through hosts 2 and 3
    (it lives in PostgreSQL); ended through host 2, host 1 refuses it
    (after at most its workers' session cache)."""
    c = cluster(s)
    _, _, path = deploy(c, dict(LITE, name="Sign up (MCP over hosts)"))
    hdr = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}

    def mcp(host, body, sid=None, method="POST"):
        h = dict(hdr)
        if sid:
            h.update({"MCP-Session-Id": sid, "MCP-Protocol-Version": "2025-11-25"})
        return c.hub.request(method, f"/__host/{host}{path}/mcp", key=None, headers=h,
                             raw=json.dumps(body).encode() if body is not None else None)
    r = mcp(1, {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "hosts", "version": "1"}}})
    assert r.status == 200, r
    sid = r.header("MCP-Session-Id")
    assert sid
    assert mcp(2, {"jsonrpc": "2.0", "method": "notifications/initialized"}, sid).status == 202
    r = mcp(3, {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, sid)
    assert r.status == 200, r
    tool = r.json["result"]["tools"][0]["name"]
    for host in (1, 2, 3):
        r = mcp(host, {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
            "name": tool, "arguments": {"email": f"mcp{host}@example.com", "name": "M"}}}, sid)
        assert r.status == 200 and r.json["result"]["structuredContent"]["success"], (host, r)
    assert mcp(2, None, sid, method="DELETE").status in (200, 204)
    assert wait_for(lambda: mcp(1, {"jsonrpc": "2.0", "id": 3, "method": "tools/list"},
                                sid).status == 404, timeout=10)


def test_redeploy_reaches_every_hosts_plan_cache(s):
    """Every host's workers have compiled the agent; a redeploy made through
    one host (whichever nginx picks) reaches the plan cache of every worker
    on every host: the change is NOTIFYed, each host's log writer hears it
    and its workers drop the stale plan. Twice in a row."""
    c = cluster(s)
    doc = json.loads(json.dumps(LITE))
    doc["name"] = "Sign up (redeployed over hosts)"
    resp = next(t for t in doc["tools"] if t["toolId"] == "response")
    resp["config"]["body"]["v"] = 1
    sid, _, path = deploy(c, doc)
    n = [0]

    def answers(host, v):
        for _ in range(8):   # more calls than a host has workers
            n[0] += 1
            r = call(c, path, f"rd{n[0]}@example.com", host=host)
            assert r.status == 200, r
            if r.json.get("v") != v:
                return False
        return True
    for host in range(1, HOSTS + 1):
        assert answers(host, 1), host
    for v in (2, 3):
        cur = c.hub.get(f"/mcp/servers/{sid}").json
        next(t for t in cur["tools"] if t["toolId"] == "response")["config"]["body"]["v"] = v
        assert c.hub.put(f"/mcp/servers/{sid}", cur).status == 200
        assert c.hub.post(f"/mcp/servers/{sid}/redeploy").status == 200
        for host in range(1, HOSTS + 1):
            assert wait_for(lambda: answers(host, v), timeout=10), (host, v)


def test_zz_hosts_stop_cleanly(s):
    """The hosts stop on SIGTERM (their workers' leak checks run then) and
    the namespaces go."""
    c = cluster(s)
    hosts = list(c.net.made)
    teardown()
    left = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert not any(h in left.split() for h in hosts), left


# --- a FastCGI client of a few lines, for the address check -------------------

def fcgi_get(host, port, uri):
    """Sends one FastCGI GET uri to host:port; everything answered (b"" when
    the server closed without a word)."""
    def record(kind, content):
        return struct.pack("!BBHHBx", 1, kind, 1, len(content), 0) + content

    def pair(name, value):
        return bytes([len(name), len(value)]) + name + value
    params = pair(b"REQUEST_METHOD", b"GET") + pair(b"REQUEST_URI", uri.encode())
    sock = socket.create_connection((host, port), timeout=10)
    try:
        sock.sendall(record(1, struct.pack("!HB5x", 1, 0)) + record(4, params) +
                     record(4, b"") + record(5, b""))
        data = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            data += chunk
        return data
    finally:
        sock.close()
