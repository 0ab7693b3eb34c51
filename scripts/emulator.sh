#!/usr/bin/env bash
# The embedded AWS: a moto server on 127.0.0.1. `start` twice is harmless; `stop` leaves no process behind.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${EMULATOR_PORT:-4566}"
state=.emulator
pidfile="$state/moto.pid"
url="http://127.0.0.1:$port"

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }
answering() { curl -fsS -o /dev/null "$url/moto-api/" 2>/dev/null; }

case "${1:-}" in
  start)
    mkdir -p "$state"
    if running && answering; then echo "embedded AWS already running at $url"; exit 0; fi
    if answering; then echo "port $port is taken by another process" >&2; exit 1; fi
    # setsid: its own process group, so that stop can end it and anything it started.
    setsid .venv/bin/moto_server -H 127.0.0.1 -p "$port" >"$state/moto.log" 2>&1 < /dev/null &
    echo $! >"$pidfile"
    for _ in $(seq 1 100); do answering && { echo "embedded AWS running at $url"; exit 0; }; sleep 0.1; done
    echo "embedded AWS did not start; see $state/moto.log" >&2; exit 1 ;;
  stop)
    if running; then
      pid=$(cat "$pidfile"); kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$pidfile"; echo "embedded AWS stopped" ;;
  reset)
    curl -fsS -X POST "$url/moto-api/reset" >/dev/null && echo "embedded AWS reset" ;;
  url) echo "$url" ;;
  *) echo "usage: $0 start|stop|reset|url" >&2; exit 2 ;;
esac
