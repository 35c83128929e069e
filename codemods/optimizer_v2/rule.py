"""Rule `optimizer-v2`: custom tf.keras 2 optimizers (the OptimizerV2 API) to the Keras 3 optimizer API."""

from __future__ import annotations

import ast
import re

from optfix.analysis.ast_nodes import every_node
from optfix.analysis.tree import code
from optfix.codemods.optimizer_v2.api_use import api_used, names_read, overrides_apply_gradients, steps, uses_the_api
from optfix.knowledge import optimizer_v2 as api
from optfix.knowledge.keras import KERAS3_OPTIMIZERS, OPTIMIZER_V2_API, TF_KERAS_SIGNATURES
from optfix.knowledge.namespaces import keras_member
from optfix.knowledge.optimizer_v2_builtins import KEPT_BASES
from optfix.lazy import lazy_import
from optfix.lazy import libcst as cst
from optfix.rulekit.class_code import get_updates_family, keras2_api_class, unmigrated_get_updates_class
from optfix.rulekit.rule import Rule

# The migration, loaded with libcst when a file needs it: not when optfix starts.
v2 = lazy_import("optfix.codemods.optimizer_v2.migration")
round_trip = lazy_import("optfix.rulekit.config_round_trip")
migrated_v2 = lazy_import("optfix.codemods.optimizer_v2.migrated")
migrated_classes = lazy_import("optfix.rulekit.migrated_optimizers")
families = lazy_import("optfix.codemods.optimizer_v2.families")
chosen_base = lazy_import("optfix.codemods.optimizer_v2.chosen_base")
base_family = lazy_import("optfix.codemods.optimizer_v2.base_family")
unreached = lazy_import("optfix.codemods.optimizer_v2.unreached")
registration = lazy_import("optfix.codemods.optimizer_v2.registration")

_LEFT_ALONE = ("keras.src", "tf_keras")  # Keras 3's own sources; tf_keras, kept on purpose
_BUILT_INS = frozenset(KERAS3_OPTIMIZERS | set(TF_KERAS_SIGNATURES))
_API = "|".join(sorted(OPTIMIZER_V2_API))
# The part of that API that only tf.keras 2's OptimizerV2 has (TensorFlow 1's Optimizer has the rest).
_DISPATCHES = re.compile(rb"def\s+apply_gradients\b")
_V2_ONLY = frozenset({"_set_hyper", "_get_hyper", "_decayed_lr", "add_slot", "_serialize_hyperparameter", "_prepare_local"})


class OptimizerV2Rule(Rule):
    """Migrate custom tf.keras 2 optimizers (the OptimizerV2 API: _resource_apply_dense, _create_slots, _set_hyper) to Keras 3's build and update_step.

    What it does
    ------------
    A class derived from tf.keras 2's optimizer base class (`tf.keras.optimizers.Optimizer` as
    TensorFlow 2.0-2.10 had it, `tf.keras.optimizers.legacy.Optimizer`, `OptimizerV2`, through any
    import) that is written against its API is rewritten in place, whole or not at all:
    - `__init__`: `self._set_hyper("beta_1", beta_1)` becomes `self.beta_1 = beta_1`; the learning rate goes to the base
      class, which Keras 3 requires, taken as `lr=` where the code took it so (`kwargs.get("lr", learning_rate)`) and as
      `learning_rate=` where its parameter has another name; a learning rate kept as a plain attribute (`self._lr =
      learning_rate`, which OptimizerV2 never saw) stays one, read as the number it was, and is given to the base class
      too; OptimizerV2's time-based decay (`decay=`, lr / (1 + decay * iterations), iterations counted before the step)
      becomes an `InverseTimeDecay` schedule where the class reads the decayed rate (`_decayed_lr`, the `lr_t` of
      `_prepare_local`, read); where it reads only the undecayed one (`_get_hyper("learning_rate")`), `decay=` goes to
      Keras 3's base class, which ignores it as OptimizerV2 in effect did; a class that reads no learning rate at all
      (it learns its step sizes) gives the base class an unused one, and drops `lr=` and `decay=`, which OptimizerV2
      took and ignored; a `decay` parameter of `__init__` that never reaches the base class (Keras 2's signatures) left
      OptimizerV2's decay at 0: it stays, and nothing is folded; the name goes by keyword; a learning rate deserialized
      after it (`if isinstance(learning_rate, Dict): learning_rate = ...deserialize(learning_rate)`) is deserialized
      before; `epsilon or backend.epsilon()` reads `keras.config.epsilon()`, the same value.
    - `_create_slots(var_list)` becomes `build(var_list)`: each slot a list attribute (`"m"` -> `self.m_slots`) of
      variables made by `add_variable_from_reference`, with the initializer kept (`"ones"`, constants as
      `keras.initializers.Constant`), in the order the legacy code made them (a loop over a list of names, `for name in
      ["m", "v"]:`, written out one block per name); `self.get_slot(var, "m")` reads
      `self.m_slots[self._get_variable_index(var)]`. A slot of a shape of its own (`add_slot(var, "v", "zeros",
      shape=[1])`, or one made from a tensor, `tf.zeros(shape=[], dtype=var.dtype)`: a layer-wise scalar) is made by
      `add_variable(shape=..., initializer=..., dtype=var.dtype)`, in the variable's dtype as OptimizerV2 made it.
    - `_prepare_local` and `_resource_apply_dense(grad, var, apply_state)` become one `update_step(gradient, variable,
      learning_rate)`: the coefficients are computed at its top, each a local named by its key
      (`coefficients["beta_1_t"]` reads `beta_1_t`; `lr_t` is the learning-rate argument in the variable's dtype; a
      `tf.function` decorator goes, as Keras 3 compiles the step itself and may run on JAX); a helper method handed
      `apply_state` takes the coefficients it reads instead, each a parameter named by its key
      (`self._decay_weights_op(var, lr_t, weight_decay_rate)`, a `tf.function` decorator gone), and one that only looks
      a coefficient up and returns it with the dictionary to pass on (`lr_t, kwargs = self._get_lr(var.device,
      var.dtype.base_dtype, apply_state)`) goes, the call reading the coefficient, its `**kwargs` to the base class's
      method with it; an override of `_prepare(var_list)` (once per step) that sets attributes from the step count and
      the hyperparameters becomes locals at the top of update_step (the same values, computed per variable); a variable
      of the optimizer (`self._m_cache = self.add_weight(...)` in `_create_slots`) that `_prepare` snapshots and
      `_prepare_local` or the updates write from that snapshot (tf.keras 2's Nadam and its momentum cache) is made in
      build() (initial value and dtype kept) and written once per step before the updates, in `_backend_update_step` as
      Keras 3's Nadam does, update_step reading it where the legacy code read the written value; `decay=` read as a
      number (`self._initial_decay`, Nadam's schedule decay) is kept as `self.initial_decay`, in get_config too;
      `var.assign*(x)`, `tf.compat.v1.assign*(var, x)` and the Keras backend's `K.update(var, x)` (`update_add`,
      `update_sub`) become `self.assign*(var, x)`, `use_locking` goes, a name bound to an update reads the variable, and
      what only grouped or ordered graph operations (`tf.group`, lists of update ops, `tf.control_dependencies` blocks,
      the op returned, `if not tf.executing_eagerly(): return <the last operation>`) goes; `_get_hyper("beta_1", dtype)`
      reads `ops.cast(self.beta_1, dtype)`; one that may hold a schedule (annotated `Callable` or `Dict`, or
      deserialized in `__init__`: tensorflow_addons' `weight_decay`) reads as in OptimizerV2: a Keras 3
      `LearningRateSchedule` as is, a callable called, a number cast (`_serialize_hyperparameter`: a schedule's config);
      `tf.keras.optimizers.schedules` are Keras 3's; TensorFlow math becomes `keras.ops` where the counterpart is exact
      (`tf.sqrt`, `tf.pow`, `tf.reduce_sum`, ...; `tf.identity(x)` is `x`; `tf.norm(x, ord=2)` over no axis is
      `ops.norm(x)`; the Keras backend's `K.sqrt(x)`, `K.mean(x, axis=0)` likewise), the rest stays TensorFlow, which
      Keras 3 runs on its TensorFlow backend.
    - an optimizer split over classes of the file, a base class holding `__init__`, the
      hyperparameters, helpers and get_config and subclasses that make the updates
      (`_create_slots`, `_resource_apply_dense`), is migrated together: each subclass as the class
      it is at run time (its base class's statements, then its own), the base class's statements
      going back to it, which must come out the same for every subclass; a subclass's `__init__`
      that only passes its arguments on (`super().__init__(*args, **kwargs)`) stays.
    - `self._get_hyper(name, dtype)` of a name that is a helper's parameter given a string literal at each call
      (`self._get_decayed_hyper("gamma", var_dtype)`), or the target of a loop over literals, reads the attribute of
      that name (`getattr(self, name)`; a dict of the attributes where one is renamed); a helper that returns an update
      its caller reads (`return m.assign(...)`) returns the variable after `self.assign(m, ...)`.
    - one helper that makes both updates, `_resource_apply(grad, var, indices=None)`, called by
      `_resource_apply_dense` without indices and by `_resource_apply_sparse` with them, is read as
      two paths, its `if indices is None:` branches taken for each: the dense one becomes
      update_step, the sparse one is judged as a sparse method of its own (below).
    - a call of one of TensorFlow's fused training kernels (`tf.raw_ops.ResourceApplyAdam(var=var.handle,
      ...)`, `training_ops.resource_apply_keras_momentum(...)`: gradient descent, momentum, Adam and
      AMSGrad, Adamax, Adadelta, Adagrad, proximal, FTRL, RMSprop, AddSign, PowerSign) becomes the
      statements of its update, operation for operation as TensorFlow's kernel computes it
      (`self.assign_add(m, (gradient - m) * (1 - beta_1_t))`, ...); a flag given as an expression
      (`use_nesterov=self.nesterov`) becomes an `if` over both updates.
    - `_resource_apply_sparse` (and `_resource_apply_sparse_duplicate_indices`) goes where it hands
      the gradient, made dense, to the dense method, writes whole variables as the dense one does,
      or runs the row-wise form of the dense method's kernel where a zero gradient leaves a row as
      it was (`ResourceSparseApplyAdagradV2`); update_step then makes a sparse gradient dense first
      (a row given twice summed), as OptimizerV2 did. One that updates only the gradient's rows with
      scatters (`self._resource_scatter_update(m, indices, m_slice)`, `var.scatter_sub(...)`: a lazy
      update, as for embeddings) becomes, with --unsafe-fixes (see Fix safety), update_step's branch `if isinstance(gradient,
      tf.IndexedSlices):`, its scatters `self.assign(m, tf.IndexedSlices(m_slice, indices))` (Keras
      3's TensorFlow optimizer scatters an IndexedSlices), a row given twice summed first; the dense
      statements go to its `else:`. So does one that updates the rows with TensorFlow's row-wise
      kernels (`ResourceSparseApplyKerasMomentum`, `...RMSProp`, `...Adadelta`, `...Ftrl`,
      `...ProximalAdagrad`, ...): each kernel becomes its dense kernel's statements over the rows
      at `indices` (`ops.take`), written back with `self.assign(v, tf.IndexedSlices(rows,
      indices))`; a `_resource_apply_sparse_duplicate_indices` that returns the base class's (which
      sums a row given twice and calls `_resource_apply_sparse`) has that method written in its
      place, and a raw scatter (`tf.raw_ops.ResourceScatterAdd`) becomes `self.assign_add(v,
      tf.IndexedSlices(updates, indices))`. Where update_step reads TensorFlow only in such branches, they go under
      `if keras.backend.backend() == "tensorflow":`, which imports TensorFlow there (the dense
      statements after it): the module runs without TensorFlow where only the dense path runs.
    - an `apply_gradients` override that clips the gradients by their global norm
      (`tf.clip_by_global_norm(grads, clip_norm=self.gradient_clip_norm)`, under a condition on
      attributes set from `__init__`'s parameters) before calling the base class's goes: `__init__`
      gives the base class `global_clipnorm=` under the same condition, which Keras 3 computes as
      TensorFlow's function did (where `global_clipnorm=` is given too, OptimizerV2 clipped by both:
      the smaller norm is kept).
    - `get_config` reads the attributes (`self._serialize_hyperparameter("beta_1")` -> `self.beta_1`);
      where it merges the base class's config, which holds the learning rate (or the schedule that
      carries the decay), its own `learning_rate`, `lr` and `decay` entries go. Its keys are checked
      against the migrated `__init__`, since `from_config(config)` calls `cls(**config)`.
    - a `set_weights` that only reshapes a list in the legacy layout before the base class's (as
      tf.keras 2's Adam did for older checkpoints) goes, with a finding; `_HAS_AGGREGATE_GRAD` goes.
    - a subclass of tf.keras 2's `Adam` (`class AdamWeightDecay(tf.keras.optimizers.Adam)`) becomes a
      subclass of Keras 3's, which computes the same update: what its `_resource_apply_dense` did
      before calling the built-in's (a weight decay, a changed gradient) runs in `update_step`, then
      `super().update_step(gradient, variable, learning_rate)`; the arguments of
      `super().__init__(learning_rate, beta_1, ...)` pass by keyword, `lr=` and `decay=` taken as
      above (an `__init__` that takes them is written where the class had none), its own
      `_set_hyper` hyperparameters become attributes; an embedding's
      gradient, which the legacy class sent to the built-in's sparse method untouched, goes to the
      built-in's update (made dense, a row given twice summed) untouched.
    - the class is registered with `keras.saving.register_keras_serializable()` (tf.keras's
      `register_keras_serializable(package=...)` becomes it, arguments kept), its attributes
      named as members of Keras 3's Optimizer (`weight_decay`, `exclude_from_weight_decay`, a
      method there, ...) are renamed (`weight_decay_`), and so are its private helper methods named
      as one that OptimizerV2 did not have (`_use_weight_decay`, which Keras 3's would call);
      imports are reconciled.

    Why
    ---
    Since TensorFlow 2.16 `tf.keras` is Keras 3, whose optimizers have no `_set_hyper`, `add_slot`
    or `get_slot` and never call `_resource_apply_dense`: such a class fails at construction
    (`BaseOptimizer.__init__() missing 1 required positional argument: 'learning_rate'`), or, moved
    to a Keras 3 base class by hand, its updates would never run.

    Example
    -------
    From `fixtures/optimizer-v2/momentum.py`:

    ```python
    import tensorflow as tf


    class Momentum(tf.keras.optimizers.Optimizer):
        def __init__(self, learning_rate=0.01, momentum=0.9, name="Momentum", **kwargs):
            super().__init__(name, **kwargs)
            self._set_hyper("learning_rate", kwargs.get("lr", learning_rate))
            self._set_hyper("decay", self._initial_decay)
            self._set_hyper("momentum", momentum)

        def _create_slots(self, var_list):
            for var in var_list:
                self.add_slot(var, "velocity")

        def _resource_apply_dense(self, grad, var, apply_state=None):
            var_dtype = var.dtype.base_dtype
            velocity = self.get_slot(var, "velocity")
            v_t = velocity.assign(self._get_hyper("momentum", var_dtype) * velocity - self._decayed_lr(var_dtype) * grad)
            return var.assign_add(v_t, use_locking=self._use_locking)

        def get_config(self):
            config = super().get_config()
            config.update({
                "learning_rate": self._serialize_hyperparameter("learning_rate"),
                "decay": self._initial_decay,
                "momentum": self._serialize_hyperparameter("momentum"),
            })
            return config
    ```

    becomes

    ```python
    import keras
    from keras import ops


    @keras.saving.register_keras_serializable()
    class Momentum(keras.optimizers.Optimizer):
        def __init__(self, learning_rate=0.01, momentum=0.9, name="Momentum", **kwargs):
            learning_rate = kwargs.pop("lr", learning_rate)
            decay = kwargs.pop("decay", 0.0)
            if decay > 0:
                learning_rate = keras.optimizers.schedules.InverseTimeDecay(learning_rate, decay_steps=1, decay_rate=decay)
            super().__init__(learning_rate=learning_rate, name=name, **kwargs)
            self.momentum = momentum

        def build(self, var_list):
            if self.built:
                return
            super().build(var_list)
            self.velocity_slots = []
            for var in var_list:
                self.velocity_slots.append(self.add_variable_from_reference(var, name="velocity"))

        def update_step(self, gradient, variable, learning_rate):
            var_dtype = variable.dtype
            velocity = self.velocity_slots[self._get_variable_index(variable)]
            self.assign(velocity, ops.cast(self.momentum, var_dtype) * velocity - ops.cast(learning_rate, var_dtype) * gradient)
            v_t = velocity
            self.assign_add(variable, v_t)

        def get_config(self):
            config = super().get_config()
            config.update({
                "momentum": self.momentum,
            })
            return config
    ```

    Fix safety
    ----------
    Safe, applied by default, but for one unsafe fix: a class whose sparse method updates only the
    rows an embedding's gradient gives (lazily, with scatters or TensorFlow's row-wise kernels) is
    reported, and migrated only with --unsafe-fixes, its sparse method made update_step's
    tf.IndexedSlices branch: Keras 3 hands update_step a tf.IndexedSlices on the TensorFlow backend
    only, so on JAX and torch an embedding's gradient is dense and every row moves. A class is
    migrated whole or not at all: where one construct cannot be translated faithfully the class is
    left as it is, with one finding that says why. Migrated with a finding: a sparse method that
    writes whole variables (optfix does not prove it computes what the dense one does), the lazy
    branch of an unsafe fix, a dropped `set_weights`, reads of a variable's
    `.name` (Keras 3 names a Dense kernel `kernel`, tf.keras `dense/kernel:0`), get_config keys that
    would not round-trip. A later run recognises the classes it migrated (registered, with an
    update_step that begins, after densifying a sparse gradient, with the variable's dtype as
    OptimizerV2 code took it: `var_dtype = variable.dtype`) and reports again what is still in
    their code: a variable's `.name` read, a get_config that would not round-trip. A Keras 3
    optimizer written as such (its update_step begins otherwise, as Keras 3's own do) is left
    alone: it reads `variable.name` knowing Keras 3's names, as `exclude_from_weight_decay` does.
    One migrated from code that did not take the dtype first is not recognised on a later run.

    How this is checked: every migrated fixture runs as written on tf_keras's OptimizerV2 (the real
    tf.keras 2 code) and as migrated on Keras 3, on the same gradients in float64: default and non-default arguments, gradients of two scales,
    decay > 0, and where the class had a sparse method a dense variable beside an embedding whose
    gradient is sparse (rows changing from step to step, one given twice), at both scales; the
    parameters agree at every one of 20 steps to 1e-6 of the distance they moved (with arguments
    float32 holds exactly, bit for bit). Each migrated class also survives `from_config(get_config())`
    (with decay too), trains a model with `fit`, and is saved and loaded; classes written as tf.keras 2 writes its own
    SGD and Adam, or vendored with TensorFlow's kernels (SGD, Adam, Adagrad, RMSprop, Adadelta, Adamax, FTRL), equal
    Keras 3's built-ins, and so does TensorFlow's Nadam with its schedule decay at 1. Each TensorFlow-to-`keras.ops`
    pair is checked on the installed libraries, and each written-out kernel, dense or row-wise,
    against TensorFlow's own. TensorFlow's own SGD, RMSprop, Adadelta, Ftrl and Nadam, migrated from the installed
    tf_keras, equal it with an embedding too; a migration that imports TensorFlow only for an
    embedding's rows runs on JAX with TensorFlow's import failing.

    Known problems
    --------------
    Not migrated, with a finding that says why: sparse methods that update only the rows of a sparse
    gradient through a row-wise kernel called with arguments optfix cannot match, lazy sparse
    methods of a class that has two (other than tf.keras 2's SGD's shape: the one hands its summed
    rows to the base class, which calls the other), or that subclasses a built-in, overrides of
    `_distributed_apply`, `_aggregate_gradients` and the rest of the base class's machinery,
    `apply_gradients` overrides that do more than clip by the global norm and call the base
    class's, wrappers that drive another optimizer, and their subclasses (Keras 3 has `use_ema=`
    for moving averages and `gradient_accumulation_steps=`), classes that use none of OptimizerV2's
    methods but hand the gradients to other optimizers from their `apply_gradients` (one optimizer
    per layer; on Keras 3 their base class, given no learning rate, fails when made), mixins that override OptimizerV2's
    methods around the optimizer they are mixed into (a weight decay before
    `super()._resource_apply_dense(...)`, as tensorflow_addons' `DecoupledWeightDecayExtension`;
    Keras 3 would never call them) and the classes of the file that mix them in; for
    tensorflow_addons' own classes the finding says what Keras 3 has instead (`weight_decay=`,
    `use_ema=`), subclasses whose base class of the file also serves a Keras 2.2 optimizer
    (get_updates, as bert4keras' AdaFactorBase serves AdaFactorV1 and AdaFactorV2: one class cannot
    be Keras 3's for one and Keras 2's for the other), families whose subclasses would need their
    base class migrated two ways (one reads the decayed learning rate, another not) or set
    hyperparameters in their own `__init__`, `_get_hyper()` of a name optfix cannot resolve to
    literals (or that can be one that may hold a schedule), overrides of `_prepare` that make an update, read the step's variables, or snapshot a
    variable read otherwise than to write it from the snapshot (a value from before the step: Keras 3
    keeps none), helpers handed `apply_state` by keyword or called outside the update too, slot
    initializers that depend on the variable or on another slot, slots made for some variables only
    or with a shape read from the variable, TensorFlow's fused kernels optfix has not written out
    (`ResourceApplyAdagradDA`, ...) and kernel calls inside an expression, updates that hand the
    optimizer to a function outside the class (`_apply_weight_decays(self, var, var_t)`: it may use
    OptimizerV2's state), classes that read the learning rate both with and without the decay, or read the decayed
    rate and `self._initial_decay` as a number, subclasses of the other built-in optimizers (SGD's sparse path with momentum is lazy,
    Nadam's schedule, Adagrad's and RMSprop's epsilon differ from Keras 3's) and subclasses of Adam
    that override its slots or call its dense method other than once, and classes whose base class optfix cannot resolve
    through the imports (an alias chosen at import time). Classes
    written for Keras 2.2 (get_updates, in the class or a subclass of the file) are rule
    get-updates', and classes that already define update_step rule keras2-optimizer's: where that
    rule does not run (`--ignore`, or not selected), they are reported here. A
    hyperparameter given as a callable or a tensor (OptimizerV2 called or read it at each step)
    becomes an attribute holding it as given. A learning-rate schedule combined with `decay > 0`
    fails at the first step (OptimizerV2 divided the schedule's value; one InverseTimeDecay cannot
    wrap a schedule). On float64 variables, OptimizerV2 rounded hyperparameters to float32; the
    migrated class does not.
    """

    id = "optimizer-v2"
    trigger = re.compile(rb"(?:def\s+|self\s*\.\s*)(?:" + _API.encode() + rb")\b")

    @classmethod
    def wants(cls, data: bytes) -> bool:
        return any(part in data for part in (b"_resource_apply", b"slot", b"_hyper", b"_decayed_lr", b"_prepare_local")) \
            and cls.trigger.search(data) is not None \
            or b"update_step" in data and b"register_keras_serializable" in data \
            or _DISPATCHES.search(data) is not None  # a class it migrated, read again; a dispatcher

    @classmethod
    def relevant(cls, tree: ast.Module) -> bool:
        return any(isinstance(node, ast.ClassDef) and (uses_the_api(node) or steps(node) or overrides_apply_gradients(node))
                   for node in every_node(tree))

    def __init__(self, file) -> None:
        super().__init__(file)
        self._families: dict[int, object] = {}  # by id of the family's base class, migrated once

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        methods = {s.name.value for s in original.body.body if isinstance(s, cst.FunctionDef)}
        if self._reported_as_mixin(original):
            return updated
        parent = base_family.family_parent(self.file.module, original, self._extends_optimizer_v2)
        if parent is not None:
            return self._leave_family_member(original, updated, parent)
        if not api_used(original) and "update_step" in methods and self._base(original) is not None \
                and migrated_v2.migrated_shape(original):
            for review in migrated_classes.residual_problems(original):
                self.report(review.node, f"{original.name.value}: {review.message}")
            return updated
        if not api_used(original) and "update_step" not in methods and self._reported_as_dispatcher(original):
            return updated
        if not api_used(original) or "update_step" in methods or keras2_api_class(self.file.module, original, self.file.path):
            if api_used(original) and "keras2-optimizer" not in self.file.rules:
                self._report_left_to_others(original)
            return updated  # Keras 2.2's API (rule get-updates), or Keras 3's / tf.keras 2.11's (rule keras2-optimizer)
        base = self._base(original)
        if base is None:
            message = unreached.unresolved_message(self.file, original)
            if message is not None:
                self.report(original.name, message)
            return updated
        member = keras_member(self._qualified(base)) or ""
        kept = member.rsplit(".", 1)[-1] if member not in api.BASE_CLASSES and member.rsplit(".", 1)[-1] in KEPT_BASES else None
        if member not in api.BASE_CLASSES and kept is None:
            self.report(base, unreached.unkept_base_message(original, base, member.rsplit(".", 1)[-1]))
            return updated
        names = self._names()
        migration = v2.Migration(self.file, original, names, built_in=kept)
        migrated = migration.run()
        if migrated is None:
            self._report_problems(original, migration.located_problems())
            return updated
        migrated = self._declaration(migrated, base, names, kept or "Optimizer")
        message = f"{original.name.value}: the tf.keras 2 optimizer API -> build + update_step (the Keras 3 optimizer API)"
        return self._applied(original, updated, migrated, migration, message, lazy=migration.lazy)

    def _leave_family_member(self, original: cst.ClassDef, updated: cst.ClassDef, parent: cst.ClassDef) -> cst.ClassDef:
        """A member of an OptimizerV2 optimizer split over a base class of the file and its
        subclasses (base_family.py): all migrated, or each reported."""
        if any(self.file.suppressed(self.id, m) for m in [parent, *base_family.subclasses(self.file.module, parent.name.value)]):
            return updated
        family = self._families.get(id(parent)) or self._families.setdefault(id(parent), base_family.migrate(self.file, parent, self._names()))
        if not family.migrated:
            self._report_problems(original, family.why_not(original))
            return updated
        migrated = self._declaration(family.results[id(original)], self._base(original) if original is parent else None, self._names(), "Optimizer")
        migration = family.migrations.get(id(original)) or family.migrations[id(family.children[0])]
        what = "build + update_step (the Keras 3 optimizer API)" if original is not parent else \
            "the Keras 3 optimizer API (its __init__ and helpers, migrated with its subclasses)"
        lazy = [m for c in family.children for m in family.migrations[id(c)].lazy]
        return self._applied(original, updated, migrated, migration, f"{original.name.value}: the tf.keras 2 optimizer API -> {what}",
                             lazy=lazy, reviews=original is not parent)

    def _report_problems(self, original: cst.ClassDef, problems) -> None:
        messages = list(dict.fromkeys(p.message for p in problems))  # the same reason at two lines is said once
        reasons = "; also: ".join(messages[:3]) + (f" (and {len(messages) - 3} more)" if len(messages) > 3 else "")
        where = problems[0].node if len(problems) == 1 else original.name  # one finding for the class
        self.report(where, f"{original.name.value} not migrated to Keras 3: {reasons}")

    def _applied(self, original: cst.ClassDef, updated: cst.ClassDef, migrated: cst.ClassDef, migration, message: str, lazy: list,
                 reviews: bool = True) -> cst.ClassDef:
        if lazy:  # exact on the TensorFlow backend only: an unsafe fix
            methods = "() and ".join(dict.fromkeys(m.name.value for m in lazy))
            message = (f"{original.name.value} not migrated to Keras 3 without --unsafe-fixes: its {methods}() updates only the rows "
                       "an embedding's gradient gives (lazily), which Keras 3's update_step does only on the TensorFlow backend, "
                       "given a tf.IndexedSlices (on JAX and torch the gradient is dense and the update moves every row); the "
                       "unsafe fix migrates it to build + update_step, the sparse method as update_step's tf.IndexedSlices branch")
        result = self.rewrite(original, updated, migrated, message, safe=not lazy)
        if result is migrated:
            self._reconcile_imports(self._names(), migration, dropped=names_read(original) - names_read(migrated))
            inherits_init = not any(isinstance(s, cst.FunctionDef) and s.name.value == "__init__" for s in original.body.body)
            config = [] if inherits_init else round_trip.config_problems(original, migrated)  # a built-in's own __init__ and config
            for review in [*(migration.reviews if reviews else []), *config]:
                self.report(review.node, f"{original.name.value}: {review.message}")
        return result

    def _reported_as_mixin(self, node: cst.ClassDef) -> bool:
        """A mixin of OptimizerV2 methods (not TensorFlow 1's: it uses tf.keras 2's own), or a class
        that mixes in one of the file's: reported."""
        mixin = families.mixin_methods(node)
        if mixin and api_used(node) & unreached.V2_ONLY:
            self.report(node.name, families.mixin_message(self.file, node, mixin))
            return True
        if not node.bases:
            return False
        mixins = families.file_mixins(self.file.module)
        message = families.mixed_in_message(self.file, node, mixins) if mixins else None
        if message is not None:
            self.report(node.name, message)
        return message is not None

    def _reported_as_dispatcher(self, node: cst.ClassDef) -> bool:
        """A subclass of tf.keras's Optimizer that applies the gradients through other optimizers
        from its apply_gradients(): reported (families.py)."""
        if self._base(node) is None or keras2_api_class(self.file.module, node, self.file.path):
            return False
        message = families.dispatcher_message(node)
        if message is not None:
            self.report(node.name, message)
        return message is not None

    def _report_left_to_others(self, node: cst.ClassDef) -> None:
        """A class using the OptimizerV2 API that this rule leaves to another rule, which does not
        run here: Keras 2.2's get_updates class (rule get-updates) or one with an update_step
        (rule keras2-optimizer)."""
        family = get_updates_family(self.file.module, node)
        if family and "get-updates" not in self.file.rules:
            self.report(node.name, unmigrated_get_updates_class(node, family))
        elif not family and self._base(node) is not None and not keras2_api_class(self.file.module, node, self.file.path):
            used = ", ".join(sorted(api_used(node)))
            self.report(node.name, f"{node.name.value} defines update_step but is also written against the tf.keras 2 optimizer API "
                                   f"({used}), which Keras 3's optimizers neither have nor call: port that part to "
                                   "build(var_list) and update_step(gradient, variable, learning_rate)")

    def _base(self, node: cst.ClassDef) -> cst.Arg | None:
        """The base class that is a Keras optimizer class (not tf_keras's, kept on purpose)."""
        for arg in node.bases:
            qualified = self._qualified(arg) or ""
            member = keras_member(qualified) or ""
            if qualified.startswith(_LEFT_ALONE) or not member.startswith("optimizer"):
                continue
            if member in api.BASE_CLASSES or member.rsplit(".", 1)[-1] in _BUILT_INS or member.endswith(("Optimizer", "OptimizerV2")):
                return arg
        return None

    def _extends_optimizer_v2(self, node: cst.ClassDef) -> bool:
        base = self._base(node)
        return base is not None and keras_member(self._qualified(base) or "") in api.BASE_CLASSES

    def _qualified(self, base: cst.Arg) -> str | None:
        return self.file.imports.resolved_name(base.value) or chosen_base.chosen_optimizer_v2(self.file.module, base.value)

    def _names(self):
        imports = self.file.imports
        keras = imports.name_for("keras") or self.file.keras_name  # not tensorflow.keras: TensorFlow's has no keras.saving
        ops = imports.name_for("keras.ops", "tensorflow.keras.ops") or (
            f"{keras}.ops" if "ops" in imports.bindings or "ops" in imports.rebound else "ops")
        return v2.Names(ops=ops, keras=keras)

    def _declaration(self, node: cst.ClassDef, base: cst.Arg, names, keras3_base: str) -> cst.ClassDef:
        bases = [arg.with_changes(value=cst.parse_expression(f"{names.keras}.optimizers.{keras3_base}")) if arg is base else arg
                 for arg in node.bases]
        return node.with_changes(bases=bases, decorators=registration.registered(self.file.imports, list(node.decorators), names.keras))

    def _reconcile_imports(self, names, migration, dropped: set[str]) -> None:
        imports = self.file.imports
        if migration.imports_tensorflow:
            self.file.add_import("tensorflow", None, "tf")
        if migration.uses_ops and names.ops == "ops" and imports.name_for("keras.ops", "tensorflow.keras.ops") is None:
            self.file.add_import("keras", "ops")
        if imports.name_for("keras") is None:
            self.file.add_keras_import(names.keras)
        if migration.local_tensorflow:  # maybe read nowhere else now
            dropped = dropped | {imports.name_for("tensorflow", "tensorflow.compat.v2")}
        for name in dropped:
            for origin in [imports.origins[name], *imports.also_from.get(name, ())] if name in imports.origins else ():
                self.file.remove_import_if_unused(*origin)

