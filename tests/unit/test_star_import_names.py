"""What a star import of a project module binds, as the import table, the prefilters' names and the
bytes stage read it; and that files without such a star import read no other file."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from optfix.analysis.dotted_names import PossibleNames, read_from
from optfix.analysis.star_imports import equivalent_imports, star_bindings


def _tree(tmp_path: Path, module: str, name: str = "imports.py") -> Path:
    (tmp_path / name).write_text(module)
    return tmp_path / "train.py"


def test_each_public_name_is_bound_to_its_import(tmp_path) -> None:
    importer = _tree(tmp_path, "import tensorflow as tf\nimport numpy as np\nfrom tensorflow.keras import backend as K\n"
                               "opts = tf.keras.optimizers\n_hidden = tf\ndef helper():\n    pass\n")
    assert star_bindings(importer, ".imports") == {
        "tf": "tensorflow", "np": "numpy", "K": "tensorflow.keras.backend",
        "opts": "tensorflow.keras.optimizers", "helper": None,
    }


def test_all_limits_the_names(tmp_path) -> None:
    importer = _tree(tmp_path, "import tensorflow as tf\nimport keras\n__all__ = ('keras',)\n")
    assert star_bindings(importer, ".imports") == {"keras": "keras"}


def test_only_names_bound_after_another_library_s_star_import_are_told(tmp_path) -> None:
    importer = _tree(tmp_path, "import keras\nfrom keras.layers import *\nimport tensorflow as tf\n")
    assert star_bindings(importer, ".imports") == {"tf": "tensorflow"}


@pytest.mark.parametrize(("module", "adam"), [
    # a library's star import, then the project's own class under the name: the class
    ("from keras.optimizers import *\nfrom .mine import MyAdam\nAdam = MyAdam\n", None),
    ("from keras.optimizers import *\nclass Adam:\n    pass\n", None),
    # Keras's class, then the project's own: the project's
    ("from tensorflow.keras.optimizers import Adam\nAdam = object\n", None),
    # the project's own, then Keras's: Keras's, whatever came before
    ("Adam = object\nfrom tensorflow.keras.optimizers import Adam\n", "tensorflow.keras.optimizers.Adam"),
    ("from keras.optimizers import *\nfrom tensorflow.keras.optimizers import Adam\n", "tensorflow.keras.optimizers.Adam"),
    # Keras's, then a branch that may rebind it: unknown
    ("from tensorflow.keras.optimizers import Adam\nif FLAG:\n    Adam = object\n", None),
    # Keras's, then a star import of a Keras namespace that binds it again: the star's
    ("from mylib import Adam\nfrom keras.optimizers import *\n", "keras.optimizers.Adam"),
    # a branch, then Keras's for certain: Keras's
    ("if FLAG:\n    Adam = object\nfrom tensorflow.keras.optimizers import Adam\n", "tensorflow.keras.optimizers.Adam"),
], ids=["star-then-assigned", "star-then-class", "keras-then-own", "own-then-keras", "star-then-keras",
        "keras-then-branch", "lib-then-keras-star", "branch-then-keras"])
def test_a_name_bound_more_than_once_is_what_its_last_binding_makes_it(tmp_path, module, adam) -> None:
    (tmp_path / "mine.py").write_text("class MyAdam:\n    pass\n")
    assert star_bindings(_tree(tmp_path, module), ".imports")["Adam"] == adam


@pytest.mark.parametrize("module", ["x = (\n", "__all__ = []\n__all__ += ['tf']\nimport tensorflow as tf\n"])
def test_a_module_optfix_cannot_read_tells_nothing(tmp_path, module) -> None:
    assert star_bindings(_tree(tmp_path, module), ".imports") is None


def test_possible_names_follow_the_star_import_only_with_the_path(tmp_path) -> None:
    importer = _tree(tmp_path, "from tensorflow.keras.optimizers import Adam\n")
    tree = ast.parse("from .imports import *\nAdam(lr=1)\n")
    assert "tensorflow.keras.optimizers.Adam" not in PossibleNames(tree).everywhere()
    read_from(tree, importer)
    assert "tensorflow.keras.optimizers.Adam" in PossibleNames(tree).everywhere()


def test_the_bytes_stage_reads_a_star_import_as_its_imports(tmp_path) -> None:
    importer = _tree(tmp_path, "import tensorflow as tf\nfrom tensorflow.keras import optimizers as opt\nx = 1\n", "common.py")
    (tmp_path / "train.py").write_text("")
    lines = equivalent_imports(importer, b"from common import *\nfrom numpy import *\n").decode().splitlines()
    assert lines == ["import tensorflow as tf", "from tensorflow.keras import optimizers as opt"]


def test_no_file_is_read_without_a_project_star_import(tmp_path, monkeypatch) -> None:
    def refuse(module: Path):
        raise AssertionError(f"read {module}")

    importer = _tree(tmp_path, "import tensorflow as tf\n")
    monkeypatch.setattr(Path, "read_bytes", refuse)
    monkeypatch.setattr(Path, "read_text", refuse)
    with pytest.raises(AssertionError, match="imports.py"):  # the check itself works
        equivalent_imports(importer, b"from .imports import *\n")
    assert equivalent_imports(importer, b"import keras\nfrom keras.layers import *\nx = a * b\n") == b""
    tree = ast.parse("from keras.layers import *\nfrom .imports import tf\n")
    read_from(tree, importer)
    PossibleNames(tree).everywhere()
