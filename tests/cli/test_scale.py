"""Reliability at scale: large files, large outputs, and code no one here wrote."""

from __future__ import annotations

import ast
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from conftest import OPTFIX, require
from optfix.engine.prefilter import MAX_PARSE_BYTES


def test_a_huge_file_is_reported_quickly_and_left_alone(optfix, tmp_path):
    lines = ["model.compile(optimizer='Adgrad', loss='mse')\n"] + [f"value_{i} = {i} * 2\n" for i in range(600_000)]
    huge = tmp_path / "huge.py"
    huge.write_text("".join(lines))
    assert huge.stat().st_size > 10 * 2**20 > MAX_PARSE_BYTES
    (tmp_path / "small.py").write_text(lines[0])
    before = huge.read_bytes()
    started = time.perf_counter()
    result = optfix("fix", "--no-progress", ".", cwd=tmp_path)
    assert time.perf_counter() - started < 30
    assert huge.read_bytes() == before
    assert (tmp_path / "small.py").read_text() == "model.compile(optimizer='adagrad', loss='mse')\n"
    assert "huge.py:1:1: file-too-large not processed" in result.stderr.decode()
    assert result.returncode == 1  # a person has to look at it


def test_diff_into_a_closed_pipe_exits_cleanly(tmp_path):
    for index in range(300):
        (tmp_path / f"m{index:03}.py").write_text("model.compile(optimizer='sdg')\n" * 20)
    reader = subprocess.Popen([str(OPTFIX), "diff", "--no-progress", "."], cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert reader.stdout.readline().startswith(b"--- a/")
    reader.stdout.close()  # like `optfix diff | head -1`
    stderr = reader.stderr.read()
    assert reader.wait(timeout=120) in (0, 1)
    assert b"Traceback" not in stderr and b"BrokenPipe" not in stderr, stderr.decode()[-2000:]


def _installed_sources(destination: Path) -> Path:
    """A copy of the .py files of the installed keras, tf_keras and tensorflow."""
    import importlib.util

    for package in ("keras", "tf_keras", "tensorflow"):
        require(package)
        source = Path(importlib.util.find_spec(package).submodule_search_locations[0])
        for path in source.rglob("*.py"):
            target = destination / package / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
    return destination


def _snapshot(root: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in root.rglob("*.py")}


@pytest.mark.tf
@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe-fixes"])
def test_fix_over_real_code_no_one_here_wrote(optfix, tmp_path, unsafe):
    corpus = _installed_sources(tmp_path / "corpus")
    before = _snapshot(corpus)
    flags = ["--unsafe-fixes"] if unsafe else []
    first = optfix("fix", "--no-progress", "--quiet", *flags, ".", cwd=corpus)
    summary = first.stderr.decode().splitlines()[-1]
    print(f"{len(before)} files: {summary}")
    assert first.returncode in (0, 1), first.stderr.decode()[-3000:]
    assert "internal-error" not in first.stderr.decode()
    after = _snapshot(corpus)
    assert after.keys() == before.keys()
    rewritten = [path for path in before if after[path] != before[path]]
    for path in rewritten:
        ast.parse(after[path])
    second = optfix("fix", "--no-progress", ".", *flags, cwd=corpus)
    assert second.stdout == b"", "a second run changed files"
    assert _snapshot(corpus) == after
