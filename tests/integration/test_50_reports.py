"""The admin reports, sql/reports/*.sql (SPEC §9): each is run with psql, as
an admin would, on deterministic rows seeded straight into the tables, and
its whole output is compared as text with tests/expected/reports/<name>.out.

Every seeded row belongs to owners rep_* and agents agent_report*, and each
report is run with -v owner_like / agent_like set to those prefixes, so rows
of the other tests (the stack is shared) never reach the compared output.
Times are seeded relative to now(); in the output every timestamp is
replaced by a placeholder of the same width, so the alignment is compared
too. ORX_UPDATE_EXPECTED=1 rewrites the expected files instead."""
import difflib
import os
import re
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REPORTS = os.path.join(ROOT, "sql", "reports")
EXPECTED = os.path.join(ROOT, "tests", "expected", "reports")

OWNERS = r"rep\_%"
AGENTS = r"agent\_report%"

SEED = r"""
begin;
-- Rerunnable: the rows of an earlier seeding go first.
delete from deploy_attempts where owner_id like 'rep\_%';
delete from deployments where owner_id like 'rep\_%';
delete from workflows where owner_id like 'rep\_%';
delete from owners where id like 'rep\_%';
delete from archestra.invocations where agent_id like 'agent\_report%';
delete from archestra.executions where server_id like 'agent\_report%';
delete from documents where owner_id like 'rep\_%';
delete from document_keys where owner_id like 'rep\_%';
delete from document_key_conflicts where owner_id like 'rep\_%';
delete from archestra.documents where owner_id like 'rep\_%';
delete from archestra.document_keys where owner_id like 'rep\_%';
delete from archestra.agents where id like 'agent\_report%';

insert into owners (id, name) values
    ('rep_a', 'Report owner A'), ('rep_b', 'Report owner B'), ('rep_c', 'Never deployed');

insert into workflows (server_id, owner_id, doc, version) values
    ('mcp_reportaaaaaaaa1', 'rep_a', '{"name": "Signup API"}', 3),
    ('mcp_reportaaaaaaaa2', 'rep_a', '{"name": "Contact form"}', 4),
    ('mcp_reportaaaaaaaa3', 'rep_a', '{"name": "Old thing"}', 1),
    ('mcp_reportbbbbbbbb1', 'rep_b', '{"name": "Login <v2> & \"more\""}', 2);

insert into deployments (server_id, owner_id, version, agent_id, endpoint, dashboard_url,
                         status, deployed_at, ended_at)
select s, o, v, a, 'http://x/agents/' || a, 'http://x/dashboard/' || a, st,
       now() - ago::interval, case when st <> 'active' then now() - ago::interval + interval '1 hour' end
from (values
    -- Signup: v1, v2 superseded by redeploys; v3 (the latest) live.
    ('mcp_reportaaaaaaaa1', 'rep_a', 1, 'agent_reportaaaa0001', 'superseded', '3 days'),
    ('mcp_reportaaaaaaaa1', 'rep_a', 2, 'agent_reportaaaa0001', 'superseded', '2 days'),
    ('mcp_reportaaaaaaaa1', 'rep_a', 3, 'agent_reportaaaa0001', 'active',     '1 day'),
    -- Contact form: v2 live, edited twice since.
    ('mcp_reportaaaaaaaa2', 'rep_a', 2, 'agent_reportaaaa0002', 'active',     '5 days'),
    -- Old thing: deployed, then undeployed.
    ('mcp_reportaaaaaaaa3', 'rep_a', 1, 'agent_reportaaaa0003', 'undeployed', '10 days'),
    -- Login: v2 deployed, then rolled back to v1.
    ('mcp_reportbbbbbbbb1', 'rep_b', 2, 'agent_reportbbbb0001', 'superseded', '2 hours'),
    ('mcp_reportbbbbbbbb1', 'rep_b', 1, 'agent_reportbbbb0001', 'active',     '1 hour')
) as t (s, o, v, a, st, ago);

insert into deploy_attempts (server_id, owner_id, version, action, started_at, finished_at,
                             outcome, http_status, error, agent_id)
select s, o, v, act, now() - ago::interval, now() - ago::interval + interval '2 seconds',
       outcome, hs, err, ag
from (values
    ('mcp_reportaaaaaaaa1', 'rep_a', 1, 'deploy',   '3 days 2 hours', 'failed',    401, 'Unauthorized',           null),
    ('mcp_reportaaaaaaaa1', 'rep_a', 1, 'deploy',   '3 days 1 hour',  'failed',    null, 'Network request failed', null),
    ('mcp_reportaaaaaaaa1', 'rep_a', 1, 'deploy',   '3 days',         'succeeded', 201, null,                     'agent_reportaaaa0001'),
    ('mcp_reportaaaaaaaa1', 'rep_a', 3, 'deploy',   '12 hours',       'refused',   400, 'already deployed',       'agent_reportaaaa0001'),
    ('mcp_reportaaaaaaaa2', 'rep_a', 4, 'redeploy', '1 day',          'failed',    null, 'Network request failed', 'agent_reportaaaa0002'),
    ('mcp_reportaaaaaaaa3', 'rep_a', 1, 'deploy',   '10 days 1 hour', 'failed',    null, 'Network request failed', null),
    ('mcp_reportbbbbbbbb1', 'rep_b', 2, 'undeploy', '3 hours',        'failed',    503, 'Archestra answered 503', 'agent_reportbbbb0001'),
    ('mcp_reportbbbbbbbb9', 'rep_b', 1, 'rollback', '30 minutes',     'refused',   409, 'not deployed',           null),
    ('mcp_reportbbbbbbbb1', 'rep_b', 1, 'rollback', '1 hour',         'succeeded', 200, null,                     'agent_reportbbbb0001')
) as t (s, o, v, act, ago, outcome, hs, err, ag);

insert into archestra.agents (id, name, version, doc, metadata, created_at, deleted_at)
select id, n, v, '{}', json_build_object('ownerId', o), now() - ago::interval,
       case when gone then now() - interval '1 day' end
from (values
    ('agent_reportaaaa0001', 'Signup API',   3, 'rep_a', '3 days',  false),
    ('agent_reportaaaa0002', 'Contact form', 1, 'rep_a', '5 days',  false),
    ('agent_reportbbbb0001', 'Login',        2, 'rep_b', '4 days',  false),
    ('agent_reportbbbb0002', 'Stale',        1, 'rep_b', '20 days', false),
    ('agent_reportcccc0001', 'Never called', 1, 'rep_c', '2 days',  false),
    ('agent_reportcccc0002', 'Deleted',      1, 'rep_c', '2 days',  true)
) as t (id, n, v, o, ago, gone);

-- Signup: 10 calls in the last hours, 1 ms to 10 ms, a 400 and a 500;
-- one more 30 hours ago (outside the default 24 hours).
insert into archestra.invocations (agent_id, version, channel, status, latency_us, at, error)
select 'agent_reportaaaa0001', 3, case when g % 4 = 0 then 'mcp' else 'http' end,
       case g when 4 then 400 when 9 then 500 else 200 end, g * 1000,
       now() - make_interval(mins => 200 - g * 10),
       case g when 4 then 'invalid input' when 9 then 'upstream failed' end
from generate_series(1, 10) g;
insert into archestra.invocations (agent_id, version, status, latency_us, at)
values ('agent_reportaaaa0001', 2, 200, 777000, now() - interval '30 hours');
-- Contact form: 4 calls, one slow, one rate limited.
insert into archestra.invocations (agent_id, version, status, latency_us, at, error)
values ('agent_reportaaaa0002', 1, 200,   2000, now() - interval '90 minutes', null),
       ('agent_reportaaaa0002', 1, 200,   4000, now() - interval '80 minutes', null),
       ('agent_reportaaaa0002', 1, 429,   6000, now() - interval '70 minutes', 'rate limited'),
       ('agent_reportaaaa0002', 1, 200, 100000, now() - interval '60 minutes', null);
-- Collections: rep_a's users (unique email) in both environments, with a
-- value two of its sign-ups held before 009; its messages; rep_b's orders.
insert into documents (id, owner_id, environment, collection, data, created_at)
values ('doc_rep_1', 'rep_a', 'development', 'users', '{"email": "a@x.org"}', now() - interval '2 days'),
       ('doc_rep_2', 'rep_a', 'development', 'users', '{"email": "b@x.org"}', now() - interval '1 day'),
       ('doc_rep_3', 'rep_a', 'development', 'users', '{"email": "a@x.org"}', now() - interval '1 day'),
       ('doc_rep_4', 'rep_a', 'development', 'messages', '{"text": "hi"}', now() - interval '3 hours'),
       ('doc_rep_5', 'rep_b', 'development', 'orders', '{"sku": "A"}', now() - interval '1 hour');
insert into document_keys (owner_id, environment, collection, field, value, doc_id)
values ('rep_a', 'development', 'users', 'email', 'a@x.org', 'doc_rep_1'),
       ('rep_a', 'development', 'users', 'email', 'b@x.org', 'doc_rep_2');
insert into document_key_conflicts (owner_id, environment, collection, field, value, doc_id, kept_doc_id)
values ('rep_a', 'development', 'users', 'email', 'a@x.org', 'doc_rep_3', 'doc_rep_1');
insert into archestra.documents (id, owner_id, environment, collection, data, created_at)
values ('doc_rep_6', 'rep_a', 'production', 'users', '{"email": "a@x.org"}', now() - interval '5 hours');
insert into archestra.document_keys (owner_id, environment, collection, field, value, doc_id)
values ('rep_a', 'production', 'users', 'email', 'a@x.org', 'doc_rep_6');
-- Login: called 3 days ago only; Stale: 10 days ago; Never called: never.
insert into archestra.invocations (agent_id, version, status, latency_us, at)
values ('agent_reportbbbb0001', 2, 200, 3000, now() - interval '3 days'),
       ('agent_reportbbbb0002', 1, 200, 3000, now() - interval '10 days'),
       ('agent_reportcccc0002', 1, 200, 3000, now() - interval '2 days' + interval '1 hour');

-- Executions: Signup's 6 local runs (4 succeeded in 10-40 ms, 1 failed, 1
-- waiting on an approval of two answers, one given), one 10 days ago;
-- Contact's 2 (1 cancelled, 1 paused); an agent's call that waits on bob.
insert into executions (id, server_id, owner_id, version, status, started_at, finished_at)
select 'exe_report' || lpad(g::text, 6, '0'), s, o, 1, st, now() - ago::interval,
       case when fin is not null then now() - ago::interval + fin::interval end
from (values
    (1, 'mcp_reportaaaaaaaa1', 'rep_a', 'succeeded', '3 hours', '10 milliseconds'),
    (2, 'mcp_reportaaaaaaaa1', 'rep_a', 'succeeded', '3 hours', '20 milliseconds'),
    (3, 'mcp_reportaaaaaaaa1', 'rep_a', 'succeeded', '2 hours', '30 milliseconds'),
    (4, 'mcp_reportaaaaaaaa1', 'rep_a', 'succeeded', '2 hours', '40 milliseconds'),
    (5, 'mcp_reportaaaaaaaa1', 'rep_a', 'failed',    '1 hour',  '5 milliseconds'),
    (6, 'mcp_reportaaaaaaaa1', 'rep_a', 'waiting',   '90 minutes', null),
    (7, 'mcp_reportaaaaaaaa1', 'rep_a', 'succeeded', '10 days', '1 second'),
    (8, 'mcp_reportaaaaaaaa2', 'rep_a', 'cancelled', '1 day',   '2 seconds'),
    (9, 'mcp_reportaaaaaaaa2', 'rep_a', 'paused',    '5 hours', null)
) as t (g, s, o, st, ago, fin);
insert into interventions (id, execution_id, step_index, tool_id, owner_id, prompt, spec,
                           approvals, expires_at, created_at)
values ('int_report000001', 'exe_report000006', 2, 'approve', 'rep_a',
        'Give account ann@example.com admin rights? A long prompt it is.',
        '{"required": 2, "approvers": {"owners": ["rep_b"], "scopes": ["run", "deploy"]}}',
        '[{"by": "rep_a", "keyId": "key_x", "response": "approve"}]',
        now() + interval '2 days', now() - interval '90 minutes'),
       ('int_report000002', 'exe_report000009', 1, 'ok', 'rep_a', 'Ship it?', '{}', '[]',
        null, now() - interval '5 hours');
insert into archestra.executions (id, server_id, owner_id, version, status, started_at)
values ('exe_report000010', 'agent_reportbbbb0001', 'rep_b', 2, 'waiting',
        now() - interval '30 minutes');
insert into archestra.interventions (id, execution_id, step_index, tool_id, owner_id, prompt,
                                     spec, created_at)
values ('int_report000003', 'exe_report000010', 3, 'approve', 'rep_b', 'Refund 20 EUR?',
        '{"options": ["approve", "deny"]}', now() - interval '30 minutes');
commit;
"""

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")


def psql_report(s, name, **variables):
    cmd = ["psql", s.database_url, "-X", "-v", "ON_ERROR_STOP=1", "-P", "pager=off"]
    for k, v in variables.items():
        cmd += ["-v", f"{k}={v}"]
    cmd += ["-f", os.path.join(REPORTS, f"{name}.sql")]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, PGTZ="UTC", LC_ALL="C.UTF-8"))
    assert p.returncode == 0 and p.stderr == "", f"psql {name}: rc {p.returncode}\n{p.stderr}"
    return p.stdout


def check(s, name, expected=None, **variables):
    got = TIMESTAMP.sub("YYYY-MM-DD hh:mm:ss", psql_report(s, name, **variables))
    path = os.path.join(EXPECTED, f"{expected or name}.out")
    if os.environ.get("ORX_UPDATE_EXPECTED") == "1":
        os.makedirs(EXPECTED, exist_ok=True)
        with open(path, "w") as f:
            f.write(got)
        return
    want = open(path).read()
    if got != want:
        diff = "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                            f"expected/{expected or name}.out", "got"))
        raise AssertionError(f"report {name} differs from {path}:\n{diff}")


def test_reports_seed(s):
    s.sql(SEED)
    assert s.sql("select count(*) from deployments where owner_id like 'rep\\_%'") == "7"


def test_report_deployments_per_owner(s):
    check(s, "deployments_per_owner", owner_like=OWNERS)


def test_report_current_vs_superseded(s):
    check(s, "current_vs_superseded", owner_like=OWNERS)


def test_report_failed_attempts(s):
    check(s, "failed_attempts", owner_like=OWNERS)
    # A wider window reaches the attempt of 10 days ago.
    check(s, "failed_attempts", "failed_attempts_30d", owner_like=OWNERS, days=30)


def test_report_agent_traffic(s):
    check(s, "agent_traffic", agent_like=AGENTS)
    check(s, "agent_traffic", "agent_traffic_2h", agent_like=AGENTS, hours=2)


def test_report_collections(s):
    check(s, "collections", owner_like=OWNERS)


def test_report_idle_agents(s):
    check(s, "idle_agents", agent_like=AGENTS)
    check(s, "idle_agents", "idle_agents_2d", agent_like=AGENTS, days=2)


def test_report_pending_interventions(s):
    check(s, "pending_interventions", owner_like=OWNERS)


def test_report_execution_outcomes(s):
    check(s, "execution_outcomes", owner_like=OWNERS)
    check(s, "execution_outcomes", "execution_outcomes_30d", owner_like=OWNERS, days=30)


def test_reports_run_without_variables(s):
    """Ready to run as `psql -f X.sql`: no -v needed, the defaults apply."""
    names = sorted(f[:-4] for f in os.listdir(REPORTS) if f.endswith(".sql"))
    assert names == ["agent_traffic", "collections", "current_vs_superseded",
                     "deployments_per_owner", "execution_outcomes", "failed_attempts",
                     "idle_agents", "pending_interventions"], names
    for name in names:
        out = psql_report(s, name)
        assert re.search(r"^\(\d+ rows?\)$", out, re.M), out
        head = open(os.path.join(REPORTS, f"{name}.sql")).read().split("\n\n")[0]
        assert head.startswith("--") and "Columns" in head and "Usage" in head, name
    # Every seeded owner shows up; nothing is filtered without a pattern.
    out = psql_report(s, "deployments_per_owner")
    for owner in ("rep_a", "rep_b", "rep_c"):
        assert re.search(rf"^ {owner} +\|", out, re.M), out


def test_report_variables_are_values_not_sql(s):
    """A variable is quoted by psql and cast: no way to inject SQL through it."""
    p = subprocess.run(["psql", s.database_url, "-X", "-v", "ON_ERROR_STOP=1", "-v",
                        "days=1; drop table owners", "-f",
                        os.path.join(REPORTS, "failed_attempts.sql")],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode != 0 and "invalid input syntax for type integer" in p.stderr, p.stderr
    assert s.sql("select count(*) from owners where id like 'rep\\_%'") == "3"
    out = psql_report(s, "deployments_per_owner", owner_like="x' or '1'='1")
    assert "(0 rows)" in out, out
