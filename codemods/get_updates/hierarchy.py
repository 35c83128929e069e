"""Keras 2 optimizers split over classes of one file: a base class of the project's own (`class
_Base(Optimizer)`, holding `__init__` and a helper that decays the learning rate) and subclasses
that define get_updates. They are migrated together or not at all: the base class's `__init__`
gives the learning rate (and its decay, as a schedule) to Keras 3's base class, and a subclass's
`self._decayed_lr()` is the `learning_rate` update_step is given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from optfix.analysis.tree import code
from optfix.rulekit.class_code import LEARNING_RATES, assignment_of, flat, is_docstring, is_self_attribute
from optfix.lazy import libcst as cst

if TYPE_CHECKING:
    from optfix.codemods.get_updates.migration import Migration


@dataclass
class Parent:
    """What a subclass's migration needs of its base class's."""

    node: cst.ClassDef
    hyper: dict[str, cst.BaseExpression] = field(default_factory=dict)
    dtypes: dict[str, cst.BaseExpression] = field(default_factory=dict)
    helpers: set[str] = field(default_factory=set)  # methods that return the decayed learning rate
    decays: bool = False  # its __init__ makes the learning rate a decay schedule


def methods_of(node: cst.ClassDef) -> dict[str, cst.FunctionDef]:
    return {s.name.value: s for s in node.body.body if isinstance(s, cst.FunctionDef)}


def subclasses(module: cst.Module, name: str) -> list[cst.ClassDef]:
    """The module-level classes of the module that derive from the class `name` by that name."""
    return [
        statement for statement in module.body
        if isinstance(statement, cst.ClassDef) and any(isinstance(a.value, cst.Name) and a.value.value == name for a in statement.bases)
    ]


def decay_helper(migration: Migration, method: cst.FunctionDef) -> bool:
    """`def _decayed_lr(self): lr = self.lr; if self.initial_decay > 0: lr = lr * ...; return lr`:
    Keras 2's time-based decay, which Keras 3 gives update_step as its learning rate."""
    from optfix.codemods.get_updates.hyperparameters import is_decay

    params = method.params
    if [p.name.value for p in params.params] != ["self"] or params.star_arg not in (None, cst.MaybeSentinel.DEFAULT) \
            or params.kwonly_params or params.star_kwarg or method.decorators:
        return False
    body = [s for s in method.body.body if not is_docstring(s)]
    if len(body) == 2:
        body = _with_local(body)
    if len(body) != 3 or not isinstance(body[1], cst.If):
        return False
    first, last = assignment_of(body[0]), body[2]
    if not (first and isinstance(first[0], cst.Name) and is_self_attribute(first[1], LEARNING_RATES)):
        return False
    if not (isinstance(last, cst.SimpleStatementLine) and len(last.body) == 1 and isinstance(last.body[0], cst.Return)
            and flat(last.body[0].value or cst.Name("None")) == first[0].value):
        return False
    return is_decay(migration, body[1])


def _with_local(body: list[cst.BaseStatement]) -> list[cst.BaseStatement]:
    """`if self.initial_decay > 0: return self.lr * d` then `return self.lr`, as the helper
    written with a local (`lr = self.lr; if ...: lr = lr * d; return lr`); else `body`."""
    test, rest = body
    if not (isinstance(test, cst.If) and test.orelse is None and len(test.body.body) == 1):
        return body
    decayed, plain = _returned(test.body.body[0]), _returned(rest)
    if not (isinstance(decayed, cst.BinaryOperation) and isinstance(decayed.operator, cst.Multiply)
            and plain is not None and is_self_attribute(plain, LEARNING_RATES) and flat(decayed.left) == flat(plain)):
        return body
    indent = "    "
    return [cst.parse_statement(f"lr = {code(plain)}\n"),
            cst.parse_statement(f"if {code(test.test)}:\n{indent}lr = lr * {code(decayed.right)}\n"),
            cst.parse_statement("return lr\n")]


def _returned(statement: cst.BaseStatement) -> cst.BaseExpression | None:
    if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1 and isinstance(statement.body[0], cst.Return):
        return statement.body[0].value
    return None


class HelperCalls(cst.CSTTransformer):
    """`self._decayed_lr()` -> `self.lr`, which update_step reads as its `learning_rate`."""

    def __init__(self, helpers: set[str]) -> None:
        super().__init__()
        self.helpers = helpers

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if not updated.args and is_self_attribute(updated.func, tuple(self.helpers)):
            return cst.parse_expression("self.lr")
        return updated
