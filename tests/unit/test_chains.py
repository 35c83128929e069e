"""The chain readers of optfix.analysis.chains read `ast` and libcst trees alike."""

from __future__ import annotations

import ast

import pytest

from optfix.analysis.chains import ast_chain, ast_last_name, cst_chain, cst_last_name
from optfix.lazy import libcst as cst


@pytest.mark.parametrize("expression, chain, last", [
    ("a", ["a"], "a"),
    ("a.b.c", ["a", "b", "c"], "c"),
    ("f().c", [], "c"),
    ("x[0].c", [], "c"),
    ("x[0]", [], None),
    ("'compile'", [], None),
    ("f()", [], None),
])
def test_both_trees_read_the_same_chain_and_last_name(expression, chain, last) -> None:
    tree, module = ast.parse(expression, mode="eval").body, cst.parse_expression(expression)
    assert ast_chain(tree) == cst_chain(module) == chain
    assert ast_last_name(tree) == cst_last_name(module) == last
