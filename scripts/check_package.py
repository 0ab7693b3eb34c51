"""Checks a packaged function zip: built for arm64, nothing in it that the Lambda runtime provides, bytecode for
every module, and small enough.

Usage: python3.12 scripts/check_package.py .package/prod/config-bridge.zip [...]
Every compiled extension must be an AArch64 ELF file (read from its header, not its name); the handler,
router and services must be there; boto3/botocore (the runtime's) and the local stand-ins must not. Every ``.py``
must have hash-based CPython 3.12 bytecode in ``__pycache__`` (scripts/compile_package.py) whose source hash is the
hash of that ``.py`` as the zip holds it: otherwise Lambda, which cannot write to /var/task, compiles the module on
every cold start. The zip must stay under 8 MB. And the zip holds what the function imports, nothing else: its
top-level names (packages and modules) are the function's own (handler, router, services) and those of the
modules the function imports (:func:`imported_top_levels`, measured by importing everything a first event of any
route would import), less what the Lambda runtime provides.
"""

from __future__ import annotations

import importlib.util
import json
import os
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

EM_AARCH64 = 183
MUST_HAVE = ("handler.py", "router/__init__.py", "services/__init__.py")
MUST_NOT_HAVE = ("boto3/", "botocore/", "local_aws/", "tests/", "scripts/", "bench/")
MAX_BYTES = 8 * 1024 * 1024
ROOT = Path(__file__).resolve().parent.parent
OWN = frozenset({"handler", "router", "services"})
RUNTIME = frozenset(
    {"boto3", "botocore", "s3transfer", "urllib3", "dateutil", "jmespath", "six", "snapshot_restore_py"}
)
"""What the Lambda Python runtime provides (serverless.yml's noDeploy, by import name), so the zip must not hold."""
RUNTIME_OPTIONAL = frozenset({"certifi"})
"""Imported by the runtime's botocore where installed (``botocore.httpsession``; without it botocore uses its own CA
bundle): not the function's import."""
IMPORTS_PROBE = """
import json, sys, sysconfig
import handler  # as SnapStart's init: every route's modules, boto3's models, the X-Ray SDK (tracing on)
from services.platform.timezones import zone
zone("Australia/Sydney")  # zoneinfo reads the bundled tzdata (PYTHONTZPATH empty, as serverless.yml sets it)
site = sysconfig.get_paths()["purelib"]
names = {name.partition(".")[0] for name, module in list(sys.modules.items())
         if (getattr(module, "__file__", None) or "").startswith(site)}
print(json.dumps(sorted(names)))
"""
PYTHON = (3, 12)


def bytecode_name(source_name: str) -> str:
    """``services/lookups/route.py`` -> ``services/lookups/__pycache__/lookup.cpython-312.pyc``."""
    folder, _, file = source_name.rpartition("/")
    cached = f"__pycache__/{file[:-3]}.cpython-{PYTHON[0]}{PYTHON[1]}.pyc"
    return f"{folder}/{cached}" if folder else cached


def bytecode_problem(source: bytes, pyc: bytes | None) -> str | None:
    """Why ``pyc`` is not bytecode that CPython 3.12 uses for ``source`` whatever the file times, or None."""
    if pyc is None:
        return "no bytecode"
    if pyc[:4] != importlib.util.MAGIC_NUMBER:
        return f"bytecode of another Python (magic number {pyc[:4].hex()})"
    flags = int.from_bytes(pyc[4:8], "little")
    if not flags & 0b01:
        return "timestamp-based bytecode (the zip's file times make it invalid)"
    if pyc[8:16] != importlib.util.source_hash(source):
        return "bytecode of another source (its hash does not match)"
    return None


def problems(path: str) -> list[str]:
    found: list[str] = []
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        present = set(names)
        for name in MUST_HAVE:
            if name not in names:
                found.append(f"missing {name}")
        found.extend(f"must not hold {n}" for n in names if n.startswith(MUST_NOT_HAVE))
        compiled = [n for n in names if n.endswith(".so") or ".so." in n]
        for name in compiled:
            header = archive.read(name)[:20]
            machine = struct.unpack_from("<H", header, 18)[0] if header[:4] == b"\x7fELF" else None
            if machine != EM_AARCH64:
                found.append(f"{name}: not an AArch64 ELF file (e_machine {machine})")
        if not compiled:
            found.append("no compiled extension at all: the run-time requirements are missing")
        for name in sorted(n for n in names if n.endswith(".py")):
            cached = bytecode_name(name)
            pyc = archive.read(cached) if cached in present else None
            problem = bytecode_problem(archive.read(name), pyc)
            if problem:
                found.append(f"{name}: {problem} ({cached})")
    size = os.path.getsize(path)
    if size >= MAX_BYTES:
        found.append(f"{size / 1024 / 1024:.2f} MB: not under {MAX_BYTES // 1024 // 1024} MB")
    return found


def imported_top_levels() -> frozenset[str]:
    """The top-level names of the installed modules the function imports (this Python's site-packages, the same
    versions as the zip's), found by importing in a fresh process what every route's first event would import:
    ``handler`` as SnapStart's init loads it (every route's modules, every client's model, the X-Ray SDK with tracing
    on), and a time zone from the bundled tzdata."""
    environ = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "POWERTOOLS_", "_X_AMZN")) and name != "PYTHONPATH"
    }
    environ |= {
        "AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start",
        "LAMBDA_TASK_ROOT": str(ROOT),
        "AWS_LAMBDA_FUNCTION_NAME": "check-package",
        "POWERTOOLS_TRACE_DISABLED": "false",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "check",
        "AWS_SECRET_ACCESS_KEY": "check",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "PYTHONTZPATH": "",
    }
    finished = subprocess.run(
        [sys.executable, "-c", IMPORTS_PROBE], cwd=ROOT, env=environ, capture_output=True, text=True, check=True
    )
    names: list[str] = json.loads(finished.stdout.strip().splitlines()[-1])
    return frozenset(names) - RUNTIME - RUNTIME_OPTIONAL


def top_levels(path: str) -> frozenset[str]:
    """The zip's top-level packages and modules (``pydantic/``, ``typing_extensions.py``), by import name."""
    with zipfile.ZipFile(path) as archive:
        names = {name.split("/", 1)[0] for name in archive.namelist() if name.split("/", 1)[0] != "__pycache__"}
    return frozenset(name.removesuffix(".py") for name in names)


def import_problems(path: str, imported: frozenset[str]) -> list[str]:
    """What the zip holds that the function never imports, and what it imports that the zip lacks."""
    held = top_levels(path)
    return [
        *(f"holds {name}, which the function never imports" for name in sorted(held - imported - OWN)),
        *(f"lacks {name}, which the function imports" for name in sorted(imported - held)),
    ]


def main(paths: list[str]) -> int:
    if sys.version_info[:2] != PYTHON:
        print(f"check_package.py needs Python {PYTHON[0]}.{PYTHON[1]} (its magic number and source hash)")
        return 2
    imported = imported_top_levels()
    failures = [
        f"{path}: {problem}" for path in paths for problem in [*problems(path), *import_problems(path, imported)]
    ]
    for path in paths:
        print(f"{path}: {os.path.getsize(path) / 1024 / 1024:.2f} MB")
    print(
        "\n".join(failures)
        or f"{len(paths)} package(s): arm64 extensions only, runtime libraries left out, "
        f"hash-based 3.12 bytecode for every module, each under 8 MB, holding what the function imports "
        f"({', '.join(sorted(imported))}) and its own code"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
