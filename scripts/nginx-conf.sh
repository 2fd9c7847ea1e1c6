#!/usr/bin/env bash
# nginx-conf.sh RUN_DIR PORT -- nginx/orchestrix.conf.in rendered on stdout.
#
# Used by scripts/stack.sh (make run, the tests, the bench) and by the
# container's entrypoint (deploy/container/entrypoint.sh). Environment:
#   ORX_ORCHESTRIX_HOSTS, ORX_RUNTIME_HOSTS, ORX_EVENTS_HOSTS  the upstream
#       servers of each program (and of Orchestrix's event hubs),
#       comma-separated: host:port, [v6 address]:port or unix:/path
#       (default: RUN_DIR/orchestrix.sock, runtime.sock, events.sock)
#   ORX_NGINX_LISTEN  nginx's own listen address (default 127.0.0.1:PORT)
#   ORX_ACCESS_LOG (on|off), ORX_MAX_BODY, ORX_AGENT_RATE  as stack.sh says
#   ORX_CLIENT_RATE  calls per second one client address may make to one
#       agent (default: a quarter of ORX_AGENT_RATE, at least 1)
#   ORX_ROOT  the folder holding nginx/html (default: this repository)
set -euo pipefail

RUN=${1:?usage: nginx-conf.sh RUN_DIR PORT}
PORT=${2:?usage: nginx-conf.sh RUN_DIR PORT}
ROOT=${ORX_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
MAX_BODY=${ORX_MAX_BODY:-1048576}

die() { printf 'nginx-conf: %s\n' "$*" >&2; exit 1; }

# servers LIST -> one "server ...;" line per host. A host that fails is
# left alone for 5 s (one failure is enough: a host whose programs died
# refuses connections at once), then tried with one request again.
servers() {
    local list=$1 h out="" IFS=,
    for h in $list; do
        h=${h// /}
        [ -z "$h" ] && continue
        [[ $h =~ ^(unix:/[A-Za-z0-9._/:-]+|\[[0-9A-Fa-f:.]+\]:[0-9]{1,5}|[A-Za-z0-9.-]+:[0-9]{1,5})$ ]] ||
            die "'$h' is not host:port, [v6]:port or unix:/path"
        out+="        server $h max_fails=1 fail_timeout=5s;"$'\n'
    done
    [ -n "$out" ] || die "an empty host list"
    printf '%s' "$out"
}

user=""
# As root, nginx's workers run as root too, so they can reach the sockets
# and files under any project folder.
[ "$(id -u)" -eq 0 ] && user="user root;"
access="$RUN/log/nginx-access.log"
[ "${ORX_ACCESS_LOG:-on}" = off ] && access=off
listen=${ORX_NGINX_LISTEN:-127.0.0.1:$PORT}
[[ $listen =~ ^([A-Za-z0-9.-]+:|\[[0-9A-Fa-f:.]+\]:)?[0-9]{1,5}$ ]] ||
    die "ORX_NGINX_LISTEN '$listen' is not [host:]port"
rate=${ORX_AGENT_RATE:-1000}
[[ $rate =~ ^[1-9][0-9]{0,8}$ ]] || die "ORX_AGENT_RATE must be a positive number"
client_rate=${ORX_CLIENT_RATE:-$(( rate / 4 ))}
[ "$client_rate" = 0 ] && client_rate=1
[[ $client_rate =~ ^[1-9][0-9]{0,8}$ ]] || die "ORX_CLIENT_RATE must be a positive number"
[[ $MAX_BODY =~ ^[1-9][0-9]{0,9}$ ]] || die "ORX_MAX_BODY must be a positive number"
ox=$(servers "${ORX_ORCHESTRIX_HOSTS:-unix:$RUN/orchestrix.sock}")
rt=$(servers "${ORX_RUNTIME_HOSTS:-unix:$RUN/runtime.sock}")
ev=$(servers "${ORX_EVENTS_HOSTS:-unix:$RUN/events.sock}")

conf=$(sed -e "s#@RUN@#$RUN#g" -e "s#@ROOT@#$ROOT#g" -e "s#@PORT@#$PORT#g" \
    -e "s#@LISTEN@#$listen#g" -e "s#@USER@#$user#" -e "s#@MAX_BODY@#$MAX_BODY#g" \
    -e "s#@ACCESS_LOG@#$access#" -e "s#@AGENT_RATE@#$rate#g" \
    -e "s#@CLIENT_RATE@#$client_rate#g" \
    "$ROOT/nginx/orchestrix.conf.in")
conf=${conf//@ORCHESTRIX_SERVERS@/$ox}
conf=${conf//@RUNTIME_SERVERS@/$rt}
conf=${conf//@EVENTS_SERVERS@/$ev}
printf '%s\n' "$conf"
