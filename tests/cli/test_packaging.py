"""The wheel installs the rules as optfix.codemods, never as a top-level `codemods` package."""

from __future__ import annotations

import subprocess
import sys
import zipfile

from conftest import REPO


def test_wheel_layout(tmp_path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(REPO)],
        check=True, capture_output=True, cwd=tmp_path,
    )
    [wheel] = tmp_path.glob("optfix-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "optfix/codemods/optimizer_name.py" in names
    assert "optfix/knowledge/identifiers.py" in names
    top_level = {name.split("/")[0] for name in names}
    assert "codemods" not in top_level
    assert {n for n in top_level if not n.endswith(".dist-info")} == {"optfix"}
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "optfix = optfix.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_a_run_with_nothing_to_parse_never_imports_libcst_or_pydantic(tmp_path) -> None:
    """Importing libcst costs about 0.2 s, more than the rest of such a run: the prefilters and the
    `ast` stage must do without it (in the parent and in the workers). pydantic, which typer 0.29
    and later build an adapter of for every parameter, costs 0.1 to 0.2 s at every start."""
    (tmp_path / "plain.py").write_text("import numpy as np\nx = np.zeros(3)\n")
    (tmp_path / "near_miss.py").write_text("import keras\n# tf.compat.v1.train.AdamOptimizer\nopt = keras.optimizers.Adam(0.1)\n")
    for jobs in ("1", "2"):
        result = subprocess.run([sys.executable, "-X", "importtime", "-m", "optfix", "check", "--no-progress", "--jobs", jobs, "."],
                                cwd=tmp_path, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}
        assert "optfix.engine.pool" in imported
        assert not {name for name in imported if name.split(".")[0] in ("libcst", "pydantic")}
