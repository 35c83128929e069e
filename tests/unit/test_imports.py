from __future__ import annotations

import ast
from pathlib import Path

import libcst as cst
import pytest

from optfix.analysis.imports import ImportTable

SOURCE = """
import keras
import tensorflow.compat.v1 as tf1
import tensorflow.keras.optimizers
from tensorflow import keras as tfk
from keras.optimizers import Adam as A, SGD
from . import sibling
from ..pkg import thing
from mylib import *

def f():
    import numpy as np
    try:
        from tf_keras import optimizers
    except ImportError:
        pass

class C:
    if True:
        import os.path as osp

tf = tf1.compat.v1 if False else tf1  # not a plain alias: tf is no longer trusted
v1 = tf1  # a plain alias of an imported name
optimizers_alias = tfk.optimizers


def g(np):  # a parameter shadows the import
    return np


for osp in []:
    pass
"""


@pytest.fixture(scope="module")
def table() -> ImportTable:
    return ImportTable.of(cst.parse_module(SOURCE))


@pytest.mark.parametrize(
    "expression, qualified",
    [
        ("keras.optimizers.Adam", "keras.optimizers.Adam"),
        ("tf1.train.AdamOptimizer", "tensorflow.compat.v1.train.AdamOptimizer"),
        ("tensorflow.keras.optimizers.get", "tensorflow.keras.optimizers.get"),
        ("tfk.optimizers.get", "tensorflow.keras.optimizers.get"),
        ("A", "keras.optimizers.Adam"),
        ("SGD", "keras.optimizers.SGD"),
        ("sibling.x", ".sibling.x"),
        ("thing", "..pkg.thing"),
        ("np.zeros", None),
        ("v1.train.AdamOptimizer", "tensorflow.compat.v1.train.AdamOptimizer"),
        ("optimizers_alias.Adam", "tensorflow.keras.optimizers.Adam"),
        ("tf.train", None),
        ("optimizers.get", "tf_keras.optimizers.get"),
        ("osp.join", None),
        ("model.compile", None),
        ("undefined", None),
        ("f().x", None),
    ],
)
def test_names_resolve_through_imports(table, expression, qualified) -> None:
    assert table.qualified_name(cst.parse_expression(expression)) == qualified


def test_an_alias_of_an_unimported_package_path_is_read_as_written() -> None:
    """`opts = keras.optimizers` in a file that never imports keras: `opts.get` is Keras's, as it
    will be once a rule adds `import keras` (a second run must read the file the same way)."""
    for source in ("opts = keras.optimizers\n", "import keras\nopts = keras.optimizers\n"):
        table = ImportTable.of(cst.parse_module(source))
        assert table.qualified_name(cst.parse_expression("opts.get")) == "keras.optimizers.get"
    table = ImportTable.of(cst.parse_module("opts = optimizers\n"))
    assert table.qualified_name(cst.parse_expression("opts.get")) is None


@pytest.mark.parametrize(("source", "qualified"), [
    # a name imported as two different things: which one a use reads is not told
    ("from tensorflow.keras.optimizers import Adam\nfrom mylib import Adam\n", None),
    ("from mylib import Adam\nfrom tensorflow.keras.optimizers import Adam\n", None),
    # the same thing again, or Keras's member through another root (a fallback): still Keras's
    ("from keras.optimizers import Adam\nfrom keras.optimizers import Adam\n", "keras.optimizers.Adam"),
    ("try:\n    from keras.optimizers import Adam\nexcept ImportError:\n    from tensorflow.keras.optimizers import Adam\n",
     "keras.optimizers.Adam"),
], ids=["keras-then-other", "other-then-keras", "twice", "fallback"])
def test_a_name_imported_twice_resolves_only_to_one_thing(source, qualified) -> None:
    table = ImportTable.of(cst.parse_module(source))
    assert table.qualified_name(cst.parse_expression("Adam")) == qualified


@pytest.mark.parametrize(("source", "qualified"), [
    # TF 1's API, where the version decides the module: the first import is read
    ("import tensorflow as tf\nif tf.__version__[0] == '2':\n    import tensorflow.compat.v1 as tf\n",
     "tensorflow.train.AdamOptimizer"),
    ("import tensorflow.compat.v1 as tf\nimport tensorflow as tf\n", "tensorflow.compat.v1.train.AdamOptimizer"),
    # TensorFlow and something else: not told
    ("import tensorflow as tf\nimport mylib as tf\n", None),
    ("import tensorflow.compat.v2 as tf\nimport tensorflow.compat.v1 as tf\n", None),
], ids=["version-check", "v1-first", "other", "v2-and-v1"])
def test_tensorflow_imported_as_itself_and_its_v1_api_is_tf1s_api(source, qualified) -> None:
    table = ImportTable.of(cst.parse_module(source))
    assert table.qualified_name(cst.parse_expression("tf.train.AdamOptimizer")) == qualified


@pytest.mark.parametrize("source", [
    "import tensorflow as tf\nimport tensorflow.compat.v2 as tf\n",
    "import tensorflow.compat.v2 as tf\nimport tensorflow as tf\n",
], ids=["tf-then-v2", "v2-then-tf"])
def test_tensorflow_imported_as_itself_and_its_v2_api_is_tf2s_api(source) -> None:
    for table in (ImportTable.of(cst.parse_module(source)), ImportTable.of_ast(ast.parse(source))):
        qualified = table.qualified_name(cst.parse_expression("tf.keras.optimizers.Optimizer"))
        assert qualified in ("tensorflow.keras.optimizers.Optimizer", "tensorflow.compat.v2.keras.optimizers.Optimizer")


def test_keras_imported_from_either_root_is_keras() -> None:
    table = ImportTable.of(cst.parse_module("try:\n    import keras\nexcept ImportError:\n    from tensorflow import keras\n"))
    assert table.qualified_name(cst.parse_expression("keras.optimizers.Adam")) == "keras.optimizers.Adam"


@pytest.mark.parametrize(("source", "expression", "qualified"), [
    ("from keras.optimizers import *\n", "Adam", "keras.optimizers.Adam"),
    ("from tensorflow.keras.optimizers import *\n", "Optimizer", "tensorflow.keras.optimizers.Optimizer"),
    ("from keras.optimizers import *\n", "adam", "keras.optimizers.adam"),  # Keras 2.2's factory
    ("from keras.optimizers import *\n", "Trainer", None),  # a name the namespace does not export
    ("from keras.layers import *\n", "Adam", None),  # a namespace optfix knows no names of
    ("from keras.optimizers import *\nclass Adam:\n    pass\n", "Adam", None),  # the file's own after it
    ("from keras.optimizers import *\nfrom mylib import Adam\n", "Adam", None),
])
def test_a_star_import_of_a_keras_optimizer_namespace_binds_its_classes(source, expression, qualified) -> None:
    table = ImportTable.of(cst.parse_module(source))
    assert table.qualified_name(cst.parse_expression(expression)) == qualified


def test_an_optional_import_set_to_none_where_it_fails_stays_the_import() -> None:
    """`except ImportError: tf = None`: wherever `tf.x` is read, tf is the module imported; any
    other value still makes the name unknown."""
    optional = "try:\n    import tensorflow as tf\nexcept ImportError:\n    tf = {}\n"
    table = ImportTable.of(cst.parse_module(optional.format("None")))
    assert table.qualified_name(cst.parse_expression("tf.train.AdamOptimizer")) == "tensorflow.train.AdamOptimizer"
    table = ImportTable.of(cst.parse_module(optional.format("FakeTensorFlow()")))
    assert table.qualified_name(cst.parse_expression("tf.train.AdamOptimizer")) is None


_REPO = Path(__file__).resolve().parents[2]
# shapes whose bindings depend on the order of the statements or on a statement's kind
_SHAPES = {
    "alias after a rebinding": "import tensorflow as tf\ndef f(tf):\n    pass\nv1 = tf.compat.v1\n",
    "alias before a rebinding": "import tensorflow as tf\nv1 = tf.compat.v1\nfor tf in x:\n    pass\n",
    "alias of an alias": "import keras\nk = keras\nopt = k.optimizers\n",
    "none in a fallback": "try:\n    import tensorflow as tf\nexcept ImportError as error:\n    tf = None\n",
    "except star": "try:\n    import keras\nexcept* ImportError as keras:\n    pass\n",
    "async": "import keras\nasync def f(a, /, b, *c, d, **e):\n    async for x, *y in z:\n        async with m as (keras, w):\n            pass\n",
    "match": "import keras\nmatch x:\n    case [keras.optimizers.Adam as adam]:\n        import tf_keras as keras\n",
    "global and nonlocal": "import keras\ndef f():\n    global keras\n    def g():\n        nonlocal x\n",
    "annotated and augmented": "import keras\nkeras: int = 1\nimport tensorflow as tf\ntf += 1\n",
    "while and else": "while x:\n    import keras\nelse:\n    from tensorflow import keras\nif y:\n    pass\nelif z:\n    import tf_keras as keras\n",
    "expressions": "import keras\nf = lambda keras: keras\n[tf for tf in x]\n(y := keras)\n",
    "star of keras": "from keras.optimizers import *\nAdam = 1\n",
}


@pytest.mark.parametrize("path", [*sorted((_REPO / "fixtures").rglob("*.py")), *sorted((_REPO / "examples").glob("*.py"))],
                         ids=lambda path: str(path.relative_to(_REPO)))
def test_the_table_read_from_the_ast_is_the_one_read_from_the_cst(path) -> None:
    _assert_same_table(path.read_text(), path)


@pytest.mark.parametrize("source", _SHAPES.values(), ids=_SHAPES.keys())
def test_the_table_read_from_the_ast_is_the_one_read_from_the_cst_for_each_shape(source) -> None:
    _assert_same_table(source, None)


def _assert_same_table(source: str, path: Path | None) -> None:
    from_cst = ImportTable.of_cst(cst.parse_module(source), source, path)
    from_ast = ImportTable.of_ast(ast.parse(source), path)
    for attribute in ("bindings", "origins", "rebound", "through_stars"):
        expected, found = getattr(from_cst, attribute), getattr(from_ast, attribute)
        assert found == expected, attribute
        if isinstance(expected, dict):
            assert list(found) == list(expected), attribute  # the first binding of a name wins


def test_names_spelled_otherwise_than_ast_reads_them_are_read_from_the_cst() -> None:
    source = "import keras as \uff4b\n"  # a fullwidth k: `ast` reads it as `k`
    assert set(ImportTable.of(cst.parse_module(source), source).bindings) == {"\uff4b"}
