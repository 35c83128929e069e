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
from dataclasses import replace
from itertools import islice
from pathlib import Path

from optfix import notebook
from optfix.findings import FileResult, Finding
from optfix.rule import Rule, rules_by_id
from optfix.source import DecodeError, decode
from optfix.write import TEMPORARY_SUFFIX, is_leftover

# libcst needs ~1 KB of memory per byte of source (a 711 KB file took a worker to ~600 MB):
# larger files that a rule wants are reported, not parsed.
MAX_PARSE_BYTES = 1 << 20

# The worker processes are forked from the parent: rules are already imported there.
_POOL_CONTEXT = multiprocessing.get_context("fork") if sys.platform == "linux" else None


def _read(path: Path) -> bytes | FileResult:
    """The file's bytes, or the result that reports why they cannot be read."""
    try:
        return path.read_bytes()
    except OSError as error:
        return FileResult(path).error("read-error", f"cannot read: {error.strerror or error}")


def process_file(path: Path, rules: Sequence[type[Rule]], unsafe_fixes: bool = False, keras_import: str = "keras") -> FileResult:
    data = _read(path)
    if isinstance(data, FileResult):
        return data
    triggered, _ = _prefilter(path, data, rules)
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
    if notebook.is_notebook(path):
        return _process_notebook(path, data, rules, unsafe_fixes, keras_import)
    result = FileResult(path)
    try:
        source = decode(data)
    except DecodeError as error:
        return result.error("decode-error", f"cannot decode: {error}", error.line, error.col)
    text = _transform(result, source.text, rules, unsafe_fixes, keras_import)
    if text is not None and text != source.text:
        try:
            updated = source.encode(text)
            exact = source.encode(source.text) == data
        except UnicodeEncodeError as error:
            return result.error("internal-error", f"the rewrite cannot be encoded as {source.encoding}: {error.reason}")
        if not exact:
            return result.error("decode-error", f"{source.encoding} does not round-trip; file left unchanged")
        result.original, result.updated = data, updated
    return result


def _process_notebook(path: Path, data: bytes, rules: Sequence[type[Rule]], unsafe_fixes: bool, keras_import: str) -> FileResult:
    """A notebook's code cells, transformed as one program; findings point into their cells."""
    result = FileResult(path)
    try:
        book = notebook.parse(data)
        text = _transform(result, book.program, rules, unsafe_fixes, keras_import)
        result.findings = [book.locate(finding) for finding in result.findings]
        updated = book.with_program(text) if text is not None and text != book.program else data
        if updated != data:
            result.original, result.updated = data, updated
    except notebook.NotebookError as error:
        result.error(error.rule, error.message, error.line, error.col)
        if error.cell is not None:
            result.findings[-1] = replace(result.findings[-1], cell=error.cell)
    return result


def _transform(result: FileResult, text: str, rules: Sequence[type[Rule]], unsafe_fixes: bool, keras_import: str) -> str | None:
    """The rewritten text, its findings put in `result`; None if it cannot be rewritten (then
    `result` holds the error)."""
    rules = _relevant(text, rules)
    if not rules:
        return text
    from libcst import ParserSyntaxError

    from optfix.transform import RuleError, UnfaithfulParse, UnparsableOutput, syntax_error_position, transform

    try:
        outcome = transform(text, rules, unsafe_fixes, keras_import, result.path)
    except ParserSyntaxError as error:
        line, col, message = syntax_error_position(text, error)
        result.error("syntax-error", f"cannot parse: {message}", line, col)
        return None
    except UnfaithfulParse as error:
        result.error("syntax-error", f"{error}; file left unchanged")
        return None
    except RecursionError:
        result.error("syntax-error", "cannot parse: nested too deeply")
        return None
    except RuleError as error:
        result.error("internal-error", f"{error}; file left unchanged")
        return None
    except UnparsableOutput as error:
        result.error("internal-error", f"the rewrite would not parse ({error}); file left unchanged")
        return None
    result.findings = outcome.findings
    return outcome.text


def _relevant(text: str, rules: Sequence[type[Rule]]) -> list[type[Rule]]:
    """The rules the second stage keeps. Code `ast` cannot parse (a newer Python than this one,
    or invalid) goes to libcst as it is, which reads newer syntax and reports invalid code."""
    from optfix.source import quiet_parse

    try:
        tree = quiet_parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return list(rules)
    return [rule for rule in rules if rule.relevant(tree)]


def _work(path: Path, rule_ids: tuple[str, ...], unsafe_fixes: bool, keras_import: str = "keras") -> FileResult:
    """A worker's part: the file read again and processed by the rules the parent's prefilter chose."""
    rules = rules_by_id()

    def work() -> FileResult:
        data = _read(path)
        if isinstance(data, FileResult):
            return data
        return process_bytes(path, data, [rules[rule_id] for rule_id in rule_ids], unsafe_fixes, keras_import)

    return _guarded(path, work)


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


def _prefilter(path: Path, data: bytes, rules: Sequence[type[Rule]]) -> tuple[list[type[Rule]], int]:
    """The rules the prefilter lets through for a file, and the size of the code they would parse.
    A notebook's prefilter reads its program, as JSON escapes hide text in its bytes (`\\"` for `"`);
    one that cannot be read as a notebook goes on to every rule, whose processing reports it."""
    if notebook.is_notebook(path):
        try:
            data = notebook.parse(data).program.encode("utf-8", "surrogatepass")
        except notebook.NotebookError:
            return list(rules), 0
    return triggered_rules(data, rules), len(data)


def _triggered(path: Path, rules: Sequence[type[Rule]]) -> FileResult | tuple[str, ...]:
    """Either a final result, or the ids of the rules the prefilter lets through."""
    if is_leftover(path.name):
        return _leftover(path)
    data = _read(path)
    return data if isinstance(data, FileResult) else _prefiltered(path, data, rules)


def _leftover(path: Path) -> FileResult:
    target = path.name[1:].removesuffix(TEMPORARY_SUFFIX).rpartition(".")[0]
    result = FileResult(path)
    result.findings.append(Finding(1, 1, "leftover-temporary-file", f"left by an optfix run that was stopped before it "
                                   f"could rename it over {target} ({target} itself is whole: as it was, or completely "
                                   "rewritten); delete it, unless an optfix run is writing here right now"))
    return result


def _prefiltered(path: Path, data: bytes, rules: Sequence[type[Rule]]) -> FileResult | tuple[str, ...]:
    triggered_list, size = _prefilter(path, data, rules)
    triggered = tuple(rule.id for rule in triggered_list)
    if triggered and size > MAX_PARSE_BYTES:
        result = FileResult(path)
        result.findings.append(Finding(1, 1, "file-too-large", f"not processed: {size / 2**20:.1f} MiB is over the "
                                       f"{MAX_PARSE_BYTES >> 20} MiB optfix parses; review it by hand ({', '.join(triggered)})"))
        return result
    return triggered or FileResult(path)


def run(
    files: Iterable[Path], rules: Sequence[type[Rule]], *, jobs: int, unsafe_fixes: bool = False, keras_import: str = "keras"
) -> Iterator[FileResult]:
    """Yield one result per file, in the order of `files`, working on up to `jobs` at once.

    Workers read and prefilter files in chunks of paths; each file that some rule may change is
    then sent back to the pool on its own, so that a few slow files cannot hold up a chunk of fast
    ones. The parent only walks the tree and keeps the order.
    """
    if jobs <= 1:
        for path in files:
            triggered = _triggered(path, rules)
            yield triggered if isinstance(triggered, FileResult) else _work(path, triggered, unsafe_fixes, keras_import)
        return
    rule_ids = tuple(rule.id for rule in rules)
    paths = iter(files)
    with ProcessPoolExecutor(jobs, mp_context=_POOL_CONTEXT, initializer=_init_worker) as pool:
        chunks: deque[Future] = deque()  # of _triage results
        pending: deque[FileResult | Future] = deque()
        try:
            while True:
                while len(chunks) < jobs * 2 and (chunk := list(islice(paths, _CHUNK))):
                    chunks.append(pool.submit(_triage, chunk, rule_ids))
                if not chunks:
                    break
                for path, triggered in chunks.popleft().result():
                    done = isinstance(triggered, FileResult)
                    pending.append(triggered if done else pool.submit(_work, path, triggered, unsafe_fixes, keras_import))
                while pending and (isinstance(pending[0], FileResult) or pending[0].done() or len(pending) > jobs * 4):
                    yield _resolved(pending.popleft())
            while pending:
                yield _resolved(pending.popleft())
        finally:
            for item in (*chunks, *pending):
                if isinstance(item, Future):
                    item.cancel()


_CHUNK = 32  # paths per prefilter message: small messages, few of them


def _triage(paths: list[Path], rule_ids: tuple[str, ...]) -> list[tuple[Path, FileResult | tuple[str, ...]]]:
    """A worker's first part: each file's final result, or the ids of the rules that may act on it."""
    by_id = rules_by_id()
    rules = [by_id[rule_id] for rule_id in rule_ids]
    return [(path, _guarded(path, lambda path=path: _triggered(path, rules))) for path in paths]


def _resolved(item: FileResult | Future) -> FileResult:
    return item if isinstance(item, FileResult) else item.result()
