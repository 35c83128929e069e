"""Rule `keras2-optimizer`: Keras 2 optimizer arguments and namespaces to Keras 3, same math."""

from __future__ import annotations

import ast

from optfix.analysis.tree import code
from optfix.codemods.keras2_optimizer import dynamic, prefilter
from optfix.codemods.keras2_optimizer.signatures import (
    CLIPS, KERAS2, KERAS3, LEGACY_KEYWORDS, SIGNATURES, TF_KERAS, accepted_keywords, all_fit, era_label, meanings, positional_names,
    reads_keras2_3,
)
from optfix.codemods.keras2_optimizer.evidence import declared_era, era_dependent, has_evidence, is_factory
from optfix.codemods.keras2_optimizer.sites import LEFT_ALONE, Site, may_reach_optimizers, site_for
from optfix.codemods.keras2_optimizer.subclasses import ClassesReadByName, subclass_finding
from optfix.knowledge.keras import (
    CLIP_BOTH,
    KERAS2_CLIPNORM,
    KERAS2_DIFFERENCES,
    KERAS2_EPSILON,
    KERAS2_FACTORIES,
    KERAS2_IMPLIED,
    KERAS2_SIGNATURES,
    KERAS3_SIGNATURES,
    TF_KERAS_DIFFERENCES,
    keras2_defaults,
)
from optfix.knowledge.namespaces import keras_member
from optfix.lazy import libcst as cst
from optfix.rulekit.anchors import reaching_heads
from optfix.rulekit.calls import NOT_CONSTANT, as_keyword, constant, new_keyword, with_args
from optfix.rulekit.era import source_era
from optfix.rulekit.optimizer_sites import optimizer_argument
from optfix.rulekit.references import ValueReferences
from optfix.rulekit.rule import Rule


def _float_literal(value: cst.BaseExpression) -> cst.BaseExpression:
    """`1` -> `1.0`: Keras 3 rejects an int learning rate."""
    if isinstance(value, cst.Integer) and constant(value) is not NOT_CONSTANT:
        return cst.Float(f"{constant(value)}.0", lpar=value.lpar, rpar=value.rpar)
    return value


class Keras2OptimizerRule(ClassesReadByName, dynamic.BuildsReadByName, ValueReferences, Rule):
    """Rewrite Keras 2 optimizer arguments and namespaces into Keras 3, keeping the math.

    What it does
    ------------
    For the Keras optimizers (`keras.optimizers.Adam`, `tf.keras.optimizers.SGD`, ... reached
    through any import), where a call shows it was written for Keras 2:
    - `lr=` becomes `learning_rate=`;
    - `decay=d` (time-based learning-rate decay) becomes
      `learning_rate=keras.optimizers.schedules.InverseTimeDecay(lr, decay_steps=1, decay_rate=d)`,
      the schedule in the optimizer's own namespace (`tf.keras.optimizers.schedules` for
      `tf.keras.optimizers.SGD`);
    - `epsilon=None` (Keras 2 for `K.epsilon()`, 1e-07) is dropped: 1e-07 is Keras 3's default;
    - positional arguments are passed by their Keras 2 meaning (`SGD(0.01, 0.9, 1e-6, True)`: the
      third was `decay`, in Keras 3 it is `nesterov`);
    - defaults that changed are written out: Keras 2 `Adadelta` trained with learning rate 1.0,
      `Adagrad` with 0.01 and accumulators starting at zero, `Adamax` and `Nadam` with 0.002;
    - the lowercase factories (`keras.optimizers.adam(...)`) become the classes, and the namespaces
      Keras 3 removed (`keras.optimizers.legacy.X`, `tf.keras.optimizers.legacy.X`,
      `tf.keras.optimizers.experimental.X`, `tensorflow.python.keras.optimizers.X`, also as
      `from ... import X` and as classes passed around) become `keras.optimizers.X`.

    Keras 2 evidence on a call is `lr=`, `decay=`, `schedule_decay=`, `epsilon=None`, a removed
    namespace or a factory. The era follows the namespace: the standalone `keras` package means
    Keras 2.2 (its signatures and defaults); `tf.keras`, `tensorflow.python.keras` and the `legacy`
    namespaces mean tf.keras 2 (OptimizerV2, whose defaults are Keras 3's). A call without
    evidence is left alone, unless its positional arguments can only be read one way: a literal
    that cannot fill the Keras 3 parameter at its position (`SGD(0.01, 0.9, 1e-6)`) reads the
    Keras 2 way; where both readings fit, nothing is guessed: it is reported. With a source version
    (`--source`, or read from the project's requirements), a call without evidence is read in the
    era the source gives its namespace (keras-2.2, keras-2.3, tf-1: `keras.optimizers` is Keras
    2.2, so `Adadelta()` becomes `Adadelta(learning_rate=1.0)` and `clipnorm` `global_clipnorm`;
    tf-keras-2: tf.keras 2), unless it passes a keyword that era did not have. Without one, a call
    that leaves out a default Keras 3 changed is reported where other calls of the same file were
    written for Keras 2.2, and otherwise counted in the run's summary.

    A class looked up on a Keras optimizers module at run time (`getattr(keras.optimizers,
    name)(lr=0.01, decay=1e-6)`) is a Keras optimizer whatever the name: its `lr=`, `decay=` and
    `epsilon=None` are mapped as for every class; what depends on the class (positional arguments,
    `schedule_decay`, standalone Keras's `clipnorm`) is reported. Keras 2 keywords given to a class
    optfix cannot tell (`params['optimizer'](lr=0.01)`, given to `compile` directly or through a
    name) or to a wrapper that builds a Keras optimizer class it is handed
    (`LearningRateMultiplier(SGD, lr=0.01)`) are reported.

    A class derived from a Keras optimizer that is written against tf.keras 2's optimizer APIs
    keeps its base class as it is: moved to a Keras 3 class, its overrides would never be called.
    One written for tf.keras 2.11-2.15 (`update_step(gradient, variable)`) is reported; one
    written against OptimizerV2 only (`_resource_apply_dense`, `_create_slots`, `self._set_hyper(...)`,
    ...) is left to rule optimizer-v2, which migrates it or says why it cannot, unless it already
    defines an update_step, which that rule does not take. One written for Keras 2.2
    (get_updates, in the class or a subclass of the file) is left to rule get-updates. Where the
    rule a class is left to does not run (`--ignore optimizer-v2`), it is reported here.

    Why
    ---
    Keras 3 rejects `lr=` (`Argument(s) not recognized: {'lr': 0.001}`), silently ignores
    `decay=` (a warning, and training changes), fails on `epsilon=None` at the first step, and
    reads Keras 2 positional arguments as other parameters. `keras.optimizers.legacy` raises
    ImportError in Keras 3.

    Example
    -------
    From `fixtures/keras2-optimizer/lr_decay.py`:

    ```python
    import keras

    opt = keras.optimizers.SGD(lr=0.01, decay=1e-6, momentum=0.9)
    ```

    becomes

    ```python
    import keras

    opt = keras.optimizers.SGD(learning_rate=keras.optimizers.schedules.InverseTimeDecay(0.01, decay_steps=1, decay_rate=1e-6), momentum=0.9)
    ```

    Fix safety
    ----------
    Safe, applied by default: `lr=` renamed, `decay=` as an `InverseTimeDecay` schedule (evaluated
    at the step count before the update, as Keras 2 evaluated `decay`), `epsilon=None` dropped,
    positional arguments passed by their Keras 2 meaning, changed defaults written out, factories
    and removed namespaces replaced; `clipnorm` of a lowercase factory (`keras.optimizers.adam`,
    which only Keras 2.2 and 2.3 had, and which clipped the global norm), or of any standalone
    Keras 2 call under a keras-2.2, keras-2.3 or tf-1 source, as `global_clipnorm`.
    Unsafe, applied only with --unsafe-fixes, and then to the whole call (by default the call is
    left as written, so the next run still sees what it was written for): dropping Nadam's
    `schedule_decay` (Keras 3 Nadam has no such schedule), other standalone Keras 2 `clipnorm` as
    `global_clipnorm` (Keras 2.2 and 2.3 clipped the global norm; tf.keras and Keras 2.4+ clipped
    each gradient, as Keras 3's `clipnorm` does), and every call whose math no argument keeps,
    which is also reported: Keras 2 RMSprop and Adagrad put epsilon outside the square root
    (tf.keras 2 RMSprop too, without momentum), Keras 2 and tf.keras 2 (OptimizerV2) Nadam's
    momentum schedule. Reported only: in any call (Keras 3 raises ValueError whatever Keras the
    code was written for), `clipnorm` together with `clipvalue`; also calls whose positional
    arguments fit both readings.

    How the math is checked: each fixture runs as written under the Keras it was written for
    (tf.keras 2 as tf_keras's legacy OptimizerV2 optimizers, Keras 2.2 as a numpy transcription of
    its update rules, signatures and defaults) and as rewritten under Keras 3, on the same
    gradients, normal and near 1e-4, in float64: every optimizer on a line without a finding
    agrees to 1e-6 (normwise, relative) at every step, and every optimizer on a line whose finding
    says the math differs is shown to differ. The signatures and defaults the rule relies on are
    checked against the installed Keras 3 and tf_keras.

    Known problems
    --------------
    Keras 2.3 made `epsilon` and `decay` keyword-only (`Adam(learning_rate, beta_1, beta_2,
    amsgrad)`), so a fourth positional argument meant `amsgrad` there and `epsilon` in Keras 2.2:
    standalone Keras calls are read with Keras 2.3's signatures only under a keras-2.3 source
    (there, positional arguments that only Keras 2.2 took are reported, and `learning_rate=` is a
    Keras 2.3 keyword); with no source, the Keras 2.2 way. `decay` combined with a
    learning rate that is already a schedule cannot be expressed by one schedule. TensorFlow 2.11-2.15 silently ignored `lr=`
    on `tf.keras.optimizers.X` (it trained with the default): the rewrite follows what the code
    says, the learning rate it wrote. Optimizers built from `**kwargs` keep what
    the dictionary holds; calls with `*args` are reported.
    """

    id = "keras2-optimizer"

    @classmethod
    def wants(cls, data: bytes) -> bool:
        return prefilter.wants(data)

    @classmethod
    def relevant(cls, tree: ast.Module) -> bool:
        return prefilter.relevant(tree)

    def anchors(self, chains):
        """Names that may reach a Keras optimizer class or module, and the Keras 2 keywords (they mark a class chosen at run time)."""
        return frozenset(reaching_heads(chains, self.file.imports, may_reach_optimizers) | LEGACY_KEYWORDS)

    def __init__(self, file) -> None:
        super().__init__(file)
        self.kept_bases: set[int] = set()  # ids of base classes that must stay as they are
        self.keras2_calls = 0  # calls read as Keras 2.2 code
        self.unproven: list[tuple[cst.Call, list[str]]] = []  # Keras 2.2 classes called with no evidence
        self.built_elsewhere = dynamic.BuiltElsewhere()
        self.undecided: list[cst.Call] = []  # calls whose defaults differ between eras, that nothing decided

    def _site_of(self, node: cst.BaseExpression) -> Site | None:
        return site_for(self.file.imports.resolved_name(node))

    # -- subclasses ---------------------------------------------------------------------------

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        super().visit_ClassDef(node)
        keeps_bases, finding = subclass_finding(self.file, node, self._is_optimizer_class)
        if keeps_bases:
            self.kept_bases.update(id(arg.value) for arg in node.bases if self._is_optimizer_class(arg.value))
        if finding:
            self.report(node.name, finding)

    def _is_optimizer_class(self, node: cst.BaseExpression) -> bool:
        qualified = self.file.imports.resolved_name(node)
        member = keras_member(qualified)
        if member is None or qualified.startswith(LEFT_ALONE):
            return False
        return self._site_of(node) is not None or (member.startswith("optimizer") and member.endswith(("Optimizer", "OptimizerV2")))

    # -- calls --------------------------------------------------------------------------------

    def on_call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        site = self._site_of(original.func)
        if site is None:
            module = dynamic.looked_up_module(original, self.file.imports)
            if module is not None:
                return dynamic.rewrite_looked_up(self, original, updated, module)
            wrapped = dynamic.wrapped_class(original, self.file.imports)
            if wrapped:
                self.report(original, f"{code(original.func)}(...) is given the class {wrapped} and Keras 2 keywords "
                                      f"({', '.join(dynamic.legacy_keywords(original))}): if it builds {wrapped} with them, Keras 3 "
                                      "rejects them (ValueError: Argument(s) not recognized): give it learning_rate= (decay as an "
                                      "InverseTimeDecay schedule)")
            self._report_unknown_optimizer(original)
            return updated
        if CLIPS <= {arg.keyword.value for arg in original.args if arg.keyword is not None}:
            self.report(original, f"{site.name}: {CLIP_BOTH}")  # Keras 3 raises, whoever wrote the call
        era = site.era or declared_era(original, site, self.file.options.source) or (site.guess if has_evidence(original) else None)
        positional = [arg for arg in original.args if arg.keyword is None and not arg.star]
        if era is None:
            era = self._reading(original, site, positional)
            if era in (None, KERAS3) and not site.move:
                undecided = era is None and source_era(self.file.options.source, site.guess == KERAS2) is None
                if undecided and site.guess == KERAS2:
                    self._note_unproven(original, site, positional)
                if undecided and era_dependent(original, site):
                    self.undecided.append(original)
                return updated
        self.keras2_calls += era == KERAS2
        if any(arg.star == "*" for arg in original.args):
            self.report(original, f"{site.name}: arguments passed with *args cannot be mapped from {era}; pass them by keyword")
            return updated
        if era == KERAS2 and site.name not in KERAS2_SIGNATURES:
            era = TF_KERAS  # a class Keras 2.2 did not have: Keras 2.4+, which was tf.keras
        source = self.file.options.source
        if site.name in SIGNATURES[era]:
            names = positional_names(era, site.name, source)
            fit = all_fit(era, site.name, [constant(arg.value) for arg in positional], source)
        else:  # a newer class under a removed namespace keeps its signature; others cannot be read
            names = [None] * len(positional) if era == KERAS3 else []
            fit = era == KERAS3 or not positional
        if not fit:
            values = [constant(arg.value) for arg in positional]
            older = f", only Keras 2.2's ({', '.join(positional_names(era, site.name))})" if reads_keras2_3(
                era, site.name, source) and all_fit(era, site.name, values) else ""
            self.report(original, f"{site.name}: positional arguments do not fit the {era_label(era, site.name, source)} signature "
                                  f"({', '.join(names)}){older}; pass them by keyword")
            return updated
        return self._migrate(original, updated, site, era, names)

    def _note_unproven(self, call: cst.Call, site: Site, positional: list[cst.Arg]) -> None:
        """A standalone-Keras call that reads the same in Keras 2.2 and Keras 3 but leaves out a
        parameter whose default changed: nothing proves which Keras it was written for."""
        given = set(meanings(KERAS3, site.name, len(positional))) | {arg.keyword.value for arg in call.args if arg.keyword}
        changed = [f"{name}={old!r} (Keras 3: {new!r})" for name, (old, new) in keras2_defaults(site.name).items() if name not in given]
        if changed and not any(arg.star for arg in call.args):
            self.unproven.append((call, changed))

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        for built in self.built_elsewhere.reaching_compile():
            self._report_built_elsewhere(built)
        reported = {id(call) for call, _ in self.unproven} if self.keras2_calls else set()
        self.file.era_dependent += sum(id(call) not in reported for call in self.undecided)
        if self.keras2_calls:  # the file is Keras 2.2 code: its other calls may be too
            for call, changed in self.unproven:
                name = code(call.func)
                self.report(call, f"{name}(...) shows no Keras 2 argument, but other optimizer calls in this file were written "
                                  f"for Keras 2.2; if this one was too, Keras 2.2 trained it with {', '.join(changed)}: write "
                                  "it out to keep the old math, or leave it for the Keras 3 default")
        return updated

    def _report_unknown_optimizer(self, call: cst.Call) -> None:
        """`model.compile(optimizer=params['optimizer'](lr=0.01))`: an optimizer whose class is
        chosen at run time, built with Keras 2 keywords. Reported: if it is Keras's, Keras 3
        rejects them."""
        index = optimizer_argument(call, self.file.imports)
        built = call.args[index].value if index is not None else None
        if isinstance(built, cst.Name):
            self.built_elsewhere.compiled.add(built.value)
        if not isinstance(built, cst.Call) or self.file.imports.resolved_name(built.func) is not None:
            return
        if dynamic.looked_up_module(built, self.file.imports) is not None:
            return
        self._report_built_elsewhere(built)

    def visit_Assign(self, node: cst.Assign) -> None:
        self.built_elsewhere.assigned(node, self.file.imports)

    def _report_built_elsewhere(self, built: cst.Call) -> None:
        legacy = [arg.keyword.value for arg in built.args if arg.keyword is not None and arg.keyword.value in LEGACY_KEYWORDS]
        if legacy:
            func = code(built.func)
            self.report(built, f"{func}({', '.join(k + '=...' for k in legacy)}) builds an optimizer of a class optfix cannot "
                               f"tell; if it is a Keras optimizer, Keras 3 rejects {', '.join(legacy)} (ValueError: Argument(s) "
                               "not recognized): write learning_rate= (and decay as an InverseTimeDecay schedule)")

    def _reading(self, call: cst.Call, site: Site, positional: list[cst.Arg]) -> str | None:
        """The era the positional arguments of a call without Keras 2 evidence belong to: None
        when every reading agrees, the only one the literals fit, or None after a report."""
        if site.name not in SIGNATURES[site.guess]:
            return None
        meant = {era: meanings(era, site.name, len(positional)) for era in (site.guess, KERAS3)}
        if meant[site.guess] == meant[KERAS3]:
            return None
        values = [constant(arg.value) for arg in positional]
        fitting = [era for era in meant if all_fit(era, site.name, values)]
        if len(fitting) == 1:
            return fitting[0]
        if fitting:
            self.report(call, (
                f"{site.name}: positional arguments mean ({', '.join(meant[site.guess])}) in {site.guess} and "
                f"({', '.join(meant[KERAS3])}) in Keras 3; pass them by keyword"
            ))
        else:
            self.report(call, f"{site.name}: positional arguments fit neither the {site.guess} nor the Keras 3 signature; pass them by keyword")
        return None

    def _migrate(self, original: cst.Call, updated: cst.Call, site: Site, era: str, names: list[str]) -> cst.BaseExpression:
        targets = [arg.keyword.value if arg.keyword else (None if arg.star else names[i]) for i, arg in enumerate(original.args)]
        given = {target: arg for target, arg in zip(targets, updated.args) if target is not None}
        twice = sorted({t for t in targets if t is not None and targets.count(t) > 1})
        if twice:
            self.report(original, f"{site.name}: {', '.join(twice)} given twice (a TypeError in {era} too); keep one")
            return updated
        source = self.file.options.source
        accepted = accepted_keywords(era, site.name, source) | CLIPS
        if not reads_keras2_3(era, site.name, source):
            accepted |= {"epsilon", "learning_rate"}  # handled below
        unknown = sorted(t for t in given if t not in accepted) if era == KERAS2 and site.name in SIGNATURES[era] else []
        if unknown:
            self.report(original, f"{site.name}: {', '.join(unknown)} is not a parameter of the {era_label(era, site.name, source)} {site.name} "
                                  f"(a TypeError there too); remove it")
            return updated
        if "lr" in given and "learning_rate" in given:
            self.report(original, f"{site.name}: both lr and learning_rate are given; keep one")
            return updated
        self._needs_keras = False
        done = [f"{site.move} -> keras.optimizers.{site.name}"] if site.move else []
        unsafe: dict[str, str | None] = {}  # target -> the keyword it becomes, None: dropped
        why_unsafe = []
        keras3 = dict(KERAS3_SIGNATURES.get(site.name, ()))
        kwargs = any(arg.star == "**" for arg in original.args)

        learning_rate = given.get("lr", given.get("learning_rate"))
        decay = given.get("decay")
        if decay is not None and constant(decay.value) in (0, 0.0):
            done.append("decay=0 dropped")
            decay = None
        old_rate = dict(SIGNATURES[era].get(site.name, ())).get("lr" if era == KERAS2 else "learning_rate")
        write_rate = learning_rate is None and not kwargs and old_rate != keras3.get("learning_rate")
        if learning_rate is not None:
            rate = learning_rate.value
        else:
            rate = cst.parse_expression(repr(old_rate))
        if decay is not None:
            rate = self._schedule(rate, decay.value, _namespace(updated.func, site))
            done.append("decay -> InverseTimeDecay schedule (lr / (1 + decay * step), as before)")
        elif learning_rate is None and write_rate:
            done.append(f"learning_rate={old_rate!r} written out ({era} default; Keras 3: {keras3['learning_rate']!r})")
        elif learning_rate is not None:
            rate = _float_literal(rate)
        place_rate = decay is not None or write_rate
        # A decay merged into the learning rate given: its comment goes to that argument's line.
        merged = {targets.index("decay"): targets.index(key) for key in ("lr", "learning_rate") if key in given and "decay" in given}

        args: list[tuple[str, cst.Arg]] = []
        for target, arg in zip(targets, updated.args):
            if target in ("lr", "learning_rate") or (target == "decay" and place_rate and learning_rate is None):
                if target == "lr":
                    done.append("lr -> learning_rate")
                if rate is not arg.value:
                    arg = arg.with_changes(value=rate)
                args.append(("learning_rate", arg))
                place_rate = False
            elif target == "decay":
                continue
            elif target == "epsilon" and constant(arg.value) is None:
                done.append(f"epsilon=None dropped (it meant K.epsilon(), {KERAS2_EPSILON!r}, the Keras 3 default)")
            else:
                if target == "schedule_decay":
                    unsafe[target] = None
                    why_unsafe.append("schedule_decay has no Keras 3 counterpart: dropping it changes the math")
                elif target == "clipnorm" and era == KERAS2 and "clipvalue" not in given:
                    if is_factory(site) or source_era(self.file.options.source, True) == KERAS2:
                        # Only Keras 2.2 and 2.3 had the factories; the source says the same: their clipnorm was global.
                        target = "global_clipnorm"
                        done.append("clipnorm -> global_clipnorm (Keras 2.2 and 2.3 clipped the global norm, as global_clipnorm does)")
                    else:
                        unsafe[target] = "global_clipnorm"
                        why_unsafe.append(f"clipnorm -> global_clipnorm: {KERAS2_CLIPNORM}")
                args.append((target, arg))
        if place_rate:
            args.insert(0, ("learning_rate", new_keyword("learning_rate", 0).with_changes(value=rate)))
        if era == KERAS2 and not kwargs:
            for keyword, value in KERAS2_IMPLIED.get(site.name, {}).items():
                args.append((keyword, new_keyword(keyword, value)))
                done.append(f"{keyword}={value!r} written out ({era} state; Keras 3 default: {keras3[keyword]!r})")
        if self._report_differences(original, site, era, given):
            why_unsafe.append(f"Keras 3's {site.name} computes differently, as reported at this call")

        safe = self._call(updated, site, args, done, era, merged)
        if why_unsafe:
            # Whole or not at all: a partial rewrite would erase the evidence the findings rest on.
            full_args = [(unsafe.get(t, t), a) for t, a in args if not (t in unsafe and unsafe[t] is None)]
            full = self._call(updated, site, full_args, [], era, merged)
            message = f"{site.name} ({era}): " + "; ".join(done + why_unsafe)
            if self.rewrite(original, updated, full, message, safe=False) is full:
                return self._imports_for(original, site, full)
            return updated
        if not done or safe.deep_equals(updated):  # `SGD(0.01)` read as Keras 2: the same code
            return updated
        self.rewrite(original, updated, safe, f"{site.name} ({era}): " + "; ".join(done))
        return self._imports_for(original, site, safe)

    def _call(
        self, updated: cst.Call, site: Site, args: list[tuple[str, cst.Arg]], done: list[str], era: str, merged: dict[int, int]
    ) -> cst.Call:
        """The call with `args` (target name, argument): positional arguments stay positional if
        Keras 3 reads each of them as meant, else all are passed by keyword; the class as Keras 3
        names it."""
        placed = [target for target, arg in args if target is not None and arg.keyword is None and not arg.star]
        stays = placed == meanings(KERAS3, site.name, len(placed))
        if not stays:
            done.append(f"positional arguments passed by their {era} names")
        built = []
        for target, arg in args:
            if target is not None and not (stays and arg.keyword is None) and (arg.keyword is None or arg.keyword.value != target):
                arg = as_keyword(arg, target)
            built.append(arg)
        call = with_args(updated, built, merged)
        if site.move:
            call = call.with_changes(func=self._class_reference(updated.func, site))
        return call

    def _class_reference(self, func: cst.BaseExpression, site: Site) -> cst.BaseExpression:
        if site.move.rsplit(".", 1)[-1] in KERAS2_FACTORIES and isinstance(func, cst.Attribute):
            return func.with_changes(attr=cst.Name(site.name))  # keras.optimizers.adam -> .Adam
        reference, needs_keras = self.file.keras_reference(f"optimizers.{site.name}")
        self._needs_keras = self._needs_keras or needs_keras
        return reference

    def _schedule(self, rate: cst.BaseExpression, decay: cst.BaseExpression, namespace: cst.BaseExpression | None) -> cst.BaseExpression:
        schedule, needs_keras = self.file.keras_reference("optimizers.schedules.InverseTimeDecay", namespace)
        self._needs_keras = self._needs_keras or needs_keras
        return cst.Call(schedule, [
            cst.Arg(rate, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
            new_keyword("decay_steps", 1).with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
            new_keyword("decay_rate", 0).with_changes(value=decay),
        ])

    def _imports_for(self, original: cst.Call, site: Site, result: cst.Call) -> cst.Call:
        self.file.use_keras(self._needs_keras, original.func if site.move and result.func is not original.func else None)
        return result

    def _report_differences(self, call: cst.Call, site: Site, era: str, given: dict[str, cst.Arg]) -> bool:
        """Report what no argument can keep of the era's math; whether there is any."""
        if era == KERAS2 and site.name in KERAS2_DIFFERENCES:
            self.report(call, f"{site.name}: {KERAS2_DIFFERENCES[site.name]}")
            return True
        if era == TF_KERAS and site.name in TF_KERAS_DIFFERENCES:
            momentum = given.get("momentum")
            if site.name != "RMSprop" or momentum is None or constant(momentum.value) in (0, 0.0):
                self.report(call, f"{site.name}: {TF_KERAS_DIFFERENCES[site.name]}")
                return True
        return False

    # -- classes passed around ----------------------------------------------------------------

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        return self._reference(original, updated)

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        return self._reference(original, updated)

    def _reference(self, original, updated):
        """A class from a removed namespace used as a value: the Keras 3 class."""
        if not self.is_value(original) or id(original) in self.attribute_bases or id(original) in self.kept_bases:
            return updated
        site = self._site_of(original)
        if site is None or not site.move or site.move.rsplit(".", 1)[-1] in KERAS2_FACTORIES:
            return updated
        self._needs_keras = False
        replacement = self._class_reference(original, site)
        message = f"{site.move} -> keras.optimizers.{site.name} (a class: Keras 2 arguments given where it is called are not translated)"
        self.rewrite(original, updated, replacement, message)
        self.file.use_keras(self._needs_keras, original)
        return replacement


def _namespace(func: cst.BaseExpression, site: Site) -> cst.BaseExpression | None:
    """`tf.keras` of `tf.keras.optimizers.Adam`, where the rewritten call still finds its class."""
    moved = site.move and site.move.rsplit(".", 1)[-1] not in KERAS2_FACTORIES  # a factory keeps its namespace
    if not moved and isinstance(func, cst.Attribute) and isinstance(func.value, cst.Attribute) and func.value.attr.value == "optimizers":
        return func.value.value
    return None
