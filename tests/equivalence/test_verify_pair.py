"""optfix.verify.pair tells a faithful migration from one that computes something else."""

from __future__ import annotations

from conftest import REPO, require

FIXTURES = REPO / "fixtures" / "get-updates"


def test_a_migrated_class_that_computes_something_else_is_different(tmp_path) -> None:
    """In process, on a deliberately altered pair: the migrated SGD with a doubled learning rate."""
    keras = require("keras")
    from optfix.codemods.get_updates.rule import GetUpdatesRule
    from optfix.engine.transform import transform
    from optfix.verify.legacy_keras import load_legacy, optimizer_classes
    from optfix.verify.pair import run_pair

    original = (FIXTURES / "sgd.py").read_text()
    [legacy] = optimizer_classes(load_legacy(original, "sgd.py")).values()
    namespace = {"__name__": "altered_sgd"}
    exec(compile(transform(original, [GetUpdatesRule]).text, "sgd.py", "exec"), namespace)
    migrated = namespace["SGD"]
    assert issubclass(migrated, keras.optimizers.Optimizer)

    same = run_pair("sgd.py:7", "SGD", legacy, migrated)
    assert same.verdict == "equal" and same.difference <= 1e-6

    class Altered(migrated):
        def __init__(self, **kwargs):
            super().__init__(lr=0.02, **kwargs)

    altered = run_pair("sgd.py:7", "SGD", legacy, Altered)
    assert altered.verdict == "DIFFERENT" and altered.difference > 1e-3
