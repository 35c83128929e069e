"""What a run prints: the diff on stdout, findings and a one-line summary on stderr."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from optfix.findings import FileResult, Finding, Kind
from optfix.settings import Mode


def display_path(path: Path, cwd: Path) -> str:
    relative = os.path.relpath(path, cwd)
    return Path(relative).as_posix()


UNSAFE_FIX_NOTE = " (fix available with --unsafe-fixes)"


def format_finding(path: str, finding: Finding, color: bool = False) -> str:
    note = UNSAFE_FIX_NOTE if finding.unsafe_fix else ""
    where = f"{finding.line}:{finding.col}" if finding.cell is None else f"cell {finding.cell}:{finding.line}:{finding.col}"
    if color:
        tint = "\x1b[31m" if finding.kind is Kind.ERROR else "\x1b[33m"
        return f"\x1b[1m{path}\x1b[0m:{where}: {tint}{finding.rule}\x1b[0m {finding.message}{note}"
    return f"{path}:{where}: {finding.rule} {finding.message}{note}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


@dataclass
class Tally:
    files: int = 0
    changed: int = 0
    review: int = 0
    failed: int = 0

    def add(self, result: FileResult) -> None:
        self.files += 1
        self.changed += result.changed
        self.failed += result.failed
        self.review += sum(f.kind is Kind.REVIEW for f in result.findings)

    def summary(self, mode: Mode) -> str:
        if not (self.changed or self.review or self.failed):
            return f"Nothing to change in {_plural(self.files, 'file')}."
        parts = []
        if self.changed:
            verb = "fixed" if mode is Mode.FIX else "would be changed"
            parts.append(f"{_plural(self.changed, 'file')} {verb}")
        if self.review:
            parts.append(f"{_plural(self.review, 'finding')} to review")
        if self.failed:
            parts.append(f"{_plural(self.failed, 'file')} could not be processed")
        return ", ".join(parts) + f" ({_plural(self.files, 'file')} checked)."

    def exit_code(self, mode: Mode) -> int:
        if self.failed:
            return 2
        if self.review or (self.changed and mode is not Mode.FIX):
            return 1
        return 0
