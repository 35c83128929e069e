"""`optfix verify`'s verdicts, each reached on a class written for it: equal (also where it takes
float32, a required dict parameter, or imports unrelated to the optimizer), DIFFERENT, FAILED (the
migration raises under Keras 3), not run (the original raises, alone or as the migration does), not migrated; OptimizerV2
classes run on tf_keras, with an embedding's tf.IndexedSlices gradients where they have a sparse path; `--backend jax` runs the migration on JAX."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from conftest import REPO, require

V2_FIXTURES = REPO / "fixtures" / "optimizer-v2"

# Faithfully migrated, but the user's module-level code gives the update nothing to multiply by under Keras 3.
BREAKS_ON_KERAS_3 = '''\
import keras
from keras import backend as K
from keras.optimizers import Optimizer

SCALE = 1.0 if keras.__version__.startswith("2.") else None


class BreaksOnKeras3(Optimizer):
    def __init__(self, lr=0.01, **kwargs):
        super(BreaksOnKeras3, self).__init__(**kwargs)
        self.lr = K.variable(lr, name='lr')

    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        self.updates = []
        for p, g in zip(params, grads):
            self.updates.append(K.update(p, p - SCALE * self.lr * g))
        return self.updates
'''

# The mirror image: only the original cannot step.
BREAKS_ON_KERAS_2 = '''\
import keras
from keras import backend as K
from keras.optimizers import Optimizer

SCALE = None if keras.__version__.startswith("2.") else 1.0


class BreaksOnKeras2(Optimizer):
    def __init__(self, lr=0.01, **kwargs):
        super(BreaksOnKeras2, self).__init__(**kwargs)
        self.lr = K.variable(lr, name='lr')

    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        self.updates = []
        for p, g in zip(params, grads):
            self.updates.append(K.update(p, p - SCALE * self.lr * g))
        return self.updates
'''

# A required parameter read as a dict, an import of a package that is not installed, and a part of Keras 2 the numpy backend lacks.
DICT_ARGUMENT = '''\
import some_package_that_is_not_installed
from keras import backend as K
from keras.layers import Dense
from keras.optimizers import Optimizer


class Multiplied(Optimizer):
    def __init__(self, multipliers, lr=0.01, **kwargs):
        super(Multiplied, self).__init__(**kwargs)
        self.lr = K.variable(lr, name='lr')
        self.multipliers = multipliers
        self.skipped = [name for name in multipliers if multipliers.get(name) == 0]

    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        self.updates = []
        for p, g in zip(params, grads):
            self.updates.append(K.update(p, p - self.lr * g))
        return self.updates
'''

# Casts the gradient to float32: Keras 3 on TensorFlow refuses to multiply it with a float64 variable.
DTYPE_MIX = '''\
from keras import backend as K
from keras.optimizers import Optimizer


class Float32Gradients(Optimizer):
    def __init__(self, lr=0.01, **kwargs):
        super(Float32Gradients, self).__init__(**kwargs)
        self.lr = K.variable(lr, name='lr')

    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        self.updates = []
        for p, g in zip(params, grads):
            self.updates.append(K.update(p, p - self.lr * K.cast(g, 'float32')))
        return self.updates
'''

# Computes something else on JAX than on TensorFlow: only a run on JAX can tell.
BACKEND_DEPENDENT = '''\
import keras
from keras import backend as K
from keras.optimizers import Optimizer

SCALE = 1.0 if keras.backend.backend() == "tensorflow" else 2.0


class ScaledOnJax(Optimizer):
    def __init__(self, lr=0.01, **kwargs):
        super(ScaledOnJax, self).__init__(**kwargs)
        self.lr = K.variable(lr, name='lr')

    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        self.updates = []
        for p, g in zip(params, grads):
            self.updates.append(K.update(p, p - SCALE * self.lr * g))
        return self.updates
'''


def verify(tmp_path: Path, name: str, text: str | None = None, backend: str = "tensorflow", unsafe_fixes: bool = False):
    """The rows of one file, by class name, verified in this process."""
    keras = require("keras")
    from optfix.verify.source_file import verify_file

    path = tmp_path / name
    if text is not None:
        path.write_text(text)
    rows, errors = verify_file(path, name, keras, backend=backend, unsafe_fixes=unsafe_fixes)
    assert not errors, errors
    return {row.name: row for row in rows}


def test_a_migration_that_raises_under_keras_3_is_failed_even_though_the_original_ran(tmp_path) -> None:
    row = verify(tmp_path, "breaks.py", BREAKS_ON_KERAS_3)["BreaksOnKeras3"]
    assert row.kind == "FAILED" and row.difference is None
    assert row.verdict.startswith("FAILED: the migrated class raised ValueError")


def test_a_migration_whose_module_cannot_load_is_failed(tmp_path) -> None:
    text = BREAKS_ON_KERAS_3.replace("SCALE = ", 'assert keras.__version__.startswith("2."), "Keras 2 only"\nSCALE = ')
    row = verify(tmp_path, "keras2_only.py", text)["BreaksOnKeras3"]
    assert row.verdict == "FAILED: the migrated class raised AssertionError: Keras 2 only (loading its module)"


def test_an_original_that_cannot_run_beside_a_migration_that_does_is_not_run(tmp_path) -> None:
    row = verify(tmp_path, "mirror.py", BREAKS_ON_KERAS_2)["BreaksOnKeras2"]
    assert row.verdict.startswith("not run: the original raised TypeError: unsupported operand")


def test_a_required_dict_parameter_and_unrelated_imports_do_not_keep_it_from_running(tmp_path) -> None:
    row = verify(tmp_path, "multiplied.py", DICT_ARGUMENT)["Multiplied"]
    assert row.verdict == "equal" and row.difference <= 1e-6


def test_a_required_parameter_that_is_not_a_dict_still_needs_arguments(tmp_path) -> None:
    text = DICT_ARGUMENT.replace("multipliers.get(name) == 0", "name == 0").replace("for name in multipliers", "for name in range(multipliers)")
    row = verify(tmp_path, "counted.py", text)["Multiplied"]
    assert row.verdict.startswith("not run: needs constructor arguments (missing a required argument: 'multipliers')")


def test_code_that_cannot_run_in_float64_is_compared_in_float32(tmp_path) -> None:
    row = verify(tmp_path, "float32.py", DTYPE_MIX)["Float32Gradients"]
    assert row.kind == "equal" and row.difference <= 1e-4
    assert row.verdict.startswith("equal (in float32: in float64 the migrated class raised InvalidArgumentError")


def test_a_migration_that_computes_something_else_is_different(tmp_path) -> None:
    text = BACKEND_DEPENDENT.replace('keras.backend.backend() == "tensorflow"', 'keras.__version__.startswith("2.")')
    row = verify(tmp_path, "scaled.py", text)["ScaledOnJax"]
    assert row.verdict == "DIFFERENT" and row.difference > 1e-3


def test_optimizer_v2_classes_run_on_tf_keras_beside_their_migration(tmp_path) -> None:
    require("tf_keras")
    for name in ("sgd_style.py", "kernel_lazy_momentum.py"):
        shutil.copy(V2_FIXTURES / name, tmp_path / name)
    equal = verify(tmp_path, "sgd_style.py")["SGDStyle"]
    assert equal.verdict == "equal (dense and IndexedSlices gradients)" and equal.difference <= 1e-6
    # A lazy sparse update is exact on the TensorFlow backend only: migrated, and run, with --unsafe-fixes.
    reported = verify(tmp_path, "kernel_lazy_momentum.py")["KernelSGDEmbeddings"]
    assert reported.verdict.startswith("not migrated: without --unsafe-fixes: its _resource_apply_sparse() updates only the rows")
    unsafe = verify(tmp_path, "kernel_lazy_momentum.py", unsafe_fixes=True)["KernelSGDEmbeddings"]
    assert unsafe.verdict == "equal (dense and IndexedSlices gradients)" and unsafe.difference <= 1e-6


def test_a_class_with_a_sparse_path_is_also_fed_indexed_slices_and_a_wrong_sparse_branch_is_different(tmp_path) -> None:
    """The sparse method scales the rows by something only Keras 3 sees differently: the dense
    gradients agree, the tf.IndexedSlices ones (rows that move each step, one given twice) do not."""
    require("tf_keras")
    text = (V2_FIXTURES / "lazy_sparse.py").read_text()
    faithful = verify(tmp_path, "lazy_sparse.py", text, unsafe_fixes=True)["LazyMomentum"]
    assert faithful.verdict == "equal (dense and IndexedSlices gradients)" and faithful.difference <= 1e-6
    scaled_rows = ("import os\n" + text.replace("tf.gather(velocity, indices) + grad", "tf.gather(velocity, indices) + ROW_SCALE * grad")
                   + '\nROW_SCALE = 1.0 if os.environ.get("TF_USE_LEGACY_KERAS") == "1" else 2.0\n')
    broken = verify(tmp_path, "scaled_rows.py", scaled_rows, unsafe_fixes=True)["LazyMomentum"]
    assert broken.verdict == "DIFFERENT (only with IndexedSlices gradients)" and broken.difference > 1e-3


# A dense method compiled with tf.function: autograph reads the method's source, which must be the
# migration's, not the original's of the same file.
COMPILED_DENSE_ONLY = '''\
import tensorflow as tf


class CompiledMomentum(tf.keras.optimizers.Optimizer):
    def __init__(self, learning_rate=0.01, momentum=0.5, name="CompiledMomentum", **kwargs):
        super().__init__(name, **kwargs)
        self._set_hyper("learning_rate", kwargs.get("lr", learning_rate))
        self._set_hyper("decay", self._initial_decay)
        self._set_hyper("momentum", momentum)

    def _create_slots(self, var_list):
        for var in var_list:
            self.add_slot(var, "velocity")

    @tf.function
    def _resource_apply_dense(self, grad, var):
        var_dtype = var.dtype.base_dtype
        velocity = self.get_slot(var, "velocity")
        velocity.assign(self._get_hyper("momentum", var_dtype) * velocity - self._decayed_lr(var_dtype) * grad)
        return var.assign_add(velocity)

    def _resource_apply_sparse(self, grad, var, indices):
        """Not written."""
        raise NotImplementedError("dense gradients only")
'''


def test_a_method_compiled_with_tf_function_runs_from_the_migrated_source(tmp_path) -> None:
    require("tf_keras")
    row = verify(tmp_path, "compiled.py", COMPILED_DENSE_ONLY)["CompiledMomentum"]
    assert row.verdict == "equal" and row.difference <= 1e-6


def test_a_class_whose_sparse_method_only_raises_is_fed_dense_gradients_only(tmp_path) -> None:
    """The original takes no sparse gradient (its sparse method raises): there is no sparse run
    to compare, so the dense runs decide; feeding it an embedding's gradient would say "not run"."""
    require("tf_keras")
    text = (V2_FIXTURES / "no_learning_rate.py").read_text()
    assert "raise NotImplementedError" in text
    row = verify(tmp_path, "no_learning_rate.py", text)["CoinBetting"]
    assert row.verdict == "equal" and row.difference <= 1e-6


def test_an_optimizer_v2_class_with_a_required_parameter_needs_arguments_not_a_failed_migration(tmp_path) -> None:
    """The original runs on tf_keras in another process, so its signature is read from the source:
    a required learning rate (tfa's ConditionalGradient) is the user's to give, not a fault of the migration."""
    text = (V2_FIXTURES / "base_prepare_undecayed_rate.py").read_text().replace("learning_rate=0.25,", "learning_rate,")
    assert "learning_rate=0.25" not in text
    row = verify(tmp_path, "required_rate.py", text)["ShrinkToward"]
    assert row.verdict == "not run: needs constructor arguments (missing learning_rate)"


needs_jax = pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="JAX is not installed: the verify-jax extra")


@needs_jax
def test_with_backend_jax_the_migration_runs_on_jax(tmp_path, optfix) -> None:
    require("keras")
    (tmp_path / "scaled.py").write_text(BACKEND_DEPENDENT)
    shutil.copy(REPO / "fixtures" / "get-updates" / "adam.py", tmp_path / "adam.py")
    on_tensorflow = verify(tmp_path, "scaled.py")["ScaledOnJax"]
    assert on_tensorflow.verdict == "equal"
    result = optfix("verify", "--backend", "jax", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    lines = {line.split()[1]: line for line in result.stdout.decode().splitlines()[1:]}
    assert lines["ScaledOnJax"].endswith("DIFFERENT")
    assert lines["Adam"].endswith("equal")
    assert result.stderr.decode().endswith("2 optimizers: 1 equal, 1 DIFFERENT (2 files checked).\n")


def test_an_unknown_backend_is_a_usage_error(tmp_path, optfix) -> None:
    result = optfix("verify", "--backend", "torch", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.decode() == "optfix: --backend must be one of tensorflow, jax, not 'torch'\n"


PROJECT_FLAG_BACKEND = '''\
import os
import keras
from keras import backend as K

USE_TF_KERAS = os.environ.get("USE_TF_KERAS") == "1"
'''

# The optimizer is migrated; the module also reads a flag of the project's backend.py, which verify
# does not run (it stands in for the module's Keras names only), on both sides alike.
READS_A_PROJECT_FLAG = '''\
from .backend import keras, K, USE_TF_KERAS


class Plain(keras.optimizers.Optimizer):
    def __init__(self, lr=0.01, **kwargs):
        super(Plain, self).__init__(**kwargs)
        self.lr = K.variable(lr, name='lr')

    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        self.updates = []
        for p, g in zip(params, grads):
            self.updates.append(K.update(p, p - self.lr * g))
        return self.updates


if USE_TF_KERAS:
    Plain = None
'''


@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_a_module_that_fails_alike_before_and_after_migration_is_not_run_not_failed(tmp_path, backend) -> None:
    if backend == "jax" and importlib.util.find_spec("jax") is None:
        pytest.skip("the verify-jax extra is not installed")
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "backend.py").write_text(PROJECT_FLAG_BACKEND)
    row = verify(package, "opt.py", READS_A_PROJECT_FLAG, backend=backend)["Plain"]
    assert row.verdict.startswith("not run: the original raised it too: ImportError: cannot import name 'USE_TF_KERAS'"), row.verdict
