"""Rule `learning-rate-api`: reading and setting an optimizer's learning rate the Keras 3 way."""

from __future__ import annotations

import ast
import re

from optfix.lazy import libcst as cst

from optfix.rulekit.calls import bind, constant
from optfix.knowledge.namespaces import keras_member
from optfix.knowledge.runtime import (
    BACKEND_VALUE_FAILURES,
    CONFIG_DECAY,
    OPTIMIZER_CLASS_NAMES,
    OPTIMIZER_CLASSES,
    OPTIMIZER_CONSTRUCTORS,
    REMOVED_ATTRIBUTES,
    RENAMED_ATTRIBUTES,
    VALUE_FUNCTIONS,
    VARIABLE_ATTRIBUTES,
    backend_function,
)
from optfix.rulekit.optimizer_sites import GAP
from optfix.rulekit.rule import FileContext, Rule
from optfix.analysis.ast_nodes import every_node
from optfix.analysis.tree import children, code

_ATTRIBUTE_FUNCTIONS = frozenset({"hasattr", "getattr", "setattr"})
_RENAMED_OR_REMOVED = frozenset(RENAMED_ATTRIBUTES) | frozenset(REMOVED_ATTRIBUTES)
_WATCHED = _RENAMED_OR_REMOVED | VARIABLE_ATTRIBUTES
_MENTIONS_KERAS = re.compile(r"\b(?:tf_)?keras\b|\btensorflow\b")
_NO_LR = "Keras 3 optimizers have no lr attribute (AttributeError)"
_SCHEDULE_SET = (
    "; an optimizer built with a LearningRateSchedule raises TypeError here in Keras 3 (tf.keras 2 "
    "replaced the schedule by the number)"
)

# The prefilter. Blanks, comments and line continuations may stand between tokens (and `)` before
# a dot: `(model.optimizer).lr`).
_GAP = rb"(?:" + GAP + rb"|\))*"
_CHAIN = re.compile(rb"optimizer" + _GAP + rb"\." + _GAP + rb"(?:lr|decay)\b")
_NAMED = re.compile(rb"\b(\w+)" + _GAP + rb"\." + _GAP + rb"(?:lr|decay)\b")
_ATTRIBUTE = re.compile(rb"\." + _GAP + rb"(?:lr|decay)\b")  # where _NAMED may match: searched first, it is fast


def _assigned(name: bytes, data: bytes) -> bool:
    """Whether `name` may be the target of an assignment (or an annotation). The pattern leads with
    the name, as `re` searches a literal prefix fast; the boundary before it is checked after."""
    return re.search(re.escape(name) + rb"(?<!\w" + re.escape(name) + rb")" + _GAP + rb"(?:=(?!=)|:)", data) is not None
_VALUE_FUNCTIONS = tuple(name.encode() for name in VALUE_FUNCTIONS)
_VALUE_CALL = re.compile(rb"\b(?:get_value|set_value|eval)\b")
_VARIABLE = re.compile(rb"\." + _GAP + rb"(?:lr|learning_rate|iterations)\b")
_ATTRIBUTE_CALLS = tuple(name.encode() for name in sorted(_ATTRIBUTE_FUNCTIONS))
_KEY = re.compile(rb"""['"](?:lr|decay)['"]""")
_CONFIG_LR = "'lr' -> 'learning_rate' in an optimizer config: Keras 3 rejects 'lr' (ValueError: Argument(s) not recognized)"


class LearningRateApiRule(Rule):
    """Read and set an optimizer's learning rate through the Keras 3 API.

    What it does
    ------------
    Where the object is evidently a Keras optimizer (an attribute chain ending in `.optimizer`,
    such as `self.model.optimizer`, in a file that imports Keras or TensorFlow; or a name that its
    scope assigns only Keras optimizer constructors or such chains):
    - `opt.lr` becomes `opt.learning_rate`, read, assigned or `.assign()`ed, and so does the
      string `'lr'` given to `hasattr`, `getattr` and `setattr`;
    - the Keras 2 backend's value functions, reached through any import of a Keras backend:
      `K.set_value(opt.lr, x)` becomes `opt.learning_rate.assign(x)` and, where the backend has no
      `get_value` (`keras.backend` in Keras 3), `K.get_value(opt.lr)` becomes
      `keras.ops.convert_to_numpy(opt.learning_rate)`; `tf.keras.backend.get_value` still works
      on Keras 3 variables and keeps its call. The same holds for `opt.learning_rate` and
      `opt.iterations` given to these functions;
    - in an optimizer config dict, `{'class_name': 'adam', 'config': {'lr': 0.1}}`, or one given to
      an optimizer class's `from_config` (`keras.optimizers.Adam.from_config({'lr': 0.1})`), the
      key `'lr'` becomes `'learning_rate'`, quotes kept.

    `opt.decay` and a `'decay'` key in a config are reported with what to write instead.

    Why
    ---
    Keras 3 optimizers have no `lr` attribute: `model.optimizer.lr` raises `AttributeError: 'Adam'
    object has no attribute 'lr'`, typically in a callback, epochs into training. `keras.backend`
    lost `get_value`, `set_value` and `eval`, and `tf.keras.backend.set_value` fails on Keras 3
    variables. `keras.optimizers.get({'class_name': 'adam', 'config': {'lr': 0.1}})` raises
    `ValueError: Argument(s) not recognized: {'lr': 0.1}`, and so does `Adam.from_config({'lr': 0.1})`.

    Example
    -------
    From `fixtures/learning-rate-api/set_value.py`:

    ```python
    from keras import backend as K


    def halve(model):
        K.set_value(model.optimizer.lr, K.get_value(model.optimizer.lr) * 0.5)
    ```

    becomes

    ```python
    import keras


    def halve(model):
        model.optimizer.learning_rate.assign(keras.ops.convert_to_numpy(model.optimizer.learning_rate) * 0.5)
    ```

    Fix safety
    ----------
    Safe, applied by default: every rename and call rewrite, since the new spelling reads and sets
    the same variable. One visible difference: `keras.ops.convert_to_numpy` gives a 0-d numpy array
    where `K.get_value` gave a numpy scalar, equal in arithmetic, formatting and `float()`, but
    unhashable and with another repr. Unsafe, applied only with --unsafe-fixes: `'lr'` in a config
    dict whose `class_name` is not a string literal, given straight to `keras.optimizers.get`,
    `deserialize` or `compile()` (the class may be one of the project's own whose constructor takes
    `lr`). Reported only: `opt.decay` and a `'decay'` config key (with what to write instead), and
    the backend's value functions on an object not known to be a Keras optimizer or through a
    backend of another package.

    What the tests prove: tests/test_learning_rate_api.py runs each statement the rule rewrote in
    the fixtures for real: the original under tf_keras's legacy OptimizerV2 optimizers (the Keras 2
    optimizers that had `lr`), the rewrite under Keras 3, each on a freshly compiled model with
    learning rate 0.1; the learning rate after the statement and the value the statement computes
    agree. Rewritten config dicts and `from_config` calls build an optimizer with their learning
    rate in Keras 3, and the originals are shown to fail there.

    Known problems
    --------------
    With a LearningRateSchedule, tf.keras 2's `opt.lr` was the schedule object, Keras 3's
    `opt.learning_rate` is its value at the current step, and assigning a number raises TypeError
    in Keras 3. An optimizer passed as a parameter, stored in another attribute (`self.opt`) or
    in a file that imports neither Keras nor TensorFlow is not recognised; `K.set_value(x.lr, ...)`
    on such an object is reported. A backend reached through another package (`from
    keras_lookahead.backend import backend as K`) may be keras.backend or tf.keras.backend: its
    value functions on an optimizer's variables are reported, and only `opt.lr` is renamed.
    `tf.keras.backend.get_value` works only with the TensorFlow backend.
    """

    id = "learning-rate-api"
    trigger = re.compile(rb"lr|decay")

    @classmethod
    def wants(cls, data: bytes) -> bool:
        # Substrings first: `in` is many times faster than a pattern that cannot lead with a literal.
        if b"keras" in data and any(word in data for word in _VALUE_FUNCTIONS) and _VALUE_CALL.search(data) and _VARIABLE.search(data):
            return True  # K.set_value(x.lr, ...), a finding even where x is unknown
        if b"lr" not in data and b"decay" not in data:
            return False
        if b"optimizer" in data and (b"keras" in data or b"tensorflow" in data) and _CHAIN.search(data):
            return True
        if b"optimizers" in data and _ATTRIBUTE.search(data):
            if any(_assigned(base, data) for base in {m.group(1) for m in _NAMED.finditer(data)}):
                return True
        if _KEY.search(data):
            return b"class_name" in data or b"from_config" in data or (b"optimizer" in data and any(f in data for f in _ATTRIBUTE_CALLS))
        return False

    @classmethod
    def relevant(cls, tree: ast.Module) -> bool:
        """`.lr` or `.decay` of a `.optimizer` chain or of an assigned name, a backend value
        function given such an attribute, `hasattr`/`getattr`/`setattr` with 'lr' or 'decay', or a
        dict with such a key: what the rule may act on, whatever the names turn out to be."""
        assigned = {
            target.id
            for node in every_node(tree) if isinstance(node, (ast.Assign, ast.AnnAssign))
            for written in getattr(node, "targets", [getattr(node, "target", None)])
            for target in ast.walk(written) if isinstance(target, ast.Name)
        }

        def may_be_optimizer(node: ast.expr) -> bool:
            return (isinstance(node, ast.Attribute) and node.attr == "optimizer") or (isinstance(node, ast.Name) and node.id in assigned)

        for node in every_node(tree):
            if isinstance(node, ast.Attribute) and node.attr in _RENAMED_OR_REMOVED and may_be_optimizer(node.value):
                return True
            if isinstance(node, ast.Dict) and any(_is_string(key, _RENAMED_OR_REMOVED) for key in node.keys):
                return True
            if isinstance(node, ast.Call):
                function = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
                if function in VALUE_FUNCTIONS and any(isinstance(arg, ast.Attribute) and arg.attr in _WATCHED for arg in node.args):
                    return True
                if function in _ATTRIBUTE_FUNCTIONS and len(node.args) > 1 and _is_string(node.args[1], _RENAMED_OR_REMOVED):
                    return may_be_optimizer(node.args[0])
        return False

    def __init__(self, file: FileContext) -> None:
        super().__init__(file)
        # Text, not imports: the `import keras` a rewrite may add must not change this on a second run.
        self.keras_file = _MENTIONS_KERAS.search(file.text) is not None
        self.trusted: dict[int, bool] | None = None  # id(Name) -> names an optimizer; filled on demand
        self.targets: set[int] = set()  # ids of attributes assigned to
        self.value_calls: dict[int, tuple[str, str, int]] = {}  # id(call) -> (root, function, argument index)
        self.value_arguments: set[int] = set()  # ids of the `x.lr` those calls take: the call rewrites them
        self.identifiers: set[int] = set()  # ids of dicts given as optimizer identifiers
        self.configs: set[int] = set()  # ids of dicts given to an optimizer class's from_config
        self.import_context = 0

    # -- what is an optimizer ------------------------------------------------------------------

    def _qualified(self, node: cst.BaseExpression) -> str | None:
        return self.file.imports.resolved_name(node)

    def _constructs(self, node: cst.BaseExpression) -> bool:
        """`keras.optimizers.Adam(...)`, through any import."""
        return isinstance(node, cst.Call) and self._optimizers_member(node.func) in OPTIMIZER_CONSTRUCTORS

    def _optimizers_member(self, node: cst.BaseExpression) -> str | None:
        """`Adam` for `keras.optimizers.Adam` (through any import), None outside Keras's optimizers."""
        member = keras_member(self._qualified(node)) or ""
        package, _, name = member.rpartition(".")
        return name if package.split(".")[0] == "optimizers" else None

    def _is_chain(self, node: cst.BaseExpression) -> bool:
        """`model.optimizer`, `self.model.optimizer`, in a file about Keras."""
        return isinstance(node, cst.Attribute) and node.attr.value == "optimizer" and self.keras_file

    def _is_optimizer(self, node: cst.BaseExpression) -> bool:
        """Whether the object of `node.lr` (or of `hasattr(node, 'lr')`) is evidently a Keras optimizer."""
        if isinstance(node, cst.Name):
            if self.trusted is None:
                self.trusted = _Survey(self).run(self.file.module)
            return self.trusted.get(id(node), False)
        return self._is_chain(node)

    # -- bookkeeping on the way down -------------------------------------------------------------

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

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self.targets.add(id(node.target))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self.targets.add(id(node.target))

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self.targets.add(id(node.target))

    def visit_Call(self, node: cst.Call) -> None:
        qualified = self._qualified(node.func)
        found = backend_function(qualified)
        if found is None and isinstance(node.func, cst.Attribute) and node.func.attr.value in VALUE_FUNCTIONS:
            if qualified is not None and keras_member(qualified) is None:
                found = (None, node.func.attr.value)  # `K` of unknown origin (a re-export of a backend?)
        if found is not None:
            root, function = found
            parameters = ["x", "value"] if VALUE_FUNCTIONS[function] == "write" else ["x"]
            names = bind(node, parameters)
            if names is not None and len(names) == len(parameters):
                index = names.index("x")
                value = node.args[index].value
                if isinstance(value, cst.Attribute) and (value.attr.value in RENAMED_ATTRIBUTES or value.attr.value in VARIABLE_ATTRIBUTES):
                    self.value_calls[id(node)] = (root, function, index)
                    if root is not None:  # else what is known is done: `opt.lr` is renamed on its own
                        self.value_arguments.add(id(value))
            return
        index = None
        if keras_member(qualified) in ("optimizers.get", "optimizers.deserialize"):
            index = _argument(node, ("identifier", "config"), position=0)
        elif isinstance(node.func, cst.Attribute) and node.func.attr.value == "compile":
            index = _argument(node, ("optimizer",), position=0 if self.file.imports.qualified_name(node.func.value) is None else None)
        elif isinstance(node.func, cst.Attribute) and node.func.attr.value == "from_config":
            if self._optimizers_member(node.func.value) in OPTIMIZER_CLASSES:  # `keras.optimizers.Adam.from_config({...})`
                index = _argument(node, ("config",), position=0)
                if index is not None and isinstance(node.args[index].value, cst.Dict):
                    self.configs.add(id(node.args[index].value))
            return
        if index is not None and isinstance(node.args[index].value, cst.Dict):
            self.identifiers.add(id(node.args[index].value))

    # -- rewrites on the way up --------------------------------------------------------------------

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.Attribute:
        name = original.attr.value
        if self.import_context or id(original) in self.value_arguments or name not in _WATCHED:
            return updated
        if name in REMOVED_ATTRIBUTES and self._is_optimizer(original.value):
            self.report(original, f"{_code(original)}: {REMOVED_ATTRIBUTES[name]}")
        elif name in RENAMED_ATTRIBUTES and self._is_optimizer(original.value):
            renamed = updated.with_changes(attr=cst.Name(RENAMED_ATTRIBUTES[name]))
            extra = _SCHEDULE_SET if id(original) in self.targets else ""
            return self.rewrite(original, updated, renamed, f"{_code(original)} -> {_code(renamed)}: {_NO_LR}{extra}")
        return updated

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if id(original) in self.value_calls:
            return self._value_call(original, updated, *self.value_calls[id(original)])
        func = original.func
        imports = self.file.imports
        if (
            isinstance(func, cst.Name) and func.value in _ATTRIBUTE_FUNCTIONS
            and not imports.is_imported(func.value) and func.value not in imports.rebound
        ):
            return self._attribute_call(original, updated)
        return updated

    def _value_call(self, original: cst.Call, updated: cst.Call, root: str | None, function: str, index: int) -> cst.BaseExpression:
        """`K.get_value(opt.lr)`, `K.set_value(opt.lr, x)` and the like."""
        argument = original.args[index].value
        if root is None:
            if self._is_optimizer(argument.value):
                self._unknown_backend(original, function, argument)
            return updated
        name = argument.attr.value
        new_name = RENAMED_ATTRIBUTES.get(name, name)
        failure = BACKEND_VALUE_FAILURES[root].get(function)
        func = _code(original.func)
        reasons = [f"{func} {failure}"] if failure else []
        reasons += [_NO_LR] if name in RENAMED_ATTRIBUTES else []
        writes = VALUE_FUNCTIONS[function] == "write"
        more = ", ..." if writes else ""
        new = f"{_code(argument.value)}.{new_name}"
        if not failure:
            suggestion = f"{func}({new}{more})"
        else:
            suggestion = f"{new}.assign(...)" if writes else f"keras.ops.convert_to_numpy({new})"
        if not reasons:
            return updated
        base = argument.value
        if not self._is_optimizer(base):
            # `self.lr` is a custom Keras 2 optimizer's own variable: not this rule's business.
            if (name in RENAMED_ATTRIBUTES or (name == "learning_rate" and failure)) and not (isinstance(base, cst.Name) and base.value == "self"):
                self.report(original, f"{func}({_code(argument)}{more}) left as it is: {_code(base)} is not known to be a "
                                      f"Keras optimizer. If it is one, write {suggestion}: {'; '.join(reasons)}")
            return updated

        target = updated.args[index].value.with_changes(attr=cst.Name(new_name))
        needs_keras = False
        if not failure:
            args = list(updated.args)
            args[index] = args[index].with_changes(value=target)
            replacement = updated.with_changes(args=args)
        elif not writes:
            func_node, needs_keras = self.file.keras_reference("ops.convert_to_numpy")
            replacement = updated.with_changes(func=func_node, args=[_positional(updated.args[index].with_changes(value=target), updated.args[-1])])
        else:
            value = updated.args[1 - index]
            opening = updated.whitespace_before_args
            between = updated.args[index].comma
            if index == 0 and isinstance(between, cst.Comma) and isinstance(between.whitespace_after, cst.ParenthesizedWhitespace):
                if _has_comment(opening) and _has_comment(between.whitespace_after):
                    self.report(original, f"{func}(...) left as it is, for its comments: write {suggestion}: {'; '.join(reasons)}")
                    return updated
                if not _has_comment(opening):
                    opening = between.whitespace_after
            replacement = cst.Call(
                func=cst.Attribute(value=target, attr=cst.Name("assign")),
                args=[_positional(value, updated.args[-1])],
                whitespace_before_args=opening,
                lpar=updated.lpar,
                rpar=updated.rpar,
            )
        message = f"{func}({_code(argument)}{more}) -> {suggestion}: {'; '.join(reasons)}"
        result = self.rewrite(original, updated, replacement, message)
        if failure and result is replacement:
            if needs_keras:
                self.file.add_keras_import()
            origin = self.file.imports.head_origin(original.func)
            if origin is not None:
                self.file.remove_import_if_unused(*origin)
        return result

    def _unknown_backend(self, call: cst.Call, function: str, argument: cst.Attribute) -> None:
        """`K.get_value(opt.lr)` where K comes from a package that may re-export keras.backend or
        tf.keras.backend (`from keras_lookahead.backend import backend as K`): a finding."""
        origin = self.file.imports.qualified_name(call.func.value)
        writes = VALUE_FUNCTIONS[function] == "write"
        new = f"{_code(argument.value)}.{RENAMED_ATTRIBUTES.get(argument.attr.value, argument.attr.value)}"
        suggestion = f"{new}.assign(...)" if writes else f"keras.ops.convert_to_numpy({new})"
        failures = [f"{root}.backend.{function} {BACKEND_VALUE_FAILURES[root][function]}"
                    for root in ("keras", "tensorflow.keras") if function in BACKEND_VALUE_FAILURES[root]]
        func = _code(call.func.value)
        self.report(call, (
            f"{_code(call.func)}({_code(argument)}{', ...' if writes else ''}): {func}"
            f"{f' ({origin})' if origin else ''} is not known to be a Keras backend. If it is one, "
            f"write {suggestion}: {'; '.join(failures)}"
        ))

    def _attribute_call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        """`hasattr(model.optimizer, 'lr')`, `getattr(...)`, `setattr(...)`."""
        args = original.args
        if len(args) < 2 or any(arg.star or arg.keyword for arg in args[:2]):
            return updated
        literal = args[1].value
        name = _raw_string(literal)
        if name not in RENAMED_ATTRIBUTES and name not in REMOVED_ATTRIBUTES or not self._is_optimizer(args[0].value):
            return updated
        if name in REMOVED_ATTRIBUTES:
            self.report(literal, f"{_code(original.func)}({_code(args[0].value)}, {_code(literal)}): {REMOVED_ATTRIBUTES[name]}")
            return updated
        new_args = list(updated.args)
        new_args[1] = new_args[1].with_changes(value=_renamed_string(literal, RENAMED_ATTRIBUTES[name]))
        message = f"{_code(original.func)}({_code(args[0].value)}, {_code(literal)}) -> {_code(new_args[1].value)}: {_NO_LR}"
        return self.rewrite(literal, updated, updated.with_changes(args=new_args), message)

    def leave_Dict(self, original: cst.Dict, updated: cst.Dict) -> cst.Dict:
        """`{'class_name': 'adam', 'config': {'lr': 0.1}}`, and `{'lr': 0.1}` given to `Adam.from_config`."""
        if id(original) in self.configs:
            renamed = self._renamed_config(original, updated)
            return updated if renamed is None else self.rewrite(renamed[1], updated, renamed[0], _CONFIG_LR)
        keys = _keys(original)
        if "class_name" not in keys or "config" not in keys:
            return updated
        config = original.elements[keys["config"]].value
        class_name = original.elements[keys["class_name"]].value
        if not isinstance(config, cst.Dict):
            return updated
        if isinstance(class_name, cst.SimpleString) and "b" not in class_name.prefix.lower():
            try:
                if class_name.evaluated_value.lower() not in OPTIMIZER_CLASS_NAMES:
                    return updated
            except (SyntaxError, ValueError):
                return updated
            literal = True
        elif id(original) in self.identifiers:
            literal = False
        else:
            return updated
        renamed = self._renamed_config(config, updated.elements[keys["config"]].value)
        if renamed is None:
            return updated
        new_config, key = renamed
        elements = list(updated.elements)
        elements[keys["config"]] = elements[keys["config"]].with_changes(value=new_config)
        message = _CONFIG_LR
        if not literal:
            message += "; class_name is not a literal: if it names an optimizer class of the project's own whose constructor takes lr, keep 'lr'"
        return self.rewrite(key, updated, updated.with_changes(elements=elements), message, safe=literal)

    def _renamed_config(self, config: cst.Dict, updated: cst.Dict) -> tuple[cst.Dict, cst.SimpleString] | None:
        """An optimizer's config with its key 'lr' renamed 'learning_rate', and that key; None where
        nothing is to be renamed. A 'decay', or 'lr' beside 'learning_rate', is reported."""
        settings = _keys(config)
        if "decay" in settings:
            decay = config.elements[settings["decay"]]
            if not _is_zero(decay.value):
                self.report(decay.key, CONFIG_DECAY)
        if "lr" not in settings:
            return None
        key = config.elements[settings["lr"]].key
        if "learning_rate" in settings:
            self.report(key, "an optimizer config with both 'lr' and 'learning_rate': Keras 3 rejects 'lr' (ValueError: Argument(s) not recognized); remove it")
            return None
        items = list(updated.elements)
        items[settings["lr"]] = items[settings["lr"]].with_changes(key=_renamed_string(key, "learning_rate"))
        return updated.with_changes(elements=items), key


class _Scope:
    def __init__(self, parent: _Scope | None, is_class: bool = False) -> None:
        self.parent, self.is_class = parent, is_class
        self.bindings: dict[str, list[cst.BaseExpression | None]] = {}  # name -> values bound (None: not an assignment)


class _Survey:
    """What each name read as an optimizer's base stands for, by Python's scoping rules: trusted
    only if the scope that binds it assigns it nothing but optimizers."""

    def __init__(self, rule: LearningRateApiRule) -> None:
        self.rule = rule
        self.uses: list[tuple[cst.Name, _Scope]] = []
        self.untrusted: set[str] = set()  # bound through `global`, `nonlocal` or `:=`
        self.binds_target = {cst.AugAssign, cst.For, cst.CompFor, cst.Del}
        self.binds_name = {cst.AsName, cst.Param, cst.FunctionDef, cst.ClassDef, cst.MatchAs, cst.MatchStar}
        self.function_scopes = {cst.FunctionDef, cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp}

    def run(self, module: cst.Module) -> dict[int, bool]:
        self._walk(module, _Scope(None))
        return {id(name): self._resolve(name.value, scope) for name, scope in self.uses}

    def _resolve(self, name: str, scope: _Scope) -> bool:
        innermost = scope
        while scope is not None:
            if (scope is innermost or not scope.is_class) and name in scope.bindings:
                values = scope.bindings[name]
                return name not in self.untrusted and all(
                    value is not None and (self.rule._constructs(value) or self.rule._is_chain(value)) for value in values
                )
            scope = scope.parent
        return False

    def _bind(self, scope: _Scope, target: cst.CSTNode | None, value: cst.BaseExpression | None = None) -> None:
        if isinstance(target, cst.Name):
            scope.bindings.setdefault(target.value, []).append(value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind(scope, element.value)
        elif isinstance(target, cst.StarredElement):
            self._bind(scope, target.value)

    def _walk(self, node: cst.CSTNode, scope: _Scope) -> None:
        # by exact type, not isinstance(): libcst's node classes are abstract-base-class checks, and
        # this runs on every node of the file
        kind = type(node)
        if kind is cst.Assign:
            for target in node.targets:
                self._bind(scope, target.target, node.value)
        elif kind is cst.AnnAssign:
            self._bind(scope, node.target, node.value)
        elif kind in self.binds_target:
            self._bind(scope, node.target)
        elif kind in self.binds_name:
            self._bind(scope, node.name)
        elif kind is cst.MatchMapping:
            self._bind(scope, node.rest)
        elif kind is cst.ImportAlias and node.asname is None:
            head = node.name
            while isinstance(head, cst.Attribute):
                head = head.value
            self._bind(scope, head)
        elif kind is cst.NamedExpr and isinstance(node.target, cst.Name):
            self.untrusted.add(node.target.value)
        elif kind is cst.Global or kind is cst.Nonlocal:
            self.untrusted.update(item.name.value for item in node.names)
        elif kind is cst.Attribute and node.attr.value in _WATCHED and isinstance(node.value, cst.Name):
            self.uses.append((node.value, scope))
        elif kind is cst.Call and isinstance(node.func, cst.Name) and node.func.value in _ATTRIBUTE_FUNCTIONS:
            if node.args and isinstance(node.args[0].value, cst.Name):
                self.uses.append((node.args[0].value, scope))
        if kind in self.function_scopes:
            scope = _Scope(scope)
        elif kind is cst.ClassDef:
            scope = _Scope(scope, is_class=True)
        for child in children(node):
            self._walk(child, scope)


def _is_string(node: ast.expr | None, values: frozenset[str]) -> bool:
    return isinstance(node, ast.Constant) and node.value in values


def _code(node: cst.CSTNode) -> str:
    """The node's code on one line."""
    return " ".join(code(node).split())


def _has_comment(whitespace: cst.BaseParenthesizableWhitespace) -> bool:
    return "#" in code(whitespace)


def _positional(arg: cst.Arg, last: cst.Arg) -> cst.Arg:
    """`arg` as the only argument: no keyword, and the closing comma and space of the last one."""
    return arg.with_changes(keyword=None, equal=cst.MaybeSentinel.DEFAULT, comma=last.comma, whitespace_after_arg=last.whitespace_after_arg)


def _argument(call: cst.Call, keywords: tuple[str, ...], position: int | None) -> int | None:
    for index, arg in enumerate(call.args):
        if arg.keyword is not None and arg.keyword.value in keywords:
            return index
    if position is not None and len(call.args) > position:
        if all(arg.keyword is None and not arg.star for arg in call.args[: position + 1]):
            return position
    return None


def _raw_string(node: cst.BaseExpression) -> str | None:
    """The text between the quotes of a plain string literal, as written; None for anything else."""
    if isinstance(node, cst.SimpleString) and "b" not in node.prefix.lower():
        return node.raw_value
    return None


def _renamed_string(literal: cst.SimpleString, text: str) -> cst.SimpleString:
    return literal.with_changes(value=f"{literal.prefix}{literal.quote}{text}{literal.quote}")


def _keys(node: cst.Dict) -> dict[str, int]:
    """Index of each plain string key in a dict display, by the key's text as written."""
    keys = {}
    for index, element in enumerate(node.elements):
        if isinstance(element, cst.DictElement):
            text = _raw_string(element.key)
            if text is not None:
                keys.setdefault(text, index)
    return keys


def _is_zero(node: cst.BaseExpression) -> bool:
    value = constant(node)
    return value == 0 and not isinstance(value, bool)
