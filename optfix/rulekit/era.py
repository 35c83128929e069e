"""Which Keras code was written for, where a call alone does not say: the run's source version
(`--source`, optfix.knowledge.sources) for the namespace the file's imports use (the standalone
`keras` package, or only TensorFlow's); without one, Keras 2 keywords given anywhere in the file
(`lr=`, `decay=`, `schedule_decay=`, `epsilon=None`) or a Keras 2.2 lowercase factory. A Keras 2
keyword says Keras 2 but not which: `lr=` was accepted by Keras 2.2 and by tf.keras 2 alike."""

from __future__ import annotations

import re

from optfix.knowledge.keras import KERAS2_FACTORIES
from optfix.knowledge.sources import KERAS2_ERA, SOURCES, TF_KERAS_ERA

STANDALONE = KERAS2_ERA
TF_KERAS = TF_KERAS_ERA

_KEYWORD = re.compile(r"[(,]\s*(?:#[^\n]*\n\s*)*(?:lr|decay|schedule_decay)\s*=(?!=)|[(,]\s*epsilon\s*=\s*None\b")
_FACTORY = re.compile(r"\boptimizers\s*\.\s*(?:%s)\s*\(" % "|".join(sorted(KERAS2_FACTORIES)))


def source_era(source: str | None, standalone: bool) -> str | None:
    """STANDALONE, TF_KERAS or None: the Keras 2 that `source` says a call without evidence of its
    own was written for, through the standalone `keras` package (`standalone`) or `tf.keras`."""
    row = SOURCES.get(source) if source else None
    if row is None:
        return None
    return row.standalone if standalone else row.tf_keras


def keras2_era(text: str, imports, source: str | None = None) -> str | None:
    """STANDALONE, TF_KERAS or None: the Keras 2 the source gives the file's namespace (the
    standalone package where the file imports it or imports no TensorFlow, else tf.keras), else
    the one its evidence points to."""
    roots = {qualified.split(".")[0] for qualified in imports.bindings.values()}
    declared = source_era(source, "keras" in roots or "tensorflow" not in roots)
    if declared is not None or not (_KEYWORD.search(text) or _FACTORY.search(text)):
        return declared
    if "keras" in roots:
        return STANDALONE
    return TF_KERAS if "tensorflow" in roots else None
