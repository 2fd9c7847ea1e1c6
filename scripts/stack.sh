#!/usr/bin/env bash
# stack.sh start|stop|status|fixture|db-start|db-stop|nginx-reload|program|program-stop RUN_DIR PORT BUILD_DIR
#
# Starts (or stops) a whole private stack under RUN_DIR: a PostgreSQL cluster
# (unix socket in RUN_DIR/pg/sock plus a free loopback port), migrated; the
# FastCGI programs; nginx on 127.0.0.1:PORT. `make run` uses it with .run
# and the release build; the tests use it with scratch folders and the
# sanitizer build. Idempotent: starting a running stack changes nothing.
#
# Environment: ORX_WORKERS, ORX_ACCESS_LOG (default: on), ORX_MAX_BODY,
# ORX_HTTP_ALLOW, ARCHESTRA_* -- passed to the programs. Several hosts
# (README, "Several hosts"): ORX_ORCHESTRIX_HOSTS / ORX_RUNTIME_HOSTS list
# where a program runs instead of here (nginx's upstream servers;
# scripts/nginx-conf.sh); ORX_PG_LISTEN adds addresses PostgreSQL listens
# on for them (password auth from their networks).
#
# `program` starts one more master on this host for the stack at RUN_DIR:
# ORX_PROGRAM (orchestrix|runtime) as ORX_INSTANCE (its pid, log and config
# file names), listening on ORX_SOCKET (host:port), against DATABASE_URL;
# `program-stop` stops it by its pid file.
#
# `fixture` (on a started stack) adds the MCP conformance fixture
# (tests/mcp_fixture: BUILD_DIR/tests/mcp_fixture, ORX_FIXTURE_WORKERS
# workers, sessions in the stack's database, schema public) at
# /fixture/mcp, through RUN_DIR/nginx/extra-fixture.conf and a reload.
#
# `db-stop` and `db-start` stop and start the stack's PostgreSQL alone, with
# the settings above (the fault tests take the database away this way).
# `nginx-reload` renders nginx's configuration again from the environment
# (ORX_AGENT_RATE, ORX_CLIENT_RATE, ...) and reloads it.
set -euo pipefail

cmd=${1:?usage: stack.sh start|stop|status|fixture|db-start|db-stop|nginx-reload|program|program-stop RUN_DIR PORT BUILD_DIR}
RUN=${2:?run dir}
PORT=${3:-8080}
BUILD=${4:-build/rel}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$RUN"
RUN=$(cd "$RUN" && pwd)
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
PGUSER_OS=postgres
MAX_BODY=${ORX_MAX_BODY:-1048576}

log() { printf '%s\n' "$*" >&2; }
die() { log "stack: $*"; exit 1; }

# Whether process $1 runs: a zombie does not (one whose parent is gone
# waits for init to reap it, which may take a while).
running() {
    kill -0 "$1" 2>/dev/null || return 1
    case $(ps -o stat= -p "$1" 2>/dev/null) in Z*) return 1 ;; esac
}
alive() { [ -f "$1" ] && running "$(cat "$1")"; }

free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

as_pg() { runuser -u "$PGUSER_OS" -- "$@"; }

# WAL under a write-heavy agent (a document, its keys, the call log: about
# 1.3 kB of WAL per call, a new 16 MB segment every 1-2 s at full speed):
#  - the defaults (max_wal_size 1 GB, so a checkpoint every 540 MB)
#    checkpointed about once a minute, and each checkpoint's closing sync
#    held calls for up to 40-65 ms: spaced by 4 GB of WAL or 15 minutes
#    instead;
#  - a new segment was written full of zeroes first (wal_init_zero), and the
#    commits behind it waited: with it off, 6-s runs of signup-lite had 0-6
#    calls over 15 ms (slowest 9.6-17 ms) against 32-193 (19-43 ms) with it
#    on, four runs each, alternated. Off, a segment is created at its size
#    and ext4 allocates its blocks as WAL is written;
#  - better still is a segment made before it is needed: a new cluster is
#    given 1 GB of zero-filled segments (wal_preallocate), which its first
#    checkpoint keeps for reuse, as it keeps min_wal_size after every
#    checkpoint. Two fresh clusters, six 6-s runs of signup-lite each,
#    alternated: with them the slowest call took 12-50 ms (median 16) and
#    wrk's p99 was 10.3-15.1 ms (median 11.1); without, 16-121 ms (median
#    53) and 10.4-62.8 ms (median 15.2); the same throughput.
PG_WAL="-c max_wal_size=4GB -c min_wal_size=1GB -c checkpoint_timeout=15min -c wal_init_zero=off"

# shared_buffers: a quarter of the machine's memory, between PostgreSQL's
# 128 MB default and 1 GB (ORX_PG_SHARED_BUFFERS overrides). An agent that
# inserts touches random pages of its tables' indexes; once they outgrow
# 128 MB every call evicted about one dirty buffer and wrote it itself.
# Measured on a 1.3 GB database, 3 x 8-s runs of signup-lite after a warm-up,
# twice each, alternated: 128 MB wrote 160-217 k evicted buffers per 24 s and
# had p99 7.7-30 ms (median 19); 1 GB wrote none and had 7.1-20 ms (median 8.1).
pg_shared_buffers() {
    local mb
    if [ -n "${ORX_PG_SHARED_BUFFERS:-}" ]; then
        [[ $ORX_PG_SHARED_BUFFERS =~ ^[1-9][0-9]{0,6}(kB|MB|GB)$ ]] ||
            die "ORX_PG_SHARED_BUFFERS must be a size such as 512MB or 2GB"
        echo "$ORX_PG_SHARED_BUFFERS"
        return
    fi
    mb=$(awk '/^MemTotal:/ { print int($2 / 4096) }' /proc/meminfo)
    [ "${mb:-0}" -lt 128 ] && mb=128
    [ "$mb" -gt 1024 ] && mb=1024
    echo "${mb}MB"
}

# Fills 64 WAL segments (1 GB) with zeroes and checkpoints, so that the
# segments are recycled, not created, while calls wait on their commits.
wal_preallocate() {
    psql -qAt -h "$1" -p "$2" -U postgres -d postgres -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
set wal_init_zero = on;
do $$
begin
    for i in 1..64 loop
        perform pg_logical_emit_message(false, 'orchestrix', 'preallocate');
        perform pg_switch_wal();
    end loop;
end
$$;
checkpoint;
SQL
}

pg_stop() {
    if [ -f "$RUN/pg/data/PG_VERSION" ]; then
        as_pg "$PGBIN/pg_ctl" -D "$RUN/pg/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
}

pg_start() {
    local data=$RUN/pg/data sock=$RUN/pg/sock fresh=0 buffers
    buffers=$(pg_shared_buffers) || exit 1
    if [ ! -f "$data/PG_VERSION" ]; then
        fresh=1
        mkdir -p "$RUN/pg"
        chown "$PGUSER_OS:" "$RUN/pg"
        as_pg test -x "$RUN/pg" || die "the postgres account cannot reach $RUN; put the project where others can traverse"
        as_pg mkdir -p "$data" "$sock"
        chmod 700 "$sock"
        as_pg "$PGBIN/initdb" -D "$data" -U postgres -A trust --no-sync -E UTF8 --locale=C >/dev/null
        free_port > "$RUN/pg/port"
        # Trust only over the private socket; TCP needs a password (from
        # loopback, or from the networks of ORX_PG_LISTEN's addresses).
        cat > "$data/pg_hba.conf" <<EOF
local all all trust
host  all all 127.0.0.1/32 scram-sha-256
host  all all ::1/128 scram-sha-256
host  all all samenet scram-sha-256
EOF
    fi
    local port listen=127.0.0.1; port=$(cat "$RUN/pg/port")
    if [ -n "${ORX_PG_LISTEN:-}" ]; then
        [[ $ORX_PG_LISTEN =~ ^[0-9A-Fa-f.:]+(,[0-9A-Fa-f.:]+)*$ ]] ||
            die "ORX_PG_LISTEN is a comma-separated list of addresses"
        listen+=",$ORX_PG_LISTEN"
    fi
    if ! as_pg "$PGBIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        as_pg "$PGBIN/pg_ctl" -D "$data" -l "$RUN/pg/postgres.log" -w -t 30 \
            -o "-k $sock -p $port -c listen_addresses=$listen -c fsync=${PG_FSYNC:-on} -c max_connections=200 -c shared_buffers=$buffers $PG_WAL" \
            start >/dev/null || die "PostgreSQL did not start; see $RUN/pg/postgres.log"
    fi
    if ! psql -qAt -h "$sock" -p "$port" -U postgres -d postgres \
            -c "select 1 from pg_database where datname = 'orchestrix'" | grep -q 1; then
        psql -q -h "$sock" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
            -c "create database orchestrix" >/dev/null
    fi
    # Without fsync (the tests) a segment costs nothing to make.
    if [ "$fresh" = 1 ] && [ "${PG_FSYNC:-on}" = on ]; then
        wal_preallocate "$sock" "$port" || die "could not preallocate WAL; see $RUN/pg/postgres.log"
    fi
    DATABASE_URL="postgresql://postgres@/orchestrix?host=$sock&port=$port"
    export DATABASE_URL
    "$ROOT/$BUILD/tools/orx-admin" migrate "$ROOT/sql/migrations" >&2
}

# program_start NAME [EXE [SOCKET]]: a program's master, its pid in
# RUN/NAME.pid, its log in RUN/log/NAME.log; listening on SOCKET (a unix
# path, or host:port for TCP; default RUN/NAME.sock).
program_start() {
    local prog=$1 exe=${2:-$ROOT/$BUILD/cgi-bin/$1} sock=${3:-$RUN/$1.sock} pidf=$RUN/$1.pid
    alive "$pidf" && return 0
    mkdir -p "$RUN/log"
    touch "$RUN/$prog.conf"
    ORX_CONFIG_FILE=$RUN/$prog.conf ORX_SOCKET=$sock ORX_SECRET_KEY_FILE=$RUN/secret.key \
    ORX_EVENTS_SOCKET=${ORX_EVENTS_SOCKET:-$RUN/events.sock} \
    ORX_PUBLIC_URL=${ORX_PUBLIC_URL:-http://127.0.0.1:$PORT} \
    ORX_RUNTIME_API_KEY=${ORX_RUNTIME_API_KEY:-$(cat "$RUN/platform.key")} \
    ARCHESTRA_API_KEY=${ARCHESTRA_API_KEY-$(cat "$RUN/platform.key")} \
        setsid "$exe" >> "$RUN/log/$prog.log" 2>&1 < /dev/null &
    echo $! > "$pidf"
    for _ in $(seq 1 100); do
        listening "$sock" && return 0
        running "$(cat "$pidf")" || die "$prog exited; see $RUN/log/$prog.log"
        sleep 0.05
    done
    die "$prog did not open $sock"
}

# listening SOCKET: a unix socket file exists, or host:port accepts.
listening() {
    case $1 in
    */*) [ -S "$1" ] ;;
    *)   local host=${1%:*} port=${1##*:}
         host=${host#[}; host=${host%]}
         [ -z "$host" ] || [ "$host" = "*" ] && host=127.0.0.1
         (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null ;;
    esac
}

# Keys of the run folder: the platform key the bundled runtime accepts and
# Orchestrix deploys with, made once; and the secrets key that seals both
# sides' secrets (AES-256-GCM), made only for a database that never sealed
# anything. Otherwise `orx-admin secrets init` checks it against the
# database, and a key file missing, unreadable or not the one that sealed
# the stored secrets stops the start here, saying what to do.
keys_make() {
    (umask 077
     [ -s "$RUN/platform.key" ] || echo "arc_$(openssl rand -hex 24)" > "$RUN/platform.key")
    ORX_SECRET_KEY_FILE=$RUN/secret.key "$ROOT/$BUILD/tools/orx-admin" secrets init >&2 ||
        die "refusing to start: the secrets key does not open the stored secrets (above)"
}

# Renders RUN/nginx/nginx.conf (scripts/nginx-conf.sh) and tests it.
nginx_render() {
    local conf=$RUN/nginx/nginx.conf
    mkdir -p "$RUN/nginx/tmp" "$RUN/log"
    "$ROOT/scripts/nginx-conf.sh" "$RUN" "$PORT" > "$conf" || die "nginx configuration not made"
    cp "$ROOT/nginx/fastcgi.conf" "$ROOT/nginx/fastcgi_params.conf" "$RUN/nginx/"
    nginx -t -q -p "$RUN/nginx" -c "$conf" -e "$RUN/log/nginx-error.log" \
        || die "nginx configuration test failed"
}

nginx_start() {
    alive "$RUN/nginx/nginx.pid" && return 0
    nginx_render
    nginx -p "$RUN/nginx" -c "$RUN/nginx/nginx.conf" -e "$RUN/log/nginx-error.log" \
        || die "nginx did not start; see $RUN/log/nginx-error.log"
}

wait_healthy() {
    for _ in $(seq 1 100); do
        curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" 2>/dev/null && return 0
        sleep 0.1
    done
    die "http://127.0.0.1:$PORT/healthz did not answer 200"
}

# The MCP conformance fixture behind this stack's nginx (needs `start` first).
fixture_start() {
    local port; port=$(cat "$RUN/pg/port")
    [ -x "$ROOT/$BUILD/tests/mcp_fixture" ] || die "$BUILD/tests/mcp_fixture is not built"
    alive "$RUN/nginx/nginx.pid" || die "the stack is not running; start it first"
    DATABASE_URL="postgresql://postgres@/orchestrix?host=$RUN/pg/sock&port=$port" \
    ORX_WORKERS=${ORX_FIXTURE_WORKERS:-6} \
        program_start mcp_fixture "$ROOT/$BUILD/tests/mcp_fixture"
    sed -e "s#@RUN@#$RUN#g" "$ROOT/nginx/mcp-fixture.conf.in" > "$RUN/nginx/extra-fixture.conf"
    nginx -t -q -p "$RUN/nginx" -c "$RUN/nginx/nginx.conf" -e "$RUN/log/nginx-error.log" \
        || die "nginx configuration test failed"
    nginx -p "$RUN/nginx" -c "$RUN/nginx/nginx.conf" -e "$RUN/log/nginx-error.log" -s reload
    for _ in $(seq 1 100); do
        curl -fsS -o /dev/null "http://127.0.0.1:$PORT/fixture/healthz" 2>/dev/null && return 0
        sleep 0.1
    done
    die "http://127.0.0.1:$PORT/fixture/healthz did not answer 200"
}

stop_pidfile() {
    local pidf=$1 pid
    [ -f "$pidf" ] || return 0
    pid=$(cat "$pidf")
    if running "$pid"; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 150); do running "$pid" || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidf"
}

case $cmd in
start)
    [ -x "$ROOT/$BUILD/cgi-bin/orchestrix" ] || die "$BUILD is not built"
    pg_start
    keys_make
    # A program whose hosts are listed runs there, not here (README,
    # "Several hosts"); nginx passes its requests to them.
    [ -n "${ORX_ORCHESTRIX_HOSTS:-}" ] || program_start orchestrix
    [ -n "${ORX_RUNTIME_HOSTS:-}" ] || program_start runtime
    nginx_start
    wait_healthy
    printf 'DATABASE_URL=%s\n' "$DATABASE_URL"
    ;;
stop)
    stop_pidfile "$RUN/nginx/nginx.pid"
    stop_pidfile "$RUN/orchestrix.pid"
    stop_pidfile "$RUN/runtime.pid"
    stop_pidfile "$RUN/mcp_fixture.pid"
    rm -f "$RUN/nginx/extra-fixture.conf"
    pg_stop
    ;;
db-start)
    pg_start
    ;;
db-stop)
    pg_stop
    ;;
nginx-reload)
    alive "$RUN/nginx/nginx.pid" || die "nginx is not running; start the stack first"
    nginx_render
    nginx -p "$RUN/nginx" -c "$RUN/nginx/nginx.conf" -e "$RUN/log/nginx-error.log" -s reload
    ;;
program)
    # One more master of a program on this host, for the stack at RUN:
    # ORX_PROGRAM (orchestrix or runtime) named ORX_INSTANCE, listening on
    # ORX_SOCKET (host:port), against DATABASE_URL.
    [ -n "${DATABASE_URL:-}" ] || die "program: DATABASE_URL is not set"
    inst=${ORX_INSTANCE:?program: ORX_INSTANCE names the instance}
    [[ $inst =~ ^[a-z0-9-]+$ ]] || die "program: ORX_INSTANCE is lower-case letters, digits and -"
    program_start "$inst" "$ROOT/$BUILD/cgi-bin/${ORX_PROGRAM:?program: ORX_PROGRAM}" \
        "${ORX_SOCKET:?program: ORX_SOCKET is where it listens}"
    ;;
program-stop)
    inst=${ORX_INSTANCE:?program-stop: ORX_INSTANCE names the instance}
    [[ $inst =~ ^[a-z0-9-]+$ ]] || die "program-stop: ORX_INSTANCE is lower-case letters, digits and -"
    stop_pidfile "$RUN/$inst.pid"
    ;;
fixture)
    fixture_start
    echo "MCP_FIXTURE_URL=http://127.0.0.1:$PORT/fixture/mcp"
    ;;
status)
    for p in nginx/nginx orchestrix runtime mcp_fixture; do
        if alive "$RUN/$p.pid"; then echo "$(basename $p): running (pid $(cat "$RUN/$p.pid"))"
        else echo "$(basename $p): stopped"; fi
    done
    if [ -f "$RUN/pg/data/PG_VERSION" ] && as_pg "$PGBIN/pg_ctl" -D "$RUN/pg/data" status >/dev/null 2>&1
    then echo "postgresql: running"; else echo "postgresql: stopped"; fi
    ;;
*)
    die "unknown command $cmd"
    ;;
esac
