"""Rule `learning-rate-api`: reading and setting an optimizer's learning rate the Keras 3 way."""

from __future__ import annotations

import ast
import re

from optfix.analysis.chains import cst_chain
from optfix.analysis.tree import code
from optfix.codemods.learning_rate_api import prefilter
from optfix.codemods.learning_rate_api.configs import named_configs
from optfix.codemods.learning_rate_api.literals import is_zero, raw_string, renamed_string, string_keys
from optfix.codemods.learning_rate_api.survey import Survey, optimizer_functions
from optfix.codemods.learning_rate_api.watched import ATTRIBUTE_FUNCTIONS, WATCHED
from optfix.knowledge.namespaces import keras_member
from optfix.knowledge.runtime import (
    BACKEND_VALUE_FAILURES,
    CONFIG_DECAY,
    OPTIMIZER_CLASS_NAMES,
    OPTIMIZER_CLASSES,
    OPTIMIZER_CONSTRUCTORS,
    PLAIN_ATTRIBUTE,
    PLAIN_ATTRIBUTES,
    REMOVED_ATTRIBUTES,
    RENAMED_ATTRIBUTES,
    VALUE_FUNCTIONS,
    VARIABLE_ATTRIBUTES,
    NOT_IN_KERAS3,
    backend_function,
)
from optfix.lazy import libcst as cst
from optfix.rulekit.calls import bind
from optfix.rulekit.references import ImportContext
from optfix.rulekit.rule import FileContext, Rule

_MENTIONS_KERAS = re.compile(r"\b(?:tf_)?keras\b|\btensorflow\b")
_NO_LR = "Keras 3 optimizers have no lr attribute (AttributeError)"
_SCHEDULE_SET = (
    "; an optimizer built with a LearningRateSchedule raises TypeError here in Keras 3 (tf.keras 2 "
    "replaced the schedule by the number)"
)
_CONFIG_LR = "'lr' -> 'learning_rate' in an optimizer config: Keras 3 rejects 'lr' (ValueError: Argument(s) not recognized)"


class LearningRateApiRule(ImportContext, Rule):
    """Read and set an optimizer's learning rate through the Keras 3 API.

    What it does
    ------------
    Where the object is evidently a Keras optimizer (an attribute chain ending in `.optimizer`,
    such as `self.model.optimizer`, in a file that imports Keras or TensorFlow; a call of a function
    or method of the file that returns only such values, `self._optimizer()`; or a name that its
    scope assigns only Keras optimizer constructors, such chains or such calls):
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
      key `'lr'` becomes `'learning_rate'`, quotes kept; so does one reached through a name
      (`settings = {'lr': 0.1}` given as `'config': settings`, `cfg = {...}` given to `compile`).

    `opt.decay` and a `'decay'` key in a config are reported with what to write instead, and so is
    a backend value function given a hyperparameter Keras 3 keeps as a plain value
    (`K.set_value(opt.momentum, x)`, `beta_1`, `rho`, ...): no backend function serves it, and a
    value set once the train step is traced is never seen.

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

    How this is checked: each statement the rule rewrote in the fixtures is run for real, the
    original under tf_keras's legacy OptimizerV2 optimizers (the Keras 2 optimizers that had `lr`),
    the rewrite under Keras 3, each on a freshly compiled model with learning rate 0.1: the
    learning rate after the statement and the value the statement computes agree. Rewritten config
    dicts and `from_config` calls build an optimizer with their learning rate in Keras 3, and the
    originals are shown to fail there.

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

    @classmethod
    def wants(cls, data: bytes) -> bool:
        return prefilter.wants(data)

    @classmethod
    def relevant(cls, tree: ast.Module) -> bool:
        return prefilter.relevant(tree)

    def __init__(self, file: FileContext) -> None:
        super().__init__(file)
        # Text, not imports: the `import keras` a rewrite may add must not change this on a second run.
        # A star import of a project module that imports Keras makes a file about Keras too.
        self.keras_file = _MENTIONS_KERAS.search(file.text) is not None or any(
            _MENTIONS_KERAS.match(qualified) for qualified in file.imports.through_stars.values())
        self.trusted: dict[int, bool] | None = None  # id(Name) -> names an optimizer; filled on demand
        self.returning: frozenset[str] | None = None  # the file's functions that return an optimizer; on demand
        self.targets: set[int] = set()  # ids of attributes assigned to
        self.value_calls: dict[int, tuple[str, str, int]] = {}  # id(call) -> (root, function, argument index)
        self.value_arguments: set[int] = set()  # ids of the `x.lr` those calls take: the call rewrites them
        self.plain_calls: dict[int, tuple[str | None, str, cst.Attribute]] = {}  # id(call) -> (root, function, `opt.momentum`)
        self.identifiers: set[int] = set()  # ids of dicts given as optimizer identifiers
        self.configs: set[int] = set()  # ids of dicts given to an optimizer class's from_config
        self.named_configs: dict[int, bool] = {}  # id of a config dict reached through a name -> class_name literal

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

    def _holds_optimizer(self, value: cst.BaseExpression) -> bool:
        """Whether a value assigned to a name is evidently a Keras optimizer."""
        return self._constructs(value) or self._is_chain(value) or self._returns_optimizer(value)

    def _is_optimizer(self, node: cst.BaseExpression) -> bool:
        """Whether the object of `node.lr` (or of `hasattr(node, 'lr')`) is evidently a Keras optimizer."""
        if isinstance(node, cst.Name):
            if self.trusted is None:
                self.trusted = Survey(self._holds_optimizer).run(self.file.module)
            return self.trusted.get(id(node), False)
        return self._is_chain(node) or self._returns_optimizer(node)

    def _returns_optimizer(self, node: cst.BaseExpression) -> bool:
        """`self._optimizer()`, `get_optimizer(model)`: a call of a function or method of the file
        each of whose returns is evidently a Keras optimizer (`return self.model.optimizer`)."""
        if not isinstance(node, cst.Call):
            return False
        chain = cst_chain(node.func)  # `name(...)`, or `self.name(...)` / `cls.name(...)`
        if len(chain) == 1 or (len(chain) == 2 and chain[0] in ("self", "cls")):
            name = chain[-1]
        else:
            return False
        if self.returning is None:
            self.returning = optimizer_functions(self.file.module, lambda value: self._constructs(value) or self._is_chain(value))
        return name in self.returning

    # -- bookkeeping on the way down -------------------------------------------------------------

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
                elif isinstance(value, cst.Attribute) and value.attr.value in PLAIN_ATTRIBUTES:
                    self.plain_calls[id(node)] = (root, function, value)
            return
        index = self._identifier_index(node, qualified)
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "from_config":
            if self._optimizers_member(node.func.value) in OPTIMIZER_CLASSES:  # `keras.optimizers.Adam.from_config({...})`
                index = _argument(node, ("config",), position=0)
                if index is not None and isinstance(node.args[index].value, cst.Dict):
                    self.configs.add(id(node.args[index].value))
            return
        if index is not None and isinstance(node.args[index].value, cst.Dict):
            self.identifiers.add(id(node.args[index].value))

    def _identifier_index(self, node: cst.Call, qualified: str | None) -> int | None:
        """Where `compile`, `optimizers.get` or `optimizers.deserialize` takes the optimizer."""
        if keras_member(qualified) in ("optimizers.get", "optimizers.deserialize"):
            return _argument(node, ("identifier", "config"), position=0)
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "compile":
            return _argument(node, ("optimizer",), position=0 if self.file.imports.qualified_name(node.func.value) is None else None)
        return None

    def visit_Module(self, node: cst.Module) -> None:
        if "config" not in self.file.text:
            return

        def identifier(call: cst.Call) -> cst.BaseExpression | None:
            index = self._identifier_index(call, self._qualified(call.func))
            return None if index is None else call.args[index].value

        identifiers, self.named_configs = named_configs(node, identifier, _names_optimizer)
        self.identifiers |= identifiers

    # -- rewrites on the way up --------------------------------------------------------------------

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.Attribute:
        name = original.attr.value
        if self.import_context or id(original) in self.value_arguments or name not in WATCHED:
            return updated
        if name in REMOVED_ATTRIBUTES and self._is_optimizer(original.value):
            self.report(original, f"{_code(original)}: {REMOVED_ATTRIBUTES[name]}")
        elif name in RENAMED_ATTRIBUTES and self._is_optimizer(original.value):
            renamed = updated.with_changes(attr=cst.Name(RENAMED_ATTRIBUTES[name]))
            extra = _SCHEDULE_SET if id(original) in self.targets else ""
            return self.rewrite(original, updated, renamed, f"{_code(original)} -> {_code(renamed)}: {_NO_LR}{extra}")
        return updated

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if id(original) in self.plain_calls:
            self._plain_value_call(original, *self.plain_calls[id(original)])
        if id(original) in self.value_calls:
            return self._value_call(original, updated, *self.value_calls[id(original)])
        func = original.func
        imports = self.file.imports
        if (
            isinstance(func, cst.Name) and func.value in ATTRIBUTE_FUNCTIONS
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
            self.file.use_keras(needs_keras, original.func)
        return result

    def _plain_value_call(self, call: cst.Call, root: str | None, function: str, argument: cst.Attribute) -> None:
        """`K.set_value(opt.momentum, x)`: a hyperparameter Keras 3 keeps as a plain value (a
        tf.keras backend's get_value still reads one)."""
        if function != "set_value" and root is not None and function not in BACKEND_VALUE_FAILURES[root]:
            return
        base = argument.value
        if isinstance(base, cst.Name) and base.value == "self":
            return  # a custom Keras 2 optimizer's own variable: get-updates' business
        if argument.attr.value in REMOVED_ATTRIBUTES and self._is_optimizer(base):
            return  # reported at the attribute, with what to do instead
        known = self._is_optimizer(base)
        missing = function != "set_value" or (root is not None and BACKEND_VALUE_FAILURES[root].get(function) == NOT_IN_KERAS3)
        failure = NOT_IN_KERAS3 if missing else "cannot set a plain value"
        message = PLAIN_ATTRIBUTE.format(attribute=argument.attr.value, function=_code(call.func), failure=failure, expression=_code(argument))
        condition = "" if known else f"{_code(base)} is not known to be a Keras optimizer; if it is one: "
        if root is None:
            condition += f"{_code(call.func.value)} is not known to be a Keras backend; if it is keras.backend: "
        self.report(call, f"{_code(call.func)}({_code(argument)}{', ...' if function == 'set_value' else ''}): {condition}{message}")

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
        name = raw_string(literal)
        if name not in RENAMED_ATTRIBUTES and name not in REMOVED_ATTRIBUTES or not self._is_optimizer(args[0].value):
            return updated
        if name in REMOVED_ATTRIBUTES:
            self.report(literal, f"{_code(original.func)}({_code(args[0].value)}, {_code(literal)}): {REMOVED_ATTRIBUTES[name]}")
            return updated
        new_args = list(updated.args)
        new_args[1] = new_args[1].with_changes(value=renamed_string(literal, RENAMED_ATTRIBUTES[name]))
        message = f"{_code(original.func)}({_code(args[0].value)}, {_code(literal)}) -> {_code(new_args[1].value)}: {_NO_LR}"
        return self.rewrite(literal, updated, updated.with_changes(args=new_args), message)

    def leave_Dict(self, original: cst.Dict, updated: cst.Dict) -> cst.Dict:
        """`{'class_name': 'adam', 'config': {'lr': 0.1}}`, and `{'lr': 0.1}` given to `Adam.from_config`."""
        if id(original) in self.configs or id(original) in self.named_configs:
            literal = self.named_configs.get(id(original), True)
            renamed = self._renamed_config(original, updated)
            message = _CONFIG_LR + ("" if literal else _NOT_LITERAL)
            return updated if renamed is None else self.rewrite(renamed[1], updated, renamed[0], message, safe=literal)
        keys = string_keys(original)
        if "class_name" not in keys or "config" not in keys:
            return updated
        config = original.elements[keys["config"]].value
        class_name = original.elements[keys["class_name"]].value
        if not isinstance(config, cst.Dict):
            return updated
        if isinstance(class_name, cst.SimpleString):
            if not _names_optimizer(class_name):
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
            message += _NOT_LITERAL
        return self.rewrite(key, updated, updated.with_changes(elements=elements), message, safe=literal)

    def _renamed_config(self, config: cst.Dict, updated: cst.Dict) -> tuple[cst.Dict, cst.SimpleString] | None:
        """An optimizer's config with its key 'lr' renamed 'learning_rate', and that key; None where
        nothing is to be renamed. A 'decay', or 'lr' beside 'learning_rate', is reported."""
        settings = string_keys(config)
        if "decay" in settings:
            decay = config.elements[settings["decay"]]
            if not is_zero(decay.value):
                self.report(decay.key, CONFIG_DECAY)
        if "lr" not in settings:
            return None
        key = config.elements[settings["lr"]].key
        if "learning_rate" in settings:
            self.report(key, "an optimizer config with both 'lr' and 'learning_rate': Keras 3 rejects 'lr' (ValueError: Argument(s) not recognized); remove it")
            return None
        items = list(updated.elements)
        items[settings["lr"]] = items[settings["lr"]].with_changes(key=renamed_string(key, "learning_rate"))
        return updated.with_changes(elements=items), key


_NOT_LITERAL = "; class_name is not a literal: if it names an optimizer class of the project's own whose constructor takes lr, keep 'lr'"


def _names_optimizer(class_name: cst.BaseExpression) -> bool:
    """A string literal naming an optimizer class Keras 3 builds."""
    if not isinstance(class_name, cst.SimpleString) or "b" in class_name.prefix.lower():
        return False
    try:
        return class_name.evaluated_value.lower() in OPTIMIZER_CLASS_NAMES
    except (SyntaxError, ValueError):
        return False


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
