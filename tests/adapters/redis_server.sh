#!/bin/sh
# The redis-server shared by one ctest run (tests/adapters/redis.cmake).
#   redis_server.sh start DIR   starts redis-server on a free loopback port,
#                               waits until it answers PING, writes DIR/port
#   redis_server.sh stop DIR    stops it and removes DIR
# The server keeps nothing on disk (--save "", no AOF) and runs in the
# foreground of its own session, its output in DIR/redis.log, so that ctest
# does not wait for it.
set -eu
cmd=${1:?usage: redis_server.sh start|stop DIR}
dir=${2:?usage: redis_server.sh start|stop DIR}

stop() {
    if [ -f "$dir/pid" ]; then
        pid=$(cat "$dir/pid")
        kill "$pid" 2>/dev/null || true
        i=0
        while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
        kill -9 "$pid" 2>/dev/null || true
        rm -f "$dir/pid"
    fi
}

case "$cmd" in
start)
    mkdir -p "$dir"
    stop
    rm -f "$dir/port"
    port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    setsid redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no \
        --dir "$dir" --logfile "$dir/redis.log" </dev/null >/dev/null 2>&1 &
    echo $! > "$dir/pid"
    i=0
    until [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ]; do
        i=$((i + 1))
        if [ $i -gt 200 ]; then
            echo "redis_server.sh: redis-server did not answer on port $port within 10 s; see $dir/redis.log" >&2
            stop
            exit 1
        fi
        sleep 0.05
    done
    echo "$port" > "$dir/port"
    echo "redis-server on 127.0.0.1:$port (pid $(cat "$dir/pid"))"
    ;;
stop)
    stop
    rm -rf "$dir"
    ;;
*)
    echo "usage: redis_server.sh start|stop DIR" >&2
    exit 2
    ;;
esac
