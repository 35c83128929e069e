"""Names a file gets from a star import of its project's own module (`from .imports import *`,
`from mypkg.common import *`) are what that module imports, for every rule: small packages built
here, each file taken through optfix's journey from its path (both prefilter stages included)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from optfix.engine.journey import process_file
from optfix.engine.registry import all_rules

KERAS_IMPORTS = """\
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import backend as K, optimizers
from tensorflow.keras.optimizers import Adam
"""

# What each rule acts on, written with names only the star import binds, and a piece of its rewrite.
SITES = {
    "keras2-optimizer": ("opt = Adam(lr=0.01)\n", "Adam(learning_rate=0.01)"),
    "tf1-optimizer": ("opt = tf.compat.v1.train.AdamOptimizer(0.01)\n", "keras.optimizers.Adam(learning_rate=0.01"),
    "learning-rate-api": ("def halve(model):\n    K.set_value(model.optimizer.lr, 0.1)\n", "model.optimizer.learning_rate.assign(0.1)"),
    "optimizer-name": ('opt = optimizers.get("Adgrad")\n', 'optimizers.get("adagrad")'),
    "keras2-optimizer on keras": ("opt = keras.optimizers.Adam(lr=0.01)\n", "keras.optimizers.Adam(learning_rate=0.01)"),
}


def _package(tmp_path: Path, modules: dict[str, str]) -> Path:
    package = tmp_path / "mypkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for name, code in modules.items():
        (package / name).write_text(textwrap.dedent(code))
    return package


def _run(path: Path, rule_id: str):
    rules = [rule for rule in all_rules() if rule.id == rule_id.split(" ")[0]]
    assert rules, rule_id
    return process_file(path, rules)


def _text(result) -> str | None:
    return None if result.updated is None else result.updated.decode()


@pytest.mark.parametrize("rule_id", sorted(SITES))
@pytest.mark.parametrize("star", ["from .imports import *", "from mypkg.imports import *", "from . import *"])
def test_a_star_imported_keras_name_is_known_to_the_rule(tmp_path, rule_id, star) -> None:
    site, rewritten = SITES[rule_id]
    imports = "__init__.py" if star == "from . import *" else "imports.py"
    package = _package(tmp_path, {imports: KERAS_IMPORTS, "train.py": f"{star}\n\n{site}"})
    result = _run(package / "train.py", rule_id)
    assert not result.failed, result.findings
    assert rewritten in (_text(result) or ""), result.findings


@pytest.mark.parametrize("rule_id", sorted(SITES))
@pytest.mark.parametrize("module", [
    # binds nothing Keras: the names are the module's own
    "import numpy as np\n\ndef Adam(**kwargs):\n    return kwargs\n\nclass tf:\n    pass\n\n"
    "K = object()\nkeras = None\noptimizers = np\n",
    # imports Keras, then rebinds each name to something else
    KERAS_IMPORTS + "tf = keras = K = optimizers = Adam = object()\n",
    # imports them from another library
    "from mylib import tf, keras, K, optimizers, Adam\n",
    # imports Keras in one branch only
    "try:\n" + textwrap.indent(KERAS_IMPORTS, "    ") + "except ImportError:\n    tf = keras = K = optimizers = Adam = None\n",
], ids=["own-names", "rebound", "other-library", "one-branch"])
def test_a_star_imported_name_that_may_not_be_keras_is_left_alone(tmp_path, rule_id, module) -> None:
    site, _ = SITES[rule_id]
    package = _package(tmp_path, {"imports.py": module, "train.py": f"from .imports import *\n\n{site}",
                                  "inline.py": f"{module}\n{site}"})
    result = _run(package / "train.py", rule_id)
    if rule_id == "keras2-optimizer on keras" and "mylib" in module:
        # keras2-optimizer reads `keras.optimizers.Adam(lr=...)` as Keras's even after `from mylib
        # import keras`; through the star import it reads it as it does there.
        assert _text(result).endswith(_text(_run(package / "inline.py", rule_id)).removeprefix(module))
        return
    assert _text(result) is None and not result.findings


@pytest.mark.parametrize("rule_id", ["keras2-optimizer", "tf1-optimizer"])
def test_all_names_what_a_star_import_binds(tmp_path, rule_id) -> None:
    site, _ = SITES[rule_id]
    package = _package(tmp_path, {"imports.py": KERAS_IMPORTS + '\n__all__ = ["K", "optimizers"]\n',
                                  "train.py": f"from .imports import *\n\n{site}"})
    assert _text(_run(package / "train.py", rule_id)) is None


def test_branches_importing_keras_or_tf_keras_bind_the_keras_name(tmp_path) -> None:
    backend = ("import os\n\nif os.environ.get('TF_KERAS'):\n    from tensorflow.keras.optimizers import Adam\n"
               "else:\n    from keras.optimizers import Adam\n")
    package = _package(tmp_path, {"imports.py": backend, "train.py": "from .imports import *\n\nopt = Adam(lr=0.01)\n"})
    assert "Adam(learning_rate=0.01)" in _text(_run(package / "train.py", "keras2-optimizer"))


@pytest.mark.parametrize("rule_id", sorted(SITES))
@pytest.mark.parametrize("module", [
    "from tensorflow.keras.layers import *\n" + KERAS_IMPORTS,  # names bound after another library's star import
    "from .base import *\n",  # a star import of another project module
], ids=["after-library-star", "project-star"])
def test_star_imports_inside_the_module(tmp_path, rule_id, module) -> None:
    site, rewritten = SITES[rule_id]
    package = _package(tmp_path, {"base.py": KERAS_IMPORTS, "imports.py": module, "train.py": f"from .imports import *\n\n{site}"})
    assert rewritten in _text(_run(package / "train.py", rule_id))


def test_project_modules_star_importing_each_other_in_a_cycle(tmp_path) -> None:
    package = _package(tmp_path, {"a.py": "from .b import *\nfrom tensorflow.keras.optimizers import Adam\n",
                                  "b.py": "from .a import *\n", "train.py": "from .b import *\n\nopt = Adam(lr=0.01)\n"})
    assert "Adam(learning_rate=0.01)" in _text(_run(package / "train.py", "keras2-optimizer"))


def test_a_star_import_through_another_project_module(tmp_path) -> None:
    package = _package(tmp_path, {"backend.py": "from tensorflow import keras\n",
                                  "imports.py": "from .backend import keras\n",
                                  "train.py": "from .imports import *\n\nopt = keras.optimizers.Adam(lr=0.01)\n"})
    assert "keras.optimizers.Adam(learning_rate=0.01)" in _text(_run(package / "train.py", "keras2-optimizer"))


@pytest.mark.parametrize("modules", [
    {},  # the module is missing
    {"imports.py": "def broken(:\n"},
    {"imports.py": KERAS_IMPORTS + "from tensorflow.keras.layers import *\n"},  # may rebind every name above it
    {"imports.py": KERAS_IMPORTS + "__all__ = names()\n"},
], ids=["missing", "syntax-error", "star-import-after", "computed-all"])
@pytest.mark.parametrize("rule_id", sorted(SITES))
def test_a_module_optfix_cannot_read_proves_nothing_and_breaks_nothing(tmp_path, modules, rule_id) -> None:
    site, _ = SITES[rule_id]
    package = _package(tmp_path, {**modules, "train.py": f"from .imports import *\n\n{site}"})
    result = _run(package / "train.py", rule_id)
    assert not result.failed, result.findings
    # said once, at the star import, where optfix could not read the module itself (a module it
    # read, whose names a library's star import may rebind, binds them to nothing it trusts)
    unread = [(f.line, f.rule) for f in result.findings if f.rule == "unread-star-import"]
    assert unread == ([] if "layers import *" in modules.get("imports.py", "") else [(1, "unread-star-import")])
    if rule_id == "keras2-optimizer on keras":  # as without the star import: `keras` written out is the package
        assert "keras.optimizers.Adam(learning_rate=0.01)" in _text(result)
    else:
        assert _text(result) is None


def test_an_import_a_rewrite_adds_does_not_shadow_a_star_imported_name(tmp_path) -> None:
    package = _package(tmp_path, {"imports.py": "keras = object()\n", "train.py": (
        "import tensorflow as tf\nfrom .imports import *\n\nopt = tf.compat.v1.train.AdamOptimizer(0.01)\nprint(keras)\n")})
    rewritten = _text(_run(package / "train.py", "tf1-optimizer"))
    assert "import keras as keras3" in rewritten and "keras3.optimizers.Adam(" in rewritten and "print(keras)" in rewritten


def test_an_unread_star_import_is_said_once_with_why(tmp_path) -> None:
    package = _package(tmp_path, {"broken.py": "def broken(:\n", "imports.py": KERAS_IMPORTS, "train.py": (
        "from .missing import *\nfrom .broken import *\nfrom .imports import *\nfrom numpy import *\n\nopt = Adam(lr=0.01)\n")})
    result = _run(package / "train.py", "keras2-optimizer")
    unread = [(f.line, f.message.split(":")[1]) for f in result.findings if f.rule == "unread-star-import"]
    assert unread == [(1, " .missing is not found, so optfix cannot tell what the names it binds are, and checks nothing reached "
                          "through them (keras, K, tf, an optimizer class); import those directly, or make the module readable"),
                      (2, " .broken cannot be parsed (invalid syntax), so optfix cannot tell what the names it binds are, and checks "
                          "nothing reached through them (keras, K, tf, an optimizer class); import those directly, or make the "
                          "module readable")]


def test_an_unread_star_import_is_said_only_where_it_may_bind_keras(tmp_path) -> None:
    package = _package(tmp_path, {
        "_ext.cpython-311-x86_64-linux-gnu.so": "",  # an extension module: not Python to read
        "keras_use.py": "from ._ext import *\nfrom .missing import *\n\ndef halve(model):\n    K.set_value(model.optimizer.lr, 0.1)\n",
        "no_keras.py": "from .missing import *\n\ndef total(x):\n    return x.sum()\n",
    })
    found = {name: [(f.line, f.rule) for f in _run(package / name, "learning-rate-api").findings]
             for name in ("keras_use.py", "no_keras.py")}
    assert found == {"keras_use.py": [(2, "unread-star-import")], "no_keras.py": []}


@pytest.mark.parametrize(("module", "rewritten"), [
    ("from keras.optimizers import *\nfrom .mine import MyAdam\nAdam = MyAdam\n", False),
    ("from .mine import MyAdam\nAdam = MyAdam\nfrom tensorflow.keras.optimizers import Adam\n", True),
], ids=["project-class-last", "keras-class-last"])
def test_a_name_the_module_rebinds_is_its_last_binding_for_the_rules(tmp_path, module, rewritten) -> None:
    package = _package(tmp_path, {"mine.py": "class MyAdam:\n    def __init__(self, lr=0.1):\n        self.lr = lr\n",
                                  "imports.py": module, "train.py": "from .imports import *\n\nopt = Adam(lr=0.01)\n"})
    result = _run(package / "train.py", "keras2-optimizer")
    assert not result.failed, result.findings
    if rewritten:
        assert "Adam(learning_rate=0.01)" in _text(result)
    else:
        assert _text(result) is None and not result.findings


def test_a_star_import_of_keras_s_optimizers_binds_the_classes_for_the_rules(tmp_path) -> None:
    package = _package(tmp_path, {"train.py": "from keras.optimizers import *\n\nopt = Adam(lr=0.01)\n"})
    result = _run(package / "train.py", "keras2-optimizer")
    assert "opt = Adam(learning_rate=0.01)" in (_text(result) or ""), result.findings
