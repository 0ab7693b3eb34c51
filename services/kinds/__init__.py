"""The registry of config kinds: one module per kind (:mod:`~services.kinds.holiday`, :mod:`~services.kinds.hours`,
:mod:`~services.kinds.setting`), each exporting its :class:`~services.kinds.base.Kind` as ``KIND``.

Every module of this package but ``base`` is a kind, found when the package is imported and ordered by its
declared ``picklist_position`` (the ``Config_Type__c`` picklist's order). The request model takes its
``Config_Type__c`` values and its kind fields from here, the inbound write its items and messages, the lookup its
records, the Connect sync and the stream's filter what shapes Connect's hours. Adding a kind is its module, its
tests, its Salesforce metadata and the field list in serverless.yml (docs/architecture.md, "Adding a config kind").
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from typing import Final

from services.kinds.base import Kind


def _discovered() -> dict[str, Kind]:
    found: dict[str, Kind] = {}
    # The package's own folder, listed: its .py files (the zip ships them beside their bytecode). Not pkgutil, whose
    # import is about 3 million instructions of every cold start that reads a kind (docs/benchmarks.md).
    names = {name.removesuffix(".py") for folder in __path__ for name in os.listdir(folder) if name.endswith(".py")}
    for module in sorted(names - {"__init__", "base"}):
        kind = getattr(importlib.import_module(f"{__name__}.{module}"), "KIND", None)
        if not isinstance(kind, Kind):
            raise TypeError(f"services.kinds.{module} exports no KIND")
        if kind.name in found:
            raise ValueError(f"two kinds are called {kind.name}")
        if any(other.picklist_position == kind.picklist_position for other in found.values()):
            raise ValueError(f"two kinds stand at picklist position {kind.picklist_position}")
        found[kind.name] = kind
    return dict(sorted(found.items(), key=lambda named: named[1].picklist_position))


KINDS: Final[Mapping[str, Kind]] = _discovered()
"""Every kind by its ``Config_Type__c`` value, in picklist order (the order their fields are listed in)."""

KIND_FIELDS: Final[tuple[str, ...]] = tuple(dict.fromkeys(spec.name for kind in KINDS.values() for spec in kind.fields))
"""Every kind field's Salesforce name, kind by kind; a field two kinds share is listed once."""

_BY_ITEM_TYPE: Final[Mapping[str, Kind]] = {kind.item_type: kind for kind in KINDS.values()}


class UnknownKindError(ValueError):
    """A ``Config_Type__c`` or a stored item type that no kind has: never silently taken for another."""


def kind_named(name: str) -> Kind:
    kind = KINDS.get(name)
    if kind is None:
        raise UnknownKindError(f"no config kind {name[:64]!r}; known: {', '.join(KINDS)}")
    return kind


def record_of(sort_key: str, attributes: Mapping[str, str]) -> object:
    """The record of a live item read back by its sort key (``HOLIDAY#2026-12-25``, ``HOLIDAY#YEARLY#12-25``)."""
    item_type, _, item_key = sort_key.partition("#")
    kind = _BY_ITEM_TYPE.get(item_type)
    if kind is None:
        raise UnknownKindError(f"no config kind stores items of type {item_type[:64]!r}")
    return kind.record(item_key, attributes)


def shapes_connect_hours(sort_key: str) -> bool:
    """Whether a change of a region's item under ``sort_key`` can change Connect's hours (its kind's
    ``connect_hours``); an item of no kind cannot."""
    item_type, _, item_key = sort_key.partition("#")
    kind = _BY_ITEM_TYPE.get(item_type)
    return kind is not None and kind.shapes_connect_hours(item_key)


def connect_hours_sort_keys() -> list[str | dict[str, str]]:
    """The sort keys of the items that shape Connect's hours, as the stream filter's matchers: ``{"prefix":
    "HOLIDAY#"}`` for a kind whose every item does, ``"SETTING#TimeZone"`` for each item named."""
    matchers: list[str | dict[str, str]] = []
    for kind in KINDS.values():
        if kind.connect_hours is True:
            matchers.append({"prefix": f"{kind.item_type}#"})
        elif isinstance(kind.connect_hours, frozenset):
            matchers.extend(f"{kind.item_type}#{key}" for key in sorted(kind.connect_hours))
    return matchers


def read_attributes() -> tuple[str, ...]:
    """What the lookup reads of any kind's items (the projection of its one read)."""
    return tuple(dict.fromkeys(name for kind in KINDS.values() for name in kind.read_attributes))
