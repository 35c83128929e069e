"""The knowledge tables, checked against the installed Keras 3, tf_keras and TensorFlow."""

from __future__ import annotations

import importlib
import os

import pytest

from conftest import require
from optfix.knowledge.backend import REMOVED_MODULES
from optfix.knowledge.identifiers import REGISTERED, RENAMED, UNREGISTERED, UNSERVED
from optfix.knowledge.keras import KERAS3_OPTIMIZERS
from optfix.knowledge.namespaces import KERAS_ROOTS, keras_member

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.fixture(scope="module")
def keras():
    keras = require("keras")
    assert keras.__version__.startswith("3."), keras.__version__
    return keras


def _accepted(keras, name: str) -> bool:
    try:
        return isinstance(keras.optimizers.get(name), keras.optimizers.Optimizer)
    except (ValueError, TypeError, KeyError):
        return False


def test_registered_names_are_exactly_what_keras_builds(keras) -> None:
    from keras.src.optimizers import ALL_OBJECTS_DICT

    assert {key for key in ALL_OBJECTS_DICT if _accepted(keras, key)} == REGISTERED


@pytest.mark.parametrize("name", sorted(REGISTERED))
def test_registered_names_work_in_any_letter_case(keras, name) -> None:
    for spelling in (name, name.upper(), name.capitalize()):
        assert _accepted(keras, spelling), spelling


def test_unserved_strings_fail_in_keras_3(keras) -> None:
    for name in UNSERVED:
        assert not _accepted(keras, name), name


def test_unregistered_strings_name_keras_classes_the_registry_leaves_out(keras) -> None:
    # Every Keras 3 optimizer class is either reachable by its name or listed here.
    assert {name.lower() for name in KERAS3_OPTIMIZERS} - REGISTERED == set(UNREGISTERED)
    for name, cls in UNREGISTERED.items():
        assert not _accepted(keras, name) and not _accepted(keras, cls), name
        assert cls.lower() == name
        assert isinstance(getattr(keras.optimizers, cls)(), keras.optimizers.Optimizer), cls


def test_renamed_strings_were_keras_2_names_for_the_same_optimizer(keras) -> None:
    tf_keras = require("tf_keras")
    for old, new in RENAMED.items():
        assert not _accepted(keras, old), old
        legacy = tf_keras.optimizers.get(old)
        modern = keras.optimizers.get(new)
        assert type(legacy).__name__ == type(modern).__name__, (old, new)
        # The Keras 2.11 optimizers take the Keras 3 arguments: same names, same defaults.
        assert legacy.get_config()["learning_rate"] == pytest.approx(modern.get_config()["learning_rate"])


@pytest.mark.parametrize("root", KERAS_ROOTS)
def test_every_keras_root_reaches_keras_optimizers(root) -> None:
    require("tensorflow")
    assert callable(_reach(root).optimizers.get)
    assert keras_member(f"{root}.optimizers.get") == "optimizers.get"


def _reach(dotted: str):
    """Import a module, or reach it as an attribute (`tensorflow.compat.v1.keras` is only one)."""
    try:
        return importlib.import_module(dotted)
    except ModuleNotFoundError:
        parent, _, name = dotted.rpartition(".")
        return getattr(_reach(parent), name)




@pytest.mark.parametrize("dotted", sorted(REMOVED_MODULES))
def test_removed_modules_and_names_are_gone_from_keras_3(keras, dotted) -> None:
    # a module that does not import, or a name its still-existing module does not hold
    parent, _, name = dotted.rpartition(".")
    try:
        importlib.import_module(dotted)
    except ImportError:
        pass
    else:
        pytest.fail(f"{dotted} imports on Keras {keras.__version__}")
    try:
        holder = importlib.import_module(parent)
    except ImportError:
        return
    assert not hasattr(holder, name), f"{parent} holds {name} on Keras {keras.__version__}"
