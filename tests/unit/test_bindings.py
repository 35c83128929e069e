"""What statements bind, read from the `ast` (analysis.bindings), and dotted names read from chains
in either kind of tree (analysis.chains)."""

from __future__ import annotations

import ast

import libcst as cst
import pytest

from optfix.analysis.bindings import STAR, import_bindings, imports_and_aliases, module_level_bindings
from optfix.analysis.chains import ast_chain, ast_dotted, ast_last_name, cst_chain, cst_dotted
from optfix.analysis.imports import ImportTable

IMPORTS = [  # (statement, [(name bound, path it stands for, path imported)])
    ("import a", [("a", "a", "a")]),
    ("import a.b.c", [("a", "a", "a.b.c")]),
    ("import a.b as c, d", [("c", "a.b", "a.b"), ("d", "d", "d")]),
    ("from a.b import c as d, e", [("d", "a.b.c", "a.b.c"), ("e", "a.b.e", "a.b.e")]),
    ("from .backend import keras", [("keras", ".backend.keras", ".backend.keras")]),
    ("from . import backend as K", [("K", ".backend", ".backend")]),
    ("from .. import x", [("x", "..x", "..x")]),
    ("from m import *", [(STAR, "m.*", "m.*")]),
]


@pytest.mark.parametrize("statement, expected", IMPORTS)
def test_import_bindings(statement, expected) -> None:
    found = import_bindings(ast.parse(statement).body[0])
    assert [(b.name, b.path, b.imported) for b in found] == expected


@pytest.mark.parametrize("statement, expected", [case for case in IMPORTS if case[1][0][0] != STAR])
def test_the_libcst_import_table_binds_alike(statement, expected) -> None:
    table = ImportTable.of(cst.parse_module(statement + "\n"))
    assert table.bindings == {name: path for name, path, _ in expected}


def test_imports_and_aliases_in_any_scope_in_the_order_of_the_code() -> None:
    tree = ast.parse("def f():\n    import tensorflow as tf\n    v1 = tf.compat.v1\n    x = f()\na, b = c\nk = keras\n")
    found = [(b.name, b.path, b.chain) for b in imports_and_aliases(tree)]
    assert found == [("tf", "tensorflow", ()), ("v1", None, ("tf", "compat", "v1")), ("k", None, ("keras",))]


def test_module_level_bindings() -> None:
    source = (
        "try:\n    import keras\nexcept ImportError as error:\n    from tensorflow import keras\n"
        "if flag:\n    backend = keras.backend\nelse:\n    backend = make()\n"
        "def build():\n    global K\n    inner = 1\n"
        "for index in range(2):\n    pass\n"
    )
    found = [(b.name, b.path, b.chain, b.line) for b in module_level_bindings(ast.parse(source))]
    assert found == [
        ("keras", "keras", (), 2),
        ("keras", "tensorflow.keras", (), 4),
        ("error", None, (), 3),
        ("backend", None, ("keras", "backend"), 6),
        ("backend", None, (), 8),
        ("build", None, (), 9),
        ("index", None, (), 12),
        ("K", None, (), 10),  # a `global` anywhere, last
    ]


CHAINS = [  # (expression, its chain, the name it ends with)
    ("a", ["a"], "a"),
    ("a.b.c", ["a", "b", "c"], "c"),
    ("f().c", [], "c"),
    ("a[0].b", [], "b"),
    ("f()", [], None),
    ("'text'", [], None),
]


@pytest.mark.parametrize("expression, chain, last", CHAINS)
def test_chains_read_alike_in_both_trees(expression, chain, last) -> None:
    ast_node = ast.parse(expression, mode="eval").body
    cst_node = cst.parse_expression(expression)
    assert ast_chain(ast_node) == cst_chain(cst_node) == chain
    assert ast_dotted(ast_node) == cst_dotted(cst_node) == (".".join(chain) or None)
    assert ast_last_name(ast_node) == last
