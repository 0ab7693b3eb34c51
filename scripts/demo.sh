#!/usr/bin/env bash
# make demo: start the embedded AWS, deploy the local stage, push every sample event through
# `serverless invoke local`, print what each route did, and stop the embedded AWS again.
set -euo pipefail
cd "$(dirname "$0")/.."
trap 'scripts/emulator.sh stop >/dev/null' EXIT

scripts/emulator.sh start
scripts/emulator.sh reset
echo "== deploying the local stage to the embedded AWS"
serverless deploy --stage local 2>&1 | grep -E '✔|×|Error' || true
# Large events: AppFlow would have stored them in the large-event bucket; put the samples' objects there.
python scripts/put_large_events.py
echo "== configuring the regions that the Connect lookups ask about"
python scripts/demo_lookup_regions.py

status=0
for file in events/*.json; do
  name=$(basename "$file" .json)
  echo
  echo "== ${name%%--*}: ${name#*--}"
  # invoke local prints the function's log lines (JSON) and then its answer; show the answer.
  if ! out=$(serverless invoke local --stage local -f router -p "$file" 2>&1); then
    expected_error=false
    case "$name" in *--refused-*|*--unroutable-*) expected_error=true ;; esac
    # invoke local ends a raised error with its traceback (split into chunks); show the exception line.
    echo "$out" | grep -E '"(errorType|errorMessage)"|^[A-Za-z_.][A-Za-z0-9_.]*(Error|Exception): ' | head -2 || true
    $expected_error || status=1
    continue
  fi
  echo "$out" | grep -vE '^\{"(level|_aws)"|NodeVersion|node >=|SDK for JavaScript|a\.co/|trace-warnings|upgrade to node|receiving updates|versions published|^$'
  # The stream route's status files and e-mail subjects, from its log lines.
  case "$name" in status-fanout--*) echo "$out" | python3 scripts/demo_status.py ;; esac
done
exit $status
