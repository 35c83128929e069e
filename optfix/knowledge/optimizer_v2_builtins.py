"""tf.keras 2's built-in optimizers (OptimizerV2) that a subclass can keep as its Keras 3 base class.

Only those whose Keras 3 class computes the same update: Adam (the fused kernel's
`lr_t * m / (sqrt(v) + epsilon)`, `lr_t` carrying both bias corrections, is Keras 3's
`alpha * m / (sqrt(v) + epsilon)`; amsgrad the same), and its sparse path, which writes whole
variables, equals the dense one on the gradient made dense. Each name maps to the legacy
constructor's positional parameters, in order, which the migrated `super().__init__` passes by
keyword (Keras 3's order differs after `amsgrad`: `weight_decay` stands where `name` stood), with
its default, for a subclass that keeps the built-in's `__init__`.

SGD is not here: its sparse path with momentum updates only the given rows (a lazy update), which
Keras 3's does not. Nadam's momentum schedule, Adagrad's and RMSprop's epsilon differ.
"""

from __future__ import annotations

LEGACY_SIGNATURES = {
    "Adam": (("learning_rate", 0.001), ("beta_1", 0.9), ("beta_2", 0.999), ("epsilon", 1e-7), ("amsgrad", False), ("name", "Adam")),
}
KEPT_BASES = {name: tuple(parameter for parameter, _ in signature) for name, signature in LEGACY_SIGNATURES.items()}
