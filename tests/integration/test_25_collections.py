"""Collections shared by an owner's workflows (issue 21, part 1): a sign-up
and a login of one owner read and write the same users, locally and at the
runtime for two agents of that owner; unique fields are declared per
collection and a workflow that declares others is told so at save; another
owner's or another environment's documents are never visible; and the
migration that moved the per-workflow documents (009_collections) loses
nothing, tried on a database made by the migrations before it, with
documents in it on both sides."""
import glob
import json
import os
import shutil
import subprocess
import tempfile
import urllib.parse

from pylib.jwt import jwt_verify

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
JWT_KEY = "collections-signing-key-0123456789"


def example(name):
    return json.load(open(os.path.join(ROOT, "examples", f"{name}.json")))


def created(s, doc, key):
    r = s.post("/mcp/servers", doc, key=key)
    assert r.status == 201, r
    sid = r.json["serverId"]
    assert s.put(f"/mcp/servers/{sid}/secrets/jwtKey", {"value": JWT_KEY}, key=key).status == 204
    assert s.post(f"/mcp/servers/{sid}/runtime/start", key=key).status == 200
    return sid


def run(s, sid, inp, key):
    return s.post(f"/mcp/servers/{sid}/run", {"input": inp}, key=key)


def call(s, endpoint, body):
    return s.request("POST", urllib.parse.urlparse(endpoint).path, key=None,
                     raw=json.dumps(body).encode())


def test_signup_and_login_share_users_locally(s):
    ann = s.owner("share1")
    up, login = created(s, example("signup"), ann), created(s, example("login"), ann)
    r = run(s, up, {"email": "ann@example.com", "password": "secret123", "name": "Ann"}, ann)
    assert r.status == 200, r
    uid = r.json["output"]["user"]["id"]
    r = run(s, login, {"email": "ann@example.com", "password": "secret123"}, ann)
    assert r.status == 200, r
    assert jwt_verify(r.json["output"]["token"], JWT_KEY)["sub"] == uid
    # A second sign-up workflow of the owner: the same users, so the same
    # email is taken there too.
    up2 = created(s, example("signup"), ann)
    r = run(s, up2, {"email": "ann@example.com", "password": "other-pass", "name": "A2"}, ann)
    assert r.status == 409 and r.json["error"]["code"] == "duplicate", r
    assert s.count_docs("users", owner=ann) == 1
    # Another owner's login does not see ann; its own sign-up may take the email.
    bob = s.owner("share2")
    bob_login = created(s, example("login"), bob)
    assert run(s, bob_login, {"email": "ann@example.com", "password": "secret123"},
               bob).status == 401
    bob_up = created(s, example("signup"), bob)
    r = run(s, bob_up, {"email": "ann@example.com", "password": "bobs-pass1", "name": "B"}, bob)
    assert r.status == 200, r
    assert run(s, login, {"email": "ann@example.com", "password": "bobs-pass1"}, ann).status == 401
    assert run(s, bob_login, {"email": "ann@example.com", "password": "bobs-pass1"},
               bob).status == 200


def test_two_agents_of_one_owner_share_users_at_the_runtime(s):
    own = s.owner("share3")
    up, login = created(s, example("signup"), own), created(s, example("login"), own)
    eps = []
    for sid in (up, login):
        r = s.post(f"/mcp/servers/{sid}/deploy", {"ownerId": own}, key=own)
        assert r.status == 200, r
        eps.append(r.json["endpoint"])
    r = call(s, eps[0], {"email": "eve@example.com", "password": "secret123", "name": "Eve"})
    assert r.status == 200, r
    uid = r.json["user"]["id"]
    r = call(s, eps[1], {"email": "eve@example.com", "password": "secret123"})
    assert r.status == 200, r
    assert jwt_verify(r.json["token"], JWT_KEY)["sub"] == uid
    assert call(s, eps[1], {"email": "eve@example.com", "password": "wrong-one"}).status == 401
    # Production's users are not development's: the local login knows no eve.
    assert run(s, login, {"email": "eve@example.com", "password": "secret123"}, own).status == 401
    assert s.count_docs("users", owner=own, environment="production", runtime=True) == 1
    assert s.count_docs("users", owner=own) == 0
    assert s.sql("select owner_id || ' ' || environment from archestra.agents "
                 "where id = :'p0'", urllib.parse.urlparse(eps[0]).path.split("/")[2]) == \
        f"{own} production"
    # An agent of another owner, deployed straight to the runtime, sees none of them.
    other = s.owner("share4")
    lg = created(s, example("login"), other)
    r = s.post(f"/mcp/servers/{lg}/deploy", {"ownerId": other}, key=other)
    assert call(s, r.json["endpoint"], {"email": "eve@example.com",
                                        "password": "secret123"}).status == 401


def with_unique(doc, unique):
    doc = json.loads(json.dumps(doc))
    for t in doc["tools"]:
        if t["type"] in ("db_insert", "dbInsert"):
            t["config"]["unique"] = unique
    return doc


def test_unique_fields_are_declared_per_collection(s):
    own = s.owner("uniq1")
    first = created(s, example("signup"), own)   # users, unique [email]
    before = s.digest()
    r = s.post("/mcp/servers", with_unique(example("signup"), ["name"]), key=own)
    assert r.status == 400 and r.json["error"]["code"] == "validation_failed", r
    (d,) = r.json["error"]["details"]
    assert d["path"].endswith("/config/unique"), d
    assert "users" in d["message"] and "[email]" in d["message"] and first in d["message"], d
    assert "[name]" in d["message"], d
    # None at all is a different declaration too.
    r = s.post("/mcp/servers", with_unique(example("signup"), []), key=own)
    assert r.status == 400, r
    assert s.digest() == before
    # The same fields in another order are the same declaration.
    r = s.post("/mcp/servers", with_unique(example("signup"), ["email"]), key=own)
    assert r.status == 201, r
    # An edit of the first that changes them is refused just the same,
    # and another owner declares what it likes.
    doc = s.get(f"/mcp/servers/{first}", key=own).json
    r = s.put(f"/mcp/servers/{first}", with_unique(doc, ["email", "name"]), key=own)
    assert r.status == 400 and "[email]" in r.json["error"]["details"][0]["message"], r
    assert s.post("/mcp/servers", with_unique(example("signup"), ["name"]),
                  key=s.owner("uniq2")).status == 201


def test_update_by_a_field_needs_it_unique(s):
    own = s.owner("uniq3")
    upd = {"name": "confirm", "tools": [
        {"toolId": "set", "type": "db_update",
         "config": {"collection": "members", "where": {"email": "{{input.email}}"},
                    "set": {"confirmed": True}}}], "executionOrder": ["set"]}
    r = s.post("/mcp/servers", upd, key=own)
    assert r.status == 400, r
    assert "no workflow stores into members with email unique" in \
        r.json["error"]["details"][0]["message"], r
    ins = {"name": "join", "tools": [
        {"toolId": "ins", "type": "db_insert",
         "config": {"collection": "members", "unique": ["email"],
                    "document": {"email": "{{input.email}}"}}}], "executionOrder": ["ins"]}
    assert s.post("/mcp/servers", ins, key=own).status == 201
    assert s.post("/mcp/servers", upd, key=own).status == 201
    upd["tools"][0]["config"]["where"] = {"phone": "{{input.phone}}"}
    r = s.post("/mcp/servers", upd, key=own)
    assert r.status == 400 and "phone is not a unique field of members (unique: [email])" in \
        r.json["error"]["details"][0]["message"], r


# ---- the migration -------------------------------------------------------

OLD_SEED = r"""
insert into owners (id) values ('mig_a'), ('mig_b');
insert into workflows (server_id, owner_id, doc) values
    ('mcp_migaaaaaaaaaaaa1', 'mig_a', '{"name": "Sign up", "tools": [], "executionOrder": []}'),
    ('mcp_migaaaaaaaaaaaa2', 'mig_a', '{"name": "Sign up again", "tools": [], "executionOrder": []}'),
    ('mcp_migbbbbbbbbbbbb1', 'mig_b', '{"name": "Contact", "tools": [], "executionOrder": []}');
-- A workflow deleted since, whose deploy attempt still names its owner,
-- and one that left nothing behind.
insert into deploy_attempts (server_id, owner_id, action, started_at, outcome)
values ('mcp_migdeleted00001', 'mig_b', 'deploy', now(), 'failed');

insert into documents (id, scope, collection, data) values
    ('doc_mig_a1', 'mcp_migaaaaaaaaaaaa1', 'users', '{"email": "ann@x.org", "n": 1}'),
    ('doc_mig_a2', 'mcp_migaaaaaaaaaaaa1', 'users', '{"email": "bo@x.org", "n": 2}'),
    ('doc_mig_a3', 'mcp_migaaaaaaaaaaaa2', 'users', '{"email": "ann@x.org", "n": 3}'),
    ('doc_mig_a4', 'mcp_migaaaaaaaaaaaa2', 'users', '{"email": "cy@x.org", "n": 4}'),
    ('doc_mig_b1', 'mcp_migbbbbbbbbbbbb1', 'messages', '{"text": "hi", "n": 5}'),
    ('doc_mig_b2', 'mcp_migbbbbbbbbbbbb1', 'users', '{"email": "ann@x.org", "n": 6}'),
    ('doc_mig_d1', 'mcp_migdeleted00001', 'users', '{"email": "del@x.org", "n": 7}'),
    ('doc_mig_o1', 'mcp_migorphan000001', 'users', '{"email": "lost@x.org", "n": 8}');
insert into document_keys (scope, collection, field, value, doc_id) values
    ('mcp_migaaaaaaaaaaaa1', 'users', 'email', 'ann@x.org', 'doc_mig_a1'),
    ('mcp_migaaaaaaaaaaaa1', 'users', 'email', 'bo@x.org', 'doc_mig_a2'),
    ('mcp_migaaaaaaaaaaaa2', 'users', 'email', 'ann@x.org', 'doc_mig_a3'),
    ('mcp_migaaaaaaaaaaaa2', 'users', 'email', 'cy@x.org', 'doc_mig_a4'),
    ('mcp_migbbbbbbbbbbbb1', 'users', 'email', 'ann@x.org', 'doc_mig_b2'),
    ('mcp_migdeleted00001', 'users', 'email', 'del@x.org', 'doc_mig_d1'),
    ('mcp_migorphan000001', 'users', 'email', 'lost@x.org', 'doc_mig_o1');

insert into archestra.agents (id, name, doc, metadata) values
    ('agent_migaaaa1', 'Sign up', '{}', '{"ownerId": "mig_a", "serverId": "mcp_migaaaaaaaaaaaa1"}'),
    ('agent_migaaaa2', 'Log in', '{}', '{"ownerId": "mig_a"}'),
    ('agent_migext01', 'Straight to the runtime', '{}', '{}');
update archestra.agents set deleted_at = now() where id = 'agent_migaaaa2';
insert into archestra.documents (id, scope, collection, data) values
    ('doc_rt_a1', 'agent_migaaaa1', 'users', '{"email": "ann@x.org", "n": 11}'),
    ('doc_rt_a2', 'agent_migaaaa2', 'users', '{"email": "ann@x.org", "n": 12}'),
    ('doc_rt_a3', 'agent_migaaaa2', 'users', '{"email": "zed@x.org", "n": 13}'),
    ('doc_rt_e1', 'agent_migext01', 'orders', '{"sku": "A-1", "n": 14}'),
    ('doc_rt_o1', 'agent_migorphan1', 'orders', '{"sku": "B-2", "n": 15}');
insert into archestra.document_keys (scope, collection, field, value, doc_id) values
    ('agent_migaaaa1', 'users', 'email', 'ann@x.org', 'doc_rt_a1'),
    ('agent_migaaaa2', 'users', 'email', 'ann@x.org', 'doc_rt_a2'),
    ('agent_migaaaa2', 'users', 'email', 'zed@x.org', 'doc_rt_a3'),
    ('agent_migext01', 'orders', 'sku', 'A-1', 'doc_rt_e1');
"""


def test_migration_moves_per_workflow_documents_without_loss(s):
    """009_collections on a database made by the migrations before it, with
    documents of both sides in it: every document is kept, with its owner
    and environment; unique values two workflows of one owner shared are
    listed; what has no owner any more is kept apart; a second migrate
    changes nothing."""
    db = "orx_migrate_test"
    url = s.database_url.replace("/orchestrix?", f"/{db}?")
    s.sql(f"drop database if exists {db}")
    s.sql(f"create database {db}")
    old = tempfile.mkdtemp(prefix="orx-mig-")
    try:
        for f in sorted(glob.glob(os.path.join(ROOT, "sql", "migrations", "*.sql"))):
            if os.path.basename(f) < "009":
                shutil.copy(f, old)
        env = dict(s.env, DATABASE_URL=url)
        admin = os.path.join(ROOT, s.build, "tools", "orx-admin")

        def migrate(d):
            p = subprocess.run([admin, "migrate", d], env=env, capture_output=True,
                               text=True, timeout=120)
            assert p.returncode == 0, p.stderr
            return p.stdout

        def q(query):
            p = subprocess.run(["psql", url, "-X", "-qAt", "-v", "ON_ERROR_STOP=1"],
                               input=query, capture_output=True, text=True, timeout=60)
            assert p.returncode == 0, p.stderr
            return p.stdout.strip()

        assert "applied 009" not in migrate(old)
        q(OLD_SEED)
        before = q("select string_agg(id || '=' || data::text, ';' order by id) from "
                   "(select id, data from documents union all "
                   "select id, data from archestra.documents) d")
        assert "applied 009_collections.sql" in migrate(os.path.join(ROOT, "sql", "migrations"))
        after = q("select string_agg(id || '=' || data::text, ';' order by id) from "
                  "(select id, data from documents union all select id, data from documents_orphaned "
                  "union all select id, data from archestra.documents union all "
                  "select id, data from archestra.documents_orphaned) d")
        assert after == before   # every document, byte for byte
        assert q("select string_agg(id || ' ' || owner_id || ' ' || environment || ' ' || "
                 "collection, ',' order by id) from documents") == ",".join([
                     "doc_mig_a1 mig_a development users", "doc_mig_a2 mig_a development users",
                     "doc_mig_a3 mig_a development users", "doc_mig_a4 mig_a development users",
                     "doc_mig_b1 mig_b development messages", "doc_mig_b2 mig_b development users",
                     "doc_mig_d1 mig_b development users"])
        assert q("select string_agg(id || ' ' || scope, ',') from documents_orphaned") == \
            "doc_mig_o1 mcp_migorphan000001"
        # One key per value: ann@x.org of mig_a stays with the older document.
        assert q("select string_agg(owner_id || ' ' || value || ' ' || doc_id, ',' order by "
                 "owner_id, value) from document_keys") == ",".join([
                     "mig_a ann@x.org doc_mig_a1", "mig_a bo@x.org doc_mig_a2",
                     "mig_a cy@x.org doc_mig_a4", "mig_b ann@x.org doc_mig_b2",
                     "mig_b del@x.org doc_mig_d1"])
        assert q("select string_agg(concat_ws(' ', owner_id, environment, collection, field, value, "
                 "doc_id, kept_doc_id), ',') from document_key_conflicts") == \
            "mig_a development users email ann@x.org doc_mig_a3 doc_mig_a1"
        # The runtime: an agent's documents are its owner's, in production.
        assert q("select string_agg(id || ' ' || owner_id || ' ' || environment, ',' order by id) "
                 "from archestra.documents") == ",".join([
                     "doc_rt_a1 mig_a production", "doc_rt_a2 mig_a production",
                     "doc_rt_a3 mig_a production", "doc_rt_e1 agent_migext01 production"])
        assert q("select string_agg(id, ',') from archestra.documents_orphaned") == "doc_rt_o1"
        assert q("select string_agg(value || ' ' || doc_id, ',' order by value) from "
                 "archestra.document_keys") == "A-1 doc_rt_e1,ann@x.org doc_rt_a1,zed@x.org doc_rt_a3"
        assert q("select string_agg(doc_id || ' ' || kept_doc_id, ',') from "
                 "archestra.document_key_conflicts") == "doc_rt_a2 doc_rt_a1"
        assert q("select string_agg(id || ' ' || owner_id, ',' order by id) from archestra.agents") \
            == "agent_migaaaa1 mig_a,agent_migaaaa2 mig_a,agent_migext01 agent_migext01"
        # The kept keys are enforced: the old duplicate cannot be made again.
        p = subprocess.run(["psql", url, "-X", "-qAt", "-v", "ON_ERROR_STOP=1", "-c",
                            "insert into document_keys (owner_id, environment, collection, field, "
                            "value, doc_id) values ('mig_a', 'development', 'users', "
                            "'email', 'ann@x.org', 'doc_x')"], capture_output=True, text=True)
        assert p.returncode != 0 and "duplicate key" in p.stderr, p
        assert "up to date" in migrate(os.path.join(ROOT, "sql", "migrations"))
    finally:
        shutil.rmtree(old, ignore_errors=True)
        s.sql(f"drop database if exists {db}")
