"""The project's own modules a verified file imports, as stand-ins that hold only what optfix
proved Keras (optfix/analysis/project_imports.py): `from .backend import keras, backend as K` gets the
numpy Keras 2 backend on the original's side and Keras 3 on the migrated side, and the user's
backend.py is never run. A name of such a module that the file imports and never reads (a flag
such as keras-bert's `TF_KERAS`) is a placeholder, since its value cannot matter; any other name of
it, and any other module of the project, is missing: the file's import of it fails, and verify
says so.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import types
from pathlib import Path

from optfix.analysis.bindings import STAR, from_module, import_bindings
from optfix.analysis.project_imports import is_project_path, keras_names, module_file



_LOOSE = "_optfix_verified"  # the package of a file in a folder that is not one


def module_name(path: Path) -> tuple[str, str]:
    """The file's module name and package: its folders up to the outermost one with an
    `__init__.py`, or, in a folder without one, a package of optfix's naming, so that relative
    imports of the modules beside it work as in a namespace package."""
    folder = path.resolve().parent
    if not (folder / "__init__.py").is_file():
        return f"{_LOOSE}.{path.stem}", _LOOSE
    parts = [folder.name, path.stem]
    while (folder.parent / "__init__.py").is_file() and folder.parent != folder:
        folder = folder.parent
        parts.insert(0, folder.name)
    return ".".join(parts), ".".join(parts[:-1])


def stand_ins(path: Path, source: str, package: str, sources: dict[str, str] | None = None) -> dict[str, types.ModuleType]:
    """`sys.modules` entries for the project modules `source` (the code of `path`, in `package`)
    imports: each with the Keras objects its proven names stand for, as imported now (inside
    legacy_modules(), the numpy stand-in), and its parent packages, empty but for their children.
    A module whose code `sources` holds (by its file's resolved path: a module of the verified
    run that get-updates migrated with this one, a base class's) is that code, executed now, on
    its own imports' stand-ins."""
    modules: dict[str, types.ModuleType] = {}
    tree = ast.parse(source)
    imports = [node for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))]
    for statement in imports:
        for dotted, absolute in _imported_modules(statement, package):
            if not is_project_path(path, dotted):
                continue
            file = module_file(path, dotted)
            if file is None:
                continue
            if sources and str(file.resolve()) in sources and absolute not in modules:
                modules.update(_executed(file, absolute, sources))
                continue
            module = types.ModuleType(absolute, f"optfix verify's stand-in for {file.name}")
            if file.name == "__init__.py":
                module.__path__ = []
            for name, qualified in keras_names(file).items():
                with contextlib.suppress(Exception):
                    setattr(module, name, _keras_object(qualified))
            modules[absolute] = module
    _unread_names_as_placeholders(imports, modules, package, _read_names(tree))
    for absolute in list(modules):
        parts = absolute.split(".")
        for count in range(len(parts) - 1, 0, -1):
            parent = ".".join(parts[:count])
            if parent not in modules:
                modules[parent] = types.ModuleType(parent)
                modules[parent].__path__ = []  # a package none of whose other modules can be imported
            setattr(modules[parent], parts[count], modules[".".join(parts[: count + 1])])
    return modules


def _executed(file: Path, absolute: str, sources: dict[str, str]) -> dict[str, types.ModuleType]:
    """The module `absolute` run from the code `sources` holds for `file`, and the stand-ins it imports."""
    from optfix.verify.legacy_keras import installed

    text = sources[str(file.resolve())]
    others = {key: value for key, value in sources.items() if key != str(file.resolve())}  # no import cycle back to it
    package = absolute.rpartition(".")[0] if file.name != "__init__.py" else absolute
    module = types.ModuleType(absolute)
    module.__file__, module.__package__ = str(file), package
    found = stand_ins(file, text, package, others)
    with installed({**found, absolute: module}):
        exec(compile(text, str(file), "exec"), module.__dict__)
    return {**found, absolute: module}


class _Unread:
    """The value of a name the verified file imports from a project module and never reads."""

    def __repr__(self) -> str:
        return "<a name the file never reads (optfix verify)>"


def _read_names(tree: ast.Module) -> set[str]:
    """The names the module reads, and those its `__all__` lists (read by a star import)."""
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Store)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            names |= {c.value for c in ast.walk(node.value) if isinstance(c, ast.Constant) and isinstance(c.value, str)}
    return names


def _unread_names_as_placeholders(imports: list, modules: dict[str, types.ModuleType], package: str, read: set[str]) -> None:
    for statement in imports:
        if not isinstance(statement, ast.ImportFrom):
            continue
        [(_, absolute), *_] = _imported_modules(statement, package) or [(None, None)]
        module = modules.get(absolute)
        for alias in statement.names if module is not None else ():
            if alias.name != "*" and (alias.asname or alias.name) not in read and not hasattr(module, alias.name):
                setattr(module, alias.name, _Unread())


def _imported_modules(statement: ast.Import | ast.ImportFrom, package: str) -> list[tuple[str, str]]:
    """(as the import table spells it, absolute name) of each module an import statement may load."""
    bindings = import_bindings(statement)
    if isinstance(statement, ast.Import):
        return [(binding.imported, binding.imported) for binding in bindings]
    dotted = from_module(statement)
    if statement.level:
        base_parts = package.split(".")
        if statement.level - 1 >= len(base_parts):
            return []
        absolute = ".".join(base_parts[: len(base_parts) - (statement.level - 1)] + ([statement.module] if statement.module else []))
    else:
        absolute = dotted
    found = [(dotted, absolute)]
    # `from . import backend`: the names may be submodules
    found += [(binding.imported, f"{absolute}.{alias.name}")
              for binding, alias in zip(bindings, statement.names) if binding.name != STAR]
    return found


def _keras_object(qualified: str):
    """`keras.optimizers.Optimizer`, imported: the longest importable prefix, then attributes."""
    parts = qualified.split(".")
    for count in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:count]))
        except ImportError:
            continue
        for attribute in parts[count:]:
            found = getattr(found, attribute)
        return found
    raise ImportError(qualified)
