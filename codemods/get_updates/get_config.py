"""get_config() migrated: attributes instead of `K.get_value`, learning-rate entries left to the base class's config."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from optfix.codemods.get_updates.backend_calls import BackendCalls
from optfix.rulekit.class_code import LEARNING_RATES, assignment_of, flat, is_self_attribute, merges_base_config
from optfix.lazy import libcst as cst

if TYPE_CHECKING:
    from optfix.codemods.get_updates.migration import Migration


def migrated_get_config(migration: Migration, function: cst.FunctionDef) -> cst.FunctionDef:
    return function.visit(_Config(migration, merges_base_config(function))).visit(BackendCalls(migration))


class _Config(cst.CSTTransformer):
    """get_config: `K.get_value(self.x)` -> `self.x`; where it merges the base class's config,
    which holds the learning rate (as `learning_rate`), the class's own learning-rate entries go.
    (config_keys checks the keys that are left against __init__.)"""

    def __init__(self, migration: Migration, merged: bool) -> None:
        super().__init__()
        self.migration = migration
        self.merged = merged

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if self.migration.backend(original.func) in ("get_value", "eval") and len(updated.args) == 1 and is_self_attribute(original.args[0].value):
            return updated.args[0].value
        if self.merged and (flat(original.func) == "dict" or isinstance(original.func, cst.Attribute) and original.func.attr.value == "update"):
            kept = [arg for arg in updated.args if not (arg.keyword and arg.keyword.value in LEARNING_RATES)]
            if len(kept) < len(updated.args):
                return updated.with_changes(args=[*kept[:-1], kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)] if kept else [])
        return updated

    def leave_SimpleStatementLine(self, original, updated):
        """`config['lr'] = ...` goes, and so does an update() left with nothing to update."""
        if self.merged and flat(original) != flat(updated) and re.fullmatch(r"\w+\.update\((\{\})?\)", flat(updated)):
            return cst.RemoveFromParent()
        assignment = assignment_of(updated)
        if self.merged and assignment and isinstance(assignment[0], cst.Subscript) and len(assignment[0].slice) == 1:
            index = assignment[0].slice[0].slice
            if isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString) and index.value.evaluated_value in LEARNING_RATES:
                return cst.RemoveFromParent()
        return updated

    def leave_Dict(self, original: cst.Dict, updated: cst.Dict) -> cst.Dict:
        if not self.merged:
            return updated
        kept = [
            element for element in updated.elements
            if not (isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString)
                    and element.key.evaluated_value in LEARNING_RATES)
        ]
        if len(kept) == len(updated.elements):
            return updated
        if kept and len(kept) < len(updated.elements):
            last = updated.elements[-1]
            kept[-1] = kept[-1].with_changes(comma=last.comma)
        return updated.with_changes(elements=kept)


