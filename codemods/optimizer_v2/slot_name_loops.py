"""`for name in ("m", "v"):` in `_create_slots`, written out one block per slot name.

`build()` migrates `add_slot(var, "m")` calls that name their slot with a string literal; a loop
over a literal list of names (`for name in ["m", "v"]: for var in var_list: self.add_slot(var,
name)`) makes the same slots in the same order as the blocks it repeats, each with its name
written in. Only a loop whose variable is read nowhere but as add_slot's slot name is written out.
"""

from __future__ import annotations

from optfix.analysis.tree import descendants
from optfix.codemods.optimizer_v2.expressions import argument, literal, self_method
from optfix.lazy import libcst as cst


def names_written_out(create_slots: cst.FunctionDef) -> cst.FunctionDef:
    """`create_slots` with each loop over a literal list of slot names replaced by its blocks; the
    same node where it has none (so that what is reported in it is located in the file)."""
    writer = _WriteOut()
    written = create_slots.visit(writer)
    return written if writer.wrote else create_slots


class _WriteOut(cst.CSTTransformer):
    def __init__(self) -> None:
        super().__init__()
        self.wrote = False

    def leave_For(self, original: cst.For, updated: cst.For):
        names = _literal_names(updated.iter)
        if (names is None or not isinstance(updated.target, cst.Name) or updated.orelse is not None
                or not isinstance(updated.body, cst.IndentedBlock) or not _read_only_as_slot_name(updated, updated.target.value)):
            return updated
        self.wrote = True
        blocks = [statement.visit(_SlotName(updated.target.value, name)) for name in names for statement in updated.body.body]
        return cst.FlattenSentinel(blocks)


def _literal_names(node: cst.BaseExpression) -> list[cst.SimpleString] | None:
    if not isinstance(node, (cst.List, cst.Tuple)) or not node.elements:
        return None
    names = [element.value for element in node.elements]
    if all(isinstance(element, cst.Element) for element in node.elements) and all(
            isinstance(name, cst.SimpleString) and (literal(name) or "").isidentifier() for name in names):
        return names
    return None


def _slot_name_argument(call: cst.Call) -> cst.BaseExpression | None:
    return argument(call, 1, "slot_name") if self_method(call) == "add_slot" else None


def _read_only_as_slot_name(loop: cst.For, variable: str) -> bool:
    reads = [name for name in descendants(loop.body, cst.Name) if name.value == variable]
    as_slot_name = [call for call in descendants(loop.body, cst.Call)
                    if isinstance(_slot_name_argument(call), cst.Name) and _slot_name_argument(call).value == variable]
    return bool(reads) and len(reads) == len(as_slot_name)


class _SlotName(cst.CSTTransformer):
    """add_slot's slot name `variable` as the literal `name`."""

    def __init__(self, variable: str, name: cst.SimpleString) -> None:
        super().__init__()
        self.variable, self.name = variable, name

    def leave_Arg(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
        if isinstance(updated.value, cst.Name) and updated.value.value == self.variable:
            return updated.with_changes(value=self.name)
        return updated
