"""Parsing with libcst only the top-level statements a file's rules need.

Where every active rule says what it reads of the module beyond the statements the rules' pass
visits it in (Rule.reads_beyond_visits), a top-level statement that pass would pass over
(optfix.engine.statements) is not parsed: in the code given to libcst its lines become one
placeholder line, and the placeholder's node then generates the statement's own code
(`Verbatim`). The module thus generates the file byte for byte, and every real node keeps its
position. Kept real: the first statement (a docstring, a `__strict__` flag), import statements
(the import edits extend the first block of them), statements that may import typing
(`_imports_typing`), the first statement of several lines that may hold an indented block
(libcst takes the module's default indent from the first one), the top-level classes and
functions a rule reads whole, and lines that `;` or a backslash join.
Inside a top-level class or function the pass visits in part (or the one that holds the first
indented block), the statements of its body it passes over are left unparsed the same way (one
level deep: a rule reads a class it visits).

Whatever this cannot promise raises `Whole` (the caller then parses the whole file): a rule that
reads the whole module, statements that do not line up with the `ast`'s, a placeholder the rules'
pass would visit after all, an import removal or drop about a name a placeholder spells (an
import a placeholder hides spells the name it binds: the import edits need not see it). The caller
falls back to the whole parse on any error too, so that errors read as they do without this.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import libcst as cst

from optfix.analysis.ast_nodes import quiet_parse
from optfix.analysis.suppressions import may_suppress
from optfix.analysis.tree import descendants
from optfix.engine.statements import top_statements
from optfix.rulekit.rule import FileContext, Rule

# Files parsed in part ("in part") and, by reason, those parsed whole after all: for the benchmarks.
fallbacks: Counter[str] = Counter()

_MARKER = "__optfix_placeholder__"
_WORD = re.compile(r"\w+")
_SIMPLE = (ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Pass, ast.Delete, ast.Import, ast.ImportFrom,
           ast.Global, ast.Nonlocal, ast.Assert, ast.Raise, ast.Return, ast.Break, ast.Continue)
_IMPORTS = (ast.Import, ast.ImportFrom)
_TYPING = ("typing", "typing_extensions")
_NAMED = (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


class Whole(Exception):
    """The file must be parsed whole; the message says why."""


@dataclass(frozen=True)
class Verbatim(cst.CSTNode):
    """A top-level statement left unparsed: it generates its code as it is."""

    code: str

    def _visit_and_replace_children(self, visitor: cst.CSTVisitorT) -> Verbatim:
        return self

    def _codegen_impl(self, state) -> None:
        state.add_token(self.code)


@dataclass
class Parsed:
    module: cst.Module
    placeholders: dict[tuple[int, ...], set[str]]  # where (index in module.body, in its body) -> the words of its code


def blocker(text: str, rules: Sequence[type[Rule]]) -> str | None:
    """What the cheap tests find against a partial parse, if anything: a rule without an answer
    to Rule.reads_beyond_visits; `\r` (libcst's lines and default newline), form feed or a byte
    order mark; an `optfix: ignore` comment (the suppressions are read from the whole module)."""
    if not rules or any(rule.reads_beyond_visits is Rule.reads_beyond_visits for rule in rules):
        return "a rule that reads the whole module"
    if "\r" in text or "\f" in text or text.startswith("\ufeff"):
        return "a line ending, form feed or byte order mark"
    if may_suppress(text):
        return "a suppression comment"
    return None


def parse(text: str, rules: Sequence[Rule], anchors: Callable[[list[tuple[str, ...]]], set[str] | None],
          carrying: Callable[[ast.Module], set[str] | None] | None = None) -> Parsed:
    """The module of `text` with the statements the rules' pass would pass over left unparsed:
    top-level ones, and those of the body of a top-level class or function it visits in part.
    `rules`: the active rules; `anchors`, `carrying`: their anchors and the names carrying their
    state (as for statements_to_visit)."""
    tree = quiet_parse(text)
    named: set[str] = set()
    for rule in rules:
        found = rule.reads_beyond_visits(tree)
        if found is None:
            raise Whole(f"{rule.id} reads the whole module")
        named |= found
    statements = top_statements(text, anchors, carrying)
    if statements is None:
        raise Whole("every statement visited")
    starts = [0, *(match.end() for match in re.finditer("\n", text))]
    indented = next((index for index, statement in enumerate(statements)
                     if not isinstance(statement.nodes[0], _SIMPLE) and statement.nodes[-1].end_lineno > statement.nodes[0].lineno), None)
    regions: list[tuple[tuple[int, ...], int, int, set[str]]] = []  # where, the code's start and end, its words
    for index, statement in enumerate(statements):
        node = statement.nodes[0]
        if index == 0 or len(statement.nodes) > 1 or (isinstance(node, _NAMED) and node.name in named):
            continue
        if statement.visit is False and index != indented and not isinstance(node, _IMPORTS) and not _imports_typing(node, statement.words):
            region = _region(text, starts, node)
            if region is not None:
                regions.append(((index,), *region, statement.words))
        elif statement.body is not None and (type(statement.visit) is list or index == indented):
            visits = statement.visit if type(statement.visit) is list else [statement.visit] * len(statement.body)
            for inner, (nodes, visit) in enumerate(zip(statement.body, visits)):
                region = _region(text, starts, nodes[0]) if visit is False and len(nodes) == 1 else None
                if region is not None and not _imports_typing(nodes[0], words := set(_WORD.findall(text, *region))):
                    regions.append(((index, inner), *region, words))
    if not regions:
        raise Whole("nothing left unparsed")
    pieces: list[str] = []
    done = 0
    for _, start, end, _ in regions:
        pieces += [text[done:start], _MARKER]
        done = end
    module = cst.parse_module("".join([*pieces, text[done:]]))
    counts = {index: len(statement.body) for index, statement in enumerate(statements) if statement.body is not None}
    codes = {where: text[start:end] for where, start, end, _ in regions}
    return Parsed(_filled(module, codes, len(statements), counts, indented), {where: words for where, _, _, words in regions})


def _imports_typing(node: ast.stmt, words: set[str]) -> bool:
    """Whether a statement (its code's `words`) imports typing or typing_extensions: the import
    removals read strings as code or not by the names bound to typing's, wherever imported."""
    if "import" not in words or words.isdisjoint(_TYPING):
        return False
    return any(isinstance(inner, ast.Import) and any(alias.name.split(".")[0] in _TYPING for alias in inner.names)
               or isinstance(inner, ast.ImportFrom) and (inner.module or "").split(".")[0] in _TYPING for inner in ast.walk(node))


def _region(text: str, starts: list[int], node: ast.stmt) -> tuple[int, int] | None:
    """Where the code of a statement (its decorators first) starts and ends (its last line's end,
    the line break left out); None where a backslash joins its lines to another's."""
    first = min([node.lineno, *(decorator.lineno for decorator in getattr(node, "decorator_list", ()))])
    line = starts[first - 1]
    after = starts[node.end_lineno] if node.end_lineno < len(starts) else len(text)
    end = after - 1 if text.endswith("\n", 0, after) else after
    start = line
    while start < end and text[start] in " \t":
        start += 1
    previous = text[starts[first - 2]:line] if first > 1 else ""
    if start == end or text[start:end].rstrip().endswith("\\") or previous.rstrip().endswith("\\"):
        return None
    return start, end


def _filled(module: cst.Module, codes: dict[tuple[int, ...], str], count: int, counts: dict[int, int], indented: int | None) -> cst.Module:
    """`module` with each placeholder given its statement's code, once its statements are shown
    to be where the `ast` put them."""
    body = list(module.body)
    if len(body) != count:
        raise Whole("statements not as the ast groups them")
    inner: dict[int, dict[int, str]] = {}
    for where, code in codes.items():
        if len(where) == 1:
            body[where[0]] = _verbatim(body[where[0]], code)
        else:
            inner.setdefault(where[0], {})[where[1]] = code
    for index, parts in inner.items():
        node = body[index]
        if type(node) not in (cst.ClassDef, cst.FunctionDef) or type(node.body) is not cst.IndentedBlock or len(node.body.body) != counts[index]:
            raise Whole("statements not as the ast groups them")
        lines = list(node.body.body)
        for position, code in parts.items():
            lines[position] = _verbatim(lines[position], code)
        body[index] = node.with_changes(body=node.body.with_changes(body=lines))
    if indented is not None and not descendants(body[indented], cst.IndentedBlock):
        raise Whole("no indented block where the default indent is read")
    return module.with_changes(body=body)


def _verbatim(line: cst.CSTNode, code: str) -> cst.SimpleStatementLine:
    if not (type(line) is cst.SimpleStatementLine and len(line.body) == 1 and type(line.body[0]) is cst.Expr
            and type(line.body[0].value) is cst.Name and line.body[0].value.value == _MARKER
            and line.trailing_whitespace.comment is None and not line.trailing_whitespace.whitespace.value):
        raise Whole("a placeholder not where it was put")
    return line.with_changes(body=[line.body[0].with_changes(value=Verbatim(code))])


def check_visits(parsed: Parsed, visits: list | None) -> None:
    """The rules' pass (statements_to_visit over the parsed module) passes over every placeholder."""
    for where in parsed.placeholders:
        visit = visits
        for index in where:
            if visit is False:  # passed over with everything in it
                break
            visit = visit[index] if type(visit) is list else None
        if visit is not False:
            raise Whole("a placeholder the rules' pass visits")


def check_imports(parsed: Parsed, file: FileContext) -> None:
    """The import removals and drops ask about no name a placeholder spells (they read every name
    of the module, looking for the names the imports bind; an addition reads only the first
    block of imports, which is real)."""
    words = {alias or name or module.lstrip(".").split(".")[0] for module, name, alias in (*file.imports_to_remove, *file.imports_to_drop)}
    if any(not words.isdisjoint(spelled) for spelled in parsed.placeholders.values()):
        raise Whole("an import removal or drop about a name a placeholder spells")
