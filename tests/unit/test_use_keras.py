"""FileContext.use_keras: the imports a rewrite to a Keras reference asks for."""

import libcst as cst

from optfix.rulekit.rule import FileContext, FixOptions


def _file(source: str, keras_import: str = "keras") -> FileContext:
    return FileContext(cst.parse_module(source), source, FixOptions(keras_import=keras_import))


def test_adds_keras_where_the_reference_needs_it_and_retires_the_replaced_import():
    file = _file("from tensorflow.keras.optimizers import legacy\nopt = legacy.Adam()\n")
    file.use_keras(True, cst.parse_expression("legacy.Adam"))
    assert file.imports_to_add == [("keras", None, None)]
    assert file.imports_to_remove == [("tensorflow.keras.optimizers", "legacy", None)]


def test_adds_nothing_where_the_file_already_reaches_keras():
    file = _file("import keras\nfrom keras.optimizers import legacy\n")
    file.use_keras(False, cst.parse_expression("legacy.SGD"))
    assert file.imports_to_add == []
    assert file.imports_to_remove == [("keras.optimizers", "legacy", None)]


def test_a_replaced_name_no_import_binds_retires_nothing():
    file = _file("def f(optimizers):\n    return optimizers.Adam()\n")
    file.use_keras(True, cst.parse_expression("optimizers.Adam"))
    assert file.imports_to_add == [("keras", None, None)]
    assert file.imports_to_remove == []


def test_binds_the_name_asked_for_with_the_keras_import_setting():
    file = _file("import tensorflow as tf\n", keras_import="tensorflow")
    file.use_keras(True, name="keras3")
    assert file.imports_to_add == [("tensorflow", "keras", "keras3")]
    assert file.imports_to_remove == []
