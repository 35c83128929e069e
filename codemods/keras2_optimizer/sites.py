"""Where a name reaches a Keras optimizer class or factory, and what the namespace says of the
era the code was written for."""

from __future__ import annotations

from dataclasses import dataclass

from optfix.codemods.keras2_optimizer.signatures import KERAS2, KERAS3, TF_KERAS
from optfix.knowledge.keras import KERAS2_FACTORIES, KERAS3_OPTIMIZERS
from optfix.knowledge.namespaces import KERAS_ROOTS, keras_member

# Roots that are Keras 3 already or deliberately Keras 2 (tf_keras): never rewritten.
LEFT_ALONE = ("keras.src", "tf_keras")


@dataclass(frozen=True)
class Site:
    """A Keras optimizer class or factory as the code reaches it."""

    name: str  # the Keras 3 class
    era: str | None  # the era the namespace itself proves, if it does
    guess: str  # the era Keras 2 evidence on the call points to
    move: str = ""  # the legacy spelling to replace with keras.optimizers.<name>, if any


def site_for(qualified: str | None) -> Site | None:
    root = next((r for r in KERAS_ROOTS if qualified and qualified.startswith(r + ".")), None)
    if root is None and qualified and ".keras.optimizers." in qualified:
        # A package that re-exports Keras (`from keras_bert.backend import keras`): either
        # `keras` or `tf.keras`, so only what the eras share is done.
        root = qualified[: qualified.rindex(".keras.optimizers.") + len(".keras")]
    if root is None or root in LEFT_ALONE:
        return None
    parts = qualified[len(root) + 1 :].split(".")
    guess = KERAS2 if root == "keras" else TF_KERAS
    python_keras = root == "tensorflow.python.keras"
    if parts[0] == "optimizers" and len(parts) == 2:
        name = parts[1]
        if name in KERAS2_FACTORIES and root == "keras":
            return Site(KERAS2_FACTORIES[name], KERAS2, KERAS2, qualified)
        if name in KERAS3_OPTIMIZERS:
            return Site(name, TF_KERAS if python_keras else None, guess, qualified if python_keras else "")
    elif parts[0] == "optimizers" and len(parts) == 3 and parts[1] in ("legacy", "experimental"):
        if parts[2] in KERAS3_OPTIMIZERS:
            return Site(parts[2], TF_KERAS if parts[1] == "legacy" else KERAS3, TF_KERAS, qualified)
    return None


def may_reach_optimizers(qualified: str) -> bool:
    """What a site, a base class, a module looked up or a class given to a wrapper may resolve to."""
    return site_for(qualified) is not None or (keras_member(qualified) or "").startswith("optimizer")
