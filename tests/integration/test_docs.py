"""The docs hold together: every relative link resolves, every local command they show is run somewhere, and
`make` alone lists every target.

Convention (docs/local.md): a ```bash block is for this machine and each command in it is run by `make demo`,
by `make test` (CI) or by a test; a ```console block needs a real AWS account or Salesforce org.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.S | re.M)

# Targets the docs show in bash blocks that neither `make demo` nor `make test` runs, each with its reason.
NOT_RUN_BY_DEMO_OR_CI = {
    "invoke": "needs Node and an emulator (seconds per event); its seeding and every sample's answer are run by "
    "tests/integration/test_sample_events.py, its answer extraction by test_invoke_prints_only_the_answer",
    "stream": "run by hand against the emulator; its stand-in (local_aws/stream_poller.py) runs in "
    "tests/integration/test_end_to_end.py",
    "selftest": "run by hand against the emulator (or a deployed stage); every path it checks runs in "
    "tests/integration/test_selftest.py, the local stage's verdicts in "
    "test_the_local_stage_passes_with_each_absent_part_said_not_tested",
    "look-table": "read-only look at the emulator, run by hand",
    "look-files": "read-only look at the emulator, run by hand",
    "look-emails": "read-only look at the emulator, run by hand",
    "logs": "prints .emulator/function.log; its log-line extraction and its RECORD filter are run by "
    "test_make_logs_keeps_the_function_s_log_lines_and_finds_one_request_s",
    "dead-letters": "needs Node and an emulator; its letters are redriven by "
    "tests/integration/test_redrive.py::test_the_rehearsal_letters_are_redriven_as_the_runbook_says",
    "emulator-stop": "what make demo runs at its end (scripts/emulator.sh stop)",
    "emulator-start": "what make demo runs at its start (scripts/emulator.sh start)",
    "deploy-local": "what make demo runs (serverless deploy --stage local)",
    "bench": "6 to 14 minutes (callgrind); nothing in bench/ is timed by a test (docs/benchmarks.md)",
    "package": "make test packages every stage (package-stages), prod included; this one into .serverless",
    "clean": "removes builds and caches",
    "help": "run by test_make_alone_lists_every_target",
    "format": "rewrites the code in place; make test runs its checks without writing (lint: ruff check, ruff format "
    "--check)",
}
# Commands other than `make` that bash blocks may show, each with what runs it.
OTHER_LOCAL_COMMANDS = {
    ".venv/bin/python -m bench.run": "what make bench runs, with its options (docs/benchmarks.md)",
    ".venv/bin/python -m bench.concurrency": "the concurrency model's table (docs/benchmarks.md); the model and the "
    "table are run by tests/unit/test_concurrency_model.py",
    ".venv/bin/python -m bench.docs_tables": "docs/benchmarks.md's tables written from bench/RESULTS.md; its check is "
    "run by tests/unit/test_bench_docs_tables.py",
}


def makefile_targets() -> dict[str, list[str]]:
    """Each target of the Makefile with its prerequisites (variables and file targets left out)."""
    targets: dict[str, list[str]] = {}
    for line in (ROOT / "Makefile").read_text().splitlines():
        match = re.match(r"^([a-z][a-z-]*):(?!=)([^#]*)", line)
        if match and match.group(1) != "PHONY":
            targets[match.group(1)] = match.group(2).split()
    return targets


def run_by_demo_or_ci() -> set[str]:
    targets = makefile_targets()
    seen: set[str] = set()
    todo = ["demo", "test"]
    while todo:
        target = todo.pop()
        if target in targets and target not in seen:
            seen.add(target)
            todo.extend(targets[target])
    return seen


def blocks(language: str) -> list[tuple[Path, str]]:
    return [(doc, m.group(2)) for doc in DOCS for m in FENCE.finditer(doc.read_text()) if m.group(1) == language]


def commands(block: str) -> list[str]:
    """The commands of a block: comments dropped, continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", block)
    lines = (line.split(" #", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(doc: Path) -> set[str]:
    text = FENCE.sub("", doc.read_text())
    return {slug(m.group(1)) for m in re.finditer(r"^#{1,6} (.+)$", text, re.M)}


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: doc.name)
def test_every_relative_link_resolves_to_a_file_and_its_heading(doc: Path) -> None:
    text = FENCE.sub("", doc.read_text())
    for target in LINK.findall(text):
        if re.match(r"^[a-z]+:", target):
            continue  # https:, mailto:
        path, _, anchor = target.partition("#")
        linked = (doc.parent / path).resolve() if path else doc
        assert linked.exists(), f"{doc.name}: {target}"
        if anchor and linked.suffix == ".md":
            assert anchor in anchors(linked), f"{doc.name}: {target}"


CODE = ("services", "router", "local_aws", "scripts")
# Text that names files and modules of this repository: the docs, and the comments of the deployment and the code.
CITING = [
    *DOCS,
    ROOT / "serverless.yml",
    *sorted((ROOT / "infra").glob("*.yml")),
    ROOT / "handler.py",
    *sorted(path for folder in CODE for path in (ROOT / folder).rglob("*.py")),
]
REPO_PATH = re.compile(
    r"(?<![\w./<-])((?:[A-Za-z0-9_.-]+/)+[A-Za-z0-9_.-]+\.(?:py|yml|yaml|md|json|js|xml|sh|txt|toml))(?![\w/>])"
)
MODULE = re.compile(r"(?<![\w./-])((?:services|router|local_aws|scripts)(?:\.[A-Za-z_][A-Za-z0-9_]*)+)")


def tracked_top_level() -> set[str]:
    """The names at the repository's top that git tracks (not .venv, node_modules or a build's output)."""
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return {line.split("/", 1)[0] for line in listed.splitlines()}


def missing_paths(text: str, top_level: set[str]) -> list[str]:
    """The repository paths ``text`` names (``services/connect/sync.py``, a top-level folder first) that are not
    there."""
    named = (match.group(1) for match in REPO_PATH.finditer(text))
    return [path for path in named if path.split("/", 1)[0] in top_level and not (ROOT / path).exists()]


def _defines(name: str) -> str:
    """A module's line that defines or imports ``name``."""
    return rf"^\s*(?:async def|def|class)\s+{name}\b|^\s*{name}\b\s*[:=]|import .*\b{name}\b"


def missing_modules(text: str) -> list[str]:
    """The dotted names ``text`` gives (``services.connect.sync.sync_region``) whose module is not there, or whose
    module defines no such name."""
    missing = []
    for match in MODULE.finditer(text):
        parts = match.group(1).rstrip(".").split(".")
        for end in range(len(parts), 0, -1):
            base = ROOT.joinpath(*parts[:end])
            module = next((path for path in (base.with_suffix(".py"), base / "__init__.py") if path.exists()), None)
            if module is None:
                continue
            rest = parts[end:]
            if rest and not re.search(_defines(rest[0]), module.read_text(), re.M):
                missing.append(match.group(1))
            break
        else:
            missing.append(match.group(1))
    return missing


@pytest.mark.parametrize("source", CITING, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_repository_file_and_module_a_doc_or_a_comment_names_exists(source: Path) -> None:
    text = source.read_text()
    assert missing_paths(text, tracked_top_level()) == []
    if source.suffix in {".md", ".yml"}:
        assert missing_modules(text) == []


def test_the_reference_check_finds_what_is_not_there() -> None:
    top_level = tracked_top_level()
    text = "see tests/test_infrastructure.py and `services/aws/table.py`; services/connect/sync.py is fine"
    assert missing_paths(text, top_level) == ["tests/test_infrastructure.py", "services/aws/table.py"]
    assert missing_modules("services.connect.sync.sync_region, services.lookup.answer, services.kinds.NOPE") == [
        "services.lookup.answer",
        "services.kinds.NOPE",
    ]


def test_the_readme_lists_every_page_of_docs() -> None:
    readme = (ROOT / "README.md").read_text()
    for page in sorted((ROOT / "docs").glob("*.md")):
        assert f"](docs/{page.name})" in readme, page.name


def test_the_readme_is_short() -> None:
    assert len((ROOT / "README.md").read_text().splitlines()) <= 250


def test_every_make_target_in_a_bash_block_exists_and_is_run_by_demo_ci_or_says_why_not() -> None:
    targets, run = makefile_targets(), run_by_demo_or_ci()
    shown = set()
    for doc, block in blocks("bash"):
        for command in commands(block):
            words = [word for word in command.split() if not re.match(r"^[A-Z_]+=", word)]
            if words[0] == "make":
                target = words[1] if len(words) > 1 else "help"
                shown.add(target)
                assert target in targets, f"{doc.name}: {command}"
                assert target in run or target in NOT_RUN_BY_DEMO_OR_CI, f"{doc.name}: {command}"
            else:
                assert any(command.startswith(known) for known in OTHER_LOCAL_COMMANDS), f"{doc.name}: {command}"
    assert {"demo", "test", "invoke", "stream"} <= shown
    assert set(NOT_RUN_BY_DEMO_OR_CI) <= set(targets)


def test_commands_for_a_real_account_are_never_in_a_bash_block() -> None:
    for doc, block in blocks("bash"):
        for command in commands(block):
            assert not re.search(r"npx serverless|^aws |\bsf |--stage (dev|prod|<stage>)|AWS_PROFILE", command), (
                f"{doc.name}: {command} belongs in a console block"
            )


def test_make_alone_lists_every_target() -> None:
    listed = subprocess.run(["make", "-s"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    names = {line.split()[1] for line in listed.splitlines() if line.startswith("make ")}
    assert names == set(makefile_targets())


def test_invoke_prints_only_the_answer() -> None:
    """`make invoke` keeps the answer out of `serverless invoke local`'s output: log lines, metrics, botocore's
    lines and a traceback's chunks."""
    import sys

    sys.path.insert(0, str(ROOT / "scripts"))
    from local_stage import answer_of

    logs = (
        "INFO:botocore.credentials:Found credentials in environment variables.\n\n"
        '{"level":"INFO","location":"x:1","message":"lookup answered","route":"connect-lookup"}\n\n'
        '{"_aws":{"Timestamp":1},"route":"connect-lookup","Handled":[1.0]}\n'
    )
    answer = '{\n    "status": "ok",\n    "closedNow": "true"\n}\n'
    assert answer_of(logs + answer) == (False, {"status": "ok", "closedNow": "true"})
    traceback = (
        'Traceback (most recent call last):\n  File "handler.py", line 17\n\n'
        "services.models.config_change.UnusableRecordIdError: Record_Id__c is missing\n\nError:\n"
    )
    assert answer_of(logs + traceback) == (
        True,
        {"errorType": "UnusableRecordIdError", "errorMessage": "Record_Id__c is missing"},
    )


def test_interfaces_is_the_shared_contract_word_for_word_where_the_workspace_has_it() -> None:
    shared = Path("/work/shared/CONTRACT.md")
    if not shared.exists():
        pytest.skip("no shared workspace here")
    ours = (ROOT / "docs" / "interfaces.md").read_text()
    contract = shared.read_text()
    # Everything after the introduction (which says where the choices are recorded) is the same.
    assert ours.split("\n## 1.", 1)[1] == contract.split("\n## 1.", 1)[1]


def test_make_logs_keeps_the_function_s_log_lines_and_finds_one_request_s(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`make invoke` and `make stream` keep the function's log lines (not botocore's, not the metrics, not the answer);
    `make logs RECORD=<id>` shows one request's across routes."""
    import sys

    sys.path.insert(0, str(ROOT / "scripts"))
    import local_stage

    monkeypatch.setattr(local_stage, "STATE", tmp_path)
    monkeypatch.setattr(local_stage, "FUNCTION_LOG", tmp_path / "function.log")
    inbound = '{"level":"INFO","location":"x:1","message":"config change answered","record_id":"a0B5g00000XyZ12AAB"}'
    fanout = '{"level":"INFO","location":"y:2","message":"outcome sent","record_id":"a0B5g00000XyZ12AAB"}'
    other = '{"level":"WARNING","location":"z:3","message":"lookup answered","region":"Atlantis"}'
    printed = (
        "INFO:botocore.credentials:Found credentials in environment variables.\n"
        f"{inbound}\n"
        '{"_aws":{"Timestamp":1},"route":"config-change","Handled":[1.0]}\n'
        '{\n    "status": "ok"\n}\n'
        f"{other}\n"
    )
    assert local_stage.log_lines(printed) == [inbound, other]
    local_stage.keep_log_lines(printed, "make invoke EVENT=events/config-change--holiday-add-christmas.json")
    local_stage.keep_log_lines(fanout + "\n", "make stream")
    capsys.readouterr()

    local_stage.logs()
    assert capsys.readouterr().out.splitlines() == [
        "== make invoke EVENT=events/config-change--holiday-add-christmas.json: 2 log lines",
        inbound,
        other,
        "== make stream: 1 log lines",
        fanout,
    ]
    local_stage.logs("a0B5g00000XyZ12AAB")
    assert capsys.readouterr().out.splitlines() == [inbound, fanout]


@pytest.mark.parametrize("inline", [True, False])
def test_an_event_that_is_not_json_gets_one_clear_message_inline_or_in_a_file(tmp_path: Path, inline: bool) -> None:
    import sys

    sys.path.insert(0, str(ROOT / "scripts"))
    from local_stage import NotReady, event_source

    text = "{operation: describe}"
    path = tmp_path / "event.json"
    path.write_text(text)
    with pytest.raises(NotReady) as refused:
        event_source(text if inline else str(path))
    what = "EVENT" if inline else f"the file {path}"
    assert str(refused.value) == (
        f"{what} is not JSON (line 1 column 2: Expecting property name enclosed in double quotes): give "
        """EVENT=events/<name>.json or inline JSON such as EVENT='{"operation": "describe"}'"""
    )
    assert event_source('{"operation": "describe"}') == (["-d", '{"operation": "describe"}'], False)
    sample = ROOT / "events" / "config-change--refused-no-record-id.json"
    assert event_source(str(sample)) == (["-p", str(sample)], True)
