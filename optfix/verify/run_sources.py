"""The modules one `optfix verify` run migrates, each once: a module is migrated with the run's
other files known (a base class and its subclasses of several modules migrate together), and a
verified module that imports another migrated module of the run runs on that module's code, the
original beside the original and the migration beside the migration."""

from __future__ import annotations

import ast
from pathlib import Path

from optfix.analysis.bindings import from_module
from optfix.analysis.project_imports import is_project_path, module_file
from optfix.engine.journey import process_bytes
from optfix.files.source import DecodeError, decode
from optfix.findings import FileResult
from optfix.rulekit.rule import FixOptions
from optfix.rulekit.run_files import RunFiles


class RunSources:
    def __init__(self, files: list[Path], rules: list, unsafe_fixes: bool = False) -> None:
        self.rules, self.options = rules, FixOptions(unsafe_fixes=unsafe_fixes, run=RunFiles.of(files))
        self._results: dict[Path, FileResult] = {}

    def result(self, path: Path, data: bytes) -> FileResult:
        key = path.resolve()
        if key not in self._results:
            self._results[key] = process_bytes(path, data, self.rules, self.options)
        return self._results[key]

    def imported(self, path: Path, tree: ast.Module) -> tuple[dict[str, str], dict[str, str]]:
        """The original and the migrated code of the modules of the run that the module `path`
        (its `tree`) imports and that the run migrates, by their files' resolved paths."""
        originals, migrated = {}, {}
        for statement in ast.walk(tree):
            if isinstance(statement, ast.ImportFrom):
                dotted = from_module(statement)
            elif isinstance(statement, ast.Import):
                dotted = statement.names[0].name
            else:
                continue
            file = module_file(path, dotted) if dotted and is_project_path(path, dotted) else None
            if file is None or file.resolve() == path.resolve() or not self.options.run.runs("get-updates", file):
                continue
            try:
                data = file.read_bytes()
                result = self.result(file, data)
                if result.changed:
                    originals[str(file.resolve())], migrated[str(file.resolve())] = decode(data).text, decode(result.updated).text
            except (OSError, DecodeError):
                continue
        return originals, migrated
