"""analysis.project_users: the statements of other modules of a project that derive from, call
something with, or call a module-level name of one of its modules, whichever way they import it."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from optfix.analysis.project_users import is_class_factory, uses

IMPORTS = {
    "from-import": ("from pkg.base import Base", "Base"),
    "relative, renamed": ("from .base import Base as B", "B"),
    "star": ("from pkg.base import *", "Base"),
    "module, renamed": ("import pkg.base as b", "b.Base"),
    "module by its dotted name": ("import pkg.base", "pkg.base.Base"),
    "module from its package": ("from pkg import base", "base.Base"),
}


def _project(tmp_path: Path, user: str) -> Path:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "base.py").write_text("class Base:\n    pass\n\n\ndef extend(Parent):\n    class New(Parent):\n        pass\n    return New\n")
    (package / "user.py").write_text(textwrap.dedent(user))
    return package / "base.py"


@pytest.mark.parametrize("statement, spelled", IMPORTS.values(), ids=IMPORTS.keys())
def test_a_subclass_and_an_argument_are_found_however_imported(tmp_path, statement, spelled) -> None:
    base = _project(tmp_path, f"{statement}\n\n\nclass Child({spelled}):\n    pass\n\n\nmade = make({spelled}, 1)\n")
    found = [(use.path.name, use.line, use.kind, use.what) for use in uses(base, "Base")]
    assert found == [("user.py", 4, "subclass", "Child"), ("user.py", 8, "argument", "make")]
    assert found and uses(base, "Base")[0].shown(base) == "pkg/user.py:4"


def test_a_call_of_the_name_is_found_with_what_it_is_given(tmp_path) -> None:
    base = _project(tmp_path, "from pkg.base import extend\n\nNew = extend(dict)\n")
    [use] = uses(base, "extend")
    assert (use.kind, use.what, use.line) == ("call", "extend(dict)", 3)


def test_a_name_of_the_same_spelling_from_elsewhere_is_not_a_use(tmp_path) -> None:
    base = _project(tmp_path, "from other import Base\n\n\nclass Child(Base):\n    pass\n")
    (tmp_path / "pkg" / "plain.py").write_text("class Base:\n    pass\n\n\nclass Child(Base):\n    pass\n")
    assert uses(base, "Base") == ()


def test_a_module_that_cannot_be_parsed_uses_nothing(tmp_path) -> None:
    base = _project(tmp_path, "from pkg.base import Base\nclass Child(Base:\n")
    assert uses(base, "Base") == ()


def test_a_class_factory_makes_a_class_on_its_parameter(tmp_path) -> None:
    base = _project(tmp_path, "")
    assert is_class_factory(base, "extend")
    assert not is_class_factory(base, "Base") and not is_class_factory(base, "missing")


def test_a_module_outside_any_package_is_used_by_the_modules_beside_it(tmp_path) -> None:
    (tmp_path / "base.py").write_text("class Base:\n    pass\n")
    (tmp_path / "user.py").write_text("from base import Base\n\n\nclass Child(Base):\n    pass\n")
    (tmp_path / "deeper").mkdir()
    (tmp_path / "deeper" / "other.py").write_text("from base import Base\n\n\nclass Other(Base):\n    pass\n")
    assert [(use.path.name, use.what) for use in uses(tmp_path / "base.py", "Base")] == [("user.py", "Child")]
