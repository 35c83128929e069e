"""Rule `optimizer-instance`: optimizer classes given where Keras needs an instance."""

from __future__ import annotations

import ast
import re

from optfix.analysis.chains import ast_last_name
from optfix.analysis.tree import code
from optfix.lazy import libcst as cst

from optfix.analysis.dotted_names import PossibleNames
from optfix.knowledge.keras import KERAS2_DIFFERENCES, KERAS3_OPTIMIZERS, TF_KERAS_DIFFERENCES, keras2_defaults
from optfix.knowledge.tf1 import TF1_OPTIMIZERS, tf1_class
from optfix.knowledge.tfa import TFA_NAMES, tfa_name
from optfix.rulekit.optimizer_sites import BASE_CLASS, GAP, SPACE, FileNames, keras_optimizer_class, optimizer_argument, site_matches
from optfix.rulekit.calls import new_keyword, with_commas
from optfix.rulekit.era import STANDALONE, source_era
from optfix.rulekit.rule import FileContext, Rule
from optfix.analysis.ast_nodes import every_node

# The prefilter: an optimizer site whose argument is a name or an attribute chain ending in a name
# that may stand for an optimizer class, in a file that mentions `optimizers`, as every reference
# to a Keras optimizer class does (in the import or the attribute chain), and so does every class
# of the file derived from one. Such a name is a Keras, TF1 or tensorflow_addons optimizer class
# (the other rules make the last two Keras classes in the same run), a class the file defines, or
# a name the file binds to one of these (`import ... as A`, `A = keras.optimizers.Adam`).
_NAME = rb"[A-Za-z_\x80-\xff][\w\x80-\xff]*"
_REFERENCE = (rb"(?:" + GAP + rb"|\()*(?:" + _NAME + SPACE + rb"\." + SPACE + rb")*(" + _NAME + rb")"
              rb"(?![\w\x80-\xff]|" + SPACE + rb"(?:[.(\[]|=(?!=)))")  # the whole chain, not called, not a keyword
_CLASS_NAMES = frozenset(name.encode() for name in KERAS3_OPTIMIZERS | set(TF1_OPTIMIZERS) | TFA_NAMES | {BASE_CLASS})
_DEFINED = re.compile(rb"\bclass\s+(" + _NAME + rb")")
_ALIAS = re.compile(rb"\bas\s+(" + _NAME + rb")")


def _assigned_from(name: bytes) -> re.Pattern[bytes]:
    """`name = a.b.c`, capturing the last name of the value. It leads with the name, as `re`
    searches a literal prefix fast; the boundary before it is checked after."""
    return re.compile(re.escape(name) + rb"(?<![\w\x80-\xff.]" + re.escape(name) + rb")\s*=\s*\(?\s*(?:" + _NAME + rb"\s*\.\s*)*(" + _NAME + rb")"
                      rb"(?![\w\x80-\xff]|\s*[.(\[])")


def _may_be_class(name: bytes, data: bytes, classes: set[bytes], seen: set[bytes]) -> bool:
    """Whether `name` is one of `classes`, or assigned from one through any chain of assignments."""
    if name in classes:
        return True
    seen.add(name)
    return any(value not in seen and _may_be_class(value, data, classes, seen) for value in _assigned_from(name).findall(data))




class OptimizerInstanceRule(Rule):
    """Call optimizer classes given to Keras where it needs an optimizer instance.

    What it does
    ------------
    Finds a Keras optimizer class where Keras takes an optimizer: `compile(optimizer=Adam)`, the
    first positional argument of a model's `compile(Adam, ...)`, and `keras.optimizers.get(Adam)`
    reached through any import alias. The class is turned into an instance with its default
    arguments: `Adam()`. Classes count when they resolve through the file's imports to a Keras
    optimizer in any Keras namespace (`keras.optimizers`, `tf.keras.optimizers`, the Keras 2.11
    `optimizers.legacy` and `optimizers.experimental`), and classes of the same file derived from
    one, directly or through other classes of the file.

    Why
    ---
    Keras takes an optimizer instance or a name. A class fails only when the model is compiled, in
    Keras 3 as in Keras 2: `ValueError: Could not interpret optimizer identifier: <class
    'keras.src.optimizers.adam.Adam'>`.

    Example
    -------
    From `fixtures/optimizer-instance/compile_class.py`:

    ```python
    import keras

    model.compile(optimizer=keras.optimizers.Adam, loss='mse')
    ```

    becomes

    ```python
    import keras

    model.compile(optimizer=keras.optimizers.Adam(), loss='mse')
    ```

    Fix safety
    ----------
    Safe: the original cannot run in any Keras, so no behaviour is lost, and an instance with
    default arguments is what the code can have meant. Unsafe where those defaults depend on the
    Keras version: standalone Keras 2.2 and 2.3 gave Adadelta, Adagrad, Adamax and Nadam other
    defaults than Keras 3 (`Adadelta()` had a learning rate of 1.0, Keras 3's has 0.001), so where
    such a class comes from `keras.optimizers` and the run has no source version, the class is
    left as written by default, with a finding that names the old defaults to write if the code
    was written for those versions; adding them unasked would be wrong for code written for
    Keras 3, and `--unsafe-fixes` writes the Keras 3 defaults' `Adadelta()`. With a source
    version (`--source`, or read from the project's requirements) the instance is built as that
    version built it (keras-2.2: `Adadelta(learning_rate=1.0)`), and where no argument keeps its
    math (Keras 2's RMSprop and Adagrad epsilon, Nadam's momentum schedule) the fix is unsafe: by
    default the class is left as written, with the finding. Reported only:
    a class of the file whose `__init__` requires arguments (or inherits one from the abstract
    `Optimizer`, or cannot be read); the finding asks for an instance.

    What the tests prove: every fixture of the rule, original and rewrite, is executed statement
    by statement with the installed Keras (tf_keras for the Keras 2.11-2.15 `optimizers.legacy`
    namespaces): Keras rejects each original argument (`Could not interpret
    optimizer identifier`), each rewritten one is an optimizer of the class the original named and
    trains a model for a step.

    Known problems
    --------------
    Only classes written at these sites are fixed: a class held in a variable or returned by a
    function is not. Classes reached through a star import are not recognised. Classes given to
    APIs that take classes (`LearningRateMultiplier(SGD, ...)`, `extend_with_weight_decay(Adam)`,
    `{'adam': Adam}`, `isinstance`) are never touched.
    """

    id = "optimizer-instance"

    def __init__(self, file: FileContext) -> None:
        super().__init__(file)
        self._names: FileNames | None = None

    @classmethod
    def wants(cls, data: bytes) -> bool:
        # `Optimizer`: a TF1 class that tf1-optimizer makes a Keras one in the same run.
        if not (b"optimizers" in data or b"Optimizer" in data):
            return False
        given = {match.group(1) for match in site_matches(data, _REFERENCE)}
        if not given:
            return False
        names = _CLASS_NAMES | set(_DEFINED.findall(data)) | set(_ALIAS.findall(data))
        return any(_may_be_class(name, data, names, set()) for name in given)

    @classmethod
    def relevant(cls, tree: ast.Module) -> bool:
        """A name or attribute chain given to compile() or an optimizers.get() that may stand for an
        optimizer class through the imports and the assignments of the file."""
        nodes = every_node(tree)
        calls = [node for node in nodes if isinstance(node, ast.Call)]
        if not calls:
            return False
        names = PossibleNames(tree)
        arguments = [arg for call in calls for arg in _site_arguments(call, names)]
        if not arguments:
            return False
        defined = {node.name for node in nodes if isinstance(node, ast.ClassDef)}
        assigned: dict[str, list[ast.expr]] = {}
        for node in nodes:
            if isinstance(node, (ast.Assign, ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
                for target in getattr(node, "targets", None) or [node.target]:
                    for name in ast.walk(target):
                        if isinstance(name, ast.Name):
                            assigned.setdefault(name.id, []).append(node.value)

        def may_be_class(reference: ast.expr, seen: set[str]) -> bool:
            if any(_names_a_class(possible, defined) for possible in names.of(reference)):
                return True
            if isinstance(reference, ast.Name) and reference.id not in seen:
                seen.add(reference.id)
                return any(may_be_class(chain, seen) for value in assigned.get(reference.id, ())
                           for chain in every_node(value) if isinstance(chain, (ast.Name, ast.Attribute)))
            return False

        return any(may_be_class(argument, set()) for argument in arguments)

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        index = optimizer_argument(original, self.file.imports)
        if index is None:
            return updated
        reference = original.args[index].value
        if not isinstance(reference, (cst.Name, cst.Attribute)):
            return updated
        if self._names is None:
            self._names = FileNames.of(self.file.text, self.file.imports)
        if not self._names.trusts(reference):
            return updated
        qualified = self.file.imports.resolved_name(reference, follow_project_imports=False)
        name = keras_optimizer_class(qualified)
        local = self._names.classes.get(reference.value) if isinstance(reference, cst.Name) and name is None else None
        if local is not None and local.required != ():
            needs = f"its __init__ requires {', '.join(local.required)}" if local.required else "cannot tell whether it needs arguments"
            self.report(reference, f"the class {local.name} is given where Keras needs an instance, but {local.name}() "
                                   f"is not written for it: {needs}; pass an instance")
            return updated
        # Built from the updated reference, which another rule may have renamed in this pass.
        value = updated.args[index].value
        if name is None and local is None and value is not reference:  # e.g. a TF1 class made Keras's
            name = keras_optimizer_class(self.file.imports.resolved_name(value, follow_project_imports=False))
        if local is None and (name is None or name == BASE_CLASS):
            return updated
        if not isinstance(value, (cst.Name, cst.Attribute)):
            return updated
        args = list(updated.args)
        call = cst.Call(value.with_changes(lpar=[], rpar=[]), lpar=value.lpar, rpar=value.rpar)  # `(Adam)` -> `(Adam())`
        args[index] = args[index].with_changes(value=call)
        shown = code(reference)
        message = f"the class {shown} is given where Keras needs an instance: {shown}()"
        standalone = qualified == f"keras.optimizers.{name}"
        era = source_era(self.file.options.source, standalone) if standalone or qualified == f"tensorflow.keras.optimizers.{name}" else None
        if era is not None:
            return self._instance_of_source(reference, updated, index, call, name, era, message)
        era_dependent = name is not None and standalone and bool(keras2_defaults(name))
        if era_dependent:
            self._report_keras2_defaults(reference, name)
        return self.rewrite(reference, updated, updated.with_changes(args=args), message, safe=not era_dependent)

    def _instance_of_source(self, reference: cst.BaseExpression, updated: cst.Call, index: int, call: cst.Call, name: str,
                            era: str, message: str) -> cst.Call:
        """The instance as the run's source version built it: Keras 2's defaults written out
        (`Adadelta(learning_rate=1.0)`); where no argument keeps its math (Keras 2's RMSprop,
        Nadam's momentum schedule), an unsafe fix, so that the code stays as written, with its finding."""
        changed = keras2_defaults(name) if era == STANDALONE else {}
        if changed:
            call = call.with_changes(args=with_commas([new_keyword(key, old) for key, (old, _) in changed.items()]))
            message = f"{message.rpartition(': ')[0]}: {code(call)}, {era}'s defaults written out (source {self.file.options.source})"
        args = list(updated.args)
        args[index] = args[index].with_changes(value=call)
        difference = (KERAS2_DIFFERENCES if era == STANDALONE else TF_KERAS_DIFFERENCES).get(name)
        if difference:
            message += f"; {difference}"
        return self.rewrite(reference, updated, updated.with_changes(args=args), message, safe=not difference)

    def _report_keras2_defaults(self, reference: cst.BaseExpression, name: str) -> None:
        changed = keras2_defaults(name)
        if changed:
            old = ", ".join(f"{param}={value!r}" for param, (value, _) in changed.items())
            new = ", ".join(f"{param}={value!r}" for param, (_, value) in changed.items())
            self.report(reference, f"standalone Keras 2.2 and 2.3 built {name}() with {old}, Keras 3 with {new}: if this "
                                   f"code was written for Keras 2.2 or 2.3, write {name}({old})")


def _site_arguments(call: ast.Call, names: PossibleNames) -> list[ast.expr]:
    """The argument of a compile() or an optimizers.get() call that may hold an optimizer, if it
    is a name or an attribute chain (a superset of what optimizer_argument finds)."""
    func = call.func
    name = ast_last_name(func)
    if name == "compile":
        keyword = "optimizer"
    elif name == "get" or any(possible.endswith("optimizers.get") for possible in names.of(func)):
        keyword = "identifier"
    else:
        return []
    given = [k.value for k in call.keywords if k.arg == keyword] or call.args[:1]
    return [value for value in given if isinstance(value, (ast.Name, ast.Attribute))]


def _names_a_class(qualified: str, defined: set[str]) -> bool:
    return bool(keras_optimizer_class(qualified) or tf1_class(qualified) or tfa_name(qualified)
                or qualified.rpartition(".")[2] in defined)
