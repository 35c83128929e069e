"""optfix.output.diff.unified_diff works on bytes: line endings, a missing final newline and
undecodable bytes come out as they went in (`git apply` of its output: tests/cli/test_diff_git_apply.py)."""

from __future__ import annotations

from optfix.output.diff import NO_NEWLINE, unified_diff

PATH = "pkg/model.py"


def lines_starting(patch: bytes, prefix: bytes) -> list[bytes]:
    """The patch's lines (with their endings) that start with `prefix`, headers left out."""
    body = patch.split(b"\n", 2)[2]
    return [line for line in body.splitlines(keepends=True) if line.startswith(prefix)]


def test_crlf_lines_keep_their_carriage_return():
    old = b"import os\r\nx = 'sdg'\r\ny = 1\r\n"
    new = old.replace(b"sdg", b"sgd")
    patch = unified_diff(old, new, PATH)
    assert lines_starting(patch, b"-") == [b"-x = 'sdg'\r\n"]
    assert lines_starting(patch, b"+") == [b"+x = 'sgd'\r\n"]
    assert b" import os\r\n" in patch


def test_missing_final_newline_marker_follows_the_line_it_describes():
    old = b"import os\nx = 'sdg'"
    new = b"import os\nx = 'sgd'\n"
    patch = unified_diff(old, new, PATH)
    # The old last line has no newline: the marker comes right after it, before the new line.
    assert b"-x = 'sdg'\n" + NO_NEWLINE + b"+x = 'sgd'\n" in patch
    assert patch.endswith(b"+x = 'sgd'\n")


def test_latin_1_bytes_pass_through_undecoded():
    old = b"# -*- coding: latin-1 -*-\n# caf\xe9\nx = 'sdg'  # d\xe9j\xe0\n"
    new = old.replace(b"sdg", b"sgd")
    patch = unified_diff(old, new, PATH)
    assert b" # caf\xe9\n" in patch
    assert b"+x = 'sgd'  # d\xe9j\xe0\n" in patch
    assert b"\xc3\xa9" not in patch  # not re-encoded as UTF-8


def test_identical_bytes_give_an_empty_diff():
    data = b"import os\r\nx = 'sgd'"
    assert unified_diff(data, data, PATH) == b""
