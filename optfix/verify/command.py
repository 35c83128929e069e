"""`optfix verify`: every custom optimizer that get-updates or optimizer-v2 migrates, run beside its original.

Files are found as by the other commands; each is verified by source_file, one row per class.
The table goes to stdout, errors and a one-line summary to stderr. Keras is imported here, when
the command runs, never when optfix starts.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterable
from pathlib import Path

from optfix.files.discover import discover
from optfix.output.report import display_path, format_finding
from optfix.verify.pair import KINDS, STEPS, Row

NEEDS_KERAS = "optfix verify needs Keras 3, TensorFlow and tf_keras: the verify extra (from a checkout: pip install '.[verify]')"


BACKENDS = ("tensorflow", "jax")
NEEDS_JAX = "optfix verify --backend jax needs JAX: the verify-jax extra (from a checkout: pip install '.[verify-jax]')"


def execute(paths: Iterable[Path], exclude: Iterable[str] = (), backend: str = "tensorflow", unsafe_fixes: bool = False) -> int:
    keras = import_keras()
    if keras is None:
        return 2
    if backend != "tensorflow" and not _importable(backend):
        sys.stderr.write(NEEDS_JAX + "\n")
        return 2
    from optfix.verify.run_sources import RunSources
    from optfix.verify.source_file import verified_rules, verify_file

    cwd = Path.cwd()
    rows: list[Row] = []
    files = failed = 0
    paths = list(discover(paths, exclude, cwd, suffixes=(".py",)))
    run = RunSources(paths, verified_rules(), unsafe_fixes)
    for path in paths:
        shown = display_path(path, cwd)
        found, errors = verify_file(path, shown, keras, backend=backend, unsafe_fixes=unsafe_fixes, run=run)
        rows += found
        for error in errors:
            sys.stderr.write(format_finding(shown, error) + "\n")
        files += 1
        failed += bool(errors)
    try:
        sys.stdout.write(table(rows))
        sys.stdout.flush()
    except BrokenPipeError:  # `optfix verify | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.stderr.write(summary(rows, files, failed) + "\n")
    return 2 if failed else 0 if all(row.equal for row in rows) else 1


def _importable(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def import_keras():
    """Keras 3, or None after one line that says what to install."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        with _native_stderr_silenced():
            import numpy  # noqa: F401
            import keras

            keras.ops.convert_to_tensor(0.0)  # the backend opens its devices now, while fd 2 is silenced
        major = int(str(keras.__version__).split(".")[0])
    except ImportError:
        major = 0
    except Exception as error:  # a broken installation: say what broke, still on one line
        reason = " ".join(f"{type(error).__name__}: {error}".split())
        sys.stderr.write(f"{NEEDS_KERAS} (importing keras failed: {reason})\n")
        return None
    if major < 3:
        sys.stderr.write(NEEDS_KERAS + "\n")
        return None
    return keras


@contextlib.contextmanager
def _native_stderr_silenced():
    """TensorFlow's C++ start-up logging writes to fd 2, past sys.stderr and its log level."""
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def table(rows: list[Row]) -> str:
    if not rows:
        return ""
    cells = [("LOCATION", "CLASS", "STEPS", "MAX REL. DIFF", "VERDICT")]
    for row in rows:
        ran = row.difference is not None
        cells.append((row.location, row.name, str(STEPS) if ran else "-", f"{row.difference:.1e}" if ran else "-", row.verdict))
    widths = [max(len(cell[i]) for cell in cells) for i in range(4)]
    return "".join(
        f"{where:<{widths[0]}}  {name:<{widths[1]}}  {steps:>{widths[2]}}  {difference:>{widths[3]}}  {verdict}\n"
        for where, name, steps, difference, verdict in cells
    )


def summary(rows: list[Row], files: int, failed: int) -> str:
    def plural(count: int, noun: str) -> str:
        return f"{count} {noun}{'' if count == 1 else 's'}"

    tail = plural(files, "file") + " checked"
    if failed:
        tail += f", {plural(failed, 'file')} could not be processed"
    if not rows:
        return f"No migrated optimizer to verify ({tail})."
    kinds = [row.kind for row in rows]
    counts = ", ".join(f"{kinds.count(kind)} {kind}" for kind in KINDS if kind in kinds)
    return f"{plural(len(rows), 'optimizer')}: {counts} ({tail})."
