"""What a dotted name stands for through a file's imports (ImportTable.resolved), from either tree."""

from __future__ import annotations

import ast
from pathlib import Path

import libcst as cst
import pytest

from optfix.analysis.chains import ast_chain
from optfix.analysis.imports import ImportTable

SOURCE = "from .backend import keras\nimport tensorflow as tf\nopts = tf.keras.optimizers\ndef f(np):\n    return np\n"


@pytest.fixture
def table(tmp_path: Path) -> ImportTable:
    (tmp_path / "backend.py").write_text("from tensorflow import keras\n")
    return ImportTable.of(cst.parse_module(SOURCE), path=tmp_path / "train.py")


@pytest.mark.parametrize("expression, followed, as_imported", [
    ("keras.optimizers.Adam", "keras.optimizers.Adam", ".backend.keras.optimizers.Adam"),
    ("tf.keras.optimizers.Adam", "tensorflow.keras.optimizers.Adam", "tensorflow.keras.optimizers.Adam"),
    ("opts.SGD", "tensorflow.keras.optimizers.SGD", "tensorflow.keras.optimizers.SGD"),
    ("numpy.sqrt", "numpy.sqrt", "numpy.sqrt"),  # bound nowhere: as written
    ("np.sqrt", None, None),  # a parameter binds np
    ("f().x", None, None),
])
def test_resolved(table, expression, followed, as_imported) -> None:
    cst_node = cst.parse_expression(expression)
    chain = ast_chain(ast.parse(expression, mode="eval").body)
    assert table.resolved_name(cst_node) == table.resolved(chain) == followed
    assert table.resolved_name(cst_node, follow_project_imports=False) == table.resolved(chain, False) == as_imported
