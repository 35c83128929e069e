"""get-updates on optimizers that reach Keras through a re-export module of their own project
(`from .backend import keras, backend as K`, backend.py picking keras or tf.keras): small
packages built here, the real `optfix fix` / `optfix check` / `optfix verify` console scripts run
on them, the rewrite executed under Keras 3, and what must stay reported."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import require
from test_verify import rows

# keras-bert's way: an environment variable picks the Keras; every branch is one.
BACKEND = '''\
import os

if os.environ.get('TF_KERAS', '0') != '0':
    from tensorflow import keras
else:
    import keras

backend = keras.backend
optimizers = keras.optimizers
'''

MOMENTUM = '''\
from .backend import keras, backend as K


class MomentumSGD(keras.optimizers.Optimizer):
    def __init__(self, lr=0.1, momentum=0.9, **kwargs):
        super(MomentumSGD, self).__init__(**kwargs)
        self.lr = K.variable(lr, name='lr')
        self.momentum = K.variable(momentum, name='momentum')

    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        self.updates = []
        moments = [K.zeros(K.int_shape(p), dtype=K.dtype(p)) for p in params]
        for p, g, m in zip(params, grads, moments):
            v = self.momentum * m - self.lr * g
            self.updates.append(K.update(m, v))
            self.updates.append(K.update(p, p + v))
        return self.updates
'''

# The package's name in an absolute import, and `keras` used outside the class too.
SIGN = '''\
from pkg.backend import optimizers
from pkg.backend import backend as K
from pkg.backend import keras

EPSILON = keras.backend.epsilon()


class SignSGD(optimizers.Optimizer):
    def __init__(self, lr=0.01, **kwargs):
        super().__init__(**kwargs)
        self.lr = K.variable(lr, name='lr')

    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        self.updates = []
        for p, g in zip(params, grads):
            self.updates.append(K.update(p, p - self.lr * K.sign(g)))
        return self.updates
'''

HELPERS = "from .backend import TF_KERAS\n\n\ndef describe():\n    return 'tf.keras' if TF_KERAS else 'keras'\n"

# A package whose __init__ picks the Keras in a try/except; `from . import backend as K`.
COMPAT_INIT = '''\
try:
    import keras
except ImportError:
    from tensorflow import keras
backend = keras.backend
'''

PLAIN = '''\
from . import keras
from . import backend as K


class PlainSGD(keras.optimizers.Optimizer):
    def __init__(self, lr=0.05, **kwargs):
        super().__init__(**kwargs)
        self.lr = K.variable(lr, name='lr')

    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        self.updates = []
        for p, g in zip(params, grads):
            self.updates.append(K.update_sub(p, self.lr * g))
        return self.updates
'''


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    _write(tmp_path, {
        "pkg/__init__.py": "", "pkg/backend.py": BACKEND, "pkg/momentum.py": MOMENTUM,
        "pkg/sign.py": SIGN, "pkg/helpers.py": HELPERS,
        "compat/__init__.py": COMPAT_INIT, "compat/plain.py": PLAIN,
    })
    return tmp_path


def _train_under_keras3(root: Path, module: str, name: str) -> list[list[float]]:
    """Import the migrated module as its package's (its re-export module runs for real, under
    Keras 3) and take two steps of `apply_gradients` on one variable."""
    script = textwrap.dedent(f'''
        import json, keras
        from {module} import {name}
        assert issubclass({name}, keras.optimizers.Optimizer)
        optimizer = {name}()
        variable = keras.Variable([1.0, -2.0], dtype="float32")
        steps = []
        for gradient in ([0.5, -1.0], [0.25, 2.0]):
            optimizer.apply_gradients([(keras.ops.convert_to_tensor(gradient), variable)])
            steps.append([float(x) for x in keras.ops.convert_to_numpy(variable)])
        print(json.dumps(steps))
    ''')
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(root)}
    result = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr.decode()
    import json

    return [value for step in json.loads(result.stdout.decode().splitlines()[-1]) for value in step]


@pytest.mark.tf
def test_fix_migrates_through_the_projects_module_and_imports_keras_3_directly(project, optfix) -> None:
    require("keras")
    untouched = {name: (project / name).read_bytes() for name in ("pkg/__init__.py", "pkg/backend.py", "pkg/helpers.py", "compat/__init__.py")}
    result = optfix("fix", "--quiet", ".", cwd=project)
    assert result.returncode == 0, result.stderr
    assert {name: (project / name).read_bytes() for name in untouched} == untouched, "the project's modules stay as they were"

    momentum = (project / "pkg/momentum.py").read_text()
    # The re-export import served only the migrated class: Keras 3 is imported directly instead.
    assert "from .backend import" not in momentum
    assert "import keras\n" in momentum and "class MomentumSGD(keras.optimizers.Optimizer)" in momentum
    assert "def update_step(self, gradient, variable, learning_rate)" in momentum and "get_updates" not in momentum
    # Momentum SGD by hand: v = 0.9 v - 0.1 g; p += v.
    p, v, expected = [1.0, -2.0], [0.0, 0.0], []
    for g in ([0.5, -1.0], [0.25, 2.0]):
        v = [0.9 * vi - 0.1 * gi for vi, gi in zip(v, g)]
        p = [pi + vi for pi, vi in zip(p, v)]
        expected += p
    assert _train_under_keras3(project, "pkg.momentum", "MomentumSGD") == pytest.approx(expected, rel=1e-6)

    sign = (project / "pkg/sign.py").read_text()
    # `keras` is still read at module level (EPSILON): its import stays, Keras 3 gets another name.
    assert "from pkg.backend import keras\n" in sign and "import keras as keras3\n" in sign
    assert "from pkg.backend import backend as K" not in sign and "class SignSGD(keras3.optimizers.Optimizer)" in sign
    p, expected = [1.0, -2.0], []
    for g in ([0.5, -1.0], [0.25, 2.0]):
        p = [pi - 0.01 * (1 if gi > 0 else -1) for pi, gi in zip(p, g)]
        expected += p
    assert _train_under_keras3(project, "pkg.sign", "SignSGD") == pytest.approx(expected, rel=1e-6)

    plain = (project / "compat/plain.py").read_text()
    assert "from . import" not in plain and "update_step" in plain
    p, expected = [1.0, -2.0], []
    for g in ([0.5, -1.0], [0.25, 2.0]):
        p = [pi - 0.05 * gi for pi, gi in zip(p, g)]
        expected += p
    assert _train_under_keras3(project, "compat.plain", "PlainSGD") == pytest.approx(expected, rel=1e-6)


# keras-bert 0.60's way: a flag of the re-export module imported beside the backend, unread.
FLAGGED = MOMENTUM.replace("from .backend import keras, backend as K", "from .backend import keras\nfrom .backend import backend as K, TF_KERAS")


@pytest.mark.tf
def test_fix_drops_an_unread_name_of_the_projects_module_with_its_keras(project, optfix) -> None:
    require("keras")
    (project / "pkg/backend.py").write_text("TF_KERAS = False\n" + BACKEND + "engine = keras.engine  # Keras 2 only\n")
    _write(project, {"pkg/flagged.py": FLAGGED, "pkg/flag_read.py": FLAGGED + "\nNAME = 'tf.keras' if TF_KERAS else 'keras'\n"})
    result = optfix("fix", "--quiet", "pkg/flagged.py", "pkg/flag_read.py", cwd=project)
    assert result.returncode == 0, result.stderr

    flagged = (project / "pkg/flagged.py").read_text()
    # The module fails on Keras 3 (keras.engine): the migrated file no longer imports it, and trains.
    assert "from .backend import" not in flagged and "import keras\n" in flagged
    p, v, expected = [1.0, -2.0], [0.0, 0.0], []
    for g in ([0.5, -1.0], [0.25, 2.0]):
        v = [0.9 * vi - 0.1 * gi for vi, gi in zip(v, g)]
        p = [pi + vi for pi, vi in zip(p, v)]
        expected += p
    assert _train_under_keras3(project, "pkg.flagged", "MomentumSGD") == pytest.approx(expected, rel=1e-6)
    # A name the file still reads keeps its import.
    assert "from .backend import TF_KERAS\n" in (project / "pkg/flag_read.py").read_text()


@pytest.mark.tf
def test_verify_runs_a_package_directory_and_never_runs_the_projects_module(project, optfix) -> None:
    require("keras")
    # Were the user's module run, verify would fail: proven names are all it takes from it.
    (project / "pkg/backend.py").write_text(BACKEND + "raise RuntimeError('the project module was run')\n")
    (project / "compat/__init__.py").write_text(COMPAT_INIT + "raise RuntimeError('the project module was run')\n")
    before = {path: path.read_bytes() for path in project.rglob("*.py")}
    result = optfix("verify", "pkg", "compat", cwd=project)
    assert result.returncode == 0, result.stderr
    table = rows(result.stdout)
    assert sorted(table) == ["MomentumSGD", "PlainSGD", "SignSGD"]
    assert table["MomentumSGD"]["location"] == "pkg/momentum.py:4"
    assert table["PlainSGD"]["location"] == "compat/plain.py:5"
    for row in table.values():
        assert row["verdict"] == "equal" and row["steps"] == "20" and float(row["difference"]) <= 1e-6
    assert result.stderr.decode().splitlines()[-1] == "3 optimizers: 3 equal (7 files checked)."
    assert {path: path.read_bytes() for path in project.rglob("*.py")} == before, "verify must write nothing"


@pytest.mark.tf
def test_verify_gives_a_name_the_original_imports_and_never_reads_a_placeholder(project, optfix) -> None:
    require("keras")
    # The project's module has no TF_KERAS here: were the original's import of it taken as it
    # is, the original would fail to load.
    read = FLAGGED.replace("MomentumSGD", "FlagReader") + "\nNAME = 'tf.keras' if TF_KERAS else 'keras'\n"
    _write(project, {"pkg/flagged.py": FLAGGED, "pkg/flag_read.py": read})
    result = optfix("verify", "pkg/flagged.py", "pkg/flag_read.py", cwd=project)
    table = rows(result.stdout)
    assert table["MomentumSGD"]["verdict"] == "equal" and table["MomentumSGD"]["location"] == "pkg/flagged.py:5"
    # A name the file reads is not made up: its import fails, and verify says so.
    assert "cannot import name 'TF_KERAS'" in table["FlagReader"]["verdict"]


@pytest.mark.parametrize(("backend", "reason"), [
    ("import keras\nimport mylib.keras_compat as keras\nbackend = keras.backend\n",
     "backend.py binds keras at line 2 to mylib.keras_compat, which is not Keras"),
    ("import os\nif os.environ.get('K'):\n    import keras\nelse:\n    keras = None\nbackend = keras.backend\n",
     "backend.py binds keras at line 5 to something optfix cannot prove is Keras"),
    ("from keras import *\nimport keras\nbackend = keras.backend\n",
     "backend.py has a star import at line 1, which may bind any name"),
    ("import keras\nbackend = keras.backend(\n", "backend.py cannot be parsed ('(' was never closed)"),
    (None, ".backend is not found beside momentum.py"),
], ids=["other-module", "branch-not-keras", "star-import", "unparsable", "not-found"])
def test_what_cannot_be_proven_stays_reported_at_the_import_and_line(tmp_path, optfix, backend, reason) -> None:
    files = {"pkg/__init__.py": "", "pkg/momentum.py": MOMENTUM}
    if backend is not None:
        files["pkg/backend.py"] = backend
    _write(tmp_path, files)
    before = (tmp_path / "pkg/momentum.py").read_bytes()
    result = optfix("check", "pkg", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    findings = [line for line in result.stderr.decode().splitlines() if "get-updates" in line]
    advice = "import Keras directly and run optfix again"
    assert findings[0] == (f"pkg/momentum.py:4:19: get-updates MomentumSGD not migrated: keras is imported from .backend "
                           f"(line 1), which optfix cannot prove is Keras ({reason}): {advice}")
    assert findings[1].startswith("pkg/momentum.py:7:19: get-updates MomentumSGD not migrated: K is imported from .backend "
                                  "(line 1), which optfix cannot prove is Keras (") and findings[1].endswith(advice)
    assert len(findings) == 2
    assert optfix("fix", "pkg", cwd=tmp_path).returncode == 1
    assert (tmp_path / "pkg/momentum.py").read_bytes() == before
