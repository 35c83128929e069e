"""The findings for classes written on the tf.keras 2 optimizer API that the migration is never
tried on: a base class Keras 3 has no counterpart of, or one optfix cannot resolve."""

from __future__ import annotations

from typing import TYPE_CHECKING

from optfix.analysis.tree import code
from optfix.codemods.optimizer_v2 import base_family, families
from optfix.codemods.optimizer_v2.api_use import api_used
from optfix.knowledge.keras import KERAS3_OPTIMIZERS
from optfix.lazy import libcst as cst

if TYPE_CHECKING:
    from optfix.rulekit.rule import FileContext

# The part of that API that only tf.keras 2's OptimizerV2 has (TensorFlow 1's Optimizer has the rest).
V2_ONLY = frozenset({"_set_hyper", "_get_hyper", "_decayed_lr", "add_slot", "_serialize_hyperparameter", "_prepare_local"})


def unkept_base_message(original: cst.ClassDef, base: cst.Arg, name: str) -> str:
    if name in KERAS3_OPTIMIZERS:
        what = f"the built-in {code(base.value)} through the tf.keras 2 optimizer API, which Keras 3's class neither has nor calls"
        instead = f"keras.optimizers.{name}"
    else:
        what, instead = f"{code(base.value)}, a class Keras 3 does not have", "keras.optimizers.Optimizer"
    return (f"{original.name.value} not migrated to Keras 3: it extends {what}: subclass {instead} and override its "
            "update_step(gradient, variable, learning_rate) instead")


def unresolved_message(file: FileContext, node: cst.ClassDef) -> str | None:
    """The finding for a class that reads as an OptimizerV2 optimizer whose base class optfix cannot
    resolve (an alias chosen at import time, a class factory's parameter): reported, not guessed at.
    None for a class that may be TensorFlow 1's, or one on tf_keras."""
    own = sorted(api_used(node) & V2_ONLY)
    shared = base_family.shared_with_get_updates(file.module, node)  # its Keras 2.2 sibling makes it a tf.keras 2 class
    if not shared and not own or not node.bases:
        return None  # TensorFlow 1's optimizers have _resource_apply_dense, _create_slots and get_slot too, not these
    named = [file.imports.qualified_name(arg.value) for arg in node.bases]
    if any(name is not None and name.split(".")[0] == "tf_keras" for name in named):
        return None  # tf_keras's OptimizerV2: kept on purpose, it still runs there
    message = shared or families.wrapper_message(file, node)
    if message is not None:
        return message
    bases = ", ".join(code(arg.value) for arg in node.bases)
    return (f"{node.name.value} is written against the tf.keras 2 optimizer API ({', '.join(own)}), but optfix "
            f"cannot resolve its base class ({bases}) to tf.keras's Optimizer through the imports: not migrated to Keras 3; "
            "name tf.keras.optimizers.legacy.Optimizer as its base and run optfix again")
