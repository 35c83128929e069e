"""A family of Keras 2 optimizers spread over modules of the project: a base class (`class
_Base(Optimizer)`, holding `__init__` and a helper that decays the learning rate) in one module,
subclasses with get_updates in others (`from .base import _Base`; `class Child(_Base)`).

Each module is rewritten on its own, so each one works out the whole family from the original
code of every module that holds a member (the engine writes no file of a run before it has read
them all), and takes its own members' part: every module comes to the same decision. The family
is migrated only where every one of those modules is in the run, given to this rule, readable,
and no member is kept as it is for a reason of its own module (a suppression, a class factory, a
use elsewhere in the project): otherwise nothing here applies, and the rule reports the members
as it does a class built on in another module."""

from __future__ import annotations

import ast
from pathlib import Path

from optfix.analysis.chains import ast_chain
from optfix.analysis.file_ignores import file_ignores
from optfix.analysis.project_imports import is_project_path, module_file
from optfix.analysis.project_users import shown_in_project, uses
from optfix.codemods.get_updates.project_classes import base_in_other_module
from optfix.lazy import lazy_import, libcst as cst
from optfix.rulekit.rule import FileContext

family = lazy_import("optfix.codemods.get_updates.family")  # the migration: libcst, loaded where a family is met
hierarchy = lazy_import("optfix.codemods.get_updates.hierarchy")


class ProjectFamilies:
    """A mixin of the rule, which supplies `_legacy_base`, `_names`, `_clips_global_norm`,
    `_unproven_project_imports`, `blocking_factory` and `project_blockers`."""

    def project_parent(self, node: cst.ClassDef) -> cst.ClassDef | None:
        """The base class of the family spread over modules that `node`, a class of this file,
        belongs to, once the family is worked out (in `_families`); None where `node` belongs to
        no such family, or the family cannot be migrated together."""
        found = self.__dict__.setdefault("_project_parents", {})
        if node.name.value not in found:
            found[node.name.value] = self._project_parent(node)
        return found[node.name.value]

    def _project_parent(self, node: cst.ClassDef) -> cst.ClassDef | None:
        if self.file.path is None or self.file.options.run is None:
            return None
        located = self._base_of(node)
        if located is None:
            return None
        base_file, name = located
        loaded = {path: self._original(path) for path in {base_file.resolve(), self.file.path.resolve()}}
        base = loaded[base_file.resolve()]
        parent = _class_named(base.module, name) if base is not None else None
        if parent is None or not self._is_parent(self._sibling(base), parent):
            return None
        members = [(base_file.resolve(), child) for child in hierarchy.subclasses(base.module, name)]
        elsewhere = [use for use in uses(base_file, name) if use.kind == "subclass"]
        if not elsewhere:
            return None  # a family of one file: the rule's own
        for use in elsewhere:
            path = use.path.resolve()
            if path not in loaded:
                loaded[path] = self._original(path)
            child = _class_named(loaded[path].module, use.what) if loaded[path] is not None else None
            if child is None:
                return None
            members.append((path, child))
        if not any("get_updates" in hierarchy.methods_of(child) for _, child in members):
            return None  # no Keras 2 optimizer derives from it (a family migrated already, read again)
        if node is not parent and not any(child is node for _, child in members):
            return None  # a subclass the project's readers do not see as one (only they find the family)
        if any(file is None or not self._given(path, file) for path, file in loaded.items()):
            return None
        rules = {path: self._sibling(file) for path, file in loaded.items()}
        family_uses = {(path, member.name.value) for path, member in members}
        for rule in rules.values():
            rule.__dict__["_family_uses"] = family_uses
        for path, member in [(base_file.resolve(), parent), *members]:
            why = _kept(rules[path], member)
            if why:
                place = shown_in_project(path, self.file.path)
                self.__dict__.setdefault("_kept_families", {})[node.name.value] = (
                    f"it is migrated together with its family over modules ({', '.join(m.name.value for m in [parent, *(c for _, c in members)])}), "
                    f"and {member.name.value} ({place}) stays as it is: {why}")
                return None
        return self._migrated_family(base_file.resolve(), name, [(path, member.name.value) for path, member in members], rules)

    def base_elsewhere(self, qualified: str, node: cst.ClassDef) -> str:
        """Why `node`, whose base class `qualified` is a class of another module, stays as it is."""
        self.project_parent(node)
        return self.__dict__.get("_kept_families", {}).get(node.name.value) or base_in_other_module(self.file.path, qualified, node)

    def _migrated_family(self, base_file: Path, name: str, members: list[tuple[Path, str]], rules: dict) -> cst.ClassDef:
        """The family migrated, each member in the terms of its own module; this file's members
        are this file's nodes, which the rule then replaces."""
        here = self.file.path.resolve()

        def context(path: Path):
            return (self.file, self._names()) if path == here else (rules[path].file, rules[path]._names())

        base_context, base_names = context(base_file)
        parent = _class_named(base_context.module, name)
        global_norm = rules[base_file]._clips_global_norm(rules[base_file]._legacy_base(parent))
        elsewhere = [(*context(path), _class_named(context(path)[0].module, member))
                     for path, member in members if path != base_file]
        family_made = family.migrate_family(base_context, parent, base_names, global_norm, elsewhere)
        files = {id(member): file for file, _, member in elsewhere}
        family_made.places = {id(member): shown_in_project(files.get(id(member), base_context).path, self.file.path)
                              for member in family_made.members if files.get(id(member), base_context) is not self.file}
        self._families[id(parent)] = family_made
        return parent

    def _base_of(self, node: cst.ClassDef) -> tuple[Path, str] | None:
        """The module and name of the class that would head `node`'s family: `node` itself, a
        base class of this file, or one imported from another module of the project."""
        module, path = self.file.module, self.file.path
        if _class_named(module, node.name.value) is not node:
            return None
        if self._is_parent(self, node):
            return path, node.name.value
        for arg in node.bases:
            if isinstance(arg.value, cst.Name) and (base := _class_named(module, arg.value.value)) is not None:
                return (path, base.name.value) if self._is_parent(self, base) else None
            qualified = self.file.imports.qualified_name(arg.value) or ""
            head, _, name = qualified.rpartition(".")
            if head and is_project_path(path, head) and (file := module_file(path, head)) is not None:
                return file, name
        return None

    @staticmethod
    def _is_parent(rule, node: cst.ClassDef) -> bool:
        methods = hierarchy.methods_of(node)
        return rule._legacy_base(node) is not None and "__init__" in methods and not {"get_updates", "update_step", "build"} & set(methods)

    def _given(self, path: Path, file: FileContext) -> bool:
        """Whether the run gives the module at `path` to this rule."""
        ignores = file_ignores(file.text, frozenset(file.rules))
        return self.file.options.run.runs(self.id, path) and (ignores is None or ignores.keeps(self.id))

    def _original(self, path: Path) -> FileContext | None:
        """The module at `path` as the run found it, None where it cannot be read or parsed; this
        file's, as the rule is given it (its nodes the rule's)."""
        rules = self.file.rules | {self.id}
        if path == self.file.path.resolve():
            return FileContext(self.file.module, self.file.text, self.file.options, self.file.suppressions, self.file.path, rules=rules)
        try:
            text = path.read_bytes().decode("utf-8")
            module = cst.parse_module(text)
        except (OSError, UnicodeDecodeError, cst.ParserSyntaxError, RecursionError):
            return None
        file = FileContext(module, text, self.file.options, path=path, rules=rules)
        from optfix.analysis.suppressions import Suppressions, may_suppress  # defines a libcst visitor: loads libcst

        if may_suppress(text):
            file.suppressions = Suppressions.of(module, rules)
        return file

    def _sibling(self, file: FileContext):
        """The rule on another module's original code: what it would decide there."""
        return type(self)(file)


def _kept(rule, member: cst.ClassDef) -> str | None:
    """Why the rule (on the member's module) keeps `member` as it is, whatever its family."""
    if rule.file.suppressed(rule.id, member):
        return f"an `# optfix: ignore` comment for {rule.id} covers it"
    unproven = rule._unproven_project_imports(member)
    if unproven:
        return unproven[0][1]
    factory = rule.blocking_factory(member)
    if factory is not None:
        return f"the class factory {factory.name.value}() of its module extends it, and its class cannot be migrated"
    blockers = rule.project_blockers(member)
    return blockers[0] if blockers else None


def _class_named(module: cst.Module, name: str) -> cst.ClassDef | None:
    return next((s for s in module.body if isinstance(s, cst.ClassDef) and s.name.value == name), None)


def may_head_a_family(data: bytes) -> bool:
    """The prefilter's test of a file's bytes: it may hold the base class of a family over
    modules, which defines no get_updates itself."""
    return b"Optimizer" in data and b"def __init__" in data


def heads_a_family(node: ast.AST) -> bool:
    """The prefilter's test of a statement: a class on a base class named Optimizer with an
    `__init__`, and neither get_updates nor update_step, nor the update methods of TF 1's or
    tf.keras 2's optimizers (such a class makes its own updates: no Keras 2.2 base class)."""
    if not (isinstance(node, ast.ClassDef) and any(ast_chain(base)[-1:] == ["Optimizer"] for base in node.bases)):
        return False
    methods = {item.name for item in node.body if isinstance(item, ast.FunctionDef)}
    return "__init__" in methods and not {"get_updates", "update_step", *_OWN_UPDATES} & methods


_OWN_UPDATES = ("_apply_dense", "_resource_apply_dense", "_apply_sparse", "_resource_apply_sparse", "_create_slots",
                "apply_gradients", "compute_gradients", "minimize")
