#!/usr/bin/env bash
# `make run`: the whole product on 127.0.0.1:$PORT with its data in .run/.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-8080}
RUN=.run

if [ -f "$RUN/env" ] && [ -f "$RUN/orchestrix.pid" ] && kill -0 "$(cat "$RUN/orchestrix.pid")" 2>/dev/null &&
   [ -f "$RUN/nginx/nginx.pid" ] && kill -0 "$(cat "$RUN/nginx/nginx.pid")" 2>/dev/null; then
    . "$RUN/env"
    echo "Orchestrix is already running at $ORCHESTRIX_URL  — API key: $ORCHESTRIX_API_KEY"
    echo "(make stop stops it)"
    exit 0
fi

db_url=$(scripts/stack.sh start "$RUN" "$PORT" build/rel)
db_url=${db_url#DATABASE_URL=}

# The development key is made once and kept (0600) beside the data.
if [ ! -s "$RUN/dev.key" ]; then
    (umask 077; DATABASE_URL=$db_url build/rel/tools/orx-admin key create dev \
        read,write,run,deploy "make run" > "$RUN/dev.key" 2>/dev/null)
fi
key=$(cat "$RUN/dev.key")
umask 077
{
    echo "ORCHESTRIX_URL=http://127.0.0.1:$PORT"
    echo "ORCHESTRIX_API_KEY=$key"
    echo "DATABASE_URL='$db_url'"
    echo "export ORCHESTRIX_URL ORCHESTRIX_API_KEY DATABASE_URL"
} > "$RUN/env"
echo "Orchestrix at http://127.0.0.1:$PORT  — API key: $key"
echo "(. .run/env sets ORCHESTRIX_URL, ORCHESTRIX_API_KEY and DATABASE_URL; make stop stops it)"
