#!/usr/bin/env bash
# The embedded AWS: a moto server on 127.0.0.1:$EMULATOR_PORT (default 4566), and beside it the stand-in Amazon
# Connect (local_aws/connect.py) on 127.0.0.1:$CONNECT_PORT (default 4567), which the local stage's Connect hours sync
# calls. `start` twice is harmless; `stop` ends what this checkout started on those ports and says whether anything
# still answers there.
# One pid file per server and port (.emulator/moto-<port>.pid, .emulator/connect-<port>.pid): a start on another port
# never overwrites the record of a server still running, so each can be stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${EMULATOR_PORT:-4566}"
connect_port="${CONNECT_PORT:-4567}"
state=.emulator
url="http://127.0.0.1:$port"
connect_url="http://127.0.0.1:$connect_port"
pidfile="$state/moto-$port.pid"
connect_pidfile="$state/connect-$connect_port.pid"

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
answering() { curl -fsS -o /dev/null "$url/moto-api/" 2>/dev/null; }
# Any HTTP answer at all (the stand-in answers 404 on /): the port is held.
connect_answering() { curl -s -o /dev/null "$connect_url/" 2>/dev/null; }
held() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

taken() {  # $1 port, $2 the variable that moves it
  echo "port $1 is taken by a process this checkout did not start: stop it, or choose another port," \
    "e.g. $2=$(( $1 + 10 )) make <target> (use the same $2 for every make command of this stage)" >&2
  exit 1
}

stop_pid() {  # $1 pid file: end its process group, wait for it
  local pid; pid=$(cat "$1")
  kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$1"
}

start_connect() {
  if alive "$connect_pidfile" && connect_answering; then return 0; fi
  rm -f "$connect_pidfile"
  if held "$connect_port"; then taken "$connect_port" CONNECT_PORT; fi
  setsid .venv/bin/python -m local_aws.connect --port "$connect_port" >"$state/connect-$connect_port.log" 2>&1 < /dev/null &
  echo $! >"$connect_pidfile"
  for _ in $(seq 1 100); do connect_answering && { echo "stand-in Connect running at $connect_url"; return 0; }; sleep 0.1; done
  stop_pid "$connect_pidfile"
  echo "the stand-in Connect did not start; see $state/connect-$connect_port.log" >&2; exit 1
}

case "${1:-}" in
  start)
    mkdir -p "$state"
    if alive "$pidfile" && answering; then
      echo "embedded AWS already running at $url"
    else
      rm -f "$pidfile"  # names a process that is gone (a start that failed, a reboot)
      if answering || held "$port"; then taken "$port" EMULATOR_PORT; fi
      # setsid: its own process group, so that stop can end it and anything it started.
      setsid .venv/bin/moto_server -H 127.0.0.1 -p "$port" >"$state/moto-$port.log" 2>&1 < /dev/null &
      echo $! >"$pidfile"
      started=false
      for _ in $(seq 1 100); do
        answering && { started=true; break; }
        kill -0 "$(cat "$pidfile")" 2>/dev/null || break  # it died: most often the port was taken meanwhile
        sleep 0.1
      done
      if ! $started; then
        stop_pid "$pidfile"
        if grep -q "Address already in use" "$state/moto-$port.log" 2>/dev/null; then taken "$port" EMULATOR_PORT; fi
        echo "embedded AWS did not start on port $port; see $state/moto-$port.log" >&2; exit 1
      fi
      echo "embedded AWS running at $url"
    fi
    start_connect ;;
  stop)
    status=0
    for entry in "$pidfile|$url|EMULATOR_PORT|embedded AWS|$port" "$connect_pidfile|$connect_url|CONNECT_PORT|stand-in Connect|$connect_port"; do
      IFS='|' read -r file at variable name number <<<"$entry"
      if alive "$file"; then
        stop_pid "$file"; said="$name at $at stopped"
      else
        [ -f "$file" ] && said="$name at $at was not running (its pid file named a process that is gone)" \
          || said="$name at $at was not running"
        rm -f "$file"
      fi
      if held "$number"; then
        echo "$said, but port $number is still held by a process this checkout did not start" \
          "(another checkout's, or one started by hand: see \`ss -ltnp 'sport = :$number'\`; $variable moves this checkout's)" >&2
        status=1
      else
        echo "$said"
      fi
    done
    exit $status ;;
  reset)  # everything deployed or written is gone; the stand-in Connect starts afresh (its hours as a new instance's)
    curl -fsS -X POST "$url/moto-api/reset" >/dev/null && echo "embedded AWS reset"
    if alive "$connect_pidfile"; then stop_pid "$connect_pidfile"; fi
    mkdir -p "$state"; start_connect ;;
  url) echo "$url" ;;
  connect-url) echo "$connect_url" ;;
  *) echo "usage: $0 start|stop|reset|url|connect-url" >&2; exit 2 ;;
esac
