"""SnapStart's after-restore hook: registered only where the runtime provides ``snapshot_restore_py``, and what
it renews in a copy restored from a snapshot.

``snapshot_restore_py`` ships with Lambda's Python runtimes, not with this project: a stand-in that records the
hooks registered with it is put on the path here.
"""

from __future__ import annotations

import importlib
import json
import random
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from router import ROUTES
from services import aws
from services.lookups import route as lookup

ROOT = Path(__file__).resolve().parents[2]
STAND_IN = """after_restore_hooks = []


def register_after_restore(func, *args, **kwargs):
    after_restore_hooks.append(func)
    return func
"""


@pytest.fixture
def after_restore(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[ModuleType, list[Callable[[], None]]]]:
    """Given the runtime's ``snapshot_restore_py`` (a stand-in), ``services.platform.after_restore`` imported afresh."""
    runtime = ModuleType("snapshot_restore_py")
    exec(STAND_IN, runtime.__dict__)
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", runtime)
    monkeypatch.delitem(sys.modules, "services.platform.after_restore", raising=False)
    module = importlib.import_module("services.platform.after_restore")
    yield module, runtime.after_restore_hooks
    sys.modules.pop("services.platform.after_restore", None)


def _import_handler(path: list[str], **environment: str) -> Any:
    probe = (
        "import sys, json, handler;"
        "hooks = getattr(sys.modules.get('snapshot_restore_py'), 'after_restore_hooks', None);"
        "print(json.dumps({'loaded': 'services.platform.after_restore' in sys.modules,"
        " 'hooks': [f'{h.__module__}.{h.__name__}' for h in hooks] if hooks is not None else None}))"
    )
    environ = {"PYTHONPATH": ":".join(path), "PATH": "/usr/bin:/bin", **AWS_ENVIRONMENT, **environment}
    finished = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=environ, capture_output=True, text=True, check=True
    )
    return json.loads(finished.stdout)


AWS_ENVIRONMENT = {
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "AKIDSNAPSHOT",
    "AWS_SECRET_ACCESS_KEY": "secret",
    "AWS_CONFIG_FILE": "/dev/null",
    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
}


def test_an_on_demand_init_registers_no_hook_even_where_the_runtime_provides_snapshot_restore_py(
    tmp_path: Path,
) -> None:
    (tmp_path / "snapshot_restore_py.py").write_text(STAND_IN)

    assert _import_handler([str(ROOT)]) == {"loaded": False, "hooks": None}
    imported = _import_handler([str(ROOT), str(tmp_path)], AWS_LAMBDA_INITIALIZATION_TYPE="on-demand")
    assert imported == {"loaded": False, "hooks": None}  # not even imported: no restore follows this init


def test_a_snapstart_init_registers_the_hook(tmp_path: Path) -> None:
    (tmp_path / "snapshot_restore_py.py").write_text(STAND_IN)

    imported = _import_handler([str(ROOT), str(tmp_path)], AWS_LAMBDA_INITIALIZATION_TYPE="snap-start")

    assert imported == {"loaded": True, "hooks": ["services.platform.after_restore.renew_after_restore"]}


SNAPSHOT_AND_RESTORE = """
import json, os, sys
import handler  # SnapStart's init, then the snapshot
from router import ROUTES
from services import aws
import botocore.loaders
snapshot = {
    "routes": sorted({r.target.partition(":")[0] for r in ROUTES.routes if r.target.partition(":")[0] in sys.modules}),
    "boto3": "boto3" in sys.modules,
    "clients": len(aws._clients),
    "session": aws._session is not None,
}
loader = aws._models[0]
read = []
load_file = botocore.loaders.JSONFileLoader.load_file
botocore.loaders.JSONFileLoader.load_file = lambda self, path: read.append(path) or load_file(self, path)
os.environ["AWS_ACCESS_KEY_ID"] = "AKIDRESTORED"  # the restored copy's credentials, not the init's
from snapshot_restore_py import get_after_restore
for hook, args, kwargs in get_after_restore():
    hook(*args, **kwargs)
restored = {"clients": len(aws._clients), "session": aws._session is not None}
for name in aws.SERVICES:
    aws.client(name)
print(json.dumps({
    "snapshot": snapshot,
    "restored": restored,
    "read": read,
    "same_models": aws.session()._session.get_component("data_loader") is loader,
    "access_key": aws.session().get_credentials().access_key,
}))
"""


def test_the_snapshot_holds_every_route_and_model_and_a_restored_copy_renews_session_and_credentials() -> None:
    environ = {"PATH": "/usr/bin:/bin", **AWS_ENVIRONMENT, "AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start"}
    environ |= {"POWERTOOLS_TRACE_DISABLED": "true", "PYTHONPATH": str(ROOT)}
    finished = subprocess.run(
        [sys.executable, "-c", SNAPSHOT_AND_RESTORE], cwd=ROOT, env=environ, capture_output=True, text=True, check=True
    )
    answer = json.loads(finished.stdout.strip().splitlines()[-1])

    assert answer["snapshot"] == {
        "routes": sorted({route.target.partition(":")[0] for route in ROUTES.routes}),
        "boto3": True,
        "clients": 0,  # no client (credentials, connections) in the snapshot
        "session": True,
    }
    assert answer["restored"] == {"clients": 0, "session": False}
    assert answer["read"] == []  # every client after the restore found its models in the snapshot
    assert answer["same_models"] is True
    assert answer["access_key"] == "AKIDRESTORED"


def test_every_service_the_adapters_make_a_client_for_has_its_model_loaded_for_the_snapshot() -> None:
    """``aws.SERVICES`` against the adapters' own ``client("...")`` calls: a client added without its service
    listed would load its model on the first event after every restore."""
    calls = re.compile(r"""\bclient\(\s*["']([a-z0-9-]+)["']""")
    named = {name for path in (ROOT / "services" / "aws").rglob("*.py") for name in calls.findall(path.read_text())}

    assert named == set(aws.SERVICES)


def test_copies_restored_from_one_snapshot_draw_different_numbers(after_restore: Any) -> None:
    module, hooks = after_restore
    snapshot = random.getstate()  # what every copy restored from the snapshot starts with

    draws = []
    for _copy in range(2):
        random.setstate(snapshot)
        for hook in hooks:
            hook()
        draws.append([random.random() for _ in range(4)])

    assert hooks == [module.renew_after_restore]
    assert draws[0] != draws[1]


def test_a_restored_copy_starts_with_no_cached_lookup_and_no_client(after_restore: Any) -> None:
    module, _hooks = after_restore
    lookup.use_lookups(lookup.Lookups(clock=lookup.SystemClock(), cache_ttl_seconds=60, deadline_seconds=2))  # at init
    aws.set_client("dynamodb", object())

    module.renew_after_restore()

    assert lookup._lookups is None
    assert aws._clients == {}
