"""Which of a module's top-level statements the rules' pass must visit.

A rule may name its anchors (`Rule.anchors`): the names without which a top-level statement holds
nothing it acts on, reads or notes. A statement none of whose names (names read or bound,
attributes', keywords', imports', parameters', functions' and classes') is an anchor of an active
rule is passed over; no statement is if any active rule names no anchors. Then once more, with
every name the statements found read as well: a rule that reads, at a site, what the file assigns
elsewhere (a name holding the learning rate, an optimizer built with Keras 2 keywords and later
compiled) finds those assignments visited too. Where every active rule names the names that
carry its state across statements (`Rule.names_carrying_state`), a statement found only in that
second round is visited only if it spells one of them as well. The source lines are searched
first (a fast way to rule most statements out); the names of a statement whose lines hold an
anchor are read from its `ast`.
"""

from __future__ import annotations

import ast
import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import NamedTuple

from optfix.analysis.ast_nodes import every_node, quiet_parse
from optfix.analysis.chains import ast_chain
from optfix.lazy import libcst as cst

_LINE_END = re.compile(r"\r\n|\r|\n")
_WORD = re.compile(r"\w+")


Carrying = Callable[[ast.Module], "set[str] | None"]
Visit = "bool | list[Visit]"  # a statement visited, passed over, or visited with only some statements of its body


def statements_to_visit(module: cst.Module, text: str, anchors: Callable[[list[tuple[str, ...]]], set[str] | None],
                        carrying: Carrying | None = None) -> list[Visit] | None:
    """For each statement of `module.body` (the code `text`), whether the rules' pass must visit
    it: True, False, or for a class or function whose header holds no anchor, the same for each
    statement of its body; None where it must visit them all. `anchors`: the active rules'
    anchors (Rule.anchors) given the code's chains, None if a rule names none; `carrying`: the
    names that carry their state across statements (Rule.names_carrying_state) given the `ast`,
    None if any name may."""
    if not text.isascii() and unicodedata.normalize("NFKC", text) != text:
        return None  # `ast` reads identifiers normalized, libcst as written: their names may differ
    try:
        tree = quiet_parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return _visits(_statements(module.body, tree.body, text), tree, anchors, carrying)


class TopStatement(NamedTuple):
    """A top-level statement as `ast` reads it, before libcst has: the `ast` statements of its
    line(s) (several where `;` joins them), the words of its source (`statement_sources`), what
    the rules' pass would do with it (a Visit) and, for a class or function whose body may be
    an indented block, the `ast` statements of each statement of its body (in the order of the
    Visit's list where it is one)."""

    nodes: list[ast.stmt]
    words: set[str]
    visit: Visit
    body: list[list[ast.stmt]] | None


def top_statements(text: str, anchors: Callable[[list[tuple[str, ...]]], set[str] | None],
                   carrying: Carrying | None = None) -> list[TopStatement] | None:
    """What `statements_to_visit` says of each top-level statement, read from the `ast` alone
    (statements joined by `;` grouped as libcst groups them into a line); None where it would
    visit them all. A statement passed over here is passed over there, as long as libcst's
    statements line up with these: its names meet no anchor here, where the names read by the
    visited statements are those of whole classes and functions wherever the `ast` leaves it
    unsure whether libcst will see an indented body."""
    if not text.isascii() and unicodedata.normalize("NFKC", text) != text:
        return None
    try:
        tree = quiet_parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    statements = _statements(None, tree.body, text)
    visits = _visits(statements, tree, anchors, carrying)
    if visits is None:
        return None
    return [TopStatement(statement.nodes, statement.words(), visit, [part.nodes for part in body] if (body := statement.body()) is not None else None)
            for statement, visit in zip(statements, visits)]


def _visits(statements: list[_Statement] | None, tree: ast.Module, anchors: Callable[[list[tuple[str, ...]]], set[str] | None],
            carrying: Carrying | None) -> list[Visit] | None:
    if statements is None:
        return None
    found = anchors(_chains(tree))
    if found is None:
        return None
    words = set(found)
    visits = [statement.visit(words) for statement in statements]
    words |= {name for statement, visit in zip(statements, visits) for name in statement.read(visit)}
    # Of the statements visited only for a name read, those spelling a name that carries state.
    kept = carrying(tree) if carrying is not None else None
    needed = None if kept is None else set(found) | kept
    return [statement.visit(words, needed) for statement in statements]


def statement_sources(module: cst.Module, text: str) -> dict[int, str]:
    """The source of each statement of `module.body` (the code `text`) by the statement's id: its
    lines and those back to the end of the previous statement's (its decorators, comments); {}
    where `ast` cannot read the code or its statements do not line up with libcst's."""
    try:
        tree = quiet_parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    statements = _statements(module.body, tree.body, text)
    return {id(statement.node): statement.source for statement in statements} if statements is not None else {}


class _Statement:
    """One statement of a libcst body: its source lines (None: not searched) and its `ast`
    statements."""

    def __init__(self, node: cst.CSTNode, source: str | None, nodes: list[ast.stmt]) -> None:
        self.node = node
        self.source: str | set[str] | None = source
        self.nodes = nodes
        self._names: set[str] | None = None
        self._body: list[_Statement] | None = None

    def visit(self, words: set[str], needed: set[str] | None = None) -> Visit:
        """Visited where its names meet `words` and, unless None, `needed` as well."""
        if not words or (self.source is not None and self._spelled().isdisjoint(words)):
            return False
        names = self.names()
        if names.isdisjoint(words) or (needed is not None and names.isdisjoint(needed)):
            return False
        body = self.body()
        if body is None:
            return True
        header = _names(_header(self.nodes[0])) | {self.nodes[0].name}
        if not header.isdisjoint(words) and (needed is None or not header.isdisjoint(needed)):
            return True
        return [statement.visit(words, needed) for statement in body]

    def _spelled(self) -> set[str]:
        """The words of the statement's source lines: a fast superset of its names."""
        if type(self.source) is str:
            self.source = set(_WORD.findall(self.source))
        return self.source

    def words(self) -> set[str]:
        """The words of the statement's source lines, or of its `ast` names where not searched."""
        return self._spelled() if self.source is not None else self.names()

    def read(self, visit: Visit) -> set[str]:
        """The names read where `visit` says the statement is visited."""
        if visit is False:
            return set()
        if visit is True:
            return _read(self.nodes)
        # A class or function visited in part is so because its header holds no anchor: what
        # the header reads is read at no site.
        return set().union(*(statement.read(part) for statement, part in zip(self.body(), visit)))

    def names(self) -> set[str]:
        """Every name the statement spells: read, bound, an attribute's or a keyword's."""
        if self._names is None:
            self._names = _names(self.nodes)
        return self._names

    def body(self) -> list[_Statement] | None:
        """The statements of a class's or function's indented body, if they line up with `ast`'s."""
        if self._body is None and len(self.nodes) == 1:
            if self.node is None:  # read from the `ast` alone
                if isinstance(self.nodes[0], _AST_DESCENDED) and _indented(self.nodes[0]):
                    self._body = _statements(None, self.nodes[0].body, None)
            elif isinstance(self.node, _DESCENDED) and isinstance(self.node.body, cst.IndentedBlock):
                self._body = _statements(self.node.body.body, self.nodes[0].body, None)
        return self._body


def _indented(node: ast.stmt) -> bool:
    """Whether a class's or function's body may be an indented block (libcst's IndentedBlock):
    it starts on a line after every line of the header."""
    return node.body[0].lineno > max([node.lineno, *(part.end_lineno for part in _header(node) if hasattr(part, "end_lineno"))])


_DESCENDED = (cst.ClassDef, cst.FunctionDef)
_AST_DESCENDED = (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


def _header(node: ast.stmt) -> list[ast.AST]:
    """A class's or function's nodes other than its body (and its name, a string)."""
    parts = []
    for field in node._fields:
        value = getattr(node, field, None)
        if field == "body":
            continue
        if isinstance(value, ast.AST):
            parts.append(value)
        elif type(value) is list:
            parts.extend(item for item in value if isinstance(item, ast.AST))
    return parts


def _names(nodes: list[ast.AST]) -> set[str]:
    names = set()
    for node in _walk(nodes):
        for field in node._fields:
            value = getattr(node, field, None)
            if type(value) is str:
                names.update(value.split("."))
            elif type(value) is list:
                names.update(part for item in value if type(item) is str for part in item.split("."))
    return names


def _read(nodes: list[ast.AST]) -> set[str]:
    return {node.id for node in _walk(nodes) if type(node) is ast.Name}


def _walk(nodes: list[ast.AST]) -> list[ast.AST]:
    """The nodes but constants (strings hold no names) and imports (rules never act in them: a
    name an import binds counts where it is used)."""
    found = []
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if isinstance(node, _NAMELESS):
            continue
        found.append(node)
        for field in node._fields:
            value = getattr(node, field, None)
            if isinstance(value, ast.AST):
                stack.append(value)
            elif type(value) is list:
                stack.extend(item for item in value if isinstance(item, ast.AST))
    return found


_NAMELESS = (ast.Constant, ast.Import, ast.ImportFrom)


def _statements(body: Sequence[cst.CSTNode] | None, nodes: list[ast.stmt], text: str | None) -> list[_Statement] | None:
    """Each statement of a libcst `body` with its `ast` statements `nodes` and, given the module's
    `text`, the source lines from the end of the previous one to its own end (its decorators,
    comments); None where libcst's statements and `ast`'s do not line up. Without a `body`, the
    `ast` statements grouped as libcst would group them (node None)."""
    starts = [0, *(match.end() for match in _LINE_END.finditer(text))] if text is not None else []
    statements = []
    index = 0
    previous_end = 0  # offset where the previous statement's last line ends
    for statement in body if body is not None else _lines(nodes):
        first = index
        index += statement if type(statement) is int else len(statement.body) if isinstance(statement, cst.SimpleStatementLine) else 1
        if index > len(nodes):
            return None
        source = None
        if text is not None:
            last_line = nodes[index - 1].end_lineno
            end = starts[last_line] if last_line < len(starts) else len(text)
            source, previous_end = text[previous_end:end], end
        statements.append(_Statement(None if type(statement) is int else statement, source, nodes[first:index]))
    return statements if index == len(nodes) else None


def _lines(nodes: list[ast.stmt]) -> list[int]:
    """How many `ast` statements each libcst statement of a body holds: those that `;` joins on
    a line are one."""
    counts: list[int] = []
    previous_end = 0
    for node in nodes:
        if counts and node.lineno == previous_end and not isinstance(node, _COMPOUND):
            counts[-1] += 1
        else:
            counts.append(1)
        previous_end = node.end_lineno
    return counts


_COMPOUND = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.Try, ast.With, ast.AsyncWith, ast.FunctionDef, ast.AsyncFunctionDef,
             ast.ClassDef, ast.Match, *((ast.TryStar,) if hasattr(ast, "TryStar") else ()))


def _chains(tree: ast.Module) -> list[tuple[str, ...]]:
    """Every Name and Attribute chain of the code (the inner ones of `a.b.c` too), once each."""
    found: dict[tuple[str, ...], None] = {}
    for node in every_node(tree):
        kind = type(node)
        if kind is ast.Name:
            found[(node.id,)] = None
        elif kind is ast.Attribute:
            chain = ast_chain(node)
            if chain:
                found[tuple(chain)] = None
    return list(found)
