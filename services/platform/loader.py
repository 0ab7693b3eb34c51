"""``"package.module:function"`` targets, imported when first asked for (routes and operator operations)."""

from __future__ import annotations

import importlib
from typing import Any


def load(target: str) -> Any:
    """The object ``target`` names (``"services.operator.redrive:redrive_inbound_operation"``), its module imported now.

    ``ImportError`` or ``AttributeError`` when it names nothing: a wiring mistake (``tests/unit/test_loader.py`` loads
    every route's and operation's target).
    """
    module_name, _, name = target.partition(":")
    return getattr(importlib.import_module(module_name), name)
