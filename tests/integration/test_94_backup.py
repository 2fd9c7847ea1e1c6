"""Backup and restore (issue 18, part 5), on a stack of its own: create,
set secrets, deploy, call; back up; stop and remove the run folder;
restore; start: the agent answers the same calls and local runs sign JWTs
with the old secret. Twice in a row, the second time over a restored stack
(FORCE=1, which backs up what it replaces first)."""
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import urllib.parse

from pylib.jwt import jwt_verify
from pylib.stack import Stack

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NODB = json.load(open(os.path.join(ROOT, "tests", "bench", "nodb.json")))
SIGNUP = json.load(open(os.path.join(ROOT, "examples", "signup.json")))
VALUE = "the-secret-that-must-survive-0123456789"


def backup_sh(st, *args, env=None):
    return subprocess.run([os.path.join(ROOT, "scripts", "backup.sh"), *args],
                          cwd=ROOT, env=env or st.env, capture_output=True, text=True,
                          timeout=300)


def calls(st, sid, path, signup_path):
    """What must answer the same after a restore; returns the token's claims."""
    body = json.dumps({"email": "same@example.com", "name": "Same"}).encode()
    r = st.request("POST", path, key=None, raw=body)
    assert r.status == 200, r
    claims = jwt_verify(r.json["token"], VALUE)
    r = st.post(f"/mcp/servers/{sid}/run", {"input": {"email": "l@example.com", "name": "L"}})
    assert r.status == 200 and r.json["status"] == "succeeded", r
    jwt_verify(r.json["output"]["token"], VALUE)
    # The user signed up before the backup is still there: the same call is a duplicate.
    r = st.request("POST", signup_path, key=None, raw=json.dumps(
        {"email": "kept@example.com", "password": "secret123", "name": "Kept"}).encode())
    assert r.status == 409, r
    return claims


def test_backup_then_restore_into_an_empty_run_folder(s):
    st = Stack(ROOT, s.build)   # its port is kept across the restores
    work = tempfile.mkdtemp(prefix="orx-backup-")
    env = dict(st.env, ORX_BACKUP_DIR=work)
    try:
        st.start()
        sid = st.post("/mcp/servers", NODB).json["serverId"]
        assert st.put(f"/mcp/servers/{sid}/secrets/jwtKey", {"value": VALUE}).status == 204
        assert st.post(f"/mcp/servers/{sid}/runtime/start").status == 200
        r = st.post(f"/mcp/servers/{sid}/deploy", {"ownerId": "alice"})
        assert r.status == 200, r
        path = urllib.parse.urlparse(r.json["endpoint"]).path
        up = st.post("/mcp/servers", SIGNUP).json["serverId"]
        assert st.put(f"/mcp/servers/{up}/secrets/jwtKey", {"value": VALUE}).status == 204
        r = st.post(f"/mcp/servers/{up}/deploy", {"ownerId": "alice"})
        signup_path = urllib.parse.urlparse(r.json["endpoint"]).path
        r = st.request("POST", signup_path, key=None, raw=json.dumps(
            {"email": "kept@example.com", "password": "secret123", "name": "Kept"}).encode())
        assert r.status == 201 or r.status == 200, r
        before = calls(st, sid, path, signup_path)
        key = open(os.path.join(st.run, "secret.key")).read()

        # Backed up from the running stack; the run folder named as make
        # backup names .run, relative to the project.
        archive = os.path.join(work, "one.tar")
        p = backup_sh(st, "backup", os.path.relpath(st.run, ROOT), st.build, archive, env=env)
        assert p.returncode == 0 and "it opens every secret" in p.stdout, p
        with tarfile.open(archive) as t:
            names = sorted(t.getnames())
        assert names == ["MANIFEST", "keys", "keys/platform.key", "keys/secret.key",
                         "orchestrix.dump"], names
        assert (os.stat(archive).st_mode & 0o777) == 0o600

        for round_ in range(2):
            st.stop()
            if round_ == 0:
                shutil.rmtree(st.run)
            else:
                # Over a stack that holds data: refused without FORCE=1.
                p = backup_sh(st, "restore", st.run, st.build, archive, env=env)
                assert p.returncode == 1 and "FORCE=1" in p.stderr, p
                env["FORCE"] = "1"
            p = backup_sh(st, "restore", os.path.relpath(st.run, ROOT), st.build, archive,
                          env=env)
            assert p.returncode == 0 and "opens the database's" in p.stdout, p
            assert open(os.path.join(st.run, "secret.key")).read() == key
            st.start()
            after = calls(st, sid, path, signup_path)
            assert after["email"] == before["email"]
            # A restore over a running stack is refused.
            p = backup_sh(st, "restore", st.run, st.build, archive, env=env)
            assert p.returncode == 1 and "is running" in p.stderr, p
        assert [f for f in os.listdir(work) if f.startswith("before-restore-")], os.listdir(work)
        assert not os.listdir(st.sanlog), os.listdir(st.sanlog)
    finally:
        st.stop()
        st.cleanup()
        shutil.rmtree(work, ignore_errors=True)


def test_backup_refuses_a_key_that_does_not_open_the_secrets(s):
    """An archive whose key does not open its secrets would be worthless."""
    sid = s.post("/mcp/servers", NODB).json["serverId"]
    assert s.put(f"/mcp/servers/{sid}/secrets/jwtKey", {"value": VALUE}).status == 204
    saved = open(os.path.join(s.run, "secret.key")).read()
    work = tempfile.mkdtemp(prefix="orx-backup-")
    try:
        open(os.path.join(s.run, "secret.key"), "w").write(os.urandom(32).hex() + "\n")
        p = backup_sh(s, "backup", s.run, s.build, os.path.join(work, "x.tar"))
        assert p.returncode == 1 and "does not open" in p.stderr, p
        assert not os.path.exists(os.path.join(work, "x.tar"))
    finally:
        open(os.path.join(s.run, "secret.key"), "w").write(saved)
        shutil.rmtree(work, ignore_errors=True)
