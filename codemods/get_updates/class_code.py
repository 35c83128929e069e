"""Reading the code of a Keras 2 optimizer class in libcst: the lists `get_updates` fills and the
graph-only blocks it wraps them in. The readings every optimizer-class rule shares live in
optfix.rulekit.class_code."""

from __future__ import annotations

import keyword

from optfix.lazy import libcst as cst
from optfix.analysis.tree import children
from optfix.rulekit.class_code import assignment_of, calls_in


def unwrap_with(statements, is_graph_only) -> list:
    """Statements with `with K.name_scope(...):` blocks replaced by their bodies."""
    result = []
    for statement in statements:
        if isinstance(statement, cst.With) and all(is_graph_only(item.item) for item in statement.items):
            result += unwrap_with(statement.body.body, is_graph_only)
        else:
            result.append(statement)
    return result


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


def free_name(name: str, taken: set[str]) -> str:
    """`name`, or `name_`, `name__`, ...: the first that is neither taken nor a keyword
    (a slot `a` made in a loop gives the list `as`)."""
    while name in taken or keyword.iskeyword(name):
        name += "_"
    return name


def registry(imports, keras: str) -> str:
    """The module of `<keras>.<module>.register_keras_serializable`: `saving`, or `utils` where the
    name is tensorflow's keras, whose Keras 3 namespace (keras._tf_keras.keras) does not import
    `saving` (it has `utils.register_keras_serializable`, the same function)."""
    return "utils" if imports.bindings.get(keras, "keras").startswith("tensorflow") else "saving"
