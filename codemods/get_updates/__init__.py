"""Rule `get-updates`, with the migration it owns: a Keras 2 optimizer class read as code
(class_code), its slots in checkpoint order (checkpoint_order), its get_config keys checked
(config_keys), and the class rewritten for Keras 3 (migration)."""

from optfix.codemods.get_updates.rule import GetUpdatesRule

__all__ = ["GetUpdatesRule"]
