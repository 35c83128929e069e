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
