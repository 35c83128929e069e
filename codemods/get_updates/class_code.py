"""What a Keras 2 optimizer class's code says, read in libcst: assignments, `self.` attributes, calls, lists filled."""

from __future__ import annotations

import re
from dataclasses import dataclass

from optfix.lazy import libcst as cst
from optfix.analysis.tree import children, code, descendants, reads

LEARNING_RATES = ("lr", "learning_rate")


@dataclass
class Problem:
    node: cst.CSTNode
    message: str


def flat(node: cst.CSTNode) -> str:
    return re.sub(r"\s+", "", code(node))


def is_self_attribute(node: cst.CSTNode, names: tuple[str, ...] | None = None) -> bool:
    return (
        isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value == "self"
        and (names is None or node.attr.value in names)
    )


def names_in(node: cst.CSTNode) -> set[str]:
    """Every name in `node` but attributes' names: what it reads, and keywords and imported names too."""
    return {name.value for name in reads(node, every_name=True)}


def unwrap_with(statements, is_graph_only) -> list:
    """Statements with `with K.name_scope(...):` blocks replaced by their bodies."""
    result = []
    for statement in statements:
        if isinstance(statement, cst.With) and all(is_graph_only(item.item) for item in statement.items):
            result += unwrap_with(statement.body.body, is_graph_only)
        else:
            result.append(statement)
    return result


def expression_of(statement: cst.CSTNode) -> cst.BaseExpression | None:
    if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1 and isinstance(statement.body[0], cst.Expr):
        return statement.body[0].value
    return None


def assignment_of(statement: cst.CSTNode) -> tuple[cst.BaseExpression, cst.BaseExpression] | None:
    """(target, value) of a one-target assignment statement."""
    if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
        small = statement.body[0]
        if isinstance(small, cst.Assign) and len(small.targets) == 1:
            return small.targets[0].target, small.value
    return None


def is_super_init(call: cst.Call) -> bool:
    return is_super_call(call, "__init__")


def is_super_call(call: cst.Call, method: str) -> bool:
    """`super(...).<method>(...)`."""
    func = call.func
    return (
        isinstance(func, cst.Attribute) and func.attr.value == method and isinstance(func.value, cst.Call)
        and flat(func.value.func) == "super"
    )


def is_docstring(statement: cst.CSTNode) -> bool:
    value = expression_of(statement)
    return isinstance(value, (cst.SimpleString, cst.ConcatenatedString))


def merges_base_config(function: cst.FunctionDef) -> bool:
    """Whether get_config calls the base class's get_config (whose result it then merges)."""
    return any(is_super_call(call, "get_config") for call in calls_in(function))


def empty_lists(statement: cst.CSTNode) -> set[str]:
    """The names `ms = []` or `ms, vs = [], []` binds to empty lists."""
    assignment = assignment_of(statement)
    if assignment is None:
        return set()
    target, value = assignment
    if isinstance(target, cst.Name) and isinstance(value, cst.List) and not value.elements:
        return {target.value}
    if isinstance(target, cst.Tuple) and isinstance(value, cst.Tuple) and len(target.elements) == len(value.elements):
        if all(isinstance(t.value, cst.Name) and isinstance(v.value, cst.List) and not v.value.elements
               for t, v in zip(target.elements, value.elements)):
            return {t.value.value for t in target.elements}
    return set()


def appended_in_order(node: cst.CSTNode) -> list[str]:
    """Names of lists `X.append(...)` is called on inside `node`, in the order of the code."""
    return [
        call.func.value.value for call in calls_in(node)
        if isinstance(call.func, cst.Attribute) and call.func.attr.value == "append" and isinstance(call.func.value, cst.Name)
    ]


def branch_lines(statement: cst.If) -> list[cst.BaseStatement]:
    """The statements of every branch of an if statement."""
    lines = list(statement.body.body)
    orelse = statement.orelse
    while orelse is not None:
        lines += orelse.body.body
        orelse = orelse.orelse if isinstance(orelse, cst.If) else None
    return lines


def appended(node: cst.CSTNode) -> set[str]:
    """Names of lists `X.append(...)` is called on inside `node`."""
    return {
        call.func.value.value for call in calls_in(node)
        if isinstance(call.func, cst.Attribute) and call.func.attr.value == "append" and isinstance(call.func.value, cst.Name)
    }


def attributes_named(node: cst.CSTNode, name: str) -> list[cst.Attribute]:
    """The `x.<name>` inside `node`."""
    return [attribute for attribute in descendants(node, cst.Attribute) if attribute.attr.value == name]


def descendant_ids(node: cst.CSTNode) -> set[int]:
    return {id(child) for child in descendants(node, cst.CSTNode)}


def calls_in(node: cst.CSTNode) -> list[cst.Call]:
    return descendants(node, cst.Call)


def names_bound(node: cst.CSTNode) -> set[str]:
    """The names `node` binds by assignment (`=`, `+=`, `:=`, a `for` target, `with ... as`),
    outside the functions, lambdas and comprehensions inside it, which have scopes of their own."""
    found: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, (cst.FunctionDef, cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp, cst.ClassDef)):
            continue
        targets = []
        if isinstance(current, cst.Assign):
            targets = [t.target for t in current.targets]
        elif isinstance(current, (cst.AugAssign, cst.AnnAssign, cst.NamedExpr)):
            targets = [current.target]
        elif isinstance(current, cst.For):
            targets = [current.target]
        elif isinstance(current, cst.AsName):
            targets = [current.name]
        for target in targets:
            found |= _target_names(target)
        stack.extend(children(current))
    return found


def _target_names(target: cst.CSTNode) -> set[str]:
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        return set().union(*(_target_names(e.value) for e in target.elements)) if target.elements else set()
    if isinstance(target, cst.StarredElement):
        return _target_names(target.value)
    return set()
