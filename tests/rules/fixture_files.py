"""What a fixture's files say a run must give, and how `pytest --update-fixtures` rewrites them.

fixtures/<rule-id>/NAME.py is the input. NAME.expected.py is the output of a default run; without
it the file must come out byte-identical. NAME.unsafe.expected.py, if present, is the output with
--unsafe-fixes (otherwise that run must give the default output). NAME.findings lists the findings
a default run prints, one a line (none if absent). NAME.source, if present, holds the source
version the runs are given (`--source`, one line: `keras-2.2`); without it they have none. A file
that would state what its absence states is not kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

EXPECTED = ".expected.py"
UNSAFE_EXPECTED = ".unsafe.expected.py"
FINDINGS = ".findings"
SOURCE = ".source"
OUTPUT_SUFFIXES = (UNSAFE_EXPECTED, EXPECTED)  # longest first


@dataclass(frozen=True)
class Outcome:
    fixed: bytes  # after a default run
    fixed_unsafe: bytes  # after a run with --unsafe-fixes
    findings: tuple[str, ...]  # the lines a default run prints


def inputs(folder: Path) -> list[Path]:
    """Every fixtures/<rule-id>/NAME.py under `folder`."""
    return sorted(path for path in folder.glob("*/*.py") if not path.name.endswith(OUTPUT_SUFFIXES))


def sibling(path: Path, suffix: str) -> Path:
    return path.with_name(path.name[: -len(".py")] + suffix)


def expected(path: Path) -> Outcome:
    """What the files next to the input `path` say a run must give."""
    fixed = _read(sibling(path, EXPECTED), path.read_bytes())
    findings = sibling(path, FINDINGS)
    lines = tuple(findings.read_text(encoding="utf-8").splitlines()) if findings.exists() else ()
    return Outcome(fixed, _read(sibling(path, UNSAFE_EXPECTED), fixed), lines)


def source(path: Path) -> str | None:
    """The source version the input `path`'s runs are given, if its NAME.source names one."""
    file = sibling(path, SOURCE)
    return file.read_text(encoding="utf-8").strip() if file.exists() else None


def redundant(path: Path) -> list[str]:
    """The files next to `path` that state what their absence would."""
    data = path.read_bytes()
    fixed = _read(sibling(path, EXPECTED), data)
    problems = []
    if sibling(path, EXPECTED).exists() and fixed == data:
        problems.append(f"{sibling(path, EXPECTED).name} equals its input: delete it to declare a no-op case")
    if sibling(path, UNSAFE_EXPECTED).exists() and sibling(path, UNSAFE_EXPECTED).read_bytes() == fixed:
        problems.append(f"{sibling(path, UNSAFE_EXPECTED).name} equals the default output: delete it")
    if sibling(path, FINDINGS).exists() and not sibling(path, FINDINGS).read_bytes():
        problems.append(f"{sibling(path, FINDINGS).name} is empty: delete it")
    return problems


def write(path: Path, outcome: Outcome) -> list[Path]:
    """Make the files next to the input `path` state `outcome`: each written where it is needed and
    differs, deleted where it is no longer needed. Returns the files written or deleted."""
    wanted = {
        sibling(path, EXPECTED): outcome.fixed if outcome.fixed != path.read_bytes() else None,
        sibling(path, UNSAFE_EXPECTED): outcome.fixed_unsafe if outcome.fixed_unsafe != outcome.fixed else None,
        sibling(path, FINDINGS): "".join(f"{line}\n" for line in outcome.findings).encode() or None,
    }
    changed = []
    for file, content in wanted.items():
        if content is None and file.exists():
            file.unlink()
            changed.append(file)
        elif content is not None and (not file.exists() or file.read_bytes() != content):
            file.write_bytes(content)
            changed.append(file)
    return changed


def _read(path: Path, default: bytes) -> bytes:
    return path.read_bytes() if path.exists() else default
