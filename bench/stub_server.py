"""What moto does not serve: AppFlow (DescribeFlow, StartFlow, DescribeFlowExecutionRecords) and CloudFormation's
pre-signed response URL.

Run as its own process (``python -m bench.stub_server <port>``) so that it takes no CPU time from the process
being measured. The framework and the floor both reach it through ``AWS_ENDPOINT_URL_APPFLOW``, so both make
real HTTP calls to it. The benchmark sets each flow's status before a measurement (``POST /_bench/flows``);
a flow the stub does not know is ``Active``; StartFlow makes a flow ``Active``. Each flow's latest run is a successful
one a minute ago that processed one record, or as many as the benchmark says (``POST /_bench/runs``).
"""

from __future__ import annotations

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_flows: dict[str, str] = {}
_processed: dict[str, int] = {}
"""The records each flow's latest run processed (``POST /_bench/runs``); 1 for a flow not named there."""
_lock = threading.Lock()
_responses = 0


class Stub(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as AWS endpoints
    wbufsize = -1  # the status line, headers and body leave in one write ...
    disable_nagle_algorithm = True  # ... at once (no delayed-ACK stall on a kept-alive connection)

    def do_POST(self) -> None:
        body = self._body()
        if self.path == "/_bench/flows":
            with _lock:
                _flows.update(body)
            self._answer(200, {})
        elif self.path == "/_bench/runs":
            with _lock:
                _processed.update({name: int(str(count)) for name, count in body.items()})
            self._answer(200, {})
        elif self.path == "/_bench/responses":
            self._answer(200, {"responses": _responses})
        elif self.path == "/describe-flow":
            name = str(body.get("flowName", ""))
            with _lock:
                status = _flows.get(name, "Active")
            self._answer(200, {"flowName": name, "flowStatus": status, "triggerConfig": {"triggerType": "Event"}})
        elif self.path == "/start-flow":
            name = str(body.get("flowName", ""))
            with _lock:
                _flows[name] = "Active"
            self._answer(200, {"flowStatus": "Active", "executionId": "bench"})
        elif self.path == "/describe-flow-execution-records":
            # One successful run a minute ago: the write-back check finds no stall and lists no status files; the
            # sweep flow's run found no Pending record when the scenario says it processed none.
            started = time.time() - 60
            name = str(body.get("flowName", ""))
            with _lock:
                processed = _processed.get(name, 1)
            run = {"executionId": "bench", "executionStatus": "Successful", "startedAt": started}
            self._answer(200, {"flowExecutions": [run | {"executionResult": {"recordsProcessed": processed}}]})
        else:
            self._answer(404, {"message": f"no {self.path}"})

    def do_PUT(self) -> None:
        """CloudFormation's pre-signed response URL: takes the answer."""
        global _responses
        self._body()
        _responses += 1
        self._answer(200, {})

    def _body(self) -> dict[str, object]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            parsed = json.loads(raw) if raw else {}
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}

    def _answer(self, status: int, body: dict[str, object]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Stub)
    server.daemon_threads = True
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
