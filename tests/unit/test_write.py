"""optfix.files.write.replace_bytes: atomic in-place writes that keep the mode and never replace a symlink."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from optfix.files.write import WriteError, replace_bytes

OLD = b"model.compile(optimizer='sdg')\n"
NEW = b"model.compile(optimizer='sgd')\n"


def leftovers(*folders: Path) -> list[str]:
    """Temporary files replace_bytes may have left (they start with a dot, so list everything)."""
    return [name for folder in folders for name in os.listdir(folder) if name.endswith(".optfix-tmp")]


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def make(path: Path, data: bytes, file_mode: int = 0o644) -> Path:
    path.write_bytes(data)
    os.chmod(path, file_mode)
    return path


@pytest.mark.parametrize("file_mode", [0o640, 0o755, 0o600, 0o664], ids=oct)
def test_replaces_contents_and_keeps_mode(tmp_path, file_mode):
    path = make(tmp_path / "model.py", OLD, file_mode)
    replace_bytes(path, NEW, OLD)
    assert path.read_bytes() == NEW
    assert mode(path) == file_mode
    assert leftovers(tmp_path) == []


def test_writes_through_a_symlink_and_keeps_it_a_symlink(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "links").mkdir()
    target = make(tmp_path / "real" / "model.py", OLD, 0o640)
    link = tmp_path / "links" / "model.py"
    link.symlink_to(os.path.relpath(target, link.parent))
    pointed = os.readlink(link)

    replace_bytes(link, NEW, OLD)

    assert link.is_symlink()
    assert os.readlink(link) == pointed
    assert target.read_bytes() == NEW
    assert mode(target) == 0o640
    assert leftovers(tmp_path / "real", tmp_path / "links") == []


def test_refuses_a_file_that_changed_since_it_was_read(tmp_path):
    now = b"model.compile(optimizer='sdg')  # edited meanwhile\n"
    path = make(tmp_path / "model.py", now)
    before = os.stat(path)
    with pytest.raises(WriteError):
        replace_bytes(path, NEW, OLD)
    assert path.read_bytes() == now
    assert os.stat(path).st_mtime_ns == before.st_mtime_ns
    assert os.stat(path).st_ino == before.st_ino
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("file_mode", [0o444, 0o400, 0o555], ids=oct)
def test_refuses_a_read_only_file(tmp_path, file_mode):
    # Tests may run as root, who can write anyway: the mode bits alone must stop the write.
    path = make(tmp_path / "model.py", OLD, file_mode)
    before = os.stat(path)
    with pytest.raises(WriteError):
        replace_bytes(path, NEW, OLD)
    assert path.read_bytes() == OLD
    assert mode(path) == file_mode
    assert os.stat(path).st_ino == before.st_ino
    assert leftovers(tmp_path) == []


def test_refuses_a_symlink_to_a_read_only_file(tmp_path):
    target = make(tmp_path / "target.py", OLD, 0o444)
    link = tmp_path / "link.py"
    link.symlink_to(target.name)
    with pytest.raises(WriteError):
        replace_bytes(link, NEW, OLD)
    assert target.read_bytes() == OLD
    assert link.is_symlink()


def test_missing_file_is_a_write_error(tmp_path):
    with pytest.raises(WriteError):
        replace_bytes(tmp_path / "gone.py", NEW, OLD)
    assert leftovers(tmp_path) == []


def test_failed_replace_removes_its_temporary_file(tmp_path, monkeypatch):
    path = make(tmp_path / "model.py", OLD)

    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("optfix.files.write.os.replace", fail)
    with pytest.raises(WriteError):
        replace_bytes(path, NEW, OLD)
    assert path.read_bytes() == OLD
    assert leftovers(tmp_path) == []


def test_replacement_is_a_new_file_renamed_into_place(tmp_path):
    # Atomic replacement: a reader holding the old file keeps seeing the whole old contents.
    path = make(tmp_path / "model.py", OLD)
    with open(path, "rb") as reader:
        replace_bytes(path, NEW, OLD)
        assert reader.read() == OLD
    assert path.read_bytes() == NEW
