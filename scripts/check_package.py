"""Checks a packaged function zip: built for arm64, nothing in it that the Lambda runtime provides, bytecode for
every module, and small enough.

Usage: python3.12 scripts/check_package.py .package/prod/config-bridge.zip [...]
Every compiled extension must be an AArch64 ELF file (read from its header, not its name); the handler,
router and services must be there; boto3/botocore (the runtime's) and the local stand-ins must not. Every ``.py``
must have hash-based CPython 3.12 bytecode in ``__pycache__`` (scripts/compile_package.py) whose source hash is the
hash of that ``.py`` as the zip holds it: otherwise Lambda, which cannot write to /var/task, compiles the module on
every cold start. The zip must stay under 8 MB.
"""

from __future__ import annotations

import importlib.util
import os
import struct
import sys
import zipfile

EM_AARCH64 = 183
MUST_HAVE = ("handler.py", "router/__init__.py", "services/__init__.py")
MUST_NOT_HAVE = ("boto3/", "botocore/", "local_aws/", "tests/", "scripts/", "bench/")
MAX_BYTES = 8 * 1024 * 1024
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


def main(paths: list[str]) -> int:
    if sys.version_info[:2] != PYTHON:
        print(f"check_package.py needs Python {PYTHON[0]}.{PYTHON[1]} (its magic number and source hash)")
        return 2
    failures = [f"{path}: {problem}" for path in paths for problem in problems(path)]
    for path in paths:
        print(f"{path}: {os.path.getsize(path) / 1024 / 1024:.2f} MB")
    print(
        "\n".join(failures)
        or f"{len(paths)} package(s): arm64 extensions only, runtime libraries left out, "
        "hash-based 3.12 bytecode for every module, each under 8 MB"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
