"""A network with a fixed latency: every AWS call answered after ``delay`` seconds with what moto answered once.

Installed as botocore ``before-send`` and ``response-received`` hooks on a session. While ``recording``,
requests go to moto (or the stub server) and each operation's raw answers are kept, in order. Then every
request is held for ``delay`` seconds and answered with the recorded raw answer (status, headers, body), which
botocore parses as usual. The n-th call of an operation within one invocation gets the n-th answer recorded
for it (the last one when there are fewer), so that a flow that is Suspended, then Active, reads the same way
every time.

This takes the emulator's own CPU time and its jitter on a shared machine out of the measurement, so that the
wall time is the function's work (and botocore's) plus the same network time for every variant measured.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any


class _Body:
    def __init__(self, content: bytes) -> None:
        self._content = content

    def stream(self, **_: Any) -> Any:
        yield self._content


class Network:
    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.recording = True
        self.answers: dict[str, list[tuple[int, dict[str, str], bytes]]] = {}
        self.calls = 0
        self._seen: Counter[str] = Counter()
        self._lock = threading.Lock()

    def install(self, session: Any) -> None:
        session.events.register("before-send", self.before_send)
        session.events.register("response-received", self.response_received)

    def record(self) -> None:
        """Forget what was recorded; let the next requests through and keep their answers."""
        with self._lock:
            self.answers.clear()
            self._seen.clear()
        self.recording = True

    def replay(self) -> None:
        """From now on, answer from what was recorded."""
        self.recording = False
        self.new_invocation()

    def new_invocation(self) -> None:
        with self._lock:
            self._seen.clear()

    def before_send(self, request: Any, event_name: str = "", **_: Any) -> Any:
        from botocore.awsrequest import AWSResponse, HeadersDict

        operation = _operation(event_name)
        with self._lock:
            self.calls += 1
            number = self._seen[operation]
            self._seen[operation] += 1
        if self.recording:
            return None
        recorded = self.answers.get(operation)
        if not recorded:
            raise AssertionError(f"nothing recorded for {operation}")
        status, headers, body = recorded[min(number, len(recorded) - 1)]
        if self.delay:
            time.sleep(self.delay)
        return AWSResponse(request.url, status, HeadersDict(headers), _Body(body))

    def response_received(self, response_dict: Any = None, event_name: str = "", **_: Any) -> None:
        if not self.recording or response_dict is None:
            return
        raw = (int(response_dict["status_code"]), dict(response_dict["headers"]), bytes(response_dict["body"]))
        with self._lock:
            self.answers.setdefault(_operation(event_name), []).append(raw)


def _operation(event_name: str) -> str:
    """``before-send.dynamodb.GetItem`` -> ``dynamodb.GetItem``."""
    return ".".join(event_name.split(".")[1:])
