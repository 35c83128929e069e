"""The import edits as libcst's visitors make them: what optfix.engine.import_edits does
directly, node for node, and what it falls back to where it cannot decide as they would.

Each function is one step, in the order the engine makes them: drops (`from module import name`
whose reads a rule rewrote), `from . import x` no longer read, adds (AddImportsVisitor), removals
of imports no longer used (RemoveImportsVisitor, with libcst's scope metadata)."""

from __future__ import annotations

import libcst as cst

from optfix.analysis.tree import code, reads

Request = tuple[str, "str | None", "str | None"]  # (module, imported name, alias), as the rules give them

# libcst matches a relative import by its absolute name: this package stands for the file's.
PACKAGE = ".".join(f"_optfix_{level}" for level in range(16))


def drop(module: cst.Module, drops: list[Request]) -> cst.Module:
    return module.visit(_DropImports(drops))


def drop_unread_package_imports(module: cst.Module, removals: list[Request]) -> cst.Module:
    """libcst's RemoveImportsVisitor never removes `from . import x`: dropped here when nothing reads x."""
    unread = unread_package_imports(module, removals)
    return drop(module, unread) if unread else module


def unread_package_imports(module: cst.Module, removals: list[Request]) -> list[Request]:
    package = [r for r in removals if not r[0].strip(".") and r[1] is not None]
    if not package:
        return []
    read = {name.value for name in reads(module)}
    return [r for r in package if (r[2] or r[1]) not in read]


def add(module: cst.Module, additions: list[Request]) -> cst.Module:
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import AddImportsVisitor

    context = CodemodContext()
    for module_name, name, alias in additions:
        AddImportsVisitor.add_needed_import(context, module_name, name, alias)
    return AddImportsVisitor(context).transform_module(module)


def remove(module: cst.Module, removals: list[Request]) -> cst.Module:
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import RemoveImportsVisitor

    for batch in removal_rounds(removals):
        context = CodemodContext(full_module_name=f"{PACKAGE}.module", full_package_name=PACKAGE)
        for module_name, name, alias in batch:
            RemoveImportsVisitor.remove_unused_import(context, absolute(module_name), name, alias)
        module = RemoveImportsVisitor(context).transform_module(module)
    return module


def absolute(module_name: str) -> str:
    """`.backend` as libcst spells it from inside PACKAGE."""
    level = len(module_name) - len(module_name.lstrip("."))
    if not level:
        return module_name
    parts = PACKAGE.split(".")[: 16 - (level - 1)] + [part for part in module_name[level:].split(".") if part]
    return ".".join(parts)


def removal_rounds(removals: list[Request]) -> list[list[Request]]:
    """libcst's RemoveImportsVisitor keeps one alias per imported module, so `import m` and
    `import m as x` are removed in separate passes (almost always there is one)."""
    rounds: list[list[Request]] = []
    for module_name, name, alias in dict.fromkeys(removals):
        clash = name is None
        target = next((r for r in rounds if not (clash and any(m == module_name and n is None for m, n, _ in r))), None)
        if target is None:
            rounds.append(target := [])
        target.append((module_name, name, alias))
    return rounds


class _DropImports(cst.CSTTransformer):
    """`from module import name [as alias]` out of the module-level imports, for each one given."""

    def __init__(self, drops: list[Request]) -> None:
        super().__init__()
        self.drops = set(drops)

    def leave_ImportFrom(self, original: cst.ImportFrom, updated: cst.ImportFrom):
        if isinstance(updated.names, cst.ImportStar):
            return updated
        module = "." * len(updated.relative) + (code(updated.module) if updated.module else "")
        kept = [alias for alias in updated.names
                if (module, alias.evaluated_name, alias.evaluated_alias) not in self.drops]
        if len(kept) == len(updated.names):
            return updated
        if not kept:
            return cst.RemoveFromParent()
        return updated.with_changes(names=[*kept[:-1], kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)])

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False


def edit(module: cst.Module, drops: list[Request], additions: list[Request], removals: list[Request]) -> cst.Module:
    """Every step, by libcst's visitors alone."""
    if drops:
        module = drop(module, drops)
    if not (additions or removals):
        return module
    module = drop_unread_package_imports(module, removals)
    if additions:
        module = add(module, additions)
    return remove(module, removals) if removals else module
