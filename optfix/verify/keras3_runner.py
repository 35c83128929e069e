"""The migrated side of a proof on another Keras 3 backend, in a process of its own (Keras fixes
its backend when it is imported):

    KERAS_BACKEND=jax python -m optfix.verify.keras3_runner JOBS.pickle OUT.pickle

Each job holds the migrated module's `path` and `source`, the class `name`, the constructor's
`kwargs`, the `initial` values of the variables and the gradients of each step; OUT gets, per
job, the variables' values after each step, or the traceback (see processes.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

MODULE = "optfix.verify.keras3_runner"


def environment(backend: str) -> dict[str, str]:
    # JAX computes in float32 unless told otherwise; the proof runs in float64.
    return {"KERAS_BACKEND": backend, "JAX_ENABLE_X64": "1"}


_modules: dict[tuple[str, str], dict] = {}


def run(job: dict) -> list:
    import keras

    from optfix.verify.keras3 import run_keras3
    from optfix.verify.migrated_module import migrated_classes

    key = (job["path"], job["source"])
    if key not in _modules:
        _modules[key] = migrated_classes(job["source"], Path(job["path"]), keras, job.get("sources"))
    if job["name"] not in _modules[key]:
        raise LookupError(f"{job['name']} is not a Keras 3 optimizer class at module level")
    return run_keras3(_modules[key][job["name"]], job["kwargs"], job["initial"], job["gradients"])


if __name__ == "__main__":
    from optfix.verify.processes import main

    main(run, sys.argv[1:])
