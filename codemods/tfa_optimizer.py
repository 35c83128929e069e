"""Rule `tfa-optimizer`: tensorflow_addons optimizers to Keras 3, with the same math."""

from __future__ import annotations

import ast
import re

from optfix.analysis.tree import code, descendants
from optfix.lazy import libcst as cst

from optfix.rulekit.calls import as_keyword, bind, constant, new_keyword, with_args
from optfix.knowledge.tfa import (
    TFA_NAMES,
    TFA_NO_EQUIVALENT,
    TFA_OPTIMIZERS,
    TFA_UNMAPPED_KEYWORDS,
    TfaOptimizer,
    tfa_name,
)
from optfix.rulekit.references import ValueReferences
from optfix.rulekit.rule import Rule
from optfix.analysis.ast_nodes import every_node
from optfix.analysis.bindings import import_bindings

_TFA = re.compile(rb"\btensorflow_addons\b")


class TfaOptimizerRule(ValueReferences, Rule):
    """Rewrite tensorflow_addons optimizers into the Keras 3 optimizers that compute the same updates.

    What it does
    ------------
    Rewrites `tfa.optimizers.AdamW`, `SGDW`, `LazyAdam`, `LAMB` and `ProximalAdagrad` calls, reached
    through any import (`import tensorflow_addons as tfa`, `from tensorflow_addons.optimizers import
    AdamW`, deep paths such as `tensorflow_addons.optimizers.weight_decay_optimizers.AdamW`), into
    `keras.optimizers.AdamW`, `SGD`, `Adam`, `Lamb` and `Adagrad`. Arguments are bound by tfa's
    signature and written as keywords, so AdamW's and SGDW's first positional argument, the weight
    decay, stays the weight decay. Weight decay becomes `weight_decay=wd / lr`; tfa defaults that
    Keras 3 changed are written out (`learning_rate=0.001` for SGDW, `epsilon=1e-06` for LAMB,
    `epsilon=0.0` for ProximalAdagrad). The import of `keras` is added and tfa imports the rewrite
    left unused are removed. Everything else from `tensorflow_addons.optimizers` is reported with
    what to do instead.

    Why
    ---
    tensorflow_addons is end-of-life and does not import with TensorFlow 2.16+. Its decoupled
    weight decay is not Keras 3's: tfa decays `var -= wd*var`, Keras 3 `var -= wd*lr*var`, so
    `keras.optimizers.AdamW(weight_decay=wd)` decays a thousand times less at lr=1e-3, and
    `AdamW(1e-4, 1e-3)` kept positional swaps the learning rate and the weight decay.

    Example
    -------
    From `fixtures/tfa-optimizer/adamw_keyword.py`:

    ```python
    import tensorflow_addons as tfa

    opt = tfa.optimizers.AdamW(1e-4, learning_rate=1e-3)
    ```

    becomes

    ```python
    import keras

    opt = keras.optimizers.AdamW(weight_decay=1e-4 / 1e-3, learning_rate=1e-3)
    ```

    Fix safety
    ----------
    Safe where Keras 3 computes the same updates: arguments bound by tfa's signature, weight decay
    as `wd / lr` with literal numbers, tfa defaults written out. Unsafe, applied only with
    --unsafe-fixes: LazyAdam as Adam (exact for dense gradients, but Keras 3 has no lazy sparse
    update), weight decay with a learning rate or weight decay that is not a literal
    number (a name, an attribute, arithmetic of them), because `wd / lr` keeps tfa's decay only
    while both keep their values. Reported only, with no fix: a learning rate or weight decay
    computed by a call or a lambda, or held in a name the file assigns one (often a schedule,
    which `/` cannot divide, and not to be evaluated twice), LAMB with weight decay or excluded variables, ProximalAdagrad with l1/l2,
    MovingAverage, the optimizers and schedules with no Keras 3 counterpart, tfa classes used as
    values, and calls whose arguments cannot be bound (`*args`, `**kwargs`, `lr=`, `decay=`).

    What the tests prove: tensorflow_addons cannot be installed beside Keras 3, so the fixtures
    run on a numpy transcription of each tfa optimizer (tfa 0.23's update rules, with its
    constructor signatures written out independently of optfix) and their rewrites under Keras 3,
    on the same float32 gradients: the safe rewrites agree to 1e-6 (normwise, relative) at every
    step; the unsafe ones are shown to be exact only until the learning rate changes, and what is
    only reported is shown to have no exact Keras 3 counterpart. The Keras 3 side of the mapping
    is checked against the installed Keras.

    Known problems
    --------------
    A learning rate held in a name counts as varying even when it is assigned a constant. Star
    imports (`from tensorflow_addons.optimizers import *`) are not followed. A name that a lambda,
    a comprehension or `:=` binds anywhere in the file is not trusted anywhere in it.
    """

    id = "tfa-optimizer"

    def __init__(self, file) -> None:
        super().__init__(file)
        self._assignments: dict[str, list[cst.BaseExpression]] | None = None  # read when a name needs it

    @classmethod
    def wants(cls, data: bytes) -> bool:
        # A tfa optimizer is `tensorflow_addons.optimizers.X`: both words are in the file's text.
        return b"optimizers" in data and _TFA.search(data) is not None

    @classmethod
    def relevant(cls, tree: ast.Module) -> bool:
        """An import from tensorflow_addons and a tfa optimizer's name in code."""
        imported = named = False
        for node in every_node(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for binding in import_bindings(node):
                    imported |= binding.imported.split(".")[0] == "tensorflow_addons"
                    # `from ... import AdamW`: the name imported is the last of the path
                    named |= isinstance(node, ast.ImportFrom) and binding.imported.rpartition(".")[2] in TFA_NAMES
            elif isinstance(node, ast.Attribute):
                named |= node.attr in TFA_NAMES
            elif isinstance(node, ast.Name):
                named |= node.id in TFA_NAMES
        return imported and named

    # -- findings and rewrites on the way up -------------------------------------------------

    def on_call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        name = self._tfa(original.func)
        if name in TFA_NO_EQUIVALENT:
            self.report(original, f"tfa {name} has no Keras 3 counterpart: {TFA_NO_EQUIVALENT[name]}")
        elif name is not None:
            return self._construct(original, updated, TFA_OPTIMIZERS[name])
        return updated

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
        self._reference(original)
        return updated

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.Attribute:
        self._reference(original)
        return updated

    def _tfa(self, node: cst.BaseExpression) -> str | None:
        return tfa_name(self.file.imports.qualified_name(node))

    def _reference(self, node: cst.BaseExpression) -> None:
        """A tfa class used as a value (a base class, isinstance, a registry): only a finding."""
        if not self.is_value(node):
            return
        name = self._tfa(node)
        if name in TFA_NO_EQUIVALENT:
            self.report(node, f"tfa {name} has no Keras 3 counterpart: {TFA_NO_EQUIVALENT[name]}")
        elif name is not None:
            hint = _class_hint(TFA_OPTIMIZERS[name])
            self.report(node, f"tfa {name} used as a value, not called: only calls are rewritten; {hint}")

    def _construct(self, original: cst.Call, updated: cst.Call, row: TfaOptimizer) -> cst.BaseExpression:
        params = {p.name: p for p in (*row.params, *row.kwargs)}
        filled = bind(original, list(params))
        positional = sum(arg.keyword is None for arg in original.args)
        if filled is None or positional > len(row.params):
            self.report(original, f"tfa {row.legacy}: {_unbound(original, row)}")
            return updated
        values = {name: arg.value for name, arg in zip(filled, original.args)}
        blockers = [f"{n} is not a literal zero" for n in row.zero_only if n in values and constant(values[n]) not in (0, 0.0)]
        blockers += [f"{n} is not None" for n in row.none_only if n in values and constant(values[n]) not in (None, [], ())]
        if blockers:
            why = ", ".join(blockers)
            self.report(original, f"tfa {row.legacy} has no exact Keras 3 counterpart ({why}): {row.advice}")
            return updated

        args = [as_keyword(arg, params[n].keras) for n, arg in zip(filled, updated.args) if params[n].keras]
        given = {params[n].keras for n in filled}
        args += [new_keyword(k, v) for k, v in row.explicit_defaults().items() if k not in given]
        unsafe = ""  # why the rewrite changes the math, if it does
        if row.decoupled:
            args, unsafe = self._decoupled(row, values, dict(zip(filled, updated.args)), args)
            if args is None:  # no rewrite at all
                self.report(original, f"tfa {row.legacy}: {unsafe}")
                return updated
        if row.note:  # exact only for some uses: a default run keeps the call, so the next still reports it
            unsafe = f"{unsafe}; {row.note}" if unsafe else row.note
        target, needs_keras = self.file.keras_reference(f"optimizers.{row.keras}")
        replacement = with_args(updated, args).with_changes(func=target)
        message = f"tfa {row.legacy} -> keras.optimizers.{row.keras}" + (f": {unsafe}" if unsafe else "")
        result = self.rewrite(original, updated, replacement, message, safe=not unsafe)
        if result is replacement:
            self.file.use_keras(needs_keras, original.func)
        return result

    def _bound_kind(self, node: cst.BaseExpression | None) -> str:
        """`_kind`, where a name or attribute the file assigns anything but arithmetic on numbers
        (`schedule = ExponentialDecay(...)`) counts as computed: `wd / schedule` would not run."""
        kind = _kind(node)
        if kind == "expression" and isinstance(node, (cst.Name, cst.Attribute)):
            if self._assignments is None:
                self._assignments = _assigned_values(self.file.module)
            if any(not _pure(value) for value in self._assignments.get(code(node), ())):
                return "computed"
        return kind

    def _decoupled(
        self, row: TfaOptimizer, values: dict[str, cst.BaseExpression], updated_args: dict[str, cst.Arg], args: list[cst.Arg]
    ) -> tuple[list[cst.Arg] | None, str]:
        """The arguments with `weight_decay=wd / lr` and the learning rate written out, and why that
        is unsafe ('' if it is not); or (None, why) where no rewrite may be written."""
        default = next(p.default for p in row.params if p.name == "learning_rate")
        lr = updated_args["learning_rate"].value if "learning_rate" in values else cst.Float(repr(default))
        if "learning_rate" not in values and "learning_rate" not in row.explicit_defaults():
            args.append(new_keyword("learning_rate", default))
        wd = values["weight_decay"]
        if constant(wd) in (0, 0.0):
            return args, ""  # no decay: nothing to scale
        kinds = {name: self._bound_kind(node) for name, node in (("learning_rate", values.get("learning_rate")), ("weight_decay", wd))}
        computed = [name for name, kind in kinds.items() if kind == "computed"]
        if computed:
            return None, (
                f"{_subject(computed)} computed by a call or the like (a schedule?), which optfix will not evaluate "
                "twice and `/` may not divide; tfa decays var -= weight_decay*var, Keras 3 var -= weight_decay*lr*var: "
                f"migrate by hand to keras.optimizers.{row.keras}(learning_rate=lr, weight_decay=wd / lr), exact only "
                "while both stay constant"
            )
        wd_arg = updated_args["weight_decay"]
        decayed = cst.BinaryOperation(
            _operand(wd_arg.value), cst.Divide(cst.SimpleWhitespace(" "), cst.SimpleWhitespace(" ")), _operand(lr)
        )
        args = [a.with_changes(value=decayed) if a.keyword and a.keyword.value == "weight_decay" else a for a in args]
        varying = [name for name, kind in kinds.items() if kind == "expression"]
        if not varying:
            return args, ""
        return args, (
            f"{_subject(varying)} not {'literal numbers' if len(varying) > 1 else 'a literal number'}: tfa decays "
            "var -= weight_decay*var, Keras 3 var -= weight_decay*lr*var with the current learning rate, so "
            "weight_decay=wd / lr is exact only while both keep the values they have when the optimizer is built "
            "(under a schedule Keras 3's decay follows it; `/` fails on a schedule or a callable)"
        )


def _subject(names: list[str]) -> str:
    return " and ".join(names) + (" are" if len(names) > 1 else " is")


def _assigned_values(module: cst.Module) -> dict[str, list[cst.BaseExpression]]:
    """Every value the file assigns to each name or attribute, in any scope."""
    found: dict[str, list[cst.BaseExpression]] = {}
    for node in descendants(module, cst.Assign):
        for target in node.targets:
            if isinstance(target.target, (cst.Name, cst.Attribute)):
                found.setdefault(code(target.target), []).append(node.value)
    return found


def _kind(node: cst.BaseExpression | None) -> str:
    """'literal' (a number, or absent: the default), 'expression' (names, attributes and arithmetic:
    cheap to evaluate twice) or 'computed' (anything else)."""
    if node is None:
        return "literal"
    if _pure(node, names=False):
        return "literal"
    return "expression" if _pure(node) else "computed"


def _pure(node: cst.BaseExpression, names: bool = True) -> bool:
    """Numbers and arithmetic on them, and with `names`, names, attributes and subscripts too."""
    if isinstance(node, (cst.Integer, cst.Float)):
        return True
    if isinstance(node, cst.UnaryOperation):
        return isinstance(node.operator, (cst.Minus, cst.Plus)) and _pure(node.expression, names)
    if isinstance(node, cst.BinaryOperation):
        return _pure(node.left, names) and _pure(node.right, names)
    if not names:
        return False
    if isinstance(node, cst.Name):
        return True
    if isinstance(node, cst.Attribute):
        return _pure(node.value)
    if isinstance(node, cst.Subscript):  # `config["lr"]`
        return _pure(node.value) and all(
            isinstance(e.slice, cst.Index) and (_pure(e.slice.value) or isinstance(e.slice.value, cst.SimpleString))
            for e in node.slice
        )
    return False


def _operand(node: cst.BaseExpression) -> cst.BaseExpression:
    """`node` as an operand of `/`: parenthesised unless it binds at least as tightly."""
    atom = isinstance(node, (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.Integer, cst.Float))
    tight = atom or (isinstance(node, cst.UnaryOperation) and isinstance(node.operator, (cst.Minus, cst.Plus)))
    if tight or node.lpar:
        return node
    return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def _unbound(call: cst.Call, row: TfaOptimizer) -> str:
    """Why the arguments of `call` cannot be matched to tfa's signature."""
    first = " (weight_decay is its first parameter)" if row.decoupled else ""
    if any(arg.star for arg in call.args):
        return f"arguments passed with * or ** cannot be matched to tfa's signature{first}: migrate by hand"
    names = {p.name for p in (*row.params, *row.kwargs)}
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value not in names:
            keyword = arg.keyword.value
            return TFA_UNMAPPED_KEYWORDS.get(keyword, f"{keyword}= is not an argument optfix can map: migrate by hand")
    return f"more positional arguments than tfa's signature takes, or an argument given twice{first}: migrate by hand"


def _class_hint(row: TfaOptimizer) -> str:
    written = ", ".join(f"{k}={v!r}" for k, v in row.explicit_defaults().items())
    hint = f"code that builds an optimizer from it needs keras.optimizers.{row.keras}"
    if written:
        hint += f" with {written}"
    if row.decoupled:
        hint += " and weight_decay=wd / lr as a keyword (Keras 3 multiplies it by the learning rate; tfa took it first)"
    return hint
