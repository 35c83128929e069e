"""get-updates removes a legacy set_weights override only where all it does is reshape the list of
weights (pad or trim it) before handing it to the base class."""

from __future__ import annotations

import libcst as cst
import pytest

from optfix.rulekit.class_code import only_adjusts_the_list

PADDING = {  # set_weights bodies -> whether the migration may drop the override
    "if len(self.weights) == len(weights) + 1:\n    weights = [np.array(0)] + weights\nsuper(A, self).set_weights(weights)": True,
    "n = len(weights)\nif n == len(self.weights) + 1:\n    weights = weights[1:]\nelif n < len(self.weights):\n    weights = list(weights)\n"
    "else:\n    pass_through = weights\nreturn super().set_weights(weights)": True,
    '"""Old checkpoints."""\nsuper().set_weights(weights)': True,
    "params = self.weights\nnum_vars = int((len(params) - 1) / 2)\nif len(weights) == 3 * num_vars + 1:\n    weights = weights[: len(params)]\n"
    "super().set_weights(weights)": True,  # tf.keras 2's Adam
    "K.batch_set_value(zip(self.weights, weights))": False,
    "self.loaded = True\nsuper().set_weights(weights)": False,
    "weights = convert(weights)\nsuper().set_weights(weights)": False,
    "if len(weights) > 3: weights = weights[1:]\nsuper().set_weights(weights)": False,  # a one-line body: not read
    "super().set_weights(weights[1:])": False,
    "if len(weights) > 3:\n    weights = weights[1:]\nelse:\n    self.fresh = True\nsuper().set_weights(weights)": False,
}


@pytest.mark.parametrize("body, droppable", PADDING.items(), ids=range(len(PADDING)))
def test_only_a_set_weights_that_reshapes_its_list_for_the_base_class_is_dropped(body, droppable) -> None:
    indented = "".join(f"    {line}\n" for line in body.splitlines())
    method = cst.parse_statement(f"def set_weights(self, weights):\n{indented}")
    assert only_adjusts_the_list(method) is droppable
