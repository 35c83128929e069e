"""OptimizerV2's `decay=` read as a number of the class's own math, not as the learning rate's decay.

tf.keras 2's Nadam passes its schedule decay to the base class (`kwargs["decay"] =
kwargs.pop("schedule_decay", 0.004)`) and reads it back as `self._initial_decay` in its momentum
schedule, while its learning rate is read undecayed (`_get_hyper("learning_rate")`, never
`_decayed_lr`). Keras 3's base class has no such attribute and ignores `decay=`: __init__ takes the
value out of `**kwargs` before calling the base class (`initial_decay = kwargs.pop("decay", 0.0)`,
0 being OptimizerV2's default), keeps it as `self.initial_decay`, which the class reads where it
read `self._initial_decay`, and get_config keeps its `"decay"` entry so that from_config gives it
back. A class that also reads the decayed learning rate is refused: one number would be both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from optfix.analysis.tree import descendants
from optfix.lazy import libcst as cst
from optfix.rulekit.class_code import expression_of, is_self_attribute, is_super_init

if TYPE_CHECKING:
    from optfix.codemods.optimizer_v2.migration import Migration

LEGACY = "_initial_decay"
KEPT = "initial_decay"


def reads_initial_decay(migration: Migration, methods: dict[str, cst.FunctionDef]) -> bool:
    """Whether a method reads `self._initial_decay` other than to give it back (`_set_hyper("decay",
    self._initial_decay)` in __init__, the `"decay"` entry of get_config)."""
    for name, method in methods.items():
        if name in ("__init__", "get_config"):
            continue
        if any(is_self_attribute(a) and a.attr.value == LEGACY for a in descendants(method, cst.Attribute)):
            return True
    return False


def with_initial_decay(migration: Migration, init: cst.FunctionDef) -> cst.FunctionDef:
    """The migrated __init__ taking `decay=` out of its **kwargs before the base class's __init__,
    and keeping it after."""
    if migration.decayed_reads:
        migration.problem(migration.decayed_reads[0], f"it reads self.{LEGACY} as a number and the learning rate with OptimizerV2's "
                                                      "time-based decay: Keras 3's base class has no decay to give both")
        return init
    kwargs = init.params.star_kwarg.name.value if isinstance(init.params.star_kwarg, cst.Param) else None
    body = list(init.body.body)
    base = next((i for i, s in enumerate(body) if isinstance(c := expression_of(s), cst.Call) and is_super_init(c)), None)
    if kwargs is None or base is None or not _passes(expression_of(body[base]), kwargs):
        migration.problem(init, f"it reads self.{LEGACY}, which OptimizerV2 took from decay= in **kwargs, but __init__ takes no "
                                "**kwargs it gives the base class")
        return init
    if KEPT in {n.value for n in descendants(init, cst.Name)}:
        migration.problem(init, f"it reads self.{LEGACY}, which optfix keeps as {KEPT}, a name __init__ already uses")
        return init
    config = migration.file.module.config_for_parsing
    taken = cst.parse_statement(f"{KEPT} = {kwargs}.pop({migration.string('decay')}, 0.0)\n", config=config)
    kept = cst.parse_statement(f"self.{KEPT} = {KEPT}\n", config=config)
    body = [*body[:base], taken.with_changes(leading_lines=body[base].leading_lines), body[base].with_changes(leading_lines=[]), kept,
            *body[base + 1:]]
    return init.with_changes(body=init.body.with_changes(body=body))


def _passes(call: cst.Call, kwargs: str) -> bool:
    return any(arg.star == "**" and isinstance(arg.value, cst.Name) and arg.value.value == kwargs for arg in call.args)
