"""The AWS the benchmark runs against: a moto server and the stub server, both on 127.0.0.1, started and
stopped by the benchmark itself; the deployment's resources created in moto; the function's environment.

Both the function and its floor talk HTTP to the same endpoints (``AWS_ENDPOINT_URL`` for moto,
``AWS_ENDPOINT_URL_APPFLOW`` for the stub), with the same environment.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.instructions import die_with_parent
from bench.scenarios import OWNED_FLOWS, ROOT, SWEEP_FLOW, lookup_items

PYTHON = sys.executable
MOTO_SERVER = str(Path(PYTHON).with_name("moto_server"))


FUNCTION_ENVIRONMENT = {"PYTHONTZPATH": ""}
"""What serverless.yml sets for the function beyond what both sides get: no zone files of the runtime's (the function
reads the bundled tzdata; the floor, which has none, keeps the runtime's own, as a function without it would)."""
FUNCTION_ONLY = frozenset(FUNCTION_ENVIRONMENT)
"""Variables of the packaged function that only the function gets (they change how Python itself behaves)."""
TEMPLATE = ROOT / ".serverless" / "cloudformation-template-update-stack.json"
"""The template ``serverless package --stage prod`` writes next to the zip."""
FUNCTION_RESOURCE = "RouterLambdaFunction"
XRAY_DAEMON = "127.0.0.1:9"
"""Where the X-Ray SDK sends its segments in the bench: a UDP port nothing listens on (they go nowhere, as cheaply as
to Lambda's daemon)."""


def packaged_environment(template: Path, stack: dict[str, str]) -> dict[str, str]:
    """The function's environment in Lambda, as the packaged template declares it: every variable of the function
    (its literal value; for a reference to the stack, ``!Ref StatusBucket``, the bench's own resource from ``stack``,
    which also wins over a literal name of the deployment's resources, ``TABLE_NAME``), what Lambda adds for Active
    tracing (``TracingConfig``; Lambda's defined runtime environment variables:
    https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html) and what it says of the function
    (memory, runtime, ``AWS_LAMBDA_INITIALIZATION_TYPE=on-demand``). Fails on a variable it cannot give a value."""
    resources = json.loads(template.read_text(encoding="utf-8"))["Resources"]
    function = resources[FUNCTION_RESOURCE]["Properties"]
    environ: dict[str, str] = {}
    for name, value in function["Environment"]["Variables"].items():
        if name in stack:
            environ[name] = stack[name]
        elif isinstance(value, str):
            environ[name] = value
        else:
            raise RuntimeError(f"the packaged {name} is {value}: the bench's stack has no value for it")
    environ |= {
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function["MemorySize"]),
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{function['Runtime']}",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
    }
    if function.get("TracingConfig", {}).get("Mode") == "Active":
        environ |= {
            "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
            "AWS_XRAY_DAEMON_ADDRESS": XRAY_DAEMON,
            "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        }
    return environ


def lambda_like_environment(moto_url: str, stub_url: str) -> dict[str, str]:
    """What both processes of a measurement see: Lambda's markers, the endpoints, test credentials.

    Bytecode is cached as usual (``PYTHONDONTWRITEBYTECODE`` is dropped), so that both sides import compiled
    modules. ``LAMBDA_TASK_ROOT`` is set as Lambda sets it: the X-Ray SDK then takes its Lambda path (no sampling
    client of its own). X-Ray itself is off (``POWERTOOLS_TRACE_DISABLED=true``): there is no X-Ray daemon here.
    """
    environ = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "POWERTOOLS_", "_X_AMZN", "PYDANTIC_"))
        and name not in {"LAMBDA_TASK_ROOT", "PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX"}
    }
    environ.update(
        {
            "LAMBDA_TASK_ROOT": str(ROOT),
            "AWS_LAMBDA_FUNCTION_NAME": "config-bridge-bench-router",
            "AWS_ENDPOINT_URL": moto_url,
            "AWS_ENDPOINT_URL_APPFLOW": stub_url,
            "BENCH_STUB_URL": stub_url,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            "POWERTOOLS_SERVICE_NAME": "config-bridge",
            "POWERTOOLS_METRICS_NAMESPACE": "ConfigBridge",
            "POWERTOOLS_LOG_LEVEL": "INFO",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "PYDANTIC_DISABLE_PLUGINS": "__all__",  # as serverless.yml sets it
        }
    )
    return environ


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _wait(url: str, process: subprocess.Popen[bytes], what: str) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError as error:
            if getattr(error, "code", None):  # an HTTP error: it answers
                return
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not answer at {url}")


def start(command: list[str], **options: Any) -> subprocess.Popen[bytes]:
    """A server of the benchmark's: in a process group of its own (stopped with its children by :func:`_stop`) and
    ended by Linux if the benchmark dies before it could stop it."""
    return subprocess.Popen(command, start_new_session=True, preexec_fn=die_with_parent, **options)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Ends a process this benchmark started (its own process group), by its id."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


STACK = "BENCH_STACK"
"""In the environment :func:`running_aws` gives: the names of the variables that name the bench's own resources."""


def stack_of(environ: dict[str, str]) -> dict[str, str]:
    """The variables of ``environ`` that name the bench's own resources (:func:`running_aws`)."""
    return {name: environ[name] for name in environ[STACK].split(",")}


@contextmanager
def running_aws(port: int) -> Iterator[dict[str, str]]:
    """moto on ``port`` and the stub on a free port, with the deployment's resources; the function's environment,
    whose ``BENCH_STACK`` lists the variables that name those resources (:func:`stack_of`)."""
    moto_url = f"http://127.0.0.1:{port}"
    try:
        with urllib.request.urlopen(f"{moto_url}/moto-api/", timeout=1):
            raise RuntimeError(f"port {port} already answers: stop that emulator or set EMULATOR_PORT")
    except OSError:
        pass
    stub_port = free_port()
    stub_url = f"http://127.0.0.1:{stub_port}"
    started: list[subprocess.Popen[bytes]] = []
    try:
        moto = start(
            [MOTO_SERVER, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        started.append(moto)
        stub = start([PYTHON, "-m", "bench.stub_server", str(stub_port)], cwd=ROOT, stdout=subprocess.DEVNULL)
        started.append(stub)
        _wait(f"{moto_url}/moto-api/", moto, "moto_server")
        _wait(f"{stub_url}/", stub, "the stub server")
        environ = lambda_like_environment(moto_url, stub_url)
        stack = _create_resources(environ)
        environ.update(stack)
        environ[STACK] = ",".join(stack)
        yield environ
    finally:
        for process in reversed(started):
            _stop(process)


def _create_resources(environ: dict[str, str]) -> dict[str, str]:
    """The stack (tests/support/aws_stack.py, as serverless.yml declares it) in moto, and the lookup's items."""
    saved = dict(os.environ)
    os.environ.update(environ)
    try:
        sys.path.insert(0, str(ROOT))
        from tests.support.aws_stack import create_stack

        stack = create_stack()
        import boto3

        dynamodb = boto3.session.Session().client("dynamodb")
        for item in lookup_items(stack.table_name):
            dynamodb.put_item(TableName=stack.table_name, Item=item)
        key = boto3.session.Session().client("kms").create_key(Description="the bench's customer key")["KeyMetadata"]
    finally:
        os.environ.clear()
        os.environ.update(saved)
    settings = stack.environment()
    settings.update(
        {
            "CUSTOMER_KEY_ID": key["Arn"],
            "INBOUND_QUEUE_URL": stack.inbound_queue_url,  # serverless.yml's !Ref InboundQueue (the self-test reads it)
            "OWNED_FLOW_NAMES": ",".join(OWNED_FLOWS),
            "SWEEP_FLOW_NAME": SWEEP_FLOW,
            "SALESFORCE_CONNECTOR_PROFILE": "config-bridge-bench-salesforce",
            # Every run restarts the same flow: the hourly bound of restarts must not be what is measured.
            "HEAL_ATTEMPTS_PER_HOUR": "1000000",
        }
    )
    return settings


RUNTIME_PACKAGES = (
    "boto3",
    "botocore",
    "s3transfer",
    "jmespath",
    "dateutil",
    "urllib3",
    "six.py",
    "snapshot_restore_py.py",
)
"""What the Lambda Python runtime provides (serverless.yml's ``noDeploy``): boto3 and what it imports, and SnapStart's
runtime hooks (``snapshot_restore_py``: https://docs.aws.amazon.com/lambda/latest/dg/snapstart-runtime-hooks-python.html).
The zip holds none of them (scripts/check_package.py)."""


def deployed_tree(package: Path, folder: Path, bytecode: str = "unchecked") -> Path:
    """The deployment zip extracted as Lambda has it in /var/task: its own sources and bytecode, read-only.

    ``bytecode``: ``unchecked``, the zip as packaged (scripts/compile_package.py); ``checked``, the same zip with
    checked-hash bytecode instead; ``none``, its sources alone (the zip before bytecode was added). The zip's
    compiled extensions are for arm64: each is swapped for this machine's build of the same file, from the same
    version of its package (checked: the package's modules in the zip must be those installed here).
    """
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-zip-") as scratch:
        source = Path(scratch, package.name)
        shutil.copyfile(package, source)
        if bytecode == "checked":
            _compile_package().compile_zip(source, checked=True)
        with zipfile.ZipFile(source) as archive:
            members = [name for name in archive.namelist() if bytecode != "none" or not name.endswith(".pyc")]
            archive.extractall(folder, members)
    _swap_extensions(folder)
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    return folder


def writable_again(folder: Path) -> None:
    """So that a read-only tree can be removed (by a user that is not root)."""
    for path in [folder, *folder.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)


def _compile_package() -> Any:
    spec = importlib.util.spec_from_file_location("compile_package", ROOT / "scripts" / "compile_package.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _swap_extensions(folder: Path) -> None:
    site = Path(sysconfig.get_paths()["purelib"])
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    for extension in sorted(folder.rglob("*.cpython-312-aarch64-linux-gnu.so")):
        relative = extension.relative_to(folder)
        local = site / relative.with_name(relative.name.replace(".cpython-312-aarch64-linux-gnu.so", suffix))
        package = relative.parts[0]
        for module in (folder / package).rglob("*.py"):
            installed = site / module.relative_to(folder)
            if not installed.exists() or installed.read_bytes() != module.read_bytes():
                found = module.relative_to(folder)
                raise RuntimeError(f"{found}: not the version installed here, so {relative} cannot be swapped")
        shutil.copyfile(local, folder / local.relative_to(site))
        extension.unlink()


def runtime_folder(folder: Path) -> Path:
    """What Lambda's runtime puts on sys.path after /var/task: boto3 and its imports (links to this venv's)."""
    site = Path(sysconfig.get_paths()["purelib"])
    folder.mkdir(parents=True, exist_ok=True)
    for name in RUNTIME_PACKAGES:
        (folder / name).symlink_to(site / name)
    return folder
