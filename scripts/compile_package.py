"""Adds CPython 3.12 bytecode for every module of a packaged function zip, so that Lambda imports it as it is.

Usage: python3.12 scripts/compile_package.py [--checked] .serverless/config-bridge.zip [...]

Run by infra/bytecode.js after serverless-python-requirements has put the requirements in the zip (every
``serverless package`` and ``serverless deploy``). Lambda's /var/task is read-only, so without bytecode in the zip
every cold start compiles Powertools, pydantic and the function's own modules from source (docs/benchmarks.md).

The bytecode is hash-based (PEP 552), ``__pycache__/<name>.cpython-312.pyc`` next to each ``.py``: the zip stamps its
files with fixed times (2098-01-01 for most of them), so timestamp-based bytecode would never be valid. Unchecked by
default: the import does not read and hash the source again, and in Lambda the source cannot change under its
bytecode (/var/task is read-only; new code is a new zip, compiled again here); ``--checked`` writes checked-hash
bytecode instead (docs/benchmarks.md, for the figures of both). scripts/check_package.py holds every ``.py``
against its bytecode's hash either way.

The zip is written again deterministically: entries sorted by name, one fixed time, each file's mode kept, the
sources kept (tracebacks show their lines), type stubs (``.pyi``) left out.
"""

from __future__ import annotations

import argparse
import importlib.util
import marshal
import os
import sys
import tempfile
import zipfile
from pathlib import Path

TARGET = (3, 12)
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
"""The earliest time a zip entry can hold: the same for every entry, whatever the input zip says."""
STRIPPED = (".pyc", ".pyi")
"""Left out of the zip written again: stale bytecode (made again), and type stubs (``wrapt-stubs/__init__.pyi``), which
type checkers read and nothing imports."""
FLAG_HASH_BASED = 0b01
FLAG_CHECK_SOURCE = 0b10


class CompileError(RuntimeError):
    """A module of the zip is not valid Python 3.12: Lambda could not import it either."""


def require_target_python() -> None:
    if sys.version_info[:2] != TARGET or sys.implementation.name != "cpython":
        raise SystemExit(
            f"compile_package.py must run under CPython {TARGET[0]}.{TARGET[1]} (the function's runtime), "
            f"not {sys.implementation.name} {sys.version.split()[0]}: the bytecode would not be valid in Lambda"
        )


def bytecode_name(source_name: str) -> str:
    """``services/lookups/route.py`` -> ``services/lookups/__pycache__/lookup.cpython-312.pyc`` (import's name)."""
    folder, _, file = source_name.rpartition("/")
    cached = f"__pycache__/{file[:-3]}.{sys.implementation.cache_tag}.pyc"
    return f"{folder}/{cached}" if folder else cached


def hash_based_pyc(source: bytes, name: str, checked: bool) -> bytes:
    """PEP 552 bytecode: magic number, flags, the source's hash, the marshalled code object."""
    try:
        code = compile(source, name, "exec", dont_inherit=True, optimize=0)
    except (SyntaxError, ValueError) as error:
        raise CompileError(f"{name}: {error}") from error
    flags = FLAG_HASH_BASED | (FLAG_CHECK_SOURCE if checked else 0)
    return (
        importlib.util.MAGIC_NUMBER
        + flags.to_bytes(4, "little")
        + importlib.util.source_hash(source)
        + marshal.dumps(code)
    )


def _entry(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.external_attr = mode << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix, so that the mode is read back
    return info


def compile_zip(path: Path, checked: bool = False) -> tuple[int, int]:
    """Rewrites ``path`` with bytecode for each ``.py``; returns (modules compiled, bytes of the zip)."""
    with zipfile.ZipFile(path) as archive:
        files: dict[str, tuple[int, bytes]] = {
            info.filename: ((info.external_attr >> 16) or 0o100644, archive.read(info))
            for info in archive.infolist()
            if not info.is_dir() and not info.filename.endswith(STRIPPED)
        }
    sources = [name for name in files if name.endswith(".py")]
    for name in sources:
        mode, source = files[name]
        files[bytecode_name(name)] = (mode & ~0o111, hash_based_pyc(source, name, checked))
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
            for name in sorted(files):
                mode, data = files[name]
                archive.writestr(_entry(name, mode), data)
        os.chmod(temporary, path.stat().st_mode & 0o7777)  # the zip's own mode, not mkstemp's 0600
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return len(sources), path.stat().st_size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--checked", action="store_true", help="checked-hash bytecode (the source is hashed at import)")
    parser.add_argument("zips", nargs="+", type=Path)
    args = parser.parse_args(argv)
    require_target_python()
    kind = "checked" if args.checked else "unchecked"
    for path in args.zips:
        try:
            modules, size = compile_zip(path, checked=args.checked)
        except CompileError as error:
            print(f"{path}: {error}", file=sys.stderr)
            return 1
        print(f"{path}: {modules} modules compiled to {kind}-hash CPython 3.12 bytecode; {size / 1024 / 1024:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
