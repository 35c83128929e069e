"""Every fixtures/<rule-id>/ case, found automatically.

NAME.py is the input. NAME.expected.py is the output of a default run; without it the file must
come out byte-identical. NAME.unsafe.expected.py, if present, is the output with --unsafe-fixes
(otherwise that run must give the default output). NAME.findings lists the findings a default run
prints (none if absent).
"""

from __future__ import annotations

import ast
from pathlib import Path

import libcst
import pytest

from conftest import REPO
from optfix.rulekit.rule import FixOptions
from optfix.engine.journey import process_bytes
from optfix.engine.prefilter import bytes_stage
from optfix.findings import Kind
from optfix.output.report import format_finding
from optfix.engine.registry import all_rules, rules_by_id
from optfix.files.source import decode

FIXTURES = REPO / "fixtures"
OUTPUT_SUFFIXES = (".unsafe.expected.py", ".expected.py")  # longest first


def _inputs() -> list[Path]:
    return sorted(
        path for path in FIXTURES.glob("*/*.py") if not path.name.endswith(OUTPUT_SUFFIXES)
    )


def _sibling(path: Path, suffix: str) -> Path:
    return path.with_name(path.name[: -len(".py")] + suffix)


def _run(path: Path, data: bytes, unsafe: bool = False):
    """Run the fixture's rule on the file, whatever the prefilter says, and check that the
    prefilter would have let the file through wherever the rule has work."""
    rule = rules_by_id()[path.parent.name]
    result = process_bytes(path, data, [rule], FixOptions(unsafe_fixes=unsafe))
    if result.changed or result.findings:
        assert rule.wants(data), f"{path.name}: the prefilter would skip a file the rule has work in"
    assert not result.failed, [f.message for f in result.findings]
    return result, (result.updated if result.changed else data)


def _parses(data: bytes) -> None:
    text = decode(data).text
    ast.parse(text)
    libcst.parse_module(text)


@pytest.mark.parametrize("path", _inputs(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_fixture(path: Path) -> None:
    data = path.read_bytes()
    expected_path = _sibling(path, ".expected.py")
    expected = expected_path.read_bytes() if expected_path.exists() else data
    if expected_path.exists():
        assert expected != data, f"{expected_path.name} equals its input: delete it to declare a no-op case"

    result, output = _run(path, data)
    assert output.decode() == expected.decode()
    assert output == expected
    _parses(output)

    findings_path = _sibling(path, ".findings")
    wanted = findings_path.read_text().splitlines() if findings_path.exists() else []
    printed = [format_finding(path.name, f) for f in result.findings if f.kind is not Kind.CHANGE]
    assert printed == wanted

    again, second = _run(path, output)
    assert second == output, "a second run changed the output"

    unsafe_path = _sibling(path, ".unsafe.expected.py")
    unsafe_expected = unsafe_path.read_bytes() if unsafe_path.exists() else expected
    _, unsafe_output = _run(path, data, unsafe=True)
    assert unsafe_output == unsafe_expected
    _parses(unsafe_output)
    assert _run(path, unsafe_output, unsafe=True)[1] == unsafe_output


def test_every_fixture_folder_names_a_rule() -> None:
    folders = {path.name for path in FIXTURES.iterdir() if path.is_dir()}
    assert folders <= set(rules_by_id()), folders - set(rules_by_id())


def test_every_rule_has_fixtures_that_change_and_that_must_not() -> None:
    for rule_id in rules_by_id():
        inputs = [path for path in _inputs() if path.parent.name == rule_id]
        assert any(_sibling(p, ".expected.py").exists() for p in inputs), rule_id
        assert any(not _sibling(p, ".expected.py").exists() for p in inputs), rule_id


def test_no_orphan_outputs() -> None:
    for output in FIXTURES.glob("*/*"):
        suffix = next((s for s in (*OUTPUT_SUFFIXES, ".findings") if output.name.endswith(s)), None)
        if suffix:
            source = output.with_name(output.name[: -len(suffix)] + ".py")
            assert source.exists(), f"{output} has no input {source.name}"


@pytest.mark.parametrize("unsafe", [False, True], ids=["default", "unsafe-fixes"])
def test_all_rules_together_settle_in_one_run(unsafe) -> None:
    """Every rule at once on every fixture, through the prefilter as a run has it: what one rule
    writes, another must not change on a second run (they share one traversal, so each must
    build on the other's rewrite, and its prefilter must foresee the other's)."""
    unsettled = []
    for path in _inputs():
        data = path.read_bytes()
        first = process_bytes(path, data, bytes_stage(data, all_rules()), FixOptions(unsafe_fixes=unsafe))
        assert not first.failed, (path, [f.message for f in first.findings])
        if first.changed:
            _parses(first.updated)
            second = process_bytes(path, first.updated, bytes_stage(first.updated, all_rules()), FixOptions(unsafe_fixes=unsafe))
            if second.changed:
                unsettled.append(f"{path.parent.name}/{path.name}")
    assert not unsettled, unsettled
