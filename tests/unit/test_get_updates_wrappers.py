"""What a wrapper's or class factory's finding advises, read from the names its class uses."""

from __future__ import annotations

import libcst as cst
import pytest

from optfix.codemods.get_updates.wrappers import added_behaviour, factory_of

CASES = {
    "self.accum_grads = []": "gradient_accumulation_steps=",
    "self.slow_weights = []": "override apply(",
    "self.weight_decay_rate = 0.01": "weight_decay=",
    "self.exclude_from_layer_adaptation = []": "keras.optimizers.Lamb",
    "self.lr_schedule = {0: 1}": "LearningRateSchedule",
    "self.lr_multipliers = {}": "override update_step(",
    "self.paramwise_lr_schedule = {}": "override update_step(",  # a rate per parameter name, not per step
    "self.ema_momentum = 0.99": "use_ema=True",
    "self.additional_updates = []": "after optimizer.apply()",
    "self.lazy = True": "do not offer",
    "self.period = 3": "rebuild it on the Keras 3 API",
    "self.schema = None": "rebuild it on the Keras 3 API",  # `ema` inside a word is not a moving average
}


def _class(line: str) -> cst.ClassDef:
    return cst.parse_module(f"class Wrapped(Base):\n    def __init__(self):\n        {line}\n").body[0]


@pytest.mark.parametrize("line", CASES)
def test_the_advice_names_what_keras_3_offers_for_what_the_class_adds(line) -> None:
    assert CASES[line] in added_behaviour(_class(line))


def test_a_class_made_around_a_parameter_of_its_function_is_a_factory_s() -> None:
    module = cst.parse_module("def extend(Base):\n    class New(Base):\n        pass\n    return New\n\n\nclass Plain(Base):\n    pass\n")
    new = module.body[0].body.body[0]
    function, parameter = factory_of(module, new)
    assert (function.name.value, parameter) == ("extend", "Base")
    assert factory_of(module, module.body[1]) is None
