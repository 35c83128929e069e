"""One invocation of `diff`, `fix` or `check`: discover, run the rules, write, report."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import fields, replace
from enum import Enum
from pathlib import Path

from optfix.engine import journey, pool
from optfix.files.discover import discover, is_excluded
from optfix.files.per_file_ignores import PerFileIgnores
from optfix.findings import FileResult
from optfix.output import Output, Run, for_format
from optfix.output.text import lists_changes, shows_diff
from optfix.output.progress import Progress
from optfix.output.report import Tally, display_path, exit_status
from optfix.files.declarations import declarations
from optfix.rulekit.rule import FixOptions, Rule
from optfix.rulekit.source import SourceChoice, choose
from optfix.engine.registry import all_rules
from optfix.settings import Mode, OutputFormat, Settings
from optfix.files.write import WriteError, replace_bytes


class UsageError(Exception):
    pass


def selected_rules(select: tuple[str, ...], ignore: tuple[str, ...], extend_select: tuple[str, ...] = ()) -> list[type[Rule]]:
    rules = all_rules()
    known = {rule.id for rule in rules}
    unknown = sorted((set(select) | set(ignore) | set(extend_select)) - known)
    if unknown:
        raise UsageError(f"unknown rule {', '.join(unknown)}; `optfix rules` lists them")
    chosen = set(select) | set(extend_select)
    return [rule for rule in rules if (not select or rule.id in chosen) and rule.id not in ignore]


def execute(settings: Settings) -> int:
    with _stopped_cleanly():
        return _execute(settings)


def _execute(settings: Settings) -> int:
    rules = selected_rules(settings.select, settings.ignore, settings.extend_select)
    if settings.show_settings:
        sys.stdout.write(describe(settings, rules))
        return 0
    if settings.summary is not None and not settings.summary.parent.is_dir():
        raise UsageError(f"cannot write the summary {settings.summary}: no folder {settings.summary.parent}")
    cwd = Path.cwd()
    if settings.stdin_filename is not None and not settings.reads_stdin:
        raise UsageError("--stdin-filename is for source read on stdin: give `-` as the path")
    source_out = settings.reads_stdin and settings.mode is Mode.FIX  # `fix -` prints the source, not a diff
    if source_out and settings.output_format is not OutputFormat.TEXT:
        raise UsageError("`fix -` writes the fixed source on stdout: it takes no --output-format")
    source = _source(settings, cwd)
    options = replace(settings.fix_options, source=source.source)
    if settings.reads_stdin:
        stdin, results = _read_stdin(settings, rules, cwd, options)
        files = []
    else:
        stdin = None
        files = list(discover(settings.paths, settings.exclude, cwd, settings.exclude_root, settings.force_exclude, leftovers=True,
                              extend_exclude=settings.extend_exclude, extend_exclude_root=settings.extend_exclude_root))
        results = pool.run(files, rules, jobs=settings.jobs, options=options, ignores=_per_file_ignores(settings, cwd))
    diff_on_stdout = settings.output_format is OutputFormat.TEXT and shows_diff(settings)
    # The bar shares the terminal with nothing: only when the diff does not go there too.
    progress = Progress(len(files), settings.progress and not (diff_on_stdout and sys.stdout.isatty()))
    run = Run(settings, rules, cwd, sys.stdout.buffer, progress)
    outputs: list[Output] = [for_format(run)]
    if settings.summary is not None:
        from optfix.output.summary import SummaryOutput

        outputs.append(SummaryOutput(run))
    if settings.statistics:
        from optfix.output.statistics import StatisticsOutput

        outputs.append(StatisticsOutput(run))
    tally = Tally(source=source)
    try:
        for path, result in _written(results, settings.mode is Mode.FIX and not source_out, cwd, progress):
            if source_out:
                run.stdout.write(result.updated if result.changed else stdin)
                run.stdout.flush()
            for output in outputs:
                output.file(path, result)
            tally.add(result, path)
        progress.close()
        for output in outputs:
            output.finish(tally)
    except BrokenPipeError:
        # The reader of the output went away (`optfix diff | head`): stop quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except WriteError as error:  # only the summary is written here; the files are done
        sys.stderr.write(tally.summary(settings.mode) + "\n")
        sys.stderr.write(f"optfix: the summary {settings.summary}: {error}\n")
        return 2
    finally:
        progress.close()
    sys.stderr.write(tally.summary(settings.mode, lists_changes(settings)) + "\n")
    return exit_status(tally, settings)


def _source(settings: Settings, cwd: Path) -> SourceChoice:
    """The source version given, or the one the project's declarations agree on."""
    if settings.source is not None:
        return SourceChoice(settings.source, settings.source_origin)
    paths = (cwd / (settings.stdin_filename or "."),) if settings.reads_stdin else tuple(cwd / path for path in settings.paths)
    found = [(d.file, d.requirement, d.written) for d in declarations(paths)]
    return choose(None, found, cwd)


def _read_stdin(settings: Settings, rules: list[type[Rule]], cwd: Path, options: FixOptions) -> tuple[bytes, list[FileResult]]:
    """`-`: the source on stdin, as the file `--stdin-filename` names (unless excluded)."""
    if settings.paths != (Path("-"),):
        raise UsageError("`-` (read stdin) cannot be mixed with other paths")
    data = sys.stdin.buffer.read()
    path = cwd / (settings.stdin_filename or "-")
    more = (settings.extend_exclude_root or cwd, settings.extend_exclude)
    if settings.stdin_filename is not None and is_excluded(path, settings.exclude, settings.exclude_root or cwd, more):
        return data, [FileResult(path)]
    rules = pool.for_file(rules, _per_file_ignores(settings, cwd), path)
    return data, [journey.process_given(path, data, rules, options)]


def _per_file_ignores(settings: Settings, cwd: Path) -> PerFileIgnores | None:
    if not settings.per_file_ignores:
        return None
    return PerFileIgnores(settings.per_file_ignores_root or cwd, settings.per_file_ignores)


def describe(settings: Settings, rules: list[type[Rule]]) -> str:
    """`--show-settings`: the configuration file read, and every setting in force, as `key = value`."""
    if settings.config_path is not None:
        lines = [f"# configuration: {settings.config_path}"]
    else:
        lines = ["# configuration: none (no pyproject.toml with [tool.optfix] here or above, or --isolated)"]
    for field in fields(settings):
        if field.name in ("config_path", "show_settings", "source_origin"):
            continue
        value = getattr(settings, field.name)
        if field.name.endswith("_root") and value is None:
            value = Path.cwd()
        lines.append(f"{field.name.replace('_', '-')} = {json.dumps(_plain(value))}")
    lines.append(f"# rules in force: {', '.join(rule.id for rule in rules)}")
    return "\n".join(lines) + "\n"


def _plain(value):
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return value.as_posix()
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    return value


def _written(results: Iterable[FileResult], fixing: bool, cwd: Path, progress: Progress) -> Iterator[tuple[str, FileResult]]:
    """Each result with its path as shown, the progress advanced past it. In a `fix` run the files
    are written once every file is processed, and reported then: a rule may read other files of
    the run (a base class's module, for its subclass's), and must read them as they were."""
    if not fixing:
        for result in results:
            path = display_path(result.path, cwd)
            yield path, result
            progress.advance(path)
        return
    held = []
    for result in results:
        held.append((display_path(result.path, cwd), result))
        progress.advance(held[-1][0])
    progress.close()
    for _, result in held:
        if result.changed:
            _write(result)
    yield from held


def _write(result: FileResult) -> None:
    try:
        replace_bytes(result.path, result.updated, result.original)
    except WriteError as error:
        result.error("write-error", str(error))


@contextmanager
def _stopped_cleanly() -> Iterator[None]:
    """SIGTERM and SIGHUP (a CI runner cancelling a job, an editor stopping a tool) stop the
    workers, then leave through SystemExit: a write under way removes its temporary file, and
    the file it was replacing stays whole."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {stop: signal.signal(stop, _stop) for stop in pool.STOP_SIGNALS}
    try:
        yield
    finally:
        for stop, handler in previous.items():
            signal.signal(stop, handler)


def _stop(signum: int, frame) -> None:
    pool.stop_workers()
    raise SystemExit(128 + signum)
