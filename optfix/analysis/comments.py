"""Comments written on import statements that a rewrite removed: put back where the import was.

libcst drops a removed statement with its trailing and inner comments (`import x  # pinned: see
ISSUE-12`). Those are the author's words, not code: they are restored as comment lines at the
place the import was. Directives about the line itself (`# noqa`, `# type: ignore`, ...) go
with it. Whether a rewrite lost any comment at all can be told from the two trees, looking only
where they differ (`lost_comments`), far more cheaply than from their text.
"""

from __future__ import annotations

import ast
import difflib
import io
import re
import tokenize
from collections import Counter
from itertools import zip_longest

from optfix.analysis.tree import children
from optfix.lazy import libcst as cst

_DIRECTIVE = re.compile(r"#\s*(?:noqa\b|type:|pylint:|isort:|pragma\b|fmt:|pyright:|mypy:|ruff:|nosec\b|optfix:)", re.IGNORECASE)


def _comments(text: str) -> list[tuple[int, str]]:
    """(line, text) of every comment, in order."""
    tokens = tokenize.generate_tokens(io.StringIO(text).readline)
    return [(token.start[0], token.string) for token in tokens if token.type == tokenize.COMMENT]


def _import_lines(text: str) -> dict[int, str]:
    """Each line of an import statement, and each comment line right above one (libcst removes
    those with the statement), mapped to the indentation a restored comment gets there."""
    lines = text.splitlines()
    found = {}
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            first = lines[node.lineno - 1]
            indent = first[: len(first) - len(first.lstrip())]
            found.update({line: indent for line in range(node.lineno, node.end_lineno + 1)})
            above = node.lineno - 1
            while above >= 1 and (not lines[above - 1].strip() or lines[above - 1].lstrip().startswith("#")):
                found.setdefault(above, lines[above - 1][: len(lines[above - 1]) - len(lines[above - 1].lstrip())])
                above -= 1
    return found


def restore_import_comments(old: str, new: str) -> tuple[str, list[tuple[int, str]]]:
    """`new` with the comments of `old`'s import lines that it lost put back, and the (line, comment)
    of any that could not be placed safely."""
    import_lines = _import_lines(old)
    kept = Counter(comment for _, comment in _comments(new))
    lost = []
    for line, comment in _comments(old):
        if kept[comment]:
            kept[comment] -= 1
        elif line in import_lines and not _DIRECTIVE.match(comment):
            lost.append((line, comment))
    if not lost:
        return new, []
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    newline = "\r\n" if old_lines[0].endswith("\r\n") else "\n"
    where = _new_positions(old_lines, new_lines)
    inserts: dict[int, list[str]] = {}
    for line, comment in lost:
        inserts.setdefault(where[line - 1], []).append(f"{import_lines[line]}{comment}{newline}")
    result = []
    for index, text in enumerate(new_lines + [""]):
        result += inserts.get(index, [])
        result.append(text)
    restored = "".join(result)
    try:
        placed = Counter(comment for _, comment in _comments(restored))
        ast.parse(restored)
    except (SyntaxError, tokenize.TokenError):
        return new, lost
    wanted = Counter(comment for _, comment in _comments(new)) + Counter(comment for _, comment in lost)
    if any(placed[comment] < count for comment, count in wanted.items()):
        return new, lost  # a comment landed inside a string
    return restored, []


def _new_positions(old_lines: list[str], new_lines: list[str]) -> list[int]:
    """For each old line, the index of the new line before which its content now belongs."""
    positions = [0] * len(old_lines)
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, _ in matcher.get_opcodes():
        for i in range(i1, i2):
            positions[i] = j1 + (i - i1) if tag == "equal" else j1
    return positions


def lost_comments(old: cst.CSTNode, new: cst.CSTNode) -> Counter[str]:
    """The comments of `old` that `new`, a rewrite of it sharing its unchanged nodes, no longer
    holds (as many times as they were lost)."""
    gone: Counter[str] = Counter()
    added: Counter[str] = Counter()
    pairs = [(old, new)]
    while pairs:
        before, after = pairs.pop()
        if before is after:
            continue
        if type(before) is not type(after) or type(before) is cst.Comment:
            _count_comments(before, gone)
            _count_comments(after, added)
            continue
        old_children, new_children = list(children(before)), list(children(after))
        # Children only one side has, paired up between the ones both have, from the end of each
        # run (a statement inserted or removed is mostly before the one it edits). Pairing only
        # saves work: a comment counted on both sides cancels out.
        old_ids, new_ids = {id(child) for child in old_children}, {id(child) for child in new_children}
        for old_run, new_run in zip_longest(_between_shared(old_children, new_ids), _between_shared(new_children, old_ids), fillvalue=[]):
            paired = min(len(old_run), len(new_run))
            pairs.extend(zip(old_run[len(old_run) - paired:], new_run[len(new_run) - paired:]))
            for child in old_run[:len(old_run) - paired]:
                _count_comments(child, gone)
            for child in new_run[:len(new_run) - paired]:
                _count_comments(child, added)
    return gone - added


def _between_shared(nodes: list[cst.CSTNode], other: set[int]) -> list[list[cst.CSTNode]]:
    """`nodes` not in `other`, in runs split by those that are."""
    runs: list[list[cst.CSTNode]] = [[]]
    for node in nodes:
        if id(node) in other:
            runs.append([])
        else:
            runs[-1].append(node)
    return runs


def _count_comments(node: cst.CSTNode, counts: Counter[str]) -> None:
    stack = [node]
    while stack:
        current = stack.pop()
        if type(current) is cst.Comment:
            counts[current.value] += 1
        else:
            stack.extend(children(current))
