"""Resolve names through a module's import statements, cheaply and without scope metadata.

`import tensorflow.compat.v1 as tf` makes `tf.train.AdamOptimizer` resolve to
`tensorflow.compat.v1.train.AdamOptimizer`; a name that no import binds resolves to None.
Imports anywhere in the file count (inside functions, try/except, if), the first binding wins.
"""

from __future__ import annotations

import libcst as cst


class ImportTable(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.bindings: dict[str, str] = {}
        # name -> (module, imported name, alias): the arguments libcst's import visitors take
        self.origins: dict[str, tuple[str, str | None, str | None]] = {}

    @classmethod
    def of(cls, module: cst.Module) -> ImportTable:
        table = cls()
        module.visit(table)
        return table

    def on_visit(self, node: cst.CSTNode) -> bool:
        # Only statements can hold imports: never descend into expressions.
        if isinstance(node, cst.Import):
            for alias in node.names:
                dotted = _dotted(alias.name)
                if alias.asname is not None:
                    self._bind(_bound_name(alias), dotted, (dotted, None, _bound_name(alias)))
                else:
                    head = dotted.split(".")[0]
                    self._bind(head, head, (dotted, None, None))
            return False
        if isinstance(node, cst.ImportFrom):
            if not isinstance(node.names, cst.ImportStar):
                base = "." * len(node.relative) + (_dotted(node.module) if node.module else "")
                for alias in node.names:
                    joiner = "" if base.endswith(".") or not base else "."
                    name, asname = _dotted(alias.name), alias.asname and _bound_name(alias)
                    self._bind(_bound_name(alias), f"{base}{joiner}{name}", (base, name, asname))
            return False
        return isinstance(node, (cst.Module, cst.BaseStatement, cst.BaseSuite, cst.ExceptHandler,
                                 cst.ExceptStarHandler, cst.Else, cst.Finally, cst.MatchCase))

    def _bind(self, name: str, qualified: str, origin: tuple[str, str | None, str | None]) -> None:
        if name not in self.bindings:
            self.bindings[name] = qualified
            self.origins[name] = origin

    def head_origin(self, node: cst.CSTNode) -> tuple[str, str | None, str | None] | None:
        """The import that binds the leftmost name of a Name or Attribute chain."""
        while isinstance(node, cst.Attribute):
            node = node.value
        return self.origins.get(node.value) if isinstance(node, cst.Name) else None

    def name_for(self, *qualified: str) -> str | None:
        """A name the file binds to one of `qualified` (in order of preference)."""
        for wanted in qualified:
            for name, bound in self.bindings.items():
                if bound == wanted:
                    return name
        return None

    def qualified_name(self, node: cst.CSTNode) -> str | None:
        """The dotted name `node` (a Name or Attribute chain) stands for, through the imports."""
        parts = []
        while isinstance(node, cst.Attribute):
            parts.append(node.attr.value)
            node = node.value
        if not isinstance(node, cst.Name) or node.value not in self.bindings:
            return None
        return ".".join([self.bindings[node.value], *reversed(parts)])

    def is_imported(self, name: str) -> bool:
        return name in self.bindings


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    raise TypeError(f"not a dotted name: {node!r}")


def _bound_name(alias: cst.ImportAlias) -> str:
    if alias.asname is not None:
        return _dotted(alias.asname.name)
    return _dotted(alias.name)
