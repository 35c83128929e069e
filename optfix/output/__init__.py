"""How a run reports: one Output per format, each fed every file's result in order, then the totals.

Outputs see each FileResult once, as session.py streams them; they may keep the findings (small)
but never a file's contents. `records()` gives the findings of one file in the terms every
machine-readable format shares.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from optfix.findings import FileResult, Kind
from optfix.output.progress import Progress
from optfix.output.report import Tally
from optfix.rulekit.rule import Rule
from optfix.settings import Mode, OutputFormat, Settings


@dataclass(frozen=True)
class Fix:
    applied: bool  # written to the file (`fix` only)
    available: bool  # `optfix fix` applies it (with --unsafe-fixes if unsafe)
    safety: str  # "safe" or "unsafe"


@dataclass(frozen=True)
class Record:
    """One finding or change, located in a file as the run displays it."""

    path: str  # relative to the working directory, with forward slashes
    line: int
    column: int
    end_line: int | None  # None where the position is a point (errors)
    end_column: int | None  # exclusive, like column 1-based
    rule: str
    message: str
    kind: Kind
    fix: Fix | None  # None: no mechanical fix
    cell: int | None = None  # a notebook's cell (1-based, among all cells); line and column are in it

    @property
    def located_message(self) -> str:
        """The message, led by the place in the notebook for formats whose positions are the file's lines."""
        return self.message if self.cell is None else f"cell {self.cell}, line {self.line}: {self.message}"


def records(path: str, result: FileResult, mode: Mode) -> list[Record]:
    found = []
    for finding in result.findings:
        if finding.kind is Kind.CHANGE:
            fix = Fix(mode is Mode.FIX, True, "unsafe" if finding.unsafe_fix else "safe")
        elif finding.unsafe_fix:
            fix = Fix(False, True, "unsafe")
        else:
            fix = None
        end = (finding.end_line, finding.end_col) if finding.end_line else (None, None)
        found.append(Record(path, finding.line, finding.col, *end, finding.rule, finding.message, finding.kind, fix, finding.cell))
    return found


def level(record: Record) -> str:
    """`error`, `warning` (to review, or a change still to make) or `notice` (a change made)."""
    if record.kind is Kind.ERROR:
        return "error"
    if record.kind is Kind.CHANGE and record.fix.applied:
        return "notice"
    return "warning"


@dataclass
class Run:
    """What every output may need to know about the invocation."""

    settings: Settings
    rules: list[type[Rule]]
    cwd: Path
    stdout: BinaryIO
    progress: Progress


class Output:
    def __init__(self, run: Run) -> None:
        self.run = run

    def file(self, path: str, result: FileResult) -> None:
        """One file's result; `path` is as displayed (relative to the working directory)."""

    def finish(self, tally: Tally) -> None:
        """After the last file: the run's totals."""


def for_format(run: Run) -> Output:
    output_format = run.settings.output_format
    if output_format is OutputFormat.JSON:
        from optfix.output.json import JsonOutput as chosen
    elif output_format is OutputFormat.GITHUB:
        from optfix.output.github import GithubOutput as chosen
    elif output_format is OutputFormat.SARIF:
        from optfix.output.sarif import SarifOutput as chosen
    else:
        from optfix.output.text import TextOutput as chosen
    return chosen(run)
