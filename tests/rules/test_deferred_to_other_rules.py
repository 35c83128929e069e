"""A rule that leaves a case to another rule reports it itself where that rule does not run
(not selected, or ignored): a case is never silent for the selection's sake, and never reported
twice."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import REPO
from optfix.engine.journey import process_bytes
from optfix.engine.registry import all_rules, rules_by_id

FIXTURES = REPO / "fixtures"


def _findings(path: Path, rule_ids: list[str]) -> dict[int, list[str]]:
    result = process_bytes(path, path.read_bytes(), [rules_by_id()[rule_id] for rule_id in rule_ids])
    found: dict[int, list[str]] = {}
    for finding in result.findings:
        found.setdefault(finding.line, []).append(finding.rule)
    return found


@dataclass(frozen=True)
class Deferral:
    """Rule `defers` leaves the class at `line` of `fixture` to rule `to`, which reports it (or
    migrates it) when it runs."""

    fixture: str
    line: int
    defers: str
    to: str
    defers_alone: bool = True  # whether `defers`, run alone, is the rule that reports the case


DEFERRALS = [
    # OptimizerV2-only subclasses (PlainSGD, SlotSGD): keras2-optimizer -> optimizer-v2
    Deferral("keras2-optimizer/optimizer_v2_subclass.py", 8, "keras2-optimizer", "optimizer-v2"),
    Deferral("keras2-optimizer/optimizer_v2_subclass.py", 22, "keras2-optimizer", "optimizer-v2"),
    # Keras 2.2 get_updates classes: keras2-optimizer -> get-updates
    Deferral("get-updates/adam.py", 6, "keras2-optimizer", "get-updates"),
    Deferral("get-updates/hierarchy.py", 29, "keras2-optimizer", "get-updates"),
    Deferral("get-updates/reexported.py", 6, "keras2-optimizer", "get-updates"),  # a base class the imports do not resolve
    # the family's base class, which uses `_decayed_lr` (OptimizerV2's name too): both -> get-updates
    Deferral("get-updates/hierarchy.py", 7, "keras2-optimizer", "get-updates"),
    Deferral("get-updates/hierarchy.py", 7, "optimizer-v2", "get-updates"),
    Deferral("get-updates/hierarchy.py", 29, "optimizer-v2", "get-updates"),
    # a tf.keras 2 subclass of a get_updates family's base class (bert4keras's AdaFactorV2): get-updates -> optimizer-v2
    Deferral("get-updates/family_optimizer_v2.py", 55, "get-updates", "optimizer-v2"),
    # `K.get_value(self.lr)` in a get_updates class: learning-rate-api -> get-updates, at the class
    Deferral("get-updates/adadelta.py", 7, "learning-rate-api", "get-updates", defers_alone=False),
    # a class with Keras 3's update_step that keeps OptimizerV2 hooks, which optimizer-v2 does not take
    Deferral("keras2-optimizer/half_ported.py", 7, "optimizer-v2", "keras2-optimizer", defers_alone=False),
]


@pytest.mark.parametrize("case", DEFERRALS, ids=lambda c: f"{c.fixture}:{c.line}:{c.defers}->{c.to}")
def test_a_deferred_case_is_reported_once_whichever_rules_run(case: Deferral) -> None:
    path = FIXTURES / case.fixture
    every = [rule.id for rule in all_rules()]
    assert len(_findings(path, every).get(case.line, [])) == 1
    without = _findings(path, [rule_id for rule_id in every if rule_id != case.to]).get(case.line, [])
    assert len(without) == 1 and without != [case.to], without
    if case.defers_alone:
        assert _findings(path, [case.defers]).get(case.line) == [case.defers]


def test_optimizer_v2_subclasses_are_optimizer_v2_s_where_it_runs() -> None:
    path = FIXTURES / "keras2-optimizer" / "optimizer_v2_subclass.py"
    both = _findings(path, ["keras2-optimizer", "optimizer-v2"])
    assert both[8] == ["optimizer-v2"] and both[22] == ["optimizer-v2"]
    assert both[28] == ["keras2-optimizer"]  # tf.keras 2.11's API: keras2-optimizer's in any case


def test_a_get_updates_family_is_get_updates_alone_where_it_runs() -> None:
    family = FIXTURES / "get-updates" / "hierarchy.py"
    found = _findings(family, [rule.id for rule in all_rules()])
    assert found[7] == ["get-updates"] and found[29] == ["get-updates"]


def test_a_class_that_is_no_keras_2_optimizer_is_reported_by_none() -> None:
    # Trainer defines get_updates with no base class; AlreadyKeras3 has Keras 3's update_step
    path = FIXTURES / "get-updates" / "not_optimizers.py"
    assert _findings(path, [rule.id for rule in all_rules() if rule.id != "get-updates"]) == {}
