"""`optfix verify` end to end: the real console script on copies of get-updates fixtures and on
classes written here, its table, verdicts, exit status, errors, and the message without Keras.
The runs that verify classes need Keras 3 and TensorFlow in the child process (marker tf)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import OPTFIX, REPO, require

FIXTURES = REPO / "fixtures" / "get-updates"
NEEDS_KERAS = "optfix verify needs Keras 3, TensorFlow and tf_keras: the verify extra (from a checkout: pip install '.[verify]')"
ROW = re.compile(r"^(?P<location>\S+)\s+(?P<name>\S+)\s+(?P<steps>\S+)\s+(?P<difference>\S+)\s+(?P<verdict>\S.*)$")

# The user's own module-level code reads the Keras version, so under Keras 3 it takes the other
# branch: the rule migrates the class faithfully, yet it computes something else. verify must say so.
VERSION_DEPENDENT = '''\
import keras
from keras import backend as K
from keras.optimizers import Optimizer

SCALE = 1.0 if keras.__version__.startswith("2.") else 2.0


class ScaledSGD(Optimizer):
    def __init__(self, lr=0.01, **kwargs):
        super(ScaledSGD, self).__init__(**kwargs)
        self.lr = K.variable(lr, name='lr')

    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        self.updates = []
        for p, g in zip(params, grads):
            self.updates.append(K.update(p, p - SCALE * self.lr * g))
        return self.updates
'''

REQUIRED_ARGUMENT = '''\
from keras import backend as K
from keras.optimizers import Optimizer


class NeedsMomentum(Optimizer):
    def __init__(self, momentum, lr=0.01, **kwargs):
        super(NeedsMomentum, self).__init__(**kwargs)
        self.lr = K.variable(lr, name='lr')
        self.momentum = K.variable(momentum, name='momentum')

    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        moments = [K.zeros(K.int_shape(p)) for p in params]
        self.updates = []
        for p, g, m in zip(params, grads, moments):
            v = self.momentum * m - self.lr * g
            self.updates.append(K.update(m, v))
            self.updates.append(K.update(p, p + v))
        return self.updates
'''

UNPARSABLE = "def get_updates(self, loss, params):\n    return [\n"


def rows(stdout: bytes) -> dict[str, dict[str, str]]:
    """The table's rows by class name; every line must be a row, the first the header."""
    lines = stdout.decode().splitlines()
    assert lines and lines[0].split() == ["LOCATION", "CLASS", "STEPS", "MAX", "REL.", "DIFF", "VERDICT"]
    found = {}
    for line in lines[1:]:
        match = ROW.match(line)
        assert match, f"not a table row: {line!r}"
        found[match["name"]] = match.groupdict()
    return found


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    require("keras")
    for name in ("sgd.py", "adam.py", "wrapper.py"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    (tmp_path / "version.py").write_text(VERSION_DEPENDENT)
    (tmp_path / "required.py").write_text(REQUIRED_ARGUMENT)
    (tmp_path / "plain.py").write_text("x = 1\n")
    return tmp_path


@pytest.mark.tf
def test_a_tree_gives_one_row_per_class_and_exit_1_when_any_is_not_equal(tree, optfix) -> None:
    before = {path.name: path.read_bytes() for path in tree.iterdir()}
    result = optfix("verify", cwd=tree)
    assert result.returncode == 1, result.stderr
    table = rows(result.stdout)
    assert set(table) == {"SGD", "Adam", "Accumulating", "ScaledSGD", "NeedsMomentum"}
    for name, location in (("SGD", "sgd.py:7"), ("Adam", "adam.py:6")):
        assert table[name]["location"] == location
        assert table[name]["verdict"] == "equal" and table[name]["steps"] == "20"
        assert float(table[name]["difference"]) <= 1e-6
    different = table["ScaledSGD"]
    assert different["location"] == "version.py:8" and different["verdict"] == "DIFFERENT"
    assert float(different["difference"]) > 1e-3
    assert table["NeedsMomentum"]["verdict"] == "not run: needs constructor arguments (missing a required argument: 'momentum')"
    assert table["NeedsMomentum"]["difference"] == "-"
    wrapper = table["Accumulating"]
    assert wrapper["location"] == "wrapper.py:6"
    assert wrapper["verdict"].startswith("not migrated: it drives another optimizer's get_updates (a wrapper)")
    assert result.stderr.decode().splitlines() == [
        "5 optimizers: 2 equal, 1 DIFFERENT, 1 not run, 1 not migrated (6 files checked)."]
    assert {path.name: path.read_bytes() for path in tree.iterdir()} == before, "verify must write nothing"


@pytest.mark.tf
def test_named_files_that_all_agree_exit_0_and_exclude_is_honoured(tree, optfix) -> None:
    result = optfix("verify", "sgd.py", "adam.py", cwd=tree)
    assert result.returncode == 0, result.stderr
    assert list(rows(result.stdout)) == ["SGD", "Adam"]
    assert result.stderr.decode() == "2 optimizers: 2 equal (2 files checked).\n"
    result = optfix("verify", "--exclude", "version.py", "--exclude", "required.py", "--exclude", "wrapper.py", cwd=tree)
    assert result.returncode == 0, result.stderr
    assert sorted(rows(result.stdout)) == ["Adam", "SGD"]


@pytest.mark.tf
def test_an_unparsable_file_is_reported_at_its_line_and_exits_2(tree, optfix) -> None:
    (tree / "broken.py").write_text(UNPARSABLE)
    result = optfix("verify", "broken.py", "sgd.py", cwd=tree)
    assert result.returncode == 2
    errors = result.stderr.decode().splitlines()
    assert errors[0] == "broken.py:2:12: syntax-error cannot parse: '[' was never closed"
    assert errors[-1] == "1 optimizer: 1 equal (2 files checked, 1 file could not be processed)."
    assert rows(result.stdout)["SGD"]["verdict"] == "equal"


def test_without_keras_it_says_what_to_install_in_one_line_and_exits_2(tmp_path) -> None:
    fake = tmp_path / "site" / "keras"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('No module named keras (a test stand-in)')\n")
    shutil.copy(FIXTURES / "sgd.py", tmp_path / "sgd.py")
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(tmp_path / "site")}
    result = subprocess.run([str(OPTFIX), "verify"], cwd=tmp_path, capture_output=True, env=env, timeout=300)
    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr.decode() == NEEDS_KERAS + "\n"


def test_help_says_it_runs_the_users_code(tmp_path, optfix) -> None:
    result = optfix("verify", "--help", cwd=tmp_path)
    assert result.returncode == 0
    text = " ".join(result.stdout.decode().split())
    assert "This RUNS YOUR CODE" in text and "pip install '.[verify]'" in text
