"""A small project built from the fixtures, and what each of its files must give: a Keras 2 call
that is rewritten (`SGD(lr=0.1, decay=0.01)`), reported cases with and without an unsafe fix, a
file with nothing to do, and a file that does not parse. The expectations come from the fixture
files (NAME.expected.py, NAME.unsafe.expected.py, NAME.findings), never from optfix's output."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

from conftest import REPO

KERAS2 = REPO / "fixtures" / "keras2-optimizer"
UNSAFE_NOTE = " (fix available with --unsafe-fixes)"
_FINDING = re.compile(r"^[^:]+:(?P<line>\d+):(?P<col>\d+): (?P<rule>\S+) (?P<message>.*)$")


@dataclass
class Expected:
    original: bytes
    fixed: bytes  # after a default `fix`
    fixed_unsafe: bytes  # after `fix --unsafe-fixes`
    # (line, col, rule, message, unsafe fix available) of each finding a default run reports
    findings: list[tuple[int, int, str, str, bool]] = field(default_factory=list)
    unparsable: bool = False

    def changed_lines(self) -> set[int]:
        """The lines of the original that the default fix replaces."""
        old, new = self.original.splitlines(), self.fixed.splitlines()
        lines: set[int] = set()
        for tag, i1, i2, _, _ in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
            if tag in ("replace", "delete"):
                lines.update(range(i1 + 1, i2 + 1))
        return lines


def _fixture(name: str) -> Expected:
    original = (KERAS2 / f"{name}.py").read_bytes()
    fixed_path, unsafe_path, findings_path = (KERAS2 / f"{name}{suffix}" for suffix in (".expected.py", ".unsafe.expected.py", ".findings"))
    fixed = fixed_path.read_bytes() if fixed_path.exists() else original
    expected = Expected(original, fixed, unsafe_path.read_bytes() if unsafe_path.exists() else fixed)
    if findings_path.exists():
        for line in findings_path.read_text().splitlines():
            match = _FINDING.match(line)
            message = match["message"]
            unsafe = message.endswith(UNSAFE_NOTE)
            message = message.removesuffix(UNSAFE_NOTE)
            expected.findings.append((int(match["line"]), int(match["col"]), match["rule"], message, unsafe))
    return expected


def project() -> dict[str, Expected]:
    """Relative path (as optfix displays it) -> what to expect of the file."""
    files = {
        "train/namespaces.py": _fixture("namespaces"),  # legacy_sgd = ...SGD(lr=0.1, decay=0.01)
        "train/arguments.py": _fixture("arguments"),  # rewrites and findings without a fix
        "pkg/unsafe.py": _fixture("unsafe"),  # findings whose fix is unsafe
        "left_alone.py": _fixture("left_alone"),
    }
    # arguments.py cut inside a call that spans lines: a syntax error, left as it is.
    cut = b"".join(_fixture("arguments").original.splitlines(keepends=True)[:10])
    files["broken, odd:name.py"] = Expected(cut, cut, cut, unparsable=True)
    return files


def build(root: Path) -> dict[str, Expected]:
    files = project()
    for relative, expected in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(expected.original)
    return files


def on_disk(root: Path, files: dict[str, Expected]) -> dict[str, bytes]:
    return {relative: (root / relative).read_bytes() for relative in files}
