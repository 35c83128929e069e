"""Rule `keras2-optimizer`: Keras 2 optimizer arguments and namespaces to Keras 3, same math."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from optfix.lazy import libcst as cst

from optfix.rulekit.calls import NOT_CONSTANT, as_keyword, constant, new_keyword, with_args
from optfix.analysis.dotted_names import PossibleNames
from optfix.knowledge.keras import (
    CLIP_BOTH,
    KERAS2_CLIPNORM,
    KERAS2_DIFFERENCES,
    KERAS2_EPSILON,
    KERAS2_FACTORIES,
    KERAS2_IMPLIED,
    KERAS2_SIGNATURES,
    KERAS3_OPTIMIZERS,
    KERAS3_SIGNATURES,
    OPTIMIZER_V2_API,
    TF_KERAS_DIFFERENCES,
    TF_KERAS_NEW_API,
    TF_KERAS_SIGNATURES,
    keras2_defaults,
)
from optfix.knowledge.namespaces import KERAS_ROOTS, keras_member
from optfix.rulekit.optimizer_sites import optimizer_argument
from optfix.rulekit.references import ValueReferences
from optfix.rulekit.rule import Rule
from optfix.analysis.ast_nodes import every_node
from optfix.analysis.tree import code, descendants

KERAS2, TF_KERAS, KERAS3 = "Keras 2", "tf.keras 2", "Keras 3"
SIGNATURES = {KERAS2: KERAS2_SIGNATURES, TF_KERAS: TF_KERAS_SIGNATURES, KERAS3: KERAS3_SIGNATURES}
_LEGACY_KEYWORDS = frozenset({"lr", "decay", "schedule_decay"})
_FLAGS = frozenset({"nesterov", "amsgrad", "centered"})
_CLIPS = frozenset({"clipnorm", "clipvalue"})
# Roots that are Keras 3 already or deliberately Keras 2 (tf_keras): never rewritten.
_LEFT_ALONE = ("keras.src", "tf_keras")

_CLASSES = "|".join(KERAS3_SIGNATURES).encode()
_FACTORY_NAMES = "|".join(KERAS2_FACTORIES).encode()
_ARGUMENT = rb"(?:[^()=,]|\([^()]*\))*"  # one argument, nested parentheses one level deep
# After `optimizers`: not Keras's own sources, not tf_keras (left alone), not `my_optimizers`.
_OURS = rb"(?<!src\.optimizers)(?<!tf_keras\.optimizers)(?<!\woptimizers)"
_SUBCLASS_API = OPTIMIZER_V2_API | TF_KERAS_NEW_API
_OPTIMIZER_NAMES = frozenset(KERAS3_OPTIMIZERS | set(KERAS3_SIGNATURES) | set(KERAS2_SIGNATURES) | set(KERAS2_FACTORIES))


class _Keyword:
    """One of `names` given as a keyword argument: after `(` or `,`, or after a comment line (one
    may end a line of arguments). Most `lr = 0.1` are assignments on a line of their own."""

    def __init__(self, names: bytes, value: bytes = rb"[^=]") -> None:
        self.pattern = re.compile(names + rb"\s*=" + value)  # led by a literal, which `re` finds fast

    def search(self, data: bytes) -> bool:
        for match in self.pattern.finditer(data):
            before = data[max(0, match.start() - 512):match.start()].rstrip(b" \t\f\r\n\\")
            if not before or before.endswith((b"(", b",")) or b"#" in before[before.rfind(b"\n") + 1:]:
                return True
        return False


class _AllOf:
    """Patterns that must all be found in a file."""

    def __init__(self, *patterns) -> None:
        self.patterns = patterns

    def search(self, data: bytes) -> bool:
        return all(pattern.search(data) for pattern in self.patterns)


class _OptimizerCalled:
    """A Keras optimizer class called, or imported under another name; not defined (`class Adam(`)."""

    pattern = re.compile(rb"\b(?:" + "|".join(sorted(_OPTIMIZER_NAMES)).encode() + rb")(?:\s+as\s|\s*\()")

    @classmethod
    def search(cls, data: bytes) -> bool:
        return any(not data.endswith(b"class ", 0, match.start()) for match in cls.pattern.finditer(data))


def _gate(names: set[str]) -> tuple[bytes, ...]:
    """Literals one of which each of `names` contains: a shared core where several have one (fewer
    substrings to look for in every file), else the name."""
    cores = ("slot", "_hyper", "_resource_apply")
    return tuple(sorted({next((core for core in cores if core in name), name).encode() for name in names}))


# The prefilter: each pattern is searched only in files that hold one of its literals, which `in`
# finds many times faster than a regular expression could (one alternation of them all took 5 s
# on the benchmark corpus), and each pattern starts with a literal, which `re` also searches
# fast (a leading `\b` or lookbehind makes it try every position: boundaries are checked after).
# A Keras optimizer class or factory is reached through text that says `optimizers` (its import,
# or its attribute chain).
_TRIGGERS = (
    ((b"lr",), _Keyword(rb"lr")),
    ((b"decay",), _Keyword(rb"decay")),  # not weight_decay=, a Keras 3 argument
    ((b"schedule_decay",), _Keyword(rb"schedule_decay")),
    ((b"epsilon",), _Keyword(rb"epsilon", rb"\s*None\b")),
    ((b"legacy", b"experimental"), re.compile(
        rb"optimizers" + _OURS + rb"\s*\.\s*(?:legacy|experimental)\b"
        rb"|import\s[^\n]*optimizers" + _OURS + rb"\.(?:legacy|experimental)\b"
        rb"|optimizers" + _OURS + rb" import[^\n]*\b(?:legacy|experimental)\b")),
    # tensorflow.python.keras, where it reaches the optimizers
    ((b"python",), re.compile(
        rb"python\s*\.\s*keras(?:\s*\.\s*optimizers\b|\s+as\b|\s+import\b[^\n]*\boptimizers\b|\s+import\s*\([^)]*\boptimizers\b)"
        rb"|python import keras\b")),
    ((b"optimizers",), re.compile(
        rb"\b(?:" + _FACTORY_NAMES + rb")\s*\(|\boptimizers import\b[^\n]*\b(?:" + _FACTORY_NAMES + rb")\b"
        rb"|\b(?:" + _CLASSES + rb")\s*\(" + _ARGUMENT + rb"," + _ARGUMENT + rb",")),  # positional arguments
    # subclasses written against the tf.keras 2 optimizer APIs
    (_gate(_SUBCLASS_API | {"update_step"}), re.compile(
        rb"def\s+(?:" + "|".join(sorted(_SUBCLASS_API)).encode() + rb")\b"
        rb"|def\s+update_step\s*\([^(),]*,[^(),]*,[^(),]*\)"
        rb"|self\s*\.\s*(?:" + "|".join(sorted(_SUBCLASS_API)).encode() + rb")\s*\(")),
    # both clips given to a call of an optimizer class, or of one imported under another name
    ((b"clipnorm",), _AllOf(_Keyword(rb"clipnorm"), _Keyword(rb"clipvalue"), _OptimizerCalled)),
)


@dataclass(frozen=True)
class Site:
    """A Keras optimizer class or factory as the code reaches it."""

    name: str  # the Keras 3 class
    era: str | None  # the era the namespace itself proves, if it does
    guess: str  # the era Keras 2 evidence on the call points to
    move: str = ""  # the legacy spelling to replace with keras.optimizers.<name>, if any


def _site(qualified: str | None) -> Site | None:
    root = next((r for r in KERAS_ROOTS if qualified and qualified.startswith(r + ".")), None)
    if root is None and qualified and ".keras.optimizers." in qualified:
        # A package that re-exports Keras (`from keras_bert.backend import keras`): either
        # `keras` or `tf.keras`, so only what the eras share is done.
        root = qualified[: qualified.rindex(".keras.optimizers.") + len(".keras")]
    if root is None or root in _LEFT_ALONE:
        return None
    parts = qualified[len(root) + 1 :].split(".")
    guess = KERAS2 if root == "keras" else TF_KERAS
    python_keras = root == "tensorflow.python.keras"
    if parts[0] == "optimizers" and len(parts) == 2:
        name = parts[1]
        if name in KERAS2_FACTORIES and root == "keras":
            return Site(KERAS2_FACTORIES[name], KERAS2, KERAS2, qualified)
        if name in KERAS3_OPTIMIZERS:
            return Site(name, TF_KERAS if python_keras else None, guess, qualified if python_keras else "")
    elif parts[0] == "optimizers" and len(parts) == 3 and parts[1] in ("legacy", "experimental"):
        if parts[2] in KERAS3_OPTIMIZERS:
            return Site(parts[2], TF_KERAS if parts[1] == "legacy" else KERAS3, TF_KERAS, qualified)
    return None


def _fits(parameter: tuple[str, object], value: object) -> bool:
    """Whether a literal positional argument can be meant for `parameter` (name, default)."""
    name, default = parameter
    if value is NOT_CONSTANT:
        return True
    if value is None:
        return default is None
    if name in _FLAGS:
        return isinstance(value, bool)
    if name == "name":
        return isinstance(value, str)
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _positional_names(era: str, name: str) -> list[str]:
    return [parameter for parameter, _ in SIGNATURES[era].get(name, ())]


def _meanings(era: str, name: str, count: int) -> list[str]:
    """What the first `count` positional arguments set, in Keras 3's words."""
    return ["learning_rate" if p == "lr" else p for p in _positional_names(era, name)[:count]]


def _all_fit(era: str, name: str, values: list[object]) -> bool:
    parameters = SIGNATURES[era][name]
    return len(values) <= len(parameters) and all(map(_fits, parameters, values))


def _float_literal(value: cst.BaseExpression) -> cst.BaseExpression:
    """`1` -> `1.0`: Keras 3 rejects an int learning rate."""
    if isinstance(value, cst.Integer) and constant(value) is not NOT_CONSTANT:
        return cst.Float(f"{constant(value)}.0", lpar=value.lpar, rpar=value.rpar)
    return value


class Keras2OptimizerRule(ValueReferences, Rule):
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
    Keras 2 way; where both readings fit, nothing is guessed: it is reported. A call without
    evidence that leaves out a default Keras 3 changed (`Adadelta()`) is reported where other
    calls of the same file were written for Keras 2.2, with the old values to write.

    A class derived from a Keras optimizer that is written against tf.keras 2's optimizer APIs
    keeps its base class as it is: moved to a Keras 3 class, its overrides would never be called.
    One written for tf.keras 2.11-2.15 (`update_step(gradient, variable)`) is reported; one
    written against OptimizerV2 only (`_resource_apply_dense`, `_create_slots`, `self._set_hyper(...)`,
    ...) is left to rule optimizer-v2, which migrates it or says why it cannot.

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
    and removed namespaces replaced. Unsafe, applied only with --unsafe-fixes: dropping Nadam's
    `schedule_decay` (Keras 3 Nadam has no such schedule), and Keras 2.2's `clipnorm` as
    `global_clipnorm` (Keras 2.2 clipped the global norm; tf.keras and Keras 2.4+ clipped each
    gradient, as Keras 3's `clipnorm` does). Reported only, because no argument expresses it: Keras 2
    RMSprop and Adagrad put epsilon outside the square root (tf.keras 2 RMSprop too, without
    momentum), Keras 2 Nadam's momentum schedule, and, in any call (Keras 3 raises ValueError
    whatever Keras the code was written for), `clipnorm` together with `clipvalue`; also calls
    whose positional arguments fit both readings.

    What the tests prove: tests/test_keras2_equivalence.py runs each fixture as written under the
    Keras it was written for (tf.keras 2 as tf_keras's legacy OptimizerV2 optimizers, Keras 2.2 as a
    numpy transcription of its update rules, signatures and defaults) and as rewritten under Keras 3,
    on the same gradients, normal and near 1e-4, in float64: every optimizer on a line without a
    finding agrees to 1e-6 (normwise, relative) at every step, and every optimizer on a line whose
    finding says the math differs is shown to differ. tests/test_keras_table.py checks the
    signatures and defaults the rule relies on against the installed Keras 3 and tf_keras.

    Known problems
    --------------
    Keras 2.3 made `epsilon` and `decay` keyword-only (`Adam(lr, beta_1, beta_2, amsgrad)`), so a
    fourth positional argument meant `amsgrad` there and `epsilon` in Keras 2.2: positional
    arguments are read the Keras 2.2 way. `decay` combined with a learning rate that is already
    a schedule cannot be expressed by one schedule. TensorFlow 2.11-2.15 silently ignored `lr=`
    on `tf.keras.optimizers.X` (it trained with the default): the rewrite follows what the code
    says, the learning rate it wrote. Optimizers built from `**kwargs` keep what
    the dictionary holds; calls with `*args` are reported.
    """

    id = "keras2-optimizer"

    @classmethod
    def wants(cls, data: bytes) -> bool:
        return any(any(literal in data for literal in literals) and pattern.search(data) for literals, pattern in _TRIGGERS)

    @classmethod
    def relevant(cls, tree: ast.Module) -> bool:
        names = _OPTIMIZER_NAMES | _aliases(tree)
        built_at_sites: set[int] = set()  # calls given to compile() or get(): an optimizer of unknown class?
        bindings: PossibleNames | None = None  # read when a class needs them
        for node in every_node(tree):  # breadth first: a call before its arguments
            if isinstance(node, ast.Call):
                if _name_of(node.func) in ("compile", "get"):
                    built_at_sites.update(id(value) for value in [*node.args, *(k.value for k in node.keywords)])
                legacy = any(k.arg in _LEGACY_KEYWORDS or (k.arg == "epsilon" and _is_none(k.value)) for k in node.keywords)
                if _name_of(node.func) in names and (legacy or _CLIPS <= {k.arg for k in node.keywords} or len(node.args) >= 2):
                    return True
                if legacy and id(node) in built_at_sites:
                    return True
            if isinstance(node, ast.ClassDef) and _legacy_subclass_methods(node):
                bindings = bindings or PossibleNames(tree)
                if any(_may_be_keras(name) for base in node.bases for name in bindings.of(base)):
                    return True
        # a class or factory in a namespace Keras 3 removed, or a Keras 2 factory
        return any(getattr(_site(name), "move", "") for name in (bindings or PossibleNames(tree)).everywhere())

    def __init__(self, file) -> None:
        super().__init__(file)
        self.kept_bases: set[int] = set()  # ids of base classes that must stay as they are
        self.keras2_calls = 0  # calls read as Keras 2.2 code
        self.unproven: list[tuple[cst.Call, list[str]]] = []  # Keras 2.2 classes called with no evidence

    def _site_of(self, node: cst.BaseExpression) -> Site | None:
        return _site(self.file.imports.resolved_name(node))

    # -- subclasses ---------------------------------------------------------------------------

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        super().visit_ClassDef(node)
        bases = [arg for arg in node.bases if self._is_optimizer_class(arg.value)]
        used = _legacy_subclass_api(node)
        if not bases or not used:
            return
        self.kept_bases.update(id(arg.value) for arg in bases)
        if set(used) <= OPTIMIZER_V2_API:
            return  # rule optimizer-v2 migrates such a class, or says why it cannot
        self.report(node.name, f"{node.name.value} is written against the tf.keras 2 optimizer API ({', '.join(used)}), "
                               "which Keras 3's optimizers neither have nor call: port it to build(var_list) and "
                               "update_step(gradient, variable, learning_rate); its base class is left as it is, "
                               "as moving it to Keras 3 would turn the overrides into dead code")

    def _is_optimizer_class(self, node: cst.BaseExpression) -> bool:
        qualified = self.file.imports.resolved_name(node)
        member = keras_member(qualified)
        if member is None or qualified.startswith(_LEFT_ALONE):
            return False
        return self._site_of(node) is not None or (member.startswith("optimizer") and member.endswith(("Optimizer", "OptimizerV2")))

    # -- calls --------------------------------------------------------------------------------

    def on_call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        site = self._site_of(original.func)
        if site is None:
            self._report_unknown_optimizer(original)
            return updated
        if _CLIPS <= {arg.keyword.value for arg in original.args if arg.keyword is not None}:
            self.report(original, f"{site.name}: {CLIP_BOTH}")  # Keras 3 raises, whoever wrote the call
        era = site.era or (site.guess if _has_evidence(original) else None)
        positional = [arg for arg in original.args if arg.keyword is None and not arg.star]
        if era is None:
            era = self._reading(original, site, positional)
            if era in (None, KERAS3) and not site.move:
                if era is None and site.guess == KERAS2:
                    self._note_unproven(original, site, positional)
                return updated
        self.keras2_calls += era == KERAS2
        if any(arg.star == "*" for arg in original.args):
            self.report(original, f"{site.name}: arguments passed with *args cannot be mapped from {era}; pass them by keyword")
            return updated
        if era == KERAS2 and site.name not in KERAS2_SIGNATURES:
            era = TF_KERAS  # a class Keras 2.2 did not have: Keras 2.4+, which was tf.keras
        if site.name in SIGNATURES[era]:
            names = _positional_names(era, site.name)
            fit = _all_fit(era, site.name, [constant(arg.value) for arg in positional])
        else:  # a newer class under a removed namespace keeps its signature; others cannot be read
            names = [None] * len(positional) if era == KERAS3 else []
            fit = era == KERAS3 or not positional
        if not fit:
            self.report(original, f"{site.name}: positional arguments do not fit the {era} signature ({', '.join(names)}); pass them by keyword")
            return updated
        return self._migrate(original, updated, site, era, names)

    def _note_unproven(self, call: cst.Call, site: Site, positional: list[cst.Arg]) -> None:
        """A standalone-Keras call that reads the same in Keras 2.2 and Keras 3 but leaves out a
        parameter whose default changed: nothing proves which Keras it was written for."""
        given = set(_meanings(KERAS3, site.name, len(positional))) | {arg.keyword.value for arg in call.args if arg.keyword}
        changed = [f"{name}={old!r} (Keras 3: {new!r})" for name, (old, new) in keras2_defaults(site.name).items() if name not in given]
        if changed and not any(arg.star for arg in call.args):
            self.unproven.append((call, changed))

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
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
        if not isinstance(built, cst.Call) or self.file.imports.resolved_name(built.func) is not None:
            return
        legacy = [arg.keyword.value for arg in built.args if arg.keyword is not None and arg.keyword.value in _LEGACY_KEYWORDS]
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
        meant = {era: _meanings(era, site.name, len(positional)) for era in (site.guess, KERAS3)}
        if meant[site.guess] == meant[KERAS3]:
            return None
        values = [constant(arg.value) for arg in positional]
        fitting = [era for era in meant if _all_fit(era, site.name, values)]
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
        accepted = {name for name, _ in SIGNATURES[era].get(site.name, ())} | set(_CLIPS) | {"epsilon", "learning_rate"}  # handled below
        unknown = sorted(t for t in given if t not in accepted) if era == KERAS2 and site.name in SIGNATURES[era] else []
        if unknown:
            self.report(original, f"{site.name}: {', '.join(unknown)} is not a parameter of the {era} {site.name} "
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
                    unsafe[target] = "global_clipnorm"
                    why_unsafe.append(f"clipnorm -> global_clipnorm: {KERAS2_CLIPNORM}")
                args.append((target, arg))
        if place_rate:
            args.insert(0, ("learning_rate", new_keyword("learning_rate", 0).with_changes(value=rate)))
        if era == KERAS2 and not kwargs:
            for keyword, value in KERAS2_IMPLIED.get(site.name, {}).items():
                args.append((keyword, new_keyword(keyword, value)))
                done.append(f"{keyword}={value!r} written out ({era} state; Keras 3 default: {keras3[keyword]!r})")
        self._report_differences(original, site, era, given)

        safe = self._call(updated, site, args, done, era, merged)
        if why_unsafe:
            full_args = [(unsafe.get(t, t), a) for t, a in args if not (t in unsafe and unsafe[t] is None)]
            full = self._call(updated, site, full_args, [], era, merged)
            message = f"{site.name} ({era}): " + "; ".join(done + why_unsafe)
            if self.rewrite(original, updated, full, message, safe=False) is full:
                return self._imports_for(original, site, full)
        if not done:
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
        stays = placed == _meanings(KERAS3, site.name, len(placed))
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
        if self._needs_keras:
            self.file.add_keras_import()
        if site.move and result.func is not original.func:
            origin = self.file.imports.head_origin(original.func)
            if origin is not None:
                self.file.remove_import_if_unused(*origin)
        return result

    def _report_differences(self, call: cst.Call, site: Site, era: str, given: dict[str, cst.Arg]) -> None:
        if era == KERAS2 and site.name in KERAS2_DIFFERENCES:
            self.report(call, f"{site.name}: {KERAS2_DIFFERENCES[site.name]}")
        elif era == TF_KERAS and site.name in TF_KERAS_DIFFERENCES:
            momentum = given.get("momentum")
            if momentum is None or constant(momentum.value) in (0, 0.0):
                self.report(call, f"{site.name}: {TF_KERAS_DIFFERENCES[site.name]}")

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
        if self._needs_keras:
            self.file.add_keras_import()
        origin = self.file.imports.head_origin(original)
        if origin is not None:
            self.file.remove_import_if_unused(*origin)
        return replacement


def _legacy_subclass_api(node: cst.ClassDef) -> list[str]:
    """What a class defines or calls of the tf.keras 2 optimizer APIs that Keras 3 removed, in order."""
    if any(isinstance(s, cst.FunctionDef) and s.name.value == "get_updates" for s in node.body.body):
        return []  # Keras 2.2's API: rule get-updates migrates it
    used = []
    for statement in node.body.body:
        if not isinstance(statement, cst.FunctionDef):
            continue
        name = statement.name.value
        if name in _SUBCLASS_API or (name == "update_step" and len(statement.params.params) == 3):
            used.append("update_step(gradient, variable)" if name == "update_step" else name)
    called = {
        call.func.attr.value
        for call in descendants(node, cst.Call)
        if isinstance(call.func, cst.Attribute) and isinstance(call.func.value, cst.Name) and call.func.value.value == "self"
    }
    used += sorted((called & _SUBCLASS_API) - set(used))
    return used


def _aliases(tree: ast.Module) -> set[str]:
    """The names a file imports Keras optimizer classes as (`from keras.optimizers import Adam as A`)."""
    return {
        alias.asname
        for node in every_node(tree) if isinstance(node, ast.ImportFrom)
        for alias in node.names if alias.asname and alias.name in _OPTIMIZER_NAMES
    }


def _may_be_keras(qualified: str) -> bool:
    return keras_member(qualified) is not None and not qualified.startswith(_LEFT_ALONE)


def _legacy_subclass_methods(node: ast.ClassDef) -> bool:
    """Whether a class defines or calls a method of the tf.keras 2 optimizer APIs (the `ast` view
    of `_legacy_subclass_api`)."""
    defined = any(
        isinstance(item, ast.FunctionDef) and (item.name in _SUBCLASS_API or item.name == "update_step" and len(item.args.args) == 3)
        for item in node.body
    )
    return defined or any(
        isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr in _SUBCLASS_API
        and isinstance(call.func.value, ast.Name) and call.func.value.id == "self"
        for call in ast.walk(node)
    )


def _namespace(func: cst.BaseExpression, site: Site) -> cst.BaseExpression | None:
    """`tf.keras` of `tf.keras.optimizers.Adam`, where the rewritten call still finds its class."""
    moved = site.move and site.move.rsplit(".", 1)[-1] not in KERAS2_FACTORIES  # a factory keeps its namespace
    if not moved and isinstance(func, cst.Attribute) and isinstance(func.value, cst.Attribute) and func.value.attr.value == "optimizers":
        return func.value.value
    return None


def _has_evidence(call: cst.Call) -> bool:
    """`lr=`, `decay=`, `schedule_decay=` or `epsilon=None`: Keras 2 wrote the call."""
    keywords = {arg.keyword.value: arg.value for arg in call.args if arg.keyword is not None}
    return bool(_LEGACY_KEYWORDS & set(keywords)) or ("epsilon" in keywords and constant(keywords["epsilon"]) is None)


def _is_none(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _name_of(node: ast.AST) -> str | None:
    return node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", None)
