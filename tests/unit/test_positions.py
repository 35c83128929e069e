"""optfix.analysis.positions gives the ranges libcst's PositionProvider gives, node for node."""

from __future__ import annotations

import functools

import libcst
import libcst as cst
import libcst.metadata
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from conftest import REPO, sources
from optfix.analysis.positions import positions

SOURCES = {
    "every fixture": "\n".join(p.read_text() for p in sorted((REPO / "fixtures").rglob("*.py"))),
    "this package's engine": "\n".join(p.read_text() for p in sorted((REPO / "optfix" / "engine").glob("*.py"))),
    "CRLF, tabs, continuations, strings over lines": (
        "def f(a,\r\n\tb):\r\n\tx = '''one\r\ntwo''' + \\\r\n\t\tf(a)\r\n\treturn (x,\r\n\t\tb)\r\n"
    ),
    "lone CR, semicolons, decorators, no final newline": "@d\rclass A: pass\rx = 1; y = [\r  2,\r]\rif x: y",
}


@functools.cache
def _expected(source: str):
    """The tree and libcst's own positions, made once per source for all the tests here (the
    tree is immutable, and `positions` keeps nothing between calls)."""
    module = cst.parse_module(source)
    return module, MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)


@pytest.mark.parametrize("source", sources(SOURCES, "every fixture"))
def test_every_expression_and_whitespace_node_has_the_range_position_provider_gives(source, monkeypatch) -> None:
    """Counted from the tokens alone: the metadata machinery is not used."""
    module, expected = _expected(source)
    wanted = [node for node in expected if type(node).__module__ != "libcst._nodes.statement"]
    monkeypatch.setattr(libcst.metadata, "MetadataWrapper", None)
    assert positions(module, wanted) == {node: expected[node] for node in wanted}


@pytest.mark.parametrize("source", sources(SOURCES, "every fixture"))
def test_statements_and_blocks_whose_range_may_come_from_their_children_too(source) -> None:
    module, expected = _expected(source)
    assert positions(module, expected.keys()) == dict(expected)


def test_a_few_nodes_of_a_large_module() -> None:
    module, expected = _expected(SOURCES["this package's engine"])
    names = [node for node in expected if isinstance(node, cst.Name)][::50]
    assert len(names) > 10
    assert positions(module, names) == {node: expected[node] for node in names}


@pytest.mark.parametrize("source", sources(SOURCES, "every fixture"))
def test_the_first_nodes_alone_statements_among_them(source) -> None:
    module, expected = _expected(source)
    first = list(expected)[:40]
    assert positions(module, first) == {node: expected[node] for node in first}


class _Unprintable(cst.Pass):
    def _codegen_impl(self, state, semicolon=False) -> None:
        raise AssertionError("generated code after the last node asked for")


def test_code_after_the_last_node_asked_for_is_not_generated() -> None:
    module, expected = _expected("x = f(a,\n      b)\ny = 2\n")
    call = next(node for node in expected if isinstance(node, cst.Call))
    last = module.body[1].with_changes(body=[_Unprintable()])
    module = module.with_changes(body=[module.body[0], last])
    assert positions(module, [call]) == {call: expected[call]}


HOISTING = (cst.BaseCompoundStatement, cst.SimpleStatementLine, cst.Else, cst.ExceptHandler, cst.Finally)


@pytest.mark.parametrize("source", sources(SOURCES, "every fixture"))
def test_statements_whose_range_comes_from_children_not_asked_for(source, monkeypatch) -> None:
    """A statement's range ends where its last child's does (a line's last small statement, a
    block's body): found without asking for those children, and without the metadata machinery."""
    module, expected = _expected(source)
    wanted = [node for node in expected if isinstance(node, HOISTING)]
    assert wanted
    monkeypatch.setattr(libcst.metadata, "MetadataWrapper", None)
    assert positions(module, wanted) == {node: expected[node] for node in wanted}
    for node in wanted[:: max(1, len(wanted) // 20)]:  # and one at a time
        assert positions(module, [node]) == {node: expected[node]}
