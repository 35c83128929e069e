"""Every migrated get-updates fixture reads only names bound where it reads them, and the rule's own
last check (bound_names) refuses a migration that would not."""

from __future__ import annotations

import builtins
import symtable
from pathlib import Path

import libcst as cst
import pytest

from optfix.codemods.get_updates.bound_names import unbound_reads

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "get-updates"
EXPECTED = sorted(FIXTURES.glob("*.expected.py"))


def _unbound(text: str) -> set[str]:
    """Names some function of the module reads as globals that the module does not bind."""
    module = symtable.symtable(text, "<fixture>", "exec")
    bound = {s.get_name() for s in module.get_symbols() if s.is_assigned() or s.is_imported() or s.is_namespace()}
    missing = set()
    stack = list(module.get_children())
    while stack:
        scope = stack.pop()
        if scope.get_type() != "class":
            missing |= {s.get_name() for s in scope.get_symbols() if s.is_global() and s.is_referenced()}
        stack += scope.get_children()
    return missing - bound - set(dir(builtins))


def test_there_are_migrated_fixtures() -> None:
    assert len(EXPECTED) >= 20


@pytest.mark.parametrize("path", EXPECTED, ids=lambda p: p.name)
def test_every_name_a_migrated_fixture_reads_is_bound(path) -> None:
    text = path.read_text()
    compile(text, str(path), "exec")
    assert _unbound(text) == set()


def test_the_check_finds_what_an_unbound_read_looks_like() -> None:
    assert _unbound("def f():\n    return [n for n in moments]\n") == {"moments"}
    assert _unbound("import keras\nmoments = []\ndef f():\n    return [keras.ops.sum(n) for n in moments]\n") == set()


def _class(source: str) -> cst.ClassDef:
    return cst.parse_module(source).body[0]


ORIGINAL = """class A(Optimizer):
    def __init__(self, lr=0.1, **kwargs):
        super().__init__(**kwargs)
    def get_updates(self, loss, params):
        moments = [K.zeros(K.int_shape(p)) for p in params]
        scale = EPSILON
        return [K.update(p, p - g) for p, g in zip(params, self.get_gradients(loss, params))]
"""


@pytest.mark.parametrize("build_body, refused", [
    ("self.norms = [self.add_variable((), name='norms') for _ in moments]", ["moments"]),
    ("self.norms = [self.add_variable((), name='norms') for _ in self.moments]", []),
    ("moments = list(var_list)\n        self.norms = [n for n in moments]", []),
    ("self.scale = EPSILON", []),  # a module-level name, as in the original
    ("self.scale = scale", ["scale"]),
])
def test_a_method_reading_a_local_of_the_legacy_code_it_does_not_bind_is_refused(build_body, refused) -> None:
    migrated = _class(f"""class A(Optimizer):
    def __init__(self, lr=0.1, **kwargs):
        super().__init__(learning_rate=lr, **kwargs)
    def build(self, var_list):
        {build_body}
""")
    problems = unbound_reads(_class(ORIGINAL), migrated)
    assert [name for name in refused if any(name in p.message for p in problems)] == refused
    assert len(problems) == (1 if refused else 0)
