"""The migrated class's registration with Keras 3's serialization.

tf.keras 2 classes register with `tf.keras.utils.register_keras_serializable(...)`: on TensorFlow
2.16+ that name is Keras 3's only while tf.keras is Keras 3 (with TF_USE_LEGACY_KERAS=1 it
registers with tf_keras, where Keras 3's `from_config` and `load_model` never look). It becomes
`keras.saving.register_keras_serializable(...)`, its arguments (`package=`, `name=`) kept; a class
registered nowhere gets one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from optfix.analysis.tree import code
from optfix.lazy import libcst as cst

if TYPE_CHECKING:
    from optfix.analysis.imports import ImportTable

_TENSORFLOW_KERAS = ("tensorflow.", "tf_keras.")  # tf.keras, tensorflow.python.keras, tf_keras: not Keras 3's registry


def registered(imports: ImportTable, decorators: list[cst.Decorator], keras: str) -> list[cst.Decorator]:
    """`decorators` with the class registered with Keras 3's `keras.saving`."""
    keras3 = cst.parse_expression(f"{keras}.saving.register_keras_serializable")
    result = []
    for decorator in decorators:
        call = decorator.decorator
        func = call.func if isinstance(call, cst.Call) else call
        qualified = imports.qualified_name(func) or ""
        if qualified.endswith(".register_keras_serializable") and qualified.startswith(_TENSORFLOW_KERAS):
            decorator = decorator.with_changes(decorator=call.with_changes(func=keras3) if isinstance(call, cst.Call) else cst.Call(keras3))
        result.append(decorator)
    if not any("register_keras_serializable" in code(d.decorator) for d in decorators):
        result.append(cst.Decorator(cst.Call(keras3)))
    return result
