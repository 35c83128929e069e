"""Loops over `enumerate(zip(params, grads, ...))` or `range(len(params))`, read as loops over a zip.

Keras 2 code numbered the parameters to name their slots (`K.zeros(shape, name='m_' + str(i))`)
or to pick per-parameter settings by position. build() names the slots itself, so such names
go; any other use of the number reads the variable's index in the optimizer's list, which is
its position among the parameters get_updates was given. `for i in range(len(params))` reading
`params[i]`, `grads[i]`, `ms[i]` is the loop over `zip(params, grads, ms)`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from optfix.analysis.tree import descendants
from optfix.codemods.get_updates.class_code import free_name
from optfix.knowledge import backend as facts
from optfix.lazy import libcst as cst
from optfix.rulekit.class_code import flat, names_in

if TYPE_CHECKING:
    from optfix.codemods.get_updates.migration import Migration


def without_enumerate(migration: Migration, statements: list[cst.BaseStatement], param_list: str) -> list[cst.BaseStatement]:
    taken = set().union(*(names_in(s) for s in statements)) if statements else set()
    return [_over_zip(migration, _indexed(s, param_list, taken), param_list) if isinstance(s, cst.For) else s for s in statements]


def _indexed(loop: cst.For, param_list: str, taken: set[str]) -> cst.For:
    """`for i in range(len(params)): ... params[i] ... grads[i]` as
    `for i, (params_i, grads_i) in enumerate(zip(params, grads)): ... params_i ... grads_i`."""
    original, loop = loop, _as_range(loop, param_list)
    if not (isinstance(loop.target, cst.Name) and isinstance(loop.iter, cst.Call) and flat(loop.iter.func) == "range"
            and len(loop.iter.args) == 1 and flat(loop.iter.args[0].value) in (f"len({param_list})",)):
        return original
    index = loop.target.value
    lists = list(dict.fromkeys(flat(node.value) for node in descendants(loop.body, cst.Subscript) if _indexes(node, index)))
    if param_list not in lists or any(_indexes(t.target, index) for t in descendants(loop.body, cst.AssignTarget)):
        return original
    lists.remove(param_list)
    lists.insert(0, param_list)
    items = {}
    for name in lists:
        items[name] = free_name(f"{name}_{index}", taken)
        taken.add(items[name])
    body = loop.body.visit(_ItemsRead(index, items))
    header = cst.parse_statement(f"for {index}, ({', '.join(items.values())}) in enumerate(zip({', '.join(lists)})):\n    pass\n")
    return header.with_changes(body=body, leading_lines=loop.leading_lines)


def _as_range(loop: cst.For, param_list: str) -> cst.For:
    """`for i, p in enumerate(params):` as `for i in range(len(params)):` whose body starts with `p = params[i]`."""
    target = loop.target
    if not (isinstance(loop.iter, cst.Call) and flat(loop.iter.func) == "enumerate" and len(loop.iter.args) == 1
            and flat(loop.iter.args[0].value) == param_list and isinstance(target, cst.Tuple) and len(target.elements) == 2
            and all(isinstance(e.value, cst.Name) for e in target.elements)):
        return loop
    index, parameter = (e.value.value for e in target.elements)
    unpacking = cst.parse_statement(f"{parameter} = {param_list}[{index}]\n")
    return loop.with_changes(target=cst.Name(index), iter=cst.parse_expression(f"range(len({param_list}))"),
                             body=loop.body.with_changes(body=[unpacking, *loop.body.body]))


def _indexes(node: cst.CSTNode, index: str) -> bool:
    """`X[i]`, X a name."""
    return (isinstance(node, cst.Subscript) and isinstance(node.value, cst.Name) and len(node.slice) == 1
            and isinstance(node.slice[0].slice, cst.Index) and flat(node.slice[0].slice.value) == index)


class _ItemsRead(cst.CSTTransformer):
    def __init__(self, index: str, items: dict[str, str]) -> None:
        super().__init__()
        self.index, self.items = index, items

    def leave_Subscript(self, original: cst.Subscript, updated: cst.Subscript) -> cst.BaseExpression:
        if _indexes(original, self.index) and original.value.value in self.items:
            return cst.Name(self.items[original.value.value])
        return updated


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
