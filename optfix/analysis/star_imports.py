"""What a star import of a module of the project's own binds in the importing file, read from that
module's source with `ast` (never run): `from .imports import *`, where imports.py says
`from tensorflow.keras import backend as K`, binds `K` to `tensorflow.keras.backend` as that
import would.

The names a star import binds are the module's `__all__` when it declares one (a list or tuple of
strings, assigned once), else its module-level names not starting with `_`. Each is bound to what its
last binding outside any `if`, `try` or loop (a later one replaces it), and every binding of it
after that, agree on: an import's path (`tensorflow`, `numpy.linalg`), or a
Keras name through another project module (project_imports.py); where the branches of an `if` or
a `try` import different Keras roots for the same member, the Keras name spelled from `keras`.
Any other name the module binds (a function, an assignment optfix cannot read, different things in
different branches) is bound to something unknown: the importing file cannot trust it. The
module's own star imports of project modules count as the names they bind; one of any other
module may bind names optfix cannot list, so of the names bound before it, none is told, and of
those it binds, only the ones optfix knows a Keras optimizer namespace to export (`Adam` of
`from keras.optimizers import *`). A module
that cannot be found, read or parsed, or whose `__all__` optfix cannot read, tells nothing: the
names stay as they are without it.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

from optfix.analysis.bindings import STAR
from optfix.analysis.project_imports import bindings_and_stars, is_project_path, parsed_module, resolve
from optfix.knowledge.keras import star_exported
from optfix.knowledge.namespaces import KERAS_ROOTS, keras_member

_MAX_DEPTH = 8  # project modules star-importing each other, or in a cycle
# A star import's module in a file's bytes: `from .imports import *`, `from pkg.common import *`.
_STAR_IMPORT = re.compile(rb"^[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import ?\*", re.MULTILINE)


def is_project_star(importer: Path, module: str) -> bool:
    """Is `from module import *` in the file `importer` a star import of a project module?"""
    return bool(module) and is_project_path(importer, module)


def star_bindings(importer: Path, module: str, depth: int = 0) -> dict[str, str | None] | None:
    """The names `from module import *` binds in the file `importer`, each with the dotted name it
    stands for (None: something optfix cannot prove); None when the module tells nothing."""
    found = resolve(importer, module).module
    return None if found is None or depth >= _MAX_DEPTH else _exported(found, depth)


@cache
def _exported(module: Path, depth: int) -> dict[str, str | None] | None:
    read = bindings_and_stars(module)
    tree = parsed_module(module)
    if isinstance(read, str) or isinstance(tree, str):
        return None
    declared = _declared_all(tree)
    if declared is None:
        return None
    values = {name: list(bound) for name, bound in read[0].items()}
    unknown_until = 0  # the line of the last star import that may bind names optfix cannot list
    for star in read[1]:
        source = star_module(star.imported)
        nested = star_bindings(module, source, depth + 1) if is_project_star(module, source) else None
        if nested is None:
            unknown_until = star.line
            nested = {name: f"{source}.{name}" for name in star_exported(keras_member(source))}
        for name, value in nested.items():
            values.setdefault(name, []).append((value, star.line))
    public = declared if declared else [name for name in values if not name.startswith("_")]
    certain = _unconditional_lines(tree)
    values = {name: _since_last_certain(bound, certain) for name, bound in values.items()}
    return {name: _value(module, values[name]) for name in public
            if name in values and all(line >= unknown_until for _, line in values[name])}


def _unconditional_lines(tree: ast.Module) -> set[int]:
    """The lines of the module-level statements that always bind what they bind when the module
    runs: imports, assignments, definitions; not those in an `if`, a `try` or a loop."""
    kinds = (ast.Import, ast.ImportFrom, ast.Assign, ast.AnnAssign, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return {statement.lineno for statement in tree.body if isinstance(statement, kinds)}


def _since_last_certain(values: list[tuple[str | None, int]], certain: set[int]) -> list[tuple[str | None, int]]:
    """The bindings of one name from its last unconditional one on, which replaces those before
    it (all of them where none is unconditional)."""
    ordered = sorted(values, key=lambda value: value[1])
    last = max((index for index, (_, line) in enumerate(ordered) if line in certain), default=0)
    return ordered[last:]


def star_module(imported: str) -> str:
    """`.imports` for the `.imports.*` a star import binds, `..` for `..*`."""
    module = imported.removesuffix(STAR)
    return module[:-1] if module.strip(".") else module


def _declared_all(tree: ast.Module) -> list[str] | None:
    """The names of the module's `__all__` ([] when it has none); None when optfix cannot read it."""
    assignments = [statement for statement in ast.walk(tree)
                   if isinstance(statement, (ast.Assign, ast.AugAssign, ast.AnnAssign))
                   and any(isinstance(t, ast.Name) and t.id == "__all__" for t in _targets(statement))]
    if not assignments:
        return []
    statement = assignments[0]
    if len(assignments) > 1 or not isinstance(statement, ast.Assign) or not isinstance(statement.value, (ast.List, ast.Tuple)):
        return None
    names = [element.value for element in statement.value.elts if isinstance(element, ast.Constant)]
    if len(names) != len(statement.value.elts) or not all(isinstance(name, str) for name in names):
        return None
    return names or None  # an empty __all__ exports nothing: read as unknown rather than as "no __all__"


def _targets(statement: ast.stmt) -> list[ast.expr]:
    return statement.targets if isinstance(statement, ast.Assign) else [statement.target]


def _value(module: Path, values: list[tuple[str | None, int]]) -> str | None:
    """What every binding of one name agrees on, or None."""
    paths = set()
    for value, _ in values:
        if value is None:
            return None
        if is_project_path(module, value):
            value = resolve(module, value, 1).qualified
            if value is None:
                return None
        paths.add(value)
    if len(paths) == 1:
        return paths.pop()
    members = {"" if path in KERAS_ROOTS else keras_member(path) for path in paths}
    if len(members) != 1 or None in members:
        return None
    member = members.pop()
    return f"keras.{member}" if member else "keras"


def equivalent_imports(importer: Path, data: bytes) -> bytes:
    """For a prefilter reading bytes: the import statements that the star imports of project
    modules in `data` stand for, one a line (empty when there are none)."""
    if b"import *" not in data and b"import*" not in data:  # every file passes here: substrings first
        return b""
    lines = []
    for match in _STAR_IMPORT.finditer(data):
        module = match.group(1).decode("ascii", "replace")
        if not is_project_star(importer, module):
            continue
        for name, path in (star_bindings(importer, module) or {}).items():
            if path is not None:
                lines.append(_import_line(name, path))
    return "".join(lines).encode()


# A name used as Keras's or TensorFlow's namespace, which a star import may be what binds.
_NAMESPACE_USE = re.compile(rb"\b(?:keras|tensorflow|tf|K|optimizers)\s*\.\s*[A-Za-z_]")


def may_reach_unread_names(importer: Path, data: bytes) -> bool:
    """For the bytes stage: a file that reads Keras-like namespaces (`K.`, `keras.`, `tf.`) and
    star-imports a project module optfix cannot read, which may be what binds them."""
    return b"import" in data and b"*" in data and _NAMESPACE_USE.search(data) is not None and bool(unread_star_imports(importer, data))


def unread_star_imports(importer: Path, data: bytes) -> list[tuple[int, str, str]]:
    """The star imports of project modules in `data` that tell nothing: (line, module, why), so
    that the names reached through them, which no rule can check, are said to be unchecked."""
    if b"import *" not in data and b"import*" not in data:
        return []
    found = []
    for match in _STAR_IMPORT.finditer(data):
        module = match.group(1).decode("ascii", "replace")
        if is_project_star(importer, module) and star_bindings(importer, module) is None and not _compiled(importer, module):
            found.append((data.count(b"\n", 0, match.start()) + 1, module, _why_unread(importer, module)))
    return found


def _compiled(importer: Path, module: str) -> bool:
    """A relative import of an extension module or a stub (`from ._ext import *` beside `_ext.*.so`):
    not Python source, and no place to import Keras from."""
    level = len(module) - len(module.lstrip("."))
    parts = module[level:].split(".")
    if not level or not parts[-1]:
        return False
    folder = importer.parent.joinpath(*([".."] * (level - 1)), *parts[:-1])
    return any(path.suffix in (".so", ".pyd", ".pyi") for path in folder.glob(parts[-1] + ".*"))


def _why_unread(importer: Path, module: str) -> str:
    found = resolve(importer, module).module
    if found is None:
        return "is not found"
    for read in (parsed_module(found), bindings_and_stars(found)):
        if isinstance(read, str):
            return read
    return "declares an __all__ optfix cannot read" if _declared_all(parsed_module(found)) is None else "re-exports too deeply"


def _import_line(name: str, path: str) -> str:
    module, _, member = path.rpartition(".")
    return f"from {module} import {member} as {name}\n" if module else f"import {path} as {name}\n"
