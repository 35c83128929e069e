"""Rule `keras2-optimizer`, with what it owns: the eras a call may be written for and how each
reads positional arguments (signatures), where a name reaches a Keras optimizer (sites),
subclasses written against the tf.keras 2 optimizer API (subclasses), and the files worth
parsing (prefilter)."""

from optfix.codemods.keras2_optimizer.rule import Keras2OptimizerRule

__all__ = ["Keras2OptimizerRule"]
