"""`# optfix: ignore` and `# optfix: ignore[rule, ...]`: the node spanning the commented line is
neither rewritten nor reported, the rest of the file still is, and the result stays correct."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import REPO
from test_cli import AMBIGUOUS, FIXABLE, FIXED, findings, write_tree

IGNORE = "  # optfix: ignore"


def fix(optfix, tmp_path: Path, source: str):
    write_tree(tmp_path, {"a.py": source})
    result = optfix("fix", "a.py", cwd=tmp_path)
    return result, (tmp_path / "a.py").read_text()


def test_a_suppressed_call_keeps_its_import_while_the_other_call_is_fixed(optfix, tmp_path):
    suppressed = "a = Adam(lr=0.1)" + IGNORE
    source = f"from keras.optimizers.legacy import Adam\n\n{suppressed}\nb = Adam(lr=0.2)\n"
    result, fixed = fix(optfix, tmp_path, source)
    assert result.returncode == 0, result.stderr
    lines = fixed.splitlines()
    assert suppressed in lines
    assert "b = Adam(lr=0.2)" not in lines and "learning_rate=0.2" in fixed
    imported = {alias.asname or alias.name for node in ast.parse(fixed).body
                if isinstance(node, ast.ImportFrom) and node.module == "keras.optimizers.legacy" for alias in node.names}
    assert imported == {"Adam"}, "the suppressed line still needs its import"
    # Without the comment both calls are rewritten and the legacy import goes.
    _, unsuppressed = fix(optfix, tmp_path, source.replace(IGNORE, ""))
    assert "keras.optimizers.legacy" not in unsuppressed


def test_ignore_with_rule_ids_suppresses_only_those_rules(optfix, tmp_path):
    for comment, stays in [("# optfix: ignore[optimizer-name]", True),
                           ("# optfix: ignore[tf1-optimizer, optimizer-name]", True),
                           ("# optfix: ignore[tf1-optimizer]", False),
                           ("#optfix:ignore", True)]:
        source = FIXABLE.rstrip("\n") + "  " + comment + "\n"
        result, after = fix(optfix, tmp_path, source)
        assert result.returncode == 0, result.stderr
        assert after == (source if stays else FIXED.rstrip("\n") + "  " + comment + "\n"), comment


def test_a_suppressed_finding_is_not_reported_and_the_exit_status_says_so(optfix, tmp_path):
    write_tree(tmp_path, {"a.py": AMBIGUOUS.rstrip("\n") + IGNORE + "\n" + FIXABLE})
    result = optfix("check", cwd=tmp_path)
    assert [finding["line"] for finding in findings(result)] == ["2"]  # the pending change, not the suppressed finding
    assert result.returncode == 1  # the unsuppressed line still has work
    write_tree(tmp_path, {"a.py": AMBIGUOUS.rstrip("\n") + IGNORE + "\n"})
    assert optfix("check", cwd=tmp_path).returncode == 0


def test_the_marker_inside_a_string_suppresses_nothing(optfix, tmp_path):
    source = "note = '# optfix: ignore'; " + FIXABLE
    result, after = fix(optfix, tmp_path, source)
    assert after == "note = '# optfix: ignore'; " + FIXED


def test_an_unknown_rule_id_is_reported_at_its_line_and_the_known_ones_still_apply(optfix, tmp_path):
    source = "x = 1\n" + FIXABLE.rstrip("\n") + "  # optfix: ignore[optimizer-name, no-such-rule]\n"
    write_tree(tmp_path, {"a.py": source})
    result = optfix("fix", cwd=tmp_path)
    assert result.returncode == 1
    [finding] = [f for f in result.stderr.decode().splitlines() if "unknown-suppression" in f]
    assert finding.startswith("a.py:2:") and "'no-such-rule'" in finding
    assert (tmp_path / "a.py").read_text() == source


@pytest.mark.parametrize("line", [0, 1, 2], ids=["first-line", "inner-line", "closing-line"])
def test_a_comment_on_any_line_of_a_multiline_call_leaves_the_whole_call(optfix, tmp_path, line):
    call = ["model.compile(", "    optimizer='Adgrad',", "    loss='mse')"]
    call[line] += IGNORE
    source = "\n".join(call) + "\n" + FIXABLE
    result, after = fix(optfix, tmp_path, source)
    assert after == "\n".join(call) + "\n" + FIXED


def _get_updates_fixture(comment_after: str, comment: str) -> str:
    source = (REPO / "fixtures" / "get-updates" / "sgd.py").read_text()
    assert source.count(comment_after) == 1
    return source.replace(comment_after, comment_after + comment)


def test_a_suppression_inside_a_class_that_get_updates_migrates_leaves_the_class(optfix, tmp_path):
    source = _get_updates_fixture("v = self.momentum * m - lr * g", IGNORE)
    result, after = fix(optfix, tmp_path, source)
    assert after == source
    # what is left to report is the import of a module Keras 3 removed, which the Keras 2 class still needs
    findings = [line for line in result.stderr.decode().splitlines() if ": get-updates " in line]
    assert len(findings) == 1 and "keras.legacy.interfaces is imported, which Keras 3 removed" in findings[0], result.stderr


def test_a_suppression_for_another_rule_inside_the_class_does_not_stop_its_migration(optfix, tmp_path):
    comment = "  # optfix: ignore[keras2-optimizer]"
    source = _get_updates_fixture("v = self.momentum * m - lr * g", comment)
    result, after = fix(optfix, tmp_path, source)
    assert result.returncode == 0, result.stderr
    assert "def update_step(" in after and "def get_updates(" not in after
    assert comment in after


def test_a_comment_alone_on_a_line_suppresses_nothing_on_the_next(optfix, tmp_path):
    source = "# optfix: ignore\n" + FIXABLE
    result, after = fix(optfix, tmp_path, source)
    assert after == "# optfix: ignore\n" + FIXED
