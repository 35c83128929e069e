"""The CST stage of a file's journey: parse once, all rules in one traversal, imports edited
(optfix.engine.import_edits), code generated once (the output, the findings' positions and the
check that libcst reproduces the file), the result re-parsed as a safety net."""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import libcst as cst
from libcst.metadata import CodeRange

from optfix.analysis.ast_nodes import quiet_parse
from optfix.analysis.comments import lost_comments, restore_import_comments
from optfix.analysis.positions import Generated, generate
from optfix.analysis.positions import positions as node_positions
from optfix.analysis.suppressions import Suppressions, may_suppress
from optfix.analysis.tree import skippable, transformed
from optfix.engine import partial
from optfix.engine.import_edits import Edited, edit_imports
from optfix.engine.registry import rules_by_id
from optfix.engine.statements import statements_to_visit
from optfix.findings import Finding, Kind
from optfix.rulekit.rule import FileContext, FixOptions, Rule


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
    era_dependent: int = 0  # FileContext.era_dependent


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
    why = partial.blocker(text, rules)
    if why is None:
        try:
            outcome = _transform(text, rules, options, path, in_part=True)
            partial.fallbacks["in part"] += 1
            return outcome
        except Exception as error:  # parsed whole, so that what it raises reads as it always did
            why = str(error) if isinstance(error, partial.Whole) else type(error).__name__
    partial.fallbacks[why] += 1
    return _transform(text, rules, options, path)


def _transform(text: str, rules: Sequence[type[Rule]], options: FixOptions, path: Path | None, in_part: bool = False) -> Outcome:
    """`transform`, `in_part`: with only the statements the rules need parsed (optfix.engine.partial;
    raises partial.Whole where that cannot be done)."""
    file = FileContext(None, text, options, path=None if path is None else Path(path), rules=frozenset(rule.id for rule in rules))
    if in_part:
        active = [rule(file) for rule in rules]
        parsed = partial.parse(text, active, lambda chains: _anchors(active, chains), lambda tree: _carrying(active, tree))
        module = file.module = parsed.module
    else:
        parsed = None
        module = file.module = cst.parse_module(text)
        if may_suppress(text):
            file.suppressions = Suppressions.of(module, frozenset(rules_by_id()))
        active = [rule(file) for rule in rules]
    traversal = _Traversal(active, file)
    visited = statements_to_visit(module, text, lambda chains: _anchors(active, chains), lambda tree: _carrying(active, tree))
    if in_part:
        partial.check_visits(parsed, visited)
    rewritten = transformed(module, traversal, skippable(frozenset(traversal.visitors) | frozenset(traversal.leavers)), visited)
    if not any(note.kind is Kind.CHANGE for note in file.notes):
        # Rules change the tree only through Rule.rewrite(): nothing to generate.
        return Outcome(text, _locate(module, file), file.era_dependent)
    if in_part:
        partial.check_imports(parsed, file)
    edited = edit_imports(rewritten, file)
    del rewritten
    if in_part and not edited.direct:
        raise partial.Whole("an import edit left to libcst's visitors")
    # One generation gives the rewrite's code, the original's (does libcst reproduce the file?)
    # and the findings' positions.
    positions, baseline, new_text, regenerated = _generated(module, file, edited.module)
    if in_part and baseline != text:
        raise partial.Whole("the parts do not reproduce the file")
    if new_text != text and new_text == baseline:  # libcst's own normalisation, not a rule's change
        new_text = text
    elif new_text != text and baseline != text:
        raise UnfaithfulParse("libcst cannot reproduce this file exactly (unusual line endings?)")
    findings = _locate(module, file, positions)
    era_dependent = file.era_dependent
    restore = new_text != text and bool(file.imports_to_remove or file.imports_to_drop) and _may_have_lost_comments(text, module, edited)
    del module, file, active, traversal, edited, positions, baseline, parsed  # the trees: before the output's tree is parsed
    if new_text != text:
        _check_parses(new_text, text, regenerated)
    if restore:
        new_text, lost = restore_import_comments(text, new_text)
        findings += [Finding(line, 1, "comment-lost", f"the comment {comment!r} was on an import line the rewrite removed "
                             "and could not be put back safely: restore it by hand") for line, comment in lost]
    return Outcome(new_text, sorted(findings), era_dependent)


def _anchors(rules: Sequence[Rule], chains: list[tuple[str, ...]]) -> set[str] | None:
    """The words of every rule's anchors; None if a rule names none (it visits every statement)."""
    return _every_rules(rules, lambda rule: rule.anchors(chains))


def _carrying(rules: Sequence[Rule], tree: ast.Module) -> set[str] | None:
    """The names that carry any rule's state across statements; None if a rule does not say."""
    return _every_rules(rules, lambda rule: rule.names_carrying_state(tree))


def _every_rules(rules: Sequence[Rule], ask) -> set[str] | None:
    """The union of what `ask` gives for each rule; None as soon as one gives None."""
    words: set[str] = set()
    for rule in rules:
        try:
            given = ask(rule)
        except Exception as error:
            raise RuleError(rule.id, error) from error
        if given is None:
            return None
        words |= given
    return words


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


def _may_have_lost_comments(text: str, module: cst.Module, edited: Edited) -> bool:
    """Whether restore_import_comments may change the rewrite (or raise): unless the trees show
    that no comment was lost, and the text reads as libcst and `ast` read it."""
    if not edited.direct or ("\r" in text and text.count("\r") != text.count("\r\n")):
        return True
    try:
        quiet_parse(text)
    except Exception:
        return True
    return bool(lost_comments(module, edited.module))


def _check_parses(new_text: str, old_text: str, regenerated: str) -> None:
    """Re-parse the output: `ast` first (cheap); libcst where this Python is older than the code.
    Where `ast` reads the input, the output is its module-level statements with some replaced by
    the `regenerated` code (whole statements, each starting a line at column 0): the output reads
    as Python if that code does, which is checked alone; the whole output is parsed only if it
    does not, for the error's place."""
    if _reads(old_text, quiet_parse) and _reads(regenerated, quiet_parse.__wrapped__):  # the input's tree is cached
        return
    try:
        quiet_parse.__wrapped__(new_text)  # not cached: nothing else reads the output's tree
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


def _reads(text: str, parse: Callable[[str], object]) -> bool:
    try:
        parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _generated(module: cst.Module, file: FileContext, rewritten: cst.Module) -> Generated:
    """The positions of the notes' nodes (None where the suppressions resolved them), the
    module's code, the rewrite's and the code of the rewrite's module-level nodes generated anew."""
    if file.suppressions is not None:
        return generate(module, [], rewritten)._replace(positions=None)
    return generate(module, [note.node for note in file.notes], rewritten)


def _locate(module: cst.Module, file: FileContext, positions: dict[cst.CSTNode, CodeRange] | None = None) -> list[Finding]:
    findings = list(file.suppressions.findings) if file.suppressions is not None else []
    if not file.notes:
        return sorted(findings)
    if file.suppressions is not None:  # positions already resolved
        positions = file.suppressions.positions
    elif positions is None:
        positions = node_positions(module, [note.node for note in file.notes])
    for note in file.notes:
        where = positions[note.node]
        findings.append(Finding(
            where.start.line, where.start.column + 1, note.rule, note.message, note.kind,
            where.end.line, where.end.column + 1, note.unsafe_fix,
        ))
    return sorted(findings)
