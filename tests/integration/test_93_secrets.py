"""Never lose a secret (issue 18, parts 2-4): the secrets key's fingerprint
in the database, programs that refuse to start with a key file that does
not open what is sealed, workers that get the key from their master only,
/healthz naming a missing or stale key, rotation under load without a
failed call, and forgetting."""
import hashlib
import hmac
import json
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.parse

from pylib.jwt import jwt_verify
from pylib.stack import alive, kill, wait_for

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NODB = json.load(open(os.path.join(ROOT, "tests", "bench", "nodb.json")))
VALUE = "rotate-me-not-0123456789abcdef-signing-key"
LABEL = b"orchestrix secrets key fingerprint v1"
BODY = json.dumps({"email": "k@example.com", "name": "K"}).encode()
REMEDY = "orx-admin secrets forget --yes"


# --- helpers -----------------------------------------------------------------

def key_file(s):
    return os.path.join(s.run, "secret.key")


def keys_of(path):
    """The keys of a key file, as hex lines (comments skipped)."""
    return [line.strip() for line in open(path) if line.strip() and not line.startswith("#")]


def fingerprint(hexkey):
    return hmac.new(bytes.fromhex(hexkey), LABEL, hashlib.sha256).hexdigest()


def admin(s, *args):
    env = dict(s.env, ORX_SECRET_KEY_FILE=key_file(s))
    return subprocess.run([os.path.join(ROOT, s.build, "tools", "orx-admin"), *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def agent(s, doc=NODB, name=None):
    """A workflow with its jwtKey set, its runtime started and deployed:
    (serverId, the agent's path)."""
    doc = dict(doc, name=name or doc["name"])
    sid = s.post("/mcp/servers", doc).json["serverId"]
    assert s.put(f"/mcp/servers/{sid}/secrets/jwtKey", {"value": VALUE}).status == 204
    assert s.post(f"/mcp/servers/{sid}/runtime/start").status == 200
    r = s.post(f"/mcp/servers/{sid}/deploy", {"ownerId": "alice"})
    assert r.status == 200, r
    return sid, urllib.parse.urlparse(r.json["endpoint"]).path


def signs(s, sid, path):
    """A local run and an agent call both sign with VALUE."""
    r = s.post(f"/mcp/servers/{sid}/run", {"input": {"email": "k@example.com", "name": "K"}})
    assert r.status == 200 and r.json["status"] == "succeeded", r
    jwt_verify(r.json["output"]["token"], VALUE)
    r = s.request("POST", path, key=None, raw=BODY)
    assert r.status == 200, r
    jwt_verify(r.json["token"], VALUE)


def queued_signs(s, sid):
    """An asynchronous run, taken by an executor, signs with VALUE."""
    r = s.post(f"/mcp/servers/{sid}/executions", {"input": {"email": "q@example.com",
                                                            "name": "Q"}})
    assert r.status == 202, r
    exe = r.json["executionId"]
    got = wait_for(lambda: (e := s.get(f"/api/v1/executions/{exe}").json)["status"]
                   not in ("running", "queued") and e, timeout=20)
    assert got and got["status"] == "succeeded", got
    jwt_verify(got["output"]["token"], VALUE)


def executors(s):
    return sorted(pid for pid, comm in s._children("orchestrix") if comm == "orx-executor")


def log_count(s, prog, text):
    return open(os.path.join(s.run, "log", f"{prog}.log")).read().count(text)


def hup_refused(s, prog):
    """SIGHUP to prog: the reload is refused and the workers stay; the line said."""
    before, n = s.workers(prog), log_count(s, prog, "reload refused")
    os.kill(s.pid(prog), signal.SIGHUP)
    assert wait_for(lambda: log_count(s, prog, "reload refused") > n, timeout=15), \
        s.tail_logs()
    time.sleep(0.3)
    assert s.workers(prog) == before
    log = open(os.path.join(s.run, "log", f"{prog}.log")).read()
    return log[log.rindex("reload refused"):].splitlines()[0]


def master_env(s, prog):
    raw = open(f"/proc/{s.pid(prog)}/environ", "rb").read().split(b"\0")
    return dict(x.decode().split("=", 1) for x in raw if b"=" in x)


def run_master(s, prog, env, timeout=30):
    """Runs prog's master in the foreground: (exit code, its output)."""
    p = subprocess.run([os.path.join(ROOT, s.build, "cgi-bin", prog)], env=env,
                       capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout + p.stderr


def start_master(s, prog, env):
    """prog's master started by hand, as stack.sh does (its log, its pid file)."""
    log = open(os.path.join(s.run, "log", f"{prog}.log"), "a")
    p = subprocess.Popen([os.path.join(ROOT, s.build, "cgi-bin", prog)], env=env,
                         stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    log.close()
    open(os.path.join(s.run, f"{prog}.pid"), "w").write(f"{p.pid}\n")
    return p


def health(s, path="/healthz"):
    return s.get(path, key=None)


# --- the key's record --------------------------------------------------------

def test_a_seal_records_the_keys_fingerprint_never_the_key(s):
    sid, path = agent(s)
    keys = keys_of(key_file(s))
    fp = fingerprint(keys[0])
    for schema, table in (("public", "workflow_secrets"), ("archestra", "agent_secrets")):
        assert s.sql(f"select current from {schema}.secrets_key") == fp
        ids = set(s.sql(f"select distinct key_id from {schema}.{table}").split())
        assert ids == {fp}, (schema, ids)
    dump = s.sql("select string_agg(t::text, '|') from (select * from secrets_key union all "
                 "select * from archestra.secrets_key) t")
    raw = s.sql("select string_agg(encode(sealed, 'hex'), '') from workflow_secrets")
    assert keys[0] not in dump and keys[0] not in raw
    p = admin(s, "secrets", "status")
    assert p.returncode == 0 and "opens the database's" in p.stdout, p
    signs(s, sid, path)


# --- refusals at start ----------------------------------------------------------

FAULTS = [
    ("missing", lambda f: os.unlink(f), "is missing, but the database holds"),
    ("another key", lambda f: open(f, "w").write(os.urandom(32).hex() + "\n"),
     "does not match: it holds key"),
    ("a folder", lambda f: (os.unlink(f), os.mkdir(f)), "cannot be read (Is a directory)"),
    ("not a key", lambda f: open(f, "w").write("not a key\n"), "is not a key file (line 1"),
]


def put_back(path, saved):
    if os.path.isdir(path):
        os.rmdir(path)
    shutil.copy2(saved, path)


def test_a_program_refuses_to_start_with_a_key_that_does_not_open_its_secrets(s):
    """Each fault in turn, both ways a program is started (stack.sh, as
    make run does, and the programs themselves): refused, saying what is
    wrong and what to do; no new key is made; the right key starts it."""
    sid, path = agent(s)
    f, saved = key_file(s), os.path.join(s.run, "secret.key.saved")
    shutil.copy2(f, saved)
    fp = fingerprint(keys_of(f)[0])[:16]
    envs = {p: master_env(s, p) for p in ("orchestrix", "runtime")}
    s.program_stop("orchestrix")
    s.program_stop("runtime")
    try:
        for what, fault, says in FAULTS:
            fault(f)
            p = s.script("start", s.run, str(s.port), s.build, check=False)
            assert p.returncode != 0 and says in p.stderr and REMEDY in p.stderr and \
                fp in p.stderr and "Restore " in p.stderr, (what, p.stderr)
            assert not alive(s.pid("orchestrix")) and not alive(s.pid("runtime"))
            if what == "missing":
                assert not os.path.exists(f), "a new key was made over sealed secrets"
            for prog, sealed in (("orchestrix", "workflow secret"), ("runtime", "agent secret")):
                env = dict(envs[prog], ORX_SOCKET=os.path.join(s.run, f"refused-{prog}.sock"))
                rc, out = run_master(s, prog, env)
                assert rc == 2 and f"{prog}: refusing to start: the secrets key file {f}" in out \
                    and says in out and sealed in out and REMEDY in out, (what, prog, rc, out)
            put_back(f, saved)
    finally:
        put_back(f, saved)
        s.program_start()
    assert keys_of(f) == keys_of(saved)
    signs(s, sid, path)
    assert not os.listdir(s.sanlog), os.listdir(s.sanlog)


def test_a_dedicated_agents_pod_reads_no_key(s):
    """The runtime as a dedicated agent's pod (ORX_RUNTIME_AGENT) seals
    nothing: its secrets come from its Secret (ORX_AGENT_SECRETS), so a key
    file it does not have is no reason to refuse to start."""
    sid, path = agent(s, name="In its pod")
    sock = os.path.join(s.run, "pod-test.sock")
    env = dict(master_env(s, "runtime"), ORX_SOCKET=sock,
               ORX_SECRET_KEY_FILE=os.path.join(s.run, "no-such.key"),
               ORX_RUNTIME_AGENT=path.rsplit("/", 1)[1],
               ORX_AGENT_SECRETS=json.dumps({"jwtKey": VALUE}),
               ORX_CONFIG_FILE="/dev/null")
    log = open(os.path.join(s.run, "log", "pod-test.log"), "w")
    p = subprocess.Popen([os.path.join(ROOT, s.build, "cgi-bin", "runtime")], env=env,
                         stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    log.close()
    try:
        assert wait_for(lambda: os.path.exists(sock) or p.poll() is not None, timeout=30)
        assert p.poll() is None, open(os.path.join(s.run, "log", "pod-test.log")).read()
    finally:
        p.send_signal(signal.SIGTERM)
        assert p.wait(30) == 0
    assert "secrets key" not in open(os.path.join(s.run, "log", "pod-test.log")).read()


# --- workers get the key from their master -----------------------------------

def test_workers_never_read_the_key_file(s):
    """With the key file gone (what the reload bug did), workers that die
    are replaced by workers that have the key, twice over, and reloads are
    refused, twice over: nothing answers "not set" for a secret that is
    set. A key file with another key is refused too; the right one back,
    the reload goes through."""
    sid, path = agent(s)
    f, saved = key_file(s), os.path.join(s.run, "secret.key.saved")
    shutil.copy2(f, saved)
    os.unlink(f)
    try:
        for _ in range(2):
            for prog in ("orchestrix", "runtime"):
                before = s.workers(prog)
                for pid in before:
                    kill(pid, signal.SIGKILL)
                assert wait_for(lambda: (w := s.workers(prog)) and len(w) == len(before)
                                and not set(w) & set(before), timeout=15)
            # The executors that run queued executions too.
            before = executors(s)
            assert before, "no executor"
            for pid in before:
                kill(pid, signal.SIGKILL)
            assert wait_for(lambda: (e := executors(s)) and len(e) == len(before) and
                            not set(e) & set(before), timeout=15)
            # Fresh workers, cold plan caches: each opens the secrets anew.
            for _ in range(8):
                signs(s, sid, path)
            queued_signs(s, sid)
        for _ in range(2):
            for prog in ("orchestrix", "runtime"):
                line = hup_refused(s, prog)
                assert "is missing" in line and "keep the secrets key" in line, line
            signs(s, sid, path)
        open(f, "w").write(os.urandom(32).hex() + "\n")
        for prog in ("orchestrix", "runtime"):
            assert "does not match" in hup_refused(s, prog)
        signs(s, sid, path)
    finally:
        put_back(f, saved)
    for prog in ("orchestrix", "runtime"):
        s.reload(prog)
    signs(s, sid, path)
    assert health(s).status == 200 and health(s, "/runtime/healthz").status == 200


# --- rotation ------------------------------------------------------------------

WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = '{"email":"w@example.com","name":"W"}'
wrk.headers["Content-Type"] = "application/json"
-- At most 4 connections x 200 calls/s: under the agent's rate limit.
function delay() return 5 end
"""


def rotate(s):
    p = admin(s, "secrets", "rotate")
    assert p.returncode == 0 and "re-sealed under key" in p.stdout, p
    return keys_of(key_file(s))


def test_rotation_under_load_fails_no_call(s):
    """wrk on a JWT-signing agent while the key is rotated twice, each time
    followed by a reload of both programs: no call fails, and neither do
    local runs and redeploys made between a rotation and its reload (when
    the database holds the new sealing and the workers the old key)."""
    sid, path = agent(s, name="Rotation under load")
    script = os.path.join(s.run, "rotate.lua")
    open(script, "w").write(WRK_SCRIPT)
    out = open(os.path.join(s.run, "wrk.out"), "w")
    wrk = subprocess.Popen(["wrk", "-t1", "-c4", "-d60s", "-s", script, s.url + path],
                           stdout=out, stderr=subprocess.STDOUT)
    try:
        time.sleep(1.0)
        for _ in range(2):
            old = keys_of(key_file(s))[0]
            keys = rotate(s)
            assert len(keys) == 2 and keys[1] == old, keys
            # The window: sealed anew in the database, old keys in every worker.
            signs(s, sid, path)
            r = s.post(f"/mcp/servers/{sid}/redeploy")
            assert r.status == 200, r
            signs(s, sid, path)
            queued_signs(s, sid)
            before = executors(s)
            for prog in ("runtime", "orchestrix"):
                s.reload(prog)
            # New keys: the executors are replaced as the workers are.
            assert wait_for(lambda: (e := executors(s)) and len(e) == len(before) and
                            not set(e) & set(before), timeout=40), (before, executors(s))
            r = s.post(f"/mcp/servers/{sid}/redeploy")
            assert r.status == 200, r
            signs(s, sid, path)
            queued_signs(s, sid)
        time.sleep(1.0)
    finally:
        wrk.send_signal(signal.SIGINT)
        wrk.wait(30)
        out.close()
    report = open(os.path.join(s.run, "wrk.out")).read()
    m = re.search(r"(\d+) requests in", report)
    assert m and int(m.group(1)) > 200, report
    assert "Non-2xx" not in report and "Socket errors" not in report, report
    cur, prev = (fingerprint(k) for k in keys_of(key_file(s)))
    for schema, table in (("public", "workflow_secrets"), ("archestra", "agent_secrets")):
        assert s.sql(f"select current || ' ' || previous from {schema}.secrets_key") == \
            f"{cur} {prev}"
        assert s.sql(f"select count(*) from {schema}.{table} where key_id <> :'p0' or "
                     f"prev_key_id is distinct from :'p1'", cur, prev) == "0"
    assert health(s).status == 200 and health(s, "/runtime/healthz").status == 200


def test_a_stale_key_is_named_by_healthz_and_by_the_calls(s):
    """Two rotations without a reload: the workers' key opens nothing any
    more. /healthz of both programs answers 503 degraded naming the cause;
    a call that must open the secrets fails naming the key, never "the
    secret ... is not set"; a secret cannot be stored under the old key.
    A reload heals all of it."""
    sid, path = agent(s, name="Stale key")
    for _ in range(2):
        rotate(s)
    try:
        stale(s, sid, path)
    finally:
        for prog in ("orchestrix", "runtime"):
            s.reload(prog)
    assert health(s).status == 200 and health(s, "/runtime/healthz").status == 200
    signs(s, sid, path)


def stale(s, sid, path):
    now = fingerprint(keys_of(key_file(s))[0])[:16]
    for url in ("/healthz", "/runtime/healthz"):
        r = health(s, url)
        assert r.status == 503 and r.json["status"] == "degraded" and \
            r.json["database"] == "up", r
        assert "does not open the database's secrets" in r.json["cause"] and \
            now in r.json["cause"], r
    r = s.post(f"/mcp/servers/{sid}/run", {"input": {"email": "k@example.com", "name": "K"}})
    assert r.status == 500 and r.json["error"]["code"] == "secrets_key", r
    assert "secrets key" in r.json["error"]["message"] and "not set" not in r.body.decode(), r
    before = s.workers("runtime")
    for pid in before:   # cold plan caches: the agent's secrets are opened anew
        kill(pid, signal.SIGKILL)
    assert wait_for(lambda: (w := s.workers("runtime")) and len(w) == len(before) and
                    not set(w) & set(before), timeout=15)
    r = s.request("POST", path, key=None, raw=BODY)
    assert r.status == 500 and r.json["error"]["code"] == "secrets_key", r
    assert "runtime's secrets key" in r.json["error"]["message"] and "not loaded" in \
        r.json["error"]["message"], r
    r = s.put(f"/mcp/servers/{sid}/secrets/other", {"value": "x"})
    assert r.status == 503 and r.json["error"]["code"] == "secrets_key_mismatch", r
    # Orchestrix reloaded, the runtime not: the runtime refuses to seal the
    # package's secrets under its stale key, and says so; nothing changes.
    s.reload("orchestrix")
    agent_id = path.rsplit("/", 1)[1]
    version = s.sql("select version from archestra.agents where id = :'p0'", agent_id)
    r = s.post(f"/mcp/servers/{sid}/redeploy")
    assert r.status == 500 and r.json["error"].startswith(
        "Failed to redeploy to Archestra: Archestra answered 500") and \
        "cannot seal the package's secrets" in r.json["error"], r
    assert s.sql("select version from archestra.agents where id = :'p0'", agent_id) == version
    assert log_count(s, "runtime", "is not the one the database's agent secrets are "
                     "sealed under") >= 1


# --- the database away at start ------------------------------------------------

def test_a_master_started_while_the_database_is_away_checks_its_key_later(s):
    """Started with PostgreSQL down, a master cannot check its key: it
    waits a little, starts with the file's key unchecked (the database
    refuses a seal under another key anyway), and checks it at its next
    reload; the reload after that, of the same file, needs no check."""
    sid, path = agent(s, name="Database away")
    env = master_env(s, "orchestrix")
    s.program_stop("orchestrix")
    s.pg_ctl("stop")
    p = None
    try:
        p = start_master(s, "orchestrix", env)
        sock = os.path.join(s.run, "orchestrix.sock")
        assert wait_for(lambda: os.path.exists(sock) or p.poll() is not None, timeout=30)
        assert p.poll() is None, p.returncode
    finally:
        s.pg_ctl("start")
    try:
        log = os.path.join(s.run, "log", "orchestrix.log")
        assert wait_for(lambda: health(s).status == 200, timeout=15), health(s)
        signs(s, sid, path)
        # The first reload checks the key; the next, of the same file, need not.
        for checks in (1, 0):
            n = log_count(s, "orchestrix", "opens the database's")
            before = s.workers()
            os.kill(p.pid, signal.SIGHUP)
            assert wait_for(lambda: not set(s.workers()) & set(before), timeout=15), \
                open(log).read()[-2000:]
            assert log_count(s, "orchestrix", "opens the database's") == n + checks
            signs(s, sid, path)
    finally:
        p.send_signal(signal.SIGTERM)
        assert p.wait(30) == 0
        s.program_start()
    text = open(log).read()
    assert "cannot be reached to check the secrets key" in text and "used unchecked" in text


# --- forgetting (last: it discards every secret of the stack) -------------------

def test_forget_discards_knowingly_and_a_new_key_is_made_only_then(s):
    sid, path = agent(s, name="Forgotten")
    count = s.sql("select count(*) from workflow_secrets")
    p = admin(s, "secrets", "forget")
    assert p.returncode == 1 and "--yes" in p.stderr, p
    assert s.sql("select count(*) from workflow_secrets") == count
    p = admin(s, "secrets", "forget", "--yes")
    assert p.returncode == 0 and f"discarded {count} workflow secrets" in p.stdout, p
    assert s.sql("select (select count(*) from workflow_secrets) + (select count(*) from "
                 "archestra.agent_secrets) + (select count(*) from secrets_key) + "
                 "(select count(*) from archestra.secrets_key)") == "0"

    # A program started without a key on a database that never sealed
    # anything: it runs, and /healthz says why secrets are off.
    env = dict(master_env(s, "orchestrix"), ORX_SECRET_KEY_FILE=os.path.join(s.run, "none.key"))
    s.program_stop("orchestrix")
    p = start_master(s, "orchestrix", env)
    try:
        assert wait_for(lambda: health(s).status != 502, timeout=15)
        r = health(s)
        assert r.status == 503 and r.json == {
            "status": "degraded", "database": "up",
            "cause": "the secrets key (ORX_SECRET_KEY_FILE) is missing"}, r
        r = s.put(f"/mcp/servers/{sid}/secrets/jwtKey", {"value": VALUE})
        assert r.status == 503 and r.json["error"]["code"] == "secrets_disabled" and \
            "ORX_SECRET_KEY_FILE" in r.json["error"]["message"], r
    finally:
        p.send_signal(signal.SIGTERM)
        assert p.wait(30) == 0
    # The key file gone too: make run makes a new key, since nothing is sealed.
    old = keys_of(key_file(s))
    os.unlink(key_file(s))
    s.program_start()
    new = keys_of(key_file(s))
    assert len(new) == 1 and new != old[:1]
    assert (os.stat(key_file(s)).st_mode & 0o777) == 0o600
    s.program_stop("runtime")
    s.program_start()   # the runtime reads the new key too
    assert s.put(f"/mcp/servers/{sid}/secrets/jwtKey", {"value": VALUE}).status == 204
    assert s.sql("select current from secrets_key") == fingerprint(new[0])
    r = s.post(f"/mcp/servers/{sid}/redeploy")
    assert r.status == 200, r
    signs(s, sid, path)
