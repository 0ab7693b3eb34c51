"""The sample events in ``events/``, shared by tests, `make demo` and `serverless invoke local`.

A file is named ``<route>--<what it shows>.json``: the part before ``--`` is the route that must take it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

EVENTS_DIR = Path(__file__).resolve().parents[2] / "events"


def load_event(name: str) -> Any:
    """The sample event ``events/<name>.json``, parsed fresh (tests may change it)."""
    return json.loads((EVENTS_DIR / f"{name}.json").read_text(encoding="utf-8"))


def sample_event_names() -> list[str]:
    return sorted(path.stem for path in EVENTS_DIR.glob("*.json"))


def route_named_by(name: str) -> str:
    return name.split("--", 1)[0]
