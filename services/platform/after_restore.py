"""SnapStart: what the snapshot holds, and what the copies restored from one snapshot must not share.

Imported by ``handler`` only when Lambda initialises a version for SnapStart (``AWS_LAMBDA_INITIALIZATION_TYPE`` is
``snap-start``, Lambda's defined runtime environment variables:
https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html): only such an init is ever restored. It
registers its hook with ``snapshot_restore_py``, which Lambda's Python runtimes provide (docs/benchmarks.md,
"SnapStart or provisioned concurrency").

**Before the snapshot** (:func:`prepare_snapshot`): the init loads what a first event would, so that the snapshot
holds it and a restored copy does not pay for it again: every route's modules (``handler``, through the router),
boto3 and every service model the clients need (:func:`services.aws.load_models`), and the X-Ray SDK when tracing is
on. No AWS call is made and no client is kept: a snapshot must not hold credentials or connections.

**After a restore** (:func:`renew_after_restore`), renewed:

- ``random``'s state, seeded once at import from ``os.urandom``: every copy would draw the same numbers (the
  jitter of botocore's retries and of the table reader's backoff). ``uuid.uuid4`` and ``secrets`` read
  ``os.urandom`` on each call and need nothing.
- The Connect lookups (cached table items, their times to live on this machine's monotonic clock): none is read
  during init, and none must outlive the snapshot.
- The AWS clients and the session: the next session resolves its credentials in the restored environment and opens
  its own connections, keeping the models read before the snapshot (:func:`services.aws.reset_clients`).

The settings hold the environment only (no time, no credential) and stay; so do the time zones read from the bundled
tzdata, and the X-Ray recorder (it sends each segment over UDP, no connection to keep).
"""

from __future__ import annotations

import random
import sys

from snapshot_restore_py import register_after_restore

from services import aws
from services.platform import observability


def prepare_snapshot() -> None:
    """What the first event of any route would load besides the route's modules (the router loads those)."""
    aws.load_models()
    if observability.tracing_on():
        observability.tracer()


def renew_after_restore() -> None:
    random.seed()
    lookup = sys.modules.get("services.lookups.route")  # not imported just to be emptied
    if lookup is not None:
        lookup.use_lookups(None)
    aws.reset_clients()


register_after_restore(renew_after_restore)
