"""Which of a module's top-level statements the rules' pass must visit.

A rule may name its anchors (`Rule.anchors`): the names without which a top-level statement holds
nothing it acts on, reads or notes. A statement none of whose names (names read or bound,
attributes', keywords', imports', parameters', functions' and classes') is an anchor of an active
rule is passed over; no statement is if any active rule names no anchors. Then once more, with
every name the statements found read as well: a rule that reads, at a site, what the file assigns
elsewhere (a name holding the learning rate, an optimizer built with Keras 2 keywords and later
compiled) finds those assignments visited too. The source lines are searched first (a fast way to
rule most statements out); the names of a statement whose lines hold an anchor are read from its
`ast`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable

from optfix.analysis.ast_nodes import every_node, quiet_parse
from optfix.analysis.chains import ast_chain
from optfix.lazy import libcst as cst

_LINE_END = re.compile(r"\r\n|\r|\n")


def statements_to_visit(module: cst.Module, text: str, anchors: Callable[[list[tuple[str, ...]]], set[str] | None]) -> list[bool] | None:
    """For each statement of `module.body` (the code `text`), whether the rules' pass must visit
    it; None where it must visit them all. `anchors`: the active rules' anchors (Rule.anchors)
    given the code's chains, None if a rule names none."""
    try:
        tree = quiet_parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    statements = _statements(module, tree, text)
    if statements is None:
        return None
    found = anchors(_chains(tree))
    if found is None:
        return None
    words = set(found)
    visited = [statement.holds(words) for statement in statements]
    words |= {name for statement, seen in zip(statements, visited) if seen for name in statement.read()}
    return [statement.holds(words) for statement in statements]


class _Statement:
    """One statement of libcst's module body: its source lines and its `ast` statements."""

    def __init__(self, source: str, nodes: list[ast.stmt]) -> None:
        self.source = source
        self.nodes = nodes
        self._names: set[str] | None = None

    def holds(self, words: set[str]) -> bool:
        if not words or not _pattern(words).search(self.source):
            return False
        return not self.names().isdisjoint(words)

    def names(self) -> set[str]:
        """Every name the statement spells: read, bound, imported, an attribute's or a keyword's."""
        if self._names is None:
            self._names = set()
            for node in self._walk():
                for field in node._fields:
                    value = getattr(node, field, None)
                    if type(value) is str:
                        self._names.update(value.split("."))
                    elif type(value) is list:
                        self._names.update(part for item in value if type(item) is str for part in item.split("."))
        return self._names

    def read(self) -> set[str]:
        return {node.id for node in self._walk() if type(node) is ast.Name}

    def _walk(self) -> list[ast.AST]:
        """The statement's nodes but constants (strings hold no names) and imports (rules never
        act in them: a name an import binds counts where it is used)."""
        found = []
        stack = list(self.nodes)
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
_PATTERNS: dict[frozenset[str], re.Pattern] = {}


def _pattern(words: set[str]) -> re.Pattern:
    key = frozenset(words)
    pattern = _PATTERNS.get(key)
    if pattern is None:
        if len(_PATTERNS) > 64:
            _PATTERNS.clear()
        alternatives = "|".join(map(re.escape, sorted(words, key=len, reverse=True)))
        pattern = _PATTERNS[key] = re.compile(r"(?<!\w)(?:%s)(?!\w)" % alternatives)
    return pattern


def _statements(module: cst.Module, tree: ast.Module, text: str) -> list[_Statement] | None:
    """Each statement of `module.body`, with the source lines from the end of the previous one to
    its own end (its decorators, comments); None where libcst's statements and `ast`'s do not
    line up."""
    starts = [0, *(match.end() for match in _LINE_END.finditer(text))]
    statements = []
    index = 0
    previous_end = 0  # offset where the previous statement's last line ends
    for statement in module.body:
        first = index
        index += len(statement.body) if isinstance(statement, cst.SimpleStatementLine) else 1
        if index > len(tree.body):
            return None
        last_line = tree.body[index - 1].end_lineno
        end = starts[last_line] if last_line < len(starts) else len(text)
        statements.append(_Statement(text[previous_end:end], tree.body[first:index]))
        previous_end = end
    return statements if index == len(tree.body) else None


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
