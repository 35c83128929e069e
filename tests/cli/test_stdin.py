"""`optfix fix|diff|check -`: source on stdin, the result on stdout, findings on stderr under the
--stdin-filename path, nothing written to disk."""

from __future__ import annotations

import pytest

from test_cli import AMBIGUOUS, CLEAN, FIXABLE, FIXED, UNPARSABLE, changed_paths, findings, snapshot, summary, write_tree


@pytest.mark.parametrize(
    "source, output, code",
    [(FIXABLE, FIXED, 0), (CLEAN, CLEAN, 0), (AMBIGUOUS + FIXABLE, AMBIGUOUS + FIXED, 1), ("x = 1\n", "x = 1\n", 0)],
    ids=["fixable", "clean", "finding", "no-trigger"],
)
def test_fix_writes_the_whole_resulting_source_on_stdout(optfix, tmp_path, source, output, code):
    result = optfix("fix", "-", "--stdin-filename", "pkg/model.py", cwd=tmp_path, input=source.encode())
    assert result.stdout == output.encode()
    assert result.returncode == code
    assert all(match["path"] == "pkg/model.py" for match in findings(result))
    assert len(findings(result)) == code


def test_stdin_never_writes_the_file_it_is_named_after(optfix, tmp_path):
    write_tree(tmp_path, {"model.py": CLEAN})
    before = snapshot(tmp_path)
    result = optfix("fix", "-", "--stdin-filename", "model.py", cwd=tmp_path, input=FIXABLE.encode())
    assert result.stdout == FIXED.encode()
    assert snapshot(tmp_path) == before


def test_diff_prints_the_diff_under_the_given_name_and_check_prints_nothing(optfix, tmp_path):
    diff = optfix("diff", "-", "--stdin-filename", "pkg/model.py", cwd=tmp_path, input=FIXABLE.encode())
    assert diff.returncode == 1
    assert changed_paths(diff.stdout) == ["pkg/model.py"]
    files = optfix("diff", cwd=write_tree(tmp_path / "tree", {"pkg/model.py": FIXABLE}))
    assert diff.stdout == files.stdout
    check = optfix("check", "-", "--stdin-filename", "pkg/model.py", cwd=tmp_path, input=AMBIGUOUS.encode())
    assert check.returncode == 1 and check.stdout == b""
    assert [m["path"] for m in findings(check)] == ["pkg/model.py"]
    assert optfix("check", "-", cwd=tmp_path, input=CLEAN.encode()).returncode == 0


def test_unparsable_stdin_is_echoed_unchanged_with_its_error_and_exit_2(optfix, tmp_path):
    result = optfix("fix", "-", "--stdin-filename", "broken.py", cwd=tmp_path, input=UNPARSABLE.encode())
    assert result.returncode == 2
    assert result.stdout == UNPARSABLE.encode()
    [error] = findings(result)
    assert (error["path"], error["line"], error["rule"]) == ("broken.py", "1", "syntax-error")
    assert optfix("diff", "-", cwd=tmp_path, input=UNPARSABLE.encode()).stdout == b""


def test_a_configured_exclude_matches_the_stdin_filename(optfix, tmp_path):
    write_tree(tmp_path, {"pyproject.toml": "[tool.optfix]\nexclude = ['generated/']\n"})
    excluded = optfix("fix", "-", "--stdin-filename", "generated/model.py", cwd=tmp_path, input=FIXABLE.encode())
    assert (excluded.returncode, excluded.stdout) == (0, FIXABLE.encode())
    included = optfix("fix", "-", "--stdin-filename", "src/model.py", cwd=tmp_path, input=FIXABLE.encode())
    assert (included.returncode, included.stdout) == (0, FIXED.encode())


@pytest.mark.parametrize("args", [["-", "a.py"], ["a.py", "-"], ["--stdin-filename", "a.py", "a.py"]],
                         ids=["dash-then-path", "path-then-dash", "filename-without-dash"])
def test_stdin_mixed_with_paths_is_a_usage_error(optfix, tmp_path, args):
    write_tree(tmp_path, {"a.py": FIXABLE})
    before = snapshot(tmp_path)
    result = optfix("fix", *args, cwd=tmp_path, input=FIXABLE.encode())
    assert result.returncode == 2 and result.stdout == b""
    assert "stdin" in result.stderr.decode()
    assert snapshot(tmp_path) == before


def test_the_summary_counts_the_one_source(optfix, tmp_path):
    result = optfix("diff", "-", "--stdin-filename", "m.py", cwd=tmp_path, input=FIXABLE.encode())
    files = optfix("diff", "m.py", cwd=write_tree(tmp_path / "tree", {"m.py": FIXABLE}))
    assert summary(result) == summary(files)
