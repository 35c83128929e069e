"""Files an optfix run stopped mid-write leaves behind are reported by later runs, with what to do."""

from __future__ import annotations

from conftest import run_optfix

FIXABLE = b"model.compile(optimizer='Adgrad', loss='mse')\n"


def test_the_copy_an_in_place_rewrite_left_is_reported_with_how_to_restore_and_clean(tmp_path):
    (tmp_path / "model.py").write_bytes(FIXABLE)
    copy = tmp_path / ".model.py.k2j4x1.optfix-old"
    copy.write_bytes(FIXABLE)
    result = run_optfix("fix", "--no-progress", ".", cwd=tmp_path)
    stderr = result.stderr.decode()
    assert result.returncode == 1, stderr
    [line] = [line for line in stderr.splitlines() if "leftover-temporary-file" in line]
    assert line.startswith(".model.py.k2j4x1.optfix-old:1:1: leftover-temporary-file ")
    assert "if model.py is incomplete, copy this file over it; then delete this file" in line
    assert copy.read_bytes() == FIXABLE  # reported, never deleted by optfix
