"""What a name imported from a module of the project's own stands for, read from that module's
source with `ast` (never run): `from .backend import keras, backend as K`, where backend.py picks
keras or tf.keras from an environment variable, makes `K` Keras's backend.

A project module is found from the importing file: a relative import counts from the file's
folder; an absolute one is looked for beside the file, then from the root of its package (the
folder above the outermost folder holding an `__init__.py`), except Keras and TensorFlow
themselves. `from . import x` reads the submodule x.py if there is one, else the package's
`__init__.py`. Inside the module, a name is Keras when every module-level binding of it, in any
branch of an `if` or a `try`, is Keras: an import (`import keras`, `from tensorflow import
keras`), an attribute of a name that is Keras (`backend = keras.backend`, `keras = tf.keras`), or
an import from another project module that is. Anything else proves nothing: a binding by any
other statement, a `global` of the name, a star import, a module that is not found, cannot be
read or parsed. Each module is read once per process.
"""

from __future__ import annotations

import ast
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from optfix.analysis.bindings import STAR, Binding, module_level_bindings
from optfix.knowledge.namespaces import KERAS_ROOTS, keras_member

# Absolute imports that are never the project's: Keras itself.
_NOT_PROJECT = {root.split(".")[0] for root in KERAS_ROOTS}
_MAX_DEPTH = 8  # project modules re-exporting from each other, or in a cycle


@dataclass(frozen=True)
class Resolution:
    """What a dotted import path stands for: `keras...` (a Keras name, spelled from the `keras`
    root), None with the reason it is not proven, or `module` for a project module itself."""

    qualified: str | None
    reason: str = ""
    module: Path | None = None

    def extended(self, attributes: list[str]) -> Resolution:
        if self.qualified is None or not attributes:
            return self
        return Resolution(".".join([self.qualified, *attributes]))


def is_project_path(importer: Path, dotted: str) -> bool:
    """Is this dotted import path, in the file `importer`, into a module of the project's own?
    Relative ones are; an absolute one if a module its first name names is found."""
    return dotted.startswith(".") or _is_project_module(importer, dotted.split(".")[0])


@cache
def _is_project_module(importer: Path, head: str) -> bool:
    return head not in _NOT_PROJECT and _module([head], _folders(importer), relative=False) is not None


def _folders(importer: Path) -> list[Path]:
    """Where absolute imports of the project's modules are looked for."""
    return list(dict.fromkeys([importer.parent, package_root(importer)]))


def resolve(importer: Path, dotted: str, depth: int = 0) -> Resolution:
    """What `dotted` (`.backend.keras`, `pkg.backend.backend`, as an import table spells a name's
    binding) stands for in the file `importer`. A path that names no project module is returned
    as it is (`numpy.sqrt`); only a relative one that names none is unproven."""
    if depth >= _MAX_DEPTH:
        return Resolution(None, f"{dotted}: project modules re-export from each other too deeply")
    level = len(dotted) - len(dotted.lstrip("."))
    parts = [part for part in dotted[level:].split(".") if part]
    if level:
        folder = importer.parent
        for _ in range(level - 1):
            folder = folder.parent
        found = _module(parts, [folder], relative=True)
        if found is None:
            return Resolution(None, f"{dotted.rsplit('.', 1)[0] or dotted} is not found beside {importer.name}")
    else:
        if not is_project_path(importer, dotted):
            return Resolution(dotted)
        found = _module(parts, _folders(importer), relative=False)
        if found is None:
            return Resolution(dotted)
    path, rest = found
    if level and path == folder / "__init__.py" and len(parts) > 1:
        resolved = _binding(path, rest[0], depth).extended(rest[1:])
        if resolved.qualified is None:
            return Resolution(None, f"{'.' * level}{parts[0]} is not found beside {importer.name}")
        return resolved
    if not rest:
        return Resolution(None, f"{dotted} is a module of the project, not a Keras name", path)
    return _binding(path, rest[0], depth).extended(rest[1:])


def module_file(importer: Path, dotted: str) -> Path | None:
    """The file of the project module `dotted` (`.backend`, `pkg.backend`) imported by `importer`."""
    resolution = resolve(importer, dotted)
    return resolution.module


def keras_names(module: Path) -> dict[str, str]:
    """The module-level names of a project module proven Keras, and the Keras names they are."""
    bindings = module_bindings(module)
    if isinstance(bindings, str):
        return {}
    proven = {name: _binding(module, name, 0).qualified for name in bindings}
    return {name: qualified for name, qualified in proven.items() if qualified is not None}


def _module(parts: list[str], folders: list[Path], relative: bool) -> tuple[Path, list[str]] | None:
    """The module file the longest prefix of `parts` names under one of `folders`, and the rest."""
    for count in range(len(parts), -1 if relative else 0, -1):
        for folder in folders:
            base = folder.joinpath(*parts[:count])
            for candidate in ((base.with_suffix(".py"),) if count else ()) + (base / "__init__.py",):
                if candidate.is_file():
                    return candidate, parts[count:]
    return None


def package_root(path: Path) -> Path:
    """The folder that holds the outermost package `path` is in (the file's own, outside any)."""
    folder = path.absolute().parent  # absolute: the working directory may be inside the package
    while (folder / "__init__.py").is_file() and folder.parent != folder:
        folder = folder.parent
    return folder


def _binding(module: Path, name: str, depth: int) -> Resolution:
    """What module-level name `name` of the project module `module` is: Keras, or why not."""
    bindings = module_bindings(module)
    where = _shown(module)
    if isinstance(bindings, str):
        return Resolution(None, f"{where} {bindings}")
    values = bindings.get(name)
    if values is None:
        return Resolution(None, f"{where} does not bind {name}")
    members = set()
    for value, line in values:
        if value is None:
            return Resolution(None, f"{where} binds {name} at line {line} to something optfix cannot prove is Keras")
        if is_project_path(module, value):
            resolved = resolve(module, value, depth + 1)
            if resolved.qualified is None:
                return Resolution(None, resolved.reason)
            value = resolved.qualified
        member = "" if value in KERAS_ROOTS else keras_member(value)
        if member is None:
            return Resolution(None, f"{where} binds {name} at line {line} to {value}, which is not Keras")
        members.add(member)
    if len(members) > 1:
        return Resolution(None, f"{where} binds {name} to different Keras names ({', '.join(sorted(members))}) in different branches")
    member = members.pop()
    return Resolution(f"keras.{member}" if member else "keras")


def _shown(module: Path) -> str:
    return f"{module.parent.name}/{module.name}" if module.name == "__init__.py" else module.name


def module_bindings(module: Path) -> dict[str, list[tuple[str | None, int]]] | str:
    """Each module-level name of `module` with every value a statement may bind it to (a dotted
    path, relative ones as written, or None for a value optfix cannot read) and the line; or,
    as a string, why the module cannot be read."""
    read = bindings_and_stars(module)
    if isinstance(read, str):
        return read
    bindings, stars = read
    if stars:
        return f"has a star import at line {stars[0].line}, which may bind any name"
    return bindings


@cache
def bindings_and_stars(module: Path) -> tuple[dict[str, list[tuple[str | None, int]]], list[Binding]] | str:
    """`module_bindings`, star imports aside, and the module's star imports; or why it cannot be read."""
    tree = parsed_module(module)
    if isinstance(tree, str):
        return tree
    bindings: dict[str, list[tuple[str | None, int]]] = {}
    stars: list[Binding] = []
    for binding in module_level_bindings(tree):
        if binding.name == STAR:
            stars.append(binding)
            continue
        values = _through(binding.chain, bindings) if binding.chain else [binding.path]
        bindings.setdefault(binding.name, []).extend((value, binding.line) for value in values)
    return bindings, stars


@cache
def parsed_module(module: Path) -> ast.Module | str:
    """The `ast` of `module`, or as a string why it cannot be read."""
    try:
        text = module.read_bytes()
    except OSError as error:
        return f"cannot be read ({error.strerror or error})"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        return f"cannot be parsed ({getattr(error, 'msg', None) or type(error).__name__})"


def _through(chain: tuple[str, ...], bindings: dict[str, list[tuple[str | None, int]]]) -> list[str | None]:
    """The values of an attribute chain, one per value its head name may have so far."""
    head, *attributes = chain
    if head not in bindings:
        return [None]
    suffix = "".join(f".{part}" for part in attributes)
    return [None if value is None else value + suffix for value, _ in bindings[head]]
