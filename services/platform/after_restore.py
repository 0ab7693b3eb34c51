"""SnapStart: what the copies restored from one snapshot must not share, renewed after each restore.

Imported by ``handler`` only where the runtime provides ``snapshot_restore_py`` (Lambda's Python runtimes do;
the hook runs only when SnapStart restores a snapshot: docs/benchmarks.md, "SnapStart or provisioned
concurrency"). A snapshot holds what the init phase made: the modules, the logger, metrics and tracer, and
``random``'s state. Renewed:

- ``random``'s state, seeded once at import from ``os.urandom``: every copy would draw the same numbers (the
  jitter of botocore's retries and of the table reader's backoff). ``uuid.uuid4`` and ``secrets`` read
  ``os.urandom`` on each call and need nothing.
- The Connect lookups (cached table items, their times to live on this machine's monotonic clock) and the AWS
  clients (their connections): made on the first event, so not in a snapshot today; dropped so that a warm-up
  added to the init phase one day could not serve a stale answer or a dead connection.

The settings hold the environment only (no time, no credential) and stay.
"""

from __future__ import annotations

import random
import sys

from snapshot_restore_py import register_after_restore


def renew_after_restore() -> None:
    random.seed()
    lookup = sys.modules.get("services.lookups.route")  # not imported just to be emptied
    if lookup is not None:
        lookup.use_lookups(None)
    aws = sys.modules.get("services.aws")
    if aws is not None:
        aws.reset_clients()


register_after_restore(renew_after_restore)
