"""Rule `get-updates`: custom Keras 2 optimizers (`get_updates`) to the Keras 3 optimizer API."""

from __future__ import annotations

import ast
import re

from optfix.analysis.project_imports import is_project_path
from optfix.analysis.tree import code, descendants, reads
from optfix.codemods.get_updates.class_code import registry
from optfix.codemods.get_updates.factory_classes import FactoryClasses
from optfix.codemods.get_updates.outside_classes import PATCHED, OutsideClasses
from optfix.codemods.get_updates.project_classes import ProjectClasses
from optfix.codemods.get_updates.project_family import ProjectFamilies, heads_a_family, may_head_a_family
from optfix.codemods.get_updates.removed_imports import RemovedImports, imports_removed, may_import_removed
from optfix.rulekit.class_code import is_super_call
from optfix.knowledge.backend import BASE_CLASSES
from optfix.knowledge.namespaces import keras_member
from optfix.lazy import lazy_import
from optfix.lazy import libcst as cst
from optfix.rulekit.rule import Rule
from optfix.analysis.ast_nodes import every_node, quiet_parse

# The migration itself, loaded with libcst when a file needs it: not when optfix starts.
migration_module = lazy_import("optfix.codemods.get_updates.migration")
family_module = lazy_import("optfix.codemods.get_updates.family")
config_keys = lazy_import("optfix.rulekit.config_round_trip")
migrated_module = lazy_import("optfix.codemods.get_updates.migrated")

_LEGACY_DECORATORS = ("legacy_get_updates_support", "symbolic")
# One of them defined, or assigned to an object (monkey-patching), by attribute or by setattr().
_DEFINED_ORPATCHED = re.compile(rb"def\s+get_(?:updates|gradients)\b|\.\s*get_(?:updates|gradients)\s*=|get_(?:updates|gradients)['\"]"
                                 rb"|\.\s*get_updates\s*\(")  # or called


class GetUpdatesRule(RemovedImports, OutsideClasses, FactoryClasses, ProjectClasses, ProjectFamilies, Rule):
    """Migrate custom optimizers from Keras 2's get_updates(loss, params) to Keras 3's build and update_step.

    What it does
    ------------
    A class that derives from a Keras 2 optimizer base class (`keras.optimizers.Optimizer`,
    `tf.keras.optimizers.Optimizer`, through any import) and defines `get_updates` is rewritten in
    place:
    - `__init__`: hyperparameters held in `K.variable(...)` become plain attributes; the class's
      `iterations` and `lr` variables (or plain number) go and the learning rate is given to the base class, which
      Keras 3 requires; `learning_rate=` is accepted from callers; `K.name_scope` blocks are
      unwrapped; time-based decay becomes an `InverseTimeDecay` schedule (which `from_config`
      gives back). Where the base class was standalone Keras's, whose `clipnorm` clipped the norm of all the gradients
      together, a caller's `clipnorm` is passed on as Keras 3's `global_clipnorm` (tf.keras's clipped each gradient, as Keras 3's does).
    - `get_updates` may make its updates in a loop over `zip(params, grads, ...)` (or its `enumerate`, or `range(len(params))`
      reading `params[i]`, `grads[i]`), in list comprehensions over such zips (`updates = [K.update(p, p - lr * g) for p, g in zip(params,
      grads)]`, `self.updates += [...]`, `return [...]`), into `self.updates` or a list of its
      own, with `K.update*`, `tf.assign*`, `tf.compat.v1.assign*` or `state_ops.assign*`. Several loops become one update_step, run in
      turn for one variable, each name matched to the list it stands for; a list made element by element from such lists (`grads =
      [K.switch(c, a, 0) for a in accs]`) is one value per variable. As in Keras 2's graph, where every update read the values from
      before the step, an update that a later statement reads is assigned at the end.
    - `get_updates` becomes `build(var_list)`, one `add_variable_from_reference` per slot list,
      and `update_step(gradient, variable, learning_rate)`: the statements before the loop over
      the parameters, then the loop's body, with the slots looked up by the variable's index,
      `K.update*` as `self.assign*` and `K.*` math as `keras.ops.*`. What the base class does now
      (gradients, clipping, the step counter, constraints, `self.weights`, `self.updates`) goes; gradients taken with
      `K.gradients(loss, params)` were never clipped, so `clipnorm=` and `clipvalue=` are dropped. A variable made inside the loop
      (`m = K.zeros(K.int_shape(p))`, `K.variable(np.zeros(...))`) is a slot of each parameter; a slot list may be made from
      another (`[K.zeros([]) for _ in moments]`); state of `__init__` updated once per step, before or after the loop (also where
      it begins `self.updates = [K.update_add(self.t, 1)]`), is updated after every variable's update_step, and a step counter
      advanced last goes like one advanced first.
    - `build()` makes the slots in the order the legacy `self.weights` lists them (moving the
      statements that make them, splitting a loop that fills several lists into one loop per
      list), so `optimizer.variables`, after the base class's iterations and learning rate, is the
      legacy checkpoint's list.
    - `get_config` reads attributes instead of `K.get_value(...)`; where it merges the base class's
      config, which holds the learning rate as `learning_rate`, its own `lr` / `learning_rate`
      entries go. Its keys are then checked against the migrated `__init__`, since
      `from_config(config)` calls `cls(**config)`.
    - the class is registered with `keras.saving.register_keras_serializable()`, legacy
      decorators go, and imports are reconciled: an import of a module Keras 3 removed
      (`keras.utils.generic_utils`) goes where nothing reads it, and is reported where something does.
      In any other file, such an import (`keras.legacy.interfaces`, `keras.optimizers.TFOptimizer`,
      ... : the list is optfix's knowledge of Keras) is reported, wherever it is (module level, a
      function, an `if` block), since the file, or the code holding it, would fail on Keras 3. An
      import with a fallback is left alone: one under a `try` that catches ImportError, or in a
      branch of an `if` whose other branch imports the same names from modules Keras 3 has (a
      version switch; an other branch that only assigns them, `tfb = None`, is no fallback: the
      test may still pick the removed import on Keras 3).
    - a base class of the same file that is itself a Keras 2 optimizer (`class _Base(Optimizer)`
      holding `__init__` and a helper that returns the decayed learning rate) is migrated with
      its subclasses that define get_updates: its `__init__` as above, the helper dropped and a
      subclass's call of it read as update_step's `learning_rate`; all of them, or none (none where one is written on tf.keras 2's API).
      So is one of another module (`from .base import _Base`), with its subclasses in every module, where one run fixes them
      all: each module is migrated from the original code of all of them (`fix` writes once all are read), taking its own part.
    - `K.*` functions become their exact Keras 3 counterparts (`K.relu(x)` -> `ops.relu(x)`,
      `K.clip(x, min_value=a)` -> `ops.clip(x, x_min=a)`, `K.argmax(x)` -> `ops.argmax(x, axis=-1)`):
      the table covers all of Keras 2.3's `keras.backend`, and names what has no exact counterpart.
    - a class factory's class (`def extend_with_x(Base): class New(Base)`) that patches `K.update`
      around its base class's `get_updates` (to add weight decay, or scale each step) becomes an
      `update_step` that patches `self.assign` around the base class's, where the file gives the
      factory only Keras 2 optimizer classes of its own that are migrated too (the patch's
      `self.lr` is the rate before the base class's decay, as in Keras 2); a class given to a
      factory whose class cannot be migrated (a decorated `__init__`, more updates of its own,
      TensorFlow calls without a `keras.ops` counterpart) stays as it is, with the factory's.
    - last, every method of the migrated class is checked to read no name it does not bind.

    Keras reached through a module of the project's own counts as Keras where optfix can prove
    it: for `from .backend import keras, backend as K` (or `from . import backend as K`, or
    `from pkg.backend import ...` of a module beside the file or in its package), it reads that
    one module with `ast`, never running it, and every module-level binding of the name there,
    in each branch of an `if`/`else` or `try`, must be Keras (`import keras`, `from tensorflow
    import keras`, `keras = tf.keras`, `backend = keras.backend`). The migrated class then
    imports Keras 3 itself (`import keras`, `from keras import ops`) and the project's module is
    left alone: a module that may pick tf.keras, or reads attributes Keras 3 removed, is not
    Keras 3 for certain. The import of the re-exported `keras` is replaced where only migrated
    classes read it; where other code reads it too, it stays and Keras 3 is imported as `keras3`.

    Why
    ---
    Keras 3 removed `get_updates`, `get_gradients`, `K.update` and most of `keras.backend`: such an
    optimizer fails with `module 'keras.backend' has no attribute 'update'`, or with
    `BaseOptimizer.__init__() missing 1 required positional argument: 'learning_rate'`.

    Example
    -------
    From `fixtures/get-updates/momentum_sgd.py`:

    ```python
    from keras import backend as K
    from keras.optimizers import Optimizer


    class MomentumSGD(Optimizer):
        def __init__(self, lr=0.01, momentum=0.9, **kwargs):
            super().__init__(**kwargs)
            self.lr = K.variable(lr)
            self.momentum = K.variable(momentum)

        def get_updates(self, loss, params):
            grads = self.get_gradients(loss, params)
            self.updates = []
            moments = [K.zeros(K.int_shape(p)) for p in params]
            for p, g, m in zip(params, grads, moments):
                v = self.momentum * m - self.lr * g
                self.updates.append(K.update(m, v))
                self.updates.append(K.update(p, p + v))
            return self.updates
    ```

    becomes

    ```python
    from keras import ops
    import keras


    @keras.saving.register_keras_serializable()
    class MomentumSGD(keras.optimizers.Optimizer):
        def __init__(self, lr=0.01, momentum=0.9, **kwargs):
            if kwargs.get('clipnorm'):  # Keras 2 clipped the norm of all the gradients together
                kwargs['global_clipnorm'] = kwargs.pop('clipnorm')
            lr = kwargs.pop('learning_rate', lr)
            super().__init__(learning_rate=lr, **kwargs)
            self.momentum = momentum

        def build(self, var_list):
            if self.built:
                return
            super().build(var_list)
            self.moments = [self.add_variable_from_reference(p, name='moments') for p in var_list]

        def update_step(self, gradient, variable, learning_rate):
            learning_rate = ops.cast(learning_rate, variable.dtype)
            index = self._get_variable_index(variable)
            p, g, m = variable, gradient, self.moments[index]
            v = self.momentum * m - learning_rate * g
            self.assign(m, v)
            self.assign(p, p + v)
    ```

    Fix safety
    ----------
    Safe, applied by default; there is no unsafe fix. A class is migrated whole or not at all:
    where one construct cannot be translated faithfully (a wrapper around another optimizer, a
    `get_gradients` override, a statement after the loop over the parameters that is not
    once-per-step bookkeeping, a computation over all parameters at once, a value carried from
    one parameter to the next, such as a learning rate chosen by `p.name` and kept for the
    parameters after it, a class factory of another module building on it, a Keras 2 base class or subclass of another module that
    the run does not fix with it: not given, excluded, ignoring this rule, unreadable), the whole class is left as it is, with a finding at each such construct. A migrated class whose code reads a parameter's `.name` is rewritten with a
    finding there; so is one whose `get_config` would not round-trip (a key `__init__`
    does not accept, such as one for a renamed parameter; a key written twice; a read of the
    removed `self.lr`, where the base class's config is not merged; a base-class key such as
    `weight_decay` that `from_config` would give to a parameter of the class's own), and one
    whose `self.weights` order build() cannot follow. A later run recognises the classes it
    migrated (registered, with `build(var_list)` and an update_step that begins by casting the
    learning rate and unpacks `variable` into the loop's names, and the class of a factory applied
    to such classes, whose update_step wraps the base class's) and reports again what is still
    in their code: a `.name` read, a get_config that would not round-trip. Keras 3 optimizers of
    any other shape, written as such, are left alone: they read `variable.name` knowing Keras 3's
    names, as its own `exclude_from_weight_decay` does. One difference of Keras itself remains:
    Keras 2's `K.sqrt` clipped negative arguments to 0, `keras.ops.sqrt` does not.

    How it is checked: each migrated example is run, from its original source, on a numpy
    implementation of the Keras 2 backend (itself checked against tf_keras in graph mode), and as
    migrated under Keras 3, on the same gradients, normal and near 1e-4, in float64: the
    parameters agree at every step to 1e-6 (relative); each migrated class also trains a model
    with `fit` and survives `get_config`/`from_config` (or, where the rule reports that it cannot,
    shows that it does not) and saving. For optimizers that make their slots in another order
    than they list them, the migrated optimizer's variables are the legacy `self.weights` in
    order, shape and value; with `clipnorm=0.5` the migrated optimizer clips as the legacy base
    class did, and with decay `from_config(get_config())` rebuilds one that decays alike. Each
    migrated class is compiled and read for names it does not bind. Generated optimizers in
    many spellings (import styles, `super()` forms, slot lists built by comprehension or loop,
    decay) are checked the same way: migrated to the same math, or left byte-identical with
    findings. `optfix verify` runs this check on your own classes.

    Known problems
    --------------
    Not migrated, with findings: a class that reads a name (`K.update`, `keras.optimizers`)
    imported from a project module optfix cannot prove binds it to Keras (not found, not
    readable or parsable, a star import, any binding that is not a Keras import or attribute;
    the finding names the import, its line and why), wrappers that drive another optimizer,
    `get_gradients`, `get_weights` and `set_weights` overrides (Keras 3's `set_weights` sets
    `optimizer.variables`, which begin with the base class's iterations and learning rate; a
    `set_weights` that only pads or trims the legacy list before the base class's, as Keras
    2.3's built-ins did for Keras 2.2.4 checkpoints, is dropped with a finding instead), a
    Keras 2 optimizer that only overrides `get_gradients` (a class factory's gradient noise:
    Keras 3 never calls it, so it would be skipped silently), monkey-patches (`opt.get_gradients
    = f`, `setattr(Adam, 'get_updates', f)` in a file that imports Keras or TensorFlow), calls of
    `get_updates()` outside an optimizer class (a training loop on the Keras 2 optimizer API, Keras
    1's `get_updates(params, constraints, loss)` too), other methods that read `self.weights` or `self.updates`, statements after the loop over the
    parameters other than the step counter and updates of `__init__`'s state, attributes set or the optimizer handed to a function
    outside the loop (keras-adamw's annealing), a variable updated twice in one step, computations over all parameters at once, values carried from one parameter to
    the next, learning-rate defaults that are not numbers (a list of rates), eager reads
    (`K.eval`, `K.get_value`), Keras 1 `get_updates(params, constraints, loss)`, backend
    functions with no exact Keras 3 counterpart (named in the finding, with why), other class
    factories, those applied in other modules or to their classes (the finding names the module and line). The finding of a wrapper or a class
    factory says what Keras 3 offers for what it adds: `gradient_accumulation_steps=`,
    `weight_decay=`, `use_ema=`, a learning-rate schedule, or an override of `apply()` or
    `update_step` (lookahead, per-layer rates). Migrated with a finding: reads of a parameter's
    `.name` (Keras 3 names a Dense kernel `kernel`, tf.keras `dense/kernel:0`, so patterns
    matched against it may match other variables); get_config keys that would not round-trip;
    a `self.weights` grown by `+=`, `.extend()` or more than one assignment, whose order optfix does
    not follow. Keras 3's checkpoint also holds the learning rate's variable (for a
    constant rate) and state updated once per step (Nadam's `m_schedule`) if `self.weights` left
    it out; the dummy `K.zeros(1)` slots of `amsgrad=False` stay, one (1,) variable per parameter,
    as in the legacy checkpoint. Keras 2's `K.sqrt` clipped negative arguments to 0,
    `keras.ops.sqrt` does not.
    """

    id = "get-updates"

    @classmethod
    def wants(cls, data: bytes) -> bool:
        # substrings first: `in` is many times faster than the pattern
        return ((b"get_updates" in data or b"get_gradients" in data) and _DEFINED_ORPATCHED.search(data) is not None
                or b"update_step" in data and b"register_keras_serializable" in data  # a class it migrated, read again
                or may_import_removed(data) or may_head_a_family(data))

    @classmethod
    def relevant(cls, tree: ast.Module) -> bool:
        return imports_removed(tree) or any(
            isinstance(node, ast.ClassDef)
            and any(isinstance(item, ast.FunctionDef) and item.name in (*PATCHED, "update_step") for item in node.body)
            or isinstance(node, ast.Attribute) and node.attr in PATCHED and isinstance(node.ctx, ast.Store)
            or _is_setattr(node) or heads_a_family(node)
            or isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get_updates"
            for node in every_node(tree)
        )

    def __init__(self, file) -> None:
        super().__init__(file)
        self._keras: str | None = None  # the name the migrated classes reach Keras 3 by, once chosen
        self._families: dict[int, object] = {}  # by id of the family's base class

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        self.classes.pop()
        parent = self.project_parent(original) or family_module.parent_of(self.file.module, original, lambda c: self._legacy_base(c) is not None)
        if parent is not None:
            return self._leave_family_member(original, updated, parent)
        if not _is_candidate(original):
            self._report_gradients_override(original)
            for review in migrated_module.residual_problems(self.file.module, original):
                self.report(review.node, f"{original.name.value}: {review.message}")
            return updated
        unproven = self._unproven_project_imports(original)
        for node, message in unproven:
            self.report(node, f"{original.name.value} not migrated: {message}")
        base = self._legacy_base(original)
        if unproven:
            return updated
        if base is not None and self.reported_blocking_factory(original):
            return updated
        if base is None:
            made = self.factory_class(original, updated)
            if made is None:
                self._report_unresolved(original)
            return made or updated
        names = self._names()
        migration = migration_module.Migration(self.file, original, names, global_norm=self._clips_global_norm(base))
        migrated = migration.run()
        if migrated is None:
            for problem in migration.located_problems():
                self.report(problem.node, f"{original.name.value} not migrated: {problem.message}")
            return updated
        migrated = self._declaration(migrated, base, names)
        message = f"{original.name.value}: get_updates -> build + update_step (the Keras 3 optimizer API)"
        result = self.rewrite(original, updated, migrated, message)
        if result is migrated:
            self._reconcile_imports(names, set(_first_uses(original)) - set(_first_uses(migrated)), migrated)
            for review in [*migration.reviews, *config_keys.config_problems(original, migrated)]:
                self.report(review.node, f"{original.name.value}: {review.message}")
        return result

    def _leave_family_member(self, original: cst.ClassDef, updated: cst.ClassDef, parent: cst.ClassDef) -> cst.ClassDef:
        """A member of a family of Keras 2 optimizers of this file (a base class and its
        subclasses): migrated if every member can be, reported otherwise."""
        family = self._families.get(id(parent))
        if family is None:
            blocked = [m for m in family_module.subclasses(self.file.module, parent.name.value) + [parent]
                       if self.file.suppressed(self.id, m) or self._unproven_project_imports(m) or self.blocking_factory(m)
                       or self.project_blockers(m)]
            names = self._names()
            global_norm = self._clips_global_norm(self._legacy_base(parent))
            family = self._families[id(parent)] = None if blocked else family_module.migrate_family(self.file, parent, names, global_norm)
        if family is None:
            self.reported_blocking_factory(original)
            return updated
        if not family.migrated:
            for problem in family.problems(original):
                self.report(problem.node, f"{original.name.value} not migrated: {problem.message}")
            return updated
        names = self._names()
        migration, migrated = family.migrations[id(original)], family.results[id(original)]
        migrated = self._declaration(migrated, self._legacy_base(original) if original is parent else None, names)
        what = "get_updates -> build + update_step" if original is not parent else "its __init__ for Keras 3, with its subclasses"
        result = self.rewrite(original, updated, migrated, f"{original.name.value}: {what} (the Keras 3 optimizer API)")
        if result is migrated:
            self._reconcile_imports(names, set(_first_uses(original)) - set(_first_uses(migrated)), migrated)
            for review in [*migration.reviews, *config_keys.config_problems(original, migrated)]:
                self.report(review.node, f"{original.name.value}: {review.message}")
        return result

    def _unproven_project_imports(self, node: cst.ClassDef) -> list[tuple[cst.Name, str]]:
        """The names the class reads as a namespace (`K.sqrt`, `keras.optimizers`) that the file
        imports from a module of the project's own which optfix cannot prove binds them to Keras:
        each at its first use, with why. (Other names it imports so, `if TF_KERAS:`, are the
        class's own code, kept as it is.)"""
        imports = self.file.imports
        found = []
        for name, use in _first_uses(node, heads=True).items():
            if name not in imports.origins or name in imports.rebound:
                continue
            resolution = imports.project_import(imports.bindings[name])
            if resolution is None or resolution.qualified is not None or resolution.module is not None:
                continue
            module, _, _ = imports.origins[name]
            found.append((use, f"{name} is imported from {module} (line {self._import_line(name)}), which optfix cannot "
                               f"prove is Keras ({resolution.reason}): import Keras directly and run optfix again"))
        return found

    def _import_line(self, name: str) -> int:
        for node in ast.walk(quiet_parse(self.file.text or self.file.module.code)):
            if isinstance(node, (ast.Import, ast.ImportFrom)) and any((a.asname or a.name.split(".")[0]) == name for a in node.names):
                return node.lineno
        return 1

    def in_optimizer_class(self, node: cst.ClassDef) -> bool:
        return _is_candidate(node) or self._legacy_base(node) is not None

    def _report_gradients_override(self, node: cst.ClassDef) -> None:
        """A Keras 2 optimizer that changes only its gradients (`get_gradients`, calling the base
        class's, often in a class factory): Keras 3 never calls the method, so the change would
        go without a word."""
        methods = {s.name.value: s for s in node.body.body if isinstance(s, cst.FunctionDef)}
        method = methods.get("get_gradients")
        if method is None or "update_step" in methods or self.file.suppressed(self.id, node):
            return
        keras_base = any((keras_member(self.file.imports.qualified_name(arg.value)) or "").startswith("optimizers.") for arg in node.bases)
        extends = any(is_super_call(call, "get_gradients") for call in descendants(method, cst.Call))
        if not (keras_base or self._legacy_base(node) or extends):
            return
        self.report(method, f"{node.name.value}.get_gradients() is overridden, and Keras 3 optimizers never call get_gradients(): "
                            "what it does to the gradients would be skipped without an error; not migrated: move it to an "
                            "apply(grads, trainable_variables) override that changes the gradients before calling the base class's")

    def _legacy_base(self, node: cst.ClassDef) -> cst.Arg | None:
        for arg in node.bases:
            if keras_member(self.file.imports.qualified_name(arg.value)) in BASE_CLASSES:
                return arg
        return None

    def _clips_global_norm(self, base: cst.Arg) -> bool:
        """A standalone Keras base, whose `clipnorm` clipped all gradients' norm (tf.keras's clipped each, as Keras 3's)."""
        head = base.value
        while isinstance(head, cst.Attribute):
            head = head.value
        return isinstance(head, cst.Name) and self.file.imports.bindings.get(head.value, "").split(".")[0] == "keras"

    def _report_unresolved(self, node: cst.ClassDef) -> None:
        """A get_updates optimizer whose base class optfix cannot read as Keras 2's: reported, not guessed at."""
        for arg in node.bases:
            qualified = self.file.imports.qualified_name(arg.value) or ""
            member = keras_member(qualified) or ""
            if member.startswith("optimizers."):
                self.report(arg, f"{node.name.value} not migrated: it overrides get_updates of the built-in {code(arg.value)}, "
                                 "whose Keras 3 class has no get_updates to extend; subclass it and override update_step instead")
                return
            if qualified.endswith("optimizers.Optimizer"):
                self.report(arg, f"{node.name.value} not migrated: its base class {code(arg.value)} is Keras reached through "
                                 f"{qualified.rsplit('.optimizers.', 1)[0]}, which optfix cannot follow; import Keras directly "
                                 "(from keras import backend as K; keras.optimizers.Optimizer) and run optfix again")
                return
        if node.bases and (any(
            a.attr.value in ("get_gradients", "updates") and isinstance(a.value, cst.Name) and a.value.value == "self"
            for a in descendants(node, cst.Attribute)
        ) or any(is_super_call(call, "get_updates") for call in descendants(node, cst.Call))):
            imported = [self.file.imports.qualified_name(a.value) or "" for a in node.bases]
            project = [q for q in imported if q and self.file.path and is_project_path(self.file.path, q)]
            if project:
                self.report(node.name, f"{node.name.value} not migrated: {self.base_elsewhere(project[0], node)}")
                return
            bases = ", ".join(code(arg.value) for arg in node.bases)
            self.report(node.name, f"{node.name.value} looks like a Keras 2 optimizer (get_updates, extending its base's or using "
                                   f"self.get_gradients or self.updates) but its base class ({bases}) is not one optfix can resolve through the "
                                   "imports (a class factory's parameter?): not migrated")

    def _names(self) -> migration_module.Names:
        """`keras` and `ops` as the migrated class will spell them: the file's own names for them,
        or names for the imports `_reconcile_imports` adds, which rebind nothing."""
        imports = self.file.imports
        keras = imports.name_for("keras", "tensorflow.keras") or self._keras_name()
        ops = imports.name_for("keras.ops", "tensorflow.keras.ops")
        if ops is None:
            ops = f"{keras}.ops" if "ops" in imports.bindings or "ops" in imports.rebound else "ops"
        return migration_module.Names(ops=ops, keras=keras)

    def _keras_name(self) -> str:
        """The name an added import binds Keras 3 to. A name the file imports from a re-export
        module of its own (`from .backend import keras`) is not Keras 3 for certain (the module
        may pick tf.keras), so the migrated classes never reach Keras through it: the import is
        replaced by `import keras` where only classes this rule migrates use it, and otherwise
        kept, Keras 3 then being imported under another name (`keras3`)."""
        if self._keras is None:
            imports = self.file.imports
            self._keras = self.file.keras_name
            name = "keras"
            project = imports.project_import(imports.bindings[name]) if name in imports.origins else None
            if self._keras != name and project is not None and project.qualified == "keras" and name not in imports.rebound:
                module = self.file.module
                users = [c for c in descendants(module, cst.ClassDef) if name in _first_uses(c)]
                inside = {id(use) for c in users for use in reads(c)}
                outside = any(use.value == name and id(use) not in inside for use in reads(module))
                if users and not outside and all(self._would_migrate(c, name) for c in users):
                    self._keras = name
                    self.file.drop_import(*imports.origins[name])
        return self._keras

    def _would_migrate(self, node: cst.ClassDef, keras: str) -> bool:
        if not _is_candidate(node) or self.file.suppressed(self.id, node) or self._unproven_project_imports(node):
            return False
        if self._legacy_base(node) is None:
            return False
        return migration_module.Migration(self.file, node, migration_module.Names(ops="ops", keras=keras)).run() is not None

    def _declaration(self, node: cst.ClassDef, base: cst.Arg | None, names: migration_module.Names) -> cst.ClassDef:
        private = base is not None and (self.file.imports.qualified_name(base.value) or "").startswith("tensorflow.python.keras.")
        bases = [arg.with_changes(value=cst.parse_expression(f"{names.keras}.optimizers.Optimizer"))  # TF's own Keras 2: always
                 if arg is base or private and code(arg.value) == code(base.value) else arg for arg in node.bases]
        decorators = list(node.decorators)
        if not any("register_keras_serializable" in code(d.decorator) for d in decorators):
            register = cst.Decorator(cst.parse_expression(f"{names.keras}.{registry(self.file.imports, names.keras)}.register_keras_serializable()"))
            decorators.append(register)
        return node.with_changes(bases=bases, decorators=decorators)

    def _reconcile_imports(self, names: migration_module.Names, dropped: set[str], migrated: cst.ClassDef | None = None) -> None:
        """Imports for Keras 3 (`ops` where `migrated`, if given, reads it); the imports of what the migration removed (the
        backend, the base class and its module, the decorators, a method it dropped) go where nothing reads them."""
        imports, reads_ops = self.file.imports, migrated is None or "ops" in _first_uses(migrated, heads=True)
        if names.ops == "ops" and reads_ops and imports.name_for("keras.ops", "tensorflow.keras.ops") is None:
            self.file.add_import("keras", "ops")
        self.file.use_keras(imports.name_for("keras", "tensorflow.keras") is None, name=names.keras)
        for name, origin in imports.origins.items():
            member = keras_member(imports.binding(name)) or ""
            if name in dropped or member in ("backend", "optimizers") or member in BASE_CLASSES or member.endswith("interfaces"):
                self.file.remove_import_if_unused(*origin)
        self.removed_imports_go_if_unread()


def _is_setattr(node: ast.AST) -> bool:
    """`setattr(x, 'get_updates', ...)`."""
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr" and len(node.args) == 3
            and isinstance(node.args[1], ast.Constant) and node.args[1].value in PATCHED)


def _is_candidate(node: cst.ClassDef) -> bool:
    """A class this rule acts on: it defines get_updates, and not update_step (Keras 3 already)."""
    return "get_updates" in (methods := {s.name.value for s in node.body.body if isinstance(s, cst.FunctionDef)}) and "update_step" not in methods


def _first_uses(node: cst.CSTNode, heads: bool = False) -> dict[str, cst.Name]:
    """Each name `node` reads (as a namespace, with `heads`), at its first use."""
    return {name.value: name for name in reversed(reads(node, heads))}
