"""Rule `optimizer-api`: calls on optimizer objects of the TF 2.x API that Keras 3 removed."""

from __future__ import annotations

import ast
import re

from optfix.analysis.tree import code
from optfix.knowledge.namespaces import keras_member
from optfix.knowledge.optimizer_api import (
    AGGREGATION_KEYWORDS,
    APPLY_GRADIENTS_DROPPED,
    EXPERIMENTAL_LOSS_SCALE_CLASS,
    LAYOUT,
    REPORTED_METHODS,
    SKIPPED_STEPS,
    TF2_LOSS_SCALE_CLASS,
)
from optfix.lazy import libcst as cst
from optfix.rulekit.anchors import reaching_heads
from optfix.rulekit.calls import constant, with_args
from optfix.rulekit.rule import FileContext, Rule

from optfix.codemods.optimizer_api import loss_scale, prefilter
from optfix.codemods.optimizer_api.prefilter import FACTORY_METHODS, METHODS, ONLY_OPTIMIZERS
from optfix.codemods.optimizer_api.minimize import NO_MINIMIZE, Minimize, MinimizeStatements, one_line
from optfix.codemods.optimizer_api.values import Kind, OptimizerValues
from optfix.codemods.optimizer_api.var_lists import VariableLists

# Methods of OptimizerV2 only (TF1's have none), and their uses in a class.
_OPTIMIZER_V2_ONLY = frozenset({"add_slot", "_get_hyper", "_set_hyper", "get_gradients"})
_OPTIMIZER_V2_USE = re.compile(r"\bself\.(?:add_slot|_get_hyper|_set_hyper)\(")
_NOT_INSTANCES = frozenset({"self", "cls"})  # inside an optimizer class these are its own methods
# `optimizer`, `self._optimizer`, `actor_optimizer`; for a call, `opt`, `g_opt`, `opt_clip` too (not
# for `.weights`: `opt.weights` is as often the weights file given on a command line).
_NAMED_LIKE_ONE = re.compile(r"optimi[sz]er", re.IGNORECASE)
_ABBREVIATED = re.compile(r"(?:^|_)opt(?:_|$)", re.IGNORECASE)


class OptimizerApiRule(MinimizeStatements, Rule):
    """Rewrite calls on optimizers from the TF 2.x API that Keras 3 removed.

    What it does
    ------------
    Looks at calls on objects the file shows to be Keras optimizers: built from a Keras optimizer
    class (`tf.keras.optimizers.Adam(...)`, `optimizers.get(...)`, a LossScaleOptimizer, a class
    of the file derived from one, a function of the file returning one), `model.optimizer`,
    an attribute such as `self.optimizer` that the file assigns only optimizers, or a parameter
    annotated with an optimizer class. TF1 optimizers (`tf.compat.v1.train`) are left to
    `tf1-optimizer`.

    - `opt.minimize(loss, var_list)`, a statement of its own in TF 2 (eager or `tf.function`)
      code, becomes a `tf.GradientTape` block that computes the loss (the lambda's body, or the
      callable called), `tape.gradient` and `opt.apply_gradients(zip(gradients, var_list))`; with
      `tape=`, the given tape is used; `grad_loss=` becomes `output_gradients=`. Where the
      optimizer may scale losses (a LossScaleOptimizer, `model.optimizer`), the loss on the tape
      is `opt.scale_loss(...)`.
    - LossScaleOptimizer: `get_scaled_loss(loss)` becomes `scale_loss(loss)`;
      `get_unscaled_gradients(grads)` becomes `grads` where its result goes only to
      `apply_gradients(zip(...))` (a statement left assigning a name to itself goes); the
      constructor gets Keras 3's arguments (`dynamic=True` and `None` defaults dropped, the scale
      settings by keyword; the TF 2.1-2.3 `mixed_precision.experimental` form with `"dynamic"` or a
      `DynamicLossScale` too).
    - `apply_gradients(..., name=...)` loses `name`, and `experimental_aggregate_gradients=` or
      `skip_gradients_aggregation=` go where the file uses no `tf.distribute`.
    - `opt._decayed_lr(dtype)` becomes `tf.cast(opt.learning_rate, dtype)` (`keras.ops.cast`
      without TensorFlow imported).
    - `opt.weights` and `opt.variables()` become `opt.variables`, and `opt.get_weights()`
      `[v.numpy() for v in opt.variables]`, as unsafe fixes.

    Reported with the Keras 3 way: `get_slot`, `get_slot_names`, `add_slot`, `get_gradients`,
    `_get_hyper` and `_set_hyper` on an optimizer object, and what the rewrites above cannot keep.
    `get_scaled_loss`, `get_unscaled_gradients`, `_decayed_lr`, `_get_hyper` and `_set_hyper` on
    any other object but `self` are reported too (only optimizers have them), and so are the calls
    above on an object named like an optimizer (`optimizer`, `self._optimizer`, `opt`, `g_opt`) in
    a file that builds no TF1 optimizer, or built from another package's class named like a Keras
    optimizer (`dp_optimizer_keras.DPKerasSGDOptimizer`: such a class may do more in minimize than
    a gradient step, so it is never rewritten). One optimizer stepped with two variable lists
    (`opt.minimize(l1, var_list=a)`, then `var_list=b`) is reported at the second: Keras 3 builds
    an optimizer for the variables of its first step and raises `ValueError: Unknown variable`
    on others. Every LossScaleOptimizer is reported (or its rewrite says so): Keras 3's does not
    count a step it skips for non-finite gradients in `iterations`, TF 2.x's did, so schedules
    and Adam's bias correction fall one step behind per skipped step.

    Why
    ---
    Code written for TF 2.0-2.15 calls these in its training loops and callbacks; on TF 2.16+
    (tf.keras is Keras 3) each fails at run time: `AttributeError: 'Adam' object has no attribute
    'minimize'` (or `get_scaled_loss`, `_decayed_lr`, `weights`), `TypeError: apply_gradients()
    got an unexpected keyword argument 'experimental_aggregate_gradients'`.

    Example
    -------
    From `fixtures/optimizer-api/minimize_lambda.py`:

    ```python
    import tensorflow as tf

    w = tf.Variable([1.0, 2.0])
    opt = tf.keras.optimizers.SGD(0.1)
    opt.minimize(lambda: tf.reduce_sum(w * w), var_list=[w])
    ```

    becomes

    ```python
    import tensorflow as tf

    w = tf.Variable([1.0, 2.0])
    opt = tf.keras.optimizers.SGD(0.1)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(w * w)
    gradients = tape.gradient(loss, [w])
    opt.apply_gradients(zip(gradients, [w]))
    ```

    Fix safety
    ----------
    Safe, applied by default: the minimize blocks, `scale_loss`, the unscaling left to
    `apply_gradients`, the LossScaleOptimizer arguments (Keras 3's defaults are TF 2.x's), the
    dropped keywords (none changes the math without a strategy) and `_decayed_lr` (Keras 3's
    `learning_rate` evaluates the schedule at `iterations`, as `_decayed_lr` did). Unsafe, applied
    only with --unsafe-fixes: `weights`, `variables()` and `get_weights()`, as Keras 3 lists the
    learning rate too and orders the slots per kind, so a list saved from, compared with or loaded
    into TF 2.x's no longer lines up. Reported only: minimize whose var_list is a callable, whose
    loss is a tensor with no tape, whose result is used, that is not a statement of its own, or in
    a file that uses TF1 graph APIs; `get_unscaled_gradients` whose result is used elsewhere
    (clipping and logging would see scaled values: Keras 3 unscales inside `apply_gradients`);
    aggregation keywords under a `tf.distribute` strategy (Keras 3 always sums over replicas, so
    gradients summed already would be summed again); `LossScaleOptimizer(dynamic=False)` and fixed
    experimental loss scales (Keras 3 has none); `apply_gradients` on a LossScaleOptimizer in a
    function that scales no loss (Keras 3 divides by the scale there).

    How this is checked: each fixture the rule rewrites runs as a training script: the original on tf_keras 2.21 (TF 2.x's Keras; with its
    OptimizerV2 classes where the fixture calls their API), the rewrite on Keras 3, from the same
    initial weights on the same data; the trained variables (and the learning rates read) agree
    to 1e-6, while each unsafe rewrite is shown to list other variables.

    Known problems
    --------------
    Values are followed by name within a scope and by attribute (`self.opt`) within the file; an
    optimizer passed as an unannotated parameter is not known (only the methods no other object
    has are reported there). TF 2.x's minimize also watched the variables of var_list, so a
    non-trainable variable there got a gradient; the tape block watches only trainable ones. A
    strategy set up in another file is not seen: `experimental_aggregate_gradients=False` is then
    dropped though Keras 3 will sum the gradients again. A custom training step on
    `model.optimizer` under a mixed precision policy that computes gradients without scaling the
    loss is not reported. Variable lists are compared as written: two spellings of one list are
    reported, and one call stepping different lists (in a loop over models) is not. The TF 2.1-2.3
    `mixed_precision.experimental` LossScaleOptimizer cannot run on tf_keras 2.21: its rewrite is
    checked against the arguments TF 2.4-2.12 translated it to. With TF 2.x's `decay=`,
    `_decayed_lr(tf.float16)` did the division in float16; its rewrite rounds the float32 rate
    once, which may differ in a float16's last bit.
    """

    id = "optimizer-api"

    @classmethod
    def wants(cls, data: bytes) -> bool:
        return prefilter.wants(data)

    @classmethod
    def relevant(cls, tree: ast.Module) -> bool:
        return prefilter.relevant(tree)

    def anchors(self, chains):
        """The methods, `weights`, and the names that may reach a LossScaleOptimizer class (what
        the objects hold is read from the whole module apart)."""
        return frozenset(METHODS | {"weights"} | reaching_heads(chains, self.file.imports, _is_loss_scale_class))

    def __init__(self, file: FileContext) -> None:
        super().__init__(file)
        self.module: cst.Module | None = None
        self._values: OptimizerValues | None = None  # read when a site asks (most files have none)
        self._variable_lists: VariableLists | None = None
        self.called: set[int] = set()  # ids of expressions in call position
        self.targets: set[int] = set()  # ids of expressions assigned or deleted
        self.statement_of: dict[int, cst.SimpleStatementLine] = {}  # id(call) -> its statement, where it is one
        self.assigned_to: dict[int, str] = {}  # id(call) -> the name `name = call` assigns it to
        self.expressions: set[int] = set()  # ids of calls that are expression statements
        self.expansions: dict[int, tuple[cst.Call, Minimize, str]] = {}  # id(statement) -> (call, plan, receiver)
        self.removals: set[int] = set()  # ids of statements that a rewrite leaves as `x = x`

    # -- bookkeeping on the way down -------------------------------------------------------------

    @property
    def values(self) -> OptimizerValues:
        if self._values is None:
            self._values = OptimizerValues(self.module, self.file.imports, self.file.text)
        return self._values

    @property
    def variable_lists(self) -> VariableLists:
        if self._variable_lists is None:
            self._variable_lists = VariableLists(self.values)
        return self._variable_lists

    def visit_Module(self, node: cst.Module) -> None:
        self.module = node

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        for call, written, first in self._variable_lists.conflicts if self._variable_lists is not None else ():
            receiver = one_line(call.func.value)
            self.report(call, f"{receiver}.{call.func.attr.value}(...) steps {written}, where an earlier call steps {first}: "
                              f"a Keras 3 optimizer is built for the variables of its first step and refuses others "
                              f"(ValueError: Unknown variable): use one optimizer per variable list")
        return super().leave_Module(original, updated)

    def visit_Call(self, node: cst.Call) -> None:
        self.called.add(id(node.func))

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self.targets.add(id(node.target))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self.targets.add(id(node.target))

    def visit_Del(self, node: cst.Del) -> None:
        self.targets.add(id(node.target))

    def visit_Expr(self, node: cst.Expr) -> None:
        self.expressions.add(id(node.value))

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        if len(node.body) != 1:
            return
        statement = node.body[0]
        if isinstance(statement, cst.Expr) and isinstance(statement.value, cst.Call):
            self.statement_of[id(statement.value)] = node
        elif isinstance(statement, cst.Assign) and isinstance(statement.value, cst.Call) and len(statement.targets) == 1:
            target = statement.targets[0].target
            if isinstance(target, cst.Name):
                self.assigned_to[id(statement.value)] = target.value
                self.statement_of[id(statement.value)] = node

    # -- calls -------------------------------------------------------------------------------------

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        func = original.func
        qualified = self.file.imports.resolved_name(func)
        member = keras_member(qualified)
        if member == TF2_LOSS_SCALE_CLASS or member == EXPERIMENTAL_LOSS_SCALE_CLASS:
            return self._loss_scale_optimizer(original, updated, member == EXPERIMENTAL_LOSS_SCALE_CLASS)
        if not isinstance(func, cst.Attribute) or func.attr.value not in METHODS:
            return updated
        scope = self.values.scope_of.get(id(original))
        if scope is None:
            return updated
        method = func.attr.value
        kind = self.values.kind(func.value, scope)
        receiver = one_line(func.value)
        if not kind.keras:
            if method in FACTORY_METHODS and self._made_from_given_class(original, method, receiver, scope):
                return updated
            if kind is Kind.FOREIGN or (kind is Kind.UNKNOWN and _maybe_instance(func.value)):
                self._report_unknown(original, method, receiver, foreign=kind is Kind.FOREIGN)
            return updated
        if method in ("minimize", "apply_gradients"):
            self.variable_lists.note(original, scope)
        if method in REPORTED_METHODS:
            self.report(original, f"{receiver}.{method}(...): {REPORTED_METHODS[method]}")
            return updated
        handler = getattr(self, f"_{method.lstrip('_')}")
        return handler(original, updated, receiver, kind, scope)

    def _report_unknown(self, call: cst.Call, method: str, receiver: str, foreign: bool = False) -> None:
        """A call on an object the file does not show to be a Keras optimizer: reported where only
        an optimizer has the method, where the object is named like one (outside files that build
        TF1 optimizers, which have minimize, get_slot and variables() too), or where it is built
        from another package's class named like a Keras optimizer."""
        if any(arg.keyword is not None and arg.keyword.value == "global_step" for arg in call.args):
            return  # minimize or apply_gradients of a TF1 optimizer: tf1-optimizer's
        if method in _ADVICE:
            self.report(call, f"{receiver}.{method}(...): if {receiver} is a Keras optimizer, Keras 3's has no {method} "
                              f"(AttributeError); {_ADVICE[method](receiver)}")
        elif method == "apply_gradients":
            keywords = [arg.keyword.value for arg in call.args if arg.keyword is not None and arg.keyword.value in AGGREGATION_KEYWORDS]
            if keywords:
                self.report(call, f"{receiver}.apply_gradients(..., {keywords[0]}=...): if {receiver} is a Keras optimizer, "
                                  f"Keras 3's takes no {keywords[0]} (TypeError) and always sums the gradients over the replicas "
                                  "of a tf.distribute strategy: drop the keyword (and an all-reduce of your own)")
        elif method in _UNKNOWN_ADVICE and (foreign or method in ONLY_OPTIMIZERS
                                                  or _named_like_optimizer(call.func.value) and not self.values.tf1_file):
            condition = (f"{receiver} is built from another package's class named like a Keras optimizer, whose "
                         f"{method} may do more than the built-in's (not rewritten)") if foreign else \
                f"if {receiver} is a Keras optimizer"
            self.report(call, f"{receiver}.{method}(...), {condition}: {_UNKNOWN_ADVICE[method]}")

    def _made_from_given_class(self, call: cst.Call, method: str, receiver: str, scope) -> bool:
        """A call of an OptimizerV2 method on `self` (or on the base itself) in a class that a
        function derives from the class it is given: reported, as that class is an optimizer
        class where the method is add_slot, _get_hyper, _set_hyper or get_gradients, or where the
        class uses one of the first three."""
        base = self.values.factory_base(scope)
        if base is None or receiver not in ("self", base):
            return False
        if method in _OPTIMIZER_V2_ONLY or _OPTIMIZER_V2_USE.search(code(self._class_of(scope))):
            self.report(call, f"{receiver}.{method}(...), in a class derived from the optimizer class given as {base}: "
                              f"{REPORTED_METHODS[method]}; the class is tf.keras 2 optimizer machinery to move to "
                              "Keras 3's Optimizer (build(), update_step())")
        return True

    @staticmethod
    def _class_of(scope) -> cst.ClassDef:
        while not scope.is_class:
            scope = scope.parent
        return scope.node

    def _get_scaled_loss(self, original, updated, receiver, kind, scope) -> cst.Call:
        if len(original.args) != 1 or isinstance(original.args[0].value, cst.Lambda):
            self.report(original, f"{receiver}.get_scaled_loss(...): Keras 3's LossScaleOptimizer has no get_scaled_loss "
                                  f"(AttributeError): use {receiver}.scale_loss(loss) on a loss value (not a callable)")
            return updated
        replacement = updated.with_changes(func=updated.func.with_changes(attr=cst.Name("scale_loss")))
        return self.rewrite(original, updated, replacement, f"{receiver}.get_scaled_loss(...) -> {receiver}.scale_loss(...): "
                            "Keras 3's LossScaleOptimizer has no get_scaled_loss (AttributeError)")

    def _get_unscaled_gradients(self, original, updated, receiver, kind, scope) -> cst.BaseExpression:
        args = original.args
        target = self.assigned_to.get(id(original))
        goes_to_apply = id(original) in self.values.apply_only or (
            target is not None and self.values.reads_go_only_to_apply(target, scope, args[0].value if args else None))
        if len(args) != 1 or args[0].keyword is not None or args[0].star or not goes_to_apply:
            self.report(original, f"{receiver}.get_unscaled_gradients(...): Keras 3's LossScaleOptimizer has no "
                                  f"get_unscaled_gradients (AttributeError); {_ADVICE['get_unscaled_gradients'](receiver)}")
            return updated
        gradients = updated.args[0].value.with_changes(lpar=updated.lpar, rpar=updated.rpar) if updated.lpar else updated.args[0].value
        message = (f"{receiver}.get_unscaled_gradients({one_line(args[0].value)}) -> {one_line(args[0].value)}: Keras 3's "
                   "LossScaleOptimizer has no get_unscaled_gradients (AttributeError); its apply_gradients unscales them")
        result = self.rewrite(original, updated, gradients, message)
        if result is gradients and isinstance(args[0].value, cst.Name) and args[0].value.value == target:
            self.removals.add(id(self.statement_of[id(original)]))
        return result

    def _apply_gradients(self, original, updated, receiver, kind, scope) -> cst.Call:
        if kind is Kind.LOSS_SCALE and not self.values.scales_nearby(scope):
            self.report(original, f"{receiver}.apply_gradients(...): Keras 3's LossScaleOptimizer divides the gradients by "
                                  f"the loss scale here, and this function scales no loss: compute the gradients of "
                                  f"{receiver}.scale_loss(loss)")
        positional = ("grads_and_vars", "name")
        names = [arg.keyword.value if arg.keyword is not None else positional[i] if i < len(positional) else None
                 for i, arg in enumerate(original.args)]
        dropped, problems = [], []
        for index, (name, arg) in enumerate(zip(names, original.args)):
            if name in APPLY_GRADIENTS_DROPPED:
                dropped.append(index)
            elif name in AGGREGATION_KEYWORDS:
                if constant(arg.value) == AGGREGATION_KEYWORDS[name] or not self.values.strategy:
                    dropped.append(index)
                else:
                    problems.append(name)
        if problems:
            self.report(original, f"{receiver}.apply_gradients(..., {problems[0]}=...): Keras 3 takes no {problems[0]} "
                                  "(TypeError) and always sums the gradients over the replicas of a tf.distribute strategy, "
                                  "which this file uses: gradients summed already would be summed again; drop the keyword "
                                  "and the all-reduce of your own")
            return updated
        if not dropped:
            return updated
        written = ", ".join(f"{names[i]}=..." for i in dropped)
        reason = "it only named the op" if all(names[i] in APPLY_GRADIENTS_DROPPED for i in dropped) else \
            "with no tf.distribute strategy in the file they change nothing"
        replacement = with_args(updated, [arg for i, arg in enumerate(updated.args) if i not in dropped])
        return self.rewrite(original, updated, replacement, f"{receiver}.apply_gradients(..., {written}) -> without them: "
                            f"Keras 3's apply_gradients takes only grads_and_vars (TypeError); {reason}")

    def _decayed_lr(self, original, updated, receiver, kind, scope) -> cst.BaseExpression:
        if len(original.args) != 1 or original.args[0].star:
            self.report(original, f"{receiver}._decayed_lr(...): Keras 3 optimizers have no _decayed_lr (AttributeError): "
                                  f"read {receiver}.learning_rate")
            return updated
        tf_name = self.file.imports.name_for("tensorflow")
        needs_keras = False
        if tf_name is not None:
            cast = cst.parse_expression(f"{tf_name}.cast")
        else:
            cast, needs_keras = self.file.keras_reference("ops.cast")
        rate = cst.Attribute(updated.func.value, cst.Name("learning_rate"))
        dtype = updated.args[0].with_changes(keyword=None, equal=cst.MaybeSentinel.DEFAULT)
        replacement = updated.with_changes(func=cast, args=[cst.Arg(rate, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))), dtype])
        message = (f"{receiver}._decayed_lr(...) -> {code(cast)}({receiver}.learning_rate, ...): Keras 3 optimizers have no "
                   "_decayed_lr (AttributeError); learning_rate is the current rate, a schedule evaluated at iterations")
        result = self.rewrite(original, updated, replacement, message)
        if result is replacement and needs_keras:
            self.file.add_keras_import()
        return result

    def _get_weights(self, original, updated, receiver, kind, scope) -> cst.BaseExpression:
        if original.args:
            return updated
        item = "variable" if receiver.split(".")[0] == "v" else "v"
        replacement = cst.parse_expression(f"[{item}.numpy() for {item} in _.variables]")
        replacement = replacement.with_changes(for_in=replacement.for_in.with_changes(iter=cst.Attribute(updated.func.value, cst.Name("variables"))),
                                               lpar=updated.lpar, rpar=updated.rpar)
        message = (f"{receiver}.get_weights() -> [{item}.numpy() for {item} in {receiver}.variables]: Keras 3 optimizers have "
                   f"no get_weights (AttributeError); {LAYOUT}")
        return self.rewrite(original, updated, replacement, message, safe=False)

    def _variables(self, original, updated, receiver, kind, scope) -> cst.BaseExpression:
        if original.args:
            return updated
        replacement = updated.func.with_changes(lpar=updated.lpar, rpar=updated.rpar)
        message = (f"{receiver}.variables() -> {receiver}.variables: Keras 3's optimizer.variables is a list, not a "
                   f"method (TypeError); {LAYOUT}")
        return self.rewrite(original, updated, replacement, message, safe=False)

    def _loss_scale_optimizer(self, original: cst.Call, updated: cst.Call, experimental: bool) -> cst.Call:
        func = one_line(original.func)
        arguments = loss_scale.experimental_arguments(updated, self.file.imports) if experimental else loss_scale.loss_scale_arguments(updated)
        if arguments.problem:
            self.report(original, f"{func}(...): {arguments.problem}")
            return updated
        if not arguments.changed:
            self.report(original, f"{func}(...): Keras 3's LossScaleOptimizer {SKIPPED_STEPS}")
            return updated
        new_func, referenced, needs_keras = updated.func, False, False
        if experimental:
            written = original.func
            if isinstance(written, cst.Attribute) and isinstance(written.value, cst.Attribute) and written.value.attr.value == "experimental":
                new_func = updated.func.with_changes(value=updated.func.value.value)  # `tf.keras.mixed_precision.LossScaleOptimizer`
            else:  # reached through an import of the experimental module, which Keras 3 does not have
                (new_func, needs_keras), referenced = self.file.keras_reference("optimizers.LossScaleOptimizer"), True
        replacement = with_args(updated.with_changes(func=new_func), arguments.args)
        message = (f"{func}(...) -> {one_line(replacement)}: Keras 3's LossScaleOptimizer takes the inner optimizer, "
                   "initial_scale= and dynamic_growth_steps=, and is always dynamic with TF 2.x's defaults; but it "
                   f"{SKIPPED_STEPS}")
        result = self.rewrite(original, updated, replacement, message)
        if result is replacement and referenced:
            if needs_keras:
                self.file.add_keras_import()
            origin = self.file.imports.head_origin(original.func)
            if origin is not None:
                self.file.remove_import_if_unused(*origin)
        return result

    # -- attributes --------------------------------------------------------------------------------

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        if original.attr.value != "weights" or id(original) in self.called or id(original) in self.targets:
            return updated
        scope = self.values.scope_of.get(id(original))
        kind = self.values.kind(original.value, scope) if scope is not None else Kind.UNKNOWN
        receiver = one_line(original.value)
        if kind is Kind.FOREIGN or kind is Kind.UNKNOWN and _named_like_optimizer(original.value, strict=True) and not self.values.tf1_file:
            self.report(original, f"{receiver}.weights, if {receiver} is a Keras optimizer: Keras 3 optimizers have no weights "
                                  f"attribute (AttributeError): read {receiver}.variables; {LAYOUT}")
        if not kind.keras:
            return updated
        replacement = updated.with_changes(attr=cst.Name("variables"))
        return self.rewrite(original, updated, replacement, f"{receiver}.weights -> {receiver}.variables: Keras 3 optimizers "
                            f"have no weights attribute (AttributeError); {LAYOUT}", safe=False)

def _is_loss_scale_class(qualified: str) -> bool:
    return keras_member(qualified) in (TF2_LOSS_SCALE_CLASS, EXPERIMENTAL_LOSS_SCALE_CLASS)


def _named_like_optimizer(receiver: cst.BaseExpression, strict: bool = False) -> bool:
    """Whether an object's name (a name, or an attribute's last name) says it is an optimizer:
    `optimizer` in it, or (unless strict) `opt` as a word of it."""
    name = receiver.value if isinstance(receiver, cst.Name) else receiver.attr.value if isinstance(receiver, cst.Attribute) else ""
    return _NAMED_LIKE_ONE.search(name) is not None or not strict and _ABBREVIATED.search(name) is not None


def _maybe_instance(receiver: cst.BaseExpression) -> bool:
    """Whether an object of unknown class may be an optimizer instance: not the class's own
    `self`, `cls` or `super()`."""
    if isinstance(receiver, cst.Name):
        return receiver.value not in _NOT_INSTANCES
    if isinstance(receiver, cst.Call):
        return not (isinstance(receiver.func, cst.Name) and receiver.func.value == "super")
    return True


_ADVICE = {
    "get_scaled_loss": lambda r: f"use {r}.scale_loss(loss)",
    "get_unscaled_gradients": lambda r: (
        f"its apply_gradients unscales the gradients itself, so give it the scaled ones; where they are also used "
        f"otherwise (clipping, logging), those uses would see scaled values: clip with the inner optimizer's clipnorm= or "
        f"global_clipnorm= (applied after unscaling), or divide by {r}.dynamic_scale"
    ),
    "_decayed_lr": lambda r: f"read the current rate as {r}.learning_rate (cast it to the dtype asked for)",
}
# What to say of a call on an object named like an optimizer that the file does not show to be one.
_UNKNOWN_ADVICE = {
    **REPORTED_METHODS,
    "minimize": f"{NO_MINIMIZE}: compute the gradients on a tf.GradientTape and call apply_gradients(zip(gradients, var_list))",
    "variables": f"Keras 3's optimizer.variables is a list, not a method (TypeError); {LAYOUT}",
    "get_weights": f"Keras 3 optimizers have no get_weights (AttributeError): [v.numpy() for v in optimizer.variables]; {LAYOUT}",
}
