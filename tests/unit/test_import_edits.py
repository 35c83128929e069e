"""The engine's own import edits make the code libcst's AddImportsVisitor and RemoveImportsVisitor
make, and leave to those visitors only what they cannot decide the same way."""

from __future__ import annotations

import pytest
import libcst as cst

from optfix.engine import import_edits, import_visitors
from optfix.engine.import_uses import survey
from optfix.engine.statements import statement_sources
from optfix.rulekit.rule import FileContext


def _edit(source: str, drop=(), add=(), remove=()) -> tuple[str, str, bool]:
    """(libcst's visitors' code, the engine's code, whether the engine made every step itself)."""
    module = cst.parse_module(source)
    file = FileContext(module, source)
    file.imports_to_drop, file.imports_to_add, file.imports_to_remove = list(drop), list(add), list(remove)
    expected = import_visitors.edit(module, file.imports_to_drop, file.imports_to_add, file.imports_to_remove).code
    edited = import_edits.edit_imports(module, file)
    return expected, edited.module.code, edited.direct


TF = ("tensorflow", None, "tf")
KERAS = ("keras", None, None)

# id -> (source, requests, whether the engine decides it without libcst's visitors)
CASES = {
    "unused-import-removed": ("import os\nimport tensorflow as tf\n\nx = os.sep\n", {"remove": [TF]}, True),
    "import-read-later-kept": ("import tensorflow as tf\n\nx = tf.constant(1)\n", {"remove": [TF]}, True),
    "read-in-a-function-after-it-kept": ("import tensorflow as tf\n\ndef f():\n    return tf.ones(1)\n", {"remove": [TF]}, True),
    "read-in-a-class-body-kept": ("import tensorflow as tf\nclass A:\n    x = tf.float32\n", {"remove": [TF]}, True),
    "one-alias-of-several": ("import os, tensorflow as tf, sys\nx = os.sep + sys.prefix\n", {"remove": [TF]}, True),
    "last-alias-of-several": ("import os, tensorflow as tf\nx = os.sep\n", {"remove": [TF]}, True),
    "beside-another-statement": ("import tensorflow as tf; y = 1\nx = y\n", {"remove": [TF]}, True),
    "from-import-one-name": ("from a import b, c\nx = c\n", {"remove": [("a", "b", None)]}, True),
    "from-import-parenthesised-with-comments": (
        "from a import (\n    b,  # the b\n    # about c\n    c,  # the c\n    d,\n)\nx = d\n",
        {"remove": [("a", "b", None), ("a", "c", None)]}, True),
    "from-import-last-names": ("from a import (b, c,\n    d)\nx = b\n", {"remove": [("a", "c", None), ("a", "d", None)]}, True),
    "relative-import": ("from .backend import K\nfrom . import backend\nx = 1\n", {"remove": [(".backend", "K", None)]}, True),
    "package-import-unread": ("from . import backend\nx = 1\n", {"remove": [(".", "backend", None)]}, True),
    "package-import-read": ("from . import backend\nx = backend.f()\n", {"remove": [(".", "backend", None)]}, True),
    "future-import-never-removed": ("from __future__ import annotations\nx = 1\n", {"remove": [("__future__", "annotations", None)]}, True),
    "comments-above-the-removed-line": ("import os\n\n# why we need tf\nimport tensorflow as tf  # pinned\nx = os\n", {"remove": [TF]}, True),
    "two-imports-of-the-name-unused": ("import tensorflow as tf\nx = 1\nimport tensorflow as tf\n", {"remove": [TF]}, True),
    "two-imports-of-the-name-read": ("import tensorflow as tf\nx = 1\nimport tensorflow as tf\ny = tf.x\n", {"remove": [TF]}, True),
    "dotted-import-unused": ("import a.b\nx = 1\n", {"remove": [("a.b", None, None)]}, True),
    "star-import-beside": ("from m import *\nimport tensorflow as tf\nx = y\n", {"remove": [TF]}, True),
    "a-docstring-that-names-it": ('"""Uses tf."""\nimport tensorflow as tf\nx = "tf"\n', {"remove": [TF]}, True),
    "read-only-before-the-import": ("x = tf.constant(1)\nimport tensorflow as tf\n", {"remove": [TF]}, False),
    "read-in-a-function-before-the-import": ("def f():\n    return tf.x\nimport tensorflow as tf\n", {"remove": [TF]}, False),
    "import-in-a-function": ("def f():\n    import tensorflow as tf\n    return 1\n", {"remove": [TF]}, False),
    "import-in-a-try-block": ("try:\n    import tensorflow as tf\nexcept ImportError:\n    pass\n", {"remove": [TF]}, False),
    "import-in-a-class": ("class A:\n    import tensorflow as tf\n    x = tf.x\n", {"remove": [TF]}, False),
    "name-also-assigned": ("import tensorflow as tf\ndef f():\n    tf = 1\n    return tf\n", {"remove": [TF]}, False),
    "name-declared-global": ("import tensorflow as tf\ndef f():\n    global tf\n    return tf\n", {"remove": [TF]}, False),
    "name-deleted": ("import tensorflow as tf\ndel tf\n", {"remove": [TF]}, False),
    "name-in-a-string-annotation": ("import tensorflow as tf\ndef f(x: 'tf.Tensor'):\n    return x\n", {"remove": [TF]}, False),
    "name-in-all": ('from a import b\n__all__ = ["b"]\n', {"remove": [("a", "b", None)]}, False),
    "name-in-a-cast": ("from typing import cast\nimport tensorflow as tf\nx = cast('tf.Tensor', 1)\n", {"remove": [TF]}, False),
    "dotted-import-read": ("import a.b\nimport a.c\nx = a.c.d\n", {"remove": [("a.b", None, None)]}, False),
    "with-and-without-an-alias": ("import keras\nimport keras as k\nx = 1\n", {"remove": [KERAS, ("keras", None, "k")]}, False),
    "added-after-the-docstring": ('"""Doc."""\nx = 1\n', {"add": [KERAS]}, True),
    "added-after-the-first-block": ("import os\nfrom a import b\n\nx = 1\nimport sys\n", {"add": [KERAS]}, True),
    "added-into-a-from-import": ("from tensorflow import nn\nx = nn\n", {"add": [("tensorflow", "keras", None)]}, True),
    "added-with-an-alias": ("import keras as k\n# about x\nx = 1\n", {"add": [("keras", None, "keras3"), ("tensorflow", "keras", "tfk")]}, True),
    "already-there": ("import keras\nx = 1\n", {"add": [KERAS]}, True),
    "already-there-by-a-star": ("from keras import *\nx = 1\n", {"add": [("keras", "ops", None)]}, True),
    "after-a-strict-flag": ("__strict__ = True\nimport os\nx = 1\n", {"add": [KERAS, ("keras", "ops", None)]}, True),
    "header-comment-and-no-imports": ("# Copyright\n\nx = 1\n", {"add": [KERAS]}, True),
    "empty-module": ("", {"add": [KERAS]}, True),
    "block-ends-at-a-line-of-two-statements": ("import os; import sys\nimport re\nx = 1\n", {"add": [KERAS]}, True),
    "added-and-removed": ("import tensorflow as tf\nx = keras.optimizers.Adam()\n", {"add": [KERAS], "remove": [TF]}, True),
    "dropped-though-read": ("from keras import backend as K\nx = K.sqrt(2)\n", {"drop": [("keras", "backend", "K")], "add": [("keras", "ops", "K")]}, True),
    "dropped-one-of-two": ("from keras import backend as K, layers\nx = K\n", {"drop": [("keras", "backend", "K")]}, True),
    "dropped-in-a-try-block": ("try:\n    from keras import backend as K\nexcept ImportError:\n    K = None\n", {"drop": [("keras", "backend", "K")]}, False),
}


@pytest.mark.parametrize("source, requests, direct", CASES.values(), ids=CASES.keys())
def test_the_edits_are_libcsts(source, requests, direct) -> None:
    expected, edited, was_direct = _edit(source, **requests)
    assert edited == expected
    assert was_direct is direct


def test_a_fallback_is_counted_with_its_reason() -> None:
    before = sum(count for reason, count in import_edits.fallbacks.items() if "in a function or class" in reason)
    _edit("import tensorflow as tf\ndef f():\n    import tensorflow as tf\n    return tf.x\n", remove=[TF])
    after = sum(count for reason, count in import_edits.fallbacks.items() if "in a function or class" in reason)
    assert after == before + 1


SURVEYED = [case[0] for case in CASES.values()] + [
    "import tensorflow as tf\ndef f(x: 't\\x66.Tensor'):\n    return x\n",  # an escape spells the name
    "import tensorflow as tf\ndef f():\n    def g():\n        nonlocal y\n    return 1\n",
    "import tensorflow as tf\n\n@tf.function\ndef f():\n    return 1\n\n\n# tf is read below\ny = [\n    tf\n]\nz = 1; w = tf\n",
]


@pytest.mark.parametrize("source", SURVEYED)
def test_statements_whose_source_cannot_spell_the_names_are_passed_over_with_the_same_survey(source) -> None:
    module = cst.parse_module(source)
    names = {"tf", "b", "c", "K", "keras", "k", "a", "backend", "os", "annotations"}
    typing = {"cast": {"typing.cast"}}
    sources = statement_sources(module, source)
    assert sources or not module.body
    assert survey(module, names, typing, sources) == survey(module, names, typing)
