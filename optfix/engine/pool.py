"""The parallel map: every file's journey, in worker processes, its result handed back in the
order of the files."""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import replace
from itertools import islice
from pathlib import Path

from optfix.engine import journey
from optfix.engine.prefilter import prefilter_path
from optfix.engine.registry import rules_by_id
from optfix.files.per_file_ignores import PerFileIgnores
from optfix.files.source import read_file
from optfix.findings import FileResult
from optfix.rulekit.rule import FixOptions, Rule
from optfix.rulekit.run_files import RunFiles

# The worker processes are forked from the parent: rules are already imported there.
_POOL_CONTEXT = multiprocessing.get_context("fork") if sys.platform == "linux" else None

_CHUNK = 32  # paths per prefilter message: small messages, few of them


def run(files: Iterable[Path], rules: Sequence[type[Rule]], *, jobs: int, options: FixOptions = FixOptions(),
        ignores: PerFileIgnores | None = None) -> Iterator[FileResult]:
    """Yield one result per file, in the order of `files`, working on up to `jobs` at once; a
    file runs the `rules` that `ignores` does not name for it.

    Workers read and prefilter files in chunks of paths; each file that some rule may change is
    then sent back to the pool on its own, so that a few slow files cannot hold up a chunk of fast
    ones. The parent only walks the tree and keeps the order. The rules are told which files the
    run holds (`FixOptions.run`): each worker is given that list once, not with every file.
    """
    files = list(files)
    rule_ids = tuple(rule.id for rule in rules)
    run_files = RunFiles.of(files, lambda path: set(rule_ids) - {rule.id for rule in for_file(rules, ignores, path)})
    if jobs <= 1:
        options = replace(options, run=run_files)
        for path in files:
            passed = prefilter_path(path, for_file(rules, ignores, path))
            yield passed if isinstance(passed, FileResult) else _process(path, passed, options)
        return
    paths = iter(files)
    with ProcessPoolExecutor(jobs, mp_context=_POOL_CONTEXT, initializer=_init_worker, initargs=(os.getpid(), run_files)) as pool:
        chunks: deque[Future] = deque()  # of _prefilter_chunk results
        pending: deque[FileResult | Future] = deque()
        try:
            while True:
                while len(chunks) < jobs * 2 and (chunk := list(islice(paths, _CHUNK))):
                    chunks.append(pool.submit(_prefilter_chunk, chunk, rule_ids, ignores))
                if not chunks:
                    break
                for path, passed in chunks.popleft().result():
                    done = isinstance(passed, FileResult)
                    pending.append(passed if done else pool.submit(_process, path, passed, options))
                while pending and (isinstance(pending[0], FileResult) or pending[0].done() or len(pending) > jobs * 4):
                    yield _resolved(pending.popleft())
            while pending:
                yield _resolved(pending.popleft())
        finally:
            for item in (*chunks, *pending):
                if isinstance(item, Future):
                    item.cancel()


def for_file(rules: Sequence[type[Rule]], ignores: PerFileIgnores | None, path: Path) -> Sequence[type[Rule]]:
    """The rules that run on the file at `path`."""
    if ignores is None:
        return rules
    ignored = ignores.ignored(path)
    return [rule for rule in rules if rule.id not in ignored] if ignored else rules


def _prefilter_chunk(paths: list[Path], rule_ids: tuple[str, ...], ignores: PerFileIgnores | None) -> list[tuple[Path, FileResult | tuple[str, ...]]]:
    """A worker's first part: each file's final result, or the ids of the rules that may act on it."""
    by_id = rules_by_id()
    rules = [by_id[rule_id] for rule_id in rule_ids]
    return [(path, journey.guarded(path, lambda path=path: prefilter_path(path, for_file(rules, ignores, path)))) for path in paths]


def _process(path: Path, rule_ids: tuple[str, ...], options: FixOptions) -> FileResult:
    """A worker's second part: the file read again and processed by the rules the prefilter chose."""
    rules = rules_by_id()
    if _run_files is not None:  # a worker's (in the parent, `run` gave the options their files)
        options = replace(options, run=_run_files)

    def work() -> FileResult:
        data = read_file(path)
        if isinstance(data, FileResult):
            return data
        return journey.process_bytes(path, data, [rules[rule_id] for rule_id in rule_ids], options)

    return journey.guarded(path, work)


_run_files: RunFiles | None = None  # a worker's: the files of the run it works for


def _init_worker(parent: int, run_files: RunFiles) -> None:
    global _run_files
    _run_files = run_files
    _die_with_parent(parent)
    for stop in STOP_SIGNALS:  # the parent's handlers (see stop_workers), inherited by the fork
        signal.signal(stop, signal.SIG_DFL)
    # The trees libcst builds are acyclic: the cyclic collector only costs time.
    gc.freeze()
    gc.set_threshold(100_000, 50, 50)


# The signals that stop a run (a CI runner cancelling a job, an editor stopping a tool, a
# terminal closing); Ctrl-C (SIGINT) reaches the workers too, as the terminal signals the group.
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


def stop_workers() -> None:
    """Kill the worker processes now (they only read files): for a parent that is stopping."""
    for child in multiprocessing.active_children():
        child.kill()


def _die_with_parent(parent: int) -> None:
    """Have the kernel kill this worker when its parent dies, however it dies (SIGKILL too):
    otherwise the worker waits forever for work, holding the parent's stdout and stderr open."""
    if sys.platform != "linux":
        return
    import ctypes

    pr_set_pdeathsig = 1
    try:
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)


def _resolved(item: FileResult | Future) -> FileResult:
    return item if isinstance(item, FileResult) else item.result()
