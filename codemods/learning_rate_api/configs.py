"""Optimizer config dicts reached through names: `cfg = {'class_name': ..., 'config': settings}`
given to `compile` or `optimizers.get`, with `settings = {'lr': ...}` built elsewhere in the file."""

from __future__ import annotations

from collections.abc import Callable

from optfix.analysis.tree import descendants
from optfix.lazy import libcst as cst
from optfix.codemods.learning_rate_api.literals import string_keys


def named_configs(
    module: cst.Module, identifier: Callable[[cst.Call], cst.BaseExpression | None], literal_class: Callable[[cst.BaseExpression], bool]
) -> tuple[set[int], dict[int, bool]]:
    """(ids of the dicts given as an optimizer identifier through a name, {id of a config dict
    reached through a name: whether its identifier names a Keras optimizer class literally}).
    Names are followed by name across the file: any dict assigned to the name counts."""
    assigned: dict[str, list[cst.Dict]] = {}
    for node in descendants(module, cst.Assign):
        if isinstance(node.value, cst.Dict):
            for target in node.targets:
                if isinstance(target.target, cst.Name):
                    assigned.setdefault(target.target.value, []).append(node.value)
    if not assigned:
        return set(), {}
    identifiers: set[int] = set()
    configs: dict[int, bool] = {}
    for call in descendants(module, cst.Call):
        value = identifier(call)
        if value is None:
            continue
        candidates = assigned.get(value.value, []) if isinstance(value, cst.Name) else [value] if isinstance(value, cst.Dict) else []
        for candidate in candidates:
            keys = string_keys(candidate)
            if "class_name" not in keys or "config" not in keys:
                continue
            if candidate is not value:
                identifiers.add(id(candidate))
            config = candidate.elements[keys["config"]].value
            if isinstance(config, cst.Name):
                literal = literal_class(candidate.elements[keys["class_name"]].value)
                for settings in assigned.get(config.value, ()):
                    configs[id(settings)] = configs.get(id(settings), True) and literal
    return identifiers, configs
