"""Functions outside the class that the update hands the optimizer to.

`_apply_weight_decays(self, var, var_t)` in `_resource_apply_dense`: a function of the module or
of another module, given the optimizer itself, may read and write what only OptimizerV2 had
(`self._get_hyper`, `self.get_slot`, `self._updates_processed` counted per call to find the last
variable of a step, `self.lr`), and optfix migrates the class, not the function. The class is
refused with the call named. Functions given the optimizer in `__init__` and `get_config` run
once, where a missing attribute fails at once: they are left to that.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from optfix.analysis.tree import code, descendants
from optfix.knowledge import optimizer_v2 as api
from optfix.lazy import libcst as cst

if TYPE_CHECKING:
    from optfix.codemods.optimizer_v2.migration import Migration

_UPDATE_METHODS = frozenset({api.DENSE, *api.SPARSE, api.SLOTS, api.PREPARE})
_LIBRARIES = ("tensorflow", "keras", "numpy", "builtins", "math")


def refuse_optimizer_handed_out(migration: Migration, methods: dict[str, cst.FunctionDef]) -> None:
    calls = [(name, call) for name in sorted(_UPDATE_METHODS & set(methods)) for call in descendants(methods[name], cst.Call)
             if isinstance(call.func, cst.Name) and any(code(arg.value) == "self" for arg in call.args)
             and not _library_function(migration, call.func)]
    if not calls:
        return
    functions = ", ".join(dict.fromkeys(f"{call.func.value}()" for _, call in calls))
    migration.problem(calls[0][1], f"{calls[0][0]}() hands the optimizer to {functions} outside the class, which may use the "
                                   "tf.keras 2 optimizer's state (slots, hyperparameters, counters of the calls per step): "
                                   "optfix migrates the class, not what it calls")


def _library_function(migration: Migration, func: cst.Name) -> bool:
    """A builtin (`isinstance(self, ...)`) or a function of TensorFlow, Keras or numpy."""
    qualified = migration.qualified(func)
    if qualified is None:
        return func.value not in _module_functions(migration)
    return qualified.split(".")[0] in _LIBRARIES


def _module_functions(migration: Migration) -> set[str]:
    return {s.name.value for s in migration.file.module.body if isinstance(s, cst.FunctionDef)}
