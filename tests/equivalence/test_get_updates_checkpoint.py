"""The checkpoint of a migrated optimizer is the legacy one's: after the base class's own variables
(the step counter, the learning rate), Keras 3's `optimizer.variables` are the legacy
`self.weights` (less its step counter) in the same order, with the same shapes and, after the same
training steps, the same values. Every migrated fixture whose get_updates sets self.weights is
run; checkpoint_order and checkpoint_loop make their slot lists in another order than their
self.weights lists them (and adafactor in a loop over several lists).
"""

from __future__ import annotations

import numpy as np
import pytest

from test_get_updates_equivalence import MIGRATED, _gradients, _legacy_class, _migrated_class, _relative
from optfix.verify.keras3 import train_keras3
from optfix.verify.legacy_keras import train_legacy

CHECKPOINTED = [path for path in MIGRATED if "self.weights" in path.read_text()]
STEPS = 3


def test_the_fixtures_include_slots_made_out_of_checkpoint_order() -> None:
    assert {"checkpoint_order", "checkpoint_loop"} <= {path.stem for path in CHECKPOINTED}


@pytest.mark.parametrize("path", CHECKPOINTED, ids=lambda p: p.stem)
def test_variables_follow_the_legacy_weights(path) -> None:
    initial, gradients = _gradients(1.0)
    legacy, _ = train_legacy(_legacy_class(path), {}, initial, gradients[:STEPS])
    migrated, _ = train_keras3(_migrated_class(path), {}, initial, gradients[:STEPS])
    counter = getattr(legacy, "iterations", None)
    old = [np.asarray(w.value) for w in legacy.weights if w is not counter]
    base = len(_migrated_class(path)().variables)  # before build(): the base class's own
    slots = migrated.variables[base:]
    new = [np.asarray(v.numpy()) for v in slots]
    paths = [v.path or v.name for v in slots]
    assert old, "the legacy optimizer kept no weights: nothing to compare"
    assert len(new) >= len(old), paths
    assert [a.shape for a in new[:len(old)]] == [a.shape for a in old], paths
    worst = max(_relative(a, b) if np.any(b) else float(np.abs(a).max()) for a, b in zip(new, old))
    assert worst <= 1e-6, f"the variables are not the legacy weights in order: {paths}"


PADDING = {  # set_weights bodies -> whether the migration may drop the override
    "if len(self.weights) == len(weights) + 1:\n    weights = [np.array(0)] + weights\nsuper(A, self).set_weights(weights)": True,
    "n = len(weights)\nif n == len(self.weights) + 1:\n    weights = weights[1:]\nelif n < len(self.weights):\n    weights = list(weights)\n"
    "else:\n    pass_through = weights\nreturn super().set_weights(weights)": True,
    '"""Old checkpoints."""\nsuper().set_weights(weights)': True,
    "K.batch_set_value(zip(self.weights, weights))": False,
    "self.loaded = True\nsuper().set_weights(weights)": False,
    "weights = convert(weights)\nsuper().set_weights(weights)": False,
    "if len(weights) > 3: weights = weights[1:]\nsuper().set_weights(weights)": False,  # a one-line body: not read
    "super().set_weights(weights[1:])": False,
    "if len(weights) > 3:\n    weights = weights[1:]\nelse:\n    self.fresh = True\nsuper().set_weights(weights)": False,
}


@pytest.mark.parametrize("body, droppable", PADDING.items(), ids=range(len(PADDING)))
def test_only_a_set_weights_that_reshapes_its_list_for_the_base_class_is_dropped(body, droppable) -> None:
    import libcst as cst

    from optfix.codemods.get_updates.checkpoint_order import only_adjusts_the_list

    indented = "".join(f"    {line}\n" for line in body.splitlines())
    method = cst.parse_statement(f"def set_weights(self, weights):\n{indented}")
    assert only_adjusts_the_list(method) is droppable
