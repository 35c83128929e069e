"""Reading the code of an optimizer class in libcst: its statements, one-target assignments,
`self.` attributes, calls of the base class, and the names it reads. Shared by the rules that
rewrite a legacy optimizer class whole (get-updates, optimizer-v2)."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from optfix.lazy import libcst as cst
from optfix.analysis.project_imports import parsed_module
from optfix.analysis.project_users import uses
from optfix.analysis.tree import code, descendants, reads

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


def keras2_api_class(module: cst.Module, node: cst.ClassDef, path: Path | None = None) -> bool:
    """Whether a class is written against Keras 2.2's optimizer API (get_updates): it defines
    get_updates, or a class of the module (or, given the module's `path`, of another module of the
    project) derives from it and does (a base class holding `__init__` and a `_decayed_lr`
    helper). Rule get-updates migrates such classes together, or says why it cannot; the other
    rules leave them to it."""
    def defines(cls: cst.ClassDef) -> bool:
        return any(isinstance(s, cst.FunctionDef) and s.name.value == "get_updates" for s in cls.body.body)

    return defines(node) or any(
        isinstance(s, cst.ClassDef) and defines(s) and any(isinstance(a.value, cst.Name) and a.value.value == node.name.value for a in s.bases)
        for s in module.body
    ) or path is not None and not _updates_itself(node) and _get_updates_subclass_elsewhere(path, node.name.value)


def _updates_itself(node: cst.ClassDef) -> bool:
    """A class that makes updates on tf.keras 2's API itself: no Keras 2.2 base class of another
    module (which holds `__init__` and helpers); the project is not searched for its subclasses."""
    return any(isinstance(s, cst.FunctionDef) and s.name.value in ("_resource_apply_dense", "_create_slots", "_resource_apply_sparse")
               for s in node.body.body)


def _get_updates_subclass_elsewhere(path: Path, name: str) -> bool:
    """Whether a class of another module of the project derives from the class `name` of the
    module at `path` and defines get_updates."""
    for use in uses(path, name, containing="get_updates"):
        tree = parsed_module(use.path) if use.kind == "subclass" else None
        if tree is not None and not isinstance(tree, str) and any(
                isinstance(n, ast.ClassDef) and n.lineno == use.line and any(isinstance(f, ast.FunctionDef) and f.name == "get_updates" for f in n.body)
                for n in ast.walk(tree)):
            return True
    return False


def get_updates_family(module: cst.Module, node: cst.ClassDef) -> list[str]:
    """The classes of the module that define Keras 2.2's get_updates and make `node` a Keras 2.2
    optimizer class (`node` itself, or its subclasses by name), where it is not Keras 3's already
    (it defines no update_step): what rule get-updates migrates, [] for any other class."""
    def defines(cls: cst.ClassDef) -> bool:
        return any(isinstance(s, cst.FunctionDef) and s.name.value == "get_updates" for s in cls.body.body)

    if any(isinstance(s, cst.FunctionDef) and s.name.value == "update_step" for s in node.body.body):
        return []
    if defines(node):
        return [node.name.value]
    return [
        s.name.value for s in module.body
        if isinstance(s, cst.ClassDef) and defines(s) and any(isinstance(a.value, cst.Name) and a.value.value == node.name.value for a in s.bases)
    ]


def unmigrated_get_updates_class(node: cst.ClassDef, family: list[str]) -> str:
    """The finding for a Keras 2.2 optimizer class (see `get_updates_family`) where rule
    get-updates, which migrates it, does not run."""
    where = "" if family == [node.name.value] else f" in its subclass {', '.join(family)}"
    return (f"{node.name.value} is written against Keras 2.2's optimizer API (get_updates{where}), which Keras 3's "
            "optimizers neither have nor call: rule get-updates migrates it (it did not run here), or port it to "
            "build(var_list) and update_step(gradient, variable, learning_rate)")


def names_in(node: cst.CSTNode) -> set[str]:
    """Every name in `node` but attributes' names: what it reads, and keywords and imported names too."""
    return {name.value for name in reads(node, every_name=True)}


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


def attributes_named(node: cst.CSTNode, name: str) -> list[cst.Attribute]:
    """The `x.<name>` inside `node`."""
    return [attribute for attribute in descendants(node, cst.Attribute) if attribute.attr.value == name]


def descendant_ids(node: cst.CSTNode) -> set[int]:
    return {id(child) for child in descendants(node, cst.CSTNode)}


def calls_in(node: cst.CSTNode) -> list[cst.Call]:
    return descendants(node, cst.Call)


def only_adjusts_the_list(method: cst.FunctionDef) -> bool:
    """`set_weights(self, weights)` that only rebinds local names (padding or trimming the list,
    reading len() and self.weights) and then hands its list to the base class's set_weights."""
    params = method.params
    plain = [p.name.value for p in params.params]
    if len(plain) != 2 or plain[0] != "self" or params.kwonly_params or params.star_kwarg or isinstance(params.star_arg, cst.Param):
        return False
    *adjusting, last = [s for s in method.body.body if not is_docstring(s)] or [None]
    small = last.body[0] if isinstance(last, cst.SimpleStatementLine) and len(last.body) == 1 else None
    handed = small.value if isinstance(small, (cst.Expr, cst.Return)) else None
    return (
        isinstance(handed, cst.Call) and is_super_call(handed, "set_weights")
        and [flat(arg) for arg in handed.args] == [plain[1]]
        and all(_rebinds_locals(statement) for statement in adjusting)
    )


def _rebinds_locals(statement: cst.CSTNode) -> bool:
    """An assignment to a plain name computed without calls beyond len() and array makers, or an
    if statement of such assignments."""
    if isinstance(statement, cst.If):
        orelse = statement.orelse
        blocks = [statement.body] + ([orelse.body] if isinstance(orelse, cst.Else) else [])
        return (
            all(isinstance(block, cst.IndentedBlock) for block in blocks) and _harmless(statement.test)
            and all(_rebinds_locals(line) for block in blocks for line in block.body)
            and (not isinstance(orelse, cst.If) or _rebinds_locals(orelse))  # elif
        )
    assignment = assignment_of(statement)
    return assignment is not None and isinstance(assignment[0], cst.Name) and _harmless(assignment[1])


def _harmless(expression: cst.BaseExpression) -> bool:
    return all(flat(call.func).split(".")[-1] in ("len", "int", "list", "array", "asarray") for call in calls_in(expression))
