"""optfix/knowledge/optimizer_v2_members.py and optimizer_v2_builtins.py against the installed tf_keras."""

from __future__ import annotations

import inspect

from conftest import require
from optfix.knowledge.optimizer_v2_builtins import LEGACY_SIGNATURES
from optfix.knowledge.optimizer_v2_members import OPTIMIZER_V2_MEMBERS


def test_the_optimizer_v2_members_are_those_of_tf_keras_s_legacy_optimizer() -> None:
    legacy = require("tf_keras").optimizers.legacy

    class Minimal(legacy.SGD):
        pass

    members = {name for name in [*dir(legacy.Optimizer), *vars(Minimal())] if not name.startswith("__")}
    assert OPTIMIZER_V2_MEMBERS == members


def test_the_legacy_signatures_are_tf_keras_s_legacy_built_ins() -> None:
    legacy = require("tf_keras").optimizers.legacy
    for name, signature in LEGACY_SIGNATURES.items():
        parameters = list(inspect.signature(getattr(legacy, name).__init__).parameters.values())[1:]
        written = [(p.name, p.default) for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD]
        assert written == list(signature), name
        assert parameters[-1].kind is inspect.Parameter.VAR_KEYWORD


def test_each_kept_built_in_exists_in_keras_3() -> None:
    keras = require("keras")
    for name, signature in LEGACY_SIGNATURES.items():
        accepted = inspect.signature(getattr(keras.optimizers, name).__init__).parameters
        assert {parameter for parameter, _ in signature} <= set(accepted), name
