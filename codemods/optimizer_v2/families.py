"""OptimizerV2 code that is not one optimizer class: mixins and subclasses of wrappers.

- A mixin: a class of no base class that overrides OptimizerV2's methods and calls the base
  class's for them (`super()._resource_apply_dense(...)`), written to go before an optimizer in
  the bases (tfa's `DecoupledWeightDecayExtension`: a weight decay before the wrapped update).
  Keras 3 calls none of these methods, so mixed into a Keras 3 optimizer it would do nothing,
  without an error: the mixin and each class of the file that mixes it in are reported.
- A class whose base class optfix cannot resolve and that drives another optimizer
  (`self._optimizer._create_slots(...)`): a wrapper, which no Keras 3 base class can take.
- A dispatcher: a subclass of tf.keras's Optimizer whose apply_gradients() hands the gradients
  to other optimizers (`spec["optimizer"].apply_gradients(...)`), using none of OptimizerV2's
  methods. On Keras 3 its base class wants a learning rate and an update_step of its own, so it
  fails when made, and it is reported though it defines nothing else of the tf.keras 2 API.

Where the class or the one it extends is tensorflow_addons' own (the file imports it), the finding
says what Keras 3 has in its place (the tfa-optimizer rule's table).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from optfix.analysis.tree import code, descendants
from optfix.knowledge.keras import OPTIMIZER_V2_API
from optfix.knowledge.tfa import TFA_NO_EQUIVALENT
from optfix.lazy import libcst as cst
from optfix.rulekit.class_code import is_super_call

if TYPE_CHECKING:
    from optfix.rulekit.rule import FileContext

# The methods through which a wrapper drives the optimizer it holds.
_DRIVEN = frozenset({"apply_gradients", "minimize", "_resource_apply_dense", "_resource_apply_sparse", "_create_slots",
                     "_prepare_local", "_distributed_apply", "_create_all_weights", "_create_hypers", "_prepare"})
# The public calls by which a dispatcher applies gradients through another optimizer.
_HANDED_TO = frozenset({"apply_gradients", "minimize"})
_TFA = "tensorflow_addons"


def mixin_methods(node: cst.ClassDef) -> list[str]:
    """The OptimizerV2 methods a class of no base class overrides around its next base's."""
    if any(code(arg.value) != "object" for arg in node.bases):
        return []
    return [s.name.value for s in node.body.body if isinstance(s, cst.FunctionDef) and s.name.value in OPTIMIZER_V2_API
            and any(is_super_call(c, s.name.value) for c in descendants(s, cst.Call))]


def file_mixins(module: cst.Module) -> dict[str, list[str]]:
    """The file's mixins of OptimizerV2 methods, by name."""
    found = {}
    for statement in module.body:
        if isinstance(statement, cst.ClassDef):
            methods = mixin_methods(statement)
            if methods:
                found[statement.name.value] = methods
    return found


def mixin_message(file: FileContext, node: cst.ClassDef, methods: list[str]) -> str:
    listed = ", ".join(f"{m}()" for m in methods)
    return (f"{node.name.value} not migrated to Keras 3: it is a mixin that overrides the tf.keras 2 optimizer API ({listed}) around "
            "the optimizer it is mixed into; Keras 3 optimizers call none of these methods (their update is update_step), so "
            f"mixed into one it would do nothing{_keras3_way(file, node.name.value)}")


def mixed_in_message(file: FileContext, node: cst.ClassDef, mixins: dict[str, list[str]]) -> str | None:
    """The finding for a class of the file that mixes in one of its mixins, or None."""
    used = [code(arg.value) for arg in node.bases if code(arg.value) in mixins]
    if not used:
        return None
    listed = ", ".join(f"{m}()" for m in mixins[used[0]])
    others = [code(arg.value) for arg in node.bases if code(arg.value) not in mixins]
    return (f"{node.name.value} not migrated to Keras 3: it mixes {used[0]} (its {listed}) into {', '.join(others) or 'its base class'}; "
            f"Keras 3 optimizers call none of those methods, so what {used[0]} adds would be dropped without an error"
            f"{_keras3_way(file, node.name.value, used[0])}")


def wrapper_message(file: FileContext, node: cst.ClassDef) -> str | None:
    """The finding for a class of an unresolved base that drives another optimizer, or that extends
    a tensorflow_addons class Keras 3 has no counterpart of; None for other classes."""
    driving = next((c for c in descendants(node, cst.Call) if isinstance(c.func, cst.Attribute) and c.func.attr.value in _DRIVEN
                    and isinstance(c.func.value, cst.Attribute) and code(c.func.value.value) == "self"), None)
    bases = [code(arg.value).rsplit(".", 1)[-1] for arg in node.bases]
    way = _keras3_way(file, node.name.value, *bases)
    if driving is None and not way:
        return None
    bases_text = ", ".join(code(arg.value) for arg in node.bases)
    what = (f"it drives another optimizer ({code(driving.func)}()), as a subclass of {bases_text}"
            if driving is not None else f"it extends {bases_text}, a tensorflow_addons class")
    driven = "a Keras 3 optimizer cannot drive another's updates, and " if driving is not None else ""
    return f"{node.name.value} not migrated to Keras 3: {what}; {driven}optfix migrates classes of tf.keras's Optimizer only{way}"


def dispatcher_message(node: cst.ClassDef) -> str | None:
    """The finding for a class that overrides apply_gradients() and applies the gradients through
    other optimizers' apply_gradients() or minimize() and gives its base class no learning rate; None
    for other classes."""
    method = next((s for s in node.body.body if isinstance(s, cst.FunctionDef) and s.name.value == "apply_gradients"), None)
    if method is None:
        return None
    # Anywhere in the class: the override may hand its work to a helper or to a distribution
    # strategy's merge_call, and the inner apply_gradients be passed on rather than called.
    handed = next((a for a in descendants(node, cst.Attribute) if a.attr.value in _HANDED_TO and not _self_or_super(a.value)), None)
    if handed is None or any(is_super_call(c, "__init__") and any(a.keyword is not None and a.keyword.value == "learning_rate" for a in c.args)
                             for c in descendants(node, cst.Call)):
        return None  # given a learning rate, its base class can be Keras 3's, which runs an apply_gradients override
    return (f"{node.name.value} not migrated to Keras 3: its apply_gradients() hands the gradients to other optimizers "
            f"({code(handed)}()); Keras 3's Optimizer needs a learning rate and an update_step of its own, so the class "
            "fails when made, and Keras 3 has no optimizer that routes variables to others: keep the inner optimizers in a "
            "plain class that calls each one's apply(grads, variables) with the same variables at every step")


def _self_or_super(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "self" or isinstance(node, cst.Call) and code(node.func) == "super"


def _keras3_way(file: FileContext, *names: str) -> str:
    """What Keras 3 has in place of tensorflow_addons' class of one of these names, where the file
    imports tensorflow_addons (tfa's own sources do); '' elsewhere."""
    if not any(origin[0].split(".")[0] == _TFA for origin in file.imports.origins.values()):
        return ""
    advice = next((TFA_NO_EQUIVALENT[name] for name in names if name in TFA_NO_EQUIVALENT), None)
    return f" (tensorflow_addons' {next(n for n in names if n in TFA_NO_EQUIVALENT)}: {advice})" if advice else ""
