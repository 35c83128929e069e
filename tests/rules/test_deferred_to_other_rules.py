"""A rule that leaves a case to another rule reports it itself where that rule does not run
(not selected, or ignored): a case is never silent for the selection's sake."""

from __future__ import annotations

from pathlib import Path

from conftest import REPO
from optfix.engine.journey import process_bytes
from optfix.engine.registry import all_rules, rules_by_id

SUBCLASSES = REPO / "fixtures" / "keras2-optimizer" / "optimizer_v2_subclass.py"


def _findings(path: Path, rule_ids: list[str]) -> dict[int, list[str]]:
    result = process_bytes(path, path.read_bytes(), [rules_by_id()[rule_id] for rule_id in rule_ids])
    found: dict[int, list[str]] = {}
    for finding in result.findings:
        found.setdefault(finding.line, []).append(finding.rule)
    return found


def test_optimizer_v2_subclasses_are_reported_once_whichever_rules_run() -> None:
    # PlainSGD (line 8) and SlotSGD (line 22) use only the OptimizerV2 API, which optimizer-v2 handles
    both = _findings(SUBCLASSES, ["keras2-optimizer", "optimizer-v2"])
    alone = _findings(SUBCLASSES, ["keras2-optimizer"])
    assert both[8] == ["optimizer-v2"] and both[22] == ["optimizer-v2"]
    assert alone[8] == ["keras2-optimizer"] and alone[22] == ["keras2-optimizer"]
    assert both[28] == alone[28] == ["keras2-optimizer"]  # tf.keras 2.11's API: keras2-optimizer's in any case


def test_a_base_class_of_a_get_updates_optimizer_is_get_updates_alone() -> None:
    # _DecayingBase (line 7) uses `_decayed_lr`, a name of the tf.keras 2 API too, for Keras 2.2's decay
    family = REPO / "fixtures" / "get-updates" / "hierarchy.py"
    assert _findings(family, [rule.id for rule in all_rules()])[7] == ["get-updates"]
    assert 7 not in _findings(family, ["keras2-optimizer", "optimizer-v2"])
