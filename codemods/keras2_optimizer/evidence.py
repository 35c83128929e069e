"""What says which era a call was written for: Keras 2 keywords on the call itself, or the run's
source version where the call shows none."""

from __future__ import annotations

from optfix.codemods.keras2_optimizer.signatures import CLIPS, KERAS2, LEGACY_KEYWORDS, TF_KERAS, accepted_keywords
from optfix.codemods.keras2_optimizer.sites import Site
from optfix.knowledge.keras import KERAS2_DIFFERENCES, KERAS2_FACTORIES, KERAS3_OPTIMIZERS, TF_KERAS_DIFFERENCES, keras2_defaults
from optfix.lazy import libcst as cst
from optfix.rulekit.calls import constant
from optfix.rulekit.era import source_era


# The classes whose defaults or math differ between a Keras 2 era and Keras 3.
ERA_DEPENDENT_CLASSES = frozenset(name for name in KERAS3_OPTIMIZERS
                                  if keras2_defaults(name) or name in KERAS2_DIFFERENCES or name in TF_KERAS_DIFFERENCES)


# What tf.keras 2's OptimizerV2 took besides each class's own parameters (its **kwargs).
_OPTIMIZER_V2_KEYWORDS = frozenset({"lr", "decay", "global_clipnorm"})


def has_evidence(call: cst.Call) -> bool:
    """`lr=`, `decay=`, `schedule_decay=` or `epsilon=None`: Keras 2 wrote the call."""
    keywords = {arg.keyword.value: arg.value for arg in call.args if arg.keyword is not None}
    return bool(LEGACY_KEYWORDS & set(keywords)) or ("epsilon" in keywords and constant(keywords["epsilon"]) is None)


def declared_era(call: cst.Call, site: Site, source: str | None) -> str | None:
    """The era the run's source version gives a call through this namespace, unless the call
    passes a keyword that era's constructor did not take: then it was written for Keras 3 (or
    already migrated)."""
    era = source_era(source, site.guess == KERAS2)
    if era is None:
        return None
    known = accepted_keywords(era, site.name, source) | CLIPS
    if era == TF_KERAS:
        known |= _OPTIMIZER_V2_KEYWORDS
    if any(arg.keyword is not None and arg.keyword.value not in known for arg in call.args):
        return None
    return era


def era_dependent(call: cst.Call, site: Site) -> bool:
    """Whether the call builds an optimizer whose defaults or math differ between the era its
    namespace points to and Keras 3: what a source version would decide."""
    if site.guess == TF_KERAS:
        return site.name in TF_KERAS_DIFFERENCES
    given = {arg.keyword.value for arg in call.args if arg.keyword is not None}
    return bool(keras2_defaults(site.name)) or site.name in KERAS2_DIFFERENCES or "clipnorm" in given


def is_factory(site: Site) -> bool:
    """A lowercase factory (`keras.optimizers.adam`): only Keras 2.2 and 2.3 had them."""
    return bool(site.move) and site.move.rsplit(".", 1)[-1] in KERAS2_FACTORIES
