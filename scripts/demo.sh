#!/usr/bin/env bash
# make demo: start the embedded AWS, deploy the local stage, run the whole loop (Salesforce -> DynamoDB ->
# status -> Salesforce, and Connect), then push every sample event through `serverless invoke local` and
# print what each route did, and stop the embedded AWS again. The loop's regions (Denver, Melbourne, London)
# are not those of the sample events (US-East, Sydney), so neither sees the other's data.
# Amazon Connect: a stand-in (local_aws/connect.py) on 127.0.0.1:$CONNECT_PORT (default 4567), started and stopped
# with the embedded AWS (scripts/emulator.sh), plugged in with AWS_ENDPOINT_URL_CONNECT (the Makefile sets it); the
# local stage is deployed with connectInstanceArn set to its instance, so the stream's sync keeps Oslo's hours of
# operation in step there.
set -euo pipefail
cd "$(dirname "$0")/.."
trap 'scripts/emulator.sh stop >/dev/null || true' EXIT
started=$(date +%s)

scripts/emulator.sh start
scripts/emulator.sh reset  # the stand-in Connect afresh too
rm -f .emulator/stream-checkpoints.json .emulator/emails.jsonl .emulator/function.log  # make stream / look-emails / logs start afresh
export AWS_ENDPOINT_URL_CONNECT="${AWS_ENDPOINT_URL_CONNECT:-$(scripts/emulator.sh connect-url)}"
connect_param="connectInstanceArn=$(python -c 'from local_aws.connect import DEMO_INSTANCE_ARN; print(DEMO_INSTANCE_ARN)')"
echo "== deploying the local stage to the embedded AWS"
if ! serverless deploy --stage local --param "$connect_param" >.emulator/deploy.log 2>&1; then
  tail -20 .emulator/deploy.log; echo "FAIL: the local stage did not deploy"; exit 1
fi
grep -E '✔' .emulator/deploy.log || true
status=0
echo
echo "== the whole loop: Salesforce -> bus -> router -> table -> stream -> router -> S3 / SNS -> Salesforce; Connect"
python scripts/demo_loop.py || status=1
loop_done=$(date +%s)

echo
echo "== every sample event in events/ through serverless invoke local"
# Large events: AppFlow would have stored them in the large-event bucket; put the samples' objects there.
python scripts/put_large_events.py
echo "== configuring the regions that the Connect lookups ask about (as make invoke does)"
python scripts/demo_lookup_regions.py

# Every sample event through `serverless invoke local`. The config-change samples run one after another (their
# outcomes depend on order: a duplicate, a stale change); the others run two at a time beside them.
out=.emulator/demo
rm -rf "$out" && mkdir -p "$out"
invoke() {
  local name; name=$(basename "$1" .json)
  if serverless invoke local --stage local --param "$connect_param" -f router -p "$1" >"$out/$name.out" 2>&1; then
    echo 0 >"$out/$name.rc"
  else
    echo 1 >"$out/$name.rc"
  fi
}
export -f invoke; export out connect_param
( for file in events/config-change--*.json; do invoke "$file"; done ) &
changes=$!
ls events/*.json | grep -v '/config-change--' | xargs -P 2 -I{} bash -c 'invoke {}'
wait "$changes"

for file in events/*.json; do
  name=$(basename "$file" .json)
  echo
  echo "== ${name%%--*}: ${name#*--}"
  # invoke local prints the function's log lines and then its answer (or a traceback): show only the answer.
  if python scripts/local_stage.py answer <"$out/$name.out" | sed 's/^/   /'; then raised=false; else raised=true; fi
  # A refused Connect lookup answers status=error: Connect never gets an exception.
  case "$name" in connect-lookup--*) expected_error=false ;; *--refused-*|*--unroutable-*) expected_error=true ;;
    *) expected_error=false ;; esac
  if $raised && $expected_error; then
    echo "   (raised, as expected: this sample is refused by design)"
  elif $raised; then
    echo "   UNEXPECTED: this sample raised"; status=1
  elif $expected_error; then
    echo "   UNEXPECTED: this sample should have been refused"; status=1
  fi
  # The stream route's status files and e-mail subjects, from its log lines.
  case "$name" in status-fanout--*) python3 scripts/demo_status.py <"$out/$name.out" ;; esac
done

echo
echo "demo in all: $(( $(date +%s) - started )) s (the loop was done $(( loop_done - started )) s after the start)"
if [ "$status" = 0 ]; then
  echo "PASS: the loop ended every request rightly (the dropped event's by the sweep) and every sample event answered as its name says"
else
  echo "FAIL: see the lines marked UNEXPECTED or THE LOOP MISBEHAVED above"
fi
exit $status
