"""The tf.keras 2 optimizer API (OptimizerV2, `tf_keras.optimizers.legacy.Optimizer` today) as
custom optimizers use it, and what Keras 3's `keras.optimizers.Optimizer` has in its place.

Checked against the installed tf_keras and Keras 3 by tests/equivalence/test_optimizer_v2_table.py.
"""

from __future__ import annotations

# The OptimizerV2 base class as `keras_member` spells it in each namespace that held it. Before
# TensorFlow 2.11, `tf.keras.optimizers.Optimizer` was OptimizerV2; code that overrides
# `_resource_apply_dense` was written for that class.
BASE_CLASSES = frozenset({
    "optimizers.Optimizer", "optimizers.legacy.Optimizer", "optimizer_v2.optimizer_v2.OptimizerV2",
    "optimizers.optimizer_v2.optimizer_v2.OptimizerV2", "optimizers.legacy.optimizer_v2.OptimizerV2",
})

# Methods a subclass defines for the base class to call.
DENSE = "_resource_apply_dense"
SPARSE = ("_resource_apply_sparse", "_resource_apply_sparse_duplicate_indices")
SLOTS = "_create_slots"
PREPARE = "_prepare_local"
STEP_PREPARATION = "_prepare"  # once per step, before the updates

# Overrides of the base class's machinery that Keras 3 has no place for: the reason, for the finding.
REFUSED_OVERRIDES = {
    "_distributed_apply": "Keras 3 applies the updates in its own apply() (and its backend's distribution code)",
    "_aggregate_gradients": "Keras 3 aggregates gradients across replicas itself and has no such hook",
    "_transform_gradients": "Keras 3 has no such hook (clipping is its clipnorm/clipvalue/global_clipnorm arguments)",
    "_transform_unaggregated_gradients": "Keras 3 has no such hook",
    "_create_all_weights": "Keras 3 makes an optimizer's variables in build()",
    "_create_hypers": "Keras 3 optimizers keep hyperparameters as plain attributes",
    "_prepare": "Keras 3 has no per-step preparation hook (update_step computes what it needs)",
    "_compute_gradients": "Keras 3 optimizers do not compute gradients",
    "minimize": "Keras 3 optimizers do not compute gradients (apply_gradients or model.fit)",
    "get_gradients": "Keras 3 optimizers do not compute gradients",
    "get_updates": "Keras 3 optimizers have no get_updates",
    "get_weights": "Keras 3 optimizers keep their state in optimizer.variables",
    "set_weights": "Keras 3's set_weights() sets optimizer.variables (iterations, learning rate, then the slots), not the legacy list",
    "_resource_scatter_add": "Keras 3 has no such method",
    "_resource_scatter_update": "Keras 3 has no such method",
    "_restore_slot_variable": "Keras 3 restores optimizer variables by their order",
    "_create_or_restore_slot_variable": "Keras 3 restores optimizer variables by their order",
}

# Every member of Keras 3's Optimizer (on the TensorFlow backend): its methods, properties, and the
# attributes its __init__ sets. A migrated class's own attribute of one of these names would shadow
# the base class's (`exclude_from_weight_decay` is a method there), so it is renamed; its own method
# of one of these names would replace the base class's.
KERAS3_MEMBERS = frozenset({
    '_add_trackable_child', '_add_variable_with_custom_getter', '_all_reduce_sum_gradients',
    '_api_export_path', '_api_export_symbol_id', '_apply_weight_decay', '_backend_apply_gradients',
    '_backend_increment_gradient_accumulators', '_backend_reset_gradient_accumulators',
    '_backend_update_step', '_check_super_called', '_check_variables_are_known', '_checkpoint_adapter',
    '_checkpoint_dependencies', '_clip_by_norm', '_clip_gradients', '_copy_trackable_to_cpu',
    '_deferred_dependencies', '_delete_tracking', '_deserialization_dependencies', '_deserialize_from_proto',
    '_distributed_tf_update_step', '_distribution_strategy', '_export_to_saved_model_graph',
    '_filter_empty_gradients', '_gather_saveables_for_checkpoint', '_get_current_learning_rate',
    '_get_variable_index', '_handle_deferred_dependencies', '_iterations', '_learning_rate', '_lock',
    '_lookup_dependency', '_maybe_initialize_trackable', '_name_based_attribute_restore',
    '_name_based_restores', '_no_dependency', '_obj_type', '_object_identifier',
    '_overwrite_model_variables_with_average_value', '_overwrite_variable_with_gradient',
    '_overwrite_variables_directly_with_gradients', '_preload_simple_restoration', '_restore_from_tensors',
    '_self_name_based_restores', '_self_saveable_object_factories', '_self_setattr_tracking',
    '_self_unconditional_checkpoint_dependencies', '_self_unconditional_deferred_dependencies',
    '_self_unconditional_dependency_names', '_self_update_uid', '_serialize_to_proto',
    '_serialize_to_tensors', '_setattr_tracking', '_tf_api_names', '_tf_api_names_v1', '_track_trackable',
    '_track_variable', '_trackable_children', '_tracker', '_trainable_variables',
    '_trainable_variables_indices', '_unconditional_checkpoint_dependencies',
    '_unconditional_dependency_names', '_unpickle_model', '_untrack_variable',
    '_update_model_variables_moving_average', '_update_uid', '_use_weight_decay', '_var_key', '_variables',
    'add_optimizer_variables', 'add_variable', 'add_variable_from_reference', 'apply', 'apply_gradients',
    'assign', 'assign_add', 'assign_sub', 'build', 'built', 'clipnorm', 'clipvalue', 'ema_momentum',
    'ema_overwrite_frequency', 'exclude_from_weight_decay', 'finalize_variable_values', 'from_config',
    'get_config', 'global_clipnorm', 'gradient_accumulation_steps', 'iterations', 'learning_rate',
    'load_own_variables', 'loss_scale_factor', 'name', 'save_own_variables', 'scale_loss', 'set_weights',
    'stateless_apply', 'update_step', 'use_ema', 'variables', 'weight_decay'
})
# The base-class members a migrated class may define or set as the legacy class did.
KERAS3_OVERRIDABLE = frozenset({"get_config", "from_config", "learning_rate", "iterations"})

# Attributes of an OptimizerV2 that Keras 3 does not have (or that mean something else there).
LEGACY_ATTRIBUTES = frozenset({"_hyper", "_slots", "_slot_names", "_weights", "weights", "_use_locking", "_initial_decay",
                               "_hypers_created"})

# Class attributes only OptimizerV2 reads: dropped.
DROPPED_CLASS_ATTRIBUTES = frozenset({"_HAS_AGGREGATE_GRAD"})

# Variable updates: the function (through the imports) or method, and Keras 3's method for it.
ASSIGN_FUNCTIONS = {
    **{f"{module}.{name}": name for module in ("tensorflow.compat.v1", "tensorflow.python.ops.state_ops")
       for name in ("assign", "assign_add", "assign_sub")},
}
ASSIGN_METHODS = ("assign", "assign_add", "assign_sub")
# Writes of some rows of a variable, and the Keras 3 method that makes them when given a
# tf.IndexedSlices (its TensorFlow optimizer scatters one): OptimizerV2's helpers `self.name(var,
# indices, values)`, and a variable's own scatter methods, which take the IndexedSlices.
SCATTER_HELPERS = {"_resource_scatter_add": "assign_add", "_resource_scatter_update": "assign"}
SCATTER_METHODS = {"scatter_add": "assign_add", "scatter_sub": "assign_sub", "scatter_update": "assign"}
# The tf.keras 2 backend's updates (`K.update(x, new_x)`), as `keras_member` names them: the Keras 3
# method and the name of the value's parameter.
BACKEND_UPDATES = {"backend.update": ("assign", "new_x"), "backend.update_add": ("assign_add", "increment"),
                   "backend.update_sub": ("assign_sub", "decrement")}

# A graph's choice between two branches, `tf.cond(pred, true_fn, false_fn)`.
BRANCH_FUNCTIONS = frozenset({"tensorflow.cond", "tensorflow.compat.v1.cond", "tensorflow.python.ops.control_flow_ops.cond",
                              "tensorflow.python.ops.cond.cond"})

# What only grouped or ordered graph operations: `tf.group(...)` gives nothing to keep in eager
# code, and the blocks of these context managers run in order without them.
GROUP_FUNCTIONS = frozenset({"tensorflow.group", "tensorflow.compat.v1.group", "tensorflow.python.ops.control_flow_ops.group",
                             "tensorflow.no_op", "tensorflow.python.ops.control_flow_ops.no_op"})
# Whether TensorFlow runs eagerly: a test whose branch only hands back graph operations.
EXECUTION_MODE_TESTS = frozenset({"tensorflow.executing_eagerly", "tensorflow.compat.v1.executing_eagerly",
                                  "tensorflow.compat.v2.executing_eagerly"})
ORDERING_BLOCKS = frozenset({
    "tensorflow.control_dependencies", "tensorflow.compat.v1.control_dependencies", "tensorflow.python.framework.ops.control_dependencies",
    "tensorflow.name_scope", "tensorflow.compat.v1.name_scope", "tensorflow.python.framework.ops.name_scope",
    "tensorflow.device", "tensorflow.python.framework.ops.device",
})

# Slot initializers: the constant one (its value is the first argument) and those that need no
# argument, as Keras 3 names them.
CONSTANT_INITIALIZERS = frozenset({
    "tensorflow.constant_initializer", "tensorflow.compat.v1.constant_initializer", "tensorflow.keras.initializers.Constant",
    "tensorflow.keras.initializers.constant", "tensorflow.python.ops.init_ops.constant_initializer",
    "tensorflow.python.ops.init_ops_v2.constant_initializer", "keras.initializers.Constant", "keras.initializers.constant",
})
NAMED_INITIALIZERS = {
    "tensorflow.zeros_initializer": "zeros", "tensorflow.compat.v1.zeros_initializer": "zeros",
    "tensorflow.ones_initializer": "ones", "tensorflow.compat.v1.ones_initializer": "ones",
    "tensorflow.keras.initializers.Zeros": "zeros", "tensorflow.keras.initializers.Ones": "ones",
    "keras.initializers.Zeros": "zeros", "keras.initializers.Ones": "ones",
}
INITIALIZER_STRINGS = frozenset({"zeros", "ones"})
# Tensors given to add_slot as the initial value (`tf.zeros(shape=[], dtype=var.dtype)`): the
# slot takes the tensor's shape (OptimizerV2 made it a variable of the variable's dtype), and the
# Keras 3 initializer that fills that shape alike.
CONSTANT_FUNCTIONS = frozenset({"tensorflow.constant", "tensorflow.compat.v1.constant"})
TENSOR_INITIALIZERS = {
    "tensorflow.zeros": "zeros", "tensorflow.compat.v1.zeros": "zeros",
    "tensorflow.ones": "ones", "tensorflow.compat.v1.ones": "ones",
}

# The Keras backend's epsilon() and floatx(), as `keras_member` spells them, and Keras 3's.
BACKEND_CONFIG = {"backend.epsilon": "config.epsilon", "backend_config.epsilon": "config.epsilon",
                  "backend.floatx": "config.floatx", "backend_config.floatx": "config.floatx"}
