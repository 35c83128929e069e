"""What a run prints: the diff on stdout, findings and a one-line summary on stderr."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from optfix.findings import FileResult, Finding, Kind
from optfix.rulekit.source import SourceChoice
from optfix.settings import Mode, Settings


def display_path(path: Path, cwd: Path) -> str:
    relative = os.path.relpath(path, cwd)
    return Path(relative).as_posix()


UNSAFE_FIX_NOTE = " (fix available with --unsafe-fixes)"
UNSAFE_FIX_APPLIED_NOTE = " (unsafe fix applied: it changes behaviour, as said)"
UNSAFE_FIX_PENDING_NOTE = " (unsafe fix: it changes behaviour, as said)"


def format_finding(path: str, finding: Finding, color: bool = False, mode: Mode = Mode.CHECK) -> str:
    """`path:line:col: RULE-ID message`, the message followed by what its fix is, where it matters."""
    note = ""
    if finding.unsafe_fix:
        if finding.kind is not Kind.CHANGE:
            note = UNSAFE_FIX_NOTE
        else:
            note = UNSAFE_FIX_APPLIED_NOTE if mode is Mode.FIX else UNSAFE_FIX_PENDING_NOTE
    where = f"{finding.line}:{finding.col}" if finding.cell is None else f"cell {finding.cell}:{finding.line}:{finding.col}"
    if color:
        tint = {Kind.ERROR: "\x1b[31m", Kind.REVIEW: "\x1b[33m"}.get(finding.kind, "\x1b[32m")
        return f"\x1b[1m{path}\x1b[0m:{where}: {tint}{finding.rule}\x1b[0m {finding.message}{note}"
    return f"{path}:{where}: {finding.rule} {finding.message}{note}"


def _listed(paths: list[str], most: int = 5) -> str:
    shown = ", ".join(paths[:most])
    return shown if len(paths) <= most else f"{shown} and {len(paths) - most} more"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


@dataclass
class Tally:
    files: int = 0
    changed: int = 0
    review: int = 0
    failed: int = 0
    changed_paths: list[str] = field(default_factory=list)  # as displayed
    era_dependent: int = 0  # calls left as written whose defaults differ between Keras versions
    source: SourceChoice = SourceChoice(None, "")  # the source version the run used, and why

    def add(self, result: FileResult, path: str = "") -> None:
        self.files += 1
        self.changed += result.changed
        self.failed += result.failed
        self.review += sum(f.kind is Kind.REVIEW for f in result.findings)
        self.era_dependent += result.era_dependent
        if result.changed:
            self.changed_paths.append(path)

    def summary(self, mode: Mode, name_files: bool = False) -> str:
        """One line; with `name_files`, the files changed (or to be) are named in it."""
        if not (self.changed or self.review or self.failed):
            return f"Nothing to change in {_plural(self.files, 'file')}.{self.source_note()}"
        parts = []
        if self.changed:
            verb = "fixed" if mode is Mode.FIX else "would be changed"
            parts.append(f"{_plural(self.changed, 'file')} {verb}")
        if self.review:
            parts.append(f"{_plural(self.review, 'finding')} to review")
        if self.failed:
            parts.append(f"{_plural(self.failed, 'file')} could not be processed")
        line = ", ".join(parts) + f" ({_plural(self.files, 'file')} checked)."
        if name_files and self.changed_paths:
            line += f" {'Fixed' if mode is Mode.FIX else 'Would change'}: {_listed(self.changed_paths)}."
        return line + self.source_note()

    def source_note(self) -> str:
        """The source version used and why; without one, the calls it would have decided."""
        if self.source.source is not None:
            return f" {_sentence(self.source.describe())}"
        note = f" {_sentence(self.source.describe())}" if self.source.reason else ""
        if self.era_dependent:
            calls = _plural(self.era_dependent, "call")
            note += (f" {calls} whose defaults differ between Keras versions left as written: "
                     f"--source (keras-2.2, keras-2.3, tf-keras-2, tf-1) would decide {'it' if self.era_dependent == 1 else 'them'}.")
        return note

    def exit_code(self, mode: Mode) -> int:
        if self.failed:
            return 2
        if self.review or (self.changed and mode is not Mode.FIX):
            return 1
        return 0


def exit_status(tally: Tally, settings: Settings) -> int:
    """The run's exit status, after --exit-non-zero-on-fix and --exit-zero (which leaves 2 as it is)."""
    status = tally.exit_code(settings.mode)
    if status == 0 and settings.exit_non_zero_on_fix and settings.mode is Mode.FIX and tally.changed:
        status = 1
    if status == 1 and settings.exit_zero:
        status = 0
    return status
