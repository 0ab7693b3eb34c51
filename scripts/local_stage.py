"""Working by hand on the local stage: `make invoke`, `make stream`, `make look-table|look-files|look-emails`.

Runs against the embedded AWS (AWS_ENDPOINT_URL, set by the Makefile). Everything it says about itself goes to
stderr, so that stdout holds only what was asked for: `invoke` prints the function's answer as JSON and nothing
else (no log lines), which a shell can pipe into `jq`.

- ``invoke EVENT``: EVENT is a file (``events/<name>.json``) or inline JSON. The local stage is deployed first
  when the embedded AWS does not have it (with the stand-in Connect as its Connect instance), and the items the
  sample events ask about are written when absent (a change made by hand, a Delete's tombstone, stays), Oslo's
  ``ConnectHoursOfOperationId`` among them, so that ``{"operation": "sync-connect"}`` has a region to sync. Then
  ``serverless invoke local``.
- ``stream``: the stream stand-in (local_aws/stream_poller.py) once: the table's new records since the last run
  go to the router in-process, as the event source mapping would hand them; prints the status files and e-mails
  that this produced.
- ``look table|files|emails``: the local table's items, the status files, the e-mails sent so far.
- ``logs``: the function's log lines of every ``invoke`` and ``stream`` (kept in .emulator/function.log; each also
  prints them to stderr with ``LOG=1``); ``RECORD=<id>`` keeps one request's (its ``record_id`` or its text).
- ``dead-letters``: realistic letters into the local dead-letter queues (local_aws/dead_letters.py), so that
  ``redrive-inbound`` and ``redrive-stream-failures`` can be rehearsed.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import re
import subprocess
import sys
import warnings
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import boto3  # noqa: E402
import botocore.exceptions  # noqa: E402
from demo_lookup_regions import seed  # noqa: E402
from put_large_events import put_large_events  # noqa: E402

from local_aws.connect import DEMO_HOURS_ID, DEMO_INSTANCE_ARN  # noqa: E402

STAGE = "local"
STACK = f"config-bridge-{STAGE}"
FUNCTION = f"{STACK}-router"
STATE = ROOT / ".emulator"
INBOX_QUEUE = "local-requester-inbox"
"""An SQS queue subscribed to the notification topic: the requesters' e-mails, as `look-emails` shows them."""
EMAILS = STATE / "emails.jsonl"
CHECKPOINTS = STATE / "stream-checkpoints.json"
FUNCTION_LOG = STATE / "function.log"
"""The function's log lines of every `make invoke` and `make stream`, one JSON object a line (`make logs`)."""
CONNECT_PARAM = ["--param", f"connectInstanceArn={DEMO_INSTANCE_ARN}"]
"""The local stage's Connect instance: the stand-in's (scripts/emulator.sh starts it beside the embedded AWS)."""
REHEARSAL_ITEMS = [
    ("Oslo", "SETTING#TimeZone", {"value": "Europe/Oslo"}),
    ("Oslo", "SETTING#ConnectHoursOfOperationId", {"value": DEMO_HOURS_ID}),
]
"""What `make invoke` adds to the samples' items: a region whose Connect hours of operation the sync keeps in step
(the stand-in holds it), so that the runbook's sync-connect can be rehearsed."""

for _name in ("botocore", "boto3", "urllib3"):
    logging.getLogger(_name).setLevel(logging.WARNING)


class NotReady(Exception):
    """The embedded AWS or the local stage is not there; the message says what to run."""


def say(text: str) -> None:
    print(text, file=sys.stderr)


def endpoint() -> str:
    return os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")


def deployed(session: boto3.session.Session) -> bool:
    try:
        stacks = session.client("cloudformation").describe_stacks(StackName=STACK)["Stacks"]
    except botocore.exceptions.EndpointConnectionError:
        raise NotReady(f"the embedded AWS is not running at {endpoint()}: run `make emulator-start`") from None
    except botocore.exceptions.ClientError:
        return False
    return any(not stack["StackStatus"].endswith(("FAILED", "DELETE_COMPLETE")) for stack in stacks)


def environment(session: boto3.session.Session) -> dict[str, str]:
    """The deployed function's environment (table, bucket, topics), read from the emulator's Lambda."""
    if not deployed(session):
        raise NotReady(
            f"the local stage is not deployed on the embedded AWS at {endpoint()} (stopping the emulator wipes it):"
            " run `make deploy-local`, or `make invoke EVENT=events/operator--describe.json`, which deploys it"
        )
    function = session.client("lambda").get_function_configuration(FunctionName=FUNCTION)
    return dict(function["Environment"]["Variables"])


def ensure(session: boto3.session.Session) -> dict[str, str]:
    """Deploy the local stage when the embedded AWS lacks it; write the samples' data when absent."""
    if not deployed(session):
        say(
            f"== the local stage is not on the embedded AWS at {endpoint()}: deploying it"
            " (30 s on a quiet machine, minutes under load)"
        )
        STATE.mkdir(exist_ok=True)
        log = STATE / "deploy.log"
        with log.open("w") as out:
            command = ["serverless", "deploy", "--stage", STAGE, *CONNECT_PARAM]
            done = subprocess.run(command, stdout=out, stderr=out, cwd=ROOT)
        if done.returncode != 0:
            raise NotReady(f"`serverless deploy --stage {STAGE}` failed; see {log.relative_to(ROOT)}")
        (STATE / "seeded").unlink(missing_ok=True)
    env = environment(session)
    seed(
        session.client("dynamodb"),
        env["TABLE_NAME"],
        only_if_absent=True,
        echo=lambda line: say(f"== seeded {line}"),
        extra=REHEARSAL_ITEMS,
    )
    put_large_events(session.client("s3"), echo=lambda _: None)
    inbox_url(session, env)
    return env


def inbox_url(session: boto3.session.Session, env: dict[str, str]) -> str:
    """The e-mail inbox queue, subscribed to the notification topic once."""
    sqs, sns = session.client("sqs"), session.client("sns")
    try:
        return str(sqs.get_queue_url(QueueName=INBOX_QUEUE)["QueueUrl"])
    except sqs.exceptions.QueueDoesNotExist:
        pass
    url = str(sqs.create_queue(QueueName=INBOX_QUEUE)["QueueUrl"])
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=env["NOTIFICATION_TOPIC_ARN"], Protocol="sqs", Endpoint=arn)
    return url


# ---- invoke ----

_EXCEPTION = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception)): ?(.*)$", re.MULTILINE)


def answer_of(output: str) -> tuple[bool, Any]:
    """(raised, answer) from `serverless invoke local` output: the function's log lines, then its answer (or a
    traceback, which invoke local prints in chunks)."""
    decoder = json.JSONDecoder()
    answer: Any = None
    found = False
    position = skip_until = 0
    for line in output.splitlines(keepends=True):
        start = position + len(line) - len(line.lstrip())
        position += len(line)
        if start < skip_until or not line.lstrip().startswith(("{", "[", '"')):
            continue
        try:
            value, end = decoder.raw_decode(output, start)
        except ValueError:
            continue
        skip_until = end
        if isinstance(value, dict) and ({"level", "location"} <= value.keys() or "_aws" in value):
            continue  # a log line or a metrics line
        answer, found = value, True
    if found:
        return False, answer
    errors = _EXCEPTION.findall(output)
    if errors:
        error_type, message = errors[-1]
        return True, {"errorType": error_type.rsplit(".", 1)[-1], "errorMessage": message}
    return True, {"errorType": "NoAnswer", "errorMessage": output.strip()[-2000:]}


def event_source(event: str) -> tuple[list[str], bool]:
    """``serverless invoke local``'s arguments for EVENT (a file or inline JSON), and whether the sample is one that
    is refused by design; :class:`NotReady` when EVENT is not JSON, the same message for a file and for text."""
    path = Path(event)
    text, what = (path.read_text(encoding="utf-8"), f"the file {event}") if path.is_file() else (event, "EVENT")
    try:
        json.loads(text)
    except ValueError as error:
        line = f"line {error.lineno} column {error.colno}: " if isinstance(error, json.JSONDecodeError) else ""
        raise NotReady(
            f"{what} is not JSON ({line}{getattr(error, 'msg', error)}): give EVENT=events/<name>.json or inline JSON"
            """ such as EVENT='{"operation": "describe"}'"""
        ) from None
    if path.is_file():
        return ["-p", str(path)], "--refused-" in path.stem
    return ["-d", event], False


def invoke(event: str) -> int:
    source, expected_error = event_source(event)
    session = boto3.session.Session()
    ensure(session)
    done = subprocess.run(
        ["serverless", "invoke", "local", "--stage", STAGE, *CONNECT_PARAM, "-f", "router", *source],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    keep_log_lines(done.stdout + done.stderr, f"make invoke EVENT={event[:60]}")
    raised, answer = answer_of(done.stdout + done.stderr)
    print(json.dumps(answer, indent=2, ensure_ascii=False))
    if raised:
        if expected_error:
            say("(raised, as expected: a --refused- sample is refused by design)")
            return 0
        say("(the function raised)")
        return 1
    return 0


# ---- the function's log lines ----


def log_lines(output: str) -> list[str]:
    """The function's log lines (Powertools' JSON, one object a line) in what it printed."""
    lines = []
    for line in output.splitlines():
        text = line.strip()
        if not text.startswith("{"):
            continue
        try:
            value = json.loads(text)
        except ValueError:
            continue
        if isinstance(value, dict) and {"level", "location", "message"} <= value.keys():
            lines.append(text)
    return lines


def keep_log_lines(output: str, source: str) -> None:
    """Append the function's log lines to .emulator/function.log (`make logs`); with LOG=1 print them to stderr."""
    lines = log_lines(output)
    STATE.mkdir(exist_ok=True)
    with FUNCTION_LOG.open("a") as out:
        out.write(json.dumps({"source": source, "lines": len(lines)}) + "\n")
        out.writelines(line + "\n" for line in lines)
    if os.environ.get("LOG"):
        for line in lines:
            say(line)


def logs(record: str = "") -> int:
    """The kept log lines, as CloudWatch Logs would show the function's log group; ``record``: only those of one
    request (its ``record_id`` key, or the id anywhere in the line, as the runbook's Logs Insights query does)."""
    if not FUNCTION_LOG.exists():
        say("no log lines yet: they are kept by `make invoke` and `make stream` (make demo starts afresh)")
        return 0
    shown = 0
    for text in FUNCTION_LOG.read_text().splitlines():
        value = json.loads(text)
        if "source" in value and "level" not in value:
            if not record:
                print(f"== {value['source']}: {value['lines']} log lines")
            continue
        if record and value.get("record_id") != record and record not in text:
            continue
        print(text)
        shown += 1
    if record:
        say(f"{shown} log lines of record {record}")
    return 0


# ---- stream ----


def stream() -> int:
    from local_aws.inbox import Inbox
    from local_aws.stream_poller import StreamPoller

    session = boto3.session.Session()
    env = environment(session)
    os.environ.update(env)
    os.environ.update(POWERTOOLS_METRICS_DISABLED="true")
    warnings.filterwarnings("ignore", message="Dimension 'route' has already been added")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):  # the logger keeps the stream it starts with: this one
        import handler

    table = session.client("dynamodb").describe_table(TableName=env["TABLE_NAME"])["Table"]
    failure_queue = session.client("sqs").get_queue_url(QueueName=f"{STACK}-stream-failures")["QueueUrl"]
    checkpoints = json.loads(CHECKPOINTS.read_text()) if CHECKPOINTS.exists() else {}
    if checkpoints.get("stream") != table["LatestStreamArn"]:
        checkpoints = {"stream": table["LatestStreamArn"], "shards": {}}
    poller = StreamPoller(
        session.client("dynamodbstreams"),
        table["LatestStreamArn"],
        failure_queue,
        session.client("sqs"),
        # Config item changes too when the stage was deployed with connectInstanceArn (the Connect hours sync).
        connect_instance=bool(env.get("CONNECT_INSTANCE_ARN")),
        _checkpoints=dict(checkpoints["shards"]),
    )
    s3 = session.client("s3")
    before = set(_status_keys(s3, env))
    context = SimpleNamespace(**_context("make-stream"))
    with contextlib.redirect_stdout(printed):
        report = poller.poll(handler.handler, context)
    keep_log_lines(printed.getvalue(), "make stream")
    checkpoints["shards"] = poller._checkpoints
    CHECKPOINTS.parent.mkdir(exist_ok=True)
    CHECKPOINTS.write_text(json.dumps(checkpoints))
    print(
        f"stream records read {report.read}, filtered out {report.filtered_out} (not for the router), "
        f"handed to the router {report.handed}, sent to the failure queue {report.sent_to_failure_queue}"
    )
    new = [key for key in _status_keys(s3, env) if key not in before]
    print(f"status files written: {len(new)}")
    for key in new:
        _print_status_file(s3, env, key)
    emails = _receive_emails(Inbox(session.client("sqs"), inbox_url(session, env)))
    print(f"e-mails sent: {len(emails)}")
    for email in emails:
        print(f"  {email['subject']}")
    return 0


def _status_keys(s3: Any, env: dict[str, str]) -> list[str]:
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(
        Bucket=env["STATUS_BUCKET"], Prefix=env.get("STATUS_PREFIX", "status/")
    ):
        keys.extend(item["Key"] for item in page.get("Contents", []))
    return keys


def _print_status_file(s3: Any, env: dict[str, str], key: str) -> None:
    print(f"  {key}")
    body = s3.get_object(Bucket=env["STATUS_BUCKET"], Key=key)["Body"].read().decode("utf-8")
    for row in body.splitlines():
        print(f"    | {row}")


def _receive_emails(inbox: Any) -> list[dict[str, Any]]:
    """New e-mails from the inbox queue, kept in .emulator/emails.jsonl for `look-emails`."""
    emails = [{"subject": e.subject, "attributes": e.attributes, "body": e.body} for e in inbox.receive()]
    if emails:
        STATE.mkdir(exist_ok=True)
        with EMAILS.open("a") as out:
            out.writelines(json.dumps(email) + "\n" for email in emails)
    return emails


# ---- dead letters ----


def dead_letters() -> int:
    """Realistic letters into both local dead-letter queues (local_aws/dead_letters.py): three for the inbound
    queue, and for the stream-failure queue a batch of the outcome records that one config change, written now
    in-process, put on the stream."""
    from local_aws import dead_letters as letters

    session = boto3.session.Session()
    env = ensure(session)
    samples = {
        name: json.loads((ROOT / "events" / f"{name}.json").read_text())
        for name in ("config-change--holiday-add-christmas", "config-change--setting-add-timezone")
    }
    sqs = session.client("sqs")
    for body in letters.inbound_letters(samples):
        sqs.send_message(QueueUrl=env["INBOUND_DLQ_URL"], MessageBody=body)
    print(f"inbound dead-letter queue: 3 letters (2 config changes of region {letters.REGION}, 1 that is no event)")

    os.environ.update(env)
    os.environ.update(POWERTOOLS_METRICS_DISABLED="true")
    warnings.filterwarnings("ignore", message="Dimension 'route' has already been added")
    change = letters.config_change(3, datetime.now(UTC), sample=samples["config-change--holiday-add-christmas"])
    change["detail"]["Holiday_Date__c"] = "2026-12-26"
    change["detail"]["Holiday_Name__c"] = "Boxing Day"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        import handler

        handler.handler(change, SimpleNamespace(**_context("make-dead-letters")))
    keep_log_lines(printed.getvalue(), "make dead-letters (the change whose fan-out failed)")
    table = session.client("dynamodb").describe_table(TableName=env["TABLE_NAME"])["Table"]
    streams = session.client("dynamodbstreams")
    shard, numbers = letters.outcome_records(streams, table["LatestStreamArn"], {change["detail"]["Record_Id__c"]})
    if not numbers:
        raise NotReady("the change's outcome is not on the table's stream: is the stream on? (make deploy-local)")
    body = letters.stream_failure_letter(table["LatestStreamArn"], shard, numbers[0], numbers[-1], len(numbers))
    sqs.send_message(QueueUrl=env["STREAM_FAILURE_QUEUE_URL"], MessageBody=body)
    print(f"stream-failure queue: 1 letter (the fan-out of record {change['detail']['Record_Id__c']}'s outcome)")
    print(
        """now rehearse: make invoke EVENT='{"operation": "redrive-inbound"}'"""
        """ and make invoke EVENT='{"operation": "redrive-stream-failures"}'"""
    )
    return 0


def _context(request_id: str) -> dict[str, Any]:
    return {
        "function_name": FUNCTION,
        "memory_limit_in_mb": 256,
        "invoked_function_arn": f"arn:aws:lambda:us-east-1:123456789012:function:{FUNCTION}",
        "aws_request_id": request_id,
        "get_remaining_time_in_millis": lambda: 30_000,
    }


# ---- look ----


def look(what: str) -> int:
    session = boto3.session.Session()
    env = environment(session)
    if what == "table":
        pages = session.client("dynamodb").get_paginator("scan").paginate(TableName=env["TABLE_NAME"])
        items = [item for page in pages for item in page["Items"]]
        rows = [{name: next(iter(value.values())) for name, value in item.items()} for item in items]
        rows.sort(key=lambda row: (str(row.get("PK")), str(row.get("SK"))))
        print(f"table {env['TABLE_NAME']}: {len(rows)} items")
        for row in rows:
            rest = {k: v for k, v in row.items() if k not in {"PK", "SK"}}
            print(f"  {row.get('PK')}  {row.get('SK')}")
            print(f"      {json.dumps(rest, ensure_ascii=False, default=str)}")
    elif what == "files":
        s3 = session.client("s3")
        keys = _status_keys(s3, env)
        print(f"status files in s3://{env['STATUS_BUCKET']}/{env.get('STATUS_PREFIX', 'status/')}: {len(keys)}")
        for key in keys:
            _print_status_file(s3, env, key)
    elif what == "emails":
        from local_aws.inbox import Inbox

        _receive_emails(Inbox(session.client("sqs"), inbox_url(session, env)))
        emails = [json.loads(line) for line in EMAILS.read_text().splitlines()] if EMAILS.exists() else []
        print(f"e-mails on the notification topic (sent by `make stream`): {len(emails)}")
        for email in emails:
            print(f"  {email['subject']}")
            print(f"      attributes: {json.dumps(email['attributes'], ensure_ascii=False)}")
            for line in email["body"].splitlines():
                print(f"      | {line}")
    else:
        raise NotReady(f"WHAT must be table, files or emails, not {what!r}")
    return 0


def main(argv: list[str]) -> int:
    try:
        if argv[:1] == ["invoke"] and len(argv) == 2 and argv[1]:
            return invoke(argv[1])
        if argv == ["stream"]:
            return stream()
        if argv[:1] == ["look"] and len(argv) == 2:
            return look(argv[1])
        if argv == ["logs"]:
            return logs(os.environ.get("RECORD", ""))
        if argv == ["dead-letters"]:
            return dead_letters()
        if argv == ["answer"]:  # make demo: the answer in saved `serverless invoke local` output
            raised, answer = answer_of(sys.stdin.read())
            print(json.dumps(answer, indent=2, ensure_ascii=False))
            return 3 if raised else 0
        if argv == ["ensure"]:
            ensure(boto3.session.Session())
            return 0
    except NotReady as problem:
        say(f"error: {problem}")
        return 2
    say(
        'usage: make invoke EVENT=events/<name>.json | make invoke EVENT=\'{"operation":"describe"}\''
        " | make stream | make look-table | make look-files | make look-emails | make logs | make dead-letters"
    )
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
