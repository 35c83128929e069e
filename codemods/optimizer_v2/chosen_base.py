"""A base class imported twice under one name, as tf.keras's `optimizers.legacy.Optimizer` and as
its `optimizers.Optimizer`, one or the other by a version check or an ImportError fallback:

    if version.parse(tf.__version__) >= version.parse("2.11"):
        from tensorflow.keras.optimizers.legacy import Optimizer
    else:
        from tensorflow.keras.optimizers import Optimizer

The import table trusts no name imported as two different things; here each import binds
OptimizerV2 on the TensorFlow that runs it (TensorFlow 2.11 gave the plain name to the new
optimizer and kept OptimizerV2 as the legacy one), so the class is one of this rule's.
"""

from __future__ import annotations

from optfix.analysis.bindings import member_path
from optfix.analysis.chains import cst_dotted
from optfix.analysis.tree import descendants
from optfix.knowledge.namespaces import keras_member
from optfix.lazy import libcst as cst

_LEGACY, _PLAIN = "optimizers.legacy.Optimizer", "optimizers.Optimizer"


def chosen_optimizer_v2(module: cst.Module, base: cst.BaseExpression) -> str | None:
    """The legacy Optimizer's qualified name, where `base` is a name that the module imports only
    as tf.keras's legacy Optimizer and its plain one, both; None otherwise."""
    if not isinstance(base, cst.Name):
        return None
    imported = []
    for statement in descendants(module, cst.ImportFrom):
        if statement.relative or statement.module is None or isinstance(statement.names, cst.ImportStar):
            continue
        for alias in statement.names:
            bound = cst_dotted(alias.asname.name) if alias.asname is not None else cst_dotted(alias.name)
            if bound == base.value:
                imported.append(member_path(cst_dotted(statement.module), cst_dotted(alias.name)))
    members = {keras_member(path) for path in imported}
    if members != {_LEGACY, _PLAIN}:
        return None
    return next(path for path in imported if keras_member(path) == _LEGACY)
