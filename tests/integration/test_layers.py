"""The layers contract of `make lint` (pyproject.toml, import-linter): it holds every module and it bites."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def contracts() -> list[dict[str, object]]:
    contracts: list[dict[str, object]] = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
        "contracts"
    ]
    return contracts


def layers() -> list[list[str]]:
    (contract,) = [contract for contract in contracts() if contract["type"] == "layers"]
    return [[name.strip() for name in str(layer).split(":")] for layer in contract["layers"]]  # type: ignore[attr-defined]


def test_every_module_of_services_is_in_a_layer() -> None:
    """A new module outside every layer (itself, or a package holding it) would be held by nothing."""
    placed = {name for layer in layers() for name in layer}
    modules = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for path in (ROOT / "services").rglob("*.py")
        if path.stem != "__init__"
    }
    unplaced = {
        module for module in modules if not any(module == name or module.startswith(name + ".") for name in placed)
    }
    assert unplaced == set()
    assert "router" in placed


def test_each_capability_is_a_folder_and_its_pure_rules_touch_no_aws() -> None:
    """The folders are the layers: every top-level entry of services/ is a package, and the pure rules beside a
    capability are held by the contract that forbids AWS code."""
    top = [path.name for path in (ROOT / "services").iterdir() if path.name not in {"__init__.py", "__pycache__"}]
    assert all((ROOT / "services" / name / "__init__.py").exists() for name in top), top
    (pure,) = [contract for contract in contracts() if contract["type"] == "forbidden"]
    assert "services.aws" in pure["forbidden_modules"]  # type: ignore[operator]
    assert "boto3" in pure["forbidden_modules"]  # type: ignore[operator]


def test_nothing_in_router_or_services_imports_the_handler() -> None:
    """handler.py sits above every layer but is no package import-linter can hold: checked here."""
    for path in [*ROOT.joinpath("router").rglob("*.py"), *ROOT.joinpath("services").rglob("*.py")]:
        text = path.read_text()
        assert "import handler" not in text and "from handler" not in text, path


@pytest.mark.parametrize(
    ("module", "upward"),
    [
        ("services/kinds/base.py", "import router"),
        ("services/aws/table/reader.py", "import services.lookups.route"),
        ("services/lookups/opening.py", "import services.aws.table.reader"),
    ],
)
def test_an_upward_import_breaks_the_contract(tmp_path: Path, module: str, upward: str) -> None:
    for package in ("router", "services"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    command = [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"]
    kept = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert kept.returncode == 0, kept.stdout[-2000:]

    with (tmp_path / module).open("a") as source:
        source.write(f"\n{upward}  # noqa\n")
    broken = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert broken.returncode != 0
    assert "is not allowed to import" in broken.stdout or "must not import" in broken.stdout
