"""Run the selected rules over files: read, prefilter, transform in worker processes, and hand
each file's result back in a deterministic order. Nothing here writes; nothing imports libcst
unless a file needs it."""

from __future__ import annotations

import gc
import multiprocessing
import sys
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

from optfix.findings import FileResult, Finding
from optfix.rule import Rule, rules_by_id
from optfix.source import DecodeError, decode

# libcst needs ~1 KB of memory per byte of source (a 711 KB file took a worker to ~600 MB):
# larger files that a rule wants are reported, not parsed.
MAX_PARSE_BYTES = 1 << 20

# The worker processes are forked from the parent: rules are already imported there.
_POOL_CONTEXT = multiprocessing.get_context("fork") if sys.platform == "linux" else None


def process_file(path: Path, rules: Sequence[type[Rule]], unsafe_fixes: bool = False, keras_import: str = "keras") -> FileResult:
    try:
        data = path.read_bytes()
    except OSError as error:
        return FileResult(path).error("read-error", f"cannot read: {error.strerror or error}")
    triggered = triggered_rules(data, rules)
    if not triggered:
        return FileResult(path)
    return process_bytes(path, data, triggered, unsafe_fixes, keras_import)


def process_given(path: Path, data: bytes, rules: Sequence[type[Rule]], unsafe_fixes: bool = False, keras_import: str = "keras") -> FileResult:
    """A file's bytes given rather than read (stdin), through the same stages as a file's."""
    triggered = _prefiltered(path, data, rules)
    if isinstance(triggered, FileResult):
        return triggered
    return _guarded(path, lambda: process_bytes(path, data, [rule for rule in rules if rule.id in triggered], unsafe_fixes, keras_import))


def process_bytes(path: Path, data: bytes, rules: Sequence[type[Rule]], unsafe_fixes: bool, keras_import: str = "keras") -> FileResult:
    from libcst import ParserSyntaxError

    from optfix.transform import RuleError, UnfaithfulParse, UnparsableOutput, syntax_error_position, transform

    result = FileResult(path)
    try:
        source = decode(data)
    except DecodeError as error:
        return result.error("decode-error", f"cannot decode: {error}", error.line, error.col)
    rules = _relevant(source.text, rules)
    if not rules:
        return result
    try:
        outcome = transform(source.text, rules, unsafe_fixes, keras_import)
    except ParserSyntaxError as error:
        line, col, message = syntax_error_position(source.text, error)
        return result.error("syntax-error", f"cannot parse: {message}", line, col)
    except UnfaithfulParse as error:
        return result.error("syntax-error", f"{error}; file left unchanged")
    except RecursionError:
        return result.error("syntax-error", "cannot parse: nested too deeply")
    except RuleError as error:
        return result.error("internal-error", f"{error}; file left unchanged")
    except UnparsableOutput as error:
        return result.error("internal-error", f"the rewrite would not parse ({error}); file left unchanged")
    result.findings = outcome.findings
    if outcome.text != source.text:
        try:
            updated = source.encode(outcome.text)
            exact = source.encode(source.text) == data
        except UnicodeEncodeError as error:
            return result.error("internal-error", f"the rewrite cannot be encoded as {source.encoding}: {error.reason}")
        if not exact:
            return result.error("decode-error", f"{source.encoding} does not round-trip; file left unchanged")
        result.original, result.updated = data, updated
    return result


def _relevant(text: str, rules: Sequence[type[Rule]]) -> list[type[Rule]]:
    """The rules the second stage keeps. Code `ast` cannot parse (a newer Python than this one,
    or invalid) goes to libcst as it is, which reads newer syntax and reports invalid code."""
    from optfix.transform import quiet_parse

    try:
        tree = quiet_parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return list(rules)
    return [rule for rule in rules if rule.relevant(tree)]


def _work(path: Path, rule_ids: tuple[str, ...], unsafe_fixes: bool, keras_import: str = "keras") -> FileResult:
    rules = rules_by_id()
    return _guarded(path, lambda: process_file(path, [rules[rule_id] for rule_id in rule_ids], unsafe_fixes, keras_import))


def _guarded(path: Path, work) -> FileResult:
    try:
        return work()
    except Exception as error:  # a bug in optfix must not take the other files down with it
        return FileResult(path).error("internal-error", f"{type(error).__name__}: {error}; file left unchanged")


def _init_worker() -> None:
    # The trees libcst builds are acyclic: the cyclic collector only costs time.
    gc.freeze()
    gc.set_threshold(100_000, 50, 50)


def triggered_rules(data: bytes, rules: Sequence[type[Rule]]) -> list[type[Rule]]:
    """The prefilter: the rules that may have work in a file with these bytes."""
    return [rule for rule in rules if rule.wants(data)]


def _triggered(path: Path, rules: Sequence[type[Rule]]) -> FileResult | tuple[str, ...]:
    """Either a final result, or the ids of the rules the prefilter lets through."""
    try:
        data = path.read_bytes()
    except OSError as error:
        return FileResult(path).error("read-error", f"cannot read: {error.strerror or error}")
    return _prefiltered(path, data, rules)


def _prefiltered(path: Path, data: bytes, rules: Sequence[type[Rule]]) -> FileResult | tuple[str, ...]:
    triggered = tuple(rule.id for rule in triggered_rules(data, rules))
    if triggered and len(data) > MAX_PARSE_BYTES:
        result = FileResult(path)
        result.findings.append(Finding(1, 1, "file-too-large", f"not processed: {len(data) / 2**20:.1f} MiB is over the "
                                       f"{MAX_PARSE_BYTES >> 20} MiB optfix parses; review it by hand ({', '.join(triggered)})"))
        return result
    return triggered or FileResult(path)


def run(
    files: Iterable[Path], rules: Sequence[type[Rule]], *, jobs: int, unsafe_fixes: bool = False, keras_import: str = "keras"
) -> Iterator[FileResult]:
    """Yield one result per file, in the order of `files`, working on up to `jobs` at once.

    The parent reads each file once for the prefilter; only files that some rule may change are
    sent (by path) to a worker, which reads, parses and transforms it.
    """
    if jobs <= 1:
        for path in files:
            triggered = _triggered(path, rules)
            yield triggered if isinstance(triggered, FileResult) else _work(path, triggered, unsafe_fixes, keras_import)
        return
    with ProcessPoolExecutor(jobs, mp_context=_POOL_CONTEXT, initializer=_init_worker) as pool:
        pending: deque[FileResult | Future] = deque()
        try:
            for path in files:
                triggered = _triggered(path, rules)
                if isinstance(triggered, FileResult):
                    pending.append(triggered)
                else:
                    pending.append(pool.submit(_work, path, triggered, unsafe_fixes, keras_import))
                while pending and (isinstance(pending[0], FileResult) or len(pending) > jobs * 4):
                    yield _resolved(pending.popleft())
            while pending:
                yield _resolved(pending.popleft())
        finally:
            for item in pending:
                if isinstance(item, Future):
                    item.cancel()


def _resolved(item: FileResult | Future) -> FileResult:
    return item if isinstance(item, FileResult) else item.result()
