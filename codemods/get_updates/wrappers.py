"""What a Keras 2 optimizer wrapper or class factory adds to the optimizer it extends, and what
Keras 3 offers in its place: the advice of the finding that leaves it unmigrated.

A wrapper drives another optimizer's `get_updates` (`self.optimizer.get_updates(loss, params)`); a
class factory's class extends whatever class it is given (`def extend_with_x(BaseOptimizer): class
NewOptimizer(BaseOptimizer)`) and changes what the base class's `get_updates` computes. Keras 3 has
no `get_updates` to delegate to, so neither is migrated; what it adds is read from the names its
code uses (its parameters, attributes and strings), never from running it."""

from __future__ import annotations

from optfix.analysis.tree import descendants
from optfix.lazy import libcst as cst

_PER_LAYER_RATE = (
    "it scales the learning rate per layer, which Keras 3 optimizers do not offer: subclass the Keras 3 optimizer "
    "it wraps and override update_step(gradient, variable, learning_rate) to call the base class's with "
    "learning_rate times the variable's multiplier, matched on variable.path (Keras 3 names variables 'kernel', "
    "not 'dense_1/kernel:0')")

# (name fragments, what Keras 3 offers), the first matching row wins: a factory of gradient
# accumulation also names its learning rate, so the more specific rows come first.
_OFFERS = (
    (("accum",),
     "it accumulates gradients over several steps, which every Keras 3 optimizer does itself: construct the "
     "optimizer it wraps with gradient_accumulation_steps=<the steps> (keras.optimizers.Adam(..., "
     "gradient_accumulation_steps=4)) and drop the wrapper"),
    (("slow", "lookahead", "sync_period"),
     "it keeps slow weights (lookahead), which Keras 3 does not offer: subclass the Keras 3 optimizer it wraps and "
     "override apply(grads, trainable_variables): call the base class's apply(), then every k steps "
     "(self.iterations % k == 0) move the slow copies toward the variables and assign them back"),
    (("weight_decay",),
     "it adds weight decay, which every Keras 3 optimizer takes as weight_decay= (decoupled: each variable less "
     "learning_rate * weight_decay times itself, before the step), with exclude_from_weight_decay(var_names=[...]) "
     "for the variables to leave out: use those on the optimizer it extends"),
    (("layer_adaptation", "trust_ratio"),
     "it scales each layer's step by the ratio of the weights' norm to the step's (layer adaptation): Keras 3 has "
     "it for Adam as keras.optimizers.Lamb; for another optimizer, subclass it and override update_step"),
    (("paramwise", "param_wise", "parameter_wise", "layerwise", "layer_wise"),  # `paramwise_lr_schedule`: rates by name, not by step
     _PER_LAYER_RATE),
    (("lr_schedule", "piecewise", "warmup"),
     "it changes the learning rate over the steps: give the optimizer it extends a "
     "keras.optimizers.schedules.LearningRateSchedule (a subclass of your own for a piecewise-linear rate) as "
     "learning_rate"),
    (("multiplier", "lr_mult"), _PER_LAYER_RATE),
    (("moving_average", "ema"),
     "it keeps a moving average of the weights: Keras 3 optimizers take use_ema=True and ema_momentum="),
    (("additional_updates",),
     "it adds updates of other variables to the optimizer's (a target network's): Keras 3 optimizers keep no list "
     "of updates; assign them after optimizer.apply() in a custom train_step, or in a callback"),
    (("lazy",),
     "it updates only the rows a sparse gradient touches, which Keras 3 optimizers do not offer"),
)


def added_behaviour(node: cst.ClassDef) -> str:
    """What the wrapper or factory class adds, and what Keras 3 offers instead; a general advice
    where its names do not say."""
    words = _names(node)
    for fragments, offer in _OFFERS:
        if any(_matches(fragment, word) for word in words for fragment in fragments):
            return offer
    return ("Keras 3 has no get_updates to delegate to: rebuild it on the Keras 3 API (gradient_accumulation_steps=, "
            "use_ema=, weight_decay=, a learning-rate schedule, or an override of apply() or update_step of the "
            "optimizer it extends)")


def what_it_does(node: cst.ClassDef) -> str:
    """A factory's class: how it builds on the class it is given, and what Keras 3 offers."""
    extends = any(isinstance(call.func, cst.Attribute) and call.func.attr.value == "get_updates"
                  and isinstance(call.func.value, cst.Call) and isinstance(call.func.value.func, cst.Name)
                  and call.func.value.func.value == "super" for call in descendants(node, cst.Call))
    if extends:
        return f"and extends that class's get_updates, which Keras 3 optimizers do not have; {added_behaviour(node)}"
    return ("which optfix cannot tell is a Keras 2 optimizer where the factory is not applied, in this file, to Keras 2 "
            "optimizer classes only")


def factory_of(module: cst.Module, node: cst.ClassDef) -> tuple[cst.FunctionDef, str] | None:
    """The function that makes `node` around a class it is given (`def extend_with_x(BaseOptimizer):
    class NewOptimizer(BaseOptimizer)`), and the name of that parameter; None for any other class."""
    for function in descendants(module, cst.FunctionDef):
        if not any(statement is node for statement in descendants(function, cst.ClassDef)):
            continue
        parameters = {p.name.value for p in function.params.params}
        for arg in node.bases:
            if isinstance(arg.value, cst.Name) and arg.value.value in parameters:
                return function, arg.value.value
    return None


def _names(node: cst.ClassDef) -> set[str]:
    """The lowercased identifiers and short strings of the class: its names, attributes, parameters."""
    words = {name.value.lower() for name in descendants(node, cst.Name)}
    words |= {s.raw_value.lower() for s in descendants(node, cst.SimpleString) if len(s.raw_value) < 40}
    return words


def _matches(fragment: str, word: str) -> bool:
    """A short fragment (`ema`, `slow`) as a whole part of a snake_case word, a longer one anywhere in it."""
    return fragment in word.split("_") if len(fragment) <= 4 else fragment in word
