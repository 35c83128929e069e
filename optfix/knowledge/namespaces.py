"""Where Keras lives: the module paths through which code reaches the Keras API."""

from __future__ import annotations

# Longest first: the first root that prefixes a qualified name wins.
KERAS_ROOTS = (
    "tensorflow.compat.v1.keras",
    "tensorflow.compat.v2.keras",
    "tensorflow.python.keras",
    "tensorflow.keras",
    "keras.src",
    "tf_keras",
    "keras",
)


# What a TF 1 program's `tf` is: TensorFlow, or under TensorFlow 2 its compat.v1 API (`import
# tensorflow as tf`, then `import tensorflow.compat.v1 as tf` where the version is 2): one API.
TF1_API_ROOTS = ("tensorflow", "tensorflow.compat.v1")

# What a TF 2 program's `tf` is: TensorFlow, or its compat.v2 API (`import tensorflow as tf`, then
# `import tensorflow.compat.v2 as tf`, as Google's research code writes): one API under TF 2.
TF2_API_ROOTS = ("tensorflow", "tensorflow.compat.v2")


def keras_member(qualified_name: str | None) -> str | None:
    """`tensorflow.keras.optimizers.get` -> `optimizers.get`; None outside Keras."""
    if not qualified_name:
        return None
    for root in KERAS_ROOTS:
        if qualified_name.startswith(root + "."):
            return qualified_name[len(root) + 1 :]
    return None
