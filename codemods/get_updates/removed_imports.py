"""Imports of Keras 2 modules Keras 3 removed (`keras.utils.generic_utils`, `keras.legacy.interfaces`):
the file fails to import on Keras 3. Reported in any file, from its top-level imports (one under a
`try` has a fallback); in a file where classes are migrated, an import nothing reads any more goes
with the migration's other imports instead."""

from __future__ import annotations

import ast

from optfix.analysis.tree import code, reads
from optfix.knowledge.backend import REMOVED_MODULES
from optfix.lazy import libcst as cst

_LAST_PARTS = tuple({module.rsplit(".", 1)[-1].encode() for module in REMOVED_MODULES})


def may_import_removed(data: bytes) -> bool:
    """The bytes stage: a file that may import one of them."""
    return b"keras" in data and any(part in data for part in _LAST_PARTS)


def imports_removed(tree: ast.Module) -> bool:
    """The `ast` stage: a top-level import of one of them."""
    for node in tree.body:
        if isinstance(node, ast.Import):
            dotted = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            dotted = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        else:
            continue
        if any(removed_module(name) for name in dotted):
            return True
    return False


def removed_module(dotted: str) -> str | None:
    """The module (or name) of REMOVED_MODULES that `dotted` is or lies in."""
    return next((m for m in REMOVED_MODULES if dotted == m or dotted.startswith(m + ".")), None)


class RemovedImports:
    """Handlers of the rule for the imports. The rule calls `removed_imports_go_if_unread()` for
    each migration it applies."""

    def __init__(self, file) -> None:
        super().__init__(file)
        self.migrated = False  # a class of the file was migrated: unread imports of removed modules go

    def removed_imports_go_if_unread(self) -> None:
        imports = self.file.imports
        self.migrated = True
        for name, origin in imports.origins.items():
            if name not in imports.rebound and removed_module(imports.binding(name)):
                self.file.remove_import_if_unused(*origin)

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        imports = self.file.imports
        still_read = {name.value for name in reads(updated)} if self.migrated else None
        for statement in original.body:
            if not (isinstance(statement, cst.SimpleStatementLine) and isinstance(statement.body[0], (cst.Import, cst.ImportFrom))):
                continue
            node = statement.body[0]
            source = None if isinstance(node, cst.Import) else code(node.module) if node.module and not node.relative else ""
            found: dict[str, list[str]] = {}  # removed module -> the names imported from it
            for alias in node.names if isinstance(node.names, (list, tuple)) else ():
                bound = code(alias.asname.name) if alias.asname else code(alias.name).split(".")[0]
                dotted = code(alias.name) if source is None else f"{source}.{code(alias.name)}"
                module = removed_module(dotted) if source != "" else None
                if module is not None and bound not in imports.rebound and (still_read is None or bound in still_read):
                    found.setdefault(module, []).append(bound if dotted != module else "")
            for module, names in found.items():
                named = [name for name in names if name]
                what = f"{', '.join(named)} {'is' if len(named) == 1 else 'are'} imported from {module}" if named else f"{module} is imported"
                migrated = f", and this file, migrated to Keras 3, still uses {'it' if len(names) == 1 else 'them'}" if self.migrated else ""
                self.report(statement, f"{what}, which Keras 3 removed{migrated}: the file would fail to import; {REMOVED_MODULES[module]}")
        return updated
