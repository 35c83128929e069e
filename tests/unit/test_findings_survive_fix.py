"""A finding survives `fix`: after a default fix, `check` still reports what still applies.

For every fixture of every rule, the default fix is applied and the rule run again on its output.
A finding for a person (not a change) of the first run still applies unless the fix made it moot,
and a fix makes a finding moot only by removing the code it points at. So each such finding's line
is followed from the original into the fixed file through the diff: a line the fix kept (or
replaced by a line mostly like it, or else one for one) is still there, and the second run must report
at least as many findings of the same rule on it as the first did on the original line. Messages
are not compared: one may quote the code the fix rewrote around it (`K.get_value(opt.lr)` becomes
`K.get_value(opt.learning_rate)`). A line the fix removed (a dropped override) takes its findings
with it.

What a rule cannot keep in sight is a fix that erases the evidence a finding rests on while its
cause stays; the rules avoid it by leaving such calls as written (their rewrite becomes an unsafe
fix), and the rules that migrate a class whole read their output again on the next run (see
optfix.rulekit.migrated_optimizers). A fixture listed in AWAITING still loses findings, for the
reason given; the test fails as soon as one of them stops losing any, so the list only shrinks.
"""

from __future__ import annotations

import difflib
from collections import Counter
from pathlib import Path

import pytest

from optfix.engine.journey import process_bytes
from optfix.engine.registry import rules_by_id
from optfix.findings import Kind
from optfix.rulekit.rule import FixOptions

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
INPUTS = sorted(p for p in FIXTURES.glob("*/*.py") if not p.name.endswith(".expected.py"))

AWAITING: dict[str, str] = {}


def _line_map(old: list[str], new: list[str]) -> dict[int, int]:
    """Original line -> fixed line, for the lines the fix kept or replaced by one like it."""
    mapped = {}
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            mapped.update({i1 + k + 1: j1 + k + 1 for k in range(i2 - i1)})
        elif tag == "replace":
            for i in range(i1, i2):
                # indentation apart: a statement moved out of a loop is still itself, and two
                # unrelated statements at one depth are not alike for their leading spaces
                ratio, j = max((_alike(old[i], new[j]), j) for j in range(j1, j2))
                one_for_one = j1 + i - i1 if i2 - i1 == j2 - j1 else None
                if one_for_one is not None and (ratio < 0.6 or _alike(old[i], new[one_for_one]) >= 0.6):
                    mapped[i + 1] = one_for_one + 1  # replaced one for one, unless another line of the block is its own
                elif ratio >= 0.6:
                    mapped[i + 1] = j + 1
    return mapped


def _alike(old: str, new: str) -> float:
    return difflib.SequenceMatcher(None, old.strip(), new.strip()).ratio()


def test_a_line_is_followed_by_its_text_not_its_indentation() -> None:
    old = ["        for p in params:", "            self.weights.extend(moments)", "            v = m - lr * g"]
    new = ["            self.assign(m, v)", "            v = m - learning_rate * g"]
    assert _line_map(old, new) == {3: 2}  # the removed statement is not taken for another at its depth


def test_a_line_replaced_in_a_block_of_equal_length_is_followed_to_its_own_rewrite() -> None:
    old = ["    grad = apply(grad)", "    v = self.get_slot(var, 'v')", "    if decays(var.name):", "    return var.assign(v)"]
    new = ["    var_dtype = variable.dtype", "    v = self.v_slots[index]", "    w = 1", "    if decays(variable.name):"]
    assert _line_map(old, new)[3] == 4  # not the line at its position, unlike it
    assert _line_map(old, new)[1] == 1  # nothing alike further on: replaced one for one


def _lost(path: Path) -> list[str]:
    rule = rules_by_id()[path.parent.name]
    data = path.read_bytes()
    declared = path.with_suffix(".source")  # the fixture's source version (tests/rules/fixture_files.py)
    options = FixOptions(source=declared.read_text().strip() if declared.exists() else None)
    first = process_bytes(path, data, [rule], options)
    if not first.changed:
        return []  # nothing was fixed: a second run is the first
    second = process_bytes(path, first.updated, [rule], options)
    lines = _line_map(data.decode().splitlines(), first.updated.decode().splitlines())
    before = Counter((f.rule, lines[f.line]) for f in first.findings if f.kind is Kind.REVIEW and f.line in lines)
    after = Counter((f.rule, f.line) for f in second.findings if f.kind is Kind.REVIEW)
    return [
        f"{path.name}:{f.line} ({f.rule}) {f.message}"
        for f in first.findings
        if f.kind is Kind.REVIEW and f.line in lines and (before - after)[(f.rule, lines[f.line])]
    ]


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_findings_that_still_apply_survive_fix(path: Path) -> None:
    lost = _lost(path)
    name = f"{path.parent.name}/{path.stem}"
    if name in AWAITING:
        assert lost, f"{name} no longer loses a finding: remove it from AWAITING"
    else:
        assert not lost, lost


def test_a_fix_that_removes_the_code_takes_its_finding() -> None:
    # get-updates drops a set_weights override that only padded a legacy list, with a finding
    # there: the line is gone, and so is the finding.
    assert _lost(FIXTURES / "get-updates" / "weights_padding.py") == []
    assert any(f.kind is Kind.REVIEW for f in process_bytes(
        FIXTURES / "get-updates" / "weights_padding.py", (FIXTURES / "get-updates" / "weights_padding.py").read_bytes(),
        [rules_by_id()["get-updates"]], FixOptions()).findings)
