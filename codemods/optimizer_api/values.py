"""Which expressions of a file hold optimizer objects, and of what kind, read from the code once.

An expression is an optimizer when it is built by a Keras optimizer class (or `optimizers.get`),
a LossScaleOptimizer, a class of the file derived from one, or a function of the file that returns
only such objects; a name whose scope binds it to nothing else; a parameter annotated with a
Keras optimizer class; an attribute (`self.opt`) the file assigns only optimizers, or an
attribute named `optimizer` (`model.optimizer`) the file never assigns. Names follow Python's
scoping: a method does not see its class's names, a nested function sees its parents'.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property

from optfix.analysis.tree import children, code, trivia
from optfix.knowledge.namespaces import keras_member
from optfix.knowledge.optimizer_api import LOSS_SCALE_CLASSES, WEIGHTS_ATTRIBUTES
from optfix.knowledge.runtime import OPTIMIZER_CLASSES
from optfix.knowledge.tf1 import TF1_GRAPH_APIS, TF1_OPTIMIZERS, tf1_class
from optfix.lazy import libcst as cst
from optfix.rulekit.optimizer_sites import OPTIMIZER_MODULES, FileNames, keras_optimizer_class

_MENTIONS_KERAS = re.compile(r"\b(?:tf_)?keras\b|\btensorflow\b")
# TF1 optimizer classes, and the TF1 base class or module (a wrapper of TF1 optimizers).
# The TF1 train module named without one of its members (`from tensorflow.compat.v1 import train`)
# counts; `tf.compat.v1.train.get_global_step()` does not.
_TF1_CLASSES = re.compile(r"\b(?:%s)\b|\bcompat\.v1\.train\b(?!\.)|\btrain\.Optimizer\b|\btraining import optimizer\b" % "|".join(TF1_OPTIMIZERS))
_DISTRIBUTE = re.compile(r"\bdistribute\b|\bexperimental_run_v2\b")
_ADDONS_OPTIMIZERS = "tensorflow_addons.optimizers."
# An imported class whose module path or name mentions Keras and whose name ends in Optimizer.
_FOREIGN_KERAS_CLASS = re.compile(r"(?i:keras)[\w.]*Optimizer$")
# Calls that scale a loss or unscale gradients: a function with one of them knows about loss scaling.
SCALING_METHODS = frozenset({"get_scaled_loss", "scale_loss", "get_unscaled_gradients"})


class Kind(Enum):
    PLAIN = "a Keras optimizer"  # built from a Keras optimizer class that does not scale losses
    LOSS_SCALE = "a LossScaleOptimizer"
    KERAS = "a Keras optimizer of a class not known here"  # `model.optimizer`: may scale losses
    TF1 = "a TF1 optimizer"
    # Built from a class of another package whose name says it is a Keras optimizer
    # (`dp_optimizer_keras.DPKerasSGDOptimizer`): its methods may do more than the built-ins', so
    # its calls are reported, never rewritten.
    FOREIGN = "a Keras optimizer of another package"
    UNKNOWN = "not known to be an optimizer"

    @property
    def keras(self) -> bool:
        return self in (Kind.PLAIN, Kind.LOSS_SCALE, Kind.KERAS)


def combine(kinds: list[Kind]) -> Kind:
    """The kind of a value that may be any of `kinds`."""
    found = set(kinds)
    if not found:
        return Kind.UNKNOWN
    if Kind.TF1 in found:
        return Kind.TF1  # tf1-optimizer's business wherever it may be one
    if Kind.FOREIGN in found:
        return Kind.FOREIGN
    if Kind.UNKNOWN in found:
        return Kind.UNKNOWN
    return found.pop() if len(found) == 1 else Kind.KERAS


@dataclass(eq=False)
class Scope:
    node: cst.CSTNode
    parent: Scope | None
    is_class: bool = False
    # name -> what each binding gives it: (value, scope it is evaluated in), or a Kind
    bindings: dict[str, list[tuple[cst.BaseExpression, Scope] | Kind]] = field(default_factory=dict)
    loads: dict[str, list[cst.Name]] = field(default_factory=dict)  # names read here
    inner: list[Scope] = field(default_factory=list)
    scales: bool = False  # a call here scales a loss or unscales gradients

    def function(self) -> Scope:
        """The innermost function (or the module) this scope is in."""
        scope = self
        while scope.is_class and scope.parent is not None:
            scope = scope.parent
        return scope


_FUNCTION_SCOPES = ("FunctionDef", "Lambda", "ListComp", "SetComp", "DictComp", "GeneratorExp")


class OptimizerValues:
    """The file read once: bindings per scope, attribute assignments, what functions return, and
    what the rule asks about a call (its scope, whether its value goes only to apply_gradients)."""

    def __init__(self, module: cst.Module, imports, text: str) -> None:
        self.imports = imports
        self.text = text
        self.attributes: dict[str, list[tuple[cst.BaseExpression, Scope] | Kind]] = {}
        self.returns: dict[str, list[tuple[cst.BaseExpression, Scope]]] = {}
        self.untrusted: set[str] = set()  # bound through global, nonlocal or :=
        self.scope_of: dict[int, Scope] = {}  # id(call or attribute node) -> its scope
        self.apply_only: set[int] = set()  # ids of Names and Calls whose value goes straight to apply_gradients
        self.calls: list[cst.Call] = []  # in the order of the walk
        self.class_names: set[str] = set()  # of the classes the file defines, as `ast` reads them
        self.root = Scope(module, None)
        self._trivia = trivia()  # whitespace and punctuation: no names in them
        self._walk(module, self.root)

    # -- what the file's text says, read when asked -------------------------------------------------

    @cached_property
    def local_classes(self):
        """The optimizer classes the file defines (read with `ast`: asked only for a name one of
        `class_names` may be)."""
        return FileNames.of(self.text, self.imports).classes

    @cached_property
    def keras_file(self) -> bool:
        return _MENTIONS_KERAS.search(self.text) is not None

    @cached_property
    def strategy(self) -> bool:
        """The file may run under a tf.distribute strategy: it names one (read as text, so that a
        strategy reached through any import counts)."""
        return self.keras_file and _DISTRIBUTE.search(self.text) is not None

    @cached_property
    def tf1_file(self) -> bool:
        """The file builds TF1 optimizers: one of unknown origin may be one of them."""
        return _TF1_CLASSES.search(self.text) is not None

    @cached_property
    def graph_node(self) -> cst.Call | None:
        """The first TF1 graph-mode API call of the file, if it has one."""
        return next((call for call in self.calls if self.imports.qualified_name(call.func) in TF1_GRAPH_APIS), None)

    # -- what an expression holds ----------------------------------------------------------------

    def kind(self, node: cst.BaseExpression, scope: Scope, seen: frozenset[str] = frozenset()) -> Kind:
        if isinstance(node, cst.Call):
            return self._constructed(node, scope, seen)
        if isinstance(node, cst.Name):
            if node.value in self.untrusted or node.value in seen:
                return Kind.UNKNOWN
            bindings = self._lookup(node.value, scope)
            if bindings is None:
                return Kind.UNKNOWN
            return combine([self._binding_kind(b, seen | {node.value}) for b in bindings])
        if isinstance(node, cst.Attribute):
            key = code(node)
            if key in seen:
                return Kind.UNKNOWN
            assigned = self.attributes.get(key)
            if assigned:
                return combine([self._binding_kind(b, seen | {key}) for b in assigned])
            if node.attr.value == "optimizer" and self.keras_file:
                return Kind.KERAS
        return Kind.UNKNOWN

    def _binding_kind(self, binding: tuple[cst.BaseExpression, Scope] | Kind, seen: frozenset[str]) -> Kind:
        if isinstance(binding, Kind):
            return binding
        value, scope = binding
        return self.kind(value, scope, seen)

    def _constructed(self, call: cst.Call, scope: Scope, seen: frozenset[str]) -> Kind:
        qualified = self.imports.resolved_name(call.func)
        member = keras_member(qualified)
        if member is not None:
            if member in LOSS_SCALE_CLASSES:
                return Kind.LOSS_SCALE
            module, _, name = member.rpartition(".")
            if module in OPTIMIZER_MODULES and name in OPTIMIZER_CLASSES:
                return Kind.PLAIN
            if member == "optimizers.get":
                return Kind.PLAIN
            if member == "optimizers.deserialize":
                return Kind.KERAS
            return Kind.UNKNOWN
        if tf1_class(qualified) in TF1_OPTIMIZERS:
            return Kind.TF1
        if qualified and qualified.startswith(_ADDONS_OPTIMIZERS):
            return Kind.PLAIN
        if qualified and _FOREIGN_KERAS_CLASS.search(qualified):
            return Kind.FOREIGN
        if isinstance(call.func, cst.Name) and qualified is None:
            name = call.func.value
            if _normalized(name) in self.class_names and name in self.local_classes:
                return Kind.PLAIN
            if name in self.returns and f"{name}()" not in seen:
                return combine([self.kind(value, where, seen | {f"{name}()"}) for value, where in self.returns[name]])
        return Kind.UNKNOWN

    def annotation_kind(self, annotation: cst.BaseExpression) -> Kind:
        qualified = self.imports.resolved_name(annotation)
        member = keras_member(qualified)
        if member in LOSS_SCALE_CLASSES:
            return Kind.LOSS_SCALE
        name = keras_optimizer_class(qualified)
        if name is None:
            return Kind.UNKNOWN
        return Kind.KERAS if name == "Optimizer" else Kind.PLAIN

    def holds(self, node: cst.BaseExpression, scope: Scope) -> str:
        """What a name holds, as far as its scope's bindings tell: "function" where they are all
        defs or lambdas, "value" where one assigns anything else, "unknown" otherwise (a
        parameter, a loop target, nothing in the file, not a name)."""
        bindings = self._lookup(node.value, scope) if isinstance(node, cst.Name) else None
        if not bindings or node.value in self.untrusted:
            return "unknown"
        if any(not isinstance(b, Kind) and not isinstance(b[0], (cst.FunctionDef, cst.Lambda)) for b in bindings):
            return "value"
        return "function" if all(not isinstance(b, Kind) for b in bindings) else "unknown"

    def binding_scope(self, name: str, scope: Scope) -> Scope | None:
        """The scope whose bindings `name`, read in `scope`, refers to (None where none binds it)."""
        innermost = scope
        while scope is not None:
            if (scope is innermost or not scope.is_class) and name in scope.bindings:
                return scope
            scope = scope.parent
        return None

    def factory_base(self, scope: Scope) -> str | None:
        """The parameter that the class around `scope` derives from, where that class is made by
        a function from the class it is given (`def make(cls): class Wrapped(cls): ...`)."""
        while scope is not None and not scope.is_class:
            scope = scope.parent
        if scope is None or scope.parent is None or not isinstance(scope.node, cst.ClassDef):
            return None
        maker = scope.parent.function().node
        if not isinstance(maker, cst.FunctionDef):
            return None
        parameters = {param.name.value for param in (*maker.params.posonly_params, *maker.params.params)}
        for base in scope.node.bases:
            if base.keyword is None and isinstance(base.value, cst.Name) and base.value.value in parameters:
                return base.value.value
        return None

    def _lookup(self, name: str, scope: Scope):
        innermost = scope
        while scope is not None:
            if (scope is innermost or not scope.is_class) and name in scope.bindings:
                return scope.bindings[name]
            scope = scope.parent
        return None

    # -- what the rule asks --------------------------------------------------------------------

    def reads_go_only_to_apply(self, name: str, scope: Scope, besides: cst.CSTNode) -> bool:
        """Whether every read of `name` in the function `scope` (and the functions inside it),
        but the one `besides`, gives it straight to apply_gradients(zip(name, ...))."""
        pending = [scope.function()]
        while pending:
            current = pending.pop()
            if any(id(read) not in self.apply_only and read is not besides for read in current.loads.get(name, ())):
                return False
            pending += current.inner
        return True

    def scales_nearby(self, scope: Scope) -> bool:
        """Whether the function of `scope`, or one around it, scales a loss or unscales gradients."""
        current = scope
        while current is not None:
            if current.scales:
                return True
            current = current.parent
        return False

    # -- the walk ----------------------------------------------------------------------------------

    def _bind(self, scope: Scope, target: cst.CSTNode | None, value) -> None:
        if isinstance(target, cst.Name):
            scope.bindings.setdefault(target.value, []).append(value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind(scope, element.value, Kind.UNKNOWN)
        elif isinstance(target, cst.StarredElement):
            self._bind(scope, target.value, Kind.UNKNOWN)
        elif isinstance(target, cst.Attribute):
            self.attributes.setdefault(code(target), []).append(value)

    def _walk(self, node: cst.CSTNode, scope: Scope) -> None:
        kind = type(node)
        if kind is cst.Assign:
            for target in node.targets:
                self._bind(scope, target.target, (node.value, scope))
                self._walk_target(target.target, scope)
            self._walk(node.value, scope)
            return
        if kind is cst.AnnAssign:
            self._bind(scope, node.target, (node.value, scope) if node.value is not None else Kind.UNKNOWN)
            self._walk_target(node.target, scope)
            for part in (node.annotation, node.value):
                if part is not None:
                    self._walk(part, scope)
            return
        if kind in (cst.For, cst.CompFor):
            self._bind(scope, node.target, Kind.UNKNOWN)
        elif kind is cst.AugAssign:
            self._bind(scope, node.target, Kind.UNKNOWN)  # and its target is read: walked below
        elif kind is cst.WithItem and node.asname is not None:
            self._bind(scope, node.asname.name, Kind.UNKNOWN)
            self._walk(node.item, scope)
            self._walk_target(node.asname.name, scope)
            return
        elif kind is cst.ExceptHandler and node.name is not None:
            self._bind(scope, node.name.name, Kind.UNKNOWN)
        elif kind is cst.FunctionDef:
            self._bind(scope, node.name, (node, scope))
        elif kind is cst.ClassDef:
            self._bind(scope, node.name, Kind.UNKNOWN)
            self.class_names.add(_normalized(node.name.value))
        elif kind is cst.ImportAlias:
            bound = node.asname.name if node.asname is not None else node.name
            while isinstance(bound, cst.Attribute):
                bound = bound.value
            self._bind(scope, bound, Kind.UNKNOWN)
            return
        elif kind is cst.NamedExpr and isinstance(node.target, cst.Name):
            self.untrusted.add(node.target.value)
        elif kind in (cst.Global, cst.Nonlocal):
            self.untrusted.update(item.name.value for item in node.names)
        elif kind is cst.Return and node.value is not None:
            function = scope.function().node
            if isinstance(function, cst.FunctionDef):
                self.returns.setdefault(function.name.value, []).append((node.value, scope))
        elif kind is cst.Call:
            self._call(node, scope)
        elif kind is cst.Attribute:
            if node.attr.value in WEIGHTS_ATTRIBUTES:
                self.scope_of[id(node)] = scope
            self._walk(node.value, scope)  # its attribute name is not a read
            return
        elif kind is cst.Arg:
            self._walk(node.value, scope)  # nor its keyword
            return
        elif kind is cst.Name:
            scope.loads.setdefault(node.value, []).append(node)
            return
        if kind.__name__ in _FUNCTION_SCOPES or kind is cst.ClassDef:
            self._enter(node, scope)
            return
        for child in children(node):
            if type(child) in self._trivia:
                continue
            if kind in (cst.For, cst.CompFor) and child is node.target:
                self._walk_target(child, scope)
            else:
                self._walk(child, scope)

    def _walk_target(self, target: cst.BaseExpression, scope: Scope) -> None:
        """An assignment target: the names it binds are not reads, what `a.b` or `a[i]` reads is."""
        if isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._walk_target(element.value, scope)
        elif isinstance(target, cst.StarredElement):
            self._walk_target(target.value, scope)
        elif not isinstance(target, cst.Name):
            self._walk(target, scope)

    def _enter(self, node: cst.CSTNode, scope: Scope) -> None:
        """A function, lambda, comprehension or class: what it evaluates outside, then its body in
        a scope of its own."""
        inner = Scope(node, scope, is_class=type(node) is cst.ClassDef)
        scope.inner.append(inner)
        if type(node) in (cst.FunctionDef, cst.Lambda):
            params = node.params
            for param in (*params.posonly_params, *params.params, *params.kwonly_params, params.star_arg, params.star_kwarg):
                if isinstance(param, cst.Param):
                    annotation = param.annotation
                    kind = self.annotation_kind(annotation.annotation) if annotation is not None else Kind.UNKNOWN
                    self._bind(inner, param.name, kind)
                    for part in (param.default, annotation.annotation if annotation is not None else None):
                        if part is not None:
                            self._walk(part, scope)
            for decorator in getattr(node, "decorators", ()):
                self._walk(decorator.decorator, scope)
            self._walk(node.body, inner)
            return
        if type(node) is cst.ClassDef:
            for part in (*node.bases, *node.keywords, *node.decorators):
                self._walk(part, scope)
            self._walk(node.body, inner)
            return
        for child in children(node):
            if type(child) not in self._trivia:
                self._walk(child, inner)

    def _call(self, node: cst.Call, scope: Scope) -> None:
        self.scope_of[id(node)] = scope
        self.calls.append(node)
        if not isinstance(node.func, cst.Attribute):
            return
        method = node.func.attr.value
        if method in SCALING_METHODS:
            scope.function().scales = True
        if method == "apply_gradients" and node.args:
            first = node.args[0]
            if first.keyword is None or first.keyword.value == "grads_and_vars":
                self._note_apply_argument(first.value)

    def _note_apply_argument(self, value: cst.BaseExpression) -> None:
        """`zip(grads, ...)`, or `list(zip(grads, ...))`: `grads` goes straight to apply_gradients."""
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and value.func.value in ("list", "tuple") and len(value.args) == 1:
            value = value.args[0].value
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and value.func.value == "zip" and value.args:
            first = value.args[0].value
            if isinstance(first, (cst.Name, cst.Call)):
                self.apply_only.add(id(first))


def _normalized(identifier: str) -> str:
    """An identifier as `ast` reads it (NFKC)."""
    return identifier if identifier.isascii() else unicodedata.normalize("NFKC", identifier)
