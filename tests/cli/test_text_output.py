"""The text output as a person reads it: pending changes named where no diff shows them, unsafe
fixes named with what they change."""

from __future__ import annotations

import re

import pytest

from conftest import run_optfix

FIXABLE = "model.compile(optimizer='Adgrad', loss='mse')\n"
# A safe part (lr) and an unsafe one (clipnorm: Keras 2 clipped the global norm).
UNSAFE = "import keras\nopt = keras.optimizers.SGD(lr=0.1, clipnorm=1.0)\n"
LINE = re.compile(r"^(?P<path>[^:\s]+):(?P<line>\d+):(?P<col>\d+): (?P<rule>[a-z][a-z0-9-]*) (?P<message>\S.*)$")


def lines(result) -> list[str]:
    return result.stderr.decode().splitlines()


def test_check_names_each_pending_change_and_the_files_in_the_summary(tmp_path):
    (tmp_path / "a.py").write_text(FIXABLE)
    (tmp_path / "b.py").write_text("x = 1\n" + FIXABLE)
    (tmp_path / "clean.py").write_text("x = 1\n")
    result = run_optfix("check", "--no-progress", ".", cwd=tmp_path)
    assert result.returncode == 1 and result.stdout == b""
    *changes, summary = lines(result)
    found = [LINE.match(line).groupdict() for line in changes]
    assert [(f["path"], f["line"], f["col"], f["rule"]) for f in found] == [("a.py", "1", "25", "optimizer-name"), ("b.py", "2", "25", "optimizer-name")]
    assert all("'adagrad'" in f["message"] for f in found)
    assert summary == "2 files would be changed (3 files checked). Would change: a.py, b.py."


def test_quiet_fix_names_what_it_fixed(tmp_path):
    (tmp_path / "a.py").write_text(FIXABLE)
    result = run_optfix("fix", "--quiet", "--no-progress", ".", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout == b""
    change, summary = lines(result)
    assert LINE.match(change)["path"] == "a.py"
    assert summary == "1 file fixed (1 file checked). Fixed: a.py."


def test_a_diff_run_does_not_repeat_the_changes_its_diff_shows(tmp_path):
    (tmp_path / "a.py").write_text(FIXABLE)
    result = run_optfix("diff", "--no-progress", ".", cwd=tmp_path)
    assert lines(result) == ["1 file would be changed (1 file checked)."]


@pytest.mark.parametrize("command, note", [
    ("fix", "(unsafe fix applied: it changes behaviour, as said)"),
    ("diff", "(unsafe fix: it changes behaviour, as said)"),
    ("check", "(unsafe fix: it changes behaviour, as said)"),
])
def test_each_unsafe_fix_is_named_with_what_it_changes(tmp_path, command, note):
    (tmp_path / "opt.py").write_text(UNSAFE)
    result = run_optfix(command, "--unsafe-fixes", "--no-progress", "opt.py", cwd=tmp_path)
    [line] = [line for line in lines(result) if "clipnorm" in line]
    found = LINE.match(line)
    assert (found["path"], found["line"], found["rule"]) == ("opt.py", "2", "keras2-optimizer")
    assert "Keras 2 clipnorm clipped the global norm" in found["message"] and found["message"].endswith(note)
