"""Where TF1 optimizer objects go in a file, so that a constructor is rewritten only when the
Keras 3 optimizer can serve everything its object reaches."""

from __future__ import annotations

import libcst as cst

from optfix.analysis.tree import code
from optfix.knowledge.namespaces import keras_member
from optfix.knowledge.tf1 import (
    APPLY_GRADIENTS_LEGACY_ARGS,
    KERAS_AWARE_TF_APIS,
    TF1_BASE_CLASS,
    TF1_GRAPH_APIS,
    TF1_GRAPH_METHODS,
    TF1_OPTIMIZERS,
    TF1_SCHEDULES,
    UNSUPPORTED_METHODS,
    WRAPPERS,
    tf1_class,
)


class OptimizerFlows(cst.CSTVisitor):
    """Finds TF1 optimizer objects that reach what a Keras 3 optimizer cannot serve, so their
    constructors stay TF1, and reports the unsupported calls.

    Followed: a name within its function, an attribute (`self.opt`) within the file, and one step
    into a function of the file whose parameter reaches such a use (`_make_sync(opt)`)."""

    def __init__(self, rule) -> None:
        super().__init__()
        self.rule = rule
        self.imports = rule.file.imports
        self.scopes: list[cst.CSTNode] = [rule.file.module]
        self.assigned: dict[tuple, cst.Call] = {}
        self.uses: list[tuple[tuple, cst.Call, str, str]] = []
        self.blocked: dict[int, str] = {}
        self.parameters: dict[str, list[str]] = {}  # local function -> its parameter names
        self.sinks: dict[str, dict[str, str]] = {}  # local function -> parameter -> why
        self.local_calls: list[tuple[cst.Call, tuple | None, list[tuple[str | None, cst.BaseExpression, tuple | None]]]] = []
        self.tensors: dict[tuple, str] = {}  # key -> the TensorFlow API whose result it holds
        self.returned: dict[str, list[cst.BaseExpression | tuple]] = {}  # local function -> constructors or keys it returns
        self.results: dict[tuple, str] = {}  # key -> the local function whose result it holds
        self.constructor_args: list[tuple[cst.Call, list[tuple[cst.BaseExpression, tuple | None]]]] = []
        self.graph_api = ""
        self.graph_node: cst.CSTNode | None = None
        self.escape_reason = ""

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        params = node.params
        self.parameters[node.name.value] = [p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)]
        self.scopes.append(node)

    def leave_FunctionDef(self, original: cst.FunctionDef) -> None:
        self.scopes.pop()

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) != 1:
            return
        key = self._key(node.targets[0].target)
        if key is None:
            return
        if self._is_constructor(node.value):
            self.assigned[key] = node.value
        elif (api := self._tensorflow_call(node.value)) is not None:
            self.tensors[key] = api
        elif isinstance(node.value, cst.Call) and isinstance(node.value.func, cst.Name) and self.imports.qualified_name(node.value.func) is None:
            self.results[key] = node.value.func.value

    def visit_Return(self, node: cst.Return) -> None:
        function = self.scopes[-1]
        if isinstance(function, cst.FunctionDef) and node.value is not None:
            value = node.value if self._is_constructor(node.value) else self._key(node.value)
            if value is not None:
                self.returned.setdefault(function.name.value, []).append(value)

    def visit_Lambda(self, node: cst.Lambda) -> None:
        if self._is_constructor(node.body):  # `lambda lr: tf.train.MomentumOptimizer(lr, 0.9)` returns it
            self.returned.setdefault("<lambda>", []).append(node.body)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        for base in node.bases:
            if not self.graph_api and tf1_class(self.imports.qualified_name(base.value)) == TF1_BASE_CLASS:
                self._graph_evidence(base, "a subclass of tf.compat.v1.train.Optimizer")

    def _tensorflow_call(self, node: cst.BaseExpression) -> str | None:
        """The TensorFlow API (outside Keras) a call goes to: its result is a tensor or variable."""
        if not isinstance(node, cst.Call):
            return None
        qualified = self.imports.qualified_name(node.func)
        if qualified and qualified.startswith("tensorflow.") and keras_member(qualified) is None:
            return qualified
        return None

    def visit_Call(self, node: cst.Call) -> None:
        if self._is_constructor(node):
            self.constructor_args.append((node, [(a.value, self._key(a.value)) for a in node.args]))
        use = self._use(node)
        if use is not None:
            self._record(node, *use)
        qualified = self.imports.qualified_name(node.func)
        graph_method = isinstance(node.func, cst.Attribute) and node.func.attr.value in TF1_GRAPH_METHODS
        if not self.graph_api and (qualified in TF1_GRAPH_APIS or graph_method):
            self._graph_evidence(node, (qualified or "").replace("tensorflow.", "tf.", 1) or f"{node.func.attr.value}()")
        if qualified and qualified.startswith("tensorflow.") and keras_member(qualified) is None and qualified not in KERAS_AWARE_TF_APIS:
            api = qualified.replace("tensorflow.", "tf.", 1)
            for arg in node.args:
                self._record(node, arg.value, f"it is passed to {api}, a TensorFlow API that expects a TF1 optimizer", "")
        if isinstance(node.func, cst.Name) and qualified is None:
            self.local_calls.append((node, node.func.value, [(a.keyword and a.keyword.value, a.value, self._key(a.value)) for a in node.args if not a.star]))

    def _graph_evidence(self, node: cst.CSTNode, what: str) -> None:
        self.graph_api, self.graph_node = what, node

    def _record(self, node: cst.Call, receiver: cst.BaseExpression, reason: str, message: str) -> None:
        if self._is_constructor(receiver):
            self.blocked.setdefault(id(receiver), reason)
            if message:
                self.rule.report(node, message)
            return
        key = self._key(receiver)
        if key is None:
            return
        self.uses.append((key, node, reason, message))
        function = self.scopes[-1]
        if isinstance(receiver, cst.Name) and isinstance(function, cst.FunctionDef):
            if receiver.value in self.parameters.get(function.name.value, ()):
                self.sinks.setdefault(function.name.value, {}).setdefault(receiver.value, reason)

    def leave_Module(self, original: cst.Module) -> None:
        for constructor, args in self.constructor_args:
            for value, key in args:
                api = self._tensorflow_call(value) or self.tensors.get(key)
                if api:
                    self.blocked.setdefault(id(constructor), tensor_argument(api))
                    break
        for call, function, args in self.local_calls:
            sinks = self.sinks.get(function)
            if not sinks:
                continue
            parameters = self.parameters[function]
            for index, (keyword, value, key) in enumerate(args):
                parameter = keyword or (parameters[index] if index < len(parameters) else None)
                if parameter in sinks:
                    reason = f"it is passed to {function}(), where {sinks[parameter]}"
                    if self._is_constructor(value):
                        self.blocked.setdefault(id(value), reason)
                    elif key is not None:
                        self.uses.append((key, call, reason, ""))
        for key, node, reason, message in self.uses:
            constructors = self._constructors_behind(key)
            for constructor in constructors:
                self.blocked.setdefault(id(constructor), reason)
            if message and constructors:
                self.rule.report(node, message)
            elif message and not self.escape_reason:
                # An optimizer built elsewhere is driven the TF1 way here: one that leaves its
                # scope (a class used as a value, a returned one) may be that one.
                self.escape_reason = f"the file also drives optimizers built elsewhere the TF1 way ({reason.split(', which')[0].removeprefix('it is ')})"
        if self.escape_reason:
            for values in self.returned.values():
                for value in values:
                    for constructor in [value] if isinstance(value, cst.Call) else self._constructors_behind(value):
                        self.blocked.setdefault(id(constructor), f"it is returned, and {self.escape_reason}")

    def _constructors_behind(self, key: tuple) -> list[cst.Call]:
        """The TF1 constructors whose object `key` holds: assigned directly, or returned by the
        local function whose result was assigned to it."""
        if key in self.assigned:
            return [self.assigned[key]]
        found = []
        for value in self.returned.get(self.results.get(key, ""), ()):
            constructor = value if isinstance(value, cst.Call) else self.assigned.get(value)
            if constructor is not None:
                found.append(constructor)
        return found

    def _use(self, node: cst.Call) -> tuple[cst.BaseExpression, str, str] | None:
        """For a call a TF1 optimizer cannot take part in under Keras 3: (the optimizer
        expression, why its constructor stays TF1, what to say at the call)."""
        qualified = self.imports.qualified_name(node.func) or ""
        if node.args and (qualified in WRAPPERS or tf1_class(qualified) == "SyncReplicasOptimizer"):
            wrapper = qualified.rsplit(".", 1)[-1]
            # SyncReplicasOptimizer is reported as an optimizer with no equivalent already.
            message = f"{wrapper} needs a TF1 optimizer: {WRAPPERS[qualified]}" if qualified in WRAPPERS else ""
            return node.args[0].value, f"it is wrapped by {wrapper}, which needs a TF1 optimizer", message
        if not isinstance(node.func, cst.Attribute):
            return None
        method = node.func.attr.value
        if method in UNSUPPORTED_METHODS:
            return node.func.value, f"it is used with {method}(), which Keras 3 optimizers do not have", UNSUPPORTED_METHODS[method]
        if method == "apply_gradients":
            legacy = [a.keyword.value for a in node.args if a.keyword and a.keyword.value in APPLY_GRADIENTS_LEGACY_ARGS]
            if not legacy and sum(a.keyword is None for a in node.args) > 1:
                legacy = ["global_step"]  # apply_gradients(grads_and_vars, global_step)
            if legacy:
                return (node.func.value, f"it is used with apply_gradients(..., {legacy[0]}=...), which Keras 3 optimizers do not take",
                        APPLY_GRADIENTS_LEGACY_ARGS[legacy[0]])
        return None

    def _key(self, node: cst.BaseExpression) -> tuple | None:
        if isinstance(node, cst.Name):
            return (id(self.scopes[-1]), node.value)
        if isinstance(node, cst.Attribute):
            return (None, code(node))
        return None

    def _is_constructor(self, node: cst.BaseExpression) -> bool:
        return isinstance(node, cst.Call) and tf1_class(self.imports.qualified_name(node.func)) in TF1_OPTIMIZERS


def tensor_argument(api: str) -> str:
    name = api.rsplit(".", 1)[-1]
    reason = f"an argument is a TensorFlow tensor ({api.replace('tensorflow.', 'tf.', 1)}), and Keras 3 optimizers take floats, schedules or callables"
    if name in TF1_SCHEDULES:
        reason += f"; a TF1 decay function becomes keras.optimizers.schedules.{TF1_SCHEDULES[name]} (same arguments, without global_step)"
    return reason
