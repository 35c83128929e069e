"""Generated legacy optimizers through get-updates: whatever the spelling (imports, super() form,
name scopes, decay, slot lists made by comprehension or by a loop, updates appended, extended or
as tuples, formatting), the rule either migrates the class to code that computes what the
original computed, or leaves the file byte-identical with findings; never a crash, and a second
run changes nothing."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import require
from optfix.engine.journey import process_bytes
from optfix.engine.registry import rules_by_id
from optfix.verify.keras3 import compare, gradient_sequence, run_keras3
from optfix.verify.legacy_keras import load_legacy, optimizer_classes, run_legacy

IMPORTS = {
    "from": "from keras import backend as K\nfrom keras.optimizers import Optimizer\n",
    "module": "import keras.backend as K\nimport keras\nOptimizer = keras.optimizers.Optimizer\n",
    "tf": "from tensorflow.keras import backend as K\nfrom tensorflow.keras.optimizers import Optimizer\n",
}


@st.composite
def legacy_optimizers(draw) -> str:
    imports = draw(st.sampled_from(sorted(IMPORTS)))
    parent = draw(st.sampled_from(["super(Generated, self)", "super()"]))
    scoped = draw(st.booleans())
    decay = draw(st.booleans())
    momentum = draw(st.floats(0.0, 0.95).map(lambda x: round(x, 2)))
    by_loop = draw(st.booleans())
    update = draw(st.sampled_from(["K.update({0}, {1})", "({0}, {1})"]))
    extend = draw(st.booleans())
    indent = draw(st.sampled_from(["    ", "  "]))
    variables = [
        "self.iterations = K.variable(0, dtype='int64', name='iterations')",
        "self.lr = K.variable(lr, name='lr')",
        "self.momentum = K.variable(momentum, name='momentum')",
        "self.decay = K.variable(decay, name='decay')",
    ]
    init = ["super_call", *(["with K.name_scope(self.__class__.__name__):"] + ["    " + v for v in variables] if scoped else variables),
            "self.initial_decay = decay"]
    if by_loop:
        slots = ["ms = []", "for p in params:", "    ms.append(K.zeros(K.int_shape(p), dtype=K.dtype(p)))"]
    else:
        slots = ["ms = [K.zeros(K.int_shape(p), dtype=K.dtype(p)) for p in params]"]
    step = [update.format("m", "v"), update.format("p", "p + v")]
    emit = [f"self.updates.extend([{', '.join(step)}])"] if extend else [f"self.updates.append({s})" for s in step]
    body = [
        "grads = self.get_gradients(loss, params)",
        "self.updates = [K.update_add(self.iterations, 1)]",
        "lr = self.lr",
        *(["if self.initial_decay > 0:",
           "    lr = lr * (1. / (1. + self.decay * K.cast(self.iterations, K.dtype(self.decay))))"] if decay else []),
        *slots,
        "self.weights = [self.iterations] + ms",
        "for p, g, m in zip(params, grads, ms):",
        "    v = self.momentum * m - lr * g",
        *("    " + line for line in emit),
        "return self.updates",
    ]
    init = [line.replace("super_call", f"{parent}.__init__(**kwargs)") for line in init]
    lines = [
        "class Generated(Optimizer):",
        f"    def __init__(self, lr=0.05, momentum={momentum}, decay={0.01 if decay else 0.0}, **kwargs):",
        *("        " + line for line in init),
        "",
        "    def get_updates(self, loss, params):",
        *("        " + line for line in body),
    ]
    source = "\n".join(lines) + "\n"
    return IMPORTS[imports] + "\n\n" + source.replace("    ", indent)


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(legacy_optimizers())
def test_generated_legacy_optimizers_migrate_to_the_same_math(source: str) -> None:
    keras = require("keras")
    rule = rules_by_id()["get-updates"]
    data = source.encode()
    result = process_bytes("generated.py", data, [rule])
    assert not result.failed, [f.message for f in result.findings]
    assert result.changed, [f.message for f in result.findings]
    again = process_bytes("generated.py", result.updated, [rule])
    assert not again.changed and not again.failed
    legacy = optimizer_classes(load_legacy(source, "generated.py"))["Generated"]
    namespace = {"__name__": "generated_migrated"}
    exec(compile(result.updated.decode(), "generated.py", "exec"), namespace)
    migrated = namespace["Generated"]
    assert issubclass(migrated, keras.optimizers.Optimizer)
    initial, gradients = gradient_sequence(((4,), (2, 3)), steps=8, seed=1)
    difference = compare(run_legacy(legacy, {}, initial, gradients), run_keras3(migrated, {}, initial, gradients))
    assert difference <= 1e-6, difference

