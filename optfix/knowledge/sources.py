"""The versions code can be written for (`--source`), and which releases of which package mean each.

A source decides what a call that shows no era meant: the defaults of `Adadelta()`, the class a
registry string such as `'adadelta'` built, whether `clipnorm` clipped the global norm. The
package rows say which source a project that declares a package version was written for; a
version range is read as the newest release it allows (what an install resolved to), see
optfix.rulekit.source.
"""

from __future__ import annotations

from dataclasses import dataclass

KERAS_2_2, KERAS_2_3, TF_KERAS_2, TF_1 = "keras-2.2", "keras-2.3", "tf-keras-2", "tf-1"

# The eras a call can be read in, as the rules name them. Keras 2: the standalone package's
# optimizers up to 2.3 (Adadelta's learning rate 1.0, clipnorm of the global norm, epsilon outside
# the square root); tf.keras 2: OptimizerV2, whose defaults are Keras 3's.
KERAS2_ERA, TF_KERAS_ERA = "Keras 2", "tf.keras 2"


@dataclass(frozen=True)
class Source:
    name: str
    standalone: str  # the era of calls through the standalone `keras` package
    tf_keras: str | None  # the era of calls through `tf.keras` (None: the source does not decide it)
    meaning: str  # for the README


SOURCES = {
    row.name: row
    for row in (
        Source(KERAS_2_2, KERAS2_ERA, TF_KERAS_ERA, "standalone Keras 2.0 to 2.2 (the `keras` package)"),
        Source(KERAS_2_3, KERAS2_ERA, TF_KERAS_ERA, "standalone Keras 2.3"),
        Source(TF_KERAS_2, TF_KERAS_ERA, TF_KERAS_ERA,
               "tf.keras in TensorFlow 2.0 to 2.15 (OptimizerV2), tf_keras, and standalone Keras 2.4 to 2.15"),
        # TensorFlow 1.14 gave tf.keras the OptimizerV2 optimizers and their defaults (Adadelta's
        # learning rate 1.0 became 0.001): a TF 1 project's tf.keras calls may be either.
        Source(TF_1, KERAS2_ERA, None, "TensorFlow 1.x, and the standalone Keras (up to 2.3) run on it"),
    )
}


@dataclass(frozen=True)
class Releases:
    """The releases of `package` from `first` (inclusive) to `last` (exclusive; None: no end),
    and the source code written for them was written for (None: Keras 3 already, nothing to
    decide)."""

    package: str  # normalised as pip compares names: lower case, `-` for `_` and `.`
    first: str
    last: str | None
    source: str | None


RELEASES = (
    Releases("keras", "2.0", "2.3", KERAS_2_2),
    Releases("keras", "2.3", "2.4", KERAS_2_3),
    Releases("keras", "2.4", "3", TF_KERAS_2),  # 2.4 and later are tf.keras under the `keras` name
    Releases("keras", "3", None, None),
    Releases("tensorflow", "1.0", "2", TF_1),
    Releases("tensorflow", "2", "2.16", TF_KERAS_2),
    Releases("tensorflow", "2.16", None, None),  # tf.keras is Keras 3
    Releases("tf-keras", "2", None, TF_KERAS_2),
)

# Other distributions of the same package.
PACKAGE_ALIASES = {
    "tensorflow-gpu": "tensorflow",
    "tensorflow-cpu": "tensorflow",
    "tensorflow-macos": "tensorflow",
    "intel-tensorflow": "tensorflow",
    "tf-nightly": "tensorflow",
    "keras-nightly": "keras",
}

# Sources that describe one project together: standalone Keras 2.2 and 2.3 ran on TensorFlow 1,
# Keras 2.3 on TensorFlow 2.0 and 2.1 too. With both declared, the standalone Keras version is the
# source (it decides the `tf.keras` calls as well).
COMPATIBLE = frozenset({
    frozenset({KERAS_2_2, TF_1}),
    frozenset({KERAS_2_3, TF_1}),
    frozenset({KERAS_2_3, TF_KERAS_2}),
})
