"""`optfix diff` streams: each file's diff is written as its result comes."""

from __future__ import annotations

import sys

import pytest

from optfix import cli, session


def test_diff_is_written_file_by_file_as_the_results_come(tmp_path, monkeypatch, capfdbinary):
    """Each file's diff is on stdout before the next file's result is asked for: nothing is held
    back to be joined at the end."""
    for index in range(5):
        (tmp_path / f"m{index}.py").write_text("model.compile(optimizer='sdg')\n")
    real_run = session.pool.run
    written_before: list[bytes] = []

    def run(*args, **kwargs):
        for result in real_run(*args, **kwargs):
            yield result
            written_before.append(capfdbinary.readouterr().out)

    monkeypatch.setattr(session.pool, "run", run)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["optfix", "diff", "--jobs", "1", "--no-progress", "--color", "never", "."])
    with pytest.raises(SystemExit):
        cli.main()
    assert [chunk.split(b"\n")[0] for chunk in written_before] == [f"--- a/m{index}.py".encode() for index in range(5)]
    assert all(chunk.count(b"--- a/") == 1 for chunk in written_before)
