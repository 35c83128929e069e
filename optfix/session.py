"""One invocation of `diff`, `fix` or `check`: discover, run the rules, write, report."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from optfix import engine
from optfix.diff import colorize, unified_diff
from optfix.discover import discover, is_excluded
from optfix.findings import FileResult, Kind
from optfix.progress import Progress
from optfix.report import Tally, display_path, format_finding
from optfix.rule import Rule, all_rules
from optfix.settings import Color, Mode, Settings
from optfix.write import WriteError, replace_bytes


class UsageError(Exception):
    pass


def selected_rules(select: tuple[str, ...], ignore: tuple[str, ...]) -> list[type[Rule]]:
    rules = all_rules()
    known = {rule.id for rule in rules}
    unknown = sorted((set(select) | set(ignore)) - known)
    if unknown:
        raise UsageError(f"unknown rule {', '.join(unknown)}; `optfix rules` lists them")
    return [rule for rule in rules if (not select or rule.id in select) and rule.id not in ignore]


def _wants_color(color: Color, stream) -> bool:
    if color is Color.AUTO:
        return stream.isatty() and "NO_COLOR" not in os.environ
    return color is Color.ALWAYS


def execute(settings: Settings) -> int:
    rules = selected_rules(settings.select, settings.ignore)
    cwd = Path.cwd()
    if settings.stdin_filename is not None and not settings.reads_stdin:
        raise UsageError("--stdin-filename is for source read on stdin: give `-` as the path")
    if settings.reads_stdin:
        stdin, results = _read_stdin(settings, rules, cwd)
        files = []
    else:
        stdin = None
        files = list(discover(settings.paths, settings.exclude, cwd, settings.exclude_root, settings.force_exclude))
        results = engine.run(files, rules, jobs=settings.jobs, unsafe_fixes=settings.unsafe_fixes,
                             keras_import=settings.keras_import.value)
    source_out = stdin is not None and settings.mode is Mode.FIX  # `fix -` prints the source, not a diff
    show_diff = settings.mode is not Mode.CHECK and not settings.quiet and not source_out
    color_diff = _wants_color(settings.color, sys.stdout)
    color_findings = _wants_color(settings.color, sys.stderr)
    # The bar shares the terminal with nothing: only when the diff does not go there too.
    progress = Progress(len(files), settings.progress and not (show_diff and sys.stdout.isatty()))
    tally = Tally()
    stdout = sys.stdout.buffer
    try:
        for result in results:
            path = display_path(result.path, cwd)
            if source_out:
                stdout.write(result.updated if result.changed else stdin)
            elif result.changed and settings.mode is Mode.FIX:
                _write(result)
            if result.changed and show_diff:
                patch = unified_diff(result.original, result.updated, path)
                stdout.write(colorize(patch) if color_diff else patch)
                stdout.flush()
            for finding in result.findings:
                if finding.kind is not Kind.CHANGE:
                    progress.print(format_finding(path, finding, color_findings))
            tally.add(result)
            progress.advance()
    except BrokenPipeError:
        # The reader of the diff went away (`optfix diff | head`): stop quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    finally:
        progress.close()
    sys.stderr.write(tally.summary(settings.mode) + "\n")
    return tally.exit_code(settings.mode)


def _read_stdin(settings: Settings, rules: list[type[Rule]], cwd: Path) -> tuple[bytes, list[FileResult]]:
    """`-`: the source on stdin, as the file `--stdin-filename` names (unless excluded)."""
    if settings.paths != (Path("-"),):
        raise UsageError("`-` (read stdin) cannot be mixed with other paths")
    data = sys.stdin.buffer.read()
    path = cwd / (settings.stdin_filename or "-")
    exclude_root = settings.exclude_root or cwd
    if settings.stdin_filename is not None and is_excluded(path, settings.exclude, exclude_root):
        return data, [FileResult(path)]
    return data, [engine.process_given(path, data, rules, settings.unsafe_fixes, settings.keras_import.value)]


def _write(result: FileResult) -> None:
    try:
        replace_bytes(result.path, result.updated, result.original)
    except WriteError as error:
        result.error("write-error", str(error))
