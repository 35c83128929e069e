"""get-updates on custom optimizers no one here wrote, from their PyPI releases, migrated by
optfix and proven with `optfix verify` (the original on the numpy Keras 2 backend, the migration
on Keras 3).

    python benchmarks/real_optimizers.py     # needs pip access to PyPI and the 'verify' extra

Keras 2.2.4's own built-ins reach the backend through Keras's package internals, so their classes
are copied into one file that imports `keras` as a user's copy of the code would. The other
releases reach Keras through a re-export module of their own (`from .backend import keras,
backend as K`, backend.py picking keras or tf.keras from an environment variable): their packages
are unpacked as they are, and `optfix verify` runs on each package's folder. Classes whose
constructor has required arguments are then verified with the arguments below.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

KERAS = ("keras==2.2.4", "keras/optimizers.py", "class SGD(Optimizer):", "class TFOptimizer(Optimizer):")
IMPORTS = "import keras\nfrom keras import backend as K\nfrom keras.optimizers import Optimizer\nfrom keras.legacy import interfaces\n\n\n"
PACKAGES = {  # release -> its package folder inside the archive
    "keras-radam==0.15.0": "keras_radam",
    "keras-bert==0.80.0": "keras_bert",
    "keras-lookahead==0.9.0": "keras_lookahead",
    "keras-gradient-accumulation==0.0.6": "keras_gradient_accumulation",
    "keras-lr-multiplier==0.9.0": "keras_lr_multiplier",
    "keras-adamw==1.38": "keras_adamw",  # imports keras itself; its tf.keras classes are keras2-optimizer's
}
ARGUMENTS = {"AdamWarmup": {"decay_steps": 100, "warmup_steps": 10}}  # keras-bert's: steps, no defaults


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


def _keras_builtins(folder: Path) -> Path:
    requirement, member, start, end = KERAS
    text = _members(_download(requirement, folder / "download-keras"))[member].decode()
    path = folder / "keras_2_2_4.py"
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
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = [_keras_builtins(folder)] + [_package(requirement, folder) for requirement in PACKAGES]
        before = {p: p.read_bytes() for p in folder.rglob("*.py")}
        result = subprocess.run(["optfix", "verify", *(str(p.relative_to(folder)) for p in paths)], cwd=folder)
        assert all(p.read_bytes() == data for p, data in before.items()), "verify wrote a file"
        return max(result.returncode, _with_arguments(folder))


def _with_arguments(folder: Path) -> int:
    """The classes of ARGUMENTS, verified constructed with those arguments."""
    from optfix.verify.command import import_keras, table
    from optfix.verify.source_file import verify_file

    keras = import_keras()
    rows = []
    for path in sorted(folder.rglob("*.py")):
        if any(f"class {name}(" in path.read_text(errors="replace") for name in ARGUMENTS):
            found, errors = verify_file(path, str(path.relative_to(folder)), keras, ARGUMENTS)
            rows += [row for row in found if row.name in ARGUMENTS]
            assert not errors, errors
    print(f"\nWith constructor arguments {ARGUMENTS}:")
    print(table(rows), end="")
    return 0 if all(row.equal for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
