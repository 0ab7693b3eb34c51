"""One cold start, in a fresh process: ``python -m bench.cold <function|floor> <route> <event file> <result file>``.

Run as a script as Lambda runs a function (``python -S -P bench/cold.py function ...``, ``PYTHONPATH`` the task
root and the runtime's boto3), it imports the function from there instead: the deployment zip's tree
(``bench.run``); the floor is run the same way, with ``PYTHONPATH`` the runtime's boto3 and the repository.

The clock starts at this module's first statement (the interpreter's own start, the same for both, is not
counted) and stops when the first event is answered: the imports, the clients and the AWS calls. The same span
is marked for the instruction count (``bench.instructions``): a call of ``os.getppid()`` at each end, before
which callgrind writes out what it counted so far, and one in between, where Lambda's init phase ends (``import
handler``; the floor's imports), so that the count comes as init and first event.

With ``AWS_LAMBDA_INITIALIZATION_TYPE=snap-start`` this is SnapStart's cold start: the init is what the snapshot
holds, and the first event starts with the after-restore hooks registered with ``snapshot_restore_py`` (run here as
Lambda's runtime runs them after a restore, in the order registered).
"""

import os

if __name__ == "__main__":  # not when bench.warm imports Context
    os.getppid()  # the instruction count starts here (bench/instructions.py, MARKER)
import time

_STARTED = time.perf_counter()
_STARTED_CPU = time.process_time()

import json  # noqa: E402 - after the clock starts, on purpose
import resource  # noqa: E402
import sys  # noqa: E402
from typing import Any  # noqa: E402


class Context:
    """Lambda's context object, as much of it as the function reads."""

    function_name = "config-bridge-bench-router"
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:config-bridge-bench-router"
    aws_request_id = "00000000-0000-0000-0000-00000000bench"
    log_group_name = "/aws/lambda/config-bridge-bench-router"
    log_stream_name = "bench"

    def get_remaining_time_in_millis(self) -> int:
        """Lambda's longest timeout, not the function's 30 s: under callgrind a cold start runs 50 to 100 times
        slower, and a route that keeps time by it (the custom resource answers "did not finish in time" when its
        worker thread has not finished by then) would take that path in some counts and not in others, depending on
        the machine's load (docs/benchmarks.md, "Repeatable counts")."""
        return 900_000


def main() -> None:
    kind, route, event_file, result_file = sys.argv[1:5]
    with open(event_file, encoding="utf-8") as source:
        event: Any = json.load(source)
    if kind == "function":
        import handler

        os.getppid()  # Lambda's init phase ends here (SnapStart: the snapshot is taken here)
        if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "snap-start":
            from snapshot_restore_py import get_after_restore

            for hook, args, kwargs in get_after_restore():
                hook(*args, **kwargs)
        answer = handler.handler(event, Context())
    else:
        from bench import floors

        os.getppid()
        answer = floors.FLOORS[route](event, floors.Clients())
    elapsed = time.perf_counter() - _STARTED
    cpu = time.process_time() - _STARTED_CPU
    os.getppid()  # the instruction count stops here
    modules = len(sys.modules)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with open(result_file, "w", encoding="utf-8") as sink:
        json.dump(
            {"seconds": elapsed, "cpu_seconds": cpu, "modules": modules, "peak_kb": peak_kb, "answer": answer},
            sink,
            default=str,
        )


if __name__ == "__main__":
    main()
