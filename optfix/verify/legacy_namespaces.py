"""Names that tf.keras 2 optimizers of TensorFlow 2.0 to 2.5 imported from `tensorflow.python`
itself (`from tensorflow.python import ops, math_ops, state_ops, control_flow_ops`), bound again
for the original side of a proof (tf_keras_runner's process, never optfix's): each module as that
package bound it then, `ops` reading the framework's functions. Each binding only adds a name
TensorFlow 2.21 no longer has; nothing it has is replaced. The same names optimizer-v2 reads as
their modules (knowledge/tf_python_namespace.py).
"""

from __future__ import annotations

import importlib

OPS_MODULES = ("math_ops", "state_ops", "control_flow_ops", "array_ops", "resource_variable_ops", "clip_ops", "nn_ops")
FRAMEWORK_OPS_FUNCTIONS = ("convert_to_tensor", "control_dependencies", "name_scope", "device", "init_scope")


def bind() -> None:
    import tensorflow.python as python

    for name in OPS_MODULES:
        if not hasattr(python, name):
            setattr(python, name, importlib.import_module(f"tensorflow.python.ops.{name}"))
    ops_package = importlib.import_module("tensorflow.python.ops")
    framework_ops = importlib.import_module("tensorflow.python.framework.ops")
    for name in FRAMEWORK_OPS_FUNCTIONS:
        if not hasattr(ops_package, name):
            setattr(ops_package, name, getattr(framework_ops, name))
