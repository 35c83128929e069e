"""optfix.files.write.replace_bytes on a file with other hard links: rewritten in place, its old
bytes kept beside it until the new ones are on disk."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import optfix.files.write as write
from optfix.files.write import WriteError, is_leftover, leftover_advice, replace_bytes

OLD = b"model.compile(optimizer='sdg')\n" * 100
NEW = b"model.compile(optimizer='sgd')\n" * 100


def linked_pair(folder: Path) -> tuple[Path, Path]:
    (folder / "a.py").write_bytes(OLD)
    os.link(folder / "a.py", folder / "b.py")
    return folder / "a.py", folder / "b.py"


def test_every_name_sees_the_new_bytes(tmp_path):
    a, b = linked_pair(tmp_path)
    replace_bytes(a, NEW, OLD)
    assert a.read_bytes() == b.read_bytes() == NEW
    assert sorted(os.listdir(tmp_path)) == ["a.py", "b.py"]


def failing_overwrite(times: int):
    """An _overwrite that writes half of its bytes and fails, the first `times` calls."""
    real = write._overwrite
    calls = []

    def overwrite(target: Path, data: bytes) -> None:
        calls.append(data)
        if len(calls) > times:
            return real(target, data)
        with open(target, "r+b") as stream:
            stream.write(data[: len(data) // 2])
        raise OSError(28, "No space left on device")

    return overwrite


def test_a_failed_write_puts_the_old_bytes_back_and_removes_the_copy(tmp_path, monkeypatch):
    a, b = linked_pair(tmp_path)
    monkeypatch.setattr(write, "_overwrite", failing_overwrite(times=1))
    with pytest.raises(WriteError, match="No space left"):
        replace_bytes(a, NEW, OLD)
    assert b.read_bytes() == OLD
    assert sorted(os.listdir(tmp_path)) == ["a.py", "b.py"]


def test_a_write_that_cannot_be_undone_leaves_the_old_bytes_beside_the_file(tmp_path, monkeypatch):
    a, _ = linked_pair(tmp_path)
    monkeypatch.setattr(write, "_overwrite", failing_overwrite(times=2))
    with pytest.raises(WriteError):
        replace_bytes(a, NEW, OLD)
    [copy] = [name for name in os.listdir(tmp_path) if is_leftover(name)]
    assert copy.startswith(".a.py.") and (tmp_path / copy).read_bytes() == OLD
    assert "copy this file over it" in leftover_advice(copy) and "a.py" in leftover_advice(copy)
