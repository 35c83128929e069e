"""Names that TensorFlow's `tensorflow.python` package itself bound up to the 2.x releases of
about 2020 (its `__init__` star-imported the standard ops and the framework), which code of that
time imported as `from tensorflow.python import ops, math_ops, state_ops, control_flow_ops`:
each as the module that defines it. TensorFlow 2.21 no longer binds them there.
"""

from __future__ import annotations

# `tensorflow.python.<module>` -> the module's own path.
OPS_MODULES = {
    f"tensorflow.python.{module}": f"tensorflow.python.ops.{module}"
    for module in ("math_ops", "state_ops", "control_flow_ops", "array_ops", "resource_variable_ops", "clip_ops", "nn_ops")
}

# `tensorflow.python.ops` was bound to the framework's ops module there: its functions read as
# `ops.convert_to_tensor(...)`, `ops.control_dependencies(...)`.
FRAMEWORK_OPS = "tensorflow.python.framework.ops"
FRAMEWORK_OPS_FUNCTIONS = frozenset({
    "convert_to_tensor", "control_dependencies", "name_scope", "device", "init_scope",
})


def canonical(name: str) -> str:
    """`name` (a qualified name) as the module that defines it: `tensorflow.python.math_ops.sqrt`
    as `tensorflow.python.ops.math_ops.sqrt`, `tensorflow.python.ops.convert_to_tensor` as
    `tensorflow.python.framework.ops.convert_to_tensor`; any other name as it is."""
    module, _, member = name.rpartition(".")
    if module in OPS_MODULES:
        return f"{OPS_MODULES[module]}.{member}"
    if name in OPS_MODULES:
        return OPS_MODULES[name]
    if module == "tensorflow.python.ops" and member in FRAMEWORK_OPS_FUNCTIONS:
        return f"{FRAMEWORK_OPS}.{member}"
    return name
