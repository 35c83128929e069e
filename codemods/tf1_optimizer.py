"""Rule `tf1-optimizer`: TensorFlow 1 optimizers to Keras 3, with the same math."""

from __future__ import annotations

import re

import libcst as cst

from optfix.calls import NOT_CONSTANT, as_keyword, bind, constant, new_keyword, with_args
from optfix.knowledge.namespaces import keras_member
from optfix.knowledge.tf1 import (
    ABSENT,
    APPLY_GRADIENTS_LEGACY_ARGS,
    KERAS_AWARE_TF_APIS,
    NO_EQUIVALENT_MODULES,
    TF1_BASE_CLASS,
    TF1_DEFINING_MODULES,
    TF1_GRAPH_APIS,
    TF1_GRAPH_METHODS,
    TF1_OPTIMIZERS,
    TF1_SCHEDULES,
    TF1_TRAIN_MODULES,
    UNSUPPORTED_METHODS,
    WRAPPERS,
    Tf1Optimizer,
)
from optfix.rule import FileContext, Rule

_TYPE_CHECKS = frozenset({"isinstance", "issubclass"})
_TF1_CLASS_NAMES = re.compile(r"\b(?:%s)\b" % "|".join(TF1_OPTIMIZERS))
_BASE_CLASS_MESSAGE = (
    "the TF1 base class tf.compat.v1.train.Optimizer has no Keras 3 counterpart with its API: "
    "subclasses, isinstance checks and annotations need a person (Keras 3 optimizers implement "
    "build() and update_step())"
)


def tf1_class(qualified: str | None) -> str | None:
    """`tensorflow.compat.v1.train.AdamOptimizer` -> `AdamOptimizer`; None for anything else."""
    if not qualified:
        return None
    module, _, name = qualified.rpartition(".")
    if module in TF1_TRAIN_MODULES or TF1_DEFINING_MODULES.get(module) == name:
        return name
    return None


def _no_equivalent_module(qualified: str | None) -> str | None:
    return next((why for module, why in NO_EQUIVALENT_MODULES.items() if qualified and qualified.startswith(module + ".")), None)


class Tf1OptimizerRule(Rule):
    """Rewrite TensorFlow 1 optimizers into the Keras 3 optimizers that compute the same updates.

    ## What it does
    Rewrites `tf.compat.v1.train.XOptimizer(...)` (and `tf.train.XOptimizer` in TensorFlow 1
    code), reached through any import or alias, into `keras.optimizers.X(...)`. Arguments are
    mapped by meaning, positional or keyword: `beta1` becomes `beta_1`, RMSProp's `decay` becomes
    `rho`, `use_nesterov` becomes `nesterov`; `use_locking` and the like are dropped. Where a
    default changed, the TF1 value is written out (`epsilon=1e-08` for Adam and Adadelta,
    `epsilon=0.0` for Adagrad, `epsilon=1e-10` for RMSProp). Optimizer classes used as values stay
    classes. The import of `keras` is added and imports the rewrite left unused are removed.

    ## Why
    TensorFlow 1 optimizers cannot be given to Keras 3 (`compile()` raises `Could not interpret
    optimizer identifier`), and the Keras 3 defaults differ: a bare `keras.optimizers.Adam()` is
    not TF1's `AdamOptimizer()`.

    ## Example
        opt = tf.compat.v1.train.AdamOptimizer(0.01, beta1=0.8)
    becomes
        opt = keras.optimizers.Adam(learning_rate=0.01, beta_1=0.8, epsilon=1e-08)

    ## Fix safety
    Safe where the Keras 3 optimizer computes the same updates (proven by tests/test_tf1_equivalence.py).
    Unsafe, applied only with --unsafe-fixes: RMSProp (TF1 starts its accumulator at 1.0, Keras at
    0.0), Momentum whose learning rate is not a literal constant (TF1 and Keras accumulate
    differently once it changes), and optimizer classes used as values when the class alone cannot
    carry TF1's defaults. No fix, only a finding: AdagradDA, SyncReplicas, Proximal optimizers
    with non-zero l1/l2, `tf.contrib.opt`, the TF1 base class. An optimizer that flows into
    `minimize()`, `compute_gradients()`, `apply_gradients(global_step=...)` or a TF1 wrapper in
    the same scope is left as it is, with a finding at each such call: rewriting only the
    constructor would break the file.

    ## Known problems
    Flows are followed by name within a function (and by attribute, such as `self.opt`, within
    the file); an optimizer passed to another function is not followed. A learning rate counts as
    constant only when it is a literal or a name assigned only literals.
    """

    id = "tf1-optimizer"
    trigger = re.compile(rb"Optimizer\b|contrib\.opt")

    def __init__(self, file: FileContext) -> None:
        super().__init__(file)
        self.blocked: dict[int, str] = {}  # id(constructor call) -> why it stays TF1
        self.called: set[int] = set()  # ids of expressions in call position
        self.not_values: set[int] = set()  # ids of Names that are not references (attr, keyword)
        self.attribute_bases: set[int] = set()  # ids of expressions followed by `.attr`
        self.type_context = 0  # inside isinstance()/issubclass() or an annotation
        self.import_context = 0
        self.literal_names: dict[str, bool] = {}
        self.graph_api = ""  # a TF1 graph-mode API the file uses, if any
        self.escape_reason = ""  # why optimizers that leave their scope must stay TF1, if they must

    # -- bookkeeping on the way down -------------------------------------------------------

    def visit_Module(self, node: cst.Module) -> None:
        if _TF1_CLASS_NAMES.search(self.file.text):
            flows = _Flows(self)
            node.visit(flows)
            self.blocked = flows.blocked
            self.graph_api = flows.graph_api
            self.escape_reason = flows.escape_reason

    def visit_Import(self, node: cst.Import) -> None:
        self.import_context += 1

    def leave_Import(self, original: cst.Import, updated: cst.Import) -> cst.Import:
        self.import_context -= 1
        return updated

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self.import_context += 1

    def leave_ImportFrom(self, original: cst.ImportFrom, updated: cst.ImportFrom) -> cst.ImportFrom:
        self.import_context -= 1
        return updated

    def visit_Annotation(self, node: cst.Annotation) -> None:
        self.type_context += 1

    def leave_Annotation(self, original: cst.Annotation, updated: cst.Annotation) -> cst.Annotation:
        self.type_context -= 1
        return updated

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.not_values.add(id(node.attr))
        self.attribute_bases.add(id(node.value))

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self.not_values.add(id(node.keyword))

    def _binds(self, node: cst.CSTNode | None) -> None:
        """A name that is assigned, not read: never a reference to rewrite."""
        if isinstance(node, cst.Name):
            self.not_values.add(id(node))

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._binds(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._binds(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._binds(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._binds(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        self._binds(node.name)

    def visit_Param(self, node: cst.Param) -> None:
        self._binds(node.name)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._binds(node.name)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._binds(node.name)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                literal = constant(node.value) is not NOT_CONSTANT
                self.literal_names[target.target.value] = literal and self.literal_names.get(target.target.value, True)

    def visit_Call(self, node: cst.Call) -> None:
        self.called.add(id(node.func))
        if isinstance(node.func, cst.Name) and node.func.value in _TYPE_CHECKS:
            self.type_context += 1

    # -- rewrites on the way up ------------------------------------------------------------

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if isinstance(original.func, cst.Name) and original.func.value in _TYPE_CHECKS:
            self.type_context -= 1
        qualified = self.file.imports.qualified_name(original.func)
        why = _no_equivalent_module(qualified)
        if why:
            self.report(original, why)
            return updated
        name = tf1_class(qualified)
        if name == TF1_BASE_CLASS:
            self.report(original, _BASE_CLASS_MESSAGE)
        row = TF1_OPTIMIZERS.get(name)
        if row is None:
            return updated
        why = self._graph_code() or self.blocked.get(id(original))
        if why:
            self.report(original, f"{name} left as it is: {why}")
            return updated
        return self._construct(original, updated, row)

    def _graph_code(self) -> str:
        if not self.graph_api:
            return ""
        return f"the file builds TensorFlow 1 graphs ({self.graph_api}), where Keras 3 optimizers cannot run"

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        return self._reference(original, updated)

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        if id(original) in self.not_values or self.import_context:
            return updated
        return self._reference(original, updated)

    # -- the two rewrites --------------------------------------------------------------------

    def _construct(self, original: cst.Call, updated: cst.Call, row: Tf1Optimizer) -> cst.BaseExpression:
        """A constructor call: the Keras 3 class with the arguments mapped by meaning."""
        params = {p.name: p for p in row.params}
        filled = bind(original, [p.name for p in row.params])
        if filled is None:
            self.report(original, f"{row.legacy}: arguments passed with * or ** (or unknown ones) cannot be mapped; migrate by hand")
            return updated
        values = dict(zip(filled, original.args))
        nonzero = [n for n in row.zero_only if n in values and constant(values[n].value) not in (0, 0.0)]
        if not row.keras or nonzero:
            detail = f" ({', '.join(nonzero)} not a literal zero)" if nonzero else ""
            self.report(original, f"{row.legacy} has no Keras 3 equivalent{detail}: {row.advice}")
            return updated
        args = []
        for param_name, arg in zip(filled, updated.args):
            param = params[param_name]
            if param.keras is None:
                continue
            if param.none_means is not ABSENT and constant(arg.value) is None:
                arg = arg.with_changes(value=cst.parse_expression(repr(param.none_means)))
            args.append(as_keyword(arg, param.keras))
        given = {params[n].keras for n in filled}
        args += [new_keyword(k, v) for k, v in row.explicit_defaults().items() if k not in given]
        target, needs_keras = self.file.keras_reference(f"optimizers.{row.keras}")
        replacement = with_args(updated, args).with_changes(func=target)
        unsafe = row.unsafe or self._varying(row, values)
        message = f"{row.legacy} -> keras.optimizers.{row.keras}" + (f": {unsafe}" if unsafe else "")
        return self._apply(original, original.func, updated, replacement, message, unsafe, needs_keras)

    def _reference(self, original: cst.BaseExpression, updated: cst.BaseExpression) -> cst.BaseExpression:
        """A TF1 optimizer class used as a value (not called): a Keras class, or a finding."""
        if id(original) in self.called:
            return updated
        qualified = self.file.imports.qualified_name(original)
        why = _no_equivalent_module(qualified)
        name = tf1_class(qualified)
        if why or name is None:
            if why:
                self.report(original, why)
            return updated
        row = TF1_OPTIMIZERS.get(name)
        if name == TF1_BASE_CLASS or row is None:
            if name == TF1_BASE_CLASS:
                self.report(original, _BASE_CLASS_MESSAGE)
            return updated
        if self.type_context or id(original) in self.attribute_bases:
            self.report(original, f"{name} used as a type or for its class attributes: a Keras 3 optimizer is not a TF1 optimizer; review by hand")
            return updated
        if not row.keras or row.zero_only:
            extra = f": {row.advice}" if row.advice else ""
            self.report(original, f"{name} class used as a value has no exact Keras 3 equivalent{extra}")
            return updated
        why = self._graph_code() or self.escape_reason
        if why:
            self.report(original, f"{name} left as it is: {why}")
            return updated
        unsafe = _class_loses(row)
        replacement, needs_keras = self.file.keras_reference(f"optimizers.{row.keras}")
        message = f"{name} -> keras.optimizers.{row.keras} (a class)" + (f": {unsafe}" if unsafe else "")
        return self._apply(original, original, updated, replacement, message, unsafe, needs_keras)

    def _varying(self, row: Tf1Optimizer, values: dict[str, cst.Arg]) -> str:
        """Why an argument that must stay constant for exactness may not be, or ''."""
        for name in row.constant_only:
            arg = values.get(name)
            value = arg.value if arg else None
            if value is None or constant(value) is not NOT_CONSTANT:
                continue
            if isinstance(value, cst.Name) and self.literal_names.get(value.value):
                continue
            return (
                f"{name} is not a literal constant; if it changes during training (a schedule, a "
                "placeholder, a variable), TF1 Momentum (accum = m*accum + g; var -= lr*accum) and "
                "Keras SGD (v = m*v - lr*g; var += v) differ; exact only for a constant learning rate"
            )
        return ""

    def _apply(self, original, legacy_reference, updated, replacement, message, unsafe, needs_keras):
        """Rewrite if allowed; only then adjust imports: keras in, the legacy one out if unused."""
        result = self.rewrite(original, updated, replacement, message, safe=not unsafe)
        if result is replacement:
            if needs_keras:
                self.file.add_import("keras")
            origin = self.file.imports.head_origin(legacy_reference)
            if origin is not None:
                self.file.remove_import_if_unused(*origin)
        return result


def _tensor_argument(api: str) -> str:
    name = api.rsplit(".", 1)[-1]
    reason = f"an argument is a TensorFlow tensor ({api.replace('tensorflow.', 'tf.', 1)}), and Keras 3 optimizers take floats, schedules or callables"
    if name in TF1_SCHEDULES:
        reason += f"; a TF1 decay function becomes keras.optimizers.schedules.{TF1_SCHEDULES[name]} (same arguments, without global_step)"
    return reason


def _class_loses(row: Tf1Optimizer) -> str:
    """What a bare class reference cannot carry from TF1, or ''."""
    lost = [f"{k}={v!r}" for k, v in row.explicit_defaults().items()]
    renamed = [f"{p.name}->{p.keras}" for p in row.params if p.keras and p.keras != p.name]
    dropped = [p.name for p in row.params if p.keras is None]
    if not (lost or renamed or row.unsafe or row.constant_only):
        return ""
    parts = []
    if lost:
        parts.append(f"calls through it get Keras defaults instead of TF1's {', '.join(lost)}")
    if renamed or dropped:
        parts.append(f"TF1 keywords passed at those calls are not translated ({', '.join(renamed + dropped)})")
    if row.unsafe:
        parts.append(row.unsafe)
    if row.constant_only:
        parts.append("the learning rate at those calls may not be constant")
    return "; ".join(parts)


class _Flows(cst.CSTVisitor):
    """Finds TF1 optimizer objects that reach what a Keras 3 optimizer cannot serve, so their
    constructors stay TF1, and reports the unsupported calls.

    Followed: a name within its function, an attribute (`self.opt`) within the file, and one step
    into a function of the file whose parameter reaches such a use (`_make_sync(opt)`)."""

    def __init__(self, rule: Tf1OptimizerRule) -> None:
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
        self.graph_api = what
        self.rule.report(node, f"TensorFlow 1 graph code ({what}): Keras 3 optimizers cannot run in TF1 graphs, so "
                               "the TF1 optimizers in this file are left as they are; move the training loop to TF2 "
                               "(eager, tf.function or model.fit) first")

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
                    self.blocked.setdefault(id(constructor), _tensor_argument(api))
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
            return (None, cst.Module([]).code_for_node(node))
        return None

    def _is_constructor(self, node: cst.BaseExpression) -> bool:
        return isinstance(node, cst.Call) and tf1_class(self.imports.qualified_name(node.func)) in TF1_OPTIMIZERS
