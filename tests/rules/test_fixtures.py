"""Every fixtures/<rule-id>/ case, found automatically, and what its files say a run must give
(fixture_files.py says how they say it). `pytest --update-fixtures` rewrites those files from what
the rules give now, instead of checking them.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import libcst
import pytest

import fixture_files
from conftest import REPO
from fixture_files import EXPECTED, FINDINGS, OUTPUT_SUFFIXES, SOURCE, Outcome, inputs, sibling
from optfix.engine.journey import process_bytes
from optfix.engine.prefilter import bytes_stage
from optfix.engine.registry import all_rules, rules_by_id
from optfix.files.source import decode
from optfix.findings import FileResult, Kind
from optfix.output.report import format_finding
from optfix.rulekit.rule import FixOptions

FIXTURES = REPO / "fixtures"


def _inputs() -> list[Path]:
    return inputs(FIXTURES)


@functools.cache
def _processed(path: Path, data: bytes, rule_ids: tuple[str, ...], unsafe: bool) -> FileResult:
    """One run of the rules on the bytes, with the fixture's source version. The same runs come
    back in several tests below (all the rules together are often the fixture's rule alone, once
    the prefilter has chosen): each is made once a session."""
    by_id = rules_by_id()
    options = FixOptions(unsafe_fixes=unsafe, source=fixture_files.source(path))
    return process_bytes(path, data, [by_id[rule_id] for rule_id in rule_ids], options)


def _run(path: Path, data: bytes, unsafe: bool = False):
    """Run the fixture's rule on the file, whatever the prefilter says, and check that the
    prefilter would have let the file through wherever the rule has work."""
    rule = rules_by_id()[path.parent.name]
    result = _processed(path, data, (rule.id,), unsafe)
    if result.changed or result.findings:
        assert rule.wants(data), f"{path.name}: the prefilter would skip a file the rule has work in"
    assert not result.failed, [f.message for f in result.findings]
    return result, (result.updated if result.changed else data)


def _parses(data: bytes) -> None:
    text = decode(data).text
    ast.parse(text)
    libcst.parse_module(text)


@pytest.mark.parametrize("path", _inputs(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_fixture(path: Path, update_fixtures: list[Path] | None) -> None:
    data = path.read_bytes()
    result, output = _run(path, data)
    _, unsafe_output = _run(path, data, unsafe=True)
    printed = tuple(format_finding(path.name, f) for f in result.findings if f.kind is not Kind.CHANGE)
    for fixed, unsafe in ((output, False), (unsafe_output, True)):
        _parses(fixed)
        assert _run(path, fixed, unsafe)[1] == fixed, f"a second run changed the output (unsafe fixes: {unsafe})"

    if update_fixtures is not None:
        update_fixtures.extend(fixture_files.write(path, Outcome(output, unsafe_output, printed)))
    assert not fixture_files.redundant(path), fixture_files.redundant(path)
    expected = fixture_files.expected(path)
    assert output.decode() == expected.fixed.decode()
    assert output == expected.fixed
    assert printed == expected.findings
    assert unsafe_output == expected.fixed_unsafe


def test_every_fixture_folder_names_a_rule() -> None:
    folders = {path.name for path in FIXTURES.iterdir() if path.is_dir()}
    assert folders <= set(rules_by_id()), folders - set(rules_by_id())


def test_every_rule_has_fixtures_that_change_and_that_must_not() -> None:
    for rule_id in rules_by_id():
        cases = [path for path in _inputs() if path.parent.name == rule_id]
        assert any(sibling(p, EXPECTED).exists() for p in cases), rule_id
        assert any(not sibling(p, EXPECTED).exists() for p in cases), rule_id


def test_no_orphan_outputs() -> None:
    for output in FIXTURES.glob("*/*"):
        suffix = next((s for s in (*OUTPUT_SUFFIXES, FINDINGS, SOURCE) if output.name.endswith(s)), None)
        if suffix:
            source = output.with_name(output.name[: -len(suffix)] + ".py")
            assert source.exists(), f"{output} has no input {source.name}"


@pytest.mark.parametrize("unsafe", [False, pytest.param(True, marks=pytest.mark.slow)], ids=["default", "unsafe-fixes"])
def test_all_rules_together_settle_in_one_run(unsafe) -> None:
    """Every rule at once on every fixture, through the prefilter as a run has it: what one rule
    writes, another must not change on a second run (they share one traversal, so each must
    build on the other's rewrite, and its prefilter must foresee the other's)."""
    unsettled = []
    for path in _inputs():
        data = path.read_bytes()
        first = _processed(path, data, tuple(rule.id for rule in bytes_stage(data, all_rules())), unsafe)
        assert not first.failed, (path, [f.message for f in first.findings])
        if first.changed:
            _parses(first.updated)
            second = _processed(path, first.updated, tuple(rule.id for rule in bytes_stage(first.updated, all_rules())), unsafe)
            if second.changed:
                unsettled.append(f"{path.parent.name}/{path.name}")
    assert not unsettled, unsettled
