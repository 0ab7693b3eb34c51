"""`make selftest STAGE=<stage>`: the self-test (services/operator/selftest.py), one line per path.

- ``local`` (the default): against the embedded AWS (AWS_ENDPOINT_URL, set by the Makefile), with the deployed local
  stage's environment, in-process like `make stream` (the local stage is deployed first when the embedded AWS lacks
  it). The report is not published: the local support topic has no reader.
- any other stage: ``serverless invoke --stage <stage> -f router -d '{"operation": "selftest"}'`` with the caller's
  AWS credentials; the answer's lines are printed.

Exits 1 when a line failed (or the invocation did), 0 otherwise.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))


def local() -> dict[str, Any]:
    import boto3
    from local_stage import FUNCTION, ensure

    session = boto3.session.Session()
    env = ensure(session)
    _key_policy_as_text(session.client("kms"), env["CUSTOMER_KEY_ID"])
    os.environ.update(env)
    os.environ.update(POWERTOOLS_LOG_LEVEL="ERROR", POWERTOOLS_METRICS_DISABLED="true")
    import handler

    context = SimpleNamespace(
        function_name=FUNCTION,
        memory_limit_in_mb=256,
        invoked_function_arn=f"arn:aws:lambda:us-east-1:123456789012:function:{FUNCTION}",
        aws_request_id="make-selftest",
        get_remaining_time_in_millis=lambda: 30_000,
    )
    answer: dict[str, Any] = handler.handler({"operation": "selftest", "publish": False}, context)
    return answer


def _key_policy_as_text(kms: Any, key_id: str) -> None:
    """moto's CloudFormation keeps the key's policy as an object where AWS keeps JSON text, and moto's own DescribeKey
    then fails (500) reading it: the same policy, put back as text, as AWS holds it."""
    policy = kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]
    if not isinstance(policy, str):
        kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=json.dumps(policy))


def deployed(stage: str) -> dict[str, Any]:
    done = subprocess.run(
        ["serverless", "invoke", "--stage", stage, "-f", "router", "-d", '{"operation": "selftest"}'],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    start = done.stdout.find("{")
    if done.returncode != 0 or start < 0:
        print(done.stdout + done.stderr, file=sys.stderr)
        raise SystemExit(f"`serverless invoke --stage {stage}` failed (exit {done.returncode})")
    answer: dict[str, Any] = json.JSONDecoder().raw_decode(done.stdout, start)[0]
    return answer


def main(stage: str) -> int:
    answer = local() if stage == "local" else deployed(stage)
    if "lines" not in answer:
        print(json.dumps(answer, indent=2), file=sys.stderr)
        return 1
    for line in answer["lines"]:
        print(line)
    print(f"self-test of {stage}: {answer['summary']}")
    return 0 if answer["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else "local"))
