"""tf1-optimizer never half-migrates: in a file that drives optimizers the TF1 way, every TF1
optimizer or class that leaves what the rule follows stays TF1, whatever the order of the code;
one that stays local is still rewritten."""

from __future__ import annotations

import itertools

import pytest

from optfix.engine.registry import rules_by_id
from optfix.engine.transform import transform
from optfix.rulekit.rule import FixOptions

ADAM = "tf.compat.v1.train.AdamOptimizer(0.01)"
TF1_USES = {
    "minimize": "def drive(optimizer, loss):\n    return optimizer.minimize(loss)\n",
    "compute_gradients": "def drive(optimizer, loss):\n    return optimizer.compute_gradients(loss)\n",
    "global_step": "def drive(optimizer, pairs, step):\n    return optimizer.apply_gradients(pairs, global_step=step)\n",
    "get_slot": "def drive(optimizer, variable):\n    return optimizer.get_slot(variable, 'm')\n",
    "wrapper": "def drive(optimizer):\n    return tf.compat.v1.tpu.CrossShardOptimizer(optimizer)\n",
}
ESCAPES = {
    "returned": f"def build():\n    return {ADAM}\n",
    "returned name": f"def build():\n    optimizer = {ADAM}\n    return optimizer\n",
    "default": f"def build(optimizer={ADAM}):\n    pass\n",
    "attribute": f"class Holder:\n    def __init__(self):\n        self.optimizer = {ADAM}\n",
    "attribute from name": f"class Holder:\n    def __init__(self):\n        optimizer = {ADAM}\n        self.optimizer = optimizer\n",
    "dict": f"OPTIMIZERS = {{'adam': {ADAM}}}\n",
    "list": f"def build():\n    return [{ADAM}]\n",
    "unknown call": f"def build(trainer):\n    trainer.setup({ADAM})\n",
    "unknown call of a name": f"def build():\n    optimizer = {ADAM}\n    register(optimizer)\n",
    "class in a dict": "CLASSES = {'sgd': tf.compat.v1.train.GradientDescentOptimizer}\n",
    "class returned": "def optimizer_class():\n    return tf.compat.v1.train.GradientDescentOptimizer\n",
}
LOCAL = f"def local(pairs):\n    optimizer = {ADAM}\n    optimizer.apply_gradients(pairs)\n"


def _run(*parts: str) -> str:
    source = "import tensorflow as tf\n\n\n" + "\n\n".join(parts)
    return transform(source, [rules_by_id()["tf1-optimizer"]], FixOptions()).text


def _stays(use: str, escape: str) -> None:
    parts = [TF1_USES[use], ESCAPES[escape], LOCAL]
    for order in (parts, parts[::-1], parts[1:] + parts[:1]):
        result = _run(*order)
        assert ESCAPES[escape] in result, f"{escape} rewritten with {use} in the file:\n{result}"
        assert "optimizer = keras.optimizers.Adam(learning_rate=0.01, epsilon=1e-08)\n    optimizer.apply_gradients(pairs)" in result, result


@pytest.mark.parametrize("escape", ESCAPES)
def test_an_escaping_optimizer_stays_tf1_in_any_order(escape) -> None:
    _stays("minimize", escape)


@pytest.mark.parametrize("use", TF1_USES)
def test_every_tf1_only_use_keeps_what_escapes(use) -> None:
    _stays(use, "default")


@pytest.mark.parametrize("escape", ESCAPES)
def test_without_tf1_use_an_escaping_optimizer_is_rewritten(escape) -> None:
    result = _run(ESCAPES[escape])
    assert "tf.compat.v1.train.AdamOptimizer" not in result, result


@pytest.mark.parametrize("first_branch", [True, False])
def test_the_decision_does_not_depend_on_branch_order(first_branch) -> None:
    direct = f"optimizer = {ADAM}"
    looked_up = "optimizer = optimizer_class()(0.01)"
    branches = (direct, looked_up) if first_branch else (looked_up, direct)
    train = f"def train(loss, name):\n    if name:\n        {branches[0]}\n    else:\n        {branches[1]}\n    return optimizer.minimize(loss)\n"
    result = _run(ESCAPES["class returned"], train)
    assert ESCAPES["class returned"] in result and direct in result, result


def test_a_tensor_learning_rate_from_a_function_of_the_file_keeps_the_optimizer() -> None:
    rate = "def rate(step):\n    return tf.compat.v1.train.exponential_decay(0.1, step, 100, 0.9)\n"
    build = "def build(step):\n    optimizer = tf.compat.v1.train.GradientDescentOptimizer(rate(step))\n    optimizer.apply_gradients([])\n"
    assert "GradientDescentOptimizer(rate(step))" in _run(rate, build)
    assert "GradientDescentOptimizer(rate(step))" in _run(build, rate)
