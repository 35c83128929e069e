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


def reads(node: cst.CSTNode, heads: bool = False) -> list[cst.Name]:
    """The names `node` reads, in the order of the code: not attributes' names, keywords, or
    the names of import statements. `heads`: only those read as a namespace, `K` of `K.sqrt`."""
    found: list[cst.Name] = []

    class _Reads(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            if not heads:
                found.append(name)

        def visit_Attribute(self, attribute: cst.Attribute) -> bool:
            if heads and isinstance(attribute.value, cst.Name):
                found.append(attribute.value)
            attribute.value.visit(self)
            return False

        def visit_Arg(self, arg: cst.Arg) -> bool:
            arg.value.visit(self)
            return False

        def visit_Import(self, node: cst.Import) -> bool:
            return False

        def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
            return False

    node.visit(_Reads())
    return found
