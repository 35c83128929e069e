"""The base-class learning rate of an OptimizerV2 class that has none (COCOB: it learns its own
step sizes).

OptimizerV2 needed no learning rate; Keras 3's base class needs one. Where the class reads none
anywhere (no `_set_hyper("learning_rate")`, `_get_hyper("learning_rate")`, `_decayed_lr`, `lr_t`,
`self.lr`), the base class gets an unused one: what `from_config` passes back (Keras 3's
`get_config` holds it), else 0.0. OptimizerV2 took `lr=` and `decay=` in `**kwargs` and used
neither for such a class: they go from `**kwargs` before the base class, which would reject `lr=`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from optfix.codemods.optimizer_v2.migration import Migration

UNUSED_RATE = "0.0"


def reads_a_learning_rate(migration: Migration) -> bool:
    return bool(migration.decayed_reads or migration.raw_reads)


def placeholder_lines(migration: Migration, kwargs: str, name: str) -> list[str]:
    """The lines before the base class's __init__ that bind `name` to the unused learning rate."""
    def quoted(text: str) -> str:
        return migration.string(text)

    return [f"{kwargs}.pop({quoted('lr')}, None)  # OptimizerV2 took lr= and decay= and this class read neither",
            f"{kwargs}.pop({quoted('decay')}, None)",
            f"{name} = {kwargs}.pop({quoted('learning_rate')}, {UNUSED_RATE})  # Keras 3 needs one; update_step reads none"]
