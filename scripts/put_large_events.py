"""Put each sample large event where its pointer says (the demo's stand-in for AppFlow's large-event handling).

For every ``events/<name>.json`` whose ``detail`` is a large-event pointer (``s3Bucket``, ``s3Key``) and that has
a stored object ``events/large-events/<name>.json``, the object is put at that bucket and key. Pointers without
a stored object (the refused ones) are left alone. Uses the AWS endpoint from the environment (the emulator);
`make demo`, `make invoke` and tests/integration/test_sample_events.py call it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3

EVENTS = Path(__file__).resolve().parent.parent / "events"


def put_large_events(s3: Any, echo: Callable[[str], None] = print) -> None:
    for path in sorted(EVENTS.glob("*.json")):
        detail = json.loads(path.read_text(encoding="utf-8")).get("detail", {})
        stored = EVENTS / "large-events" / path.name
        if isinstance(detail, dict) and "s3Key" in detail and stored.exists():
            s3.put_object(Bucket=detail["s3Bucket"], Key=detail["s3Key"], Body=stored.read_bytes())
            echo(f"large event {path.stem}: stored at s3://{detail['s3Bucket']}/{detail['s3Key']}")


def main() -> None:
    put_large_events(boto3.client("s3"))


if __name__ == "__main__":
    main()
