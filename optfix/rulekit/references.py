"""What a name in the tree is doing: read as a value, called, bound, or only spelled.

A rule that rewrites references to a class (not only calls of it) mixes in `ValueReferences`: on
the way down it notes which Names are not values (attribute names, keywords, assignment targets,
parameters, imports), which expressions are called or have an attribute taken, and whether the
traversal is inside a type check or an annotation. Its own work on calls goes in `on_call`, which
runs when a call is left, after the bookkeeping. A rule that only needs to know whether it is
inside an import statement mixes in `ImportContext`.
"""

from __future__ import annotations

from optfix.lazy import libcst as cst
from optfix.rulekit.rule import FileContext

_TYPE_CHECKS = frozenset({"isinstance", "issubclass"})


class ImportContext:
    """`import_context`: whether the traversal is inside an import statement, where names are
    spelled, not read."""

    def __init__(self, file: FileContext) -> None:
        super().__init__(file)
        self.import_context = 0

    def visit_Import(self, node: cst.Import) -> None:
        self.import_context += 1

    def leave_Import(self, original: cst.Import, updated: cst.Import) -> cst.Import:
        self.import_context -= 1
        return updated

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self.import_context += 1

    def leave_ImportFrom(self, original: cst.ImportFrom, updated: cst.ImportFrom) -> cst.ImportFrom:
        self.import_context -= 1
        return updated


class ValueReferences(ImportContext):
    def __init__(self, file: FileContext) -> None:
        super().__init__(file)
        self.called: set[int] = set()  # ids of expressions in call position
        self.not_values: set[int] = set()  # ids of Names that are not references (attr, keyword)
        self.attribute_bases: set[int] = set()  # ids of expressions followed by `.attr`
        self.type_context = 0  # inside isinstance()/issubclass() or an annotation

    def is_value(self, node: cst.BaseExpression) -> bool:
        """Whether a Name or Attribute is read as a value and not called (a class passed around)."""
        if id(node) in self.called or self.import_context:
            return False
        return not (isinstance(node, cst.Name) and id(node) in self.not_values)

    def on_call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        return updated

    def visit_Annotation(self, node: cst.Annotation) -> None:
        self.type_context += 1

    def leave_Annotation(self, original: cst.Annotation, updated: cst.Annotation) -> cst.Annotation:
        self.type_context -= 1
        return updated

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.not_values.add(id(node.attr))
        self.attribute_bases.add(id(node.value))

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self.not_values.add(id(node.keyword))

    def _binds(self, node: cst.CSTNode | None) -> None:
        """A name that is assigned, not read: never a reference to rewrite."""
        if isinstance(node, cst.Name):
            self.not_values.add(id(node))

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._binds(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._binds(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._binds(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._binds(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        self._binds(node.name)

    def visit_Param(self, node: cst.Param) -> None:
        self._binds(node.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._binds(node.target)

    def visit_MatchAs(self, node: cst.MatchAs) -> None:
        self._binds(node.name)

    def visit_MatchStar(self, node: cst.MatchStar) -> None:
        self._binds(node.name)

    def visit_MatchMapping(self, node: cst.MatchMapping) -> None:
        self._binds(node.rest)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._binds(node.name)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._binds(node.name)

    def visit_Call(self, node: cst.Call) -> None:
        self.called.add(id(node.func))
        if isinstance(node.func, cst.Name) and node.func.value in _TYPE_CHECKS:
            self.type_context += 1

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if isinstance(original.func, cst.Name) and original.func.value in _TYPE_CHECKS:
            self.type_context -= 1
        return self.on_call(original, updated)
