"""Rule `tf1-optimizer`: TensorFlow 1 optimizers to Keras 3, with the same math."""

from __future__ import annotations

import ast
import re

from optfix.lazy import libcst as cst

from optfix.rulekit.anchors import reaching_heads
from optfix.rulekit.calls import NOT_CONSTANT, as_keyword, bind, constant, new_keyword, with_args
from optfix.analysis.chains import ast_chain, cst_chain
from optfix.analysis.dotted_names import possible_names
from optfix.knowledge.rows import NO_NONE_MEANING
from optfix.knowledge.tf1 import (
    NO_EQUIVALENT_MODULES,
    TF1_BASE_CLASS,
    TF1_OPTIMIZERS,
    Tf1Optimizer,
    tf1_class,
)
from optfix.codemods.tf1_optimizer.standalone import standalone_constructors
from optfix.rulekit.references import ValueReferences
from optfix.rulekit.rule import FileContext, Rule
from optfix.analysis.tree import code, walk

_TF1_CLASS_NAMES = re.compile(r"\b(?:%s)\b" % "|".join(TF1_OPTIMIZERS))
# TF1 optimizer class names, the TF1 base class reached through a TF1 module, tf.contrib.opt.
_MAY_NAME_TF1 = re.compile(
    rb"\b(?:%s)\b|\b(?:train|training|optimizer)\s*\.\s*Optimizer\b|\btraining import optimizer\b"
    rb"|\b(?:train|training|optimizer) import[^\n]*\bOptimizer\b|\bcontrib\s*\.\s*opt\b|\bcontrib import[^\n]*\bopt\b"
    rb"|\bimport\s[^\n]*\b(?:train|training|optimizer)\s+as\b"
    rb"|\b(?:train|training|optimizer) import\s*\([^)]*\bOptimizer\b|\bcontrib import\s*\([^)]*\bopt\b"  # over several lines
    rb"|\bcompat\s*\.\s*v1\s*\.\s*train\b|\bpython\s*\.\s*training\b"  # the module as a value
    % "|".join(TF1_OPTIMIZERS).encode()
)
_BASE_CLASS_MESSAGE = (
    "the TF1 base class tf.compat.v1.train.Optimizer has no Keras 3 counterpart with its API: "
    "subclasses, isinstance checks and annotations need a person (Keras 3 optimizers implement "
    "build() and update_step())"
)


def _no_equivalent_module(qualified: str | None) -> str | None:
    return next((why for module, why in NO_EQUIVALENT_MODULES.items() if qualified and qualified.startswith(module + ".")), None)


def _may_be_tf1(qualified: str) -> bool:
    return bool(tf1_class(qualified) or qualified in NO_EQUIVALENT_MODULES or _no_equivalent_module(qualified)
                or _project_train_name(qualified))


class Tf1OptimizerRule(ValueReferences, Rule):
    """Rewrite TensorFlow 1 optimizers into the Keras 3 optimizers that compute the same updates.

    What it does
    ------------
    Rewrites `tf.compat.v1.train.XOptimizer(...)` (and `tf.train.XOptimizer` in TensorFlow 1
    code), reached through any import or alias, into `keras.optimizers.X(...)`. Arguments are
    mapped by meaning, positional or keyword: `beta1` becomes `beta_1`, RMSProp's `decay` becomes
    `rho`, `use_nesterov` becomes `nesterov`; `use_locking` and the like are dropped. Where a
    default changed, the TF1 value is written out (`epsilon=1e-08` for Adam and Adadelta,
    `epsilon=0.0` for Adagrad, `epsilon=1e-10` for RMSProp). Optimizer classes used as values stay
    classes. The import of `keras` is added and imports the rewrite left unused are removed.

    Why
    ---
    TensorFlow 1 optimizers cannot be given to Keras 3 (`compile()` raises `Could not interpret
    optimizer identifier`), and the Keras 3 defaults differ: a bare `keras.optimizers.Adam()` is
    not TF1's `AdamOptimizer()`.

    Example
    -------
    From `fixtures/tf1-optimizer/adam.py`:

    ```python
    import tensorflow as tf

    opt = tf.compat.v1.train.AdamOptimizer(0.01, beta1=0.8)
    ```

    becomes

    ```python
    import keras

    opt = keras.optimizers.Adam(learning_rate=0.01, beta_1=0.8, epsilon=1e-08)
    ```

    Fix safety
    ----------
    Safe where the Keras 3 optimizer computes the same updates: arguments mapped by meaning, the TF1
    defaults Keras 3 changed written out. Unsafe, applied only with --unsafe-fixes: RMSProp (TF1
    starts its accumulator at 1.0, Keras at 0.0), Momentum whose learning rate is not a literal
    constant (TF1 and Keras accumulate differently once it changes), and optimizer classes used as
    values when the class alone cannot carry TF1's defaults. Reported only, with no fix:
    AdagradDA, SyncReplicas, Proximal optimizers with non-zero l1/l2, `tf.contrib.opt`, the TF1
    base class, `None` for a numeric hyperparameter. An optimizer that flows into `minimize()`,
    `compute_gradients()`, `apply_gradients(global_step=...)`, `get_slot()`, a TF1 wrapper
    (`CrossShardOptimizer`) or a library that drives it the TF1 way (tf_agents agents) is left as it
    is, with a finding at each such call: rewriting only the constructor would break the file. In a
    file that drives optimizers the TF1 way anywhere, every TF1 optimizer or class that leaves what
    the rule follows (returned, a default argument, stored on an attribute or in a container,
    passed to a call the rule does not follow) may be one of them, so it stays TF1 too, with a
    finding; so does one whose learning rate is a TF1 tensor (`tf.train.exponential_decay`).

    What the tests prove: the fixtures' TF1 optimizers (run eagerly on the installed TensorFlow)
    and their rewrites under Keras 3 run side by side on the same float32 gradients, normal and
    near 1e-6: the safe rewrites agree to 1e-6 (normwise, relative) at every step, while a changed
    default is shown to move the result by more than 1e-3; each unsafe rewrite (RMSProp, Momentum
    under a changing learning rate, a class used as a value) is shown to differ. Every row of the
    mapping is checked against the installed TensorFlow and Keras signatures and defaults.

    Known problems
    --------------
    Flows are followed by name within a function (a name it does not bind is the module's), by
    attribute (`self.opt`) within the file, through what the file's functions return, and one step
    into a function of the file it is passed to; in a file with no TF1-only use, an optimizer that
    leaves the file is rewritten. A learning rate counts as constant only when it is a literal or a
    name assigned only literals.
    """

    id = "tf1-optimizer"

    @classmethod
    def wants(cls, data: bytes) -> bool:
        return (b"Optimizer" in data or b"contrib" in data) and _MAY_NAME_TF1.search(data) is not None

    @classmethod
    def relevant(cls, tree: ast.Module) -> bool:
        """A name in code or an import that may stand for a TF1 optimizer class, the TF1 base
        class or tf.contrib.opt (not a mention in docstrings and comments)."""
        return any(tf1_class(name) or name in NO_EQUIVALENT_MODULES or _no_equivalent_module(name) or _project_train_name(name)
                   for name in possible_names(tree))

    def __init__(self, file: FileContext) -> None:
        super().__init__(file)
        self.blocked: dict[int, str] = {}  # id(constructor call) -> why it stays TF1
        self.literal_names: dict[str, bool] = {}
        self.graph_api = ""  # a TF1 graph-mode API the file uses, if any
        self.escape_reason = ""  # why optimizers that leave their scope must stay TF1, if they must

    def anchors(self, chains):
        """Names bound to what may be a TF1 optimizer class, the TF1 base class or a module with
        no Keras 3 equivalent (the flows are followed over the whole module apart)."""
        return frozenset(reaching_heads(chains, self.file.imports, _may_be_tf1, bound_only=True))

    def reads_beyond_visits(self, tree: ast.Module) -> frozenset[str] | None:
        """Nothing where the flows are not followed; the whole module where they are."""
        return None if self._follows_flows() else frozenset()

    def names_carrying_state(self, tree: ast.Module) -> frozenset[str] | None:
        """Where the flows are not followed, the names given as arguments to a call whose callee's
        head is an anchor: a constructor's argument is constant if every assignment of its name
        the pass visits assigns a literal (`literal_names`)."""
        if self._follows_flows():
            return None
        calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
        chains = [tuple(chain) for node in ast.walk(tree) if isinstance(node, (ast.Name, ast.Attribute)) and (chain := ast_chain(node))]
        heads = self.anchors(chains)
        return frozenset(value.id for call in calls if (ast_chain(call.func) or [None])[0] in heads
                         for value in (*(arg.value if isinstance(arg, ast.Starred) else arg for arg in call.args), *(keyword.value for keyword in call.keywords))
                         if isinstance(value, ast.Name))

    def _follows_flows(self) -> bool:
        """Whether optimizers are followed over the module: not where each is a constructor standing alone."""
        return _TF1_CLASS_NAMES.search(self.file.text) is not None and not standalone_constructors(self.file.text, self.file.imports)

    # -- bookkeeping on the way down -------------------------------------------------------

    def visit_Module(self, node: cst.Module) -> None:
        if self._follows_flows():
            from optfix.codemods.tf1_optimizer.flows import OptimizerFlows

            flows = OptimizerFlows(self)
            walk(node, flows)
            self.blocked = flows.blocked
            self.graph_api, self.graph_node = flows.graph_api, flows.graph_node
            self.escape_reason = flows.escape_reason

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                literal = constant(node.value) is not NOT_CONSTANT
                self.literal_names[target.target.value] = literal and self.literal_names.get(target.target.value, True)

    # -- rewrites on the way up ------------------------------------------------------------

    def on_call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        qualified = self.file.imports.qualified_name(original.func)
        if self._through_project_module(original.func, qualified):
            return updated
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
        # An optimizer with no Keras 3 counterpart is reported as such wherever its object goes.
        why = self._graph_code() or (self.blocked.get(id(original)) if row.keras else "")
        if why:
            self.report(original, f"{name} left as it is: {why}")
            return updated
        return self._construct(original, updated, row)

    def _through_project_module(self, node: cst.BaseExpression, qualified: str | None) -> bool:
        """`tfv1.train.AdamOptimizer` where `tfv1` comes from a module of the project's own that
        optfix cannot prove is TensorFlow's (`tfv1 = tf.compat.v1`, chosen at import time):
        reported, left as written."""
        name = _project_train_name(qualified)
        if name is None or not self._unproven_project_import(node):
            return False
        head = qualified.split(".train.")[0]
        what = "the TF1 base class" if name == TF1_BASE_CLASS else f"the TF1 optimizer {name}"
        self.report(node, f"{code(node)} reads as {what}, reached through {head}, a module of the project's own that optfix "
                          "cannot prove is TensorFlow's: left as it is; import tensorflow.compat.v1 directly and run optfix again")
        return True

    def _unproven_project_import(self, node: cst.BaseExpression) -> bool:
        imports = self.file.imports
        head = (cst_chain(node) or [None])[0]
        if head not in imports.origins:
            return False
        resolution = imports.project_import(imports.bindings[head])
        return resolution is not None and resolution.qualified is None

    def _graph_code(self) -> str:
        """Why TF1 optimizers stay in this file, if it builds TF1 graphs; the evidence is reported
        once, when it first keeps one."""
        if not self.graph_api:
            return ""
        if self.graph_node is not None:
            self.report(self.graph_node, f"TensorFlow 1 graph code ({self.graph_api}): Keras 3 optimizers cannot run in "
                                         "TF1 graphs, so the TF1 optimizers in this file are left as they are; move the "
                                         "training loop to TF2 (eager, tf.function or model.fit) first")
            self.graph_node = None
        return f"the file builds TensorFlow 1 graphs ({self.graph_api}), where Keras 3 optimizers cannot run"

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        return self._reference(original, updated)

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        return self._reference(original, updated) if self.is_value(original) else updated

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
        broken = [n for n in filled if constant(values[n].value) is None and params[n].none_means is NO_NONE_MEANING
                  and isinstance(params[n].default, float)]
        if broken:
            self.report(original, f"{row.legacy}: {', '.join(broken)}=None fails in TF1 too (it needs a number); "
                                  "write the number meant, then run optfix again")
            return updated
        args = []
        for param_name, arg in zip(filled, updated.args):
            param = params[param_name]
            if param.keras is None:
                continue
            if param.none_means is not NO_NONE_MEANING and constant(arg.value) is None:
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
        if self._through_project_module(original, qualified):
            return updated
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
        why = self._graph_code() or (f"the class is used as a value, and {self.escape_reason}" if self.escape_reason else "")
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
            self.file.use_keras(needs_keras, legacy_reference)
        return result


def _project_train_name(qualified: str | None) -> str | None:
    """`AdamOptimizer` of `.compat.tfv1.train.AdamOptimizer`: a TF1 optimizer name reached through
    a module that is not TensorFlow's (a project module's, as the import spells it)."""
    if not qualified or qualified.startswith("tensorflow.") or ".train." not in qualified:
        return None
    name = qualified.rsplit(".train.", 1)[1]
    return name if name in TF1_OPTIMIZERS or name == TF1_BASE_CLASS else None


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
