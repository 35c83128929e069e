"""The prefilter: which rules may have work in a file, decided without libcst.

Two stages: the bytes stage (each rule's `wants`, substrings and patterns on the raw bytes) and
the ast stage (each rule's `relevant`, on Python's own tree of the code). A file no rule passes
is done: it is never parsed with libcst."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from optfix.analysis.ast_nodes import quiet_parse
from optfix.analysis.dotted_names import read_from
from optfix.analysis.star_imports import equivalent_imports, may_reach_unread_names
from optfix.files import notebook
from optfix.files.source import read_file
from optfix.files.write import is_leftover, leftover_advice
from optfix.findings import FileResult, Finding
from optfix.rulekit.rule import Rule

# libcst holds about 1 KB of memory per byte of source it parses: a larger file that a rule wants
# is reported, not parsed, so that one file cannot exhaust a worker's memory.
MAX_PARSE_BYTES = 1 << 20


def bytes_stage(data: bytes, rules: Sequence[type[Rule]]) -> list[type[Rule]]:
    """The rules that may have work in a file with these bytes."""
    return [rule for rule in rules if rule.wants(data)]


def ast_stage(text: str, rules: Sequence[type[Rule]], path: Path | None = None) -> list[type[Rule]]:
    """The rules the ast stage keeps. Code `ast` cannot parse (a newer Python than this one, or
    invalid) goes to libcst as it is, which reads newer syntax and reports invalid code. With the
    file's `path`, star imports of the project's own modules are followed."""
    try:
        tree = quiet_parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return list(rules)
    read_from(tree, path)
    return [rule for rule in rules if rule.relevant(tree)]


def code_bytes_stage(path: Path, data: bytes, rules: Sequence[type[Rule]]) -> tuple[list[type[Rule]], int]:
    """The bytes stage on a file's code, and the code's size. A notebook's code is its program,
    as JSON escapes hide text in its bytes (`\\"` for `"`); one that cannot be read as a notebook
    goes on to every rule, whose processing reports it."""
    if notebook.is_notebook(path):
        try:
            data = notebook.parse(data).program.encode("utf-8", "surrogatepass")
        except notebook.NotebookError:
            return list(rules), 0
    # A star import of a project module is read as the imports it stands for; one optfix cannot
    # read lets the file through, for the journey to say that what it binds goes unchecked.
    passed = bytes_stage(data + equivalent_imports(path, data), rules)
    if not passed and may_reach_unread_names(path, data):
        passed = list(rules)
    return passed, len(data)


def prefilter(path: Path, data: bytes, rules: Sequence[type[Rule]]) -> FileResult | tuple[str, ...]:
    """Either the file's final result, or the ids of the rules its bytes let through."""
    passed, size = code_bytes_stage(path, data, rules)
    ids = tuple(rule.id for rule in passed)
    if ids and size > MAX_PARSE_BYTES:
        result = FileResult(path)
        result.findings.append(Finding(1, 1, "file-too-large", f"not processed: {size / 2**20:.1f} MiB is over the "
                                       f"{MAX_PARSE_BYTES >> 20} MiB optfix parses; review it by hand ({', '.join(ids)})"))
        return result
    return ids or FileResult(path)


def prefilter_path(path: Path, rules: Sequence[type[Rule]]) -> FileResult | tuple[str, ...]:
    """`prefilter` on the file at `path`, read here; a leftover temporary file is reported."""
    if is_leftover(path.name):
        return _leftover(path)
    data = read_file(path)
    return data if isinstance(data, FileResult) else prefilter(path, data, rules)


def _leftover(path: Path) -> FileResult:
    result = FileResult(path)
    result.findings.append(Finding(1, 1, "leftover-temporary-file", leftover_advice(path.name)))
    return result
