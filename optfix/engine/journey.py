"""One file's journey, from its bytes to its result: prefilter, decode (or read a notebook's
code cells as one program), the CST stage (optfix.engine.transform), encode. Nothing here
writes; nothing imports libcst unless a rule passes the prefilter."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from optfix.analysis.ast_nodes import quiet_parse
from optfix.analysis.file_ignores import file_ignores
from optfix.analysis.star_imports import unread_star_imports
from optfix.engine.prefilter import ast_stage, code_bytes_stage, prefilter
from optfix.engine.registry import rules_by_id
from optfix.files import notebook
from optfix.files.source import DecodeError, decode, read_file
from optfix.findings import FileResult, Finding
from optfix.rulekit.rule import FixOptions, Rule


def process_file(path: Path, rules: Sequence[type[Rule]], options: FixOptions = FixOptions()) -> FileResult:
    data = read_file(path)
    if isinstance(data, FileResult):
        return data
    passed, _ = code_bytes_stage(path, data, rules)
    if not passed:
        return FileResult(path)
    return process_bytes(path, data, passed, options)


def process_given(path: Path, data: bytes, rules: Sequence[type[Rule]], options: FixOptions = FixOptions()) -> FileResult:
    """A file's bytes given rather than read (stdin), through the same stages as a file's."""
    passed = prefilter(path, data, rules)
    if isinstance(passed, FileResult):
        return passed
    return guarded(path, lambda: process_bytes(path, data, [rule for rule in rules if rule.id in passed], options))


# Spelled apart so that this file does not carry the marker itself.
GENERATED_MARKER = b"@" + b"generated"


def process_bytes(path: Path, data: bytes, rules: Sequence[type[Rule]], options: FixOptions = FixOptions()) -> FileResult:
    """The journey after the bytes stage: `rules` are those that passed it. A generated file (one
    that carries GENERATED_MARKER, as libcst's codemod command honours) is left alone: the next
    generation would undo a fix."""
    if GENERATED_MARKER in data:
        return FileResult(path)
    if notebook.is_notebook(path):
        return _process_notebook(path, data, rules, options)
    result = FileResult(path)
    try:
        source = decode(data)
    except DecodeError as error:
        return result.error("decode-error", f"cannot decode: {error}", error.line, error.col)
    text = _transform(result, source.text, rules, options)
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


def guarded(path: Path, work: Callable[[], FileResult]) -> FileResult:
    try:
        return work()
    except Exception as error:  # a bug in optfix must not take the other files down with it
        return FileResult(path).error("internal-error", f"{type(error).__name__}: {error}; file left unchanged")


def _process_notebook(path: Path, data: bytes, rules: Sequence[type[Rule]], options: FixOptions) -> FileResult:
    """A notebook's code cells, transformed as one program; findings point into their cells."""
    result = FileResult(path)
    try:
        book = notebook.parse(data)
        text = _transform(result, book.program, rules, options)
        result.findings = [book.locate(finding) for finding in result.findings]
        updated = book.with_program(text) if text is not None and text != book.program else data
        if updated != data:
            result.original, result.updated = data, updated
    except notebook.NotebookError as error:
        result.error(error.rule, error.message, error.line, error.col)
        if error.cell is not None:
            result.findings[-1] = replace(result.findings[-1], cell=error.cell)
    return result


def _transform(result: FileResult, text: str, rules: Sequence[type[Rule]], options: FixOptions) -> str | None:
    """The rewritten text, its findings put in `result`; None if it cannot be rewritten (then
    `result` holds the error)."""
    try:
        return _stages(result, text, rules, options)
    finally:
        quiet_parse.cache_clear()  # the file's `ast`, shared by its stages, is not kept past its journey


def _stages(result: FileResult, text: str, rules: Sequence[type[Rule]], options: FixOptions) -> str | None:
    ignored = file_ignores(text, frozenset(rules_by_id()))
    if ignored is not None:
        result.findings += ignored.findings
        rules = [rule for rule in rules if ignored.keeps(rule.id)]
        if not rules:
            return text
    rejected = _python_rejects(text)
    if rejected is not None:
        line, col, message = rejected
        result.error("syntax-error", f"cannot parse: {message}", line, col)
        return None
    if result.path is not None:
        result.findings += _unread_star_imports(result.path, text)
    rules = ast_stage(text, rules, result.path)
    if not rules:
        return text
    from libcst import ParserSyntaxError

    from optfix.engine.transform import RuleError, UnfaithfulParse, UnparsableOutput, syntax_error_position, transform

    try:
        outcome = transform(text, rules, options, result.path)
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
    result.findings = sorted(result.findings + outcome.findings)
    result.era_dependent = outcome.era_dependent
    return outcome.text


def _python_rejects(text: str) -> tuple[int, int, str] | None:
    """Where and why the Python running optfix cannot parse the code, or None if it can. libcst
    reads some code Python refuses (a NUL byte, parentheses nested past Python's limit): such
    code is never rewritten, as the rewrite would be no more valid than the original."""
    try:
        quiet_parse(text)
    except SyntaxError as error:
        if "null bytes" in str(error.msg):
            return (*_first_nul(text), "a NUL byte in the source (Python refuses it)")
        message = error.msg
        if "too many nested" in message or "too complex" in message:
            message = f"nested too deeply ({message})"
        return error.lineno or 1, error.offset or 1, message
    except ValueError:  # a NUL byte, before Python 3.12
        return (*_first_nul(text), "a NUL byte in the source (Python refuses it)")
    except (RecursionError, MemoryError):
        return 1, 1, "nested too deeply (Python's parser ran out of stack)"
    return None


def _first_nul(text: str) -> tuple[int, int]:
    offset = text.find("\0")
    if offset < 0:
        return 1, 1
    return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)


def _unread_star_imports(path: Path, text: str) -> list[Finding]:
    """Star imports of project modules optfix cannot read: what they bind no rule can check."""
    return [Finding(line, 1, "unread-star-import", f"from {module} import *: {module} {why}, so optfix cannot tell what the "
                    "names it binds are, and checks nothing reached through them (keras, K, tf, an optimizer class); "
                    "import those directly, or make the module readable")
            for line, module, why in unread_star_imports(path, text.encode("utf-8", "surrogatepass"))]
