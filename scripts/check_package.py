"""Checks a packaged function zip: built for arm64, and nothing in it that the Lambda runtime provides.

Usage: python scripts/check_package.py .package/prod/config-bridge.zip
Every compiled extension must be an AArch64 ELF file (read from its header, not its name); the handler,
router and services must be there; boto3/botocore (the runtime's) and the local stand-ins must not.
"""

from __future__ import annotations

import struct
import sys
import zipfile

EM_AARCH64 = 183
MUST_HAVE = ("handler.py", "router/__init__.py", "services/__init__.py")
MUST_NOT_HAVE = ("boto3/", "botocore/", "local_aws/", "tests/", "scripts/", "bench/")


def problems(path: str) -> list[str]:
    found: list[str] = []
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
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
    return found


if __name__ == "__main__":
    failures = [f"{path}: {problem}" for path in sys.argv[1:] for problem in problems(path)]
    print("\n".join(failures) or f"{len(sys.argv) - 1} package(s): arm64 extensions only, runtime libraries left out")
    sys.exit(1 if failures else 0)
