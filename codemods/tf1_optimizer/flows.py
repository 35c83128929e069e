"""Where TF1 optimizer objects go in a file, so that a constructor is rewritten only when the
Keras 3 optimizer can serve everything its object may reach."""

from __future__ import annotations

import libcst as cst

from optfix.analysis.tree import code
from optfix.knowledge.namespaces import keras_member
from optfix.knowledge.tf1 import (
    APPLY_GRADIENTS_LEGACY_ARGS,
    KERAS_AWARE_TF_APIS,
    TF1_BASE_CLASS,
    TF1_DRIVING_LIBRARIES,
    TF1_GRAPH_APIS,
    TF1_GRAPH_METHODS,
    TF1_OPTIMIZERS,
    TF1_SCHEDULES,
    UNSUPPORTED_METHODS,
    tf1_class,
    wrapper_advice,
)

# Calls that take an optimizer and never hand it on to TF1-only API.
_HARMLESS_CALLS = frozenset({"print", "isinstance", "issubclass", "type", "id", "repr", "str", "hasattr", "callable"})
_HARMLESS_METHODS = frozenset({"compile"})  # a Keras model's


class OptimizerFlows(cst.CSTVisitor):
    """Finds TF1 optimizer objects that may reach what a Keras 3 optimizer cannot serve, so their
    constructors stay TF1, and reports the unsupported calls.

    Followed: a name within its function (or the module's, where the function does not bind it),
    an attribute (`self.opt`) within the file, what a function of the file returns, and one step
    into a function of the file whose parameter reaches such a use (`_make_sync(opt)`). Where the
    file drives optimizers the TF1 way at all, an optimizer or class that leaves what is followed
    (returned, a default argument, stored on an attribute or in a container, passed to a call
    that is not followed) may be one of them: it stays TF1 too, whatever the order of the code."""

    def __init__(self, rule) -> None:
        super().__init__()
        self.rule = rule
        self.imports = rule.file.imports
        self.module_scope = rule.file.module
        self.scopes: list[cst.CSTNode] = [self.module_scope]
        self.bound: set[tuple] = set()  # (scope id, name) of every name a function binds
        self.assigned: dict[tuple, list[cst.Call]] = {}  # key -> the constructors assigned to it
        self.uses: list[tuple[tuple, cst.Call, str, str]] = []
        self.blocked: dict[int, str] = {}
        self.functions: dict[str, cst.FunctionDef] = {}
        self.parameters: dict[str, list[str]] = {}  # local function -> its parameter names
        self.sinks: dict[str, dict[str, str]] = {}  # local function -> parameter -> why
        self.escaping_parameters: dict[str, dict[str, str]] = {}  # local function -> parameter -> how it escapes
        self.local_calls: list[tuple[cst.Call, str, list[tuple[str | None, cst.BaseExpression, tuple | None]]]] = []
        self.tensors: dict[tuple, str] = {}  # key -> the TensorFlow API whose result it holds
        self.returned: dict[str, list[cst.BaseExpression | tuple]] = {}  # local function -> constructors or keys it returns
        self.returned_tensors: dict[str, str] = {}  # local function -> the TensorFlow API whose result it returns
        self.results: dict[tuple, list[str]] = {}  # key -> the local functions whose result it holds
        self.constructor_args: list[tuple[cst.Call, list[tuple[cst.BaseExpression, tuple | None]]]] = []
        self.escapes: list[tuple[cst.BaseExpression, tuple | None, str]] = []  # (value, its key, how it leaves)
        self.tf1_use = ""  # how the file drives optimizers the TF1 way, if it does
        self.graph_api = ""
        self.graph_node: cst.CSTNode | None = None
        self.escape_reason = ""

    # -- scopes and bindings ----------------------------------------------------------------

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        params = node.params
        every = (*params.posonly_params, *params.params, *params.kwonly_params)
        for param in every:
            if param.default is not None:  # evaluated where the function is defined
                self._escape(param.default, "a default argument")
        self.functions[node.name.value] = node
        self.parameters[node.name.value] = [p.name.value for p in every]
        self.scopes.append(node)
        for param in (*every, params.star_arg, params.star_kwarg):
            if isinstance(param, cst.Param):
                self._bind(param.name)

    def leave_FunctionDef(self, original: cst.FunctionDef) -> None:
        self.scopes.pop()

    def _bind(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name) and self.scopes[-1] is not self.module_scope:
            self.bound.add((id(self.scopes[-1]), target.value))
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind(element.value)

    def visit_For(self, node: cst.For) -> None:
        self._bind(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        self._bind(node.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind(node.target)
        self._assign(node.target, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._bind(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._bind(node.target)
        if node.value is not None:
            self._assign(node.target, node.value)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._bind(target.target)
            self._assign(target.target, node.value)

    def _assign(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        if isinstance(target, cst.Attribute):
            self._escape(value, f"stored on an attribute ({code(target)})")
        elif isinstance(target, cst.Subscript):
            self._escape(value, f"stored in a container ({code(target.value)}[...])")
        key = self._key(target)
        if key is None:
            return
        if self._is_constructor(value):
            self.assigned.setdefault(key, []).append(value)
        elif (api := self._tensorflow_call(value)) is not None:
            self.tensors.setdefault(key, api)
        elif isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and self.imports.qualified_name(value.func) is None:
            self.results.setdefault(key, []).append(value.func.value)
        elif (source := self._key(value)) is not None:  # `opt = other`: the same object
            self.results.setdefault(key, []).append(source)

    # -- where an object leaves what is followed ----------------------------------------------

    def _escape(self, value: cst.BaseExpression, how: str) -> None:
        constructor = self._is_constructor(value)
        key = None if constructor else self._key(value)
        if constructor or key is not None:
            self.escapes.append((value, key, how))
            function = self.scopes[-1]
            if isinstance(value, cst.Name) and isinstance(function, cst.FunctionDef) and value.value in self.parameters.get(function.name.value, ()):
                self.escaping_parameters.setdefault(function.name.value, {}).setdefault(value.value, how)

    def visit_Return(self, node: cst.Return) -> None:
        function = self.scopes[-1]
        if node.value is None:
            return
        if isinstance(function, cst.FunctionDef):
            value = node.value if self._is_constructor(node.value) else self._key(node.value)
            if value is not None:
                self.returned.setdefault(function.name.value, []).append(value)
            if (api := self._tensorflow_call(node.value) or self.tensors.get(self._key(node.value) or ())) is not None:
                self.returned_tensors.setdefault(function.name.value, api)
        self._escape(node.value, "returned")

    def visit_Yield(self, node: cst.Yield) -> None:
        if isinstance(node.value, cst.BaseExpression):
            self._escape(node.value, "yielded")

    def visit_Lambda(self, node: cst.Lambda) -> None:
        if self._is_constructor(node.body):  # `lambda lr: tf.train.MomentumOptimizer(lr, 0.9)` returns it
            self.returned.setdefault("<lambda>", []).append(node.body)
        self._escape(node.body, "returned by a lambda")

    def _elements(self, elements, kind: str) -> None:
        for element in elements:
            self._escape(element.value, f"put in a {kind}")

    def visit_List(self, node: cst.List) -> None:
        self._elements(node.elements, "list")

    def visit_Tuple(self, node: cst.Tuple) -> None:
        self._elements(node.elements, "tuple")

    def visit_Set(self, node: cst.Set) -> None:
        self._elements(node.elements, "set")

    def visit_ListComp(self, node: cst.ListComp) -> None:
        self._escape(node.elt, "put in a list")

    def visit_SetComp(self, node: cst.SetComp) -> None:
        self._escape(node.elt, "put in a set")

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self._escape(node.elt, "yielded by a generator")

    def visit_DictComp(self, node: cst.DictComp) -> None:
        self._escape(node.value, "put in a dict")

    def visit_Dict(self, node: cst.Dict) -> None:
        for element in node.elements:
            if isinstance(element, cst.DictElement):
                self._escape(element.value, "put in a dict")

    # -- uses -------------------------------------------------------------------------------

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        for base in node.bases:
            if not self.graph_api and tf1_class(self.imports.qualified_name(base.value)) == TF1_BASE_CLASS:
                self._graph_evidence(base, "a subclass of tf.compat.v1.train.Optimizer")

    def _tensorflow_call(self, node: cst.BaseExpression) -> str | None:
        """The TensorFlow API (outside Keras) a call goes to, directly or through a function of
        the file that returns its result: the value is a tensor or variable."""
        if not isinstance(node, cst.Call):
            return None
        qualified = self.imports.qualified_name(node.func)
        if qualified and qualified.startswith("tensorflow.") and keras_member(qualified) is None:
            return None if tf1_class(qualified) in TF1_OPTIMIZERS or wrapper_advice(qualified) else qualified
        if qualified is None and isinstance(node.func, cst.Name):
            return self.returned_tensors.get(node.func.value)
        return None

    def visit_Call(self, node: cst.Call) -> None:
        if self._is_constructor(node):
            self.constructor_args.append((node, [(a.value, self._key(a.value)) for a in node.args]))
        use = self._use(node)
        if use is not None:
            self._record(node, *use)
            if not self.tf1_use and self._drives(node, use[0]):
                self.tf1_use = use[1].split(", which")[0].removeprefix("it is ")
        qualified = self.imports.qualified_name(node.func)
        graph_method = isinstance(node.func, cst.Attribute) and node.func.attr.value in TF1_GRAPH_METHODS
        if not self.graph_api and (qualified in TF1_GRAPH_APIS or graph_method):
            self._graph_evidence(node, (qualified or "").replace("tensorflow.", "tf.", 1) or f"{node.func.attr.value}()")
        tensorflow_api = qualified and qualified.startswith("tensorflow.") and keras_member(qualified) is None
        if tensorflow_api and qualified not in KERAS_AWARE_TF_APIS:
            api = qualified.replace("tensorflow.", "tf.", 1)
            for arg in node.args:
                self._record(node, arg.value, f"it is passed to {api}, a TensorFlow API that expects a TF1 optimizer", "")
        elif isinstance(node.func, cst.Name) and qualified is None and node.func.value not in _HARMLESS_CALLS:
            # Followed at the end, when every function of the file is known; else an escape.
            self.local_calls.append((node, node.func.value, [(a.keyword and a.keyword.value, a.value, self._key(a.value)) for a in node.args if not a.star]))
        elif use is None and not self._harmless(node, qualified):
            for arg in node.args:
                self._escape(arg.value, f"passed to {code(node.func)}()")

    def _harmless(self, node: cst.Call, qualified: str | None) -> bool:
        """A call that keeps no optimizer it is given from Keras 3: Keras's own, a TensorFlow API
        that takes Keras optimizers, a builtin that only looks at it, a model's compile()."""
        if qualified is not None:
            return keras_member(qualified) is not None or qualified in KERAS_AWARE_TF_APIS or qualified.startswith("tensorflow.")
        if isinstance(node.func, cst.Name):
            return node.func.value in _HARMLESS_CALLS
        return isinstance(node.func, cst.Attribute) and node.func.attr.value in _HARMLESS_METHODS

    def _drives(self, node: cst.Call, receiver: cst.BaseExpression) -> bool:
        """Whether a use is of an optimizer object (a method called on a module is not)."""
        return self._is_constructor(receiver) or self.imports.qualified_name(receiver) is None

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

    # -- the decisions, once the whole file is known ------------------------------------------

    def leave_Module(self, original: cst.Module) -> None:
        self._follow_local_calls()
        for constructor, args in self.constructor_args:
            for value, key in args:
                api = self._tensorflow_call(value) or (self._tensor(key) if key else None)
                if api:
                    self.blocked.setdefault(id(constructor), tensor_argument(api))
                    break
        for key, node, reason, message in self.uses:
            constructors = self._constructors_behind(key)
            for constructor in constructors:
                self.blocked.setdefault(id(constructor), reason)
            if message and constructors:
                self.rule.report(node, message)
        if self.tf1_use:
            self.escape_reason = f"the file drives optimizers the TF1 way ({self.tf1_use}), and an optimizer that leaves its scope may be driven so"
            for value, key, how in self.escapes:
                for constructor in [value] if key is None else self._constructors_behind(key):
                    self.blocked.setdefault(id(constructor), f"it is {how}, and {self.escape_reason}")

    def _follow_local_calls(self) -> None:
        """One step into the file's functions: an argument reaches what its parameter reaches."""
        for call, function, args in self.local_calls:
            if function not in self.parameters:
                self.escapes += [(value, None if self._is_constructor(value) else key, f"passed to {function}()")
                                 for _, value, key in args if self._is_constructor(value) or key]
                continue
            parameters = self.parameters[function]
            sinks = self.sinks.get(function, {})
            escaping = self.escaping_parameters.get(function, {})
            for index, (keyword, value, key) in enumerate(args):
                parameter = keyword or (parameters[index] if index < len(parameters) else None)
                if parameter in sinks:
                    reason = f"it is passed to {function}(), where {sinks[parameter]}"
                    if self._is_constructor(value):
                        self.blocked.setdefault(id(value), reason)
                    elif key is not None:
                        self.uses.append((key, call, reason, ""))
                if parameter in escaping:
                    self.escapes.append((value, None if self._is_constructor(value) else key, f"passed to {function}(), where it is {escaping[parameter]}"))
                api = self._tensorflow_call(value) or (self._tensor(key) if key else None)
                if api and parameter is not None:
                    self.tensors.setdefault((id(self.functions[function]), parameter), api)

    def _resolve(self, key: tuple) -> tuple:
        """A name a function reads but never binds is the module's."""
        scope, name = key
        if scope is not None and scope != id(self.module_scope) and key not in self.bound:
            return (id(self.module_scope), name)
        return key

    def _tensor(self, key: tuple) -> str | None:
        key = self._resolve(key)
        return self.tensors.get(key) or next((self.returned_tensors[f] for f in self.results.get(key, ()) if f in self.returned_tensors), None)

    def _constructors_behind(self, key: tuple, seen: frozenset = frozenset()) -> list[cst.Call]:
        """The TF1 constructors whose object `key` may hold: assigned to it, returned by the
        local function whose result was assigned to it, or held by the name assigned to it."""
        key = self._resolve(key)
        if key in seen:
            return []
        seen = seen | {key}
        found = list(self.assigned.get(key, ()))
        for source in self.results.get(key, ()):
            if isinstance(source, tuple):
                found += self._constructors_behind(source, seen)
                continue
            for value in self.returned.get(source, ()):
                found += [value] if isinstance(value, cst.Call) else self._constructors_behind(value, seen)
        return found

    def _use(self, node: cst.Call) -> tuple[cst.BaseExpression, str, str] | None:
        """For a call a TF1 optimizer cannot take part in under Keras 3: (the optimizer
        expression, why its constructor stays TF1, what to say at the call)."""
        qualified = self.imports.qualified_name(node.func) or ""
        advice = wrapper_advice(qualified)
        if node.args and (advice or tf1_class(qualified) == "SyncReplicasOptimizer"):
            wrapper = qualified.rsplit(".", 1)[-1]
            # SyncReplicasOptimizer is reported as an optimizer with no equivalent already.
            message = f"{wrapper} needs a TF1 optimizer: {advice}" if advice else ""
            return node.args[0].value, f"it is wrapped by {wrapper}, which needs a TF1 optimizer", message
        library = next((why for prefix, why in TF1_DRIVING_LIBRARIES.items() if qualified.startswith(prefix + ".")), None)
        if library:
            optimizer = next((a.value for a in node.args if a.keyword and a.keyword.value == "optimizer"), None)
            if optimizer is not None:
                return optimizer, f"it is passed to {qualified}, which drives it the TF1 way", library
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
