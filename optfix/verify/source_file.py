"""One file for `optfix verify`: migrate it in memory, load both versions, one row per class.

A class gets a row when get-updates migrated it or reported on it. The original module runs on
the numpy Keras 2 backend, the migrated one in a fresh namespace under the real Keras 3; neither
is written anywhere, and a file with nothing migrated is never executed.
"""

from __future__ import annotations

import ast
from pathlib import Path

from optfix.engine.prefilter import MAX_PARSE_BYTES, bytes_stage
from optfix.engine.journey import process_bytes
from optfix.findings import Finding, Kind
from optfix.files.notebook import is_notebook
from optfix.files.source import decode
from optfix.analysis.ast_nodes import quiet_parse
from optfix.verify.pair import Row, describe, run_pair, user_code
from optfix.verify.project_modules import module_name, stand_ins


def verify_file(path: Path, shown: str, keras, arguments: dict[str, dict] | None = None) -> tuple[list[Row], list[Finding]]:
    """The rows of one file, or the errors that kept it from being verified. `arguments`: the
    constructor's keyword arguments, by class name (none by default)."""
    from optfix.codemods.get_updates.rule import GetUpdatesRule

    if is_notebook(path):
        return [], [Finding(1, 1, "read-error", "not verified: optfix verify runs .py files, not notebooks", Kind.ERROR)]
    try:
        data = path.read_bytes()
    except OSError as error:
        return [], [Finding(1, 1, "read-error", f"cannot read: {error.strerror or error}", Kind.ERROR)]
    if not bytes_stage(data, [GetUpdatesRule]):
        return [], []
    if len(data) > MAX_PARSE_BYTES:
        return [], [Finding(1, 1, "file-too-large", f"not verified: over the {MAX_PARSE_BYTES >> 20} MiB optfix parses", Kind.ERROR)]
    # process_bytes is transform() with the error reporting of the other commands.
    result = process_bytes(path, data, [GetUpdatesRule])
    errors = [f for f in result.findings if f.kind is Kind.ERROR]
    if errors or not result.findings:
        return [], errors
    original = decode(data).text
    try:
        tree = quiet_parse(original)
    except SyntaxError as error:  # libcst reads syntax newer than this Python; exec could not
        return [], [Finding(error.lineno or 1, error.offset or 1, "syntax-error", f"cannot compile: {error.msg}", Kind.ERROR)]
    classes = _reported_classes(tree, result.findings)
    legacy, migrated, legacy_error, migrated_error = {}, {}, None, None
    if result.changed:
        legacy, legacy_error = _load(_legacy_classes, original, path)
        migrated, migrated_error = _load(_migrated_classes, decode(result.updated).text, path, keras)
    rows = []
    for node, message in classes:
        where = f"{shown}:{node.lineno}"
        if message is not None:
            rows.append(Row(where, node.name, f"not migrated: {message}"))
        elif legacy_error or migrated_error:
            side = "original" if legacy_error else "migrated"
            rows.append(Row(where, node.name, f"not run: the {side} module raised {legacy_error or migrated_error}"))
        elif node.name not in legacy or node.name not in migrated:
            rows.append(Row(where, node.name, "not run: not an optimizer class at module level"))
        else:
            rows.append(run_pair(where, node.name, legacy[node.name], migrated[node.name], (arguments or {}).get(node.name, {})))
    return rows, []


def _reported_classes(tree: ast.Module, findings: list[Finding]) -> list[tuple[ast.ClassDef, str | None]]:
    """The classes defining get_updates that the rule migrated (message None) or reported on
    (its first message), in source order. A finding belongs to the innermost class around it."""
    spans = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and any(isinstance(s, ast.FunctionDef) and s.name == "get_updates" for s in node.body):
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            spans.append((start, node.end_lineno or node.lineno, node))
    mine: dict[ast.ClassDef, list[Finding]] = {}
    for finding in findings:
        around = [span for span in spans if span[0] <= finding.line <= span[1]]
        if finding.rule == "get-updates" and around:
            mine.setdefault(min(around, key=lambda span: span[1] - span[0])[2], []).append(finding)
    classes = []
    for _, _, node in sorted(spans, key=lambda span: span[0]):
        found = mine.get(node, [])
        review = [f.message for f in found if f.kind is Kind.REVIEW]
        if any(f.kind is Kind.CHANGE for f in found):
            classes.append((node, None))
        elif review:
            classes.append((node, review[0].removeprefix(f"{node.name} not migrated: ")))
    return classes


def _load(loader, *args) -> tuple[dict[str, type], str | None]:
    """The optimizer classes one module defines, or what its code raised."""
    try:
        with user_code():
            return loader(*args), None
    except (Exception, SystemExit) as error:
        return {}, describe(error)


def _legacy_classes(text: str, path: Path) -> dict[str, type]:
    from optfix.verify.legacy_keras import load_legacy, optimizer_classes

    name, package = module_name(path)
    return optimizer_classes(load_legacy(text, str(path), name, package, lambda: stand_ins(path, text, package)))


def _migrated_classes(text: str, path: Path, keras) -> dict[str, type]:
    from optfix.verify.legacy_keras import installed

    name, package = module_name(path)
    namespace = {"__name__": name, "__file__": str(path), "__package__": package}
    with installed(stand_ins(path, text, package)):
        exec(compile(text, str(path), "exec"), namespace)
    return {name: value for name, value in namespace.items()
            if isinstance(value, type) and issubclass(value, keras.optimizers.Optimizer)
            and value.__module__ == namespace["__name__"]}
