"""A Keras 2 optimizer class (`get_updates`) migrated whole to Keras 3, or the problems that keep it from being."""

from __future__ import annotations

from dataclasses import dataclass, field

from optfix.analysis.tree import code
from optfix.codemods.get_updates.backend_calls import BackendCalls
from optfix.codemods.get_updates.bound_names import unbound_reads
from optfix.rulekit.class_code import only_adjusts_the_list
from optfix.codemods.get_updates.class_code import unwrap_with
from optfix.rulekit.class_code import (
    LEARNING_RATES,
    Problem,
    assignment_of,
    attributes_named,
    calls_in,
    descendant_ids,
    is_self_attribute,
)
from optfix.codemods.get_updates.get_config import migrated_get_config
from optfix.codemods.get_updates.hierarchy import HelperCalls, Parent, decay_helper
from optfix.codemods.get_updates.hyperparameters import hyperparameters, migrated_init
from optfix.codemods.get_updates.split import split_get_updates
from optfix.knowledge import backend as facts
from optfix.knowledge.namespaces import keras_member
from optfix.lazy import libcst as cst
from optfix.rulekit.rule import FileContext


@dataclass
class Names:
    """How the migrated code reaches Keras 3, in the file's terms."""

    ops: str  # `ops` or `keras.ops`
    keras: str  # the expression for the `keras` package


@dataclass
class Migration:
    """One class's migration; `problems` says why it cannot be, if it cannot."""

    file: FileContext
    node: cst.ClassDef
    names: Names
    problems: list[Problem] = field(default_factory=list)
    reviews: list[Problem] = field(default_factory=list)  # migrated, but a person should look here
    slots: set[str] = field(default_factory=set)  # slot lists, attributes of the same names in Keras 3
    decay: cst.BaseExpression | None = None  # the decay rate, where get_updates decayed lr
    hyper: dict[str, cst.BaseExpression] = field(default_factory=dict)  # K.variable attributes of __init__
    dtypes: dict[str, cst.BaseExpression] = field(default_factory=dict)  # the dtype= given to those K.variable calls
    state: dict[str, cst.BaseExpression] = field(default_factory=dict)  # those updated once per step
    weights: list[tuple[cst.BaseStatement, list[str] | None]] = field(default_factory=list)  # `self.weights = ...`, its order
    global_norm: bool = False  # its Keras 2 base class clipped the global norm for clipnorm (standalone Keras)
    unclipped: bool = False  # get_updates took K.gradients(), which no clipnorm or clipvalue clipped
    parent: Parent | None = None  # the base class of the file's own it derives from, migrated with it
    helpers: set[str] = field(default_factory=set)  # of a base class: its methods that decayed the learning rate
    weights_in_loop: bool = False  # the loop over the parameters lists the slots it makes in self.weights, as it makes them

    def problem(self, node: cst.CSTNode, message: str) -> None:
        self.problems.append(Problem(node, message))

    def located_problems(self) -> list[Problem]:
        """The problems, each at a node of the original class (a translated piece of code is
        located at the statement of the class it came from, or at the class)."""
        originals = descendant_ids(self.node)
        located = [problem if id(problem.node) in originals else Problem(self.node, problem.message) for problem in self.problems]
        return list({(id(problem.node), problem.message): problem for problem in located}.values())

    def backend(self, node: cst.CSTNode) -> str | None:
        """`sqrt` for `K.sqrt` where K is a Keras 2 backend module, through the imports."""
        member = keras_member(self.file.imports.qualified_name(node)) or ""
        if member.startswith("backend."):
            return member[len("backend."):]
        return None

    def is_graph_only(self, node: cst.BaseExpression) -> bool:
        return isinstance(node, cst.Call) and self.backend(node.func) in facts.GRAPH_ONLY

    def makes_state(self, value: cst.BaseExpression) -> bool:
        """Whether the expression calls a backend function that makes a variable."""
        return any(self.backend(call.func) in facts.STATE for call in calls_in(value))

    def method(self, signature: str, opening: list[str], body: list[cst.BaseStatement]) -> cst.FunctionDef:
        """`def <signature>:` in the file's indentation, its `opening` lines (code) then `body`."""
        indent = self.file.module.default_indent
        lines = "".join(indent + line.replace("\n", "\n" + indent) + "\n" for line in opening)
        method = cst.parse_statement(f"def {signature}:\n{lines}", config=self.file.module.config_for_parsing)
        return method.with_changes(body=method.body.with_changes(body=[*method.body.body, *body]))

    def run(self) -> cst.ClassDef | None:
        """The Keras 3 class; None where something in it cannot be migrated (`problems` says what).
        A class without get_updates is a base class of the file's own: its __init__ is migrated
        and its helpers that decayed the learning rate go."""
        methods = {
            statement.name.value: statement
            for statement in self.node.body.body
            if isinstance(statement, cst.FunctionDef)
        }
        overridden = {
            "get_gradients": "Keras 3 optimizers have no such method to override",
            "get_weights": "Keras 3 optimizers have no such method to override (their state is optimizer.variables)",
            "set_weights": "Keras 3's set_weights() sets optimizer.variables, which begin with the base class's iterations and "
                           "learning rate, not the legacy self.weights: an override written for that list does not carry over",
        }
        dropped = methods.get("set_weights")
        if dropped is not None and only_adjusts_the_list(dropped):
            del methods["set_weights"]
            self.reviews.append(Problem(dropped, "set_weights() override removed: it only reshaped a list in the legacy self.weights "
                                                 "layout (such as an old checkpoint without the step counter) before the base class's "
                                                 "set_weights(); Keras 3's takes optimizer.variables (iterations, learning rate, then "
                                                 "the slots), which a legacy list fits neither way"))
        else:
            dropped = None
        for name, why in overridden.items():
            if name in methods:
                self.problem(methods[name], f"{name}() is overridden: {why}; move its logic by hand")
        for name, method in methods.items():
            if name not in ("__init__", "get_updates", *overridden):
                for call in calls_in(method):
                    if self.parent and is_self_attribute(call.func, tuple(self.parent.helpers)):
                        self.problem(call, f"{name}() calls {code(call.func)}(), which the migrated base class no longer has")
                for node in attributes_named(method, "weights") + attributes_named(method, "updates"):
                    if is_self_attribute(node):
                        instead = ("their state is optimizer.variables: the base class's iterations and learning rate, then the slots"
                                   if node.attr.value == "weights" else "they make their updates in apply()")
                        self.problem(node, f"{name}() reads {code(node)}, which Keras 3 optimizers do not have ({instead})")
        init = methods.get("__init__")
        updates = methods.get("get_updates")  # none in a base class of the file's own
        if init is None and self.parent is None:
            self.problem(self.node, "no __init__: optfix needs it to give Keras 3 the learning rate")
            return None
        if self.parent is not None:
            self.hyper, self.dtypes = dict(self.parent.hyper), dict(self.parent.dtypes)
        if init is not None:
            self.hyper.update(hyperparameters(self, init))
        if updates is None:
            self.helpers = {name for name, method in methods.items() if decay_helper(self, method)}
            update_methods = []
        else:
            helpers = self.parent.helpers if self.parent else set()
            update_methods = split_get_updates(self, updates.visit(HelperCalls(helpers)) if helpers else updates)
        self._report_rate_reads(methods, ("__init__", "get_updates", "get_config", *overridden, *self.helpers))
        if self.problems or update_methods is None:
            return None
        body = []
        for statement in self.node.body.body:
            if statement is dropped or isinstance(statement, cst.FunctionDef) and statement.name.value in self.helpers:
                continue
            if statement is init:
                body.append(migrated_init(self, init))
            elif statement is updates:
                body += update_methods
            elif statement is methods.get("get_config"):
                body.append(migrated_get_config(self, statement))
            else:
                body.append(statement.visit(BackendCalls(self)))
        if self.problems:
            return None
        migrated = self.node.with_changes(body=self.node.body.with_changes(body=body))
        owned = {name: f"{name}_" for name in self._assigned_attributes(init) & facts.BASE_ATTRIBUTES}
        migrated = migrated.visit(_Rename(owned)) if owned else migrated
        self.problems += unbound_reads(self.node, migrated)
        return None if self.problems else migrated

    def _report_rate_reads(self, methods: dict[str, cst.FunctionDef], migrated: tuple[str, ...]) -> None:
        """A method kept as it is that reads the learning rate's variable (a helper decaying it
        that optfix does not recognize): Keras 3's base class holds the rate, not that attribute
        (`learning_rate` it has, as a property, which a Keras 2.3 `lr` property may return)."""
        rates = tuple(name for name in LEARNING_RATES if name in self.hyper and name != "learning_rate" and name not in methods)
        for name, method in methods.items():
            if name not in migrated:
                for node in (n for rate in rates for n in attributes_named(method, rate) if is_self_attribute(n)):
                    self.problem(node, f"{name}() reads {code(node)}, which the migrated class does not keep (Keras 3's base "
                                       "class holds the learning rate, and gives update_step its value as learning_rate): "
                                       "read the learning_rate argument of update_step instead")

    def as_parent(self) -> Parent:
        """What the subclasses' migrations need of this (base class's) migration, once run."""
        return Parent(self.node, dict(self.hyper), dict(self.dtypes), set(self.helpers), self.decay is not None)

    def _assigned_attributes(self, init: cst.FunctionDef | None) -> set[str]:
        if init is None:
            return set()
        return {
            assignment[0].attr.value
            for statement in unwrap_with(init.body.body, self.is_graph_only)
            if (assignment := assignment_of(statement)) and is_self_attribute(assignment[0])
        }


class _Rename(cst.CSTTransformer):
    """`self.<old>` -> `self.<new>`."""

    def __init__(self, names: dict[str, str]) -> None:
        super().__init__()
        self.names = names

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.Attribute:
        if is_self_attribute(original, tuple(self.names)):
            return updated.with_changes(attr=cst.Name(self.names[original.attr.value]))
        return updated

