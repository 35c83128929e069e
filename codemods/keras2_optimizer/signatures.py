"""The Keras eras an optimizer call may be written for, and how each reads its arguments."""

from __future__ import annotations

from optfix.knowledge.keras import KERAS2_SIGNATURES, KERAS3_SIGNATURES, TF_KERAS_SIGNATURES
from optfix.rulekit.calls import NOT_CONSTANT

KERAS2, TF_KERAS, KERAS3 = "Keras 2", "tf.keras 2", "Keras 3"
SIGNATURES = {KERAS2: KERAS2_SIGNATURES, TF_KERAS: TF_KERAS_SIGNATURES, KERAS3: KERAS3_SIGNATURES}
LEGACY_KEYWORDS = frozenset({"lr", "decay", "schedule_decay"})
CLIPS = frozenset({"clipnorm", "clipvalue"})
_FLAGS = frozenset({"nesterov", "amsgrad", "centered"})


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


def positional_names(era: str, name: str) -> list[str]:
    return [parameter for parameter, _ in SIGNATURES[era].get(name, ())]


def meanings(era: str, name: str, count: int) -> list[str]:
    """What the first `count` positional arguments set, in Keras 3's words."""
    return ["learning_rate" if p == "lr" else p for p in positional_names(era, name)[:count]]


def all_fit(era: str, name: str, values: list[object]) -> bool:
    parameters = SIGNATURES[era][name]
    return len(values) <= len(parameters) and all(map(_fits, parameters, values))
