"""The registry of rules: every `Rule` subclass in `optfix.codemods`, found by walking the package.

A rule lives in a module of its own (`codemods/<name>.py`) or, when it owns helpers, in a package
(`codemods/<name>/`, the rule class in any of its modules, exported from its `__init__`)."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from optfix.rulekit.rule import Rule


@cache
def all_rules() -> tuple[type[Rule], ...]:
    """Every rule in optfix.codemods, ordered by id."""
    import optfix.codemods as package

    found = []
    for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
        module = importlib.import_module(info.name)
        found += [
            obj
            for obj in vars(module).values()
            # type(obj), not isinstance(): the latter would load a lazily imported module.
            if issubclass(type(obj), type) and issubclass(obj, Rule) and obj is not Rule and _defined_in(obj, module.__name__)
        ]
    if not found:  # never "nothing to change" because the rules could not be read
        raise RuntimeError(f"no rules found in {list(package.__path__)}: the installation is incomplete or not readable")
    return tuple(sorted(found, key=lambda rule: rule.id))


def rules_by_id() -> dict[str, type[Rule]]:
    return {rule.id: rule for rule in all_rules()}


def _defined_in(rule: type[Rule], module: str) -> bool:
    """A rule belongs to the module that defines it, or to the package whose module does."""
    return rule.__module__ == module or rule.__module__.startswith(module + ".")
