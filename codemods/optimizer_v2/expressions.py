"""Expressions of an OptimizerV2 class as Keras 3 writes them: TensorFlow math as `keras.ops`
where the counterpart is exact, hyperparameters as attributes, slots as lists indexed by the
variable, the learning rate as update_step's argument. What has no Keras 3 form becomes a problem
of the migration."""

from __future__ import annotations

from typing import TYPE_CHECKING

from optfix.analysis.tree import code, descendants
from optfix.codemods.optimizer_v2 import hyper_names, schedule_hypers, static_shapes
from optfix.knowledge import optimizer_v2 as api
from optfix.knowledge.backend import CALLS as BACKEND_CALLS
from optfix.knowledge.namespaces import keras_member
from optfix.knowledge.tf_math import COUNTERPARTS, IDENTITY
from optfix.lazy import libcst as cst
from optfix.rulekit.class_code import LEARNING_RATES, is_self_attribute

if TYPE_CHECKING:
    from optfix.codemods.optimizer_v2.migration import Migration


def literal(node: cst.BaseExpression) -> str | None:
    """The value of a plain string literal."""
    if isinstance(node, cst.SimpleString) and node.prefix.lower() in ("", "u"):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def argument(call: cst.Call, position: int, keyword: str) -> cst.BaseExpression | None:
    """The argument given at `position` or as `keyword=`."""
    for index, arg in enumerate(call.args):
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
        if arg.keyword is None and not arg.star and index == position:
            return arg.value
    return None


def is_tf_function(migration: Migration, decorator: cst.BaseExpression) -> bool:
    """`@tf.function` (or `@tf.function(jit_compile=True)`): Keras 3 compiles the training step itself."""
    func = decorator.func if isinstance(decorator, cst.Call) else decorator
    return migration.qualified(func) in ("tensorflow.function", "tensorflow.compat.v1.function")


def _whole_tensor_norm(migration: Migration, call: cst.Call) -> cst.Call:
    """`tf.norm(x, ord=2)` (or "euclidean") over no axis is the 2-norm of all of x's values, as
    `tf.norm(x)` is: the form the table translates (Keras 3's `norm(x, ord=2)` of a matrix would be
    its largest singular value)."""
    if not (migration.qualified(call.func) or "").endswith(".norm") or argument(call, 2, "axis") is not None:
        return call
    order = argument(call, 1, "ord")
    if order is None or not (isinstance(order, cst.Integer) and order.value == "2" or literal(order) == "euclidean"):
        return call
    return call.with_changes(args=_last_comma([arg for arg in call.args if arg.value is not order]))


def self_method(call: cst.Call) -> str | None:
    """`name` of `self.name(...)`."""
    return call.func.attr.value if is_self_attribute(call.func) else None


class Translate(cst.CSTTransformer):
    """One method's expressions to Keras 3. `learning_rate` is what the current learning rate reads
    as here: update_step's argument there, `self.learning_rate` elsewhere."""

    def __init__(self, migration: Migration, learning_rate: str) -> None:
        super().__init__()
        self.migration = migration
        self.learning_rate = learning_rate

    # -- calls ---------------------------------------------------------------------------------

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        updated = updated.with_changes(args=_without(updated.args, "use_locking", "read_value"))
        shape = static_shapes.listed(updated)
        if shape is not None:
            return shape
        method = self_method(original)
        if method is not None:
            return self._self_call(method, original, updated)
        qualified = self.migration.qualified(original.func) or ""
        if qualified in IDENTITY and len(updated.args) == 1 and not updated.args[0].keyword:
            if self._is_slot(original.args[0].value):  # a snapshot of the slot's value, not the slot
                self.migration.uses_ops = True
                return updated.with_changes(func=cst.parse_expression(f"{self.migration.names.ops}.copy"))
            return updated.args[0].value
        row = COUNTERPARTS.get(qualified)
        if row is not None:
            updated = _whole_tensor_norm(self.migration, updated)
            args = _without(updated.args, "name")
            positional = [arg for arg in args if arg.keyword is None]
            if (not any(arg.star for arg in args) and len(positional) <= row.positional
                    and all(arg.keyword.value in row.keywords for arg in args if arg.keyword is not None)):
                self.migration.uses_ops = True
                return updated.with_changes(func=cst.parse_expression(f"{self.migration.names.ops}.{row.ops}"), args=args)
            return updated
        member = keras_member(qualified) or ""
        target = api.BACKEND_CONFIG.get(member.removeprefix("src."))
        if target is not None:
            return updated.with_changes(func=cst.parse_expression(self._keras3(target)))
        if member.startswith("backend.") and member[len("backend."):] in BACKEND_CALLS:
            return self._backend_call(original, updated, BACKEND_CALLS[member[len("backend."):]])
        if member.startswith("backend"):
            self.migration.problem(original, f"{code(original.func)}() of the tf.keras 2 backend has no Keras 3 counterpart optfix knows")
        if qualified.startswith(("tensorflow.raw_ops.", "tensorflow.python.training.", "tensorflow.python.ops.gen_training_ops")) or ".training_ops." in qualified:
            inside = {id(node) for node in descendants(original, cst.CSTNode)}
            self.migration.problems = [p for p in self.migration.problems if id(p.node) not in inside]  # its handles, its locking
            self.migration.problem(original, f"{code(original.func)}() is a TensorFlow kernel that updates variables through their "
                                             "handles: Keras 3 variables are updated with self.assign*(); write its math out")
        return updated

    def _is_slot(self, node: cst.BaseExpression) -> bool:
        """`self.get_slot(...)`, or a name the class binds to one."""
        if isinstance(node, cst.Call):
            return self_method(node) == "get_slot"
        if not isinstance(node, cst.Name):
            return False
        return any(isinstance(t.target, cst.Name) and t.target.value == node.value and isinstance(a.value, cst.Call)
                   and self_method(a.value) == "get_slot" for a in descendants(self.migration.node, cst.Assign) for t in a.targets)

    def _backend_call(self, original: cst.Call, updated: cst.Call, counterpart) -> cst.BaseExpression:
        """`K.mean(x, axis=0)` as `ops.mean(x, axis=0)`: each argument where Keras 3's function
        takes it (by keyword past the positions it shares, renamed where Keras 3 renamed it), a
        default Keras 3 changed written out; a problem where an argument has no counterpart."""
        args, given = list(updated.args), set()
        for index, arg in enumerate(args):
            parameter = arg.keyword.value if arg.keyword else (counterpart.parameters[index] if index < len(counterpart.parameters) else None)
            if arg.star or parameter not in counterpart.parameters:
                self.migration.problem(original, f"{code(original.func)}() with an argument its Keras 3 counterpart, "
                                                 f"{self._keras3(counterpart.target)}(), does not take")
                return updated
            given.add(parameter)
            if arg.keyword or index >= counterpart.keeps_position:
                args[index] = arg.with_changes(keyword=cst.Name(counterpart.renamed.get(parameter, parameter)), equal=_EQUAL)
        for parameter, default in counterpart.defaults.items():
            if parameter not in given:
                if args:
                    args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
                args.append(cst.Arg(cst.parse_expression(default), keyword=cst.Name(counterpart.renamed.get(parameter, parameter)), equal=_EQUAL))
        return updated.with_changes(func=cst.parse_expression(self._keras3(counterpart.target)), args=args)

    def _keras3(self, target: str) -> str:
        """`ops.sqrt` / `config.epsilon` as this file reaches Keras 3."""
        if target.startswith("ops."):
            self.migration.uses_ops = True
            return f"{self.migration.names.ops}.{target[len('ops.'):]}"
        return f"{self.migration.names.keras}.{target}"

    def _self_call(self, method: str, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        migration = self.migration
        if method == "_get_hyper":
            name = literal(original.args[0].value) if original.args else None
            dtype = argument(updated, 1, "dtype")
            if name is None:
                return self._hyper_by_name(original, updated, dtype)
            if name in LEARNING_RATES:
                migration.raw_reads.append(original)
                value = self.learning_rate
            elif name in migration.hypers:
                value = f"self.{migration.attribute(name)}"
                if schedule_hypers.may_hold_schedule(migration, name):
                    return schedule_hypers.read(migration, value, code(dtype) if dtype is not None else None)
            else:
                migration.problem(original, f"_get_hyper({name!r}) reads a hyperparameter __init__ does not set with _set_hyper()")
                return updated
            return self._cast(value, dtype)
        if method == "_decayed_lr":
            migration.decayed_reads.append(original)
            return self._cast(self.learning_rate, argument(updated, 0, "var_dtype"))
        if method == "_serialize_hyperparameter":
            name = literal(original.args[0].value) if original.args else None
            if name is None or name not in migration.hypers:
                migration.problem(original, "_serialize_hyperparameter() of a name that is not a hyperparameter set in __init__")
                return updated
            if schedule_hypers.may_hold_schedule(migration, name):
                return schedule_hypers.serialized(migration, f"self.{migration.attribute(name)}")
            return cst.parse_expression(f"self.{migration.attribute(name)}")
        if method == "get_slot":
            return self._slot(original, updated)
        if method in api.REFUSED_OVERRIDES or method in ("add_slot", "get_slot_names", "_fallback_apply_state", "_set_hyper", "_prepare_local",
                                                         "_resource_apply_dense", *api.SPARSE, "_create_slots"):
            migration.problem(original, f"self.{method}() is tf.keras 2 optimizer machinery that Keras 3 does not have")
        return updated

    def _hyper_by_name(self, original: cst.Call, updated: cst.Call, dtype: cst.BaseExpression | None) -> cst.BaseExpression:
        """`_get_hyper(name)` of a name that holds one of some literals the class gives: the attribute of that name."""
        names = hyper_names.possible_names(self.migration, original)
        if names is None:
            self.migration.problem(original, "_get_hyper() of a name that is not a string literal, nor a parameter of a helper given "
                                             "a literal at each call, nor a loop over literals: optfix cannot tell which attribute it reads")
            return updated
        unknown = [n for n in names if n in LEARNING_RATES or n not in self.migration.hypers]
        if unknown:
            self.migration.problem(original, f"_get_hyper() of a name that can be {unknown[0]!r}, which is not a hyperparameter "
                                             "__init__ sets with _set_hyper() (or is the learning rate): optfix reads hyperparameters by name only")
            return updated
        scheduled = [n for n in names if schedule_hypers.may_hold_schedule(self.migration, n)]
        if scheduled:
            self.migration.problem(original, f"_get_hyper() of a name that can be {scheduled[0]!r}, which may hold a schedule: "
                                             "optfix reads such a hyperparameter by its literal name only")
            return updated
        given = code(updated.args[0].value)
        if all(self.migration.attribute(n) == n for n in names):
            value = f"getattr(self, {given})"
        else:
            value = "{" + ", ".join(f"{self.migration.string(n)}: self.{self.migration.attribute(n)}" for n in names) + f"}}[{given}]"
        return self._cast(value, dtype)

    def _slot(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        name = literal(argument(original, 1, "slot_name") or cst.Name("_"))
        variable = argument(updated, 0, "var")
        if name is None or variable is None:
            self.migration.problem(original, "get_slot() of a slot name that is not a string literal")
            return updated
        if name not in self.migration.slots:
            self.migration.problem(original, f"get_slot(..., {name!r}) reads a slot _create_slots() does not make with add_slot()")
            return updated
        return cst.parse_expression(f"self.{self.migration.slots[name]}[self._get_variable_index({code(variable)})]")

    def _cast(self, value: str, dtype: cst.BaseExpression | None) -> cst.BaseExpression:
        if dtype is None:
            return cst.parse_expression(value)
        self.migration.uses_ops = True
        return cst.parse_expression(f"{self.migration.names.ops}.cast({value}, {code(dtype)})")

    # -- attributes ----------------------------------------------------------------------------

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        length = static_shapes.rank(updated)
        if length is not None:
            return length
        if original.attr.value == "base_dtype" and isinstance(original.value, cst.Attribute) and original.value.attr.value == "dtype":
            return updated.value  # Keras 3 dtypes are names ("float32"), with no base_dtype
        if original.attr.value == "handle":
            self.migration.problem(original, f"{code(original)}: Keras 3 variables have no TensorFlow resource handle to pass to kernels")
        if not is_self_attribute(original):
            return self._schedules_member(original, updated)
        name = original.attr.value
        if name in LEARNING_RATES:
            self.migration.raw_reads.append(original)
            return updated.with_changes(attr=cst.Name("learning_rate"))
        if name == "_initial_decay" and self.migration.initial_decay:
            return updated.with_changes(attr=cst.Name("initial_decay"))  # the class's own copy of decay= (initial_decay.py)
        if name in api.LEGACY_ATTRIBUTES:
            self.migration.problem(original, f"{code(original)} is state of the tf.keras 2 optimizer that Keras 3 optimizers do not have")
        if name in self.migration.renamed:
            return updated.with_changes(attr=cst.Name(self.migration.renamed[name]))
        return updated


    def _schedules_member(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        """`tf.keras.optimizers.schedules.X` as Keras 3's: the schedules the migrated class is given are those."""
        member = keras_member(self.migration.qualified(original) or "") or ""
        if member.startswith("optimizers.schedules.") and member.count(".") == 2:
            return cst.parse_expression(f"{self.migration.names.keras}.{member}")
        return updated


def _without(args, *keywords: str) -> list[cst.Arg]:
    kept = [arg for arg in args if not (arg.keyword is not None and arg.keyword.value in keywords)]
    return _last_comma(kept) if len(kept) < len(args) else list(args)


def _last_comma(args) -> list[cst.Arg]:
    args = list(args)
    if args:
        args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return args


_EQUAL = cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace(""))
