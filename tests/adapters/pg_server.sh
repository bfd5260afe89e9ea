#!/bin/sh
# A throwaway PostgreSQL 15 server for simul::pg's tests and benchmark.
#
#   pg_server.sh start DIR     initdb into DIR/data, start on a Unix socket in
#                              DIR and on 127.0.0.1:<free port>, write the port
#                              into DIR/port (trust auth, fsync off)
#   pg_server.sh restart DIR   stop (fast) and start again on the same port
#   pg_server.sh stop DIR      stop (immediate) and remove DIR
#
# PostgreSQL refuses to run as root: as root, the server runs as the
# `postgres` user (runuser), in a directory under /tmp chowned to it.
set -eu
cmd=${1:?usage: pg_server.sh start|restart|stop DIR}
dir=${2:?usage: pg_server.sh start|restart|stop DIR}
bin=${SIMUL_PG_BIN:-/usr/lib/postgresql/15/bin}

as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
    /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The server's own files live in a fresh directory under /tmp that the
# postgres user owns (a build directory may sit under a path it cannot
# search, such as mktemp's 0700 folders); DIR is a symbolic link to it, so
# clients use DIR as the socket directory and DIR/port as before.
stop_server() {
    real=$(readlink -f "$dir" 2>/dev/null || true)
    if [ -n "$real" ] && [ -f "$real/data/postmaster.pid" ]; then
        as_pg "$bin/pg_ctl" -D "$real/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    if [ -L "$dir" ] && [ -n "$real" ]; then rm -rf "$real"; fi
    rm -rf "$dir"
}

case $cmd in
start)
    stop_server
    mkdir -p "$(dirname "$dir")"
    rt=$(mktemp -d /tmp/simul-pg.XXXXXX)
    chmod 755 "$rt"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$rt"; fi
    ln -s "$rt" "$dir"
    dir=$rt  # the server side works on the real path
    as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; exit 1; }
    tries=0
    while :; do
        port=$(free_port)
        if as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 -o \
            "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c shared_buffers=32MB" \
            start >/dev/null; then
            break
        fi
        tries=$((tries + 1))
        if [ $tries -ge 3 ]; then cat "$dir/server.log" >&2; exit 1; fi
    done
    echo "$port" >"$dir/port"
    echo "simul pg_server: PostgreSQL up on 127.0.0.1:$port and $dir/.s.PGSQL.$port"
    ;;
restart)
    dir=$(readlink -f "$dir")
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m fast -w -t 30 restart >/dev/null
    ;;
stop)
    stop_server
    ;;
*)
    echo "usage: pg_server.sh start|restart|stop DIR" >&2
    exit 2
    ;;
esac
