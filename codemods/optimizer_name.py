"""Rule `optimizer-name`: misspelled optimizer strings, and strings naming classes Keras cannot look up."""

from __future__ import annotations

import re

from optfix.analysis.tree import code
from optfix.knowledge.namespaces import keras_member
from optfix.lazy import libcst as cst

from optfix.knowledge.identifiers import REGISTERED, RENAMED, UNREGISTERED, UNSERVED
from optfix.rulekit.optimizer_sites import SPACE, FileNames, optimizer_argument, site_matches
from optfix.knowledge.keras import KERAS2_DIFFERENCES, KERAS3_OPTIMIZERS, TF_KERAS_DIFFERENCES, keras2_defaults
from optfix.rulekit.anchors import reaching_heads
from optfix.rulekit.calls import new_keyword, with_commas
from optfix.rulekit.era import STANDALONE, TF_KERAS, keras2_era
from optfix.rulekit.rule import FileContext, Rule

REGISTERED_CLASSES = {name.lower(): name for name in KERAS3_OPTIMIZERS if name.lower() in REGISTERED}
# Registered names whose class Keras 2 built with other defaults or math.
_ERA_DEPENDENT = frozenset(key for key, name in REGISTERED_CLASSES.items()
                           if keras2_defaults(name) or name in KERAS2_DIFFERENCES or name in TF_KERAS_DIFFERENCES)

# The prefilter: string literals at the optimizer sites. A file has work only if one of them is
# not a registered name, so files that spell every optimizer right are never parsed.
# One group for the string's body, whichever quote encloses it (the other may appear inside).
_LITERAL = SPACE + rb"\(?" + SPACE + rb"""[rRuU]?(?:'((?:[^'\\\r\n]|\\.)*)'|"((?:[^"\\\r\n]|\\.)*)")"""


_SEPARATORS = re.compile(r"[\s_\-]+")
_CALL_PARENS = re.compile(r"\(\s*\)$")
_SUFFIX = re.compile(r"optimizer$", re.IGNORECASE)


class OptimizerNameRule(Rule):
    """Correct misspelled or unregistered optimizer names passed to Keras.

    What it does
    ------------
    Checks the optimizer name strings given to Keras: `compile(optimizer='...')`, a string as the
    first positional argument of a model's `compile(...)`, and `keras.optimizers.get('...')` reached
    through any import alias. A misspelling is corrected when exactly one Keras 3 name is within a
    small edit distance (a swap of two neighbouring letters counts as one edit), and so are habits
    such as `'Adam()'`, `' adam '`, `'adam_optimizer'` and the Keras 2.11 names `'experimentaladam'`.
    A string naming an optimizer class that Keras does not look strings up among becomes an
    instance of it: a class of the same file derived from a Keras optimizer (`'CustomOptimizer'`
    becomes `CustomOptimizer()`), or a Keras 3 class left out of its string registry (`'lamb'`
    becomes `keras.optimizers.Lamb()`, adding `import keras` if needed).

    Why
    ---
    Keras looks the name up exactly, letter case aside, and only among its registered classes. A
    slip fails only when the model is compiled, after the data is loaded and the model built:
    `ValueError: Could not interpret optimizer identifier: Adgrad`.

    Example
    -------
    From `fixtures/optimizer-name/misspelled.py`:

    ```python
    import keras

    model.compile(optimizer='Adgrad', loss='mse')
    model.compile(optimizer='lamb', loss='mse')
    ```

    becomes

    ```python
    import keras

    model.compile(optimizer='adagrad', loss='mse')
    model.compile(optimizer=keras.optimizers.Lamb(), loss='mse')
    ```

    Fix safety
    ----------
    Safe: the original string names no optimizer, so the code could not run; the fix names the one
    optimizer it can have meant. There is no unsafe fix. Valid names in any letter case (`'Adam'`,
    `'RMSProp'`) are left as written, and so is the quote style, except in a file written for
    standalone Keras 2 (a Keras 2 keyword such as `lr=` given in it, with `keras` imported): there a
    name whose class Keras 2.2 built with other defaults becomes the class with them written out
    (`'adadelta'`: `keras.optimizers.Adadelta(learning_rate=1.0)`), and one whose math no argument
    keeps (`'rmsprop'`, `'adagrad'`, `'nadam'`: epsilon outside the square root, the momentum
    schedule) is reported, as in a file written for tf.keras 2 for the names whose math changed
    there. In a file that shows no era, the name is left as it is: the same string is valid
    Keras 3 code, unless the run has a source version (`--source`, or the version the project's
    requirements declare), which then stands for the file's era: `'adadelta'` becomes
    `keras.optimizers.Adadelta(learning_rate=1.0)` under keras-2.2, keras-2.3 and tf-1 in a file
    that imports the standalone `keras` package or no TensorFlow. Reported only: a name equally
    close to two optimizers (`'adamx'`: adamax or adamw?) or close to none (the finding names the
    candidates); a class of the file whose `__init__` needs arguments, or whose name something else
    in the file binds; `'lamb'` in a file that uses tf_keras, which has no Lamb.

    What the tests prove: every fixture of the rule, original and rewrite, is executed statement
    by statement with the installed Keras: Keras rejects each original string (`Could not
    interpret optimizer identifier`), each rewritten argument gives an optimizer of the class the
    string meant and trains a model for a step. The names the rule knows are checked against the
    installed Keras 3 and tf_keras: the registered names are exactly those Keras looks up, in any
    letter case, and the Keras 3 classes it writes for unregistered names (`'lamb'`) are the ones
    Keras's string lookup leaves out.

    Known problems
    --------------
    Only string literals at these call sites are checked: a name held in a variable, a config dict
    or a command-line flag is not. Strings given to other libraries' optimizer parameters
    (`tflearn.regression(optimizer='momentum')`) are never touched.
    """

    id = "optimizer-name"

    def __init__(self, file: FileContext) -> None:
        super().__init__(file)
        self._names: FileNames | None = None

    @classmethod
    def wants(cls, data: bytes) -> bool:
        return any(_maybe_misspelled(match) for match in site_matches(data, _LITERAL))

    def anchors(self, chains):
        """`compile`, and the names that may reach `optimizers.get`."""
        return frozenset({"compile"} | reaching_heads(chains, self.file.imports, _is_optimizers_get))

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        index = optimizer_argument(original, self.file.imports)
        if index is None:
            return updated
        literal = original.args[index].value
        if not isinstance(literal, cst.SimpleString) or "b" in literal.prefix.lower():
            return updated
        try:
            written = literal.evaluated_value
        except (SyntaxError, ValueError):  # an invalid escape: not a name anyone meant
            return updated
        if written.lower() in REGISTERED:
            return self._keras2_defaults(original, updated, index, written, literal)
        instance, message = self._instance(written, literal)
        if instance is None and not message:
            replacement, message = interpret(written)
            if replacement is not None:
                prefix = literal.value[: len(literal.value) - len(literal.value.lstrip("rRuU"))]  # as written
                instance = literal.with_changes(value=f"{prefix}{literal.quote}{replacement}{literal.quote}")
        if instance is None:
            self.report(literal, message)
            return updated
        args = list(updated.args)
        args[index] = args[index].with_changes(value=instance)
        return self.rewrite(literal, updated, updated.with_changes(args=args), message)

    def _keras2_defaults(self, original: cst.Call, updated: cst.Call, index: int, written: str, literal: cst.SimpleString) -> cst.Call:
        """A registered name in a file written for Keras 2, whose class Keras 2 built with other
        defaults or math: the class with the old defaults written out where that is exact
        (`'adadelta'` in standalone Keras 2: `Adadelta(learning_rate=1.0)`), else a finding."""
        name = REGISTERED_CLASSES.get(written.lower())
        era = keras2_era(self.file.text, self.file.imports, self.file.options.source)
        if name is None:
            return updated
        if era is None and written.lower() in _ERA_DEPENDENT:
            self.file.era_dependent += 1
        defaults = keras2_defaults(name)
        if era == STANDALONE and name in KERAS2_DIFFERENCES:
            self.report(literal, f"'{written}' builds {name} with its defaults, and this file was written for Keras 2: {KERAS2_DIFFERENCES[name]}")
        elif era == TF_KERAS and name in TF_KERAS_DIFFERENCES:
            self.report(literal, f"'{written}' builds {name} with its defaults, and this file was written for tf.keras 2: {TF_KERAS_DIFFERENCES[name]}")
        elif era == STANDALONE and defaults:
            reference, missing = self.file.keras_reference(f"optimizers.{name}")
            keywords = [new_keyword(key, old) for key, (old, _) in defaults.items()]
            instance = cst.Call(reference, args=with_commas(keywords), lpar=literal.lpar, rpar=literal.rpar)
            args = list(updated.args)
            args[index] = args[index].with_changes(value=instance)
            written_out = ", ".join(f"{key}={old!r} (Keras 3: {new!r})" for key, (old, new) in defaults.items())
            result = self.rewrite(literal, updated, updated.with_changes(args=args), f"'{written}' in a file written for Keras 2: "
                                  f"{code(instance)}, its Keras 2 defaults written out: {written_out}")
            if result is not updated:
                self.file.use_keras(missing)
            return result
        return updated

    def _instance(self, written: str, literal: cst.SimpleString) -> tuple[cst.Call | None, str]:
        """For a string naming an optimizer class that Keras does not look strings up among (one
        defined in this file, or a Keras class left out of the registry): an instance of the
        class, or None and why not; (None, "") if the string names no such class."""
        if self._names is None:
            self._names = FileNames.of(self.file.text, self.file.imports)
        local = self._names.classes.get(_CALL_PARENS.sub("", written.strip()))
        if local is not None:
            message = f"'{written}' is not a name Keras can look up; it names the class {local.name} defined in this file"
            if local.required == ():
                return cst.Call(cst.Name(local.name), lpar=literal.lpar, rpar=literal.rpar), f"{message}: {local.name}()"
            needs = f"its __init__ requires {', '.join(local.required)}" if local.required else "cannot tell whether it needs arguments"
            return None, f"{message}, but {local.name}() cannot be written for it: {needs}; pass an instance"
        name = next((UNREGISTERED[r.lower()] for r in _readings(written) if r.lower() in UNREGISTERED), None)
        if name is None:
            return None, ""
        if any(qualified.split(".")[0] == "tf_keras" for qualified in self.file.imports.bindings.values()):
            return None, f"'{written}' is not a registered name, and this file uses tf_keras, which has no {name}: Keras 3 has keras.optimizers.{name}()"
        reference, missing = self.file.keras_reference(f"optimizers.{name}")
        self.file.use_keras(missing)
        return cst.Call(reference, lpar=literal.lpar, rpar=literal.rpar), f"'{written}' is not a registered name; the class is: {code(reference)}()"


def _is_optimizers_get(qualified: str) -> bool:
    return keras_member(qualified) == "optimizers.get"


def _maybe_misspelled(match: re.Match) -> bool:
    """A string that may not be a registered name, or names a class Keras 2 built otherwise."""
    body = next((group for group in match.groups() if group is not None), b"")
    # A literal with an escape sequence may still spell a name: let libcst read it.
    key = body.decode("latin-1").lower()
    return b"\\" in body or key not in REGISTERED or key in _ERA_DEPENDENT


def interpret(written: str) -> tuple[str | None, str]:
    """For a string Keras does not accept: the corrected string, or None, and what to say."""
    not_a_name = f"'{written}' is not a Keras optimizer name"
    for candidate in _readings(written):
        key = candidate.lower()
        if key in REGISTERED:
            return candidate, f"{not_a_name}: '{candidate}'"
        if key in RENAMED:
            return RENAMED[key], f"'{written}' was removed in Keras 3, where the same optimizer is '{RENAMED[key]}'"
        if key in UNSERVED:
            return None, f"'{written}' {UNSERVED[key]}"
    close = closest_names(candidate.lower())
    if len(close) == 1:
        return close[0], f"{not_a_name}: '{close[0]}'"
    if close:
        return None, f"{not_a_name}; did you mean {_either(close)}? Not changed: ambiguous"
    return None, f"{not_a_name}; Keras 3 knows {', '.join(repr(n) for n in sorted(REGISTERED))}"


def _either(names: list[str]) -> str:
    quoted = [repr(name) for name in names]
    return ", ".join(quoted[:-1]) + " or " + quoted[-1]


def _readings(written: str) -> list[str]:
    """What the string can have meant, undoing habits that keep a real name's letters: spaces,
    separators, `()`, a dotted path; then also without an `optimizer` suffix."""
    text = _SEPARATORS.sub("", _CALL_PARENS.sub("", written.strip().rsplit(".", 1)[-1]))
    stripped = _SUFFIX.sub("", text)
    return [text, stripped] if stripped and stripped != text else [text]


def closest_names(key: str) -> list[str]:
    """The registered names nearest to `key`, if within 1 edit (2 for names longer than 4)."""
    limit = 1 if len(key) <= 4 else 2
    distances = {name: edit_distance(key, name) for name in REGISTERED}
    best = min(distances.values())
    if best > limit:
        return []
    return sorted(name for name, distance in distances.items() if distance == best)


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps."""
    previous_row, row = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        before, previous_row, row = previous_row, row, [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            row[j] = min(previous_row[j] + 1, row[j - 1] + 1, previous_row[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], before[j - 2] + 1)
    return row[len(b)]

