"""The knowledge tables (optfix/knowledge/) agree with themselves, with the reference's lists of
changed defaults, and with the transcription of Keras 2.2's (and 2.3's) optimizers; no library is imported
(equivalence/ checks them against the installed Keras 3, tf_keras and TensorFlow)."""

from __future__ import annotations

import inspect

import pytest

from keras2_transcription import KERAS2_3_CLASSES, KERAS2_CLASSES
from optfix.knowledge.keras import KERAS2_EPSILON, KERAS2_FACTORIES, KERAS_OPTIMIZERS
from optfix.knowledge.namespaces import keras_member
from optfix.knowledge.runtime import backend_function
from optfix.knowledge.tf1 import TF1_OPTIMIZERS
from optfix.knowledge.tfa import TFA_NO_EQUIVALENT, TFA_OPTIMIZERS, tfa_name


def _parameters(cls) -> list[tuple[str, object]]:
    return [
        (p.name, p.default) for p in inspect.signature(cls).parameters.values()
        if p.kind is p.POSITIONAL_OR_KEYWORD
    ]


# -- keras.py ------------------------------------------------------------------------------------

@pytest.mark.parametrize("cls", KERAS2_CLASSES, ids=lambda cls: cls.__name__)
def test_keras2_signatures_match_the_transcribed_optimizers(cls) -> None:
    assert list(KERAS_OPTIMIZERS[cls.__name__].keras2) == _parameters(cls)
    assert KERAS2_FACTORIES[cls.__name__.lower()] == cls.__name__


def test_every_keras2_row_is_a_transcribed_optimizer() -> None:
    assert {row.name for row in KERAS_OPTIMIZERS.values() if row.keras2 is not None} == {cls.__name__ for cls in KERAS2_CLASSES}


@pytest.mark.parametrize("name", sorted(KERAS2_3_CLASSES))
def test_keras2_3_signatures_match_the_transcribed_constructors(name) -> None:
    cls, row = KERAS2_3_CLASSES[name], KERAS_OPTIMIZERS[name]
    assert list(row.keras2_3) == _parameters(cls)
    for keyword, value in {"lr": 0.1, "decay": 0.0, "epsilon": 1e-7, "schedule_decay": 0.004}.items():
        try:
            cls(**{keyword: value})
        except TypeError:
            assert keyword not in row.keras2_3_keywords
        else:
            assert keyword in row.keras2_3_keywords


def test_every_keras2_3_row_is_a_transcribed_constructor() -> None:
    assert {row.name for row in KERAS_OPTIMIZERS.values() if row.keras2_3 is not None} == set(KERAS2_3_CLASSES)


def test_keras2_epsilon_is_keras3s_default_epsilon() -> None:
    """`epsilon=None` is dropped because the value it stood for is what Keras 3 uses."""
    for row in KERAS_OPTIMIZERS.values():
        defaults = dict(row.keras3)
        if row.keras2 is not None and "epsilon" in defaults:
            assert defaults["epsilon"] == KERAS2_EPSILON, row.name


def test_implied_state_names_keras3_keywords_with_other_defaults() -> None:
    for row in KERAS_OPTIMIZERS.values():
        defaults = dict(row.keras3)
        for keyword, value in row.keras2_implied.items():
            assert keyword in defaults and defaults[keyword] != value, row.name


def test_names_outside_keras_have_no_member() -> None:
    assert keras_member("mylib.optimizers.get") is None
    assert keras_member("kerastuner.optimizers.get") is None
    assert keras_member(None) is None


# -- runtime.py ----------------------------------------------------------------------------------

def test_backend_function_recognises_only_value_functions() -> None:
    assert backend_function("keras.backend.floatx") is None
    assert backend_function("mylib.backend.get_value") is None
    assert backend_function("tensorflow.compat.v1.keras.backend.eval") == ("tensorflow.compat.v1.keras", "eval")
    assert backend_function(None) is None


# -- tf1.py --------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "legacy, written",
    [
        ("AdamOptimizer", {"epsilon": 1e-08}),
        ("AdadeltaOptimizer", {"epsilon": 1e-08}),
        ("AdagradOptimizer", {"epsilon": 0.0}),
        ("RMSPropOptimizer", {"epsilon": 1e-10}),
        ("FtrlOptimizer", {}),
        ("GradientDescentOptimizer", {}),
        ("MomentumOptimizer", {}),
    ],
)
def test_tf1_old_defaults_written_explicitly(legacy, written) -> None:
    # The reference's list of changed defaults (optimizer-semantics.md §1).
    assert TF1_OPTIMIZERS[legacy].explicit_defaults() == written


# -- tfa.py --------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "legacy, written",
    [
        ("AdamW", {}),
        ("SGDW", {"learning_rate": 0.001}),  # Keras 3 SGD: 0.01
        ("LazyAdam", {}),
        ("LAMB", {"epsilon": 1e-06}),  # Keras 3 Lamb: 1e-7
        ("ProximalAdagrad", {"epsilon": 0.0}),  # tfa has no epsilon
    ],
)
def test_tfa_old_defaults_written_explicitly(legacy, written) -> None:
    # optimizer-semantics.md §4.
    assert TFA_OPTIMIZERS[legacy].explicit_defaults() == written


@pytest.mark.parametrize(
    "qualified, name",
    [
        ("tensorflow_addons.optimizers.AdamW", "AdamW"),
        ("tensorflow_addons.optimizers.weight_decay_optimizers.AdamW", "AdamW"),
        ("tensorflow_addons.optimizers.Yogi", "Yogi"),
        ("tensorflow_addons.optimizers", None),
        ("tensorflow_addons.layers.AdamW", None),
        ("tensorflow_addons.optimizers.AdamW.from_config", None),
        ("keras.optimizers.AdamW", None),
        (None, None),
    ],
)
def test_tfa_name(qualified, name) -> None:
    assert tfa_name(qualified) == name


def test_tfa_tables_do_not_overlap() -> None:
    assert not set(TFA_OPTIMIZERS) & set(TFA_NO_EQUIVALENT)
    for row in TFA_OPTIMIZERS.values():
        names = [p.name for p in (*row.params, *row.kwargs)]
        assert len(names) == len(set(names)), row.legacy
        assert not {"lr", "decay"} & set(names), row.legacy
