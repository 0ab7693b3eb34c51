"""serverless.yml as the Serverless Framework reads it, for tests that look at the configuration itself (no packaging).

The stack's resources live in files by concern under infra/, listed in serverless.yml as
``resources: [${file(./infra/storage.yml)}, ..., {extensions: ...}]``. The framework merges that list into one
``resources`` mapping (osls ``Service.mergeArrays``: a deep merge of plain objects, in list order); ``load_serverless``
does the same, so that ``load_serverless()["resources"]["Resources"]`` holds every resource. CloudFormation's short
tags (``!Ref``, ``!GetAtt``, ``!Sub``, ``!If``, ...) are kept as ``{"Ref": ...}``, ``{"GetAtt": ...}``; the
framework's own variables (``${param:...}``, ``${self:...}``) stay unresolved strings.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
SERVERLESS_YML = ROOT / "serverless.yml"
# The sections of a resource fragment whose entries must each come from one file: the framework's deep merge would
# silently combine two definitions of one logical id.
SECTIONS = ("Parameters", "Conditions", "Resources", "Outputs", "extensions")
_FILE = re.compile(r"^\$\{file\((?P<path>[^)]+)\)(?::(?P<key>[\w.]+))?\}$")
IAM_YML = ROOT / "infra" / "iam.yml"
"""The function's role statements, which serverless.yml includes as ``provider.iam.role.statements``."""


class _TemplateLoader(yaml.SafeLoader):
    """Reads CloudFormation short forms (!Ref, !Sub, ...) as ``{"Ref": value}``, ``{"Sub": value}``, ..."""


def _tagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return {suffix: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {suffix: loader.construct_sequence(node, deep=True)}
    return {suffix: loader.construct_mapping(node, deep=True)}  # type: ignore[arg-type]


_TemplateLoader.add_multi_constructor("!", _tagged)


def load_yaml(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_TemplateLoader)


def resource_files() -> list[Path]:
    """The files serverless.yml's ``resources`` list includes, in its order."""
    items = load_yaml(SERVERLESS_YML)["resources"]
    assert isinstance(items, list), "serverless.yml: resources is a list of fragments"
    files = []
    for item in items:
        if isinstance(item, str):
            match = _FILE.match(item)
            assert match, f"serverless.yml: resources item {item!r} is neither ${{file(...)}} nor a mapping"
            files.append(ROOT / match.group("path"))
    return files


def fragments() -> list[tuple[str, dict[str, Any]]]:
    """Each item of serverless.yml's ``resources`` list, loaded: (where it comes from, the fragment)."""
    loaded = []
    for item in load_yaml(SERVERLESS_YML)["resources"]:
        if isinstance(item, str):
            match = _FILE.match(item)
            assert match, item
            path = ROOT / match.group("path")
            loaded.append((str(path.relative_to(ROOT)), load_yaml(path)))
        else:
            assert isinstance(item, dict), item
            loaded.append(("serverless.yml", item))
    return loaded


def _merge(target: Any, source: Any) -> Any:
    """The framework's merge of plain objects: mappings deeply, lists item by item, anything else replaced."""
    if isinstance(target, dict) and isinstance(source, dict):
        for key, value in source.items():
            target[key] = _merge(target[key], value) if key in target else value
        return target
    if isinstance(target, list) and isinstance(source, list):
        return (
            [_merge(t, s) for t, s in zip(target, source, strict=False)] + target[len(source) :] + source[len(target) :]
        )
    return source


def merged_resources() -> dict[str, Any]:
    """serverless.yml's ``resources`` as the framework merges them; a logical id defined in two files fails."""
    merged: dict[str, Any] = {}
    owner: dict[tuple[str, str], str] = {}
    for origin, fragment in fragments():
        for section in SECTIONS:
            for name in fragment.get(section) or {}:
                assert (section, name) not in owner, f"{section}.{name}: in {owner[(section, name)]} and {origin}"
                owner[(section, name)] = origin
        merged = _merge(merged, fragment)
    return merged


def where_defined() -> dict[str, str]:
    """Each resource's logical id -> the file that defines it (relative to the repository)."""
    return {name: origin for origin, fragment in fragments() for name in fragment.get("Resources") or {}}


def included(value: Any) -> Any:
    """``${file(./path):key}`` (or ``${file(./path)}``) as the framework resolves it: that file's ``key``."""
    match = _FILE.match(value) if isinstance(value, str) else None
    if match is None:
        return value
    loaded = load_yaml(ROOT / match.group("path"))
    for key in (match.group("key") or "").split(".") if match.group("key") else ():
        loaded = loaded[key]
    return loaded


def role_statements() -> list[dict[str, Any]]:
    """The function's role statements, from infra/iam.yml (serverless.yml includes them from there)."""
    statements: list[dict[str, Any]] = load_yaml(IAM_YML)["statements"]
    return statements


def load_serverless() -> dict[str, Any]:
    """serverless.yml, with ``resources`` merged from its files the way the framework merges them and the role's
    statements included from infra/iam.yml."""
    document: dict[str, Any] = load_yaml(SERVERLESS_YML)
    document["resources"] = merged_resources()
    role = document["provider"]["iam"]["role"]
    role["statements"] = included(role["statements"])
    return document
