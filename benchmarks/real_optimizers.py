"""get-updates on custom optimizers no one here wrote, from their PyPI releases, migrated by
optfix and proven with `optfix verify` (the original on the numpy Keras 2 backend, the migration
on Keras 3).

    python benchmarks/real_optimizers.py [--backend jax]   # needs pip access to PyPI and the 'verify' extra

The built-ins of Keras 2.2.4 and 2.3.1 reach the backend through Keras's package internals, so
each release's classes are copied into one file that imports `keras` as a user's copy of the code
would; they are verified again with time-based decay. The other
releases reach Keras through a re-export module of their own (`from .backend import keras,
backend as K`, backend.py picking keras or tf.keras from an environment variable): their packages
are unpacked as they are, and `optfix verify` runs on each package's folder. Classes whose
constructor has required arguments are then verified with the arguments below. Last, a table
counts, per release, every class that defines get_updates (class factories' classes included) by
its verdict.
"""

from __future__ import annotations

import argparse
import ast
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

KERAS = {  # release -> the file of its built-ins, and the lines from the first class to the first left out
    "keras==2.0.8": ("keras/optimizers.py", "class SGD(Optimizer):", "class TFOptimizer(Optimizer):"),
    "keras==2.1.6": ("keras/optimizers.py", "class SGD(Optimizer):", "class TFOptimizer(Optimizer):"),
    "keras==2.2.4": ("keras/optimizers.py", "class SGD(Optimizer):", "class TFOptimizer(Optimizer):"),
    "keras==2.3.1": ("keras/optimizers.py", "class SGD(Optimizer):", "class TFOptimizer(Optimizer):"),
}
IMPORTS = "import numpy as np\nimport keras\nfrom keras import backend as K\nfrom keras.optimizers import Optimizer\nfrom keras.legacy import interfaces\n\n\n"
PACKAGES = {  # release -> its package folder inside the archive
    "keras-radam==0.15.0": "keras_radam",
    "keras-bert==0.80.0": "keras_bert",
    "keras-lookahead==0.9.0": "keras_lookahead",
    "keras-gradient-accumulation==0.0.6": "keras_gradient_accumulation",
    "keras-lr-multiplier==0.9.0": "keras_lr_multiplier",
    "keras-adamw==1.38": "keras_adamw",  # imports keras itself; its tf.keras classes are keras2-optimizer's
    "keras-adabound==0.5.0": "keras_adabound",  # the last release on get_updates (0.6.0 is tf.keras 2's API)
    "keras-rnadam==0.2.0": "keras_rnadam",
    "svrg-optimizer-keras==0.1.0": "SVRGoptimizerKeras",
    "keras-gradient-noise==0.11": "keras_gradient_noise",  # a class factory overriding get_gradients
    "keras-rl==0.4.2": "rl",
    "keras-rectified-adam==0.17.0": "keras_radam",  # RAdam on keras.optimizers.Optimizer, a later layout
    "bert4keras==0.7.9": "bert4keras",  # Adam, AdaFactor over a base class, and class factories
    "keras-adamw==1.23": "keras_adamw",  # an earlier layout, with classes on tensorflow.python.keras's Optimizer
    "keras-rectified-adam==0.5.0": "keras_radam",  # RAdam taking `lr`, before the `learning_rate` spelling
    "keras-rl2==1.0.5": "rl",  # AdditionalUpdatesOptimizer, get_updates(params, loss) called by keyword
    "keras-bert==0.40.0": "keras_bert",  # the first AdamWarmup: no weight decay, no min_lr
    "keras-bert==0.70.0": "keras_bert",  # imports the flag TF_KERAS beside the backend, unread
    "keras-adabound==0.1.0": "keras_adabound",  # the first AdaBound: no base_lr, no weight decay
    "keras-radam==0.1.0": "keras_radam",  # the first RAdam: no amsgrad, no warm-up
    "keras-rl==0.3.1": "rl",  # AdditionalUpdatesOptimizer on Keras 1's get_updates(params, constraints, loss)
    "keras-textclassification==0.1.7": "keras_textclassification",  # a copy of RAdam among its layers
    "macropodus==0.0.7": "macropodus",  # RAdam on tensorflow.python.keras's Optimizer
    "toolkit4nlp==0.6.0": "toolkit4nlp",  # AdaBelief, and bert4keras-like class factories
    "tool4keras==0.0.2": "example",  # SGD and Adam taking K.gradients (Adam sets its step counter to 1)
    "larq==0.2.0": "larq",  # XavierLearningRateScaling, a wrapper on tf.keras's Optimizer
    "evolutionary-keras==2.1": "evolutionary_keras",  # gradient-free: get_updates runs a genetic search
    "bert4keras==0.8.8": "bert4keras",  # AdaFactorV1 and factories, as 0.7.9
    "bert4keras==0.10.6": "bert4keras",  # and a factory of per-parameter rates
}
ARGUMENTS = {"AdamWarmup": {"decay_steps": 100, "warmup_steps": 10}, "AdamAccumulated": {"accumulation_steps": 4}}  # keras-bert's, keras-gradient-accumulation's: steps, no defaults
DECAY = {"decay": 0.01}  # the built-ins again, with Keras 2's time-based decay


def _download(requirement: str, folder: Path) -> Path:
    folder.mkdir()
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-build-isolation", "-d", str(folder), requirement], check=True)
    [archive] = folder.iterdir()
    return archive


def _members(archive: Path) -> dict[str, bytes]:
    """Every file of a wheel or sdist, by its path inside (an sdist's top folder dropped)."""
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as wheel:
            return {name: wheel.read(name) for name in wheel.namelist()}
    with tarfile.open(archive) as tar:
        return {m.name.split("/", 1)[1]: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile() and "/" in m.name}


def _keras_builtins(requirement: str, folder: Path) -> Path:
    member, start, end = KERAS[requirement]
    name = re.sub(r"\W", "_", requirement.replace("==", "_"))
    text = _members(_download(requirement, folder / f"download-{name}"))[member].decode()
    path = folder / f"{name}.py"
    path.write_text(IMPORTS + text[text.index(start): text.index(end)])
    return path


def _package(requirement: str, folder: Path) -> Path:
    """The release's package folder, as it is in the release."""
    package = PACKAGES[requirement]
    name = re.sub(r"\W", "_", requirement.replace("==", "_"))
    for member, data in _members(_download(requirement, folder / f"download-{name}")).items():
        if member.startswith(package + "/") and member.endswith(".py"):
            target = folder / name / member
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    return folder / name / package


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=("tensorflow", "jax"), default="tensorflow")
    backend = parser.parse_args().backend
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        builtins = [_keras_builtins(requirement, folder) for requirement in KERAS]
        paths = builtins + [_package(requirement, folder) for requirement in PACKAGES]
        before = {p: p.read_bytes() for p in folder.rglob("*.py")}
        result = subprocess.run(["optfix", "verify", "--backend", backend, *(str(p.relative_to(folder)) for p in paths)],
                                cwd=folder, stdout=subprocess.PIPE, text=True)
        print(result.stdout, end="")
        assert all(p.read_bytes() == data for p, data in before.items()), "verify wrote a file"
        verdicts = _verdicts(result.stdout)
        with_arguments = [p for p in folder.rglob("*.py") if any(f"class {name}(" in p.read_text(errors="replace") for name in ARGUMENTS)]
        classes = re.findall(r"^class (\w+)\((.*?)(?=^class |\Z)", "".join(p.read_text() for p in builtins), re.MULTILINE | re.DOTALL)
        decayed = {name: DECAY for name, body in classes if "initial_decay" in body}  # Nadam has schedule_decay instead
        code = max(result.returncode, _verify(folder, with_arguments, ARGUMENTS, f"{ARGUMENTS}", backend, verdicts),
                   _verify(folder, builtins, decayed, f"the Keras built-ins with {DECAY}", backend, {}))
        print(f"\nEvery class that defines get_updates, by release ({backend}):")
        print(_tally(folder, paths, verdicts))
        return code


def _verdicts(output: str) -> dict[str, str]:
    """The verdict of each row of a verify table, by its location (path:line)."""
    kinds = "equal|DIFFERENT|FAILED|not run|not migrated"
    return {m[1]: m[2] for m in re.finditer(rf"^(\S+:\d+)\s+\w+\s+\S+\s+\S+\s+({kinds})", output, re.MULTILINE)}


def _tally(folder: Path, paths: list[Path], verdicts: dict[str, str]) -> str:
    """Per release: the classes that define get_updates, and how many of them got each verdict
    (`unlisted`: verify has no row for the class)."""
    kinds = ("equal", "not migrated", "not run", "DIFFERENT", "FAILED", "unlisted")
    lines = ["| release | classes | " + " | ".join(kinds) + " |", "|---|" + "--:|" * (len(kinds) + 1)]
    totals = [0] * (len(kinds) + 1)
    for path in paths:
        release = path.relative_to(folder).parts[0].removesuffix(".py")
        files = [path] if path.is_file() else sorted(path.rglob("*.py"))
        counts = dict.fromkeys(kinds, 0)
        for file in files:
            shown = file.relative_to(folder).as_posix()
            for node in ast.walk(ast.parse(file.read_text(errors="replace"))):
                if isinstance(node, ast.ClassDef) and any(isinstance(item, ast.FunctionDef) and item.name == "get_updates" for item in node.body):
                    counts[verdicts.get(f"{shown}:{node.lineno}", "unlisted")] += 1
        row = [sum(counts.values()), *counts.values()]
        totals = [a + b for a, b in zip(totals, row)]
        lines.append(f"| {release} | " + " | ".join(map(str, row)) + " |")
    lines.append("| all | " + " | ".join(map(str, totals)) + " |")
    return "\n".join(lines)


def _verify(folder: Path, paths: list[Path], arguments: dict[str, dict], label: str, backend: str, verdicts: dict[str, str]) -> int:
    """The classes named in `arguments` in those files, verified constructed with their arguments;
    their verdicts replace those of the run without arguments in `verdicts`."""
    from optfix.verify.command import import_keras, table
    from optfix.verify.source_file import verify_file

    keras = import_keras()
    rows = []
    for path in sorted(paths):
        found, errors = verify_file(path, str(path.relative_to(folder)), keras, arguments, backend=backend)
        rows += [row for row in found if row.name in arguments]
        assert not errors, errors
    verdicts.update((row.location, row.kind) for row in rows)
    print(f"\nWith constructor arguments ({label}):")
    print(table(rows), end="")
    return 0 if all(row.equal for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
