"""The order of a migrated optimizer's variables: the legacy checkpoint's (`self.weights`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from optfix.analysis.chains import cst_chain
from optfix.lazy import libcst as cst

ITERATIONS = "self.iterations"


@dataclass
class Unit:
    """A statement of build(), or the making of one state variable (`item` then is its name)."""

    makes: list[str]  # the slot lists ('ms') or variables ('self.m_schedule') it makes, in order
    reads: set[str]  # the names it reads
    item: object


def weights_order(value: cst.BaseExpression) -> list[str] | None:
    """`[self.iterations] + ms + vs` as ['self.iterations', 'ms', 'vs']; None for anything but a
    sum of lists of names and names."""
    if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Add):
        left, right = weights_order(value.left), weights_order(value.right)
        return None if left is None or right is None else left + right
    if isinstance(value, cst.List):
        names = [_dotted(element.value) if isinstance(element, cst.Element) else None for element in value.elements]
        return None if None in names else names
    name = _dotted(value)
    return None if name is None else [name]


def _dotted(node: cst.BaseExpression) -> str | None:
    """`x` or `self.x`, else None."""
    chain = cst_chain(node)
    return ".".join(chain) if len(chain) == 1 or (len(chain) == 2 and chain[0] == "self") else None


def split_loop(loop: cst.For, lists: list[str], shared: Callable[[cst.BaseStatement], bool],
               pure: Callable[[cst.BaseExpression], bool]) -> list[cst.For] | None:
    """`for p in params: ms.append(...); vs.append(...)` as one loop per list, in the order of
    `lists`. The body may only append to the lists, compute what `shared` accepts (copied into
    every loop) and branch on conditions `pure` accepts (evaluated once per loop); None otherwise."""
    loops = []
    for name in lists:
        body = _only(loop.body.body, name, lists, shared, pure)
        if body is None:
            return None
        copy = loop.with_changes(body=loop.body.with_changes(body=body))
        loops.append(copy if not loops else copy.with_changes(leading_lines=()))
    return loops


def _only(statements, name: str, lists: list[str], shared, pure) -> list[cst.BaseStatement] | None:
    """The statements that make list `name`, and what they need."""
    kept = []
    for statement in statements:
        owner = _appends_to(statement)
        if owner in lists:
            if owner == name:
                kept.append(statement)
        elif shared(statement):
            kept.append(statement)
        elif isinstance(statement, cst.If) and pure(statement.test):
            branch, orelse = _only(statement.body.body, name, lists, shared, pure), statement.orelse
            rest = [] if orelse is None else _only([orelse] if isinstance(orelse, cst.If) else orelse.body.body, name, lists, shared, pure)
            if branch is None or rest is None:
                return None
            if not rest:
                orelse = None
            elif isinstance(orelse, cst.If):
                orelse = rest[0]
            else:
                orelse = orelse.with_changes(body=orelse.body.with_changes(body=rest))
            if branch or orelse:
                body = statement.body.with_changes(body=branch or [cst.SimpleStatementLine([cst.Pass()])])
                kept.append(statement.with_changes(body=body, orelse=orelse))
        else:
            return None
    return kept


def _appends_to(statement: cst.BaseStatement) -> str | None:
    if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1 and isinstance(statement.body[0], cst.Expr):
        call = statement.body[0].value
        if (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and call.func.attr.value == "append"
                and isinstance(call.func.value, cst.Name)):
            return call.func.value.value
    return None


def made_order(units: list[Unit]) -> list[str]:
    return [name for unit in units for name in unit.makes]


def in_checkpoint_order(units: list[Unit], order: list[str]) -> list[Unit] | None:
    """The units with those that make slots in `order` (what `order` does not name last, as they
    were); the others, which only compute what the slots are made from, first. None where a unit
    makes several lists, or the others read a slot list."""
    made = set(made_order(units))
    rank = {name: index for index, name in enumerate(n for n in order if n in made)}
    makers = [unit for unit in units if unit.makes]
    others = [unit for unit in units if not unit.makes]
    if any(len(unit.makes) > 1 for unit in makers) or any(unit.reads & made for unit in others):
        return None
    return others + sorted(makers, key=lambda unit: rank.get(unit.makes[0], len(rank)))
