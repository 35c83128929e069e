"""Defaults from `[tool.optfix]` in a pyproject.toml, overridden by the command line.

The file is the first pyproject.toml with a `[tool.optfix]` table in the working directory or a
folder above it, up to the repository root (a folder holding `.git`) or the filesystem root.
Keys are spelled as on the command line (`unsafe-fixes`); `exclude`, `extend-exclude` and
`per-file-ignores` patterns are relative to the folder of the pyproject.toml. A flag given on
the command line replaces the key's value.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from optfix.settings import Color, KerasImport, Mode, Settings

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib


class ConfigError(Exception):
    pass


@dataclass(frozen=True)
class Config:
    path: Path | None = None  # the pyproject.toml the values come from
    values: dict[str, Any] = field(default_factory=dict)  # Settings field names, validated


def _strings(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    return None


def _rule_ids(value: Any) -> tuple[str, ...] | None:
    from optfix.engine.registry import rules_by_id

    ids = _strings(value)
    if ids is None:
        return None
    unknown = sorted(set(ids) - set(rules_by_id()))
    if unknown:
        raise ValueError(f"unknown rule {', '.join(map(repr, unknown))}; `optfix rules` lists them")
    return ids


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _jobs(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    if value < 1:
        raise ValueError(f"must be at least 1, not {value}")
    return value


def _choice(kind):
    def parse(value: Any):
        choices = [member.value for member in kind]
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(map(repr, choices))}, not {value!r}")
        return kind(value)

    return parse


def _source(value: Any) -> str | None:
    from optfix.rulekit.source import check_source

    return check_source(value) if isinstance(value, str) else None


def _per_file_ignores(value: Any) -> tuple[tuple[str, tuple[str, ...]], ...] | None:
    if not isinstance(value, dict):
        return None
    entries = []
    for pattern, ids in value.items():
        parsed = _rule_ids(ids)
        if parsed is None:
            raise ValueError(f"{pattern!r} must map to a list of rule ids, not {ids!r}")
        entries.append((pattern, parsed))
    return tuple(entries)


# key -> (Settings field, parser returning None for a value of the wrong type, what it expects)
KEYS = {
    "select": ("select", _rule_ids, "a list of rule ids"),
    "extend-select": ("extend_select", _rule_ids, "a list of rule ids"),
    "ignore": ("ignore", _rule_ids, "a list of rule ids"),
    "exclude": ("exclude", _strings, "a list of gitignore-style patterns"),
    "extend-exclude": ("extend_exclude", _strings, "a list of gitignore-style patterns"),
    "per-file-ignores": ("per_file_ignores", _per_file_ignores, "a table of gitignore-style pattern = [rule ids]"),
    "force-exclude": ("force_exclude", _flag, "true or false"),
    "unsafe-fixes": ("unsafe_fixes", _flag, "true or false"),
    "jobs": ("jobs", _jobs, "an integer"),
    "color": ("color", _choice(Color), "a string"),
    "progress": ("progress", _flag, "true or false"),
    "keras-import": ("keras_import", _choice(KerasImport), "a string"),
    "source": ("source", _source, "a string"),
}


def read_table(path: Path) -> dict[str, Any] | None:
    """The `[tool.optfix]` table of a pyproject.toml, or None if it has none."""
    try:
        if path.exists() and not path.is_file():  # a FIFO or device could block or never end
            raise ConfigError(f"{path}: cannot read: not a regular file")
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read: {getattr(error, 'strerror', None) or error}") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        where = re.search(r" \(at line (\d+), column (\d+)\)$", message)
        if where:
            message = message[: where.start()]
            raise ConfigError(f"{path}:{where[1]}:{where[2]}: not valid TOML: {message}") from None
        raise ConfigError(f"{path}: not valid TOML: {message}") from None
    tool = document.get("tool")
    table = tool.get("optfix") if isinstance(tool, dict) else None
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{path}: tool.optfix must be a table")
    return table


def parse(path: Path, table: dict[str, Any]) -> Config:
    values = {}
    for key, value in table.items():
        if key not in KEYS:
            raise ConfigError(f"{path}: [tool.optfix] unknown key {key!r}; known keys: {', '.join(KEYS)}")
        name, read, expected = KEYS[key]
        try:
            parsed = read(value)
        except ValueError as error:
            raise ConfigError(f"{path}: [tool.optfix] {key}: {error}") from None
        if parsed is None:
            raise ConfigError(f"{path}: [tool.optfix] {key} must be {expected}, not {value!r}")
        values[name] = parsed
    for patterns, root in (("exclude", "exclude_root"), ("extend_exclude", "extend_exclude_root"),
                           ("per_file_ignores", "per_file_ignores_root")):
        if patterns in values:
            values[root] = path.parent
    return Config(path, values)


def find(start: Path) -> Config:
    """The configuration in force in folder `start` (empty if no file has a [tool.optfix] table)."""
    for folder in [start, *start.parents]:
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            table = read_table(candidate)
            if table is not None:
                return parse(candidate, table)
        if (folder / ".git").exists():
            break
    return Config()


def load(cwd: Path, path: Path | None = None, isolated: bool = False) -> Config:
    if isolated and path is not None:
        raise ConfigError("--config and --isolated cannot be used together")
    if isolated:
        return Config()
    if path is not None:
        path = Path(os.path.abspath(cwd / path))  # its folder anchors `exclude`
        return parse(path, read_table(path) or {})
    return find(cwd)


def settings(mode: Mode, given: dict[str, Any], config: Config) -> Settings:
    """One Settings: each option given on the command line (not None) over the configuration."""
    values = {**config.values, "config_path": config.path}
    for patterns, root in (("exclude", "exclude_root"), ("extend_exclude", "extend_exclude_root")):
        if given.get(patterns) is not None:
            values.pop(root, None)  # command-line patterns are relative to the working directory
    if given.get("source") is None and "source" in values:
        values["source_origin"] = f"[tool.optfix] in {config.path}"
    values.update({name: value for name, value in given.items() if value is not None})
    return Settings(mode=mode, **values)
