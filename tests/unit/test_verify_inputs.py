"""What `optfix verify` supplies by itself so that more classes run: `{}` for a required parameter
read as a dict, and placeholders for imports that have nothing to do with the optimizer."""

from __future__ import annotations

import ast
import sys

import pytest

from optfix.verify.arguments import mapping_arguments
from optfix.verify.placeholders import placeholders


def _class(source: str) -> ast.ClassDef:
    return next(node for node in ast.walk(ast.parse(source)) if isinstance(node, ast.ClassDef))


@pytest.mark.parametrize("init, expected", [
    ("def __init__(self, multipliers, lr=0.01):\n        self.m = multipliers.get('a', 1.0)", {"multipliers": {}}),
    ("def __init__(self, table: dict, lr=0.01):\n        self.t = table", {"table": {}}),
    ("def __init__(self, lr_mults, lr=0.01):\n        self.lr_mults = lr_mults\n"
     "    def rate(self, name):\n        return self.lr_mults[name] if name in self.lr_mults else 1.0", {"lr_mults": {}}),
    ("def __init__(self, *, names, lr=0.01):\n        self.n = names['first']", {"names": {}}),
    ("def __init__(self, momentum, lr=0.01):\n        self.m = momentum * 2", {}),  # not a dict: verify cannot guess it
    ("def __init__(self, multipliers=None):\n        self.m = multipliers.get('a')", {}),  # has a default already
])
def test_a_required_parameter_read_as_a_dict_gets_an_empty_one(init, expected) -> None:
    assert mapping_arguments(_class(f"class Opt(Optimizer):\n    {init}\n")) == expected


def test_absent_modules_import_as_placeholders_that_fail_only_when_used_and_leave_no_trace() -> None:
    source = "import optfix_absent_package.sub\nfrom optfix_absent_other import helper\n"
    before = set(sys.modules)
    namespace: dict = {}
    with placeholders(source):
        exec(source, namespace)
        helper = namespace["helper"]
        with pytest.raises(ImportError, match="optfix_absent_other.helper is not available here"):
            helper(1)
        with pytest.raises(ImportError, match="cannot derive from it"):
            exec("class C(optfix_absent_package.sub.Base): pass", namespace)
    assert set(sys.modules) == before
    with pytest.raises(ModuleNotFoundError):
        exec(source, {})


def test_installed_modules_are_imported_for_real() -> None:
    namespace: dict = {}
    with placeholders("import json\n"):
        exec("import json\n", namespace)
    assert namespace["json"] is sys.modules["json"]
