"""Where the other modules of a project build on a module-level name of one of its modules: a
class statement that derives from it, a call that is given it (`AdamW =
extend_with_weight_decay(Adam)`), or a call of it, in a module that imports it (`from .base import _Base`,
`from pkg.base import *`, `import pkg.base as b` then `b._Base`).

The project is every `.py` file under the folder that holds the module's outermost package,
hidden folders, virtual environments and installed packages aside (for a module outside any
package, the files beside it: only they import it by its name); each file is read with `ast`, never run, and only where its text holds
the name. A file that cannot be read or parsed builds on nothing, as far as this module knows.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from optfix.analysis.ast_nodes import every_node, quiet_parse
from optfix.analysis.bindings import from_module, import_bindings
from optfix.analysis.project_imports import module_file, package_root, parsed_module

_SKIPPED_FOLDERS = {"__pycache__", "node_modules", "site-packages", "dist-packages"}


@dataclass(frozen=True)
class Use:
    """A statement of another module that builds on the name."""

    path: Path
    line: int
    kind: str  # "subclass": a class statement derives from it; "argument": a call is given it; "call": it is called
    what: str  # the class statement's class, or the function called, as written

    def shown(self, beside: Path) -> str:
        """`pkg/momentum.py:7`, relative to the folder of the project of the module `beside`."""
        return f"{shown_in_project(self.path, beside)}:{self.line}"


def shown_in_project(file: Path, beside: Path) -> str:
    """`pkg/momentum.py`: the file, relative to the folder of the project of the module `beside`."""
    try:
        return file.absolute().relative_to(package_root(beside.absolute())).as_posix()
    except ValueError:
        return str(file)


def uses(module: Path, name: str, containing: str | None = None) -> tuple[Use, ...]:
    """The statements of the project's other modules that derive from, call something with, or
    call the module-level `name` of `module`, in file order; with `containing`, only in the files
    whose text holds that word (each file read once for it, however many names are asked)."""
    module = module.absolute()
    found: list[Use] = []
    in_package = (module.parent / "__init__.py").is_file()
    root = package_root(module)
    for path in _files_holding(root, in_package, containing) if containing else project_files(root, recursive=in_package):
        if path != module:
            found += _uses_in(path, module, name)
    return tuple(found)


@cache
def _files_holding(root: Path, recursive: bool, word: str) -> tuple[Path, ...]:
    held = []
    for path in project_files(root, recursive):
        try:
            if word in path.read_text(encoding="utf-8", errors="replace"):
                held.append(path)
        except OSError:
            continue
    return tuple(held)


@cache
def project_files(root: Path, recursive: bool = True) -> tuple[Path, ...]:
    """The `.py` files under `root` (only those in it, not `recursive`), in name order."""
    files = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(s for s in subfolders if recursive and not s.startswith(".") and s not in _SKIPPED_FOLDERS
                               and not (Path(folder) / s / "pyvenv.cfg").exists())
        files += [Path(folder) / n for n in sorted(names) if n.endswith(".py")]
    return tuple(files)


@cache
def _uses_in(path: Path, module: Path, name: str) -> tuple[Use, ...]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ()
    if name not in text:
        return ()
    try:
        tree = quiet_parse(text)
    except (SyntaxError, ValueError):
        return ()
    direct, through = _bindings(tree, path, module, name)
    if not direct and not through:
        return ()

    def names_it(node: ast.expr) -> bool:
        return (isinstance(node, ast.Name) and node.id in direct
                or isinstance(node, ast.Attribute) and node.attr == name and ast.unparse(node.value) in through)

    found = []
    for node in every_node(tree):
        if isinstance(node, ast.ClassDef) and any(names_it(base) for base in node.bases):
            found.append(Use(path, node.lineno, "subclass", node.name))
        elif isinstance(node, ast.Call) and names_it(node.func):
            found.append(Use(path, node.lineno, "call", ast.unparse(node)))
        elif isinstance(node, ast.Call) and any(names_it(arg) for arg in [*node.args, *(k.value for k in node.keywords)]):
            found.append(Use(path, node.lineno, "argument", ast.unparse(node.func)))
    return tuple(found)


def _bindings(tree: ast.Module, path: Path, module: Path, name: str) -> tuple[set[str], set[str]]:
    """The names the file binds to `name` itself, and the dotted names (`b`, `pkg.base`) it reads
    `module` by, through its imports."""
    direct: set[str] = set()
    through: set[str] = set()
    for statement in every_node(tree):
        if isinstance(statement, ast.ImportFrom):
            if _is(path, from_module(statement), module):
                direct |= {alias.asname or name for alias in statement.names if alias.name in (name, "*")}
            through |= {b.name for b in import_bindings(statement) if _is(path, b.imported, module)}
        elif isinstance(statement, ast.Import):
            through |= {alias.asname or alias.name for alias in statement.names if _is(path, alias.name, module)}
    return direct, through


def _is(importer: Path, dotted: str | None, module: Path) -> bool:
    if not dotted:
        return False
    try:
        found = module_file(importer, dotted)
    except (OSError, ValueError):
        return False
    return found is not None and found.absolute() == module


def is_class_factory(module: Path, name: str) -> bool:
    """Whether the module-level function `name` of the project module `module` makes a class that
    derives from one of its parameters (`def extend_with_x(Base): class New(Base): ...`)."""
    tree = parsed_module(module)
    if isinstance(tree, str):
        return False
    for function in tree.body:
        if isinstance(function, ast.FunctionDef) and function.name == name:
            parameters = {a.arg for a in [*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs]}
            return any(isinstance(node, ast.ClassDef) and any(isinstance(b, ast.Name) and b.id in parameters for b in node.bases)
                       for node in ast.walk(function))
    return False
