"""The files of a run, for a rule whose change to one module is sound only where other modules of
the project are changed with it in the same run (a Keras 2 optimizer's base class in one module,
its subclasses in others). The engine reads no file after writing any (`fix` writes at the end
of the run), so what a rule reads of another file of the run is its original code."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RunFiles:
    paths: frozenset[Path]  # resolved
    ignored: frozenset[tuple[Path, str]] = frozenset()  # (file, rule id): the rule is not run on the file

    @classmethod
    def of(cls, files: Iterable[Path], ignored: Callable[[Path], Iterable[str]] = lambda path: ()) -> RunFiles:
        """The run of `files`; `ignored(path)` names the rules the run does not give that file."""
        paths, skipped = set(), set()
        for path in files:
            resolved = Path(path).resolve()
            paths.add(resolved)
            skipped |= {(resolved, rule) for rule in ignored(path)}
        return cls(frozenset(paths), frozenset(skipped))

    def runs(self, rule: str, path: Path) -> bool:
        """Whether the run gives the file at `path` to the rule `rule`."""
        resolved = Path(path).resolve()
        return resolved in self.paths and (resolved, rule) not in self.ignored
