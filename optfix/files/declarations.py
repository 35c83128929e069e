"""The packages a project declares it needs, read from its own files, never by running them.

From each checked path up to the project's root (the first folder holding pyproject.toml,
setup.py, setup.cfg or .git), every folder's `requirements*.txt`, `setup.py` (`install_requires`,
read with `ast`), `setup.cfg` (`[options] install_requires`), `pyproject.toml` (`[project]
dependencies`, `[tool.poetry.dependencies]`), `Pipfile` (`[packages]`) and `environment.yml`
(conda and pip entries, optfix.files.environment_yml) are read. Each requirement comes out as PEP
508 text: Poetry's `^`/`~` and conda's `name=version` are written as the ranges they stand for.
"""

from __future__ import annotations

import ast
import configparser
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from optfix.files.environment_yml import environment_requirements

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")
_READABLE_LIMIT = 2 * 2**20  # a declaration file is small; a larger one is not read


@dataclass(frozen=True)
class Declaration:
    file: Path  # the file it is written in
    requirement: str  # PEP 508: `keras==2.2.4`
    written: str  # as the file spells it, for messages


def project_folders(paths: tuple[Path, ...]) -> list[Path]:
    """The folders from each path up to its project's root, nearest first, each once."""
    folders: list[Path] = []
    starts = set()
    for path in paths:
        start = path.resolve()
        start = start if start.is_dir() else start.parent
        if start in starts:  # many files of one folder (pre-commit names each)
            continue
        starts.add(start)
        chain = [start, *start.parents]
        root = next((i for i, folder in enumerate(chain) if any((folder / marker).exists() for marker in ROOT_MARKERS)), None)
        for folder in chain[: 1 if root is None else root + 1]:
            if folder not in folders:
                folders.append(folder)
    return folders


def declarations(paths: tuple[Path, ...]) -> list[Declaration]:
    found = []
    for folder in project_folders(paths):
        for file in _declaration_files(folder):
            text = _text(file)
            if text is not None:
                found += [Declaration(file, requirement, written) for requirement, written in _READERS[_kind(file)](text)]
    return found


def _declaration_files(folder: Path) -> list[Path]:
    names = ["setup.py", "setup.cfg", "pyproject.toml", "Pipfile", "environment.yml", "environment.yaml"]
    files = [folder / name for name in names]
    try:
        files += sorted(folder.glob("requirements*.txt"))
    except OSError:
        pass
    return [file for file in files if file.is_file()]


def _kind(file: Path) -> str:
    return "requirements" if file.name.startswith("requirements") else file.suffix.lstrip(".") or file.name


def _text(file: Path) -> str | None:
    try:
        if file.stat().st_size > _READABLE_LIMIT:
            return None
        return file.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _requirements(text: str) -> list[tuple[str, str]]:
    found = []
    for line in text.splitlines():
        line = re.sub(r"(^|\s)#.*", "", line).split(" --")[0].strip()  # no comment, no `--hash=...`
        if line and not line.startswith(("-", "git+", "http:", "https:", "file:")):
            found.append((line, line))
    return found


def _setup_py(text: str) -> list[tuple[str, str]]:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    assigned = {target.id: node.value for node in tree.body if isinstance(node, ast.Assign)
                for target in node.targets if isinstance(target, ast.Name)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == "install_requires":
                    value = keyword.value
                    if isinstance(value, ast.Name):
                        value = assigned.get(value.id, value)
                    if isinstance(value, (ast.List, ast.Tuple)):
                        found += [(item.value, item.value) for item in value.elts
                                  if isinstance(item, ast.Constant) and isinstance(item.value, str)]
    return found


def _setup_cfg(text: str) -> list[tuple[str, str]]:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error:
        return []
    listed = parser.get("options", "install_requires", fallback="")
    return _requirements(listed)


def _toml(text: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return {}


def _pyproject(text: str) -> list[tuple[str, str]]:
    document = _toml(text)
    project = document.get("project")
    found = []
    if isinstance(project, dict) and isinstance(project.get("dependencies"), list):
        found += [(item, item) for item in project["dependencies"] if isinstance(item, str)]
    poetry = document.get("tool", {}).get("poetry", {}) if isinstance(document.get("tool"), dict) else {}
    if isinstance(poetry, dict) and isinstance(poetry.get("dependencies"), dict):
        found += _named_versions(poetry["dependencies"], poetry_syntax=True)
    return found


def _pipfile(text: str) -> list[tuple[str, str]]:
    packages = _toml(text).get("packages")
    return _named_versions(packages, poetry_syntax=False) if isinstance(packages, dict) else []


def _named_versions(table: dict, poetry_syntax: bool) -> list[tuple[str, str]]:
    """`name = "version"` or `name = {version = "..."}` entries."""
    found = []
    for name, value in table.items():
        version = value.get("version") if isinstance(value, dict) else value
        if not isinstance(version, str) or name == "python":
            continue
        written = f'{name} = "{version}"'
        specifier = _poetry(version) if poetry_syntax else ("" if version.strip() == "*" else version)
        found.append((f"{name}{specifier}", written))
    return found


def _poetry(version: str) -> str:
    """Poetry's constraint syntax as PEP 440 specifiers: `^2.2.4` is >=2.2.4,<3.0.0, `~2.2.4`
    >=2.2.4,<2.3.0, a bare version an exact pin, `*` anything."""
    parts = []
    for constraint in (piece.strip() for piece in version.split(",")):
        if constraint in ("", "*"):
            continue
        if constraint[0] in "^~" and not constraint.startswith("~="):
            numbers = [int(n) for n in re.findall(r"\d+", constraint[1:])][:3] or [0]
            if constraint[0] == "^":
                significant = next((i for i, n in enumerate(numbers) if n), len(numbers) - 1)
            else:
                significant = min(1, len(numbers) - 1) if len(numbers) > 1 else 0
            upper = numbers[:significant] + [numbers[significant] + 1]
            parts.append(f">={constraint[1:]},<{'.'.join(map(str, upper))}")
        elif constraint[0].isdigit():
            parts.append(f"=={constraint}")
        else:
            parts.append(constraint)
    return ",".join(parts)


_READERS = {
    "requirements": _requirements,
    "py": _setup_py,
    "cfg": _setup_cfg,
    "toml": _pyproject,
    "Pipfile": _pipfile,
    "yml": environment_requirements,
    "yaml": environment_requirements,
}
