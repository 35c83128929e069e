"""One legacy optimizer class and its migration, run on the same gradients: a row of `optfix verify`.

Both are constructed with no arguments and trained for STEPS steps at each gradient scale, in
float64 so that what differs is the math, not the rounding.
"""

from __future__ import annotations

import contextlib
import inspect
import sys
from dataclasses import dataclass

TOLERANCE = 1e-6
SHAPES = ((5,), (3, 2))
STEPS = 20
SCALES = (1.0, 1e-4)  # normal gradients, and gradients small enough for epsilon to matter


@dataclass
class Row:
    location: str  # path:line
    name: str
    verdict: str  # "equal", "DIFFERENT", "not run: ...", "not migrated: ..."
    difference: float | None = None  # the largest relative difference, when both ran

    @property
    def equal(self) -> bool:
        return self.verdict == "equal"


def run_pair(location: str, name: str, legacy: type, migrated: type, kwargs: dict | None = None) -> Row:
    """Both classes, constructed with `kwargs` (none by default), on the same gradients."""
    from optfix.verify.keras3 import compare, gradient_sequence, run_keras3
    from optfix.verify.legacy_keras import run_legacy

    kwargs = kwargs or {}
    for cls in (legacy, migrated):
        try:
            inspect.signature(cls).bind(**kwargs)
        except TypeError as error:
            return Row(location, name, f"not run: needs constructor arguments ({error})")
        except ValueError:  # no signature to inspect: the call will tell
            pass
    worst = 0.0
    for scale in SCALES:
        initial, gradients = gradient_sequence(SHAPES, steps=STEPS, seed=0, scale=scale)
        try:
            with user_code():
                old = run_legacy(legacy, kwargs, initial, gradients)
        except (Exception, SystemExit) as error:
            return Row(location, name, f"not run: the original raised {describe(error)}")
        try:
            with user_code():
                new = run_keras3(migrated, kwargs, initial, gradients)
        except (Exception, SystemExit) as error:
            return Row(location, name, f"not run: the migrated class raised {describe(error)}")
        worst = max(worst, compare(old, new))
    return Row(location, name, "equal" if worst <= TOLERANCE else "DIFFERENT", worst)


def user_code():
    """Around the user's code: what it prints goes to stderr, not into the table."""
    return contextlib.redirect_stdout(sys.stderr)


def describe(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
