"""Walking a libcst subtree without rebuilding it (or, transforming it, rebuilding only what changed).

libcst's own traversals (a visitor, `node.children`) construct a new copy of every node they
pass: reading a large module that way costs more than parsing it. Here children are read from
the nodes' fields, in the order of the code, and the walks pass over trivia (whitespace,
comments, punctuation, operators: two thirds of a module's nodes) where nothing looks at it.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterator

from optfix.analysis.libcst_internals import visited_fields
from optfix.lazy import libcst as cst

_FIELDS: dict[type, tuple[str, ...]] = {}
_NODE_TYPES: dict[type, bool] = {}


def _fields(kind: type) -> tuple[str, ...]:
    """A node type's fields in the order its code is written: the order in which libcst itself
    visits them (dataclass order where that cannot be read)."""
    declared = [field.name for field in dataclasses.fields(kind)]
    ordered = list(dict.fromkeys(name for name in visited_fields(kind) if name in declared))
    return _FIELDS.setdefault(kind, (*ordered, *(name for name in declared if name not in ordered)))


@functools.cache
def trivia() -> frozenset[type]:
    """The node types whose subtrees hold nothing but whitespace, comments and punctuation
    (tests/test_tree.py checks it on real code)."""
    roots = (
        cst.BaseParenthesizableWhitespace, cst.EmptyLine, cst.TrailingWhitespace, cst.Newline, cst.Comment,
        cst.Comma, cst.Dot, cst.Colon, cst.Semicolon, cst.AssignEqual, cst.ImportStar,
        cst.LeftParen, cst.RightParen, cst.LeftSquareBracket, cst.RightSquareBracket, cst.LeftCurlyBrace, cst.RightCurlyBrace,
        cst.BaseBinaryOp, cst.BaseBooleanOp, cst.BaseCompOp, cst.BaseUnaryOp, cst.BaseAugOp,
    )
    return frozenset(kind for kind in vars(cst).values() if isinstance(kind, type) and issubclass(kind, roots))


@functools.cache
def skippable(handled: frozenset[str]) -> frozenset[type]:
    """The node types a walk may pass over when only the node types named in `handled` have
    handlers: trivia, unless some of it is handled."""
    kinds = trivia()
    return frozenset() if any(kind.__name__ in handled for kind in kinds) else kinds


def handled_types(visitor: object) -> frozenset[str]:
    """The node types a visitor has visit_ or leave_ methods for."""
    return frozenset(name.partition("_")[2] for name in dir(type(visitor)) if name.startswith(("visit_", "leave_")))


def children(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """What `node.children` gives, in the same order."""
    for name in _FIELDS.get(type(node)) or _fields(type(node)):
        value = getattr(node, name)
        if type(value) in (list, tuple):
            yield from (item for item in value if _is_node(item))
        elif _is_node(value):
            yield value


def _is_node(value: object) -> bool:
    # isinstance() with CSTNode, an abstract class, is slow: decided once per type
    kind = type(value)
    known = _NODE_TYPES.get(kind)
    if known is None:
        known = _NODE_TYPES[kind] = isinstance(value, cst.CSTNode)
    return known


@functools.cache
def _passed_over(kind: type) -> frozenset[type]:
    return skippable(frozenset(sub.__name__ for sub in trivia() if issubclass(sub, kind)))


def descendants(node: cst.CSTNode, kind: type) -> list:
    """Every node of type `kind` inside `node` (itself included), in the order of the code."""
    skipped = _passed_over(kind)
    found = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, kind):
            found.append(current)
        stack.extend(reversed([child for child in children(current) if type(child) not in skipped]))
    return found


def walk(node: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
    """`node.visit(visitor)` for a visitor that only reads (the same calls of its visit_ and
    leave_ methods, in the same order), without copying the tree."""
    kind = type(visitor)
    if kind.on_visit is cst.CSTVisitor.on_visit and kind.on_leave is cst.CSTVisitor.on_leave:
        _dispatched(node, visitor, {}, skippable(handled_types(visitor)))
    else:
        _walk(node, visitor)


def _walk(node: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
    if visitor.on_visit(node):
        for child in children(node):
            _walk(child, visitor)
    visitor.on_leave(node)


def _dispatched(node: cst.CSTNode, visitor: cst.CSTVisitor, handlers: dict, skipped: frozenset[type]) -> None:
    """`_walk` for a visitor with libcst's own on_visit / on_leave: its visit_<Type> and
    leave_<Type> methods looked up once per node type, not at every node."""
    kind = type(node)
    pair = handlers.get(kind)
    if pair is None:
        pair = handlers[kind] = (getattr(visitor, f"visit_{kind.__name__}", None), getattr(visitor, f"leave_{kind.__name__}", None))
    visit, leave = pair
    if visit is None or visit(node) is not False:
        for child in children(node):
            if type(child) not in skipped:
                _dispatched(child, visitor, handlers, skipped)
    if leave is not None:
        leave(node)


def transformed(node: cst.CSTNode, transformer: cst.CSTTransformer, skipped: frozenset[type] = frozenset(),
                statements: list | None = None) -> cst.CSTNode:
    """`node.visit(transformer)` for a transformer whose handlers never remove or flatten a node:
    the same calls, in the same order, but a node none of whose descendants changed is passed on
    as it is (`updated is original`) instead of being rebuilt, so only the path above a change
    is copied. Nodes of the `skipped` types are passed on without a call (`skippable` says which
    may be). `statements`, for a node with a body (a Module, a class, a function): for each
    statement of its body, True to visit it, False to pass it on as it is without a call, or
    the same for the statements of its own body."""
    updated = node
    if transformer.on_visit(node):
        changes = {}
        for name in _FIELDS.get(type(node)) or _fields(type(node)):
            value = getattr(node, name)
            if type(value) in (list, tuple):
                if statements is not None and name == "body":
                    items = [item if visit is False else transformed(item, transformer, skipped, None if visit is True else visit)
                             for item, visit in zip(value, statements)]
                else:
                    items = [transformed(item, transformer, skipped) if type(item) not in skipped and _is_node(item) else item
                             for item in value]
                if any(new is not old for new, old in zip(items, value)):
                    changes[name] = type(value)(items)
            elif type(value) not in skipped and _is_node(value):
                item = transformed(value, transformer, skipped, statements if name == "body" else None)
                if item is not value:
                    changes[name] = item
        if changes:
            updated = node.with_changes(**changes)
    result = transformer.on_leave(node, updated)
    if not _is_node(result):
        raise TypeError(f"transformed() keeps every node: a handler gave {result!r} for a {type(node).__name__}")
    return result


def reads(node: cst.CSTNode, heads: bool = False, every_name: bool = False) -> list[cst.Name]:
    """The names `node` reads, in the order of the code: not attributes' names, keywords, or
    the names of import statements. `heads`: only those read as a namespace, `K` of `K.sqrt`.
    `every_name`: every name but attributes' names, keywords and imported names included."""
    found: list[cst.Name] = []
    stack = [node]
    while stack:
        current = stack.pop()
        kind = type(current)
        if kind is cst.Name:
            if not heads:
                found.append(current)
        elif kind is cst.Attribute:
            if heads and type(current.value) is cst.Name:
                found.append(current.value)
            stack.append(current.value)
        elif kind is cst.Arg and not every_name:
            stack.append(current.value)
        elif every_name or kind is not cst.Import and kind is not cst.ImportFrom:
            skipped = trivia()
            stack.extend(reversed([child for child in children(current) if type(child) not in skipped]))
    return found


def code(node: cst.CSTNode) -> str:
    """The source of `node` alone, as libcst generates it (with its own whitespace, if it has any)."""
    return _empty_module().code_for_node(node)


@functools.cache
def _empty_module() -> cst.Module:
    return cst.Module([])
