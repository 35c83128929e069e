"""optfix.analysis.tree reads a libcst tree as libcst's own traversals do, node for node and in order."""

from __future__ import annotations

import libcst as cst
import pytest

from conftest import REPO, sources
from optfix.analysis.tree import children, descendants, skippable, transformed, trivia, walk

EVERY_CONSTRUCT = '''\
@d(1)
async def f(a, /, b=2, *c, d: int = 1, **e) -> "x":
    x = a if b else c
    async with a as (b, c), d: pass
    async for a in b: await x
    return [y async for y in z if y]
f(*a, k=v, **k)
d = {**e, 1: 2, **{k: v for k, v in w}}
s = {1, *t}
g = (lambda x, *y, z=1, **w: x)(1)
@dec
class A(B, metaclass=M):
    x: int = (yield)
try:
    pass
except* E as e:
    pass
else:
    pass
finally:
    pass
match x:
    case [1, *r] if r: pass
    case {"a": 1, **rest}: pass
    case P(a, b=c) | None as q: pass
global q
y = f"{a!r:>{w}}" "tail"
del a, b[0]; assert a, b
raise A from B
import a.b as c
from . import (x as y)
z = a[1:2:3, ...]
w = not -a ** b < c <= d and e or f
x = a.b.c; x += 1; x @= m
while x: break
else: continue
def g[T](x: T) -> T: ...
type Alias = list[int]
'''
SOURCES = {
    "every construct": EVERY_CONSTRUCT,
    "every fixture": "\n".join(p.read_text() for p in sorted((REPO / "fixtures").rglob("*.py"))),
    "optfix's largest module": max((REPO / "optfix").rglob("*.py"), key=lambda p: p.stat().st_size).read_text(),
}


class _Record(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, int]] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.calls.append(("visit", id(node)))
        return not isinstance(node, cst.Lambda)  # one subtree skipped, as a visitor may

    def on_leave(self, node: cst.CSTNode) -> None:
        self.calls.append(("leave", id(node)))


@pytest.fixture(scope="module", params=sources(SOURCES, "every fixture"))
def module(request) -> cst.Module:
    """Parsed once for all the tests here: a libcst tree is immutable, and none is changed in place."""
    return cst.parse_module(request.param)


def test_children_are_libcst_children_in_order(module) -> None:
    nodes = [module]
    while nodes:
        node = nodes.pop()
        expected = node.children
        assert [id(child) for child in children(node)] == [id(child) for child in expected], type(node).__name__
        nodes.extend(expected)


def test_trivia_holds_only_trivia(module) -> None:
    kinds = trivia()
    assert {cst.SimpleWhitespace, cst.Comment, cst.Comma, cst.Add, cst.NotEqual, cst.LeftParen} <= kinds
    assert not kinds & {cst.Name, cst.Call, cst.Arg, cst.Param, cst.Annotation, cst.Ellipsis}
    nodes, seen = [module], set()
    while nodes:
        node = nodes.pop()
        if type(node) in kinds:
            seen.add(type(node))
            inside = {type(child) for child in node.children}
            assert inside <= kinds, f"{type(node).__name__} holds {inside - kinds}"
        nodes.extend(node.children)
    assert len(seen) > 10


class _Handlers(cst.CSTVisitor):
    """Handlers for a few node types (no trivia), as the rules' visitors have."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, int]] = []

    def visit_Name(self, node) -> None:
        self.calls.append(("visit", id(node)))

    def visit_Lambda(self, node) -> bool:
        self.calls.append(("visit", id(node)))
        return False

    def leave_Call(self, node) -> None:
        self.calls.append(("leave", id(node)))


def test_walk_over_trivia_makes_the_handler_calls_visit_makes(module) -> None:
    by_libcst, by_walk = _Handlers(), _Handlers()
    module.visit(by_libcst)
    walk(module, by_walk)
    assert by_walk.calls == by_libcst.calls and by_walk.calls


def test_walk_enters_trivia_for_a_visitor_that_handles_some() -> None:
    found = []

    class Comments(cst.CSTVisitor):
        def visit_Comment(self, node) -> None:
            found.append(node.value)

    walk(cst.parse_module("f(a,  # one\n  b)  # two\n"), Comments())
    assert found == ["# one", "# two"]


def test_walk_makes_the_calls_visit_makes(module) -> None:
    by_libcst, by_walk = _Record(), _Record()
    module.visit(by_libcst)
    walk(module, by_walk)
    assert by_walk.calls == by_libcst.calls


@pytest.mark.parametrize("kind", [cst.Name, cst.Call, cst.Arg, cst.SimpleStatementLine, cst.BaseExpression])
def test_descendants_in_the_order_of_the_code(module, kind) -> None:
    found = []

    class Collect(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            if isinstance(node, kind):
                found.append(node)
            return True

    module.visit(Collect())
    assert [id(node) for node in descendants(module, kind)] == [id(node) for node in found]


class _Renamer(cst.CSTTransformer):
    """Records its calls; renames `x` (a change deep in the tree) and skips lambdas."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, int]] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.calls.append(("visit", id(node)))
        return not isinstance(node, cst.Lambda)

    def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
        self.calls.append(("leave", id(original)))
        if isinstance(updated, cst.Name) and updated.value == "x":
            return updated.with_changes(value="renamed")
        return updated


def test_transformed_makes_the_calls_and_the_code_visit_makes(module) -> None:
    by_libcst, by_us = _Renamer(), _Renamer()
    expected = module.visit(by_libcst)
    result = transformed(module, by_us)
    assert by_us.calls == by_libcst.calls
    assert result.code == expected.code
    assert ("renamed" in result.code) == ("x" in {name.value for name in descendants(module, cst.Name)})


def test_transformed_over_trivia_makes_the_other_calls_and_the_code_visit_makes(module) -> None:
    by_libcst, by_us = _Renamer(), _Renamer()
    expected = module.visit(by_libcst)
    kinds = {id(node): type(node) for node in descendants(module, cst.CSTNode)}
    skipped = skippable(frozenset({"Name", "Lambda"}))
    result = transformed(module, by_us, skipped)
    assert skipped == trivia()
    assert by_us.calls == [call for call in by_libcst.calls if kinds[call[1]] not in skipped]
    assert result.code == expected.code


def test_trivia_is_not_skipped_for_handlers_of_trivia() -> None:
    assert skippable(frozenset({"Name", "Comment"})) == frozenset()


def test_transformed_rebuilds_only_the_path_above_a_change() -> None:
    module = cst.parse_module("a = 1\nb = x\nc = 3\n")
    result = transformed(module, _Renamer())
    first, second, third = result.body
    assert first is module.body[0] and third is module.body[2]
    assert second is not module.body[1] and result.code == "a = 1\nb = renamed\nc = 3\n"
    untouched = cst.parse_module("a = 1\n")
    assert transformed(untouched, _Renamer()) is untouched


def test_transformed_refuses_a_removal() -> None:
    class Remover(cst.CSTTransformer):
        def leave_Expr(self, original, updated):
            return cst.RemoveFromParent()

    with pytest.raises(TypeError, match="keeps every node"):
        transformed(cst.parse_module("f()\n"), Remover())
