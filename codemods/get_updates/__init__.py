"""Rule `get-updates`, with the migration it owns: a Keras 2 optimizer class read as code
(class_code), its slots in checkpoint order (checkpoint_order), and the class rewritten for
Keras 3 (migration); its get_config keys are checked by optfix.rulekit.config_round_trip."""

from optfix.codemods.get_updates.rule import GetUpdatesRule

__all__ = ["GetUpdatesRule"]
