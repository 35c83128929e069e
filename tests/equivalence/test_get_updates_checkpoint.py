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
