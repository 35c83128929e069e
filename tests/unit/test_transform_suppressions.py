"""The engine holds every rule to `# optfix: ignore`, whatever the rule does with what rewrite()
returns, and looks for suppressions only in files that have the marker."""

from __future__ import annotations

import pytest

from optfix.engine.transform import transform
from optfix.rulekit.rule import Rule

IGNORE = "  # optfix: ignore"


class ReplacesRegardless(Rule):
    """Test rule: renames `old` to `new`, returning the replacement whatever rewrite() says."""

    id = "replaces-regardless"

    def leave_Name(self, original, updated):
        if original.value != "old":
            return updated
        replacement = updated.with_changes(value="new")
        self.rewrite(original, updated, replacement, "old -> new")
        return replacement


def test_a_rule_that_ignores_what_rewrite_returns_is_still_held_to_the_suppression():
    source = "a = old" + IGNORE + "\nb = old\n"
    outcome = transform(source, [ReplacesRegardless])
    assert outcome.text == "a = old" + IGNORE + "\nb = new\n"
    assert [(f.line, f.rule) for f in outcome.findings] == [(2, "replaces-regardless")]


def test_a_file_without_the_marker_is_not_given_suppressions(monkeypatch):
    from optfix.engine import transform as module

    def fail(*args):
        raise AssertionError("positions resolved for a file without a suppression comment")

    monkeypatch.setattr(module.Suppressions, "of", classmethod(fail))
    assert transform("a = old\n", [ReplacesRegardless]).text == "a = new\n"
    with pytest.raises(AssertionError):
        transform("a = old  # optfix: ignore\n", [ReplacesRegardless])
