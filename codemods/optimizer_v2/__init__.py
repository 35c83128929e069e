"""Rule `optimizer-v2`, with the migration it owns: a tf.keras 2 (OptimizerV2) optimizer class
rewritten for Keras 3 (migration), method by method: __init__ (constructor), _create_slots
(slots), _prepare_local and _resource_apply_dense (update_step), the sparse methods (sparse),
get_config (config), and the statements and expressions they hold (statements, expressions)."""

from optfix.codemods.optimizer_v2.rule import OptimizerV2Rule

__all__ = ["OptimizerV2Rule"]
