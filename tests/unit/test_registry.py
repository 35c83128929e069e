"""The registry finds the rules, and says so when it cannot, never running with none."""

from __future__ import annotations

import pytest

import optfix.codemods
from optfix.engine import registry


def test_every_rule_is_found_once_with_an_id() -> None:
    ids = [rule.id for rule in registry.all_rules()]
    assert len(ids) == len(set(ids)) >= 9
    assert {"get-updates", "optimizer-v2", "optimizer-api", "tf1-optimizer"} <= set(ids)


def test_an_unreadable_rules_folder_is_an_error_not_an_empty_run(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(optfix.codemods, "__path__", [str(tmp_path)])
    with pytest.raises(RuntimeError, match="no rules found"):
        registry.all_rules.__wrapped__()
