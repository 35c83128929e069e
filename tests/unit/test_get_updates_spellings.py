"""get_updates written with comprehensions or a list of its own migrates exactly as the loop it
stands for: the same build() and update_step()."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from optfix.codemods.get_updates import GetUpdatesRule
from optfix.engine.journey import process_bytes
from optfix.rulekit.rule import FixOptions

HEAD = """from keras import backend as K
from keras.optimizers import Optimizer


class Momentum(Optimizer):
    def __init__(self, lr=0.01, momentum=0.9, **kwargs):
        super().__init__(**kwargs)
        self.lr = K.variable(lr)
        self.momentum = momentum

    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        moments = [K.zeros(K.int_shape(p)) for p in params]
"""

LOOP = """        self.updates = [K.update_add(self.iterations, 1)]
        for p, g, m in zip(params, grads, moments):
            self.updates.append(K.update(m, self.momentum * m - self.lr * g))
            self.updates.append(K.update_add(p, self.momentum * m - self.lr * g))
        return self.updates
"""

SPELLINGS = {
    "one comprehension per update": """        self.updates = [K.update_add(self.iterations, 1)]
        self.updates += [K.update(m, self.momentum * m - self.lr * g) for p, g, m in zip(params, grads, moments)]
        self.updates.extend([K.update_add(p, self.momentum * m - self.lr * g) for p, g, m in zip(params, grads, moments)])
        return self.updates
""",
    "a local list": """        updates = []
        for p, g, m in zip(params, grads, moments):
            updates.append(K.update(m, self.momentum * m - self.lr * g))
            updates.append(K.update_add(p, self.momentum * m - self.lr * g))
        updates.append(K.update_add(self.iterations, 1))
        return updates
""",
    "returned at once": """        return [K.update(m, self.momentum * m - self.lr * g) for p, g, m in zip(params, grads, moments)] + [
            K.update_add(p, self.momentum * m - self.lr * g) for p, g, m in zip(params, grads, moments)]
""",
    "pairs, as Keras 2.2 wrote them, and tf.assign": """        self.updates = [(self.iterations, self.iterations + 1)]
        for p, g, m in zip(params, grads, moments):
            self.updates.append((m, self.momentum * m - self.lr * g))
            self.updates.append(tf.assign_add(p, self.momentum * m - self.lr * g))
        return self.updates
""",
}


def _methods(body: str, prefix: str = "") -> dict[str, str]:
    """build() and update_step() as get-updates writes them, normalised (the unpacking line of
    a later loop aside)."""
    source = prefix + HEAD + body
    result = process_bytes(Path("example.py"), source.encode(), [GetUpdatesRule], FixOptions())
    assert result.changed, [f.message for f in result.findings]
    tree = ast.parse(result.updated.decode())
    [cls] = [node for node in tree.body if isinstance(node, ast.ClassDef)]
    methods = {node.name: node for node in cls.body if isinstance(node, ast.FunctionDef)}
    step = methods["update_step"]
    step.body = [s for i, s in enumerate(step.body) if i < 3 or not (isinstance(s, ast.Assign) and ast.unparse(s.value).startswith("(variable"))]
    return {name: ast.unparse(methods[name]) for name in ("build", "update_step")}


@pytest.mark.parametrize("spelling", SPELLINGS, ids=list(SPELLINGS))
def test_each_spelling_migrates_as_the_loop(spelling) -> None:
    prefix = "import tensorflow as tf\n" if "tf." in SPELLINGS[spelling] else ""
    assert _methods(SPELLINGS[spelling], prefix) == _methods(LOOP)
