"""One original optimizer class and its migration, run on the same gradients: a row of `optfix verify`.

Both sides are constructed with the same arguments (none by default) and trained for STEPS steps
at each gradient scale (and, for a class with a sparse path, on an embedding's tf.IndexedSlices
gradients, on the TensorFlow backend), in float64 so that what differs is the math, not the rounding. Where
either side cannot run in float64 (code that mixes in float32 tensors), both run again in
float32, compared to a tolerance float32 can hold.

Verdicts, the first word is the kind:
  equal          both ran, and agree to the tolerance at every step
  DIFFERENT      both ran, and disagree
  FAILED         the migrated class raised (importing its module, constructing, or stepping),
                 while its original ran, or could not be run for a reason of its own
  not run: why   the migration ran, but the original could not (or the arguments were missing)
  not migrated   the rule reported the class instead of migrating it
"""

from __future__ import annotations

import contextlib
import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

TOLERANCE = {"float64": 1e-6, "float32": 1e-4}
DTYPES = ("float64", "float32")
SHAPES = ((5,), (3, 2))
STEPS = 20
SCALES = (1.0, 1e-4)  # normal gradients, and gradients small enough for epsilon to matter
KINDS = ("equal", "DIFFERENT", "FAILED", "not run", "not migrated")

# A side: (class name, constructor arguments, dtype, [(initial, gradients) per scale]) -> the
# parameter values after each step, per scale; it raises SideError with what went wrong.
Side = Callable[[str, dict, str, list], list]


class SideError(Exception):
    """One side could not run: `text` says what it raised."""


@dataclass
class Row:
    location: str  # path:line
    name: str
    verdict: str  # "<kind>" or "<kind>: why", kind one of KINDS
    difference: float | None = None  # the largest relative difference, when both ran

    @property
    def kind(self) -> str:
        return self.verdict.split(":")[0].split(" (")[0]

    @property
    def equal(self) -> bool:
        return self.kind == "equal"


def runs(dtype: str, sparse: bool = False) -> list[tuple[list[np.ndarray], list[list]]]:
    """The (initial, gradients) of every scale, in `dtype`, and with `sparse` one more: an
    embedding's tf.IndexedSlices gradients (see keras3.sparse_gradient_sequence). The same for both sides."""
    from optfix.verify.keras3 import gradient_sequence, sparse_gradient_sequence

    data = [gradient_sequence(SHAPES, steps=STEPS, seed=0, scale=scale, dtype=np.dtype(dtype)) for scale in SCALES]
    if sparse:
        data.append(sparse_gradient_sequence(STEPS, seed=0, dtype=np.dtype(dtype)))
    return data


def judge(location: str, name: str, original: Side, migrated: Side, kwargs: dict, sparse: bool = False) -> Row:
    """Run both sides, in float64 and, where either cannot, in float32; the verdict. `sparse`:
    the sides are also fed an embedding's tf.IndexedSlices gradients, and the verdict says so."""
    from optfix.verify.keras3 import compare

    failures: dict[str, list[str]] = {"original": [], "migrated": []}
    for dtype in DTYPES:
        data = runs(dtype, sparse)
        results = {}
        for side, run in (("migrated", migrated), ("original", original)):
            try:
                results[side] = run(name, kwargs, dtype, data)
            except SideError as error:
                failures[side].append(str(error))
        if len(results) == 2:
            differences = [compare(old, new) for old, new in zip(results["original"], results["migrated"])]
            worst = max(differences)
            kind = "equal" if worst <= TOLERANCE[dtype] else "DIFFERENT"
            if sparse:
                kind += _sparse_note(kind, max(differences[:-1]) <= TOLERANCE[dtype])
            if dtype != DTYPES[0]:
                first = (failures["original"] or failures["migrated"])[0]
                kind += f" (in {dtype}: in {DTYPES[0]} the {'original' if failures['original'] else 'migrated class'} raised {first})"
            return Row(location, name, kind, worst)
    if failures["original"] and failures["migrated"] and _bare(failures["migrated"][0]) == _bare(failures["original"][0]):
        # Code the migration left as it was (a module-level statement, an import of the project) raised on both sides.
        return Row(location, name, f"not run: the original raised it too: {failures['original'][0]}")
    if len(failures["migrated"]) == len(DTYPES):
        return Row(location, name, f"FAILED: the migrated class raised {failures['migrated'][0]}")
    return Row(location, name, f"not run: the original raised {failures['original'][0]}")


def _bare(failure: str) -> str:
    return failure.removesuffix(" (loading its module)")


def _sparse_note(kind: str, dense_equal: bool) -> str:
    if kind == "equal":
        return " (dense and IndexedSlices gradients)"
    return " (only with IndexedSlices gradients)" if dense_equal else " (already with dense gradients)"


def in_process(classes: dict[str, type], train) -> Side:
    """A side that trains the classes of a module loaded here with `train(cls, kwargs, initial, gradients)`."""

    def run(name: str, kwargs: dict, dtype: str, data: list) -> list:
        if name not in classes:
            raise SideError(f"{name} is not an optimizer class at module level")
        try:
            with user_code():
                return [train(classes[name], kwargs, initial, gradients) for initial, gradients in data]
        except (Exception, SystemExit) as error:
            raise SideError(describe(error)) from None

    return run


def failing(text: str) -> Side:
    """A side whose module could not be loaded: every run raises what loading it raised."""

    def run(name: str, kwargs: dict, dtype: str, data: list) -> list:
        raise SideError(text)

    return run


def unbound(legacy: type | None, migrated: type | None, kwargs: dict) -> str | None:
    """The verdict when the classes cannot be constructed with `kwargs` (None: they can, or there
    is no signature to tell): not run when the original needs more, FAILED when only the
    migration refuses them."""
    for side, cls in (("not run: needs constructor arguments", legacy), ("FAILED: the migrated class does not take", migrated)):
        if cls is None:
            continue
        try:
            inspect.signature(cls).bind(**kwargs)
        except TypeError as error:
            return f"{side} ({error})"
        except ValueError:  # no signature to inspect: the call will tell
            pass
    return None


def run_pair(location: str, name: str, legacy: type, migrated: type, kwargs: dict | None = None) -> Row:
    """A get-updates class, on the numpy Keras 2 backend, and its migration, loaded here."""
    from optfix.verify.keras3 import run_keras3
    from optfix.verify.legacy_keras import run_legacy

    kwargs = kwargs or {}
    verdict = unbound(legacy, migrated, kwargs)
    if verdict:
        return Row(location, name, verdict)
    return judge(location, name, in_process({name: legacy}, run_legacy), in_process({name: migrated}, run_keras3), kwargs)


def user_code():
    """Around the user's code: what it prints goes to stderr, not into the table."""
    return contextlib.redirect_stdout(sys.stderr)


def describe(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
