"""`# optfix: ignore` and `# optfix: ignore[rule-a, rule-b]` comments, read from the CST.

A comment suppresses the rules it names (all rules when it names none) for every node that spans
its line: such a node is neither rewritten nor reported. The comment is read in any case. Only a
file whose text contains MARK (in any case) is searched for the comments, and only one that has one has its positions resolved early.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import libcst as cst

from optfix.findings import Finding
from optfix.analysis.tree import walk

MARK = "optfix:"  # in any case: `# OPTFIX: IGNORE` is a suppression too
_MARK = re.compile(re.escape(MARK), re.IGNORECASE)
_COMMENT = re.compile(r"#\s*optfix:\s*ignore(?:\[(?P<ids>[^\]]*)\])?(?![\w\-\[])", re.IGNORECASE)


def may_suppress(text: str) -> bool:
    """Whether the code may hold a suppression comment (cheap: a search for MARK in any case)."""
    return _MARK.search(text) is not None
UNKNOWN = "unknown-suppression"


@dataclass
class Suppressions:
    positions: dict  # node -> CodeRange, of the whole module
    lines: dict[int, frozenset[str] | None] = field(default_factory=dict)  # None: every rule
    findings: list[Finding] = field(default_factory=list)

    @classmethod
    def of(cls, module: cst.Module, known: frozenset[str]) -> Suppressions | None:
        """The suppressions of a module, None if it has no suppression comment."""
        from libcst.metadata import MetadataWrapper, PositionProvider

        collector = _Comments()
        walk(module, collector)
        if not collector.comments:
            return None
        positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        suppressions = cls(positions)
        for comment, match in collector.comments:
            start = positions[comment].start
            suppressions._add(start.line, start.column + 1 + match.start(), match["ids"], known)
        return suppressions

    def _add(self, line: int, col: int, ids: str | None, known: frozenset[str]) -> None:
        if ids is None:
            self.lines[line] = None
            return
        named = frozenset(part.strip().lower() for part in ids.split(",") if part.strip())
        for unknown in sorted(named - known):
            self.findings.append(Finding(line, col, UNKNOWN, f"# optfix: ignore[...] names {unknown!r}, which is not a rule; `optfix rules` lists them"))
        if not named:
            self.findings.append(Finding(line, col, UNKNOWN, "# optfix: ignore[] names no rule; write # optfix: ignore to suppress every rule"))
        if line in self.lines and self.lines[line] is None:
            return
        self.lines[line] = (self.lines.get(line) or frozenset()) | (named & known)

    def covers(self, rule: str, node: cst.CSTNode) -> bool:
        """Whether `node`, of the original tree, spans a line where `rule` is suppressed."""
        where = self.positions[node]
        return any(
            where.start.line <= line <= where.end.line and (ids is None or rule in ids) for line, ids in self.lines.items()
        )


class _Comments(cst.CSTVisitor):
    """The suppression comments of a module, with the match of each."""

    def __init__(self) -> None:
        super().__init__()
        self.comments: list[tuple[cst.Comment, re.Match]] = []

    def visit_Comment(self, node: cst.Comment) -> None:
        match = _COMMENT.search(node.value)
        if match is not None:
            self.comments.append((node, match))
