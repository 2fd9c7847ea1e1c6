#!/usr/bin/env python3
"""The whole suite: C unit tests (TAP), the JSON Schema Test Suite, the fuzz
harnesses replaying their committed inputs, and the integration tests that
drive the real programs behind the real nginx against a scratch PostgreSQL
cluster. Prints one line per check and, last, the
summary "N passed, N failed" (", N skipped" when any were skipped).

    tests/run.py --build build/asan [--only PATTERN] [--keep]
"""
import argparse
import glob
import importlib.util
import os
import re
import subprocess
import sys
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))

from pylib import stack as stackmod  # noqa: E402


class Tally:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0
        self.failures = []

    def ok(self, name):
        self.passed += 1
        print(f"ok - {name}", flush=True)

    def fail(self, name, why):
        self.failed += 1
        self.failures.append(name)
        print(f"not ok - {name}", flush=True)
        for line in str(why).rstrip().splitlines():
            print(f"#   {line}", flush=True)

    def skip(self, name, why):
        self.skipped += 1
        print(f"skip - {name}: {why}", flush=True)


def sanitizer_env(logdir):
    os.makedirs(logdir, exist_ok=True)
    supp = os.path.join(ROOT, "tests", "lsan.supp")
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = ("detect_leaks=1:abort_on_error=0:halt_on_error=1:"
                           f"log_path={logdir}/asan")
    env["LSAN_OPTIONS"] = f"suppressions={supp}:print_suppressions=0"
    env["UBSAN_OPTIONS"] = ("print_stacktrace=1:halt_on_error=1:"
                            f"log_path={logdir}/ubsan")
    return env


def sanitizer_reports(logdir):
    return sorted(glob.glob(os.path.join(logdir, "asan*")) +
                  glob.glob(os.path.join(logdir, "ubsan*")))


def run_unit(t, build, only, logdir, prefix="test_", database_url=None):
    env = sanitizer_env(logdir)
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    for exe in sorted(glob.glob(os.path.join(ROOT, build, "tests", prefix + "*"))):
        name = os.path.basename(exe)
        if only and not re.search(only, name):
            continue
        before = set(sanitizer_reports(logdir))
        p = subprocess.run([exe], cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=300)
        seen = 0
        for line in p.stdout.splitlines():
            m = re.match(r"(not ok|ok) \d+ - (.*)", line)
            if m:
                seen += 1
                what = f"{name}: {m.group(2)}"
                if m.group(1) == "ok":
                    t.ok(what)
                else:
                    t.fail(what, "see the lines below it in the test's output")
            elif line.startswith("#"):
                print(line)
        reports = set(sanitizer_reports(logdir)) - before
        if p.returncode != 0 and (seen == 0 or reports or p.returncode < 0):
            t.fail(f"{name}: exit", f"exit {p.returncode}\n{p.stderr[-3000:]}")
        for r in sorted(reports):
            t.fail(f"{name}: sanitizer", open(r, errors="replace").read()[-4000:])


def run_layers(t, only):
    """lib/'s layers (tests/layers.py): every include points down or level."""
    if only and not re.search(only, "layers"):
        return
    import layers
    found = layers.problems(ROOT)
    if found:
        t.fail("layers: lib/ includes only its own and lower layers", "\n".join(found))
    else:
        t.ok("layers: lib/ includes only its own and lower layers")


def run_schema_suite(t, build, only, logdir):
    """The official JSON Schema Test Suite, every draft 2020-12 file: each
    test is one check of the summary (required ones must pass; an optional
    one that does not is skipped with its reason, never counted as passed)."""
    exe = os.path.join(ROOT, build, "tests", "jsonschema_suite")
    if only and not re.search(only, "jsonschema_suite"):
        return
    # The suite's draft 2020-12 files and the remotes they load, and the
    # meta-schemas, kept in the project so that a clean clone runs them
    # with nothing beside it (see the READMEs there).
    suite = os.path.join(ROOT, "tests", "data", "json-schema-test-suite")
    meta = os.path.join(ROOT, "tests", "data", "json-schema-metaschemas-2020-12")
    if not os.path.exists(exe):
        t.fail("jsonschema_suite", f"{exe} was not built")
        return
    for d in (suite, meta):
        if not os.path.isdir(d):
            t.fail("jsonschema_suite", f"no test data at {d}")
            return
    p = subprocess.run([exe, suite, meta], cwd=ROOT, env=sanitizer_env(logdir),
                       capture_output=True, text=True, timeout=600)
    for line in p.stdout.splitlines():
        print(f"# {line}")
    m = re.search(r"^jsonschema: (\d+) passed, (\d+) failed, (\d+) skipped",
                  p.stdout, re.M)
    rates = re.search(r"^(required: .*)$", p.stdout, re.M)
    if not m or not rates:
        t.fail("jsonschema_suite", f"no summary (exit {p.returncode})\n{p.stderr[-2000:]}")
        return
    passed, failed, skipped = map(int, m.groups())
    t.passed += passed
    t.skipped += skipped
    if failed or p.returncode != 0:
        t.failed += max(failed, 1)
        t.failures.append("jsonschema_suite")
    print(f"{'ok' if not failed and p.returncode == 0 else 'not ok'} - jsonschema_suite: "
          f"{passed} passed, {failed} failed, {skipped} skipped; {rates.group(1)}")


def run_fuzz_replay(t, build, only, logdir):
    """Each fuzz harness over its committed inputs (tests/fuzz/corpus/<name>/
    and tests/fuzz/regression/<name>/), without libFuzzer: one check per
    harness, failed by a crash, a failed assertion or a sanitizer report."""
    env = sanitizer_env(logdir)
    for src in sorted(glob.glob(os.path.join(ROOT, "tests", "fuzz", "fuzz_*.c"))):
        name = os.path.splitext(os.path.basename(src))[0]
        label = f"{name}: replay"
        if only and not re.search(only, name):
            continue
        exe = os.path.join(ROOT, build, "tests", name)
        if not os.path.exists(exe):
            t.fail(label, f"{exe} was not built")
            continue
        short = name[len("fuzz_"):]
        files = sorted(f for d in ("corpus", "regression")
                       for f in glob.glob(os.path.join(ROOT, "tests", "fuzz", d, short, "*"))
                       if os.path.isfile(f))
        if not files:
            t.fail(label, f"no inputs in tests/fuzz/corpus/{short}/")
            continue
        before = set(sanitizer_reports(logdir))
        p = subprocess.run([exe] + files, cwd=ROOT, env=env, capture_output=True,
                           text=True, errors="replace", timeout=600)
        reports = set(sanitizer_reports(logdir)) - before
        done = sum(1 for line in p.stdout.splitlines() if line.startswith("replayed "))
        if p.returncode != 0 or reports or done != len(files):
            last = p.stdout.splitlines()[-1:] if p.stdout else []
            why = [f"exit {p.returncode}; {done} of {len(files)} inputs replayed",
                   f"last: {last[0] if last else '(none)'}", p.stderr[-3000:]]
            why += [open(r, errors="replace").read()[-4000:] for r in sorted(reports)]
            t.fail(label, "\n".join(why))
        else:
            t.ok(f"{label} ({len(files)} inputs)")


def run_integration(t, build, only, keep, logdir):
    files = sorted(glob.glob(os.path.join(ROOT, "tests", "integration", "test_*.py")))
    mods = []
    for f in files:
        name = os.path.splitext(os.path.basename(f))[0]
        spec = importlib.util.spec_from_file_location(name, f)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        tests = [(n, fn) for n, fn in sorted(vars(mod).items(),
                 key=lambda kv: getattr(kv[1], "__code__", None) and kv[1].__code__.co_firstlineno or 0)
                 if n.startswith("test_") and callable(fn)]
        tests = [(n, fn) for n, fn in tests if not only or re.search(only, f"{name}::{n}")]
        if tests:
            mods.append((name, mod, tests))
    dbtests = [os.path.basename(x) for x in
               glob.glob(os.path.join(ROOT, build, "tests", "dbtest_*"))
               if not only or re.search(only, os.path.basename(x))]
    if not mods and not dbtests:
        return
    st = stackmod.Stack(ROOT, build)
    try:
        t0 = time.time()
        st.start()
        print(f"# stack up in {time.time() - t0:.1f}s: {st.url} (run dir {st.run})")
    except Exception as e:  # the stack itself is a check
        t.fail("integration: stack start", f"{e}\n{st.tail_logs()}")
        st.stop(keep=keep)
        return
    try:
        # The C tests that need a database: against the stack's.
        if dbtests:
            run_unit(t, build, only, logdir, prefix="dbtest_",
                     database_url=st.database_url)
        for name, mod, tests in mods:
            for tname, fn in tests:
                label = f"{name}::{tname}"
                try:
                    fn(st)
                    t.ok(label)
                except stackmod.Skip as e:
                    t.skip(label, str(e))
                except Exception:
                    t.fail(label, traceback.format_exc(limit=4))
    finally:
        st.stop(keep=keep)
        for r in sanitizer_reports(st.sanlog):
            t.fail(f"integration: sanitizer report {os.path.basename(r)}",
                   open(r, errors="replace").read()[-6000:])
        if not keep:
            st.cleanup()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build/asan")
    ap.add_argument("--only", default=None, help="regex of tests to run")
    ap.add_argument("--keep", action="store_true", help="keep the scratch stack's files")
    a = ap.parse_args()
    t = Tally()
    logdir = os.path.join(ROOT, "tests", ".tmp", "sanitizers")
    subprocess.run(["rm", "-rf", logdir])
    t0 = time.time()
    run_layers(t, a.only)
    run_unit(t, a.build, a.only, logdir)
    run_schema_suite(t, a.build, a.only, logdir)
    run_fuzz_replay(t, a.build, a.only, logdir)
    run_integration(t, a.build, a.only, a.keep, logdir)
    print(f"# {time.time() - t0:.0f}s")
    if t.failures:
        print("# failed: " + ", ".join(t.failures[:40]))
    summary = f"{t.passed} passed, {t.failed} failed"
    if t.skipped:
        summary += f", {t.skipped} skipped"
    print(summary)
    sys.exit(1 if t.failed or (t.passed == 0) else 0)


if __name__ == "__main__":
    main()
