"""The Keras 3 side of the tensorflow_addons table, checked against the installed Keras (tfa
itself cannot be installed next to it: the tfa side is checked by test_tfa_equivalence.py)."""

from __future__ import annotations

import inspect
import re

import pytest

from conftest import require
from optfix.knowledge.keras import KERAS3_OPTIMIZERS
from optfix.knowledge.rows import REQUIRED
from optfix.knowledge.tfa import TFA_NO_EQUIVALENT, TFA_OPTIMIZERS, TFA_UNMAPPED_KEYWORDS, tfa_name

ROWS = sorted(TFA_OPTIMIZERS.values(), key=lambda row: row.legacy)


def _keras_parameters(name: str) -> dict[str, object]:
    keras = require("keras")
    signature = inspect.signature(getattr(keras.optimizers, name).__init__)
    return {n: p.default for n, p in signature.parameters.items() if n != "self" and p.kind is p.POSITIONAL_OR_KEYWORD}


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.legacy)
def test_keras_target_keywords_and_defaults(row) -> None:
    assert row.keras in KERAS3_OPTIMIZERS
    target = _keras_parameters(row.keras)
    for keyword in [*row.extra, *(p.keras for p in (*row.params, *row.kwargs) if p.keras)]:
        assert keyword in target, keyword
    for keyword, default in row.keras_defaults.items():
        assert target[keyword] == default, keyword
    used = {p.keras for p in row.params if p.keras and p.math and p.default is not REQUIRED}
    assert used <= set(row.keras_defaults), "every default compared is a Keras default the table states"


def test_adamw_default_weight_decay_must_be_overridden() -> None:
    # Keras 3 AdamW decays by default; the rewrite always writes weight_decay.
    assert _keras_parameters("AdamW")["weight_decay"] == 0.004
    assert all(row.params[0].name == "weight_decay" and row.params[0].default is REQUIRED
               for row in ROWS if row.decoupled)


def test_keras_lamb_cannot_exclude_variables_from_layer_adaptation() -> None:
    # Why LAMB with excluded variables is only reported.
    keras = require("keras")
    source = inspect.getsource(keras.optimizers.Lamb)
    assert "exclude_from_layer_adaptation" not in source
    assert "exclude_from_layer_adaptation" in TFA_OPTIMIZERS["LAMB"].none_only


def test_keras_names_in_the_advice_exist() -> None:
    keras = require("keras")
    texts = [*TFA_NO_EQUIVALENT.values(), *TFA_UNMAPPED_KEYWORDS.values(), *(row.advice for row in ROWS)]
    mentioned = {name for text in texts for name in re.findall(r"\bkeras(?:\.\w+)+", text)}
    assert "keras.optimizers.OptimizerMap" in mentioned
    for dotted in mentioned:
        target = keras
        for part in dotted.split(".")[1:]:
            target = getattr(target, part)
    for keyword in ("use_ema", "ema_momentum"):  # MovingAverage's nearest Keras 3 arguments
        assert keyword in _keras_parameters("SGD")
    assert callable(keras.optimizers.SGD().exclude_from_weight_decay)


