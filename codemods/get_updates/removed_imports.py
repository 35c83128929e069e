"""Imports of Keras 2 modules Keras 3 removed (`keras.utils.generic_utils`, `keras.legacy.interfaces`):
the file, or the function or branch holding the import, fails on Keras 3. Reported in any file,
wherever the import is (module level, a function, an `if` block), but for imports with a
fallback: under a `try` that catches ImportError, or in a branch of an `if` whose other branch
imports the same names from modules Keras 3 has (a version or backend switch; a branch that
binds them otherwise, `tfb = None`, is no such alternative: the test may pick the import on Keras 3). In a file where
classes are migrated, an import nothing reads any more goes with the migration's other imports
instead."""

from __future__ import annotations

import ast

from optfix.analysis.tree import code, reads
from optfix.knowledge.backend import REMOVED_MODULES
from optfix.knowledge.namespaces import KERAS_ROOTS, keras_member
from optfix.lazy import libcst as cst

_LAST_PARTS = tuple({module.rsplit(".", 1)[-1].encode() for module in REMOVED_MODULES})


def may_import_removed(data: bytes) -> bool:
    """The bytes stage: a file that may import one of them."""
    return b"keras" in data and any(part in data for part in _LAST_PARTS)


def imports_removed(tree: ast.Module) -> bool:
    """The `ast` stage: an import of one of them, anywhere."""
    for node in ast.walk(tree):
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
        for origin in _other_names_of_keras_reexports(imports):
            self.file.remove_import_if_unused(*origin)

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        still_read = {name.value for name in reads(updated)} if self.migrated else None
        top_level = {id(small) for statement in original.body if isinstance(statement, cst.SimpleStatementLine) for small in statement.body}
        for node in _imports_without_fallback(original.body):
            source = None if isinstance(node, cst.Import) else code(node.module) if node.module and not node.relative else ""
            found: dict[str, list[str]] = {}  # removed module -> the names imported from it
            for alias in node.names if isinstance(node.names, (list, tuple)) else ():
                bound = code(alias.asname.name) if alias.asname else code(alias.name).split(".")[0]
                dotted = code(alias.name) if source is None else f"{source}.{code(alias.name)}"
                module = removed_module(dotted) if source != "" else None
                if module is not None and (still_read is None or bound in still_read):
                    found.setdefault(module, []).append(bound if dotted != module else "")
            for module, names in found.items():
                named = [name for name in names if name]
                what = f"{', '.join(named)} {'is' if len(named) == 1 else 'are'} imported from {module}" if named else f"{module} is imported"
                fails = "the file would fail to import" if id(node) in top_level else "the import would fail where it runs"
                migrated = f", and this file, migrated to Keras 3, still uses {'it' if len(names) == 1 else 'them'}" if self.migrated else ""
                self.report(node, f"{what}, which Keras 3 removed{migrated}: {fails}; {REMOVED_MODULES[module]}")
        return updated


def _other_names_of_keras_reexports(imports) -> list[tuple[str, str | None, str | None]]:
    """The imports of names that are not Keras from a project module the file takes Keras from
    (`from .backend import backend as K, TF_KERAS`): once the migrated classes import Keras
    themselves, such a name left unread keeps the file importing a module written for Keras 2,
    which Keras 3 fails to import (`keras.engine`)."""
    reexports = {origin[0] for name, origin in imports.origins.items()
                 if origin[1] is not None and name not in imports.rebound
                 and _is_keras(imports.binding(name)) and not _is_keras(imports.bindings[name])}
    return [origin for name, origin in imports.origins.items()
            if origin[0] in reexports and origin[1] is not None and not _is_keras(imports.binding(name))]


def _is_keras(dotted: str) -> bool:
    return dotted in KERAS_ROOTS or keras_member(dotted) is not None


_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


def _imports_without_fallback(statements) -> list[cst.Import | cst.ImportFrom]:
    """The import statements among `statements` and in the blocks they hold, but those with a
    fallback: under a `try` that catches ImportError, or in an `if` branch whose other branch imports
    the same names from modules Keras 3 has."""
    found = []
    for statement in statements:
        if isinstance(statement, cst.SimpleStatementLine):
            found += [small for small in statement.body if isinstance(small, (cst.Import, cst.ImportFrom))]
        elif isinstance(statement, cst.Try) and _catches_import_errors(statement):
            found += [*_imports_without_fallback(_body(statement.orelse)), *_imports_without_fallback(_body(statement.finalbody))]
        elif isinstance(statement, cst.If):
            branches = _branches(statement)
            for index, branch in enumerate(branches):
                others = set().union(*(_bound(other) for number, other in enumerate(branches) if number != index))
                found += [node for node in _imports_without_fallback(branch) if not _bound_by(node) <= others]
        else:
            for block in (getattr(statement, "body", None), getattr(statement, "orelse", None), getattr(statement, "finalbody", None)):
                found += _imports_without_fallback(_body(block))
            for handler in getattr(statement, "handlers", ()):
                found += _imports_without_fallback(_body(handler.body))
    return found


def _body(block) -> list:
    """The statements of a block (an indented suite, a one-line suite, an else or finally)."""
    if block is None:
        return []
    if isinstance(block, (cst.Else, cst.Finally)):
        block = block.body
    if isinstance(block, cst.SimpleStatementSuite):
        return [cst.SimpleStatementLine(body=block.body)]
    return list(block.body) if isinstance(block, cst.IndentedBlock) else []


def _branches(statement: cst.If) -> list[list]:
    """The statements of each branch of an if / elif / else chain; an empty one where there is no else."""
    branches = [_body(statement.body)]
    while isinstance(statement.orelse, cst.If):
        statement = statement.orelse
        branches.append(_body(statement.body))
    branches.append(_body(statement.orelse))
    return branches


def _catches_import_errors(statement: cst.Try) -> bool:
    for handler in statement.handlers:
        caught = handler.type
        names = [] if caught is None else [element.value for element in caught.elements] if isinstance(caught, cst.Tuple) else [caught]
        if caught is None or any(code(name).rsplit(".", 1)[-1] in _IMPORT_ERRORS for name in names):
            return True
    return False


def _bound_by(node: cst.Import | cst.ImportFrom) -> set[str]:
    if isinstance(node.names, cst.ImportStar):
        return set()
    return {code(alias.asname.name) if alias.asname else code(alias.name).split(".")[0] for alias in node.names}


def _bound(statements: list) -> set[str]:
    """The names the statements import from modules Keras 3 has."""
    names: set[str] = set()
    for node in _imports_without_fallback(statements):
        source = "" if isinstance(node, cst.Import) or node.relative or not node.module else code(node.module)
        if not isinstance(node.names, cst.ImportStar) and not any(
                removed_module(f"{source}.{code(alias.name)}" if source else code(alias.name)) for alias in node.names):
            names |= _bound_by(node)
    return names
