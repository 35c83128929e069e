"""Resolve names through a module's import statements, cheaply and without scope metadata.

`import tensorflow.compat.v1 as tf` makes `tf.train.AdamOptimizer` resolve to
`tensorflow.compat.v1.train.AdamOptimizer`; a name that no import binds resolves to None.
Imports anywhere in the file count (inside functions, try/except, if); the first binding wins
where every import of the name agrees (the same path, one Keras member through two roots, as
a fallback's `except ImportError` imports it, or TensorFlow and its compat.v1 API), except that an alias assignment of an imported
name (`tf = tf.compat.v1`) rebinds it; a name imported as two different things is not trusted. A name
that anything else binds anywhere in the file (an assignment, a parameter, a def, a loop
variable, a lambda parameter, a comprehension target, `:=`, a match capture) is not trusted: it
resolves to None, so no rule rewrites what it may not be. Given the file's path, a name imported
from a module of the project's own resolves to what that module binds it to, where it proves
that to be Keras (project_imports.py): `from .backend import keras` can be `keras`; and a star
import of such a module binds the names that module binds (star_imports.py).
"""

from __future__ import annotations

import ast
import unicodedata
from pathlib import Path

import libcst as cst

from optfix.analysis.ast_nodes import every_node, quiet_parse
from optfix.analysis.bindings import import_binding, member_path
from optfix.analysis.chains import ast_chain, cst_chain, cst_dotted
from optfix.analysis.project_imports import Resolution, is_project_path, resolve
from optfix.analysis.star_imports import is_project_star, star_bindings
from optfix.analysis.tree import walk
from optfix.knowledge.keras import star_exported
from optfix.knowledge.namespaces import KERAS_ROOTS, TF1_API_ROOTS, TF2_API_ROOTS, keras_member


_HOLDS_STATEMENTS: dict[type, bool] = {}  # node type -> whether statements (and so imports) can be inside


class ImportTable(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.bindings: dict[str, str] = {}
        # name -> (module, imported name, alias): the arguments libcst's import visitors take
        self.origins: dict[str, tuple[str, str | None, str | None]] = {}
        self.also_from: dict[str, list[tuple[str, str | None, str | None]]] = {}  # the same thing imported again, another way
        self.rebound: set[str] = set()
        self.path: Path | None = None  # the file's, to find the project's own modules from
        self.through_stars: dict[str, str] = {}  # name -> what a star import of a project module binds it to
        self._project: dict[str, Resolution] = {}

    @classmethod
    def of(cls, module: cst.Module, text: str | None = None, path: Path | None = None) -> ImportTable:
        """The table of `module`, whose source is `text` (the code of the module if not given),
        read from the file `path` (None: imports of the project's own modules are not followed):
        from the code's `ast` where it reads the code, else from `module`."""
        code = module.code if text is None else text
        tree = _names_as_written(code)
        return cls.of_ast(tree, path) if tree is not None else cls.of_cst(module, code, path)

    @classmethod
    def of_cst(cls, module: cst.Module, text: str, path: Path | None = None) -> ImportTable:
        """The table, read from the libcst module of the code `text`."""
        table = cls()
        table.path = path
        walk(module, table)
        table.rebound |= expression_bindings(text, module)
        return table

    @classmethod
    def of_ast(cls, tree: ast.Module, path: Path | None = None) -> ImportTable:
        """The table, read from the `ast` of the code: the same statements in the same order as
        the libcst walk reads them (`of_cst`), where the names are as written (see `_names_as_written`)."""
        table = cls()
        table.path = path
        table._read(tree.body)
        table.rebound |= _expression_names(tree)
        return table

    def project_import(self, dotted: str) -> Resolution | None:
        """What `dotted`, a path through a name this file imports, stands for when the import is
        from a module of the project's own; None when it is not."""
        if self.path is None or not is_project_path(self.path, dotted):
            return None
        if dotted not in self._project:
            self._project[dotted] = resolve(self.path, dotted)
        resolution = self._project[dotted]
        return None if resolution.qualified == dotted else resolution

    def on_visit(self, node: cst.CSTNode) -> bool:
        # Only statements can hold imports: never descend into expressions.
        if isinstance(node, cst.Import):
            for alias in node.names:
                dotted, asname = cst_dotted(alias.name), _asname(alias)
                self._bind(*import_binding(dotted, asname), (dotted, None, asname))
            return False
        if isinstance(node, cst.ImportFrom):
            base = "." * len(node.relative) + (cst_dotted(node.module) if node.module else "")
            if isinstance(node.names, cst.ImportStar):
                self._bind_star(base)
            else:
                for alias in node.names:
                    name, asname = cst_dotted(alias.name), _asname(alias)
                    self._bind(asname or name, member_path(base, name), (base, name, asname))
            return False
        self._note_bindings(node)
        kind = type(node)
        descend = _HOLDS_STATEMENTS.get(kind)
        if descend is None:
            descend = _HOLDS_STATEMENTS[kind] = isinstance(node, (cst.Module, cst.BaseStatement, cst.BaseSuite, cst.ExceptHandler,
                                                                  cst.ExceptStarHandler, cst.Else, cst.Finally, cst.MatchCase))
        return descend

    def _note_bindings(self, node: cst.CSTNode) -> None:
        kind = type(node)  # exact types: isinstance() with libcst's classes is an abstract-class check
        if kind is cst.Assign:
            if isinstance(node.value, cst.Name) and node.value.value == "None":
                return  # `except ImportError: tf = None`: wherever `tf.x` runs, tf is still what was imported
            if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
                value = node.value
                # `tf = tf.compat.v1`; `opts = keras.optimizers` even where `keras` is not imported.
                alias = self.resolved_name(value) if isinstance(value, cst.Attribute) else self.qualified_name(value)
                if alias is not None:
                    self.bindings[node.targets[0].target.value] = alias
                    return
            for target in node.targets:
                self._rebind(target.target)
        elif kind is cst.AnnAssign or kind is cst.AugAssign or kind is cst.For:
            self._rebind(node.target)
        elif kind is cst.FunctionDef or kind is cst.ClassDef:
            self._rebind(node.name)
            if kind is cst.FunctionDef:
                params = node.params
                for param in (*params.posonly_params, *params.params, *params.kwonly_params, params.star_arg, params.star_kwarg):
                    if isinstance(param, cst.Param):
                        self._rebind(param.name)
        elif kind is cst.With or kind is cst.ExceptHandler:
            for item in getattr(node, "items", ()):
                if item.asname is not None:
                    self._rebind(item.asname.name)
            if kind is cst.ExceptHandler and node.name is not None:
                self._rebind(node.name.name)
        elif kind is cst.Global or kind is cst.Nonlocal:
            for item in node.names:
                self._rebind(item.name)

    def _read(self, body: list[ast.stmt]) -> None:
        """`on_visit` over `ast` statements: the imports, and what `_note_bindings` notes."""
        for node in body:
            kind = type(node)
            if kind is ast.Import:
                for alias in node.names:
                    self._bind(*import_binding(alias.name, alias.asname), (alias.name, None, alias.asname))
                continue
            if kind is ast.ImportFrom:
                base = "." * node.level + (node.module or "")
                if node.names[0].name == "*":
                    self._bind_star(base)
                else:
                    for alias in node.names:
                        self._bind(alias.asname or alias.name, member_path(base, alias.name), (base, alias.name, alias.asname))
                continue
            self._note_ast_bindings(node, kind)
            for field in ("body", "handlers", "orelse", "finalbody", "cases"):  # in libcst's order of the children
                inner = getattr(node, field, None)
                if not inner:
                    continue
                if field == "handlers" or field == "cases":
                    for part in inner:
                        if kind is ast.Try and part.name is not None:  # libcst notes no name of `except*`
                            self.rebound.add(part.name)
                        self._read(part.body)
                else:
                    self._read(inner)

    def _note_ast_bindings(self, node: ast.stmt, kind: type) -> None:
        if kind is ast.Assign:
            value = node.value
            if type(value) is ast.Constant and value.value is None:
                return  # as `_note_bindings`
            if len(node.targets) == 1 and type(node.targets[0]) is ast.Name:
                chain = ast_chain(value)
                alias = self.resolved(chain) if type(value) is ast.Attribute or (chain and chain[0] in self.bindings) else None
                if alias is not None:
                    self.bindings[node.targets[0].id] = alias
                    return
            for target in node.targets:
                self._rebind_ast(target)
        elif kind is ast.AnnAssign or kind is ast.AugAssign or kind is ast.For or kind is ast.AsyncFor:
            self._rebind_ast(node.target)
        elif kind is ast.FunctionDef or kind is ast.AsyncFunctionDef or kind is ast.ClassDef:
            self.rebound.add(node.name)
            if kind is not ast.ClassDef:
                args = node.args
                self.rebound.update(arg.arg for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg)
                                    if arg is not None)
        elif kind is ast.With or kind is ast.AsyncWith:
            for item in node.items:
                if item.optional_vars is not None:
                    self._rebind_ast(item.optional_vars)
        elif kind is ast.Global or kind is ast.Nonlocal:
            self.rebound.update(node.names)

    def _rebind_ast(self, target: ast.expr) -> None:
        kind = type(target)
        if kind is ast.Name:
            self.rebound.add(target.id)
        elif kind is ast.Tuple or kind is ast.List:
            for element in target.elts:
                self._rebind_ast(element)
        elif kind is ast.Starred:
            self._rebind_ast(target.value)

    def _rebind(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self.rebound.add(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._rebind(element.value)
        elif isinstance(target, cst.StarredElement):
            self._rebind(target.value)

    def _bind(self, name: str, qualified: str, origin: tuple[str, str | None, str | None]) -> None:
        if name not in self.bindings:
            self.bindings[name] = qualified
            self.origins[name] = origin
        elif not _same_thing(self.bindings[name], qualified):
            self.rebound.add(name)  # imported as two different things: which one a use reads is not told
        elif origin != self.origins.get(name):
            self.also_from.setdefault(name, []).append(origin)

    def _bind_star(self, module: str) -> None:
        """`from module import *` of a Keras optimizer namespace: the names optfix knows it exports;
        of a project module: its names as the module binds them, and those it binds to something
        unproven distrusted (star_imports.py)."""
        known = star_exported(keras_member(module))
        if known:  # a Keras namespace: the names optfix knows it to export
            for name in sorted(known):
                if name not in self.bindings:
                    self.bindings[name] = f"{module}.{name}"
                elif not _same_thing(self.bindings[name], f"{module}.{name}"):
                    self.rebound.add(name)
            return
        if self.path is None or not is_project_star(self.path, module):
            return
        for name, qualified in (star_bindings(self.path, module) or {}).items():
            if qualified is None:
                self.rebound.add(name)
            elif name not in self.bindings:
                self.bindings[name] = self.through_stars[name] = qualified

    def head_origin(self, node: cst.CSTNode) -> tuple[str, str | None, str | None] | None:
        """The import that binds the leftmost name of a Name or Attribute chain."""
        chain = cst_chain(node)
        return self.origins.get(chain[0]) if chain else None

    def name_for(self, *qualified: str) -> str | None:
        """A name the file binds to one of `qualified` (in order of preference)."""
        for wanted in qualified:
            for name, bound in self.bindings.items():
                if bound == wanted and name not in self.rebound:
                    return name
        return None

    def qualified_name(self, node: cst.CSTNode) -> str | None:
        """The dotted name `node` (a Name or Attribute chain) stands for, through the imports."""
        chain = cst_chain(node)
        return self.resolved(chain) if chain and chain[0] in self.bindings else None

    def binding(self, name: str, *attributes: str) -> str:
        """The dotted name `name` (and `attributes` of it) stands for through its import or alias,
        trusted or not; through a project's re-export module where that proves Keras."""
        dotted = ".".join([self.bindings[name], *attributes])
        project = self.project_import(dotted) if name in self.origins else None
        return project.qualified or dotted if project is not None else dotted

    def resolved_name(self, node: cst.CSTNode, follow_project_imports: bool = True) -> str | None:
        """`qualified_name`, or the dotted name as written when the file binds its head name
        nowhere: `keras.optimizers.Adam` in a snippet without imports means the package. See
        `resolved` for `follow_project_imports`."""
        return self.resolved(cst_chain(node), follow_project_imports)

    def resolved(self, chain: list[str], follow_project_imports: bool = True) -> str | None:
        """What the dotted name `chain` spells (['tf', 'keras', 'optimizers'], read from either
        kind of tree) stands for: through the import or alias of its head name, and on through a
        module of the project's own that proves it Keras when `follow_project_imports` (else as
        the import spells it: `.backend.keras.optimizers`); as written where the file binds the
        head nowhere; None where anything else binds it."""
        if not chain or chain[0] in self.rebound:
            return None
        head, *attributes = chain
        if head not in self.bindings:
            return ".".join(chain)
        if not follow_project_imports:
            return ".".join([self.bindings[head], *attributes])
        return self.binding(head, *attributes)

    def is_imported(self, name: str) -> bool:
        return name in self.bindings


def _asname(alias: cst.ImportAlias) -> str | None:
    return None if alias.asname is None else cst_dotted(alias.asname.name)


def expression_bindings(text: str, module: cst.Module) -> set[str]:
    """Names bound inside expressions and patterns, where the table's statement walk does not
    look: read from the `ast` (cheap), or from the CST where this Python cannot parse the code."""
    try:
        tree = quiet_parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        visitor = _ExpressionBindings()
        walk(module, visitor)
        return visitor.names
    return _expression_names(tree)


def _expression_names(tree: ast.Module) -> set[str]:
    names = set()
    for node in every_node(tree):
        if isinstance(node, ast.Lambda):
            names.update(arg.arg for arg in ast.walk(node.args) if isinstance(arg, ast.arg))
        elif isinstance(node, (ast.comprehension, ast.NamedExpr)):
            names.update(sub.id for sub in ast.walk(node.target) if isinstance(sub, ast.Name))
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            names.add(node.rest)
    return names


def _names_as_written(text: str) -> ast.Module | None:
    """The `ast` of `text`, where it reads it and its names are spelled as libcst reads them
    (`ast` normalizes identifiers, NFKC; libcst keeps them as written); else None."""
    if not text.isascii() and unicodedata.normalize("NFKC", text) != text:
        return None
    try:
        return quiet_parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


class _ExpressionBindings(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def _add(self, target: cst.CSTNode | None) -> None:
        if isinstance(target, cst.Name):
            self.names.add(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._add(element.value)
        elif isinstance(target, cst.StarredElement):
            self._add(target.value)

    def visit_Lambda(self, node: cst.Lambda) -> None:
        params = node.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params, params.star_arg, params.star_kwarg):
            if isinstance(param, cst.Param):
                self._add(param.name)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._add(node.target)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._add(node.target)

    def visit_MatchAs(self, node: cst.MatchAs) -> None:
        self._add(node.name)

    def visit_MatchStar(self, node: cst.MatchStar) -> None:
        self._add(node.name)

    def visit_MatchMapping(self, node: cst.MatchMapping) -> None:
        self._add(node.rest)


def _same_thing(first: str, second: str) -> bool:
    """Two imports of one name that bind the same thing, the same member of Keras through two
    roots (`keras.optimizers.Adam`, `tensorflow.keras.optimizers.Adam`: a fallback's), or TF 1's
    API as TensorFlow and as its compat.v1 module (a version check's), TF 2's as TensorFlow and as
    compat.v2."""
    if first == second or any(first in roots and second in roots for roots in (KERAS_ROOTS, TF1_API_ROOTS, TF2_API_ROOTS)):
        return True
    member = keras_member(first)
    return member is not None and member == keras_member(second)
