"""What the prefilters' view of names says a chain may stand for."""

from __future__ import annotations

import ast

import pytest

from conftest import REPO
from optfix.analysis.dotted_names import PossibleNames, possible_names

CASES = [  # (source, a name it must hold, a name it must not)
    ("import tensorflow.compat.v1 as tf\ntf.train.AdamOptimizer\n", "tensorflow.compat.v1.train.AdamOptimizer", "tensorflow.train.AdamOptimizer"),
    ("import tensorflow as tf\nv1 = tf.compat.v1\nv1.train.Optimizer\n", "tensorflow.compat.v1.train.Optimizer", "tensorflow.train.Optimizer"),
    ("import tensorflow as tf\ntf = tf.compat.v1\ntf.train.Optimizer\n", "tensorflow.compat.v1.train.Optimizer", "tensorflow.compat.v1.compat.v1.train.Optimizer"),
    ("from tensorflow.compat.v1 import train as t\nt.Optimizer\n", "tensorflow.compat.v1.train.Optimizer", "train.Optimizer"),
    ("from . import backend as K\nK.update\n", ".backend.update", "backend.update"),
    ("from .backend import keras\nkeras.optimizers.Adam\n", ".backend.keras.optimizers.Adam", "backend.keras.optimizers.Adam"),
    ("def f():\n    from keras import optimizers\n    return optimizers.Adam\n", "keras.optimizers.Adam", "optimizers.Adam.Adam"),
    ("keras.optimizers.Adam\n", "keras.optimizers.Adam", "keras.optimizers"),  # as written; inner chains are not counted
    ("from keras.optimizers import Adam\n", "keras.optimizers.Adam", "Adam"),  # what an import imports
    ("x = 'tensorflow.train.AdamOptimizer'\n", "x", "tensorflow.train.AdamOptimizer"),  # strings are not code
]


@pytest.mark.parametrize("source, present, absent", CASES)
def test_possible_names(source, present, absent) -> None:
    names = possible_names(ast.parse(source))
    assert present in names
    assert absent not in names


def test_names_of_one_expression_follow_every_binding() -> None:
    tree = ast.parse("try:\n    import tensorflow.keras as k\nexcept ImportError:\n    import keras as k\nclass A(k.optimizers.Optimizer): pass\n")
    base = next(node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)).bases[0]
    assert PossibleNames(tree).of(base) == {"tensorflow.keras.optimizers.Optimizer", "keras.optimizers.Optimizer", "k.optimizers.Optimizer"}
    assert PossibleNames(tree).of(ast.parse("f()").body[0].value) == set()


def test_every_node_is_ast_walk_in_order_and_read_once() -> None:
    from optfix.analysis.ast_nodes import every_node

    tree = ast.parse(max((REPO / "optfix").rglob("*.py"), key=lambda p: p.stat().st_size).read_text())
    listed = [id(node) for node in every_node(tree)]
    assert listed == [id(node) for node in ast.walk(tree)]
    tree.body = []  # a second walk would find no statements
    assert [id(node) for node in every_node(tree)] == listed


def test_a_listed_tree_is_freed_as_soon_as_it_is_dropped() -> None:
    """Not left to the cyclic collector, which the workers run seldom: a large file's tree is tens of MB."""
    import gc
    import weakref

    from optfix.analysis.ast_nodes import every_node

    tree = ast.parse("import keras\nopt = keras.optimizers.Adam(lr=0.1)\n")
    every_node(tree)
    dropped = weakref.ref(tree)
    enabled = gc.isenabled()
    gc.disable()
    try:
        del tree
        assert dropped() is None
    finally:
        if enabled:
            gc.enable()
