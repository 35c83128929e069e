"""An unsafe fix is offered only where it runs: every fixture's --unsafe-fixes output is executed,
top-level statement by statement, under the installed Keras 3 and TensorFlow, and each statement
the unsafe fix wrote (one that differs from the default output) must run without an error.

Names a fixture uses but never defines (`model`, a parameter, a package that is not installed)
stand for an object that accepts anything, so what is checked is the code optfix wrote, on the
values the file itself gives it (`weight_decay=1e-4 / schedule`, with `schedule` a Keras schedule,
raises TypeError)."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
UNSAFE_OUTPUTS = sorted(REPO.glob("fixtures/*/*.unsafe.expected.py"))


class _Anything:
    """What an undefined name stands for: every use of it gives it back."""

    def __call__(self, *args, **kwargs):
        return self

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return self

    def __getitem__(self, key):
        return self

    def __iter__(self):
        return iter(())

    def _same(self, *other):
        return self

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _same
    __pow__ = __rpow__ = __neg__ = __lt__ = __gt__ = __le__ = __ge__ = _same


class _Names(dict):
    """Module-level names: an undefined one is `_Anything`."""

    def __missing__(self, key):
        if key in __builtins__ if isinstance(__builtins__, dict) else hasattr(__builtins__, key):
            raise KeyError(key)
        return _Anything()


def _statements(path: Path) -> list[ast.stmt]:
    return ast.parse(path.read_text()).body


@pytest.mark.parametrize("unsafe_output", UNSAFE_OUTPUTS, ids=lambda p: f"{p.parent.name}/{p.name.removesuffix('.unsafe.expected.py')}")
def test_what_an_unsafe_fix_writes_runs(unsafe_output: Path) -> None:
    if os.environ.get("CI"):
        import tensorflow  # noqa: F401
    else:
        pytest.importorskip("tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    stem = unsafe_output.name.removesuffix(".unsafe.expected.py")
    default = unsafe_output.with_name(f"{stem}.expected.py")
    default = default if default.exists() else unsafe_output.with_name(f"{stem}.py")
    written_by_default = {ast.dump(statement) for statement in _statements(default)}

    globals_: dict = {"__name__": "fixture", "__builtins__": __builtins__}
    names = _Names()
    checked, failures = 0, []
    for statement in _statements(unsafe_output):
        unsafe = ast.dump(statement) not in written_by_default
        try:
            exec(compile(ast.Module([statement], []), str(unsafe_output), "exec"), globals_, names)  # noqa: S102
        except Exception as error:  # noqa: BLE001  (only the statements the unsafe fix wrote must run)
            if unsafe:
                failures.append(f"line {statement.lineno}: {type(error).__name__}: {error}")
        checked += unsafe
    assert checked, "the unsafe output equals the default one: delete it"
    assert not failures, failures
