"""SnapStart's after-restore hook: registered only where the runtime provides ``snapshot_restore_py``, and what
it renews in a copy restored from a snapshot.

``snapshot_restore_py`` ships with Lambda's Python runtimes, not with this project: a stand-in that records the
hooks registered with it is put on the path here.
"""

from __future__ import annotations

import importlib
import json
import random
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

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


def _import_handler(path: list[str]) -> Any:
    probe = (
        "import sys, json, handler;"
        "hooks = getattr(sys.modules.get('snapshot_restore_py'), 'after_restore_hooks', None);"
        "print(json.dumps({'loaded': 'services.platform.after_restore' in sys.modules,"
        " 'hooks': [f'{h.__module__}.{h.__name__}' for h in hooks] if hooks is not None else None}))"
    )
    environ = {"PYTHONPATH": ":".join(path), "PATH": "/usr/bin:/bin"}
    finished = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=environ, capture_output=True, text=True, check=True
    )
    return json.loads(finished.stdout)


def test_outside_lambda_the_handler_registers_no_hook() -> None:
    assert _import_handler([str(ROOT)]) == {"loaded": False, "hooks": None}


def test_where_the_runtime_provides_snapshot_restore_py_the_handler_registers_the_hook(tmp_path: Path) -> None:
    (tmp_path / "snapshot_restore_py.py").write_text(STAND_IN)

    imported = _import_handler([str(ROOT), str(tmp_path)])

    assert imported == {"loaded": True, "hooks": ["services.platform.after_restore.renew_after_restore"]}


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
