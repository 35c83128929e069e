"""The check that a migrated optimizer class works in Keras 3's training loop: it trains a small
model with `fit` (the weights move, each batch is one step), and the model saved with it loads
back with an optimizer of the same class at the same step."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from conftest import require


def assert_trains_and_saves(cls: type, directory: Path) -> None:
    keras = require("keras")
    optimizer = cls()
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer=optimizer, loss="mse")
    rng = np.random.default_rng(0)
    before = [w.copy() for w in model.get_weights()]
    model.fit(rng.normal(size=(16, 3)), rng.normal(size=(16, 2)), epochs=2, batch_size=8, verbose=0)
    assert any(not np.allclose(a, b) for a, b in zip(before, model.get_weights()))
    assert int(optimizer.iterations) == 4
    model.save(directory / "model.keras")
    # Registration is global and by class name: another fixture's class of the same name may have
    # been registered since this one was.
    keras.saving.register_keras_serializable()(cls)
    loaded = keras.models.load_model(directory / "model.keras")
    assert type(loaded.optimizer) is cls and int(loaded.optimizer.iterations) == 4
