"""Imports a verified module makes that have nothing to do with its optimizers: modules that are
not installed here, and (for a Keras 2 original on the numpy stand-in) parts of Keras the stand-in
does not have, such as `keras.layers`. They import as placeholders, so that the optimizer can
still run; only using one fails, and says which module was missing.
"""

from __future__ import annotations

import ast
import contextlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types


class Placeholder:
    """A name of a module that could not be imported; any use but reading an attribute raises."""

    def __init__(self, dotted: str):
        self._dotted = dotted

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return Placeholder(f"{self._dotted}.{name}")

    def __call__(self, *args, **kwargs):
        raise ImportError(f"{self._dotted} is not available here (optfix verify imported it as a placeholder)")

    def __mro_entries__(self, bases):
        raise ImportError(f"{self._dotted} is not available here: a class cannot derive from it")


class _PlaceholderModule(types.ModuleType):
    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return Placeholder(f"{self.__name__}.{name}")


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Last on sys.meta_path: what no other finder found, under the given top-level names."""

    def __init__(self, tops: set[str]):
        self.tops = tops
        self.made: list[str] = []

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] not in self.tops:
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec):
        module = _PlaceholderModule(spec.name)
        module.__path__ = []
        self.made.append(spec.name)
        return module

    def exec_module(self, module):
        pass


def absent_modules(source: str) -> set[str]:
    """The top-level packages `source` imports absolutely that are not installed."""
    tops = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            tops.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            tops.add(node.module.split(".")[0])
    return {top for top in tops if top not in sys.modules and not _installed(top)}


def _installed(top: str) -> bool:
    try:
        return importlib.util.find_spec(top) is not None
    except (ImportError, ValueError):
        return False


@contextlib.contextmanager
def placeholders(source: str, also: set[str] = frozenset()):
    """While loading `source`: its absent modules, and submodules of `also` that do not exist,
    import as placeholders; they leave sys.modules after."""
    finder = _Finder(absent_modules(source) | set(also))
    sys.meta_path.append(finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
        for name in finder.made:
            sys.modules.pop(name, None)
