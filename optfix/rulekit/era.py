"""Which Keras a file shows it was written for, where a call alone does not say: Keras 2 keywords
given anywhere in it (`lr=`, `decay=`, `schedule_decay=`, `epsilon=None`) or a Keras 2.2
lowercase factory, read with the file's imports (the standalone `keras` package, or only
TensorFlow's)."""

from __future__ import annotations

import re

from optfix.knowledge.keras import KERAS2_FACTORIES

STANDALONE = "Keras 2"
TF_KERAS = "tf.keras 2"

_KEYWORD = re.compile(r"[(,]\s*(?:#[^\n]*\n\s*)*(?:lr|decay|schedule_decay)\s*=(?!=)|[(,]\s*epsilon\s*=\s*None\b")
_FACTORY = re.compile(r"\boptimizers\s*\.\s*(?:%s)\s*\(" % "|".join(sorted(KERAS2_FACTORIES)))


def keras2_era(text: str, imports) -> str | None:
    """STANDALONE, TF_KERAS or None: the Keras 2 the file's evidence points to. The standalone
    package where the file imports it, else tf.keras."""
    if not (_KEYWORD.search(text) or _FACTORY.search(text)):
        return None
    roots = {qualified.split(".")[0] for qualified in imports.bindings.values()}
    if "keras" in roots:
        return STANDALONE
    return TF_KERAS if "tensorflow" in roots else None
