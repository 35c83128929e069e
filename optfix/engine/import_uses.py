"""Where a module reads and binds a few names, told by one walk of the module: what deciding
whether an import is still used needs, without scope metadata.

The walk passes over import statements, attributes' names and keywords, as libcst's scope
analysis does. It notes, for each name asked about, the module-level statements in which a Name
node of it appears, and whether anything other than an import binds it (an assignment target, a
parameter, a def or class, `global`, `del`, a pattern capture, ...). Strings matter where libcst
reads them as code or as names: annotations, arguments of typing's `cast`, `TypeVar` and
`NewType`, subscripts of a name imported from typing (`List["Model"]`), and `__all__`; a string
there that holds one of the names (or an escape that could spell it) is noted. Type parameters,
`type` aliases and `nonlocal` outside a function make the survey `unsure`: libcst's scope
analysis reads them in ways not followed here. A statement whose source is given and cannot spell
any of this (none of the names, no escape, no `nonlocal`, `type` or type parameters) is not walked.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

import libcst as cst

from optfix.analysis.tree import children, trivia

_TYPING_CALLS = frozenset({"cast", "TypeVar", "NewType"})  # typing's, whose string arguments libcst reads as code
# node type name -> the fields whose Name nodes it binds
_BINDING_FIELDS = {
    "AssignTarget": "target", "AnnAssign": "target", "AugAssign": "target", "For": "target", "CompFor": "target",
    "NamedExpr": "target", "AsName": "name", "FunctionDef": "name", "ClassDef": "name", "Param": "name",
    "NameItem": "name", "Del": "target", "MatchAs": "name", "MatchStar": "name", "MatchMapping": "rest",
    "MatchKeywordElement": "key",
}
_UNFOLLOWED = ("TypeParameters", "TypeAlias")
_UNFOLLOWED_SPELLINGS = re.compile(r"\bnonlocal\b|\btype\b|\b(?:def|class)\s+\w+\s*\[")


@dataclass
class Uses:
    seen: dict[str, list[int]] = field(default_factory=dict)  # name -> indices of module-level statements holding it
    bound: set[str] = field(default_factory=set)  # bound by something other than an import
    in_strings: set[str] = field(default_factory=set)  # in a string libcst reads as code or as names
    unsure: str | None = None  # why no decision may be taken from this survey


@functools.cache
def _binding_fields() -> dict[type, str]:
    return {getattr(cst, name): field_name for name, field_name in _BINDING_FIELDS.items() if hasattr(cst, name)}


@functools.cache
def _unfollowed() -> frozenset[type]:
    return frozenset(getattr(cst, name) for name in _UNFOLLOWED if hasattr(cst, name))


def survey(module: cst.Module, names: Collection[str], typing: Mapping[str, Collection[str]],
           sources: Mapping[int, str] | None = None) -> Uses:
    """Where `names` are read and bound in `module`. `typing`: the names the module's imports bind
    to `typing` or `typing_extensions` or to something in them, each with the dotted names it is
    imported as (`{"t": {"typing"}, "List": {"typing.List"}}`). `sources`: the source code of some
    of the module's statements, by their id (a superset of each statement's code)."""
    uses = Uses()
    walk = _Walk(frozenset(names), typing, uses)
    sources = sources or {}
    for index, statement in enumerate(module.body):
        source = sources.get(id(statement))
        if source is None or _may_spell(source, names):
            walk.statement(statement, index)
    return uses


def _may_spell(source: str, names: Collection[str]) -> bool:
    """Whether code `source` may hold what the survey notes about `names`."""
    return "\\" in source or any(name in source for name in names) or _UNFOLLOWED_SPELLINGS.search(source) is not None


class _Walk:
    def __init__(self, names: frozenset[str], typing: Mapping[str, Collection[str]], uses: Uses) -> None:
        self.names = names
        self.typing = typing
        self.uses = uses
        self.binding = _binding_fields()
        self.unfollowed = _unfollowed()
        self.skipped = trivia()

    def statement(self, statement: cst.CSTNode, index: int) -> None:
        uses, names = self.uses, self.names
        # (node, whether libcst reads strings there as code or names, inside a function or class)
        stack = [(statement, False, False)]
        while stack:
            node, strings, local = stack.pop()
            kind = type(node)
            if kind is cst.Name:
                if node.value in names:
                    seen = uses.seen.setdefault(node.value, [])
                    if not seen or seen[-1] != index:
                        seen.append(index)
                continue
            if kind is cst.Import or kind is cst.ImportFrom:
                continue
            if kind is cst.Attribute or kind is cst.Arg:
                stack.append((node.value, strings, local))
                continue
            if kind is cst.SimpleString or kind is cst.ConcatenatedString:
                if strings:
                    self._string(node)
                if kind is cst.SimpleString:
                    continue
            elif kind in self.binding:
                self._bind(getattr(node, self.binding[kind]))
            elif kind in self.unfollowed:
                uses.unsure = f"a {kind.__name__} node"
            elif kind is cst.Nonlocal and not local:
                uses.unsure = "nonlocal outside a function"
            inner = strings or self._reads_strings(node, kind)
            local = local or kind is cst.FunctionDef or kind is cst.ClassDef
            skipped = self.skipped
            stack.extend(reversed([(child, inner, local) for child in children(node) if type(child) not in skipped]))

    def _reads_strings(self, node: cst.CSTNode, kind: type) -> bool:
        """Whether libcst reads the strings inside `node` as code or names (annotations, typing's
        calls and generics, `__all__`)."""
        if kind is cst.Annotation:
            return True
        if kind is cst.Call:
            return self._typing_call(node.func)
        if kind is cst.Subscript:
            value = node.value
            return type(value) is cst.Name and any(qualified.startswith(("typing.", "typing_extensions."))
                                                   for qualified in self.typing.get(value.value, ()))
        return (kind is cst.Assign or kind is cst.AugAssign or kind is cst.AnnAssign) and _assigns_all(node)

    def _typing_call(self, func: cst.BaseExpression) -> bool:
        if type(func) is cst.Name:
            return any(qualified.startswith("typing.") and qualified[7:] in _TYPING_CALLS for qualified in self.typing.get(func.value, ()))
        return (type(func) is cst.Attribute and func.attr.value in _TYPING_CALLS and type(func.value) is cst.Name
                and "typing" in self.typing.get(func.value.value, ()))

    def _bind(self, target: cst.CSTNode | None) -> None:
        if target is None:
            return
        if isinstance(target, cst.AsName):
            target = target.name
        kind = type(target)
        if kind is cst.Name:
            if target.value in self.names:
                self.uses.bound.add(target.value)
        elif kind is cst.Tuple or kind is cst.List:
            for element in target.elements:
                self._bind(element.value)
        elif kind is cst.StarredElement or kind is cst.Element:
            self._bind(target.value)

    def _string(self, node: cst.SimpleString | cst.ConcatenatedString) -> None:
        raw = _raw(node)
        self.uses.in_strings.update(name for name in self.names if name in raw or "\\" in raw)


def _raw(node: cst.CSTNode) -> str:
    """The text of a string's parts, without prefixes and quotes (f-strings' literal parts too)."""
    kind = type(node)
    if kind is cst.SimpleString:
        return node.raw_value
    if kind is cst.ConcatenatedString:
        return _raw(node.left) + _raw(node.right)
    if kind is cst.FormattedString:
        return "".join(part.value for part in node.parts if type(part) is cst.FormattedStringText)
    return ""


def _assigns_all(node: cst.Assign | cst.AugAssign | cst.AnnAssign) -> bool:
    targets = [target.target for target in node.targets] if type(node) is cst.Assign else [node.target]
    stack = list(targets)
    while stack:
        target = stack.pop()
        kind = type(target)
        if kind is cst.Subscript:  # libcst names `__all__[:]` by its value
            stack.append(target.value)
        elif kind is cst.Name and target.value == "__all__":
            return True
        elif kind is cst.Tuple or kind is cst.List:
            stack.extend(element.value for element in target.elements)
        elif kind is cst.StarredElement:
            stack.append(target.value)
    return False
