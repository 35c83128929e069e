"""Run a side of a proof in a Python process of its own: for a Keras that must be chosen before it
is imported (tf_keras as `tf.keras` for the original of an OptimizerV2 class, Keras 3 on JAX).

The jobs go to `python -m MODULE JOBS.pickle OUT.pickle` and the results come back pickled, one
per job: the parameter values after each step, or the text of what the job raised.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path


class ProcessError(Exception):
    """The process itself failed (it could not start, or died): no job has a result."""


def run_jobs(module: str, jobs: list[dict], env: dict[str, str] | None = None, timeout: float = 900) -> list:
    with tempfile.TemporaryDirectory(prefix="optfix-verify-") as folder:
        jobs_file, out_file = Path(folder) / "jobs.pickle", Path(folder) / "out.pickle"
        jobs_file.write_bytes(pickle.dumps(jobs))
        environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {})}
        result = subprocess.run([sys.executable, "-m", module, str(jobs_file), str(out_file)], env=environment,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=timeout)
        if result.returncode or not out_file.exists():
            lines = result.stderr.decode(errors="replace").strip().splitlines()
            raise ProcessError(lines[-1] if lines else f"python -m {module} exited {result.returncode}")
        return pickle.loads(out_file.read_bytes())


def error_line(text: str) -> str:
    """The last line of a traceback: `Type: message`."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else text


def main(run_one, argv: list[str]) -> None:
    """The body of a runner module: every job through `run_one(job)`, a traceback for those that raise."""
    import traceback

    jobs_path, out_path = argv
    with open(jobs_path, "rb") as file:
        jobs = pickle.load(file)
    results = []
    for job in jobs:
        try:
            results.append(run_one(job))
        except (Exception, SystemExit):
            results.append(traceback.format_exc())
    with open(out_path, "wb") as file:
        pickle.dump(results, file)


def batched_side(module: str, env: dict[str, str], base: dict, entries: list[tuple[str, dict, bool]]):
    """A side (see pair.py) whose runs were all made at once, in one process: every class of
    `entries` (name, constructor arguments, whether it is fed sparse gradients too), in every
    dtype, at every scale."""
    from optfix.verify.pair import DTYPES, SideError, failing, runs

    jobs, index = [], {}
    for name, kwargs, sparse in entries:
        for dtype in DTYPES:
            for scale, (initial, gradients) in enumerate(runs(dtype, sparse)):
                index[name, dtype, scale] = len(jobs)
                jobs.append({**base, "name": name, "kwargs": kwargs, "initial": initial, "gradients": gradients})
    try:
        results = run_jobs(module, jobs, env) if jobs else []
    except (ProcessError, subprocess.TimeoutExpired, OSError) as error:
        return failing(f"{type(error).__name__}: {error}")

    def run(name: str, kwargs: dict, dtype: str, data: list) -> list:
        found = [results[index[name, dtype, scale]] for scale in range(len(data))]
        for result in found:
            if isinstance(result, str):
                raise SideError(error_line(result))
        return found

    return run
