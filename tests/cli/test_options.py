"""The options users of other linters reach for, through the console script and [tool.optfix]."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import run_optfix

NAME = "model.compile(optimizer='Adgrad', loss='mse')\n"  # optimizer-name fixes it
KERAS2 = "import keras\nopt = keras.optimizers.SGD(lr=0.1)\n"  # keras2-optimizer fixes it
AMBIGUOUS = "model.compile(optimizer='adamx', loss='mse')\n"  # a finding to review, no fix
UNPARSABLE = "model.compile(optimizer='sdg'\n"


def tree(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    return root


def changed(result) -> set[str]:
    return {line[len("+++ b/"):] for line in result.stdout.decode().splitlines() if line.startswith("+++ b/")}


def rules_applied(result) -> set[str]:
    return {match[1] for match in re.finditer(r"^\S+:\d+:\d+: ([a-z0-9-]+) ", result.stderr.decode(), re.M)}


def test_extend_select_adds_to_the_configured_selection(tmp_path):
    tree(tmp_path, {"pyproject.toml": '[tool.optfix]\nselect = ["optimizer-name"]\n', "a.py": NAME + KERAS2})
    assert rules_applied(run_optfix("check", "--no-progress", cwd=tmp_path)) == {"optimizer-name"}
    both = run_optfix("check", "--no-progress", "--extend-select", "keras2-optimizer", cwd=tmp_path)
    assert rules_applied(both) == {"optimizer-name", "keras2-optimizer"}
    unknown = run_optfix("check", "--extend-select", "no-such-rule", cwd=tmp_path)
    assert unknown.returncode == 2 and "no-such-rule" in unknown.stderr.decode()


def test_extend_exclude_keeps_the_configured_excludes(tmp_path):
    tree(tmp_path, {"pyproject.toml": '[tool.optfix]\nexclude = ["vendor/"]\n',
                    "vendor/v.py": NAME, "gen/g.py": NAME, "src/s.py": NAME})
    assert changed(run_optfix("diff", "--no-progress", cwd=tmp_path)) == {"gen/g.py", "src/s.py"}
    assert changed(run_optfix("diff", "--no-progress", "--extend-exclude", "gen/", cwd=tmp_path)) == {"src/s.py"}
    # --exclude replaces the configured patterns instead
    assert changed(run_optfix("diff", "--no-progress", "--exclude", "gen/", cwd=tmp_path)) == {"vendor/v.py", "src/s.py"}


def test_configured_extend_exclude_is_relative_to_the_pyproject_folder(tmp_path):
    tree(tmp_path, {"pyproject.toml": '[tool.optfix]\nextend-exclude = ["/src/gen/"]\n',
                    "src/gen/g.py": NAME, "src/s.py": NAME})
    assert changed(run_optfix("diff", "--no-progress", cwd=tmp_path / "src")) == {"s.py"}


def test_per_file_ignores_leave_those_rules_out_of_matching_files(tmp_path):
    tree(tmp_path, {
        "pyproject.toml": '[tool.optfix.per-file-ignores]\n"tests/" = ["optimizer-name"]\n"legacy_*.py" = ["keras2-optimizer"]\n',
        "tests/t.py": NAME + KERAS2, "pkg/legacy_a.py": NAME + KERAS2, "pkg/b.py": NAME + KERAS2,
    })
    result = run_optfix("fix", "--no-progress", cwd=tmp_path / "pkg")
    assert result.returncode == 0, result.stderr.decode()
    run_optfix("fix", "--no-progress", "tests", cwd=tmp_path)
    t, legacy, b = ((tmp_path / name).read_text() for name in ("tests/t.py", "pkg/legacy_a.py", "pkg/b.py"))
    assert "'Adgrad'" in t and "learning_rate=0.1" in t
    assert "'adagrad'" in legacy and "lr=0.1" in legacy
    assert "'adagrad'" in b and "learning_rate=0.1" in b


def test_per_file_ignores_apply_to_source_read_on_stdin(tmp_path):
    tree(tmp_path, {"pyproject.toml": '[tool.optfix.per-file-ignores]\n"tests/" = ["optimizer-name"]\n'})
    result = run_optfix("fix", "-", "--stdin-filename", "tests/t.py", cwd=tmp_path, input=NAME.encode())
    assert result.stdout.decode() == NAME


@pytest.mark.parametrize("table, message", [
    ('"tests/" = ["no-such-rule"]', "unknown rule 'no-such-rule'"),
    ('"tests/" = "optimizer-name"', "must map to a list of rule ids"),
])
def test_per_file_ignores_errors_name_the_key(tmp_path, table, message):
    tree(tmp_path, {"pyproject.toml": f"[tool.optfix.per-file-ignores]\n{table}\n", "a.py": NAME})
    result = run_optfix("check", cwd=tmp_path)
    assert result.returncode == 2
    assert "per-file-ignores" in result.stderr.decode() and message in result.stderr.decode()


def test_exit_zero_turns_1_into_0_but_not_2(tmp_path):
    tree(tmp_path, {"a.py": NAME + AMBIGUOUS})
    assert run_optfix("check", cwd=tmp_path).returncode == 1
    assert run_optfix("check", "--exit-zero", cwd=tmp_path).returncode == 0
    assert run_optfix("check", "--exit-zero", "--output-format", "json", cwd=tmp_path).stdout.decode().count('"exit_code": 0') == 1
    tree(tmp_path, {"broken.py": UNPARSABLE})
    assert run_optfix("check", "--exit-zero", cwd=tmp_path).returncode == 2


def test_exit_non_zero_on_fix(tmp_path):
    tree(tmp_path, {"a.py": NAME})
    assert run_optfix("fix", "--exit-non-zero-on-fix", cwd=tmp_path).returncode == 1
    assert run_optfix("fix", "--exit-non-zero-on-fix", cwd=tmp_path).returncode == 0  # nothing left to fix
    tree(tmp_path, {"a.py": NAME})
    assert run_optfix("fix", cwd=tmp_path).returncode == 0


def test_statistics_count_each_rule_s_changes_and_findings(tmp_path):
    tree(tmp_path, {"a.py": NAME + AMBIGUOUS + NAME, "b.py": KERAS2})
    lines = run_optfix("check", "--no-progress", "--statistics", cwd=tmp_path).stderr.decode().splitlines()
    table = [line.split() for line in lines if re.match(r"^\s*\d+  ", line)]
    assert table == [["2", "optimizer-name", "to", "fix"], ["1", "keras2-optimizer", "to", "fix"],
                     ["1", "optimizer-name", "to", "review"]]
    assert lines[-1].startswith("2 files would be changed")


def test_show_settings_names_the_pyproject_read_and_processes_nothing(tmp_path):
    tree(tmp_path, {"pyproject.toml": '[tool.optfix]\nignore = ["get-updates"]\njobs = 3\n', "src/a.py": NAME})
    result = run_optfix("fix", "--show-settings", "--extend-exclude", "gen/", cwd=tmp_path / "src")
    assert result.returncode == 0
    out = result.stdout.decode().splitlines()
    assert out[0] == f"# configuration: {tmp_path / 'pyproject.toml'}"
    assert 'ignore = ["get-updates"]' in out and "jobs = 3" in out and 'extend-exclude = ["gen/"]' in out
    assert "get-updates" not in out[-1] and "optimizer-name" in out[-1]
    assert (tmp_path / "src/a.py").read_text() == NAME
    isolated = run_optfix("check", "--show-settings", "--isolated", cwd=tmp_path / "src")
    assert isolated.stdout.decode().startswith("# configuration: none")
