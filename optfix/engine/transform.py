"""The CST stage of a file's journey: parse once, all rules in one traversal, imports
reconciled, code generated, the result re-parsed as a safety net."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import libcst as cst

from optfix.analysis.comments import restore_import_comments
from optfix.findings import Finding, Kind
from optfix.analysis.positions import positions as node_positions
from optfix.analysis.ast_nodes import quiet_parse
from optfix.engine.registry import rules_by_id
from optfix.rulekit.rule import FileContext, FixOptions, Rule
from optfix.analysis.suppressions import Suppressions, may_suppress
from optfix.analysis.tree import code, reads, skippable, transformed


class RuleError(Exception):
    """A rule raised while transforming; the file is left as it was."""

    def __init__(self, rule: str, error: BaseException) -> None:
        super().__init__(f"rule {rule} raised {type(error).__name__}: {error}")
        self.rule = rule


class UnparsableOutput(Exception):
    pass


class UnfaithfulParse(Exception):
    """libcst cannot reproduce this file byte for byte, so a rewrite could alter more than it says."""


@dataclass
class Outcome:
    text: str
    findings: list[Finding]


class _Traversal(cst.CSTTransformer):
    """Dispatches each node to the handlers of every rule, in rule order."""

    def __init__(self, rules: Sequence[Rule], file: FileContext) -> None:
        super().__init__()
        self.file = file
        self.visitors = defaultdict(list)
        self.leavers = defaultdict(list)
        for rule in rules:
            for name in dir(type(rule)):
                kind, _, node_type = name.partition("_")
                if kind == "visit" and node_type:
                    self.visitors[node_type].append((rule.id, getattr(rule, name)))
                elif kind == "leave" and node_type:
                    self.leavers[node_type].append((rule.id, getattr(rule, name)))

    def on_visit(self, node: cst.CSTNode) -> bool:
        for rule_id, handler in self.visitors.get(type(node).__name__, ()):
            try:
                handler(node)
            except Exception as error:
                raise RuleError(rule_id, error) from error
        return True

    def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode):
        node_type = type(original)
        notes = self.file.notes
        for rule_id, handler in self.leavers.get(node_type.__name__, ()):
            mark = len(notes)
            try:
                result = handler(original, updated)
            except Exception as error:
                raise RuleError(rule_id, error) from error
            # Rule.rewrite() refuses a suppressed node; this also holds a rule to it that
            # returns a replacement without looking at what rewrite() gave back, or that
            # replaces a suppressed node to change a part of it that is not.
            if result is not updated and self.file.suppressed(rule_id, original):
                notes[mark:] = [note for note in notes[mark:] if note.kind is not Kind.CHANGE]
                continue
            updated = result
            if type(updated) is not node_type:
                break
        return updated


def transform(text: str, rules: Sequence[type[Rule]], options: FixOptions = FixOptions(), path: Path | None = None) -> Outcome:
    """Apply `rules` to `text`, the code of the file `path` if it has one. Raises
    ParserSyntaxError, RuleError or UnparsableOutput."""
    module = cst.parse_module(text)
    file = FileContext(module, text, options, path=path)
    if may_suppress(text):
        file.suppressions = Suppressions.of(module, frozenset(rules_by_id()))
    traversal = _Traversal([rule(file) for rule in rules], file)
    rewritten = transformed(module, traversal, skippable(frozenset(traversal.visitors) | frozenset(traversal.leavers)))
    if not any(note.kind is Kind.CHANGE for note in file.notes):
        # Rules change the tree only through Rule.rewrite(): nothing to generate.
        return Outcome(text, _locate(module, file))
    rewritten = _reconcile_imports(rewritten, file)
    new_text = rewritten.code
    if new_text != text:
        baseline = module.code
        if new_text == baseline:  # libcst's own normalisation, not a rule's change
            new_text = text
        elif baseline != text:
            raise UnfaithfulParse("libcst cannot reproduce this file exactly (unusual line endings?)")
        else:
            _check_parses(new_text, text)
    findings = _locate(module, file)
    if new_text != text and (file.imports_to_remove or file.imports_to_drop):
        new_text, lost = restore_import_comments(text, new_text)
        findings += [Finding(line, 1, "comment-lost", f"the comment {comment!r} was on an import line the rewrite removed "
                             "and could not be put back safely: restore it by hand") for line, comment in lost]
    return Outcome(new_text, sorted(findings))


def syntax_error_position(text: str, error: cst.ParserSyntaxError) -> tuple[int, int, str]:
    """Where the syntax error is and what it is: CPython's account when it has one, as libcst
    points at the furthest place its parser reached, which can be lines later."""
    try:
        quiet_parse(text)
    except SyntaxError as python_error:
        if python_error.lineno:
            return python_error.lineno, python_error.offset or 1, python_error.msg
    except (ValueError, RecursionError, MemoryError):
        pass
    return error.raw_line, error.raw_column + 1, error.message


def _reconcile_imports(module: cst.Module, file: FileContext) -> cst.Module:
    if file.imports_to_drop:
        module = module.visit(_DropImports(file.imports_to_drop))
    if not (file.imports_to_add or file.imports_to_remove):
        return module
    # libcst's RemoveImportsVisitor never removes `from . import x`: dropped here when nothing reads x.
    read = {name.value for name in reads(module)}
    package_imports = [r for r in file.imports_to_remove if not r[0].strip(".") and r[1] is not None]
    unread = [r for r in package_imports if (r[2] or r[1]) not in read]
    if unread:
        module = module.visit(_DropImports(unread))
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor

    if file.imports_to_add:
        context = CodemodContext()
        for module_name, name, alias in file.imports_to_add:
            AddImportsVisitor.add_needed_import(context, module_name, name, alias)
        module = AddImportsVisitor(context).transform_module(module)
    for removals in _removal_rounds(file.imports_to_remove):
        # libcst matches a relative import by its absolute name: this package stands for the file's.
        context = CodemodContext(full_module_name=f"{_PACKAGE}.module", full_package_name=_PACKAGE)
        for module_name, name, alias in removals:
            RemoveImportsVisitor.remove_unused_import(context, _absolute(module_name), name, alias)
        module = RemoveImportsVisitor(context).transform_module(module)
    return module


class _DropImports(cst.CSTTransformer):
    """`from module import name [as alias]` out of the module-level imports, for each one given."""

    def __init__(self, drops: list[tuple[str, str | None, str | None]]) -> None:
        super().__init__()
        self.drops = set(drops)

    def leave_ImportFrom(self, original: cst.ImportFrom, updated: cst.ImportFrom):
        if isinstance(updated.names, cst.ImportStar):
            return updated
        module = "." * len(updated.relative) + (code(updated.module) if updated.module else "")
        kept = [alias for alias in updated.names
                if (module, alias.evaluated_name, alias.evaluated_alias) not in self.drops]
        if len(kept) == len(updated.names):
            return updated
        if not kept:
            return cst.RemoveFromParent()
        return updated.with_changes(names=[*kept[:-1], kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)])

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False


_PACKAGE = ".".join(f"_optfix_{level}" for level in range(16))


def _absolute(module_name: str) -> str:
    """`.backend` as libcst spells it from inside _PACKAGE."""
    level = len(module_name) - len(module_name.lstrip("."))
    if not level:
        return module_name
    parts = _PACKAGE.split(".")[: 16 - (level - 1)] + [part for part in module_name[level:].split(".") if part]
    return ".".join(parts)


def _removal_rounds(removals: list[tuple[str, str | None, str | None]]) -> list[list[tuple[str, str | None, str | None]]]:
    """libcst's RemoveImportsVisitor keeps one alias per imported module, so `import m` and
    `import m as x` are removed in separate passes (almost always there is one)."""
    rounds: list[list[tuple[str, str | None, str | None]]] = []
    for module_name, name, alias in dict.fromkeys(removals):
        clash = name is None
        target = next((r for r in rounds if not (clash and any(m == module_name and n is None for m, n, _ in r))), None)
        if target is None:
            rounds.append(target := [])
        target.append((module_name, name, alias))
    return rounds


def _check_parses(new_text: str, old_text: str) -> None:
    """Re-parse the output: `ast` first (cheap); libcst where this Python is older than the code."""
    try:
        quiet_parse(new_text)
        return
    except SyntaxError as error:
        first_error = error
    try:
        quiet_parse(old_text)
    except SyntaxError:
        try:
            cst.parse_module(new_text)
            return
        except cst.ParserSyntaxError as error:
            raise UnparsableOutput(str(error).splitlines()[0]) from None
    raise UnparsableOutput(f"line {first_error.lineno}: {first_error.msg}")


def _locate(module: cst.Module, file: FileContext) -> list[Finding]:
    findings = list(file.suppressions.findings) if file.suppressions is not None else []
    if not file.notes:
        return sorted(findings)
    if file.suppressions is not None:  # positions already resolved
        positions = file.suppressions.positions
    else:
        positions = node_positions(module, [note.node for note in file.notes])
    for note in file.notes:
        where = positions[note.node]
        findings.append(Finding(
            where.start.line, where.start.column + 1, note.rule, note.message, note.kind,
            where.end.line, where.end.column + 1, note.unsafe_fix,
        ))
    return sorted(findings)
