"""The package check (scripts/check_package.py) against small zips: bytecode for every module or a failure.

The zips are made here, with scripts/compile_package.py for the bytecode, so no packaging is needed.
"""

from __future__ import annotations

import importlib.util
import struct
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and the like look their module up
    spec.loader.exec_module(module)
    return module


check_package = _script("check_package")
compile_package = _script("compile_package")

AARCH64_ELF = b"\x7fELF" + bytes(14) + struct.pack("<H", 183) + bytes(40)
SOURCES = {
    "handler.py": b"from router import resolve\n",
    "router/__init__.py": b"def resolve(event, context):\n    return event\n",
    "services/__init__.py": b'"""The services."""\n',
    "pydantic_core/_pydantic_core.cpython-312-aarch64-linux-gnu.so": AARCH64_ELF,
}


def _zip(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2098, 1, 1, 0, 0, 0)), data)
    return path


def _files(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.fixture
def compiled(tmp_path: Path) -> Path:
    """Given a zip as serverless packages it, with its bytecode added as the packaging does."""
    package = _zip(tmp_path / "function.zip", SOURCES)
    compile_package.compile_zip(package)
    return package


def test_a_zip_with_hash_based_bytecode_for_every_module_passes(compiled: Path) -> None:
    files = _files(compiled)

    assert check_package.problems(str(compiled)) == []
    assert "router/__pycache__/__init__.cpython-312.pyc" in files
    assert "__pycache__/handler.cpython-312.pyc" in files
    assert list(files) == sorted(files)
    assert all(source in files for source in SOURCES)  # the sources stay (tracebacks)


def test_a_zip_without_bytecode_fails(tmp_path: Path) -> None:
    package = _zip(tmp_path / "function.zip", SOURCES)

    found = check_package.problems(str(package))

    assert "handler.py: no bytecode (__pycache__/handler.cpython-312.pyc)" in found
    assert len(found) == 3


def test_a_module_missing_its_bytecode_fails(compiled: Path, tmp_path: Path) -> None:
    files = _files(compiled)
    del files["router/__pycache__/__init__.cpython-312.pyc"]

    found = check_package.problems(str(_zip(tmp_path / "missing.zip", files)))

    assert found == ["router/__init__.py: no bytecode (router/__pycache__/__init__.cpython-312.pyc)"]


def test_a_source_edited_after_compiling_fails(compiled: Path, tmp_path: Path) -> None:
    files = _files(compiled)
    files["router/__init__.py"] += b"# edited in place\n"

    found = check_package.problems(str(_zip(tmp_path / "edited.zip", files)))

    assert found == [
        "router/__init__.py: bytecode of another source (its hash does not match) "
        "(router/__pycache__/__init__.cpython-312.pyc)"
    ]


def test_timestamp_based_or_foreign_bytecode_fails(compiled: Path, tmp_path: Path) -> None:
    files = _files(compiled)
    pyc = files["__pycache__/handler.cpython-312.pyc"]
    files["__pycache__/handler.cpython-312.pyc"] = pyc[:4] + bytes(4) + pyc[8:]  # flags 0: timestamp-based
    files["router/__pycache__/__init__.cpython-312.pyc"] = b"\xa7\x0d\x0d\x0a" + pyc[4:]  # 3.11's magic number

    found = check_package.problems(str(_zip(tmp_path / "foreign.zip", files)))

    assert any("handler.py: timestamp-based bytecode" in problem for problem in found)
    assert any("router/__init__.py: bytecode of another Python (magic number a70d0d0a)" in p for p in found)


def test_a_zip_of_8_mb_or_more_fails(compiled: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(check_package, "MAX_BYTES", compiled.stat().st_size)

    assert check_package.problems(str(compiled))[-1].endswith("MB: not under 0 MB")


def test_python_312_imports_the_bytecode_as_it_is_from_a_read_only_tree(compiled: Path, tmp_path: Path) -> None:
    """Given the zip extracted as Lambda has it (2098 file times, read-only, no bytecode written); then the import
    takes the zip's bytecode."""
    task = tmp_path / "task"
    with zipfile.ZipFile(compiled) as archive:
        archive.extractall(task)
    for path in task.rglob("*"):
        path.chmod(0o555 if path.is_dir() else 0o444)
    environ = {"PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(task)}

    finished = subprocess.run(
        [sys.executable, "-I", "-v", "-c", f"import sys; sys.path.insert(0, {str(task)!r}); import handler"],
        env=environ,
        capture_output=True,
        text=True,
        check=True,
    )

    assert f"code object from '{task}/__pycache__/handler.cpython-312.pyc'" in finished.stderr
    assert f"code object from '{task}/router/__pycache__/__init__.cpython-312.pyc'" in finished.stderr


def test_compiling_twice_gives_the_same_zip(compiled: Path) -> None:
    first = compiled.read_bytes()

    compile_package.compile_zip(compiled)

    assert compiled.read_bytes() == first


def test_checked_hash_bytecode_passes_too(tmp_path: Path) -> None:
    package = _zip(tmp_path / "function.zip", SOURCES)

    compile_package.compile_zip(package, checked=True)

    assert check_package.problems(str(package)) == []
    assert _files(package)["__pycache__/handler.cpython-312.pyc"][4] == 0b11


def test_what_the_function_imports_is_measured_by_importing_it_and_leaves_out_what_the_runtime_provides() -> None:
    """The import probe (every route's first event, as SnapStart's init loads it) finds the libraries the zip must
    carry, and none that Lambda's runtime provides (boto3, botocore, python-dateutil...)."""
    imported = check_package.imported_top_levels()

    assert {"aws_lambda_powertools", "pydantic", "pydantic_core", "tzdata", "aws_xray_sdk"} <= imported
    assert not imported & {"boto3", "botocore", "dateutil", "jmespath", "urllib3", "s3transfer", "six", "certifi"}


def test_a_zip_holding_what_the_function_never_imports_or_lacking_what_it_imports_fails(tmp_path: Path) -> None:
    imported = frozenset({"pydantic_core", "typing_extensions"})
    exact = _zip(tmp_path / "exact.zip", {**SOURCES, "typing_extensions.py": b"", "__pycache__/handler.pyc": b""})
    extra = _zip(
        tmp_path / "extra.zip", {**SOURCES, "typing_extensions.py": b"", "dateutil/__init__.py": b"", "bin/jp.py": b""}
    )
    short = _zip(tmp_path / "short.zip", SOURCES)

    assert check_package.import_problems(str(exact), imported) == []
    assert check_package.import_problems(str(extra), imported) == [
        "holds bin, which the function never imports",
        "holds dateutil, which the function never imports",
    ]
    assert check_package.import_problems(str(short), imported) == [
        "lacks typing_extensions, which the function imports"
    ]


def test_type_stubs_are_left_out_of_the_compiled_zip(tmp_path: Path) -> None:
    package = _zip(tmp_path / "function.zip", {**SOURCES, "wrapt-stubs/__init__.pyi": b"def f() -> int: ...\n"})

    compile_package.compile_zip(package)

    assert not [name for name in _files(package) if name.endswith(".pyi")]
