"""Code the Python running optfix refuses, though libcst may read it: reported as a syntax error
at its place and never rewritten."""

from __future__ import annotations

import pytest

from conftest import run_optfix

FIXABLE = b"model.compile(optimizer='Adgrad', loss='mse')\n"

CASES = {
    # name: (second line of the file, where the error is, what the message says)
    "nul-in-a-string": (b"x = 'a\x00b'\n", "2:7", "a NUL byte in the source"),
    "300-nested-calls": (b"x = " + b"f(" * 300 + b")" * 300 + b"\n", "2:", "nested too deeply"),
    "500-nested-parentheses": (b"x = " + b"(" * 500 + b"1" + b")" * 500 + b"\n", "2:", "nested too deeply"),
}


@pytest.mark.parametrize("name", CASES)
def test_reported_as_a_syntax_error_and_left_alone(tmp_path, name):
    line, where, message = CASES[name]
    data = FIXABLE + line
    (tmp_path / "model.py").write_bytes(data)
    result = run_optfix("fix", "--no-progress", "model.py", cwd=tmp_path)
    stderr = result.stderr.decode()
    assert result.returncode == 2, stderr
    assert f"model.py:{where}" in stderr and f"syntax-error cannot parse: {message}" in stderr, stderr
    assert "internal-error" not in stderr
    assert (tmp_path / "model.py").read_bytes() == data
