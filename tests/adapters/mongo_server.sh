#!/bin/sh
# The CongoDB server shared by the mongo tests of one ctest run (a CTest
# fixture: mongo_server_start / mongo_server_stop in tests/adapters/mongo.cmake).
#
#   mongo_server.sh start DIR CONGODB_DIR   install CongoDB if needed, start it on a
#                                           free loopback port; DIR/port, DIR/pid
#   mongo_server.sh stop DIR                stop it (SIGTERM, then SIGKILL)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cmd=$1
dir=$2
case "$cmd" in
start)
  congo=$3
  "$here/setup_congodb.sh" "$congo"
  mkdir -p "$dir"
  if [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
    "$0" stop "$dir"
  fi
  rm -f "$dir/port" "$dir/pid" "$dir/log"
  # setsid + every descriptor redirected: ctest must not wait on the server.
  setsid node "$here/congodb_server.mjs" "$congo" 0 >"$dir/log" 2>&1 </dev/null &
  echo $! >"$dir/pid"
  i=0
  while ! grep -q '^ready ' "$dir/log" 2>/dev/null; do
    i=$((i + 1))
    if [ $i -gt 150 ] || ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
      echo "mongo_server.sh: CongoDB did not start; its log:" >&2
      cat "$dir/log" >&2
      exit 1
    fi
    sleep 0.1
  done
  sed -n 's/^ready \([0-9]*\)$/\1/p' "$dir/log" >"$dir/port"
  echo "mongo_server.sh: CongoDB on 127.0.0.1:$(cat "$dir/port") (pid $(cat "$dir/pid"))"
  ;;
stop)
  if [ -f "$dir/pid" ]; then
    pid=$(cat "$dir/pid")
    kill -TERM "$pid" 2>/dev/null || true
    i=0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
      i=$((i + 1))
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$dir/pid" "$dir/port"
  fi
  ;;
*)
  echo "usage: mongo_server.sh start DIR CONGODB_DIR | stop DIR" >&2
  exit 2
  ;;
esac
