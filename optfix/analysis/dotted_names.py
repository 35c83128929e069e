"""The dotted names a module's code may stand for, read from its `ast`: a prefilter's view of
what `ImportTable` resolves.

`import tensorflow.compat.v1 as tf` then `tf.train.AdamOptimizer` may stand for
`tensorflow.compat.v1.train.AdamOptimizer`. Every name is also taken as written, and every
binding of a name counts (imports anywhere, alias assignments such as `v1 = tf.compat.v1`), so
the set holds every name the table could give, and more: a prefilter built on it may let a file
through for nothing, never keep one out that a rule would act on.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator

from optfix.analysis.ast_nodes import every_node


class PossibleNames:
    """The bindings of a module's names, read once."""

    def __init__(self, tree: ast.Module) -> None:
        self.bindings: dict[str, set[str]] = defaultdict(set)
        self.imported: set[str] = set()  # what the imports import: `from a.b import c` gives `a.b.c`
        self.chains: list[list[str]] = []  # every outermost Name or Attribute chain in the code
        for node in sorted(_statements_and_chains(tree), key=_position):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    self.imported.add(alias.name)
                    if alias.asname:
                        self.bindings[alias.asname].add(alias.name)
            elif isinstance(node, ast.ImportFrom):
                module = "." * node.level + (node.module or "")
                for alias in node.names:
                    qualified = f"{module}.{alias.name}" if module and not module.endswith(".") else module + alias.name
                    self.imported.add(qualified)
                    self.bindings[alias.asname or alias.name].add(qualified)
            elif isinstance(node, ast.Assign):  # an alias: `v1 = tf.compat.v1`
                self.bindings[node.targets[0].id].update(self._expansions(_chain(node.value)))
            else:
                self.chains.append(_chain(node))

    def of(self, node: ast.expr) -> set[str]:
        """What a Name or Attribute chain may stand for; nothing for any other expression."""
        chain = _chain(node)
        return self._expansions(chain) if chain else set()

    def everywhere(self) -> set[str]:
        """What every chain in the code may stand for, and what the imports import."""
        return self.imported.union(*map(self._expansions, self.chains))

    def _expansions(self, chain: list[str]) -> set[str]:
        head, rest = chain[0], chain[1:]
        return {".".join([start, *rest]) for start in self.bindings.get(head, set()) | {head}}


def possible_names(tree: ast.Module) -> set[str]:
    """Every dotted name a Name or Attribute chain of `tree` may stand for, and every name its
    imports import."""
    return PossibleNames(tree).everywhere()


def _statements_and_chains(tree: ast.Module) -> Iterator[ast.AST]:
    """Imports, alias assignments and the outermost Name or Attribute chains, in any order."""
    inner: set[int] = set()
    for node in every_node(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) and _chain(node.value):
            yield node
        elif isinstance(node, ast.Attribute):
            inner.add(id(node.value))
            if id(node) not in inner and _chain(node):
                yield node
        elif isinstance(node, ast.Name) and id(node) not in inner:
            yield node


def _position(node: ast.AST) -> tuple[int, int]:
    return node.lineno, node.col_offset


def _chain(node: ast.AST) -> list[str]:
    """`a.b.c` as ['a', 'b', 'c']; [] for anything but a Name or Attribute chain."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return []
    parts.append(node.id)
    return parts[::-1]
