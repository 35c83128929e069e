"""Every member of tf.keras 2's optimizer base class (OptimizerV2, `tf_keras.optimizers.legacy.Optimizer`):
its methods, properties and the attributes its __init__ sets (checked against the installed tf_keras
by tests/equivalence/test_optimizer_v2_members.py).

A custom class's method named as a member of Keras 3's Optimizer but not of these was the class's
own helper, which OptimizerV2 never called: migrated, it is renamed rather than let it replace
the Keras 3 base class's method of that name.
"""

from __future__ import annotations

OPTIMIZER_V2_MEMBERS = frozenset({
    '_HAS_AGGREGATE_GRAD', '_add_trackable_child', '_add_variable_with_custom_getter', '_aggregate_gradients',
    '_assert_valid_dtypes', '_call_if_callable', '_checkpoint_adapter', '_checkpoint_dependencies', '_clipnorm',
    '_clipnorm_fn', '_clipvalue', '_clipvalue_fn', '_compute_gradients', '_copy_trackable_to_cpu',
    '_create_all_weights', '_create_hypers', '_create_or_restore_slot_variable', '_create_slots',
    '_create_slots_for_sharded_variables', '_decayed_lr', '_deferred_dependencies', '_deferred_slot_restorations',
    '_dense_apply_args', '_deserialization_dependencies', '_deserialize_from_proto', '_distributed_apply',
    '_distribution_strategy', '_distribution_strategy_scope', '_export_to_saved_model_graph',
    '_fallback_apply_state', '_gather_saveables_for_checkpoint', '_get_gradients', '_get_hyper', '_global_clipnorm',
    '_global_clipnorm_fn', '_handle_deferred_dependencies', '_hyper', '_hypers_created', '_init_set_name',
    '_initial_decay', '_iterations', '_keras_api_names', '_keras_api_names_v1', '_lookup_dependency',
    '_maybe_initialize_trackable', '_momentum', '_name', '_name_based_attribute_restore', '_name_based_restores',
    '_no_dependency', '_object_identifier', '_preload_simple_restoration', '_prepare', '_prepare_local',
    '_resource_apply_dense', '_resource_apply_sparse', '_resource_apply_sparse_duplicate_indices',
    '_resource_scatter_add', '_resource_scatter_update', '_restore_from_tensors', '_restore_slot_variable',
    '_serialize_hyperparameter', '_serialize_to_proto', '_serialize_to_tensors', '_set_hyper', '_setattr_tracking',
    '_slot_names', '_slots', '_sparse_apply_args', '_tf_api_names', '_tf_api_names_v1', '_track_trackable',
    '_trackable_children', '_transform_gradients', '_transform_loss', '_transform_unaggregated_gradients',
    '_unconditional_checkpoint_dependencies', '_unconditional_dependency_names', '_update_uid', '_use_locking',
    '_valid_dtypes', '_weights', 'add_slot', 'add_weight', 'apply_gradients', 'clipnorm', 'clipvalue',
    'from_config', 'get_config', 'get_gradients', 'get_slot', 'get_slot_names', 'get_updates', 'get_weights',
    'global_clipnorm', 'gradient_aggregator', 'gradient_transformers', 'iterations', 'minimize', 'nesterov',
    'set_weights', 'variables', 'weights'
})
