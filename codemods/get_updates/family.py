"""A base class of the file's own that is a Keras 2 optimizer, and its subclasses that define
get_updates: migrated together, or none of them (see hierarchy)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from optfix.rulekit.class_code import Problem
from optfix.codemods.get_updates.hierarchy import methods_of, subclasses
from optfix.codemods.get_updates.migration import Migration, Names
from optfix.lazy import libcst as cst
from optfix.rulekit.rule import FileContext


@dataclass
class Family:
    parent: cst.ClassDef
    members: list[cst.ClassDef]  # the parent, then its subclasses
    migrations: dict[int, Migration] = field(default_factory=dict)  # by id of the member
    results: dict[int, cst.ClassDef | None] = field(default_factory=dict)

    @property
    def migrated(self) -> bool:
        return all(self.results.get(id(member)) is not None for member in self.members)

    def problems(self, member: cst.ClassDef) -> list[Problem]:
        """Why `member` is not migrated: its own problems, or those of the family."""
        migration = self.migrations.get(id(member))
        own = migration.located_problems() if migration is not None and self.results.get(id(member)) is None else []
        if own:
            return own
        failed = [m.name.value for m in self.members if m is not member and self.results.get(id(m)) is None]
        return [Problem(member.name, f"it is migrated together with {', '.join(failed)} of the same file, which cannot be "
                                     "(see there): a Keras 3 class cannot derive from a Keras 2 one, nor the reverse")]


def parent_of(module: cst.Module, node: cst.ClassDef, is_legacy: Callable[[cst.ClassDef], bool]) -> cst.ClassDef | None:
    """The class of the family `node` belongs to that derives from Keras 2's base class: `node`
    itself, or its base class of the same module; None where `node` belongs to no family."""
    classes = {s.name.value: s for s in module.body if isinstance(s, cst.ClassDef)}
    if classes.get(node.name.value) is node and _is_parent(module, node, is_legacy):
        return node
    for arg in node.bases:
        if isinstance(arg.value, cst.Name) and (parent := classes.get(arg.value.value)) is not None and _is_parent(module, parent, is_legacy):
            return parent
    return None


def _is_parent(module: cst.Module, node: cst.ClassDef, is_legacy: Callable[[cst.ClassDef], bool]) -> bool:
    methods = methods_of(node)
    return (is_legacy(node) and "get_updates" not in methods and "__init__" in methods
            and any("get_updates" in methods_of(child) for child in subclasses(module, node.name.value)))


def migrate_family(file: FileContext, parent: cst.ClassDef, names: Names, global_norm: bool) -> Family:
    """The parent's migration, then each subclass's with what it needs of the parent's."""
    children = subclasses(file.module, parent.name.value)
    family = Family(parent, [parent, *children])
    migration = Migration(file, parent, names, global_norm=global_norm)
    family.migrations[id(parent)] = migration
    family.results[id(parent)] = migration.run()
    if family.results[id(parent)] is None:
        return family
    for child in children:
        methods = methods_of(child)
        child_migration = Migration(file, child, names, parent=migration.as_parent())
        family.migrations[id(child)] = child_migration
        if "get_updates" not in methods or "update_step" in methods:
            child_migration.problem(child.name, f"it derives from {parent.name.value}, a Keras 2 optimizer of this file, "
                                                "but defines no get_updates to migrate with it")
            family.results[id(child)] = None
            continue
        family.results[id(child)] = child_migration.run()
    return family
