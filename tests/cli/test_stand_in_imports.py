"""The numpy stand-in of the Keras 2 backend runs legacy optimizers without importing TensorFlow
or Keras: checked in a fresh interpreter, where nothing else has imported them."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO

FIXTURES = REPO / "fixtures" / "get-updates"


def test_the_stand_in_imports_neither_tensorflow_nor_keras():
    script = (
        "import sys; from pathlib import Path\n"
        "from optfix.verify.legacy_keras import load_legacy, optimizer_classes, run_legacy\n"
        "from optfix.verify.keras3 import gradient_sequence\n"
        f"for name in ('adam', 'rmsprop', 'nadam'):\n"
        f"    path = Path({str(FIXTURES)!r}) / (name + '.py')\n"
        "    [cls] = optimizer_classes(load_legacy(path.read_text(), str(path))).values()\n"
        "    run_legacy(cls, {}, *gradient_sequence(((3,),), 2))\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'tf_keras')]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=REPO, timeout=120)
