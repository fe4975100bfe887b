#!/usr/bin/env bash
# A throwaway PostgreSQL for the tests, in one command:
#
#   eval "$(scripts/postgres.sh start)"   # prints the exports; the cluster runs in the background
#   cargo test -p prospect-postgres
#   scripts/postgres.sh stop              # or: "$PROSPECT_POSTGRES_CTL" stop
#
# It makes a fresh cluster with initdb in a temporary folder, owned by a non-root user (root
# cannot run a server: as root, it uses the system user `prospect`, and creates it when missing,
# saying so on stderr), listening on 127.0.0.1 on a free port, with trust authentication (a test
# server only, never a real one), and a database `prospect`. It remembers the cluster it started
# in this checkout's `target/` folder, so that `stop` stops this checkout's cluster and no other
# (`stop FOLDER` stops the cluster in FOLDER). It prints:
#
#   PROSPECT_POSTGRES_URL   postgres://prospect@127.0.0.1:PORT/prospect
#   PROSPECT_POSTGRES_CTL   a script in the cluster's folder: `stop`, `start`, `restart`
#                           (the restart test stops and starts the server with it)
#
# Needs PostgreSQL's server programs (Debian: `apt-get install postgresql`); found on the PATH
# or in /usr/lib/postgresql/*/bin.
set -euo pipefail

# The last cluster started from this checkout.
state="$(cd "$(dirname "$0")/.." && pwd)/target/prospect-postgres.last"

bindir() {
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v pg_ctl)"
        return
    fi
    local found
    found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [ -z "$found" ]; then
        echo "PostgreSQL's server programs (initdb, pg_ctl) are not installed: apt-get install postgresql" >&2
        exit 1
    fi
    echo "$found"
}

start() {
    local bin dir port user
    bin=$(bindir)
    dir=$(mktemp -d "${TMPDIR:-/tmp}/prospect-postgres.XXXXXX")
    user=$(id -un)
    if [ "$(id -u)" = 0 ]; then
        user=prospect
        if ! id -u "$user" >/dev/null 2>&1; then
            echo "creating the system user $user to own the test cluster (root cannot run a server)" >&2
            useradd --system --no-create-home "$user"
        fi
        chown "$user" "$dir"
    fi
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    # The control script: runs pg_ctl as the cluster's owner.
    cat >"$dir/ctl" <<EOF
#!/usr/bin/env bash
set -euo pipefail
run() { if [ "\$(id -u)" = 0 ]; then runuser -u $user -- "\$@"; else "\$@"; fi; }
case "\${1:-}" in
    start) run "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 start >/dev/null ;;
    stop) run "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null ;;
    restart) run "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -m fast -w -t 60 restart >/dev/null ;;
    *) echo "usage: \$0 start|stop|restart" >&2; exit 2 ;;
esac
EOF
    chmod 755 "$dir/ctl"
    local as=()
    [ "$(id -u)" = 0 ] && as=(runuser -u "$user" --)
    "${as[@]}" "$bin/initdb" -D "$dir/data" -U prospect --auth=trust --encoding=UTF8 >"$dir/initdb.log"
    cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 100
EOF
    "$dir/ctl" start
    local psql="$bin/psql"
    [ -x "$psql" ] || psql=$(command -v psql)
    "$psql" -h 127.0.0.1 -p "$port" -U prospect -d postgres -qc 'CREATE DATABASE prospect' >/dev/null
    mkdir -p "$(dirname "$state")"
    echo "$dir" >"$state"
    echo "export PROSPECT_POSTGRES_URL=postgres://prospect@127.0.0.1:$port/prospect"
    echo "export PROSPECT_POSTGRES_CTL=$dir/ctl"
}

stop() {
    local dir="${1:-}"
    [ -n "$dir" ] || dir=$(cat "$state" 2>/dev/null || true)
    [ -n "$dir" ] && [ -d "$dir" ] || { echo "no cluster to stop" >&2; return 0; }
    "$dir/ctl" stop || true
    rm -rf "$dir"
    if [ "$(cat "$state" 2>/dev/null || true)" = "$dir" ]; then
        rm -f "$state"
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop "${2:-}" ;;
    *) echo "usage: $0 start | stop [folder]" >&2; exit 2 ;;
esac
