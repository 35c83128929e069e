"""An OptimizerV2 `get_config` as a Keras 3 one: hyperparameters read as the attributes they
became (`self._serialize_hyperparameter("beta_1")` -> `self.beta_1`); where it merges the base
class's config, which holds the learning rate (a number, or the schedule that carries the
decay), its own `learning_rate`, `lr` and `decay` entries go, so that `from_config` rebuilds the
schedule once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from optfix.analysis.tree import descendants
from optfix.codemods.optimizer_v2.expressions import literal, self_method
from optfix.lazy import libcst as cst
from optfix.rulekit.class_code import LEARNING_RATES, assignment_of, flat, merges_base_config

if TYPE_CHECKING:
    from optfix.codemods.optimizer_v2.migration import Migration

_HELD_BY_THE_BASE = (*LEARNING_RATES, "decay")


def get_config(migration: Migration, function: cst.FunctionDef) -> cst.FunctionDef:
    if merges_base_config(function):
        # "decay" stays where the class reads it as a number of its own (initial_decay.py): from_config gives it back
        function = function.visit(_DropEntries(tuple(k for k in _HELD_BY_THE_BASE if k != "decay" or not migration.initial_decay)))
    else:
        for call in descendants(function, cst.Call):
            if self_method(call) == "_serialize_hyperparameter" and call.args and literal(call.args[0].value) in LEARNING_RATES:
                migration.problem(call, "get_config() writes the learning rate without merging super().get_config(), which holds "
                                        "it in Keras 3 (a number, or a schedule's config)")
    return function.visit(migration.translator())


class _DropEntries(cst.CSTTransformer):
    def __init__(self, held: tuple[str, ...]) -> None:
        super().__init__()
        self.held = held

    def leave_Dict(self, original: cst.Dict, updated: cst.Dict) -> cst.Dict:
        kept = [e for e in updated.elements if not (isinstance(e, cst.DictElement) and literal(e.key) in self.held)]
        if len(kept) == len(updated.elements):
            return updated
        if kept:
            kept[-1] = kept[-1].with_changes(comma=updated.elements[-1].comma)
        return updated.with_changes(elements=kept)

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        if flat(original.func) == "dict" or isinstance(original.func, cst.Attribute) and original.func.attr.value == "update":
            kept = [a for a in updated.args if not (a.keyword is not None and a.keyword.value in self.held)]
            if len(kept) < len(updated.args):
                return updated.with_changes(args=[*kept[:-1], kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)] if kept else [])
        return updated

    def leave_SimpleStatementLine(self, original, updated):
        assignment = assignment_of(updated)
        if assignment and isinstance(assignment[0], cst.Subscript) and len(assignment[0].slice) == 1:
            index = assignment[0].slice[0].slice
            if isinstance(index, cst.Index) and literal(index.value) in self.held:
                return cst.RemoveFromParent()
        return updated
