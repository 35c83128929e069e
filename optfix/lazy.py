"""libcst, loaded on first use: the parent process only reads rules' prefilters, so a run with
nothing to parse never pays for importing libcst (about 0.2 s)."""

from __future__ import annotations

import importlib.util
import sys


def lazy_import(name: str):
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


libcst = lazy_import("libcst")
