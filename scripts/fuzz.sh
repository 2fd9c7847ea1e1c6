#!/usr/bin/env bash
# Runs each named fuzz harness (build/fuzz/fuzz_<name>, built by `make fuzz`)
# for FUZZ_SECONDS, seeded from tests/fuzz/corpus/<name>/ and
# tests/fuzz/regression/<name>/, with the words of tests/fuzz/dict/<name>.dict.
# New inputs go to build/fuzz/corpus/<name>/; crashes, leaks and timeouts to
# build/fuzz/crash-<name>-* (libFuzzer's artifacts). Exits 1 if any harness
# found something.
#
#   FUZZ_SECONDS=600 FUZZ_ARGS=-max_len=2048 scripts/fuzz.sh json workflow
set -uo pipefail

cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-60}
supp=$PWD/tests/lsan.supp
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=()
for name in "$@"; do
    exe=build/fuzz/fuzz_$name
    work=build/fuzz/corpus/$name
    mkdir -p "$work" "tests/fuzz/corpus/$name" "tests/fuzz/regression/$name"
    dict=()
    [ -f "tests/fuzz/dict/$name.dict" ] && dict=(-dict="tests/fuzz/dict/$name.dict")
    echo "fuzz: $name for ${secs}s"
    if ! "$exe" "$work" "tests/fuzz/corpus/$name" "tests/fuzz/regression/$name" \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="build/fuzz/crash-$name-" "${dict[@]}" ${FUZZ_ARGS:-} 2>"build/fuzz/$name.log"; then
        failed+=("$name")
        tail -n 60 "build/fuzz/$name.log"
    else
        grep -E '^#[0-9]+ +DONE|stat::number_of_executed_units|stat::average_exec_per_sec' \
            "build/fuzz/$name.log"
    fi
done
if [ "${#failed[@]}" -gt 0 ]; then
    echo "fuzz: findings in ${failed[*]} (build/fuzz/crash-*; logs build/fuzz/<name>.log)" >&2
    exit 1
fi
echo "fuzz: nothing found"
