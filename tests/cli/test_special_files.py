"""Files that are not regular files, named on the command line: reported, never read."""

from __future__ import annotations

import os

from conftest import run_optfix

FIXABLE = b"model.compile(optimizer='Adgrad', loss='mse')\n"


def test_a_fifo_named_on_the_command_line_is_reported_not_read(tmp_path):
    """Opening a FIFO for reading waits for a writer: the run would hang forever."""
    os.mkfifo(tmp_path / "pipe.py")
    (tmp_path / "model.py").write_bytes(FIXABLE)
    for jobs in ("1", "2"):
        result = run_optfix("check", "--jobs", jobs, "pipe.py", "model.py", cwd=tmp_path)
        stderr = result.stderr.decode()
        assert result.returncode == 2, stderr
        assert "pipe.py:1:1: read-error not read: a FIFO, not a regular file" in stderr
        assert "1 file would be changed" in stderr and "(2 files checked)" in stderr  # the other file is still checked


def test_a_device_named_on_the_command_line_is_reported_not_read(tmp_path):
    """/dev/zero never ends: reading it would fill the memory."""
    result = run_optfix("check", "/dev/zero", cwd=tmp_path)
    assert result.returncode == 2
    assert "read-error not read: a device, not a regular file" in result.stderr.decode()


def test_a_fifo_given_as_the_configuration_is_an_error_not_a_hang(tmp_path):
    os.mkfifo(tmp_path / "pyproject.toml")
    result = run_optfix("check", "--config", "pyproject.toml", cwd=tmp_path)
    assert result.returncode == 2
    assert "not a regular file" in result.stderr.decode()
