"""One file for `optfix verify`: migrate it in memory, load both versions, one row per class.

A class gets a row when get-updates or optimizer-v2 migrated it or reported on it. A get_updates
original runs on the numpy Keras 2 backend here, an OptimizerV2 original on tf_keras in a process
of its own; the migrated module runs in a fresh namespace under the real Keras 3, here on
TensorFlow, in a process of its own on another backend. Nothing is written anywhere, and a file
with nothing migrated is never executed.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from optfix.engine.prefilter import MAX_PARSE_BYTES, bytes_stage
from optfix.findings import Finding, Kind
from optfix.files.notebook import is_notebook
from optfix.files.source import decode
from optfix.analysis.ast_nodes import quiet_parse
from optfix.verify.arguments import mapping_arguments, required_arguments
from optfix.verify.pair import Row, Side, describe, failing, in_process, judge, unbound, user_code
from optfix.verify.migrated_module import migrated_classes
from optfix.verify.placeholders import placeholders
from optfix.verify.project_modules import module_name, stand_ins
from optfix.verify.run_sources import RunSources


def verify_file(path: Path, shown: str, keras, arguments: dict[str, dict] | None = None,
                backend: str = "tensorflow", unsafe_fixes: bool = False, run: RunSources | None = None) -> tuple[list[Row], list[Finding]]:
    """The rows of one file, or the errors that kept it from being verified. `arguments`: the
    constructor's keyword arguments, by class name (none by default, but for what
    arguments.py can supply); `backend`: the Keras 3 backend the migrations run on;
    `unsafe_fixes`: the migrations --unsafe-fixes applies are run too; `run`: the other files
    verified with it (a run of this file alone by default)."""
    rules = verified_rules()
    if is_notebook(path):
        return [], [Finding(1, 1, "read-error", "not verified: optfix verify runs .py files, not notebooks", Kind.ERROR)]
    try:
        data = path.read_bytes()
    except OSError as error:
        return [], [Finding(1, 1, "read-error", f"cannot read: {error.strerror or error}", Kind.ERROR)]
    if not bytes_stage(data, rules):
        return [], []
    if len(data) > MAX_PARSE_BYTES:
        return [], [Finding(1, 1, "file-too-large", f"not verified: over the {MAX_PARSE_BYTES >> 20} MiB optfix parses", Kind.ERROR)]
    # The run's process_bytes is transform() with the error reporting of the other commands.
    run = run or RunSources([path], rules, unsafe_fixes)
    result = run.result(path, data)
    errors = [f for f in result.findings if f.kind is Kind.ERROR]
    if errors or not result.findings:
        return [], errors
    original = decode(data).text
    try:
        tree = quiet_parse(original)
    except SyntaxError as error:  # libcst reads syntax newer than this Python; exec could not
        return [], [Finding(error.lineno or 1, error.offset or 1, "syntax-error", f"cannot compile: {error.msg}", Kind.ERROR)]
    classes = _reported_classes(tree, result.findings)
    migrated_text = decode(result.updated).text if result.changed else ""
    kwargs = {node.name: {**mapping_arguments(node), **(arguments or {}).get(node.name, {})}
              for node, _, message in classes if message is None}
    sparse = set()  # Keras 3 hands update_step a tf.IndexedSlices on TensorFlow only
    if backend == "tensorflow":
        sparse = _sparse_classes(tree, migrated_text) & {node.name for node, rule, _ in classes if rule == "optimizer-v2"}
    sides = _Sides(path, original, migrated_text, keras, backend, kwargs, {node.name: rule for node, rule, m in classes if m is None}, sparse)
    sides.sources = run.imported(path, tree)
    rows = []
    for node, rule, message in classes:
        where = f"{shown}:{node.lineno}"
        if message is not None:
            rows.append(Row(where, node.name, f"not migrated: {message}"))
            continue
        missing = [name for name in required_arguments(node) if name not in kwargs[node.name]]
        # An OptimizerV2 original runs in another process: its signature is read from the source.
        verdict = (f"not run: needs constructor arguments (missing {', '.join(missing)})" if missing and rule == "optimizer-v2"
                   else sides.not_runnable(node.name, rule))
        if verdict:
            rows.append(Row(where, node.name, verdict))
        else:
            rows.append(judge(where, node.name, sides.original(rule), sides.migrated(), kwargs[node.name], node.name in sparse))
    return rows, []


def verified_rules() -> list:
    """The rules whose migrations verify runs."""
    from optfix.codemods.get_updates.rule import GetUpdatesRule
    from optfix.codemods.optimizer_v2.rule import OptimizerV2Rule

    return [GetUpdatesRule, OptimizerV2Rule]


class _Sides:
    """How the original and the migrated classes of one file run: in this process where the
    Keras they need is the one loaded here, in a process of their own where it is not."""

    def __init__(self, path: Path, original: str, migrated: str, keras, backend: str, kwargs: dict[str, dict], rules: dict[str, str],
                 sparse: set[str]):
        self.path, self.original_text, self.migrated_text = path, original, migrated
        self.keras, self.backend, self.kwargs, self.rules, self.sparse = keras, backend, kwargs, rules, sparse
        self._made: dict[str, object] = {}
        self.sources: tuple[dict[str, str], dict[str, str]] = ({}, {})  # of the migrated modules it imports: original, migrated

    def _once(self, key: str, make):
        if key not in self._made:
            self._made[key] = make()
        return self._made[key]

    def legacy_classes(self) -> tuple[dict[str, type], str | None]:
        return self._once("legacy", lambda: _load(_legacy_classes, self.original_text, self.path, self.sources[0]))

    def migrated_classes(self) -> tuple[dict[str, type], str | None]:
        return self._once("migrated", lambda: _load(migrated_classes, self.migrated_text, self.path, self.keras, self.sources[1]))

    def not_runnable(self, name: str, rule: str) -> str | None:
        """A verdict reached without running: the classes cannot take the arguments, or the
        class is not one verify can reach."""
        legacy = migrated = None
        if rule == "get-updates":
            found, error = self.legacy_classes()
            if error is None and name not in found:
                return "not run: not an optimizer class at module level"
            legacy = found.get(name)
        if self.backend == "tensorflow":
            migrated = self.migrated_classes()[0].get(name)
        return unbound(legacy, migrated, self.kwargs[name])

    def original(self, rule: str) -> Side:
        if rule == "get-updates":
            from optfix.verify.legacy_keras import run_legacy

            found, error = self.legacy_classes()
            return failing(f"{error} (loading its module)") if error else in_process(found, run_legacy)
        from optfix.verify.processes import batched_side
        from optfix.verify.tf_keras_runner import ENVIRONMENT, MODULE

        entries = [(name, self.kwargs[name], name in self.sparse) for name, r in self.rules.items() if r == rule]
        return self._once("tf_keras", lambda: batched_side(MODULE, ENVIRONMENT, {"path": str(self.path), "source": self.original_text}, entries))

    def migrated(self) -> Side:
        if self.backend == "tensorflow":
            from optfix.verify.keras3 import run_keras3

            found, error = self.migrated_classes()
            return failing(f"{error} (loading its module)") if error else in_process(found, run_keras3)
        from optfix.verify.keras3_runner import MODULE, environment
        from optfix.verify.processes import batched_side

        entries = [(name, kwargs, name in self.sparse) for name, kwargs in self.kwargs.items()]
        return self._once(self.backend, lambda: batched_side(MODULE, environment(self.backend),
                                                             {"path": str(self.path), "source": self.migrated_text,
                                                              "sources": self.sources[1]}, entries))


_RULE_OF_METHOD = {"get_updates": "get-updates", "_resource_apply_dense": "optimizer-v2", "_create_slots": "optimizer-v2"}


def _reported_classes(tree: ast.Module, findings: list[Finding]) -> list[tuple[ast.ClassDef, str, str | None]]:
    """The optimizer classes (defining get_updates, or OptimizerV2's methods) that their rule
    migrated (message None) or reported on (its first message), in source order, with the rule.
    A finding belongs to the innermost class around it."""
    spans = []
    rule_of: dict[ast.ClassDef, str] = {}
    for node in ast.walk(tree):
        rules = [_RULE_OF_METHOD[s.name] for s in node.body if isinstance(s, ast.FunctionDef) and s.name in _RULE_OF_METHOD] if isinstance(node, ast.ClassDef) else []
        if rules:
            rule_of[node] = rules[0]
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            spans.append((start, node.end_lineno or node.lineno, node))
    mine: dict[ast.ClassDef, list[Finding]] = {}
    for finding in findings:
        around = [span for span in spans if span[0] <= finding.line <= span[1]]
        if around and finding.rule == rule_of[min(around, key=lambda span: span[1] - span[0])[2]]:
            mine.setdefault(min(around, key=lambda span: span[1] - span[0])[2], []).append(finding)
    classes = []
    for _, _, node in sorted(spans, key=lambda span: span[0]):
        found = mine.get(node, [])
        review = [f.message for f in found if f.kind is Kind.REVIEW]
        if any(f.kind is Kind.CHANGE for f in found):
            classes.append((node, rule_of[node], None))
        elif review:
            classes.append((node, rule_of[node], re.sub(rf"^{re.escape(node.name)} not migrated( to Keras 3)?(: | (?=without --unsafe-fixes))", "", review[0])))
    return classes


_SPARSE_METHODS = {"_resource_apply_sparse", "_resource_apply_sparse_duplicate_indices"}


def _sparse_classes(original: ast.Module, migrated_text: str) -> set[str]:
    """The OptimizerV2 classes whose original has a sparse method, or whose migration tests for a
    tf.IndexedSlices gradient: verify feeds them an embedding's sparse gradients too; not those
    whose sparse methods only raise (the original takes no sparse gradient: nothing to compare)."""
    sparse_methods = {node.name: [s for s in node.body if isinstance(s, ast.FunctionDef) and s.name in _SPARSE_METHODS]
                      for node in ast.walk(original) if isinstance(node, ast.ClassDef)}
    names = {name for name, methods in sparse_methods.items() if methods}
    refusing = {name for name, methods in sparse_methods.items() if methods and all(map(_only_raises, methods))}
    try:
        migrated = quiet_parse(migrated_text) if migrated_text else None
    except SyntaxError:
        migrated = None
    for node in ast.walk(migrated) if migrated else ():
        if isinstance(node, ast.ClassDef) and any(isinstance(n, ast.Attribute) and n.attr == "IndexedSlices" for n in ast.walk(node)):
            names.add(node.name)
    return names - refusing


def _only_raises(method: ast.FunctionDef) -> bool:
    body = [s for s in method.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    return bool(body) and all(isinstance(s, ast.Raise) for s in body)


def _load(loader, *args) -> tuple[dict[str, type], str | None]:
    """The optimizer classes one module defines, or what its code raised."""
    try:
        with user_code():
            return loader(*args), None
    except (Exception, SystemExit) as error:
        return {}, describe(error)


def _legacy_classes(text: str, path: Path, sources: dict[str, str]) -> dict[str, type]:
    from optfix.verify.legacy_keras import load_legacy, optimizer_classes

    name, package = module_name(path)
    with placeholders(text, {"keras", "tensorflow"}):
        return optimizer_classes(load_legacy(text, str(path), name, package, lambda: stand_ins(path, text, package, sources)))
