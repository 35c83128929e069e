"""What a run tells a person: findings, and the result of one file."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path


class Kind(str, Enum):
    CHANGE = "change"  # a fix was applied; the diff shows it
    REVIEW = "review"  # needs a person; an unsafe fix may be available
    ERROR = "error"  # the file could not be processed and was left as it was


@dataclass(frozen=True, order=True)
class Finding:
    line: int
    col: int
    rule: str
    message: str
    kind: Kind = Kind.REVIEW
    end_line: int = 0
    end_col: int = 0
    unsafe_fix: bool = False  # a fix exists but changes behaviour: applied only with --unsafe-fixes
    cell: int | None = None  # in a notebook: the cell (1-based among all cells) that `line` counts in


@dataclass
class FileResult:
    path: Path
    original: bytes | None = None  # set only when the file changes
    updated: bytes | None = None
    findings: list[Finding] = field(default_factory=list)
    era_dependent: int = 0  # calls whose defaults differ between Keras versions, which no source version decided

    @property
    def changed(self) -> bool:
        return self.updated is not None

    @property
    def failed(self) -> bool:
        return any(f.kind is Kind.ERROR for f in self.findings)

    def error(self, rule: str, message: str, line: int = 1, col: int = 1) -> FileResult:
        """Drop any change: a file with an error is left exactly as it was."""
        self.original = self.updated = None
        self.findings = [f for f in self.findings if f.kind is not Kind.CHANGE]
        self.findings.append(Finding(line, col, rule, message, Kind.ERROR))
        return self
