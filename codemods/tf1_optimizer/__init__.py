"""Rule `tf1-optimizer`, with the flow analysis it owns (where a TF1 optimizer's value goes)."""

from optfix.codemods.tf1_optimizer.rule import Tf1OptimizerRule

__all__ = ["Tf1OptimizerRule"]
