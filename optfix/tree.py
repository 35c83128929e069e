"""Walking a libcst subtree."""

from __future__ import annotations

from optfix.lazy import libcst as cst


def descendants(node: cst.CSTNode, kind: type) -> list:
    """Every node of type `kind` inside `node` (itself included), in the order of the code."""
    found = []

    class _Collect(cst.CSTVisitor):
        def on_visit(self, child: cst.CSTNode) -> bool:
            if isinstance(child, kind):
                found.append(child)
            return True

    node.visit(_Collect())
    return found
