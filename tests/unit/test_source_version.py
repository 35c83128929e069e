"""The source version: read from each kind of declaration file a project may have, a range read
as the newest release it allows, conflicts and ranges that allow Keras 3 deciding nothing, and
what a source means for a call through each namespace."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from optfix import config
from optfix.analysis.imports import ImportTable
from optfix.files.declarations import declarations, project_folders
from optfix.lazy import libcst as cst
from optfix.rulekit.era import STANDALONE, TF_KERAS, keras2_era, source_era
from optfix.rulekit.source import choose, source_of
from optfix.settings import Mode


def _project(tmp_path: Path, files: dict[str, str]) -> Path:
    (tmp_path / ".git").mkdir(parents=True)
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def _chosen(root: Path, *paths: str):
    found = [(d.file, d.requirement, d.written) for d in declarations(tuple(root / p for p in paths or (".",)))]
    return choose(None, found, root)


@pytest.mark.parametrize("requirement, source", [
    ("keras==2.2.4", "keras-2.2"),
    ("keras==2.1.6", "keras-2.2"),
    ("keras<2.4", "keras-2.3"),
    ("keras>=2.3,<2.4", "keras-2.3"),
    ("keras~=2.2.4", "keras-2.2"),
    ("keras==2.2.*", "keras-2.2"),
    ("keras>=2.4,<3", "tf-keras-2"),
    ("tensorflow<2", "tf-1"),
    ("tensorflow==1.15", "tf-1"),
    ("tensorflow-gpu==1.14", "tf-1"),
    ("tensorflow_gpu==1.14.0", "tf-1"),
    ("tensorflow>=2.4,<2.16", "tf-keras-2"),
    ("tensorflow==2.15.1", "tf-keras-2"),
    ("tf-keras", "tf-keras-2"),
    ("tf_keras>=2.15", "tf-keras-2"),
    ("keras==2.2.4; python_version < '3.8'", "keras-2.2"),
])
def test_a_pin_names_the_source_of_the_newest_release_it_allows(requirement, source):
    assert source_of(requirement)[1] == source


@pytest.mark.parametrize("requirement", ["keras>=2.2.4", "tensorflow>=1.14", "keras==3.0", "tensorflow==2.16.1"])
def test_a_pin_that_allows_keras_3_decides_nothing(requirement):
    package, source, why = source_of(requirement)
    assert source is None and why


@pytest.mark.parametrize("requirement", ["keras", "tensorflow", "numpy==1.16", "not a requirement !"])
def test_requirements_that_say_nothing_of_the_era_are_skipped(requirement):
    assert source_of(requirement) is None


@pytest.mark.parametrize("name, text", [
    ("requirements.txt", "numpy==1.16  # arrays\n-r base.txt\nkeras==2.2.4\n"),
    ("requirements.txt", "keras==2.2.4 --hash=sha256:0123abcd\n"),
    ("requirements-gpu.txt", "tensorflow-gpu==1.14\nkeras==2.2.4\n"),
    ("setup.py", "from setuptools import setup\nsetup(name='x', install_requires=['numpy', 'keras==2.2.4'])\n"),
    ("setup.py", "from setuptools import setup\nREQUIRED = ['keras>=2.2,<2.3']\nsetup(install_requires=REQUIRED)\n"),
    ("setup.cfg", "[metadata]\nname = x\n[options]\ninstall_requires =\n    numpy\n    keras==2.2.4\n"),
    ("pyproject.toml", "[project]\nname = 'x'\ndependencies = ['keras==2.2.4']\n"),
    ("pyproject.toml", "[tool.poetry.dependencies]\npython = '^3.6'\nkeras = '~2.2.4'\n"),
    ("pyproject.toml", "[tool.poetry.dependencies]\nkeras = {version = '2.2.4', optional = true}\n"),
    ("Pipfile", "[packages]\nkeras = '==2.2.4'\nnumpy = '*'\n"),
    ("environment.yml", "name: x\ndependencies:\n  - python=3.6\n  - conda-forge::keras=2.2.4\n"),
    ("environment.yml", "name: x\ndependencies:\n  - pip\n  - pip:\n    - keras==2.2.4  # pinned\n"),
])
def test_each_kind_of_declaration_file_is_read(tmp_path, name, text):
    root = _project(tmp_path, {name: text, "train.py": ""})
    chosen = _chosen(root, "train.py")
    assert chosen.source == "keras-2.2", chosen
    assert chosen.reason.startswith(f"{name}: ")


def test_setup_py_is_read_not_run(tmp_path):
    root = _project(tmp_path, {"setup.py": "raise SystemExit('ran')\nsetup(install_requires=['keras==2.3.1'])\n"})
    assert _chosen(root).source == "keras-2.3"


def test_poetry_caret_is_the_range_it_stands_for(tmp_path):
    root = _project(tmp_path, {"pyproject.toml": "[tool.poetry.dependencies]\ntensorflow = '^1.14'\n"})
    assert _chosen(root).source == "tf-1"  # ^1.14: >=1.14,<2


def test_declarations_are_read_from_the_checked_path_up_to_the_project_root(tmp_path):
    (tmp_path / "requirements.txt").write_text("keras==2.2.4\n")  # above the root: another project's
    root = _project(tmp_path / "project", {"requirements.txt": "tensorflow==2.4.0\n", "src/models/train.py": ""})
    assert project_folders((root / "src" / "models" / "train.py",)) == [root / "src" / "models", root / "src", root]
    chosen = _chosen(root, "src/models/train.py")
    assert (chosen.source, chosen.reason) == ("tf-keras-2", "requirements.txt: tensorflow==2.4.0")


def test_a_folder_without_a_project_root_reads_only_itself(tmp_path):
    (tmp_path / "requirements.txt").write_text("keras==2.2.4\n")
    (tmp_path / "loose").mkdir()
    assert project_folders((tmp_path / "loose",)) == [tmp_path / "loose"]


def test_declarations_that_disagree_decide_nothing_and_say_why(tmp_path):
    root = _project(tmp_path, {"requirements.txt": "keras==2.2.4\n", "setup.py": "setup(install_requires=['tensorflow>=2.4,<2.16'])\n"})
    chosen = _chosen(root)
    assert chosen.source is None
    assert chosen.reason.startswith("declarations disagree: ")
    assert "keras==2.2.4 (keras-2.2)" in chosen.reason and "tensorflow>=2.4,<2.16 (tf-keras-2)" in chosen.reason


def test_standalone_keras_on_tensorflow_1_is_the_standalone_version(tmp_path):
    root = _project(tmp_path, {"requirements.txt": "tensorflow-gpu==1.14\nkeras==2.2.4\n"})
    chosen = _chosen(root)
    assert chosen.source == "keras-2.2"
    assert chosen.describe() == "source keras-2.2 (requirements.txt: keras==2.2.4; requirements.txt: tensorflow-gpu==1.14)"


def test_a_range_that_allows_keras_3_is_named_as_the_reason(tmp_path):
    root = _project(tmp_path, {"requirements.txt": "keras>=2.2.4\n"})
    chosen = _chosen(root)
    assert chosen.source is None
    assert chosen.describe() == "no source version (requirements.txt: keras>=2.2.4 allows 2.2.4 and also 3+, which is Keras 3)"


def test_the_source_given_wins_over_the_declarations(tmp_path):
    root = _project(tmp_path, {"requirements.txt": "keras==2.2.4\n"})
    found = [(d.file, d.requirement, d.written) for d in declarations((root,))]
    assert choose("tf-keras-2", found, root).describe() == "source tf-keras-2 (--source)"


@pytest.mark.parametrize("source, standalone, era", [
    ("keras-2.2", True, STANDALONE), ("keras-2.2", False, TF_KERAS),
    ("keras-2.3", True, STANDALONE),
    ("tf-keras-2", True, TF_KERAS), ("tf-keras-2", False, TF_KERAS),
    ("tf-1", True, STANDALONE), ("tf-1", False, None),
    (None, True, None),
])
def test_what_each_source_says_of_a_namespace(source, standalone, era):
    assert source_era(source, standalone) == era


def _imports(text: str) -> ImportTable:
    return ImportTable.of(cst.parse_module(text), text)


def test_the_source_says_which_keras_2_a_file_s_namespace_was():
    keras2 = "import keras\nopt = keras.optimizers.SGD(lr=0.1)\n"
    assert keras2_era(keras2, _imports(keras2), None) == STANDALONE  # lr=: Keras 2, read as 2.2
    assert keras2_era(keras2, _imports(keras2), "tf-keras-2") == TF_KERAS  # Keras 2.4+ was tf.keras
    plain = "import keras\nopt = keras.optimizers.SGD()\n"
    assert keras2_era(plain, _imports(plain), "tf-keras-2") == TF_KERAS
    assert keras2_era(plain, _imports(plain), None) is None
    tensorflow_only = "import tensorflow as tf\nopt = tf.keras.optimizers.SGD()\n"
    assert keras2_era(tensorflow_only, _imports(tensorflow_only), "keras-2.2") == TF_KERAS


def test_the_configuration_takes_a_source_and_rejects_others(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text("[tool.optfix]\nsource = 'keras-2.3'\n")
    settings = config.settings(Mode.CHECK, {}, config.load(tmp_path))
    assert (settings.source, settings.fix_options.source) == ("keras-2.3", "keras-2.3")
    assert settings.source_origin == f"[tool.optfix] in {pyproject}"
    assert config.settings(Mode.CHECK, {"source": "tf-1"}, config.load(tmp_path)).source_origin == "--source"
    pyproject.write_text("[tool.optfix]\nsource = 'keras-2.4'\n")
    with pytest.raises(config.ConfigError, match="source: must be one of 'keras-2.2', 'keras-2.3', 'tf-keras-2', 'tf-1'"):
        config.load(tmp_path)


def test_the_prefilter_lets_through_calls_a_source_decides():
    from optfix.engine.journey import process_bytes
    from optfix.engine.registry import rules_by_id
    from optfix.rulekit.rule import FixOptions

    rule = rules_by_id()["keras2-optimizer"]
    aliased = b"from keras.optimizers import Adadelta as A\n\nopt = A()\n"
    clipped = b"import keras\n\nopt = keras.optimizers.Adam(clipnorm=1.0)\n"
    for data, fixed in ((aliased, b"opt = A(learning_rate=1.0)"), (clipped, b"Adam(global_clipnorm=1.0)")):
        assert rule.wants(data) and rule.relevant(ast.parse(data))
        result = process_bytes(Path("train.py"), data, [rule], FixOptions(source="keras-2.2"))
        assert fixed in result.updated
        assert not process_bytes(Path("train.py"), data, [rule], FixOptions(source="tf-keras-2")).changed


def test_a_tf_keras_2_source_reads_keras_2_keywords_as_tf_keras_2():
    from optfix.engine.journey import process_bytes
    from optfix.engine.registry import rules_by_id
    from optfix.rulekit.rule import FixOptions

    data = b"import keras\n\nopt = keras.optimizers.SGD(lr=0.1, clipnorm=1.0)\n"
    rule = rules_by_id()["keras2-optimizer"]
    tf_keras = process_bytes(Path("train.py"), data, [rule], FixOptions(source="tf-keras-2"))
    assert b"SGD(learning_rate=0.1, clipnorm=1.0)" in tf_keras.updated  # per-gradient clipping, as Keras 3's
    keras22 = process_bytes(Path("train.py"), data, [rule], FixOptions(source="keras-2.2"))
    assert b"SGD(learning_rate=0.1, global_clipnorm=1.0)" in keras22.updated


def test_the_summary_line_names_the_source_or_counts_what_one_would_decide():
    from optfix.output.report import Tally
    from optfix.rulekit.source import SourceChoice

    assert Tally(files=1, source=SourceChoice("keras-2.2", "requirements.txt: keras==2.2.4")).summary(Mode.CHECK) == (
        "Nothing to change in 1 file. Source keras-2.2 (requirements.txt: keras==2.2.4).")
    assert Tally(files=1).summary(Mode.CHECK) == "Nothing to change in 1 file."
    counted = Tally(files=2, era_dependent=1, source=SourceChoice(None, "setup.py: keras>=2.2 allows 2.2.0 and also 3+, which is Keras 3"))
    assert counted.summary(Mode.CHECK) == (
        "Nothing to change in 2 files. No source version (setup.py: keras>=2.2 allows 2.2.0 and also 3+, which is Keras 3). "
        "1 call whose defaults differ between Keras versions left as written: --source (keras-2.2, keras-2.3, tf-keras-2, tf-1) "
        "would decide it.")
