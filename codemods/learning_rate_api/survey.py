"""Which names read as an optimizer's base (`opt` of `opt.lr`) stand for a Keras optimizer, by
Python's scoping rules."""

from __future__ import annotations

from collections.abc import Callable

from optfix.analysis.tree import children
from optfix.codemods.learning_rate_api.watched import ATTRIBUTE_FUNCTIONS, WATCHED
from optfix.lazy import libcst as cst


class _Scope:
    def __init__(self, parent: _Scope | None, is_class: bool = False) -> None:
        self.parent, self.is_class = parent, is_class
        self.bindings: dict[str, list[cst.BaseExpression | None]] = {}  # name -> values bound (None: not an assignment)


class Survey:
    """What each name read as an optimizer's base stands for, by Python's scoping rules: trusted
    only if the scope that binds it assigns it nothing but values `is_optimizer` accepts."""

    def __init__(self, is_optimizer: Callable[[cst.BaseExpression], bool]) -> None:
        self.is_optimizer = is_optimizer
        self.uses: list[tuple[cst.Name, _Scope]] = []
        self.untrusted: set[str] = set()  # bound through `global`, `nonlocal` or `:=`
        self.binds_target = {cst.AugAssign, cst.For, cst.CompFor, cst.Del}
        self.binds_name = {cst.AsName, cst.Param, cst.FunctionDef, cst.ClassDef, cst.MatchAs, cst.MatchStar}
        self.function_scopes = {cst.FunctionDef, cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp}

    def run(self, module: cst.Module) -> dict[int, bool]:
        self._walk(module, _Scope(None))
        return {id(name): self._resolve(name.value, scope) for name, scope in self.uses}

    def _resolve(self, name: str, scope: _Scope) -> bool:
        innermost = scope
        while scope is not None:
            if (scope is innermost or not scope.is_class) and name in scope.bindings:
                values = scope.bindings[name]
                return name not in self.untrusted and all(
                    value is not None and self.is_optimizer(value) for value in values
                )
            scope = scope.parent
        return False

    def _bind(self, scope: _Scope, target: cst.CSTNode | None, value: cst.BaseExpression | None = None) -> None:
        if isinstance(target, cst.Name):
            scope.bindings.setdefault(target.value, []).append(value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind(scope, element.value)
        elif isinstance(target, cst.StarredElement):
            self._bind(scope, target.value)

    def _walk(self, node: cst.CSTNode, scope: _Scope) -> None:
        # by exact type, not isinstance(): libcst's node classes are abstract-base-class checks, and
        # this runs on every node of the file
        kind = type(node)
        if kind is cst.Assign:
            for target in node.targets:
                self._bind(scope, target.target, node.value)
        elif kind is cst.AnnAssign:
            self._bind(scope, node.target, node.value)
        elif kind in self.binds_target:
            self._bind(scope, node.target)
        elif kind in self.binds_name:
            self._bind(scope, node.name)
        elif kind is cst.MatchMapping:
            self._bind(scope, node.rest)
        elif kind is cst.ImportAlias and node.asname is None:
            head = node.name
            while isinstance(head, cst.Attribute):
                head = head.value
            self._bind(scope, head)
        elif kind is cst.NamedExpr and isinstance(node.target, cst.Name):
            self.untrusted.add(node.target.value)
        elif kind is cst.Global or kind is cst.Nonlocal:
            self.untrusted.update(item.name.value for item in node.names)
        elif kind is cst.Attribute and node.attr.value in WATCHED and isinstance(node.value, cst.Name):
            self.uses.append((node.value, scope))
        elif kind is cst.Call and isinstance(node.func, cst.Name) and node.func.value in ATTRIBUTE_FUNCTIONS:
            if node.args and isinstance(node.args[0].value, cst.Name):
                self.uses.append((node.args[0].value, scope))
        if kind in self.function_scopes:
            scope = _Scope(scope)
        elif kind is cst.ClassDef:
            scope = _Scope(scope, is_class=True)
        for child in children(node):
            self._walk(child, scope)


def optimizer_functions(module: cst.Module, is_optimizer: Callable[[cst.BaseExpression], bool]) -> frozenset[str]:
    """The names of the file's functions and methods that return a value, and only values that
    `is_optimizer` accepts (`def _optimizer(self): return self.model.optimizer`)."""
    found = set()
    stack: list[cst.CSTNode] = [module]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.FunctionDef):
            values = [ret.value for ret in _returns(node.body)]
            if values and all(value is not None and is_optimizer(value) for value in values):
                found.add(node.name.value)
        stack.extend(children(node))
    return frozenset(found)


def _returns(node: cst.CSTNode) -> list[cst.Return]:
    """The return statements of a function body, not of the functions nested in it."""
    found, stack = [], [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Return):
            found.append(current)
        elif not isinstance(current, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            stack.extend(children(current))
    return found
