"""Loops over `enumerate(zip(params, grads, ...))`, read as loops over the zip.

Keras 2 code numbered the parameters to name their slots (`K.zeros(shape, name='m_' + str(i))`)
or to pick per-parameter settings by position. build() names the slots itself, so such names
go; any other use of the number reads the variable's index in the optimizer's list, which is
its position among the parameters get_updates was given.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from optfix.knowledge import backend as facts
from optfix.lazy import libcst as cst
from optfix.rulekit.class_code import flat, names_in

if TYPE_CHECKING:
    from optfix.codemods.get_updates.migration import Migration


def without_enumerate(migration: Migration, statements: list[cst.BaseStatement], param_list: str) -> list[cst.BaseStatement]:
    return [_over_zip(migration, s, param_list) if isinstance(s, cst.For) else s for s in statements]


def _over_zip(migration: Migration, loop: cst.For, param_list: str) -> cst.For:
    numbered, target = loop.iter, loop.target
    if not (isinstance(numbered, cst.Call) and flat(numbered.func) == "enumerate" and len(numbered.args) == 1
            and not numbered.args[0].keyword and isinstance(target, cst.Tuple) and len(target.elements) == 2
            and isinstance(target.elements[0].value, cst.Name)):
        return loop
    index, unpacked, zipped = target.elements[0].value.value, target.elements[1].value, numbered.args[0].value
    if not (isinstance(zipped, cst.Call) and flat(zipped.func) == "zip" and isinstance(unpacked, cst.Tuple)
            and len(unpacked.elements) == len(zipped.args)):
        return loop
    body = loop.body.visit(_SlotNamesDropped(migration))
    if index in names_in(body):
        parameter = next((e.value for a, e in zip(zipped.args, unpacked.elements) if flat(a.value) == param_list), None)
        if not isinstance(parameter, cst.Name):
            return loop
        numbering = cst.parse_statement(f"{index} = self._get_variable_index({parameter.value})\n")
        body = body.with_changes(body=[numbering, *body.body])
    return loop.with_changes(iter=zipped, target=unpacked.with_changes(lpar=[], rpar=[]), body=body)


class _SlotNamesDropped(cst.CSTTransformer):
    """`K.zeros(shape, name='m_' + str(i))` -> `K.zeros(shape)`: build() names the slots."""

    def __init__(self, migration: Migration) -> None:
        super().__init__()
        self.migration = migration

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        if self.migration.backend(original.func) not in facts.STATE:
            return updated
        args = [arg for arg in updated.args if not (arg.keyword and arg.keyword.value == "name")]
        if len(args) == len(updated.args):
            return updated
        if args:
            args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated.with_changes(args=args)
