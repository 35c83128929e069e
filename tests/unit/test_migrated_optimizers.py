"""The shared reading of migrated Keras 3 optimizer classes: which `.name` reads are a variable's."""

from __future__ import annotations

import libcst as cst

from optfix.analysis.tree import code
from optfix.rulekit.migrated_optimizers import variable_name_reads

SOURCE = '''
class Scaled(keras.optimizers.Optimizer):
    def __init__(self, name="Scaled", layer=None, **kwargs):
        super().__init__(learning_rate=0.1, name=name, **kwargs)
        self.prefix = layer.name

    def build(self, var_list):
        for v in var_list:
            self.scales.append(v.name)

    def _skipped(self, var):
        return var.name.startswith("bias")

    def update_step(self, gradient, variable, learning_rate):
        p = variable
        q, g = variable, gradient
        def apply(x):
            return x.name
        if self.name and p.name and q.name and variable.name:
            self.assign_sub(variable, learning_rate * g)
'''


def test_a_variable_name_is_read_from_update_methods_and_names_bound_to_the_variable() -> None:
    node = cst.parse_module(SOURCE).body[0]
    assert sorted(code(a) for a in variable_name_reads(node)) == sorted(
        ["var.name", "x.name", "p.name", "q.name", "variable.name"])
