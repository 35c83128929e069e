"""Notebooks and IPython: what IPython lines read keeps its imports, automagic lines are not syntax
errors, and an added import goes into the first cell that has imports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from optfix.engine.journey import process_bytes
from optfix.engine.registry import all_rules
from optfix.files.ipython import is_automagic
from optfix.rulekit.rule import FixOptions

TF1 = "opt = tf.compat.v1.train.AdamOptimizer(0.01)\n"


def _notebook(*cells: str) -> bytes:
    document = {
        "cells": [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source} for source in cells],
        "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return (json.dumps(document, indent=1) + "\n").encode()


def _fix(data: bytes) -> tuple[list[str], list[str]]:
    """The cells' sources after a default run, and the ids of the errors it reported."""
    result = process_bytes(Path("nb.ipynb"), data, all_rules(), FixOptions())
    errors = [f.rule for f in result.findings if f.rule.endswith("error")]
    output = result.updated if result.changed else data
    return [cell["source"] for cell in json.loads(output)["cells"]], errors


@pytest.mark.parametrize("ipython", [
    "%timeit tf.zeros(3)\n",
    "!echo {tf.__version__}\n",
    "x = %time tf.zeros(3)\n",
    "for i in range(2):\n    %time tf.zeros(i)\n",
    "%%timeit\ntf.zeros(3)\n",
    "%%time\nvalue = tf.constant(1)\n",
])
def test_an_import_an_ipython_line_reads_is_kept(ipython) -> None:
    cells, errors = _fix(_notebook("import tensorflow as tf\n", TF1, ipython))
    assert not errors
    assert cells[0] == "import tensorflow as tf\nimport keras\n"
    assert cells[1] == "opt = keras.optimizers.Adam(learning_rate=0.01, epsilon=1e-08)\n"
    assert cells[2] == ipython


def test_without_an_ipython_reader_the_unused_import_goes() -> None:
    # The control: the same notebook with a plain comment where the IPython line was.
    cells, _ = _fix(_notebook("import tensorflow as tf\n", TF1, "# tf.zeros(3)\n"))
    assert cells[0] == "import keras\n"


@pytest.mark.parametrize("line", ["cd checkpoints", "mkdir out", "pip install keras==2.2.4", "ls -la /tmp", "rm -rf out/", "cat data.txt | head"])
def test_an_automagic_line_is_a_magic_not_a_syntax_error(line) -> None:
    cells, errors = _fix(_notebook("import tensorflow as tf\n", f"{line}\n{TF1}"))
    assert not errors
    assert cells[1] == f"{line}\nopt = keras.optimizers.Adam(learning_rate=0.01, epsilon=1e-08)\n"


@pytest.mark.parametrize("line, magic", [
    ("cd checkpoints", True), ("pip install x", True), ("cd = 3", False), ("ls", False), ("print x", False), ("cd(1)", False),
])
def test_what_counts_as_automagic(line, magic) -> None:
    assert is_automagic(line) is magic


def test_a_python_syntax_error_is_still_one() -> None:
    _, errors = _fix(_notebook("import tensorflow as tf\n", f"print 'x'\n{TF1}"))
    assert errors == ["syntax-error"]


@pytest.mark.parametrize("first", [
    "# Copyright 2020 The Authors.\n# Licensed under the Apache License, Version 2.0\n",
    "print('A title')\n",
    "%%capture\n!pip install tensorflow==1.15\n",
])
def test_an_added_import_goes_into_the_first_cell_that_has_imports(first) -> None:
    cells, errors = _fix(_notebook(first, "# the imports\nfrom __future__ import annotations\nimport tensorflow as tf\n", TF1 + "tf.zeros(1)\n"))
    assert not errors
    assert cells[0] == first
    assert cells[1] == "# the imports\nfrom __future__ import annotations\nimport keras\nimport tensorflow as tf\n"


def test_with_no_cell_of_imports_the_import_goes_into_the_first_python_cell() -> None:
    cells, _ = _fix(_notebook("%%capture\n!pip install keras\n", "import tensorflow.compat.v1 as tf1\n" + TF1.replace("tf.compat.v1", "tf1")))
    assert cells[0] == "%%capture\n!pip install keras\n"
    assert cells[1].startswith("import keras\n")
