"""TensorFlow 1 reached through a module of the project's own that optfix cannot prove is
TensorFlow's (tensorpack's `tfv1`, bound in a branch at import time): tf1-optimizer reports each
optimizer and base class reached through it, and changes nothing."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from optfix.engine.journey import process_file
from optfix.engine.registry import all_rules

COMPAT = {
    "assigned in branches": """\
        import tensorflow as tf
        try:
            tfv1 = tf.compat.v1
        except AttributeError:
            tfv1 = tf
        """,
    "imported": "import tensorflow.compat.v1 as tfv1\n",
}

USER = """\
from .compat import tfv1


class Proxy(tfv1.train.Optimizer):
    pass


def build():
    return tfv1.train.MomentumOptimizer(0.1, 0.9)
"""


@pytest.mark.parametrize("compat", COMPAT.values(), ids=COMPAT.keys())
def test_reported_through_a_project_module(tmp_path: Path, compat: str) -> None:
    package = tmp_path / "mypkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "compat.py").write_text(textwrap.dedent(compat))
    (package / "user.py").write_text(USER)
    rules = [rule for rule in all_rules() if rule.id == "tf1-optimizer"]
    result = process_file(package / "user.py", rules)
    assert result.updated is None
    reported = sorted((f.line, f.message.split(" reads as ")[0]) for f in result.findings)
    assert reported == [(4, "tfv1.train.Optimizer"), (9, "tfv1.train.MomentumOptimizer")]
