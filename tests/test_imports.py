from __future__ import annotations

import libcst as cst
import pytest

from optfix.imports import ImportTable

SOURCE = """
import keras
import tensorflow.compat.v1 as tf1
import tensorflow.keras.optimizers
from tensorflow import keras as tfk
from keras.optimizers import Adam as A, SGD
from . import sibling
from ..pkg import thing
from mylib import *

def f():
    import numpy as np
    try:
        from tf_keras import optimizers
    except ImportError:
        pass

class C:
    if True:
        import os.path as osp

keras = None  # not an import: the first binding wins
"""


@pytest.fixture(scope="module")
def table() -> ImportTable:
    return ImportTable.of(cst.parse_module(SOURCE))


@pytest.mark.parametrize(
    "expression, qualified",
    [
        ("keras.optimizers.Adam", "keras.optimizers.Adam"),
        ("tf1.train.AdamOptimizer", "tensorflow.compat.v1.train.AdamOptimizer"),
        ("tensorflow.keras.optimizers.get", "tensorflow.keras.optimizers.get"),
        ("tfk.optimizers.get", "tensorflow.keras.optimizers.get"),
        ("A", "keras.optimizers.Adam"),
        ("SGD", "keras.optimizers.SGD"),
        ("sibling.x", ".sibling.x"),
        ("thing", "..pkg.thing"),
        ("np.zeros", "numpy.zeros"),
        ("optimizers.get", "tf_keras.optimizers.get"),
        ("osp.join", "os.path.join"),
        ("model.compile", None),
        ("undefined", None),
        ("f().x", None),
    ],
)
def test_names_resolve_through_imports(table, expression, qualified) -> None:
    assert table.qualified_name(cst.parse_expression(expression)) == qualified
