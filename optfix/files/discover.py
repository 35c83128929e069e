"""Command-line paths to the Python files and notebooks to process, in a deterministic order.

Folders are walked recursively, honouring every .gitignore from the repository root down and
skipping virtualenvs, caches and build output, and meeting only regular files (not FIFOs,
sockets, devices). A file named on the command line is always processed. Symlinks met while walking are not followed (the file behind them is processed
where it lives, if it is inside the tree). A file with several names (hard links, or a symlink
named on the command line) is processed once, under the first name met.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import pathspec

from optfix.files.write import is_leftover

SOURCE_SUFFIXES = (".py", ".ipynb")
SKIPPED_DIRS = frozenset({
    ".bzr", ".direnv", ".eggs", ".git", ".hg", ".ipynb_checkpoints", ".mypy_cache", ".nox",
    ".pytest_cache", ".pytype", ".ruff_cache", ".svn", ".tox", ".venv", "__pycache__",
    "__pypackages__", "_build", "buck-out", "build", "dist", "node_modules", "site-packages", "venv",
})


class _Ignores:
    """The gitignore-style rules in force in one folder, outermost first."""

    def __init__(self, rules: tuple[tuple[Path, pathspec.GitIgnoreSpec], ...] = ()) -> None:
        self.rules = rules

    def extended(self, base: Path, lines: Iterable[str]) -> _Ignores:
        spec = pathspec.GitIgnoreSpec.from_lines(lines)
        return _Ignores(self.rules + ((base, spec),)) if spec.patterns else self

    def with_gitignore(self, folder: Path) -> _Ignores:
        try:
            text = (folder / ".gitignore").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return self
        return self.extended(folder, text.splitlines())

    def ignores(self, path: Path, is_dir: bool) -> bool:
        for base, spec in reversed(self.rules):
            try:
                relative = path.relative_to(base).as_posix()
            except ValueError:
                continue
            verdict = spec.check_file(relative + "/" if is_dir else relative).include
            if verdict is not None:
                return verdict
        return False


def _repository_ignores(folder: Path) -> _Ignores:
    """The .gitignore files (and .git/info/exclude) of the folders above `folder` in its repository."""
    chain = [folder, *folder.parents]
    root = next((p for p in chain if (p / ".git").exists()), None)
    if root is None:
        return _Ignores()
    ignores = _Ignores()
    try:
        ignores = ignores.extended(root, (root / ".git" / "info" / "exclude").read_text(errors="replace").splitlines())
    except OSError:
        pass
    for parent in reversed(chain[1 : chain.index(root) + 1]):
        ignores = ignores.with_gitignore(parent)
    return ignores


def _ignores_above(folder: Path) -> _Ignores:
    """The ignore rules of the folders above a folder named on the command line, unless they
    ignore that folder itself: then naming it is the user's request to look inside."""
    ignores = _repository_ignores(folder)
    if any(ignores.ignores(parent, True) for parent in [folder, *folder.parents][:-1]):
        return _Ignores()
    return ignores


def _is_virtualenv(folder: Path) -> bool:
    return (folder / "pyvenv.cfg").is_file()


# Exclude patterns, each group with the folder its patterns are relative to.
Excludes = tuple[tuple[Path, pathspec.GitIgnoreSpec], ...]


def excludes(*groups: tuple[Path, Iterable[str]]) -> Excludes:
    compiled = ((root, pathspec.GitIgnoreSpec.from_lines(patterns)) for root, patterns in groups)
    return tuple((root, spec) for root, spec in compiled if spec.patterns)


def _walk(folder: Path, ignores: _Ignores, excluded: Excludes, suffixes: tuple[str, ...], leftovers: bool) -> Iterator[Path]:
    ignores = ignores.with_gitignore(folder)
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError:
        return
    for entry in entries:
        if entry.is_symlink():
            continue
        path = Path(entry.path)
        is_dir = entry.is_dir()
        if is_dir and (entry.name in SKIPPED_DIRS or _is_virtualenv(path)):
            continue
        if not is_dir and not entry.name.endswith(suffixes) and not (leftovers and is_leftover(entry.name)):
            continue
        if not is_dir and not entry.is_file():  # a FIFO, socket or device: reading it could block
            continue
        if ignores.ignores(path, is_dir) or _excluded(path, is_dir, excluded):
            continue
        if is_dir:
            yield from _walk(path, ignores, excluded, suffixes, leftovers)
        else:
            yield path


def _excluded(path: Path, is_dir: bool, excluded: Excludes) -> bool:
    for root, spec in excluded:
        try:
            relative = path.relative_to(root).as_posix()
        except ValueError:
            relative = path.as_posix()
        if spec.match_file(relative + "/" if is_dir else relative):
            return True
    return False


def is_excluded(path: Path, exclude: Iterable[str], root: Path, *more: tuple[Path, Iterable[str]]) -> bool:
    """Whether the file `path` matches one of the `exclude` patterns, relative to `root` (or one
    of `more`, each patterns relative to its folder)."""
    return _excluded(path, False, excludes((root, exclude), *more))


def discover(
    paths: Iterable[Path], exclude: Iterable[str] = (), cwd: Path | None = None, exclude_root: Path | None = None,
    force_exclude: bool = False, suffixes: tuple[str, ...] = SOURCE_SUFFIXES, leftovers: bool = False,
    extend_exclude: Iterable[str] = (), extend_exclude_root: Path | None = None,
) -> Iterator[Path]:
    """Yield each file once, in command-line order, folders walked in name order (for files
    ending in `suffixes`, and with `leftovers` the temporary files an interrupted run of optfix
    left in them). `exclude` patterns are relative to `exclude_root`, `extend_exclude` patterns
    to `extend_exclude_root` (default: `cwd`, both); they apply to files named in `paths` only
    with `force_exclude` (as pre-commit names every file it checks).

    A path that does not exist is yielded as is, so that reading it reports the problem.
    """
    cwd = Path.cwd() if cwd is None else cwd
    excluded = excludes((exclude_root or cwd, exclude), (extend_exclude_root or cwd, extend_exclude))
    seen: set[object] = set()
    for given in paths:
        path = given if given.is_absolute() else cwd / given
        if path.is_dir():
            found = _walk(path, _ignores_above(path), excluded, suffixes, leftovers)
        else:
            found = iter([] if force_exclude and _excluded(path, False, excluded) else [path])
        for file in found:
            key = _identity(file)
            if key not in seen:
                seen.add(key)
                yield file


def _identity(path: Path) -> object:
    """What makes two paths one file: a symlink and its target, or two hard links, are one."""
    try:
        info = os.stat(path)
    except OSError:
        return os.path.realpath(path)
    return info.st_dev, info.st_ino
