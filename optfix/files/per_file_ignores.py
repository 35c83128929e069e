"""`per-file-ignores`: rules not run on the files that gitignore-style patterns match."""

from __future__ import annotations

from pathlib import Path

import pathspec


class PerFileIgnores:
    """Each pattern, relative to `root`, with the ids of the rules not run on the files it matches."""

    def __init__(self, root: Path, entries: tuple[tuple[str, tuple[str, ...]], ...]) -> None:
        self.root = root
        self.entries = entries
        self._specs = [(pathspec.GitIgnoreSpec.from_lines([pattern]), frozenset(ids)) for pattern, ids in entries]

    def __reduce__(self):  # sent to the worker processes as its patterns, compiled again there
        return PerFileIgnores, (self.root, self.entries)

    def ignored(self, path: Path) -> frozenset[str]:
        try:
            relative = path.relative_to(self.root).as_posix()
        except ValueError:
            relative = path.as_posix()
        found: frozenset[str] = frozenset()
        for spec, ids in self._specs:
            if spec.match_file(relative):
                found |= ids
        return found
