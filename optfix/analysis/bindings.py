"""What a module's statements bind its names to, read from its `ast`: imports (`import a.b as c`
binds `c` to `a.b`), alias assignments (`v1 = tf.compat.v1` binds `v1` to that chain) and, at
module level, every other binding, whose value optfix does not read.

The spelling of what an import binds is shared with the libcst import table (imports.py):
`import a.b` binds `a` to `a`, `from .m import x` binds `x` to `.m.x`, `from . import x` to `.x`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from optfix.analysis.ast_nodes import every_node
from optfix.analysis.chains import ast_chain

STAR = "*"  # the name a star import binds: any name at all


@dataclass(frozen=True)
class Binding:
    """A name a statement binds and, where optfix reads it, what to: an import's `path` or an
    assignment's `chain`. With neither, the value is unknown."""

    name: str
    line: int
    column: int
    path: str | None = None  # what an import binds the name to: `a` for `import a.b`, `.m.x` for `from .m import x`
    imported: str | None = None  # what the import imports: `a.b` for `import a.b`, `.m.x` for `from .m import x`
    chain: tuple[str, ...] = ()  # the Name or Attribute chain an assignment binds the name to

    @property
    def position(self) -> tuple[int, int]:
        return self.line, self.column


def import_binding(dotted: str, asname: str | None) -> tuple[str, str]:
    """The name `import dotted [as asname]` binds, and the path it binds it to."""
    if asname is not None:
        return asname, dotted
    head = dotted.split(".")[0]
    return head, head


def member_path(module: str, name: str) -> str:
    """The path `from module import name` binds `name` to: `module.name`, `.name` for `from . import name`."""
    joiner = "" if module.endswith(".") or not module else "."
    return f"{module}{joiner}{name}"


def from_module(statement: ast.ImportFrom) -> str:
    """The module a from-import reads, relative ones with their dots: `.backend`, `..`, `keras.optimizers`."""
    return "." * statement.level + (statement.module or "")


def import_bindings(statement: ast.Import | ast.ImportFrom) -> list[Binding]:
    """The names an import statement binds, in its order; a star import binds `STAR`."""
    line, column = statement.lineno, statement.col_offset
    found = []
    if isinstance(statement, ast.Import):
        for alias in statement.names:
            name, path = import_binding(alias.name, alias.asname)
            found.append(Binding(name, line, column, path, alias.name))
    else:
        module = from_module(statement)
        for alias in statement.names:
            path = member_path(module, alias.name)
            found.append(Binding(alias.asname or alias.name, line, column, path, path))
    return found


def alias_binding(statement: ast.Assign) -> Binding | None:
    """`v1 = tf.compat.v1`, `x = f()`: a single name assigned, with the chain assigned to it if
    the value is one; None for any other assignment."""
    if len(statement.targets) != 1 or not isinstance(statement.targets[0], ast.Name):
        return None
    return Binding(statement.targets[0].id, statement.lineno, statement.col_offset, chain=tuple(ast_chain(statement.value)))


def imports_and_aliases(tree: ast.AST) -> list[Binding]:
    """The bindings of the imports and of the alias assignments to a chain anywhere in `tree`, in
    any scope, in the order of the code."""
    found = []
    for node in every_node(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found += import_bindings(node)
        elif isinstance(node, ast.Assign):
            alias = alias_binding(node)
            if alias is not None and alias.chain:
                found.append(alias)
    return sorted(found, key=lambda binding: binding.position)


def module_level_bindings(tree: ast.Module) -> Iterator[Binding]:
    """Every binding of a module-level name, in the order of the code: in any branch of an `if` or
    a `try`, imports and alias assignments with what they bind, and as unknown the names any
    other statement binds (functions' and classes' insides excluded), an `except ... as` name and,
    last, a `global` of the name anywhere."""
    yield from _statements(tree.body)
    for node in ast.walk(tree):
        if isinstance(node, ast.Global):
            for name in node.names:
                yield Binding(name, node.lineno, node.col_offset)


def _statements(statements: list[ast.stmt]) -> Iterator[Binding]:
    for statement in statements:
        alias = alias_binding(statement) if isinstance(statement, ast.Assign) else None
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            yield from import_bindings(statement)
        elif alias is not None:
            yield alias
        elif isinstance(statement, ast.If):
            yield from _statements(statement.body)
            yield from _statements(statement.orelse)
        elif isinstance(statement, ast.Try) or type(statement).__name__ == "TryStar":
            for block in (statement.body, *(h.body for h in statement.handlers), statement.orelse, statement.finalbody):
                yield from _statements(block)
            for handler in statement.handlers:
                if handler.name:
                    yield Binding(handler.name, handler.lineno, handler.col_offset)
        else:
            for name in _stored(statement):
                yield Binding(name, statement.lineno, statement.col_offset)


def _stored(statement: ast.stmt) -> set[str]:
    """The module-level names a statement binds (functions' and classes' insides excluded)."""
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {statement.name}
    names = set()
    pending: list[ast.AST] = [statement]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            names.add(node.name)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.comprehension)):
            pending.extend(ast.iter_child_nodes(node))
    return names
