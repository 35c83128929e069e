"""`--source` and the source version read from a project's declarations, through the real console
script: what the summary line says, what JSON carries, and what the source decides."""

from __future__ import annotations

import json

from test_cli import write_tree

TRAIN = "import keras\n\nopt = keras.optimizers.Adadelta()\nmodel.compile(optimizer=opt)\n"


def _summary(result) -> str:
    return result.stderr.decode().splitlines()[-1]


def test_the_source_read_from_the_requirements_is_used_and_named(optfix, tmp_path):
    write_tree(tmp_path, {"requirements.txt": "numpy\nkeras==2.2.4\n", "train.py": TRAIN, ".git/HEAD": ""})
    result = optfix("diff", cwd=tmp_path)
    assert "+opt = keras.optimizers.Adadelta(learning_rate=1.0)" in result.stdout.decode()
    assert _summary(result) == "1 file would be changed (1 file checked). Source keras-2.2 (requirements.txt: keras==2.2.4)."


def test_a_source_given_on_the_command_line_wins_and_is_named(optfix, tmp_path):
    write_tree(tmp_path, {"requirements.txt": "keras==2.2.4\n", "train.py": TRAIN})
    result = optfix("check", "--source", "tf-keras-2", cwd=tmp_path)
    assert (result.returncode, _summary(result)) == (0, "Nothing to change in 1 file. Source tf-keras-2 (--source).")


def test_without_a_source_the_calls_it_would_decide_are_counted_once(optfix, tmp_path):
    write_tree(tmp_path, {"train.py": TRAIN + "other = keras.optimizers.Adagrad()\nsame = keras.optimizers.Adam()\n"})
    result = optfix("check", cwd=tmp_path)
    assert result.returncode == 0
    assert _summary(result) == ("Nothing to change in 1 file. 2 calls whose defaults differ between Keras versions left as "
                                "written: --source (keras-2.2, keras-2.3, tf-keras-2, tf-1) would decide them.")


def test_declarations_that_disagree_are_named_in_the_summary(optfix, tmp_path):
    write_tree(tmp_path, {"requirements.txt": "keras==2.2.4\n", "setup.py": "setup(install_requires=['tensorflow==2.4.0'])\n",
                          "train.py": TRAIN})
    summary = _summary(optfix("check", cwd=tmp_path))
    assert summary.startswith("Nothing to change in 2 files. No source version (declarations disagree: ")
    assert summary.endswith("1 call whose defaults differ between Keras versions left as written: "
                            "--source (keras-2.2, keras-2.3, tf-keras-2, tf-1) would decide it.")


def test_json_carries_the_source_and_the_count(optfix, tmp_path):
    write_tree(tmp_path, {"pyproject.toml": "[tool.optfix]\nsource = 'keras-2.3'\n", "train.py": TRAIN})
    document = json.loads(optfix("check", "--output-format", "json", cwd=tmp_path).stdout)
    assert document["source"] == {"version": "keras-2.3", "reason": f"[tool.optfix] in {tmp_path / 'pyproject.toml'}"}
    assert document["summary"]["era_dependent_calls"] == 0
    document = json.loads(optfix("check", "--isolated", "--output-format", "json", cwd=tmp_path).stdout)
    assert document["source"] == {"version": None, "reason": ""}
    assert document["summary"]["era_dependent_calls"] == 1


def test_an_unknown_source_is_a_usage_error(optfix, tmp_path):
    write_tree(tmp_path, {"train.py": TRAIN})
    result = optfix("check", "--source", "keras-2.4", cwd=tmp_path)
    assert result.returncode == 2
    assert "--source must be one of 'keras-2.2', 'keras-2.3', 'tf-keras-2', 'tf-1', not 'keras-2.4'" in result.stderr.decode()


def test_github_ends_with_a_notice_naming_the_source(optfix, tmp_path):
    from test_output_formats import parse_command

    write_tree(tmp_path, {"requirements.txt": "keras==2.2.4\n", "train.py": TRAIN})
    lines = optfix("check", "--output-format", "github", cwd=tmp_path).stdout.decode().splitlines()
    *results, notice = [parse_command(line) for line in lines]
    assert [result["file"] for result in results] == ["train.py"]
    assert notice == {"level": "notice", "title": "optfix source version",
                      "message": "Source keras-2.2 (requirements.txt: keras==2.2.4)."}


def test_github_counts_the_calls_no_source_decided_and_is_silent_when_nothing_is_to_say(optfix, tmp_path):
    from test_output_formats import parse_command

    write_tree(tmp_path, {"train.py": TRAIN})
    [notice] = [parse_command(line) for line in optfix("check", "--output-format", "github", cwd=tmp_path).stdout.decode().splitlines()]
    assert notice["message"] == ("1 call whose defaults differ between Keras versions left as written: "
                                 "--source (keras-2.2, keras-2.3, tf-keras-2, tf-1) would decide it.")
    write_tree(tmp_path, {"train.py": "import keras\n\nopt = keras.optimizers.Adam()\n"})
    assert optfix("check", "--output-format", "github", cwd=tmp_path).stdout == b""


def test_sarif_carries_the_source_and_the_count_in_the_run_properties(optfix, tmp_path):
    write_tree(tmp_path, {"requirements.txt": "keras<2.4\n", "train.py": TRAIN})
    [run] = json.loads(optfix("check", "--output-format", "sarif", cwd=tmp_path).stdout)["runs"]
    assert run["properties"] == {"source": {"version": "keras-2.3", "reason": "requirements.txt: keras<2.4"},
                                 "eraDependentCalls": 0}
    [run] = json.loads(optfix("check", "--isolated", "--source", "tf-1", "--output-format", "sarif", cwd=tmp_path).stdout)["runs"]
    assert run["properties"]["source"] == {"version": "tf-1", "reason": "--source"}
    write_tree(tmp_path / "undeclared", {"train.py": TRAIN})
    [run] = json.loads(optfix("check", "--output-format", "sarif", cwd=tmp_path / "undeclared").stdout)["runs"]
    assert run["properties"] == {"source": {"version": None, "reason": ""}, "eraDependentCalls": 1}
