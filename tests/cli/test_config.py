"""`[tool.optfix]` in pyproject.toml through the real console script: found, applied, overridden
by flags, and rejected with the file and key named when it is wrong."""

from __future__ import annotations

import ast
import re

import pytest

from test_cli import AMBIGUOUS, ANSI, FIXABLE, FIXED, changed_paths, snapshot, write_tree

LEGACY_ADAM = "from keras.optimizers.legacy import Adam\n\nopt = Adam(lr=0.1)\n"
TF1_RMSPROP = "import tensorflow as tf\n\nopt = tf.compat.v1.train.RMSPropOptimizer(0.01)\n"  # an unsafe fix


def pyproject(table: str) -> str:
    return f"[project]\nname = 'demo'\n\n[tool.optfix]\n{table}\n"


def test_config_supplies_defaults_and_a_flag_overrides_them(optfix, tmp_path):
    write_tree(tmp_path, {"pyproject.toml": pyproject('select = ["tf1-optimizer"]'), "a.py": FIXABLE})
    assert optfix("diff", cwd=tmp_path).stdout == b""
    assert changed_paths(optfix("diff", "--select", "optimizer-name", cwd=tmp_path).stdout) == ["a.py"]
    assert changed_paths(optfix("diff", "--isolated", cwd=tmp_path).stdout) == ["a.py"]


def test_the_nearest_pyproject_with_a_table_is_used_from_a_subfolder(optfix, tmp_path):
    write_tree(tmp_path, {
        "pyproject.toml": pyproject('ignore = ["optimizer-name"]'),
        "pkg/pyproject.toml": "[project]\nname = 'inner'\n",  # no [tool.optfix]: the search goes on
        "pkg/sub/a.py": FIXABLE,
    })
    result = optfix("diff", ".", cwd=tmp_path / "pkg" / "sub")
    assert result.returncode == 0 and result.stdout == b""


def test_the_search_stops_at_the_repository_root(optfix, tmp_path):
    write_tree(tmp_path, {"pyproject.toml": pyproject('ignore = ["optimizer-name"]'), "repo/a.py": FIXABLE})
    (tmp_path / "repo" / ".git").mkdir()
    assert changed_paths(optfix("diff", cwd=tmp_path / "repo").stdout) == ["a.py"]


def test_config_exclude_is_relative_to_the_pyproject_folder(optfix, tmp_path):
    files = {"pkg/gen_a.py": FIXABLE, "pkg/model.py": FIXABLE, "gen_b.py": FIXABLE}
    write_tree(tmp_path, {"pyproject.toml": pyproject('exclude = ["/pkg/gen_*.py"]'), **files})
    assert changed_paths(optfix("diff", ".", cwd=tmp_path / "pkg").stdout) == ["model.py"]
    assert changed_paths(optfix("diff", cwd=tmp_path).stdout) == ["gen_b.py", "pkg/model.py"]
    # --exclude replaces the configured patterns, and is relative to the working directory.
    assert changed_paths(optfix("diff", "--exclude", "/model.py", ".", cwd=tmp_path / "pkg").stdout) == ["gen_a.py"]


def test_force_exclude_applies_the_excludes_to_files_named_on_the_command_line(optfix, tmp_path):
    write_tree(tmp_path, {"vendor/lib.py": FIXABLE, "main.py": FIXABLE})
    named = ["vendor/lib.py", "main.py"]
    assert changed_paths(optfix("diff", "--exclude", "vendor/", *named, cwd=tmp_path).stdout) == named
    assert changed_paths(optfix("diff", "--exclude", "vendor/", "--force-exclude", *named, cwd=tmp_path).stdout) == ["main.py"]
    write_tree(tmp_path, {"pyproject.toml": pyproject('exclude = ["vendor/"]\nforce-exclude = true')})
    assert changed_paths(optfix("diff", *named, cwd=tmp_path).stdout) == ["main.py"]
    assert changed_paths(optfix("diff", "--no-force-exclude", *named, cwd=tmp_path).stdout) == named


def test_unsafe_fixes_from_config_and_no_unsafe_fixes_flag(optfix, tmp_path):
    write_tree(tmp_path, {"a.py": TF1_RMSPROP})
    safe_only = optfix("diff", cwd=tmp_path)
    assert safe_only.stdout == b"" and "(fix available with --unsafe-fixes)" in safe_only.stderr.decode()
    unsafe = optfix("diff", "--unsafe-fixes", cwd=tmp_path)
    assert changed_paths(unsafe.stdout) == ["a.py"]
    write_tree(tmp_path, {"pyproject.toml": pyproject("unsafe-fixes = true")})
    assert optfix("diff", cwd=tmp_path).stdout == unsafe.stdout
    assert optfix("diff", "--no-unsafe-fixes", cwd=tmp_path).stdout == b""


def test_color_and_jobs_from_config(optfix, tmp_path):
    write_tree(tmp_path, {"pyproject.toml": pyproject('color = "always"\njobs = 1\nprogress = false'), "a.py": FIXABLE})
    colored = optfix("diff", cwd=tmp_path)
    assert ANSI.search(colored.stdout)
    plain = optfix("diff", "--color", "never", cwd=tmp_path)
    assert not ANSI.search(plain.stdout) and ANSI.sub(b"", colored.stdout) == plain.stdout


def _imports(source: str) -> list[str]:
    tree = ast.parse(source)
    found = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            found += [f"import {alias.name}" for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found += [f"from {node.module} import {alias.name}" for alias in node.names]
    return found


def test_keras_import_tensorflow_writes_from_tensorflow_import_keras(optfix, tmp_path):
    default, configured = tmp_path / "default", tmp_path / "configured"
    write_tree(default, {"a.py": LEGACY_ADAM})
    write_tree(configured, {"a.py": LEGACY_ADAM, "pyproject.toml": pyproject('keras-import = "tensorflow"')})
    assert optfix("fix", cwd=default).returncode == 0
    assert optfix("fix", cwd=configured).returncode == 0
    keras_style = (default / "a.py").read_text()
    tensorflow_style = (configured / "a.py").read_text()
    assert _imports(keras_style) == ["import keras"]
    assert _imports(tensorflow_style) == ["from tensorflow import keras"]
    assert "keras.optimizers.Adam(" in tensorflow_style
    assert tensorflow_style.replace("from tensorflow import keras", "import keras") == keras_style


def test_keras_import_keras_is_the_default_and_can_be_written_out(optfix, tmp_path):
    write_tree(tmp_path, {"pyproject.toml": pyproject('keras-import = "keras"'), "a.py": LEGACY_ADAM})
    assert optfix("fix", cwd=tmp_path).returncode == 0
    assert _imports((tmp_path / "a.py").read_text()) == ["import keras"]


def test_config_flag_reads_the_given_file_and_isolated_ignores_the_found_one(optfix, tmp_path):
    write_tree(tmp_path, {
        "elsewhere/pyproject.toml": pyproject('ignore = ["optimizer-name"]'),
        "project/pyproject.toml": pyproject('select = ["optimizer-name"]'),
        "project/a.py": FIXABLE,
    })
    project = tmp_path / "project"
    assert changed_paths(optfix("diff", cwd=project).stdout) == ["a.py"]
    assert optfix("diff", "--config", "../elsewhere/pyproject.toml", cwd=project).stdout == b""
    both = optfix("diff", "--config", "../elsewhere/pyproject.toml", "--isolated", cwd=project)
    assert both.returncode == 2 and "--isolated" in both.stderr.decode()


def test_a_config_given_by_a_relative_path_anchors_exclude_at_its_folder(optfix, tmp_path):
    write_tree(tmp_path, {"optfix.toml": pyproject('exclude = ["/project/gen.py"]'), "project/gen.py": FIXABLE, "project/main.py": FIXABLE})
    result = optfix("diff", "--config", "../optfix.toml", cwd=tmp_path / "project")
    assert changed_paths(result.stdout) == ["main.py"]


BAD_VALUES = [
    ("selct = []", "selct"),
    ('select = ["no-such-rule"]', "select"),
    ('ignore = "optimizer-name"', "ignore"),
    ('exclude = "build/"', "exclude"),
    ('unsafe-fixes = "yes"', "unsafe-fixes"),
    ("force-exclude = 1", "force-exclude"),
    ("jobs = 0", "jobs"),
    ('jobs = "2"', "jobs"),
    ('color = "blue"', "color"),
    ('keras-import = "tf"', "keras-import"),
]


@pytest.mark.parametrize("table, key", BAD_VALUES, ids=[key + str(i) for i, (_, key) in enumerate(BAD_VALUES)])
def test_a_bad_key_or_value_is_an_error_naming_file_and_key(optfix, tmp_path, table, key):
    write_tree(tmp_path, {"pyproject.toml": pyproject(table), "a.py": FIXABLE})
    before = snapshot(tmp_path)
    result = optfix("fix", cwd=tmp_path)
    message = result.stderr.decode()
    assert result.returncode == 2, message
    assert result.stdout == b""
    assert re.search(rf"pyproject\.toml\b.*\b{re.escape(key)}\b", message), message
    assert snapshot(tmp_path) == before


def test_invalid_toml_is_an_error_naming_file_and_line(optfix, tmp_path):
    write_tree(tmp_path, {"pyproject.toml": "[project]\nname = 'demo'\n[tool.optfix\nselect = []\n", "a.py": FIXABLE})
    before = snapshot(tmp_path)
    result = optfix("check", cwd=tmp_path)
    assert result.returncode == 2
    assert re.search(r"pyproject\.toml:3:\d+: not valid TOML", result.stderr.decode()), result.stderr
    assert snapshot(tmp_path) == before


def test_tool_optfix_that_is_not_a_table_is_an_error(optfix, tmp_path):
    write_tree(tmp_path, {"pyproject.toml": "[tool]\noptfix = 1\n", "a.py": AMBIGUOUS})
    result = optfix("check", cwd=tmp_path)
    assert result.returncode == 2 and "tool.optfix" in result.stderr.decode()


def test_a_config_file_that_cannot_be_read_is_an_error(optfix, tmp_path):
    write_tree(tmp_path, {"a.py": FIXABLE})
    result = optfix("check", "--config", "missing.toml", cwd=tmp_path)
    assert result.returncode == 2 and "missing.toml" in result.stderr.decode()


def test_fixed_file_matches_with_and_without_an_empty_table(optfix, tmp_path):
    write_tree(tmp_path, {"pyproject.toml": pyproject(""), "a.py": FIXABLE})
    assert optfix("fix", cwd=tmp_path).returncode == 0
    assert (tmp_path / "a.py").read_text() == FIXED
