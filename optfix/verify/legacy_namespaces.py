"""Names that tf.keras 2 optimizers of TensorFlow 2.0 to 2.5 imported from `tensorflow.python`
itself (`from tensorflow.python import ops, math_ops, state_ops, control_flow_ops`), bound again
for the original side of a proof (tf_keras_runner's process, never optfix's): each module as that
package bound it then, `ops` reading the framework's functions. Each binding only adds a name
TensorFlow 2.21 no longer has; nothing it has is replaced.
"""

from __future__ import annotations

import importlib

from optfix.knowledge.tf_python_namespace import FRAMEWORK_OPS, FRAMEWORK_OPS_FUNCTIONS, OPS_MODULES


def bind() -> None:
    import tensorflow.python as python

    for old, new in OPS_MODULES.items():
        name = old.rsplit(".", 1)[1]
        if not hasattr(python, name):
            setattr(python, name, importlib.import_module(new))
    ops_package, framework_ops = importlib.import_module("tensorflow.python.ops"), importlib.import_module(FRAMEWORK_OPS)
    for name in FRAMEWORK_OPS_FUNCTIONS:
        if not hasattr(ops_package, name):
            setattr(ops_package, name, getattr(framework_ops, name))
