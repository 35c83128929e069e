"""A base class of the file's own that is a Keras 2 optimizer, and its subclasses that define
get_updates: migrated together, or none of them (see hierarchy)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from optfix.rulekit.class_code import Problem
from optfix.codemods.get_updates.hierarchy import methods_of, subclasses
from optfix.codemods.get_updates.migration import Migration, Names
from optfix.knowledge.optimizer_v2 import DENSE, SLOTS, SPARSE
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

    rules: frozenset[str] = frozenset()  # the rules run on the file
    places: dict[int, str] = field(default_factory=dict)  # by id of the member: its module, where not this file

    def problems(self, member: cst.ClassDef) -> list[Problem]:
        """Why `member` is not migrated: its own problems, or those of the family. None for a
        subclass written on the tf.keras 2 optimizer API where optimizer-v2 runs: it reports it."""
        if written_for_optimizer_v2(member) and "optimizer-v2" in self.rules:
            return []
        migration = self.migrations.get(id(member))
        own = migration.located_problems() if migration is not None and self.results.get(id(member)) is None else []
        if own:
            return own
        failed = [m for m in self.members if m is not member and self.results.get(id(m)) is None]
        others = [m.name.value for m in failed if not written_for_optimizer_v2(m) and id(m) not in self.places]
        far = [f"{m.name.value} ({self.places[id(m)]})" for m in failed if not written_for_optimizer_v2(m) and id(m) in self.places]
        newer = [m.name.value for m in failed if written_for_optimizer_v2(m)]
        parts = [f"{', '.join(others)} of the same file, which cannot be (see there)"] if others else []
        parts += [f"{', '.join(far)} of another module, which cannot be (see there)"] if far else []
        parts += [f"{', '.join(newer)}, a subclass written on the tf.keras 2 optimizer API ({DENSE}), which get-updates "
                  "does not migrate"] if newer else []
        return [Problem(member.name, f"it is migrated together with {' and '.join(parts)}: a Keras 3 class cannot derive "
                                     "from a Keras 2 one, nor the reverse")]


def written_for_optimizer_v2(node: cst.ClassDef) -> bool:
    """A class that makes its updates through the tf.keras 2 optimizer's hooks, not get_updates."""
    methods = methods_of(node)
    return "get_updates" not in methods and any(name in methods for name in (DENSE, SLOTS, *SPARSE))


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


def migrate_family(file: FileContext, parent: cst.ClassDef, names: Names, global_norm: bool,
                   elsewhere: Sequence[tuple[FileContext, Names, cst.ClassDef]] = ()) -> Family:
    """The parent's migration, then each subclass's with what it needs of the parent's: those of
    the file, then those of other modules (`elsewhere`, each with its module and its terms)."""
    children = [(file, names, child) for child in subclasses(file.module, parent.name.value)] + list(elsewhere)
    family = Family(parent, [parent, *(child for _, _, child in children)], rules=file.rules)
    migration = Migration(file, parent, names, global_norm=global_norm)
    family.migrations[id(parent)] = migration
    family.results[id(parent)] = migration.run()
    if family.results[id(parent)] is None:
        return family
    for context, terms, child in children:
        methods = methods_of(child)
        child_migration = Migration(context, child, terms, parent=migration.as_parent())
        family.migrations[id(child)] = child_migration
        if "get_updates" not in methods or "update_step" in methods:
            child_migration.problem(child.name, f"it derives from {parent.name.value}, a Keras 2 optimizer of "
                                                f"{'this file' if context is file else 'the project'}, "
                                                "but defines no get_updates to migrate with it")
            family.results[id(child)] = None
            continue
        family.results[id(child)] = child_migration.run()
    return family
