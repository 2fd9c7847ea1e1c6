#!/bin/sh
# The image's roles (deploy/container/Dockerfile):
#   runtime | orchestrix  the program's master and workers; ORX_SOCKET as
#                         configured (":9001" on TCP for nginx in other
#                         pods, or a unix socket in a volume it shares)
#   nginx                 nginx on ORX_NGINX_LISTEN (8080), its upstreams
#                         from ORX_RUNTIME_HOSTS and ORX_ORCHESTRIX_HOSTS
#   migrate               orx-admin migrate, once per release
#   probe ADDR            exit 0 if the program at ADDR answers GET /healthz 200
# Everything logs to the container's stdout and stderr.
set -eu
ROOT=/opt/orchestrix
RUN=${ORX_RUN_DIR:-/run/orx}
mkdir -p "$RUN/log" "$RUN/nginx/tmp"

case "${1:-}" in
runtime|orchestrix)
    export ORX_SOCKET="${ORX_SOCKET:-$RUN/$1.sock}"
    exec "$ROOT/bin/$1"
    ;;
nginx)
    ln -sf /dev/stderr "$RUN/log/nginx-error.log"
    ln -sf /dev/stdout "$RUN/log/nginx-access.log"
    ORX_ROOT=$ROOT ORX_NGINX_LISTEN="${ORX_NGINX_LISTEN:-8080}" \
        "$ROOT/scripts/nginx-conf.sh" "$RUN" "${PORT:-8080}" > "$RUN/nginx/nginx.conf"
    cp "$ROOT/nginx/fastcgi.conf" "$ROOT/nginx/fastcgi_params.conf" "$RUN/nginx/"
    exec nginx -p "$RUN/nginx" -c "$RUN/nginx/nginx.conf" -e /dev/stderr -g 'daemon off;'
    ;;
migrate)
    exec "$ROOT/bin/orx-admin" migrate "$ROOT/sql/migrations"
    ;;
probe)
    # Only these parameters go to the program (not this environment).
    env -i REQUEST_METHOD=GET REQUEST_URI=/healthz SERVER_PROTOCOL=HTTP/1.1 \
        cgi-fcgi -bind -connect "${2:?probe ADDR}" < /dev/null | head -n 1 | grep -q '^Status: 200'
    ;;
*)
    echo "usage: entrypoint.sh runtime|orchestrix|nginx|migrate|probe ADDR" >&2
    exit 2
    ;;
esac
