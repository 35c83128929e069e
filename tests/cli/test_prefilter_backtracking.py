"""The prefilters' regular expressions end on inputs made to make a backtracking regex run for ever."""

from __future__ import annotations

import subprocess
import sys

import pytest


ADVERSARIAL = {
    "a run of '#' in a comment": "import keras\nx = 1  " + "#" * 64 + "\nmodel.optimizer.lr\n",
    "a comment of '#'s before an attribute": "import keras\nopt = keras.optimizers.Adam()\nopt" + " #" * 64 + "\n.lr\n",
    "a compile call over commented lines": "model.compile(" + "  # x #\n" * 64 + "optimizer='adam')\n",
}


@pytest.mark.parametrize("source", ADVERSARIAL.values(), ids=ADVERSARIAL.keys())
def test_prefilters_end_on_inputs_that_invite_backtracking(source) -> None:
    """Every rule's prefilter, in a child process that must end: a regex that backtracks
    exponentially never would (one such comment once hung a whole run)."""
    script = "import sys\nfrom optfix.engine.registry import all_rules\ndata = sys.stdin.buffer.read()\nprint([r.id for r in all_rules() if r.wants(data)])\n"
    result = subprocess.run([sys.executable, "-c", script], input=source.encode(), capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr.decode()
