"""Rule `learning-rate-api`, with what it owns: the attributes and functions it watches
(watched), which names stand for an optimizer (survey), the string keys of dict displays
(literals), and the files worth parsing (prefilter)."""

from optfix.codemods.learning_rate_api.rule import LearningRateApiRule

__all__ = ["LearningRateApiRule"]
