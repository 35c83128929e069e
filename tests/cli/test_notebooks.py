"""Jupyter notebooks through the real `optfix` console script, on notebooks written by nbformat
(and in the layouts of other tools): code cells migrated as one program, everything else kept."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell

from test_cli import contents, git_apply, snapshot, stderr_lines, summary

NOTEBOOK_FINDING = re.compile(r"^(?P<path>[^:\s]+):cell (?P<cell>\d+):(?P<line>\d+):(?P<col>\d+): (?P<rule>[a-z][a-z-]*) (?P<message>\S.*)$")


def write_notebook(path: Path, *cells, metadata: dict | None = None) -> Path:
    notebook = new_notebook(cells=list(cells))
    if metadata is not None:
        notebook.metadata = metadata
    nbformat.write(notebook, str(path))
    return path


def sources(path: Path) -> list[str]:
    return ["".join(cell["source"]) for cell in json.loads(path.read_bytes())["cells"]]


def diff_lines(diff: bytes) -> tuple[list[str], list[str]]:
    """The removed and the added lines of a diff, without their +/- and line end."""
    lines = diff.decode().splitlines()
    removed = [line[1:] for line in lines if line.startswith("-") and not line.startswith("---")]
    added = [line[1:] for line in lines if line.startswith("+") and not line.startswith("+++")]
    return removed, added


def source_lines(text: str) -> list[str]:
    """What each line of a cell's source is in a notebook's `source` list, as JSON values."""
    return [json.dumps(line, ensure_ascii=False) for line in text.splitlines(keepends=True)]


def json_values(lines: list[str]) -> list[str]:
    return [line.strip().removesuffix(",") for line in lines]


# --- one program across cells --------------------------------------------------------------------

def test_a_name_imported_in_one_cell_is_known_in_a_later_one(optfix, tmp_path):
    path = write_notebook(
        tmp_path / "train.ipynb",
        new_code_cell("from keras.optimizers import Adam"),
        new_markdown_cell("Build the optimizer: `Adam(lr=0.01)`"),
        new_code_cell("opt = Adam(lr=0.01)"),
    )
    before = sources(path)
    result = optfix("fix", "train.ipynb", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sources(path) == [before[0], before[1], "opt = Adam(learning_rate=0.01)"]
    removed, added = diff_lines(result.stdout)
    assert json_values(removed) == source_lines("opt = Adam(lr=0.01)")
    assert json_values(added) == source_lines("opt = Adam(learning_rate=0.01)")


def test_an_import_a_rule_adds_goes_into_the_first_code_cell(optfix, tmp_path):
    path = write_notebook(
        tmp_path / "nb.ipynb",
        new_markdown_cell("# Training"),
        new_code_cell("\n"),
        new_code_cell("import numpy as np"),
        new_code_cell("import pandas as pd\nmodel.compile(optimizer='lamb', loss='mse')"),
    )
    result = optfix("fix", "nb.ipynb", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sources(path) == [
        "# Training",
        "\n",
        "import numpy as np\nimport keras",
        "import pandas as pd\nmodel.compile(optimizer=keras.optimizers.Lamb(), loss='mse')",
    ]
    assert optfix("check", "nb.ipynb", cwd=tmp_path).returncode == 0


def test_cells_are_mapped_back_one_to_one_keeping_outputs_metadata_and_other_cells(optfix, tmp_path):
    fixed_cell = new_code_cell("model.compile(optimizer='Adgrad', loss='mse')", execution_count=7)
    fixed_cell.outputs = [new_output("stream", name="stdout", text="compiled\n")]
    fixed_cell.metadata = {"tags": ["train"], "collapsed": False}
    path = write_notebook(
        tmp_path / "nb.ipynb",
        new_markdown_cell("model.compile(optimizer='Adgrad')  <- in prose, not code"),
        new_raw_cell("model.compile(optimizer='Adgrad')"),
        new_code_cell(""),
        fixed_cell,
        new_code_cell("x = 1\n\n", execution_count=8),
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}, "custom": [1, 2]},
    )
    before = json.loads(path.read_bytes())
    assert optfix("fix", "nb.ipynb", cwd=tmp_path).returncode == 0
    after = json.loads(path.read_bytes())
    before["cells"][3]["source"] = ["model.compile(optimizer='adagrad', loss='mse')"]
    assert after == before


def test_source_written_as_one_string_stays_one_string(optfix, tmp_path):
    notebook = new_notebook(cells=[new_code_cell("import keras\nopt = keras.optimizers.SGD(lr=0.1)\n")])
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(notebook, indent=1) + "\n")  # nbformat would write a list
    assert optfix("fix", "nb.ipynb", cwd=tmp_path).returncode == 0
    assert json.loads(path.read_bytes())["cells"][0]["source"] == "import keras\nopt = keras.optimizers.SGD(learning_rate=0.1)\n"


# --- IPython syntax ------------------------------------------------------------------------------

IPYTHON_CELLS = [
    "%matplotlib inline\n!pip install keras\nfrom keras.optimizers import Adam",
    "%time model.compile(optimizer='Adgrad')\nfiles = !ls\nt = %timeit -o Adam(lr=1)\nAdam?\n?Adam\nAdam??",
    "%%bash\necho \"Adam(lr=0.1)\"\nmodel.compile(optimizer='Adgrad')",
    "%%timeit\nAdam(lr=0.2)",
    "for i in range(2):\n    %time f(i)\n    !echo {i}\nx = (1\n     % 2)\ny = (3\n     != 4)\nopt = Adam(lr=0.01)",
]


def test_magics_shell_and_help_lines_are_left_as_they_are(optfix, tmp_path):
    path = write_notebook(tmp_path / "nb.ipynb", *(new_code_cell(source) for source in IPYTHON_CELLS))
    before = path.read_bytes()
    result = optfix("fix", "nb.ipynb", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    # Only the one Python line that needs it changed; the rest still parses around the IPython lines.
    assert sources(path) == [*IPYTHON_CELLS[:4], IPYTHON_CELLS[4].replace("Adam(lr=0.01)", "Adam(learning_rate=0.01)")]
    removed, added = diff_lines(result.stdout)
    assert json_values(removed) == [json.dumps("opt = Adam(lr=0.01)")]
    assert json_values(added) == [json.dumps("opt = Adam(learning_rate=0.01)")]
    assert len(path.read_bytes().splitlines()) == len(before.splitlines())


def test_a_notebook_of_another_language_is_left_alone(optfix, tmp_path):
    write_notebook(
        tmp_path / "r.ipynb",
        new_code_cell("model.compile(optimizer='Adgrad') %>% fit()"),
        metadata={"kernelspec": {"name": "ir", "display_name": "R", "language": "R"}},
    )
    before = snapshot(tmp_path)
    result = optfix("check", "r.ipynb", cwd=tmp_path)
    assert (result.returncode, summary(result)) == (0, "Nothing to change in 1 file.")
    assert snapshot(tmp_path) == before


# --- the prefilter -------------------------------------------------------------------------------

@pytest.mark.parametrize("literal, stored", [("'Adgrad'", b"'Adgrad'"), ('"Adgrad"', b'\\"Adgrad\\"')], ids=["single", "double"])
def test_the_prefilter_sees_code_through_json_escapes(optfix, tmp_path, literal, stored):
    path = write_notebook(tmp_path / "nb.ipynb", new_code_cell(f"model.compile(optimizer={literal}, loss='mse')"))
    assert stored in path.read_bytes()
    assert optfix("fix", cwd=tmp_path).returncode == 0
    assert sources(path) == [f"model.compile(optimizer={literal.replace('Adgrad', 'adagrad')}, loss='mse')"]


def test_outputs_do_not_count_towards_the_size_limit(optfix, tmp_path):
    cell = new_code_cell("model.compile(optimizer='Adgrad')")
    cell.outputs = [new_output("display_data", data={"image/png": "iVBORw0KGgo" * 200_000})]  # 2.2 MB
    path = write_notebook(tmp_path / "nb.ipynb", cell)
    assert path.stat().st_size > 2 << 20
    assert optfix("fix", "nb.ipynb", cwd=tmp_path).returncode == 0
    assert sources(path) == ["model.compile(optimizer='adagrad')"]


# --- findings and errors -------------------------------------------------------------------------

def test_findings_name_the_cell_and_the_line_within_it(optfix, tmp_path):
    cell = "import keras\n\nmodel.compile(optimizer='adamx')"
    write_notebook(tmp_path / "nb.ipynb", new_markdown_cell("intro"), new_code_cell("x = 1\ny = 2"), new_code_cell(cell))
    result = optfix("check", "nb.ipynb", cwd=tmp_path)
    assert result.returncode == 1
    [line] = stderr_lines(result)[:-1]
    match = NOTEBOOK_FINDING.match(line)
    assert match, line
    assert (match["path"], match["cell"], match["line"], match["col"], match["rule"]) == (
        "nb.ipynb", "3", "3", str(cell.splitlines()[2].index("'adamx'") + 1), "optimizer-name")


def test_a_syntax_error_in_a_cell_is_reported_there_and_the_notebook_left_alone(optfix, tmp_path):
    write_notebook(
        tmp_path / "nb.ipynb",
        new_code_cell("model.compile(optimizer='Adgrad')"),
        new_markdown_cell("next"),
        new_code_cell("x = 1\ny = f(2,"),
        new_code_cell("z = 3"),
    )
    before = snapshot(tmp_path)
    result = optfix("fix", "nb.ipynb", cwd=tmp_path)
    assert result.returncode == 2
    [line] = stderr_lines(result)[:-1]
    assert line.startswith(f"nb.ipynb:cell 3:2:{'y = f(2,'.index('(') + 1}: syntax-error "), line
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    "data, where",
    [
        (b'{"cells": [\n {"cell_type": "code", "source": "model.compile(optimizer=\'Adgrad\')"}\n oops]}\n', "3:2"),
        (b'{"cells": "model.compile(optimizer=\'Adgrad\')"}\n', "1:1"),
        (b'["model.compile(optimizer=\'Adgrad\')"]\n', "1:1"),
    ],
    ids=["invalid-json", "cells-not-a-list", "not-an-object"],
)
def test_a_file_that_is_not_a_notebook_is_reported_and_the_rest_still_fixed(optfix, tmp_path, data, where):
    (tmp_path / "broken.ipynb").write_bytes(data)
    good = write_notebook(tmp_path / "good.ipynb", new_code_cell("model.compile(optimizer='Adgrad')"))
    (tmp_path / "good.py").write_text("model.compile(optimizer='Adgrad')\n")
    result = optfix("fix", cwd=tmp_path)
    assert result.returncode == 2
    assert stderr_lines(result)[0].startswith(f"broken.ipynb:{where}: notebook-error ")
    assert (tmp_path / "broken.ipynb").read_bytes() == data
    assert sources(good) == ["model.compile(optimizer='adagrad')"]
    assert (tmp_path / "good.py").read_text() == "model.compile(optimizer='adagrad')\n"


def test_a_layout_that_cannot_be_written_back_exactly_is_reported_and_left_alone(optfix, tmp_path):
    notebook = new_notebook(cells=[new_code_cell("model.compile(optimizer='Adgrad')")])
    text = json.dumps(notebook, indent=1).replace('"nbformat": 4', '"nbformat":    4')
    (tmp_path / "odd.ipynb").write_text(text)
    result = optfix("fix", cwd=tmp_path)
    assert result.returncode == 2
    assert stderr_lines(result)[0].startswith("odd.ipynb:1:1: notebook-error ")
    assert (tmp_path / "odd.ipynb").read_text() == text


# --- layout, diff and fix ------------------------------------------------------------------------

LAYOUTS = {
    "nbformat": {"indent": 1, "ensure_ascii": False, "end": "\n"},
    "indent-2-no-final-newline": {"indent": 2, "ensure_ascii": False, "end": ""},
    "ascii-escaped": {"indent": 1, "ensure_ascii": True, "end": "\n"},
    "compact": {"indent": None, "ensure_ascii": False, "end": ""},
}


@pytest.mark.parametrize("layout", LAYOUTS.values(), ids=LAYOUTS.keys())
def test_the_notebook_keeps_its_layout_and_only_source_lines_change(optfix, tmp_path, layout):
    code = "import keras\n# l'optimiseur\nopt = keras.optimizers.SGD(lr=0.1)\nprint('é')"
    notebook = new_notebook(cells=[new_markdown_cell(["Réglages — 学習率"]), new_code_cell(code.splitlines(keepends=True))])
    options = {"indent": layout["indent"], "ensure_ascii": layout["ensure_ascii"]}
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(notebook, **options) + layout["end"], encoding="utf-8")
    diff = optfix("diff", cwd=tmp_path)
    assert optfix("fix", cwd=tmp_path).returncode == 0
    notebook.cells[1].source = code.replace("lr=", "learning_rate=").splitlines(keepends=True)
    assert path.read_bytes() == (json.dumps(notebook, **options) + layout["end"]).encode("utf-8")
    if layout["indent"] is not None:  # one line per source line: the diff shows only that one
        removed, added = diff_lines(diff.stdout)
        assert json_values(removed) == [json.dumps("opt = keras.optimizers.SGD(lr=0.1)\n", **options)]
        assert json_values(added) == [json.dumps("opt = keras.optimizers.SGD(learning_rate=0.1)\n", **options)]


def test_git_apply_of_diff_reproduces_fix_and_a_second_run_changes_nothing(optfix, tmp_path):
    written = write_notebook(tmp_path / "a.ipynb", new_code_cell("from keras.optimizers import Adam"), new_code_cell("opt = Adam(lr=0.01)"))
    other = json.dumps(new_notebook(cells=[new_code_cell("model.compile(optimizer=\"Adgrad\")\n%time fit()")]), indent=2)

    def tree(root: Path) -> Path:
        root.mkdir()
        (root / "a.ipynb").write_bytes(written.read_bytes())
        (root / "sub").mkdir()
        (root / "sub" / "b.ipynb").write_text(other)
        (root / "c.py").write_text("model.compile(optimizer='Adgrad')\n")
        (root / ".ipynb_checkpoints").mkdir()
        (root / ".ipynb_checkpoints" / "a-checkpoint.ipynb").write_bytes((root / "a.ipynb").read_bytes())
        return root

    applied, fixed = tree(tmp_path / "applied"), tree(tmp_path / "fixed")
    original = contents(fixed)
    diff = optfix("diff", cwd=applied)
    assert diff.returncode == 1
    assert optfix("diff", "--jobs", "1", cwd=applied).stdout == diff.stdout
    git_apply(diff.stdout, applied)
    fix = optfix("fix", cwd=fixed)
    assert fix.returncode == 0, fix.stderr
    assert fix.stdout == diff.stdout
    assert contents(applied) == contents(fixed)
    changed = {name for name, data in contents(fixed).items() if original[name] != data}
    assert changed == {"a.ipynb", "sub/b.ipynb", "c.py"}  # the checkpoint folder is skipped

    after_first = snapshot(fixed)
    again = optfix("fix", cwd=fixed)
    assert (again.returncode, again.stdout) == (0, b"")
    assert snapshot(fixed) == after_first
    assert summary(again).startswith("Nothing to change in 3 files.")  # an era count may follow (no --source)


def test_check_and_diff_write_nothing(optfix, tmp_path):
    write_notebook(tmp_path / "nb.ipynb", new_code_cell("model.compile(optimizer='Adgrad')"))
    before = snapshot(tmp_path)
    assert optfix("check", cwd=tmp_path).returncode == 1
    assert optfix("diff", cwd=tmp_path).returncode == 1
    assert snapshot(tmp_path) == before
