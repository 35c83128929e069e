"""The Keras eras an optimizer call may be written for, and how each reads its arguments.

Standalone Keras 2 code is read with Keras 2.2's signatures, or with Keras 2.3's where the run's
source version is keras-2.3: 2.3 kept 2.2's defaults and math but put `learning_rate` first and
took `lr`, `decay` and `epsilon` by keyword only, so `Adam(0.001, 0.9, 0.999, True)` sets
`amsgrad` there.
"""

from __future__ import annotations

from optfix.knowledge.keras import KERAS2_3_KEYWORDS, KERAS2_3_SIGNATURES, KERAS2_SIGNATURES, KERAS3_SIGNATURES, TF_KERAS_SIGNATURES
from optfix.knowledge.rows import Signature
from optfix.knowledge.sources import KERAS_2_3
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


def reads_keras2_3(era: str, name: str, source: str | None) -> bool:
    """Whether a call of `name` in `era` is read with Keras 2.3's signature."""
    return era == KERAS2 and source == KERAS_2_3 and name in KERAS2_3_SIGNATURES


def era_label(era: str, name: str, source: str | None = None) -> str:
    """The era as messages name it: `Keras 2.3` where its signature reads the call."""
    return "Keras 2.3" if reads_keras2_3(era, name, source) else era


def positional(era: str, name: str, source: str | None = None) -> Signature:
    """The parameters of `name` that `era` (under `source`) takes by position, in order."""
    if reads_keras2_3(era, name, source):
        return KERAS2_3_SIGNATURES[name]
    return SIGNATURES[era].get(name, ())


def accepted_keywords(era: str, name: str, source: str | None = None) -> frozenset[str]:
    """Every keyword the constructor of `name` in `era` (under `source`) took, clips aside."""
    names = frozenset(parameter for parameter, _ in positional(era, name, source))
    return names | KERAS2_3_KEYWORDS[name] if reads_keras2_3(era, name, source) else names


def positional_names(era: str, name: str, source: str | None = None) -> list[str]:
    return [parameter for parameter, _ in positional(era, name, source)]


def meanings(era: str, name: str, count: int, source: str | None = None) -> list[str]:
    """What the first `count` positional arguments set, in Keras 3's words."""
    return ["learning_rate" if p == "lr" else p for p in positional_names(era, name, source)[:count]]


def all_fit(era: str, name: str, values: list[object], source: str | None = None) -> bool:
    parameters = positional(era, name, source)
    return len(values) <= len(parameters) and all(map(_fits, parameters, values))
