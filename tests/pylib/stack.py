"""A scratch Orchestrix stack for the integration tests: its own PostgreSQL
cluster, FastCGI programs and nginx on free loopback ports, under a fresh
folder in /tmp, started with scripts/stack.sh (the same script `make run`
uses) and stopped by PID."""
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time


class Skip(Exception):
    """Raised by a test that cannot run here; counted as skipped, never passed."""


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body
        self._json = None

    @property
    def json(self):
        if self._json is None:
            self._json = json.loads(self.body.decode("utf-8"))
        return self._json

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def __repr__(self):
        return f"<{self.status} {self.body[:300]!r}>"


class Stack:
    def __init__(self, root, build):
        self.root = root
        self.build = build
        self.run = tempfile.mkdtemp(prefix="orx-test-")
        os.chmod(self.run, 0o755)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.sanlog = os.path.join(self.run, "sanitizers")
        os.makedirs(self.sanlog, exist_ok=True)
        self.env = dict(os.environ)
        supp = os.path.join(root, "tests", "lsan.supp")
        self.env.update({
            "ASAN_OPTIONS": f"detect_leaks=1:halt_on_error=1:log_path={self.sanlog}/asan",
            "LSAN_OPTIONS": f"suppressions={supp}:print_suppressions=0",
            "UBSAN_OPTIONS": f"print_stacktrace=1:halt_on_error=1:log_path={self.sanlog}/ubsan",
            "ORX_WORKERS": "3",
            "ORX_LOG_LEVEL": "info",
            "ORX_HTTP_ALLOW": "127.0.0.1",
            "PG_FSYNC": "off",
            # Every test calls from 127.0.0.1: the per-client limit at the
            # agent's (the rate-limit tests lower it with nginx_reload).
            "ORX_CLIENT_RATE": "1000",
        })
        self.database_url = None
        self.keys = {}

    # --- lifecycle -------------------------------------------------------
    def script(self, *args, check=True, env=None):
        p = subprocess.run([os.path.join(self.root, "scripts", "stack.sh"), *args],
                           cwd=self.root, env=env or self.env, capture_output=True,
                           text=True, timeout=180)
        if check and p.returncode != 0:
            raise RuntimeError(f"stack.sh {' '.join(args)} failed:\n{p.stderr}")
        return p

    def start(self):
        p = self.script("start", self.run, str(self.port), self.build)
        for line in p.stdout.splitlines():
            if line.startswith("DATABASE_URL="):
                self.database_url = line.split("=", 1)[1]
        self.env["DATABASE_URL"] = self.database_url
        self.keys["alice"] = self.admin("key", "create", "alice").strip()
        self.keys["bob"] = self.admin("key", "create", "bob").strip()
        self.keys["alice_ro"] = self.admin("key", "create", "alice", "read").strip()

    def owner(self, name, scopes=None):
        """A key of owner name (made on first use), for tests whose documents
        must be theirs alone: an owner's workflows share their collections."""
        if name not in self.keys:
            args = ["key", "create", name] + ([scopes] if scopes else [])
            self.keys[name] = self.admin(*args).strip()
        return name

    def stop(self, keep=False):
        p = getattr(self, "_psql", None)
        if p is not None and p.poll() is None:
            p.stdin.close()
            p.wait(timeout=10)
        self.script("stop", self.run, check=False)

    def cleanup(self):
        shutil.rmtree(self.run, ignore_errors=True)

    def tail_logs(self, n=40):
        out = []
        for f in ("log/orchestrix.log", "log/runtime.log", "log/mcp_fixture.log", "log/nginx-error.log", "pg/postgres.log"):
            p = os.path.join(self.run, f)
            if os.path.exists(p):
                lines = open(p, errors="replace").read().splitlines()[-n:]
                out.append(f"--- {f}\n" + "\n".join(lines))
        return "\n".join(out)

    def admin(self, *args):
        p = subprocess.run([os.path.join(self.root, self.build, "tools", "orx-admin"), *args],
                           cwd=self.root, env=self.env, capture_output=True, text=True,
                           timeout=60)
        if p.returncode != 0:
            raise RuntimeError(f"orx-admin {' '.join(args)}: {p.stderr}")
        return p.stdout

    # --- processes -------------------------------------------------------
    def pid(self, name):
        return int(open(os.path.join(self.run, f"{name}.pid")).read())

    # The runtime's log writer and committer, and each program's executors,
    # are children of the master but no workers.
    AUX = ("orx-log-writer", "orx-committer", "orx-executor", "orx-events")

    def _children(self, name):
        """(pid, comm) of each child of program name's master."""
        p = subprocess.run(["pgrep", "-P", str(self.pid(name))], capture_output=True, text=True)
        out = []
        for x in p.stdout.split():
            try:
                out.append((int(x), open(f"/proc/{x}/comm").read().strip()))
            except OSError:   # gone meanwhile
                pass
        return out

    def workers(self, name="orchestrix"):
        return sorted(pid for pid, comm in self._children(name) if comm not in self.AUX)

    def aux(self, name, comm):
        """The pid of a program's child named comm (one of AUX), or None."""
        return next((pid for pid, c in self._children(name) if c == comm), None)

    def program_stop(self, name, timeout=30):
        """SIGTERM to program name's master; returns once it has exited."""
        pid = self.pid(name)
        os.kill(pid, signal.SIGTERM)
        if not wait_for(lambda: not alive(pid), timeout=timeout):
            raise RuntimeError(f"{name} (pid {pid}) did not stop in {timeout} s")

    def program_start(self, env=None):
        """Starts what of the stack is not running (stack.sh start), the
        programs with env (default: the stack's)."""
        self.script("start", self.run, str(self.port), self.build, env=env)

    def pg_ctl(self, action):
        """Stops or starts the stack's PostgreSQL alone (stack.sh db-stop/db-start)."""
        self.script(f"db-{action}", self.run, str(self.port), self.build)

    def nginx_reload(self, **settings):
        """Renders nginx's configuration again with settings (e.g.
        ORX_CLIENT_RATE="5") over the stack's environment and reloads it;
        returns once new requests are served by the new configuration."""
        self.env.update({k: str(v) for k, v in settings.items()})
        pid = self.pid("nginx/nginx")
        before = set(subprocess.run(["pgrep", "-P", str(pid)], capture_output=True,
                                    text=True).stdout.split())
        self.script("nginx-reload", self.run, str(self.port), self.build)
        ok = wait_for(lambda: (now := set(subprocess.run(["pgrep", "-P", str(pid)],
                                                         capture_output=True, text=True)
                                          .stdout.split())) and not now & before, timeout=15)
        if not ok:
            raise RuntimeError("nginx did not reload")

    def reconfigure(self, prog, settings):
        """Writes prog's config file (KEY=VALUE overrides) and reloads it with
        SIGHUP; returns once every worker is a new one."""
        with open(os.path.join(self.run, f"{prog}.conf"), "w") as f:
            for k, v in settings.items():
                f.write(f"{k}={v}\n")
        self.reload(prog)

    def reload(self, prog):
        """SIGHUP to prog's master; returns once every worker is a new one."""
        before = set(self.workers(prog))
        os.kill(self.pid(prog), signal.SIGHUP)
        ok = wait_for(lambda: (w := self.workers(prog)) and not set(w) & before
                      and len(w) == len(before), timeout=15)
        if not ok:
            left = set(self.workers(prog)) & before
            raise RuntimeError(f"{prog} did not reload: {before} -> {self.workers(prog)}; "
                               f"still there: {'; '.join(proc_state(p) for p in left)}")

    # --- HTTP ------------------------------------------------------------
    def request(self, method, path, body=None, key="alice", headers=None, raw=None,
                timeout=30):
        h = {}
        if key is not None:
            h["Authorization"] = f"Bearer {self.keys.get(key, key)}"
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        if headers:
            h.update(headers)
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            c.request(method, path, body=data, headers=h)
            r = c.getresponse()
            return Response(r.status, r.getheaders(), r.read())
        finally:
            c.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    # --- database ----------------------------------------------------------
    def sql(self, query, *args):
        """Runs a query with psql; values only as psql variables (quoted by psql)."""
        cmd = ["psql", self.database_url, "-X", "-qAt", "-v", "ON_ERROR_STOP=1"]
        for i, a in enumerate(args):
            cmd += ["-v", f"p{i}={a}"]
        p = subprocess.run(cmd, input=query, capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            raise RuntimeError(f"psql: {p.stderr}")
        return p.stdout.strip()

    def count_docs(self, collection, field=None, value=None, owner="alice",
                   environment="development", runtime=False):
        """Documents of an owner's collection in an environment (the runtime's
        tables with runtime), those whose field equals value if given."""
        table = "archestra.documents" if runtime else "documents"
        q = (f"select count(*) from {table} where owner_id = :'p0' and environment = :'p1' "
             "and collection = :'p2'")
        args = [owner, environment, collection]
        if field is not None:
            q += " and data ->> :'p3' = :'p4'"
            args += [field, value]
        return int(self.sql(q, *args))

    # Written apart from any request: calls to agents, refused ones too, are
    # logged by the runtime's log writer in its own time.
    DIGEST_SKIP = ("archestra.invocations",)

    def digest(self, skip=DIGEST_SKIP):
        """{table: "rows md5"} of every table of both sides (schemas public and
        archestra) but skip: equal means unchanged, and a difference names
        the table. One query on a psql session kept open (a battery takes
        hundreds)."""
        tables = self._session("select string_agg(quote_ident(schemaname) || '.' || "
                               "quote_ident(tablename), ' ' order by schemaname, tablename) "
                               "from pg_tables where schemaname in ('public', 'archestra')")
        tables = [t for t in tables.split() if t not in skip]
        parts = [f"(select count(*) || ' ' || md5(coalesce(string_agg(t::text, '|' "
                 f"order by t::text), '')) from {t} t)" for t in tables]
        values = self._session("select " + " || ',' || ".join(parts)).split(",")
        return dict(zip(tables, values))

    def _session(self, query):
        """Runs one query (no psql variables) on a psql kept open; its output."""
        p = getattr(self, "_psql", None)
        if p is None or p.poll() is not None:
            p = self._psql = subprocess.Popen(
                ["psql", self.database_url, "-X", "-qAt", "-v", "ON_ERROR_STOP=1"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        p.stdin.write(query.replace("\n", " ") + ";\n\\echo __end__\n")
        p.stdin.flush()
        out = []
        for line in p.stdout:
            if line.rstrip("\n") == "__end__":
                return "\n".join(out)
            out.append(line.rstrip("\n"))
        raise RuntimeError(f"psql session ended: {query[:200]}")


def wait_for(pred, timeout=10.0, step=0.05):
    end = time.time() + timeout
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


def proc_state(pid):
    """Where process pid is: its state, system call and wait channel."""
    try:
        st = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
        sc = open(f"/proc/{pid}/syscall").read().split()[0]
        wc = open(f"/proc/{pid}/wchan").read()
    except OSError as e:
        return f"{pid} {e!r}"
    return f"{pid} {st} syscall {sc} {wc}"


def alive(pid):
    """Whether process pid runs (a zombie does not)."""
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def kill(pid, sig=signal.SIGKILL):
    os.kill(pid, sig)
