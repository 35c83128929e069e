"""Name and Attribute chains (`a.b.c`) read as the dotted names they spell, in `ast` trees and in
libcst trees. Anything else (a call, a subscript, a string) spells no dotted name."""

from __future__ import annotations

import ast

from optfix.lazy import libcst as cst


def ast_chain(node: ast.AST) -> list[str]:
    """`a.b.c` as ['a', 'b', 'c']; [] for anything but a Name or Attribute chain."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return []
    parts.append(node.id)
    return parts[::-1]


def ast_dotted(node: ast.AST) -> str | None:
    """`a.b.c` for a Name or Attribute chain, else None."""
    return ".".join(ast_chain(node)) or None


def ast_last_name(node: ast.AST) -> str | None:
    """The name an expression ends with: `c` of `a.b.c` and of `f().c`, `a` of `a`; None for
    anything but a Name or an Attribute."""
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else None


def cst_chain(node: cst.CSTNode) -> list[str]:
    """`a.b.c` as ['a', 'b', 'c']; [] for anything but a Name or Attribute chain."""
    parts = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return []
    parts.append(node.value)
    return parts[::-1]


def cst_dotted(node: cst.CSTNode) -> str | None:
    """`a.b.c` for a Name or Attribute chain, else None."""
    return ".".join(cst_chain(node)) or None


def cst_last_name(node: cst.CSTNode) -> str | None:
    """The name an expression ends with: `c` of `a.b.c` and of `f().c`, `a` of `a`; None for
    anything but a Name or an Attribute."""
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return node.value if isinstance(node, cst.Name) else None
