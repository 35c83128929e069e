"""Rule `optimizer-api`, with what it owns: which expressions hold optimizers (values), minimize
as a GradientTape block (minimize), and LossScaleOptimizer's constructor (loss_scale)."""

from optfix.codemods.optimizer_api.rule import OptimizerApiRule

__all__ = ["OptimizerApiRule"]
