"""get-updates on custom optimizers no one here wrote: Keras 2.2.4's own built-in optimizers and
keras-radam 0.15.0's RAdam, from their PyPI releases, migrated by optfix and proven with
`optfix verify` (the original on the numpy Keras 2 backend, the migration on Keras 3).

    python benchmarks/real_optimizers.py     # needs pip access to PyPI and the 'verify' extra

Both packages reach Keras through their own modules (`from . import backend as K`, `from .backend
import keras`); the script points those imports at `keras` as a user's copy of the code would.
"""

from __future__ import annotations

import re
import subprocess
import tarfile
import sys
import tempfile
import zipfile
from pathlib import Path

RELEASES = {
    "keras==2.2.4": ("keras/optimizers.py", "class SGD(Optimizer):", "class TFOptimizer(Optimizer):"),
    "keras-radam==0.15.0": ("keras_radam/optimizers.py", "class RAdam(", None),
}
IMPORTS = "import keras\nfrom keras import backend as K\nfrom keras.optimizers import Optimizer\nfrom keras.legacy import interfaces\n\n\n"


def _source(requirement: str, folder: Path) -> str:
    """The optimizer classes of a release (a wheel or an sdist), importing Keras directly."""
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-build-isolation", "-d", str(folder), requirement], check=True)
    [archive] = [p for p in folder.iterdir() if p.name.lower().replace("-", "_").startswith(requirement.split("==")[0].replace("-", "_"))]
    member, start, end = RELEASES[requirement]
    if archive.suffix == ".whl":
        text = zipfile.ZipFile(archive).read(member).decode()
    else:
        with tarfile.open(archive) as tar:
            text = tar.extractfile(next(m for m in tar.getmembers() if m.name.endswith("/" + member))).read().decode()
    return IMPORTS + text[text.index(start): text.index(end) if end else None]


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for requirement in RELEASES:
            name = re.sub(r"\W", "_", requirement.replace("==", "_")) + ".py"
            (folder / name).write_text(_source(requirement, folder / name.removesuffix(".py")))
        before = {p: p.read_bytes() for p in folder.glob("*.py")}
        result = subprocess.run(["optfix", "verify", *map(str, before)], cwd=folder)
        assert all(p.read_bytes() == data for p, data in before.items()), "verify wrote a file"
        return result.returncode


if __name__ == "__main__":
    sys.exit(main())
