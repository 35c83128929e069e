"""The names verify binds again for an original are those optimizer-v2 reads as their modules."""

from optfix.knowledge import tf_python_namespace as knowledge
from optfix.verify import legacy_namespaces


def test_verify_binds_the_names_the_rule_reads() -> None:
    assert {f"tensorflow.python.{name}" for name in legacy_namespaces.OPS_MODULES} == set(knowledge.OPS_MODULES)
    assert set(legacy_namespaces.FRAMEWORK_OPS_FUNCTIONS) == knowledge.FRAMEWORK_OPS_FUNCTIONS


def test_old_names_read_as_their_modules() -> None:
    assert knowledge.canonical("tensorflow.python.math_ops.sqrt") == "tensorflow.python.ops.math_ops.sqrt"
    assert knowledge.canonical("tensorflow.python.state_ops") == "tensorflow.python.ops.state_ops"
    assert knowledge.canonical("tensorflow.python.ops.convert_to_tensor") == "tensorflow.python.framework.ops.convert_to_tensor"
    assert knowledge.canonical("tensorflow.python.ops.math_ops.sqrt") == "tensorflow.python.ops.math_ops.sqrt"
    assert knowledge.canonical("tensorflow.python.ops.gen_math_ops") == "tensorflow.python.ops.gen_math_ops"
