"""The default output: the unified diff on stdout, findings on stderr."""

from __future__ import annotations

import sys

from optfix.output.diff import colorize, unified_diff
from optfix.findings import FileResult, Kind
from optfix.output import Output, Run
from optfix.output.report import format_finding
from optfix.settings import Mode, wants_color


def shows_diff(run_settings) -> bool:
    """Whether the diff is printed: not by `check`, `--quiet`, or `fix -` (which prints the source)."""
    source_out = run_settings.reads_stdin and run_settings.mode is Mode.FIX
    return run_settings.mode is not Mode.CHECK and not run_settings.quiet and not source_out


def lists_changes(run_settings) -> bool:
    """Whether each change is listed on stderr, and the changed files named in the summary: where
    no diff shows them (`check`, `--quiet`)."""
    return run_settings.mode is Mode.CHECK or run_settings.quiet


class TextOutput(Output):
    def __init__(self, run: Run) -> None:
        super().__init__(run)
        self.show_diff = shows_diff(run.settings)
        self.color_diff = wants_color(run.settings.color, sys.stdout)
        self.color_findings = wants_color(run.settings.color, sys.stderr)
        self.list_changes = lists_changes(run.settings)

    def file(self, path: str, result: FileResult) -> None:
        if result.changed and self.show_diff:
            patch = unified_diff(result.original, result.updated, path)
            self.run.stdout.write(colorize(patch) if self.color_diff else patch)
            self.run.stdout.flush()
        for finding in result.findings:
            # An unsafe fix is always named: the diff shows what it does, not that it changes behaviour.
            if finding.kind is not Kind.CHANGE or self.list_changes or finding.unsafe_fix:
                self.run.progress.print(format_finding(path, finding, self.color_findings, self.run.settings.mode))
