"""An OptimizerV2 optimizer split over classes of one file: a base class of the file's own
(`class _Base(tf.keras.optimizers.Optimizer)`, holding `__init__`, the hyperparameters, helpers and
get_config) and subclasses that make the updates (`_create_slots`, `_resource_apply_dense`).

Each subclass is migrated as the one class it is at run time: the base class's statements, then
its own, read together by one Migration; the migrated statements then go back to the class they
came from. The base class must come out the same for every subclass (a decay folded into its
`__init__` for one subclass must be folded for all), or none is migrated: a Keras 3 class cannot
derive from a tf.keras 2 one, nor the reverse. A subclass's own `__init__` that only passes its
arguments on (`kwargs["name"] = ...; super().__init__(*args, **kwargs)`) is kept as written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from optfix.analysis.tree import code, descendants
from optfix.codemods.optimizer_v2.migration import Migration, Names
from optfix.knowledge.keras import OPTIMIZER_V2_API
from optfix.knowledge.optimizer_v2 import DENSE, SLOTS, SPARSE
from optfix.lazy import libcst as cst
from optfix.rulekit.class_code import Problem, is_docstring, is_self_attribute

if TYPE_CHECKING:
    from optfix.rulekit.rule import FileContext

_UPDATES = (DENSE, SLOTS, *SPARSE)


@dataclass
class Family:
    parent: cst.ClassDef
    children: list[cst.ClassDef]
    migrations: dict[int, Migration] = field(default_factory=dict)  # by id of the subclass
    results: dict[int, cst.ClassDef] = field(default_factory=dict)  # by id of each member, where all migrate
    problems: dict[int, list[Problem]] = field(default_factory=dict)  # by id of the subclass that cannot be

    @property
    def migrated(self) -> bool:
        return not self.problems

    @property
    def lazy(self) -> bool:
        """A subclass's sparse method became update_step's tf.IndexedSlices branch: an unsafe fix,
        for the whole family."""
        return any(m.lazy for m in self.migrations.values())

    def why_not(self, member: cst.ClassDef) -> list[Problem]:
        """Why `member` is not migrated: its own problems, or those of the family."""
        own = self.problems.get(id(member))
        if own:
            return own
        failed = [c.name.value for c in self.children if id(c) in self.problems and c is not member]
        return [Problem(member.name, f"it is migrated together with {', '.join(failed)} of the same file, which cannot be "
                                     "(see there): a Keras 3 class cannot derive from a tf.keras 2 one, nor the reverse")]


def subclasses(module: cst.Module, name: str) -> list[cst.ClassDef]:
    """The module-level classes of the module that derive from the class `name` by that name."""
    return [s for s in module.body if isinstance(s, cst.ClassDef)
            and any(isinstance(a.value, cst.Name) and a.value.value == name for a in s.bases)]


def _methods(node: cst.ClassDef) -> dict[str, cst.FunctionDef]:
    return {s.name.value: s for s in node.body.body if isinstance(s, cst.FunctionDef)}


def _same_file_base(module: cst.Module, node: cst.ClassDef) -> cst.ClassDef | None:
    classes = {s.name.value: s for s in module.body if isinstance(s, cst.ClassDef)}
    named = [classes.get(a.value.value) for a in node.bases if isinstance(a.value, cst.Name)]
    return next((c for c in named if c is not None and c is not node), None)


def family_parent(module: cst.Module, node: cst.ClassDef, extends_optimizer_v2: Callable[[cst.ClassDef], bool]) -> cst.ClassDef | None:
    """The base class of the family `node` belongs to (`node` itself, or its base class of the
    file): a class of tf.keras 2's Optimizer that makes no update, whose subclasses in the file
    all do through OptimizerV2's methods. None where `node` belongs to no such family."""
    for candidate in (node, _same_file_base(module, node)):
        if candidate is None or any(name in _methods(candidate) for name in _UPDATES) or not extends_optimizer_v2(candidate):
            continue
        children = subclasses(module, candidate.name.value)
        if children and all(DENSE in _methods(c) and "get_updates" not in _methods(c) for c in children) \
                and (candidate is node or node in children):
            return candidate
    return None


def shared_with_get_updates(module: cst.Module, node: cst.ClassDef) -> str | None:
    """The finding for a class written on the OptimizerV2 API whose base class of the file is also
    the base class of a Keras 2.2 optimizer (get_updates) of the file; None for other classes."""
    parent = _same_file_base(module, node)
    if parent is None or DENSE not in _methods(node):
        return None
    keras2 = [c.name.value for c in subclasses(module, parent.name.value) if "get_updates" in _methods(c)]
    if not keras2:
        return None
    return (f"{node.name.value} not migrated to Keras 3: its base class {parent.name.value} is also the base class of "
            f"{', '.join(keras2)}, a Keras 2.2 optimizer (get_updates) of the same file, which rule get-updates migrates "
            f"or reports; one {parent.name.value} cannot be a Keras 3 class for {node.name.value} and stay a Keras 2 one "
            f"for {keras2[0]} (a Keras 3 class cannot derive from a Keras 2 one, nor the reverse): give {node.name.value} "
            f"a copy of {parent.name.value} of its own and run optfix again")


def migrate(file: FileContext, parent: cst.ClassDef, names: Names) -> Family:
    """Each subclass's migration, and the base class's, which every subclass must agree on."""
    family = Family(parent, subclasses(file.module, parent.name.value))
    parent_versions: dict[str, list[str]] = {}  # by subclass: each statement of the base class, migrated for it
    for child in family.children:
        merged, kept_init, problem = _merged(parent, child)
        migration = family.migrations[id(child)] = Migration(file, merged, names)
        if problem is not None:
            family.problems[id(child)] = [problem]
            continue
        result = migration.run()
        if result is None:
            family.problems[id(child)] = migration.located_problems()
            continue
        parts = dict(zip(migration.origins, result.body.body))
        own_parent = _rebuilt(parent, parts, None)
        version = [code(parts[id(s)]) if id(s) in parts else "" for s in parent.body.body]
        first = next(iter(parent_versions), None)
        if first is not None and version != parent_versions[first]:
            where = next(s for s, ours, theirs in zip(parent.body.body, version, parent_versions[first]) if ours != theirs)
            what = f"{where.name.value}()" if isinstance(where, cst.FunctionDef) else "a statement"
            family.problems[id(child)] = [Problem(child.name, f"its base class {parent.name.value} would be migrated otherwise for it "
                                                              f"than for {first} (its {what}), and one base class serves both")]
            continue
        parent_versions[child.name.value] = version
        family.results[id(parent)] = own_parent
        family.results[id(child)] = _rebuilt(child, parts, kept_init)
    return family


def _merged(parent: cst.ClassDef, child: cst.ClassDef) -> tuple[cst.ClassDef, cst.FunctionDef | None, Problem | None]:
    """The class the subclass is at run time: the base class's statements, then its own (its
    docstring first, its pass-through __init__ left out); the __init__ kept, or why not."""
    own = _methods(child)
    overridden = [name for name in own if name in _methods(parent) and name != "__init__"]
    if overridden:
        return child, None, Problem(own[overridden[0]], f"it overrides {overridden[0]}() of {parent.name.value}, its base class "
                                                        "of the same file: optfix migrates a family whose subclasses add methods")
    init = own.get("__init__")
    if init is not None and (_uses_the_api(init) or "__init__" not in _methods(parent)):
        return child, None, Problem(init, f"its __init__ does more than pass its arguments on to {parent.name.value}'s "
                                          "(it sets hyperparameters): optfix migrates a family whose base class sets them all")
    docstring = [s for s in child.body.body[:1] if is_docstring(s)]
    inherited = [s for s in parent.body.body if not is_docstring(s)]
    statements = [*docstring, *inherited, *(s for s in child.body.body if s is not init and s not in docstring)]
    return child.with_changes(bases=parent.bases, body=child.body.with_changes(body=statements)), init, None


def _uses_the_api(method: cst.FunctionDef) -> bool:
    """A method that calls OptimizerV2's methods on self (`_set_hyper`) or reads its decay."""
    return any(is_self_attribute(a) and (a.attr.value in OPTIMIZER_V2_API or a.attr.value == "_initial_decay")
               for a in descendants(method, cst.Attribute))


def _rebuilt(node: cst.ClassDef, parts: dict[int, cst.BaseStatement], kept_init: cst.FunctionDef | None) -> cst.ClassDef:
    """`node` with each of its statements migrated (gone where the migration dropped it), its
    docstring and kept __init__ as written."""
    body = []
    for statement in node.body.body:
        if statement is kept_init or is_docstring(statement) and statement is node.body.body[0]:
            body.append(statement)
        elif id(statement) in parts:
            body.append(parts[id(statement)])
    return node.with_changes(body=node.body.with_changes(body=body))
