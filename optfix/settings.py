"""Everything one invocation needs to know, gathered from the command line and the configuration."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from optfix.rulekit.rule import FixOptions


class Mode(str, Enum):
    DIFF = "diff"
    FIX = "fix"
    CHECK = "check"


class OutputFormat(str, Enum):
    TEXT = "text"
    JSON = "json"
    GITHUB = "github"
    SARIF = "sarif"


class Color(str, Enum):
    AUTO = "auto"
    ALWAYS = "always"
    NEVER = "never"


class KerasImport(str, Enum):
    """How an import of Keras that a fix needs is written."""

    KERAS = "keras"  # import keras
    TENSORFLOW = "tensorflow"  # from tensorflow import keras


def wants_color(color: Color, stream) -> bool:
    if color is Color.AUTO:
        return stream.isatty() and "NO_COLOR" not in os.environ
    return color is Color.ALWAYS


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


@dataclass(frozen=True)
class Settings:
    mode: Mode
    paths: tuple[Path, ...] = (Path("."),)
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    exclude_root: Path | None = None  # the folder `exclude` is relative to (None: the working directory)
    force_exclude: bool = False  # exclude applies to files named on the command line too
    jobs: int = field(default_factory=default_jobs)
    color: Color = Color.AUTO
    progress: bool = True
    quiet: bool = False
    unsafe_fixes: bool = False
    output_format: OutputFormat = OutputFormat.TEXT
    summary: Path | None = None  # where to write the Markdown summary
    summary_ref: str | None = None  # the commit or branch the summary's links point into (else GITHUB_SHA)
    keras_import: KerasImport = KerasImport.KERAS
    stdin_filename: Path | None = None  # the path shown for source read on stdin (paths: `-`)
    extend_select: tuple[str, ...] = ()  # rules run besides `select`
    extend_exclude: tuple[str, ...] = ()  # patterns excluded besides `exclude`
    extend_exclude_root: Path | None = None  # the folder they are relative to (None: the working directory)
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (pattern, rule ids not run on files it matches)
    per_file_ignores_root: Path | None = None
    exit_zero: bool = False  # exit 0 where changes or findings would make it 1
    exit_non_zero_on_fix: bool = False  # `fix` exits 1 when it changed a file
    statistics: bool = False  # count changes and findings by rule
    show_settings: bool = False  # print these settings and stop
    config_path: Path | None = None  # the pyproject.toml read (None: none)
    source: str | None = None  # --source: the version the code was written for (None: read the project's declarations)
    source_origin: str = "--source"  # where `source` was given

    @property
    def fix_options(self) -> FixOptions:
        return FixOptions(self.unsafe_fixes, self.keras_import.value, self.source)

    @property
    def reads_stdin(self) -> bool:
        return Path("-") in self.paths
