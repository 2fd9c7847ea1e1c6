#!/usr/bin/env bash
# backup.sh backup RUN_DIR BUILD_DIR [FILE]
# backup.sh restore RUN_DIR BUILD_DIR FILE
#
# `make backup` and `make restore FILE=...` (RUN_DIR .run, BUILD_DIR
# build/rel). A backup is one tar archive: orchestrix.dump (pg_dump -Fc of
# the whole database, both sides' tables) and keys/ (secret.key, which opens
# every sealed secret, platform.key and dev.key), nothing else needed. It is
# taken from a running or a stopped stack (PostgreSQL is started for the
# dump and stopped again if it was not running). The key file is copied
# after the dump: a rotation meanwhile leaves the old key in it as well.
#
# A restore brings a stopped stack back from an archive into RUN_DIR: a new
# PostgreSQL cluster holding the dump (then migrated, for an archive of an
# older version), the keys beside it, and a check that the key opens the
# restored secrets. A RUN_DIR that already holds a database is replaced only
# with FORCE=1, and is backed up first (before-restore-*.tar). Archives
# without a FILE go to ORX_BACKUP_DIR (default: backups/ in the project).
set -euo pipefail

cmd=${1:?usage: backup.sh backup|restore RUN_DIR BUILD_DIR [FILE]}
RUN=${2:?run dir}
BUILD=${3:?build dir}
FILE=${4:-}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# Absolute: libpq takes a relative socket folder for a host name.
mkdir -p "$RUN"
RUN=$(cd "$RUN" && pwd)
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
STACK=$ROOT/scripts/stack.sh
ADMIN=$ROOT/$BUILD/tools/orx-admin
KEYS="secret.key platform.key dev.key"
DIR=${ORX_BACKUP_DIR:-$ROOT/backups}

die() { printf 'backup: %s\n' "$*" >&2; exit 1; }

[ -x "$ADMIN" ] || die "$BUILD is not built"

running() {
    kill -0 "$1" 2>/dev/null || return 1
    case $(ps -o stat= -p "$1" 2>/dev/null) in Z*) return 1 ;; esac
}
pg_up() {
    [ -f "$RUN/pg/data/postmaster.pid" ] && running "$(head -n 1 "$RUN/pg/data/postmaster.pid")"
}
db_url() { echo "postgresql://postgres@/orchestrix?host=$RUN/pg/sock&port=$(cat "$RUN/pg/port")"; }
db() {
    local out
    out=$("$STACK" "db-$1" "$RUN" 0 "$BUILD" 2>&1) || { printf '%s\n' "$out" >&2; die "PostgreSQL did not $1"; }
}

# backup_to FILE: the archive of RUN's database and keys (a subshell, so
# that its clean-up runs however it ends). With ORX_BACKUP_ANYWAY set, a key
# that does not open the secrets is no reason to stop (what a restore over
# a database keeps of it).
backup_to() (
    out=$1 started=0
    [ -f "$RUN/pg/data/PG_VERSION" ] || die "$RUN holds no database"
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"; if [ "$started" = 1 ]; then db stop; fi' EXIT
    if ! pg_up; then
        db start
        started=1
    fi
    # A key that does not open the database's secrets makes a useless backup.
    DATABASE_URL=$(db_url) ORX_SECRET_KEY_FILE=$RUN/secret.key "$ADMIN" secrets status \
        > "$tmp/MANIFEST" || [ -n "${ORX_BACKUP_ANYWAY:-}" ] ||
        die "the key file does not open the database's secrets (above)"
    "$PGBIN/pg_dump" -Fc -h "$RUN/pg/sock" -p "$(cat "$RUN/pg/port")" -U postgres \
        -d orchestrix -f "$tmp/orchestrix.dump"
    mkdir -m 700 "$tmp/keys"
    for k in $KEYS; do
        [ -f "$RUN/$k" ] && cp -p "$RUN/$k" "$tmp/keys/$k"
    done
    {
        echo "orchestrix backup, made $(date -u +%Y-%m-%dT%H:%M:%SZ) from $RUN"
        echo "postgresql $("$PGBIN/pg_dump" --version | awk '{print $NF}')"
    } >> "$tmp/MANIFEST"
    mkdir -p "$(dirname "$out")"
    (umask 077; tar -C "$tmp" -cf "$out.part" MANIFEST orchestrix.dump keys)
    mv "$out.part" "$out"
)

case $cmd in
backup)
    if [ -z "$FILE" ]; then
        mkdir -p -m 700 "$DIR"
        FILE=$DIR/orchestrix-$(date -u +%Y%m%dT%H%M%SZ).tar
    fi
    backup_to "$FILE"
    echo "backup: $FILE (the database and the keys; it opens every secret: keep it safe)"
    ;;
restore)
    [ -n "$FILE" ] || die "which archive? make restore FILE=backups/orchestrix-....tar"
    [ -f "$FILE" ] || die "$FILE: no such file"
    FILE=$(cd "$(dirname "$FILE")" && pwd)/$(basename "$FILE")
    for p in nginx/nginx orchestrix runtime mcp_fixture; do
        if [ -f "$RUN/$p.pid" ] && running "$(cat "$RUN/$p.pid")"; then
            die "the stack in $RUN is running: stop it first (make stop)"
        fi
    done
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    tar -C "$tmp" -xf "$FILE" MANIFEST orchestrix.dump keys ||
        die "$FILE is not a backup of this project (no MANIFEST, orchestrix.dump, keys/)"
    [ -s "$tmp/keys/secret.key" ] || die "$FILE holds no secret.key"
    if [ -f "$RUN/pg/data/PG_VERSION" ]; then
        [ "${FORCE:-}" = 1 ] || die "$RUN already holds a database: FORCE=1 replaces it (backed up first)"
        mkdir -p -m 700 "$DIR"
        before=$DIR/before-restore-$(date -u +%Y%m%dT%H%M%SZ).tar
        ORX_BACKUP_ANYWAY=1 backup_to "$before"
        echo "backup: what $RUN held is in $before"
        if pg_up; then db stop; fi
        rm -rf "$RUN/pg"
    fi
    mkdir -p "$RUN"
    # A new cluster; its database is replaced by the dump, then migrated.
    db start
    trap 'rm -rf "$tmp"; db stop' EXIT
    sock=$RUN/pg/sock port=$(cat "$RUN/pg/port")
    psql -q -X -h "$sock" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
        -c "drop database orchestrix" -c "create database orchestrix" >/dev/null
    "$PGBIN/pg_restore" --exit-on-error -h "$sock" -p "$port" -U postgres \
        -d orchestrix "$tmp/orchestrix.dump"
    DATABASE_URL=$(db_url) "$ADMIN" migrate "$ROOT/sql/migrations" >&2
    for k in $KEYS; do
        if [ -f "$tmp/keys/$k" ]; then
            install -m 600 "$tmp/keys/$k" "$RUN/$k"
        fi
    done
    DATABASE_URL=$(db_url) ORX_SECRET_KEY_FILE=$RUN/secret.key "$ADMIN" secrets status ||
        die "the restored key does not open the restored secrets (above)"
    echo "restore: $RUN is back as $FILE had it; make run starts it"
    ;;
*)
    die "unknown command $cmd"
    ;;
esac
