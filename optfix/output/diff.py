"""Unified diffs on bytes, so that `git apply` reproduces a change exactly in any encoding."""

from __future__ import annotations

import difflib

NO_NEWLINE = b"\\ No newline at end of file\n"

_COLORS = {b"+++": b"\x1b[1m", b"---": b"\x1b[1m", b"@@": b"\x1b[36m", b"+": b"\x1b[32m", b"-": b"\x1b[31m"}
_RESET = b"\x1b[0m"


def _lines(data: bytes) -> list[bytes]:
    """Split on LF only, as git does: a CR stays part of its line."""
    lines = data.split(b"\n")
    last = lines.pop()
    lines = [line + b"\n" for line in lines]
    if last:
        lines.append(last)
    return lines


def unified_diff(old: bytes, new: bytes, path: str) -> bytes:
    name = path.encode("utf-8", "surrogateescape")
    out = []
    for line in difflib.diff_bytes(
        difflib.unified_diff, _lines(old), _lines(new), b"a/" + name, b"b/" + name, lineterm=b"\n"
    ):
        out.append(line)
        if not line.endswith(b"\n"):
            out.append(b"\n" + NO_NEWLINE)
    return b"".join(out)


def colorize(diff: bytes) -> bytes:
    out = []
    for line in diff.splitlines(keepends=True):
        body = line.rstrip(b"\r\n")
        color = next((c for prefix, c in _COLORS.items() if line.startswith(prefix)), None)
        out.append(color + body + _RESET + line[len(body):] if color else line)
    return b"".join(out)
