"""What rule learning-rate-api looks at: the optimizer attributes Keras 3 renamed or removed, the
variables the backend's value functions are given, and the built-ins that name an attribute in a
string."""

from optfix.knowledge.runtime import PLAIN_ATTRIBUTES, REMOVED_ATTRIBUTES, RENAMED_ATTRIBUTES, VARIABLE_ATTRIBUTES

ATTRIBUTE_FUNCTIONS = frozenset({"hasattr", "getattr", "setattr"})
RENAMED_OR_REMOVED = frozenset(RENAMED_ATTRIBUTES) | frozenset(REMOVED_ATTRIBUTES)
WATCHED = RENAMED_OR_REMOVED | VARIABLE_ATTRIBUTES
VALUE_WATCHED = WATCHED | PLAIN_ATTRIBUTES  # the attributes given to the backend's value functions that matter
VARIABLE_WATCHED = VARIABLE_ATTRIBUTES | PLAIN_ATTRIBUTES
