"""The dotted names a module's code may stand for, read from its `ast`: a prefilter's view of
what `ImportTable` resolves.

`import tensorflow.compat.v1 as tf` then `tf.train.AdamOptimizer` may stand for
`tensorflow.compat.v1.train.AdamOptimizer`. Every name is also taken as written, and every
binding of a name counts (imports anywhere, alias assignments such as `v1 = tf.compat.v1`), so
the set holds every name the table could give, and more: a prefilter built on it may let a file
through for nothing, never keep one out that a rule would act on. Given the path of the file the
tree was read from (`read_from`), a star import of a project module counts as the imports it stands
for (star_imports.py).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from optfix.analysis.ast_nodes import every_node
from optfix.analysis.bindings import STAR, imports_and_aliases
from optfix.analysis.chains import ast_chain
from optfix.analysis.star_imports import is_project_star, star_bindings, star_module


def read_from(tree: ast.Module, path: Path | None) -> None:
    """Note that `tree` is the code of the file at `path`, whose star imports of the project's own
    modules are then followed."""
    tree.optfix_source_path = path


def source_path(tree: ast.Module) -> Path | None:
    return tree.__dict__.get("optfix_source_path")


class PossibleNames:
    """The bindings of a module's names, read once."""

    def __init__(self, tree: ast.Module) -> None:
        self.bindings: dict[str, set[str]] = defaultdict(set)
        self.imported: set[str] = set()  # what the imports import: `from a.b import c` gives `a.b.c`
        path = source_path(tree)
        for binding in imports_and_aliases(tree):
            if binding.chain:  # an alias: `v1 = tf.compat.v1`
                self.bindings[binding.name].update(self._expansions(list(binding.chain)))
            elif binding.name == STAR:
                module = star_module(binding.imported)
                if path is not None and is_project_star(path, module):
                    for name, qualified in (star_bindings(path, module) or {}).items():
                        if qualified is not None:
                            self.bindings[name].add(qualified)
            else:
                self.imported.add(binding.imported)
                self.bindings[binding.name].add(binding.path)
        self.chains = list(_outermost_chains(tree))  # every outermost Name or Attribute chain in the code

    def of(self, node: ast.expr) -> set[str]:
        """What a Name or Attribute chain may stand for; nothing for any other expression."""
        chain = ast_chain(node)
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


def _outermost_chains(tree: ast.Module) -> Iterator[list[str]]:
    """The Name and Attribute chains that are no part of a longer one."""
    inner: set[int] = set()
    for node in every_node(tree):
        if isinstance(node, ast.Attribute):
            inner.add(id(node.value))
            chain = ast_chain(node) if id(node) not in inner else []
            if chain:
                yield chain
        elif isinstance(node, ast.Name) and id(node) not in inner:
            yield [node.id]
