"""What every AWS adapter (``services/aws/``) shares: the error code helper, and an import that costs nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from botocore.exceptions import ClientError

from services.aws import error_code

ROOT = Path(__file__).resolve().parents[2]
ADAPTERS = sorted(f"services.aws.{path.stem}" for path in (ROOT / "services" / "aws").glob("*.py"))


def test_the_error_code_is_the_code_aws_answered_with() -> None:
    refused = ClientError({"Error": {"Code": "NoSuchKey", "Message": "gone"}}, "GetObject")
    assert error_code(refused) == "NoSuchKey"


def test_an_error_without_a_code_has_an_empty_one() -> None:
    assert error_code(ClientError({}, "GetObject")) == ""
    assert error_code(ClientError({"Error": {"Message": "no code"}}, "GetObject")) == ""


def test_importing_an_adapter_imports_neither_boto3_nor_botocore() -> None:
    """boto3 and botocore load on an adapter's first call, so a route pays only for the clients it uses.

    The bare ``botocore`` package is already there: Powertools (``services.platform.observability``) imports it for its
    user agent; none of its modules (``botocore.exceptions``, ``botocore.client``) is.
    """
    probe = (
        "import importlib, sys; "
        f"[importlib.import_module(name) for name in {ADAPTERS!r}]; "
        "print(sorted(m for m in sys.modules if m.startswith(('boto3', 'botocore.'))))"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert len(ADAPTERS) > 5
    assert json.loads(result.stdout.replace("'", '"')) == []
