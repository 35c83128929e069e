"""Awkward files, through the real console script.

Each file holds an optimizer line the rule looks at (else optfix never parses it). Each must either
be processed with every other byte kept, or be reported on stderr as `path:line:col: ERROR-ID ...`
and left byte for byte as it was, while the other files of the same run are still fixed.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

GIT_ENV = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
FINDING = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<rule>[a-z][a-z-]*) (?P<message>\S.*)$")
NO_NEWLINE = b"\\ No newline at end of file\n"

FIXABLE = b"model.compile(optimizer='sdg')"
FIXED = b"model.compile(optimizer='sgd')"
VALID = b"model.compile(optimizer='adam')"

# Plain files in every tree: they must be fixed whatever happens to their neighbours.
NEIGHBOURS = {
    "aaa_first.py": b"import keras\n\n" + FIXABLE + b"\n",
    "zzz_last.py": b"import keras\n\n" + FIXABLE + b"\n",
}


def fixed(data: bytes) -> bytes:
    """What the fix must turn `data` into: the one optimizer string corrected, nothing else."""
    assert data.count(FIXABLE) == 1
    return data.replace(FIXABLE, FIXED)


# --- helpers -------------------------------------------------------------------------------------

def write_tree(root: Path, files: dict[str, bytes]) -> Path:
    for relative, data in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def snapshot(root: Path) -> dict[str, tuple[bytes, int, int]]:
    """Every file under root (outside .git): bytes, modification time, mode."""
    found = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != ".git"]
        for name in files:
            path = Path(folder, name)
            info = path.stat()
            found[path.relative_to(root).as_posix()] = (path.read_bytes(), info.st_mtime_ns, stat.S_IMODE(info.st_mode))
    return found


def contents(root: Path) -> dict[str, bytes]:
    return {name: data for name, (data, _, _) in snapshot(root).items()}


def findings_by_path(result) -> dict[str, list[re.Match]]:
    """The finding lines on stderr (every line but the summary), grouped by path."""
    lines = result.stderr.decode(errors="replace").splitlines()[:-1]
    grouped: dict[str, list[re.Match]] = {}
    for line in lines:
        match = FINDING.match(line)
        assert match, f"not a `path:line:col: RULE message` line: {line!r}"
        grouped.setdefault(match["path"], []).append(match)
    return grouped


def changed_paths(diff: bytes) -> list[str]:
    return [line[len(b"+++ b/"):].decode() for line in diff.splitlines() if line.startswith(b"+++ b/")]


def git_apply(patch: bytes, tree: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tree)], check=True, env=GIT_ENV)
    applied = subprocess.run(["git", "apply", "-"], cwd=tree, input=patch, capture_output=True, env=GIT_ENV)
    assert applied.returncode == 0, applied.stderr.decode(errors="replace")


def assert_neighbours_fixed(root: Path) -> None:
    for name, data in NEIGHBOURS.items():
        assert (root / name).read_bytes() == fixed(data), name


def python_syntax_error_line(data: bytes) -> int:
    """Where the interpreter itself puts the syntax error."""
    with pytest.raises(SyntaxError) as error:
        compile(data, "<bad input>", "exec")
    return error.value.lineno


def first_invalid_utf8(data: bytes) -> tuple[int, int]:
    """1-based line and (byte) column of the first byte that is not valid UTF-8."""
    with pytest.raises(UnicodeDecodeError) as error:
        data.decode("utf-8")
    start = error.value.start
    line_start = data.rfind(b"\n", 0, start) + 1
    return data.count(b"\n", 0, start) + 1, start - line_start + 1


# --- files that must be processed with their bytes kept -----------------------------------------

BOM = codecs.BOM_UTF8

# id -> (bytes, a property of the file the fix must keep, stated on its own)
KEPT = {
    "latin-1-cookie": (
        b"# -*- coding: latin-1 -*-\n# caf\xe9 cr\xe8me br\xfbl\xe9e\nimport keras\n" + FIXABLE + b"  # \xa9 2019\n",
        lambda new: b"\xe9" in new and b"\xa9" in new and b"\xc3" not in new and b"\xc2" not in new,
    ),
    "cp1252-cookie": (
        b"# coding: cp1252\n# \x93smart quotes\x94\n" + FIXABLE + b"\n",
        lambda new: b"\x93smart quotes\x94" in new,
    ),
    "crlf": (
        b"import keras\r\n\r\n" + FIXABLE + b"\r\nmodel.fit(x)\r\n",
        lambda new: all(line.endswith(b"\r\n") for line in new.splitlines(keepends=True)),
    ),
    "utf-8-bom": (
        BOM + b"import keras\n" + FIXABLE + b"\n",
        lambda new: new.startswith(BOM) and new.count(BOM) == 1,
    ),
    "utf-8-bom-and-crlf": (
        BOM + b"import keras\r\n" + FIXABLE + b"\r\n",
        lambda new: new.startswith(BOM) and new.count(b"\r\n") == 2,
    ),
    "tab-indented": (
        b"import keras\n\nif True:\n\tfor _ in range(2):\n\t\t" + FIXABLE + b"\n",
        lambda new: b"\n\t\t" + FIXED in new and b"    " not in new,
    ),
    "no-final-newline": (
        b"import keras\n" + FIXABLE,
        lambda new: not new.endswith(b"\n"),
    ),
    "utf-8-non-ascii": (
        "# caf\u00e9 \u2014 \u65e5\u672c\nimport keras\n".encode() + FIXABLE + " # \u00b5\n".encode(),
        lambda new: "\u65e5\u672c".encode() in new,
    ),
    "cr-only": (  # classic Mac OS line endings
        b"import keras\r" + FIXABLE + b"\rmodel.fit(x)\r",
        lambda new: new.endswith(b"\r") and b"\n" not in new,
    ),
}


@pytest.mark.parametrize("data, keeps", KEPT.values(), ids=KEPT.keys())
def test_fix_changes_only_the_optimizer_string(optfix, tmp_path, data, keeps):
    write_tree(tmp_path, {**NEIGHBOURS, "odd.py": data})
    result = optfix("fix", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    new = (tmp_path / "odd.py").read_bytes()
    assert new == fixed(data)
    assert keeps(new)
    assert_neighbours_fixed(tmp_path)
    assert changed_paths(result.stdout) == ["aaa_first.py", "odd.py", "zzz_last.py"]


@pytest.mark.parametrize("data", [value[0] for value in KEPT.values()], ids=KEPT.keys())
def test_diff_patch_reproduces_fix(optfix, tmp_path, data):
    files = {**NEIGHBOURS, "odd.py": data}
    applied, by_fix = write_tree(tmp_path / "applied", files), write_tree(tmp_path / "fixed", files)
    diff = optfix("diff", cwd=applied)
    assert diff.returncode == 1
    assert contents(applied) == files
    git_apply(diff.stdout, applied)
    optfix("fix", cwd=by_fix)
    assert contents(applied) == contents(by_fix)
    again = optfix("fix", cwd=by_fix)
    assert (again.returncode, again.stdout) == (0, b"")


# Inputs where either outcome keeps the promise: fixed with every other byte kept, or reported
# and left alone. What is never allowed: any other byte changing.
EITHER = {
    "mixed-line-endings": b"import keras\r\n" + FIXABLE + b"\nmodel.fit(x)\r\n",
    "crlf-then-lone-cr": b"import keras\r\n" + FIXABLE + b"\r",
    "cr-inside-a-comment": b"import keras\n" + FIXABLE + b"  # a\rb\n",
    "form-feed": b"import keras\n\x0c\n" + FIXABLE + b"\n",
    "trailing-blanks-no-newline": b"import keras\n" + FIXABLE + b"\n   ",
    "whitespace-only-lines": b"import keras\n \t \n" + FIXABLE + b"\n\t\n",
}


@pytest.mark.parametrize("data", EITHER.values(), ids=EITHER.keys())
def test_fixed_exactly_or_reported_and_untouched(optfix, tmp_path, data):
    files = {**NEIGHBOURS, "odd.py": data}
    applied, by_fix = write_tree(tmp_path / "applied", files), write_tree(tmp_path / "fixed", files)
    before = snapshot(by_fix)["odd.py"]
    result = optfix("fix", cwd=by_fix)
    reported = findings_by_path(result).get("odd.py", [])
    if result.returncode == 0:
        assert reported == []
        assert (by_fix / "odd.py").read_bytes() == fixed(data)
    else:
        assert result.returncode == 2
        assert snapshot(by_fix)["odd.py"] == before
        assert len(reported) == 1 and reported[0]["rule"].endswith("-error")
    assert_neighbours_fixed(by_fix)
    diff = optfix("diff", cwd=applied)
    git_apply(diff.stdout, applied)
    assert contents(applied) == contents(by_fix)


def test_missing_final_newline_is_marked_in_the_diff(optfix, tmp_path):
    data = b"import keras\n" + FIXABLE
    write_tree(tmp_path, {"a.py": data})
    result = optfix("diff", cwd=tmp_path)
    assert b"-" + FIXABLE + b"\n" + NO_NEWLINE + b"+" + FIXED + b"\n" + NO_NEWLINE in result.stdout


# --- files with nothing to change must not be written -------------------------------------------

UNCHANGED = {
    "empty": b"",
    "only-newlines": b"\n\n",
    "lf": b"import keras\n" + VALID + b"\n",
    "crlf": b"import keras\r\n" + VALID + b"\r\n",
    "no-final-newline": b"import keras\n" + VALID,
    "latin-1-cookie": b"# -*- coding: latin-1 -*-\n# caf\xe9\n" + VALID + b"\n",
    "utf-8-bom": BOM + VALID + b"\n",
    "cr-only": b"import keras\r" + VALID + b"\rmodel.fit(x)\r",
    "crlf-then-lone-cr": b"import keras\r\n" + VALID + b"\r",
}


@pytest.mark.parametrize("data", UNCHANGED.values(), ids=UNCHANGED.keys())
@pytest.mark.parametrize("how", ["walked", "named"])
def test_file_with_nothing_to_change_is_left_alone(optfix, tmp_path, data, how):
    write_tree(tmp_path, {**NEIGHBOURS, "same.py": data})
    before = snapshot(tmp_path)["same.py"]
    result = optfix("fix", *(["aaa_first.py", "same.py", "zzz_last.py"] if how == "named" else []), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert snapshot(tmp_path)["same.py"] == before
    assert "same.py" not in changed_paths(result.stdout)
    assert "same.py" not in findings_by_path(result)
    assert_neighbours_fixed(tmp_path)


# --- files that must be reported and left untouched ---------------------------------------------

JUNK = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) + b"\n" + FIXABLE + b"\n" + bytes(range(255, -1, -1))

# id -> (bytes, error id)
REJECTED = {
    "python-2-print": (b"import keras\nprint \"x\"\n" + FIXABLE + b"\n", "syntax-error"),
    "python-2-exec": (b"import keras\nexec \"x = 1\"\n" + FIXABLE + b"\n", "syntax-error"),
    "python-2-backticks": (b"import keras\n\nname = `model`\n" + FIXABLE + b"\n", "syntax-error"),
    "invalid-utf-8-later-line": (b"import keras\n\n" + FIXABLE + b"\nname = 'caf\xe9'\n", "decode-error"),
    "invalid-utf-8-first-line": (b"# caf\xe9\n" + FIXABLE + b"\n", "decode-error"),
    "invalid-utf-8-second-line": (b"#!/usr/bin/env python\n# caf\xe9\n" + FIXABLE + b"\n", "decode-error"),
    "binary-junk": (JUNK, "decode-error"),
    "nul-bytes": (b"\x00" * 8 + b"\n" + FIXABLE + b"\n", "syntax-error"),
}

# id -> where the problem is, derived from the bytes: (line, column) or (line, None)
LOCATIONS = {
    "python-2-print": lambda data: (python_syntax_error_line(data), None),
    "python-2-exec": lambda data: (python_syntax_error_line(data), None),
    "python-2-backticks": lambda data: (python_syntax_error_line(data), None),
    "invalid-utf-8-later-line": first_invalid_utf8,
    "invalid-utf-8-first-line": first_invalid_utf8,
    "invalid-utf-8-second-line": first_invalid_utf8,
}


@pytest.mark.parametrize("data, error", REJECTED.values(), ids=REJECTED.keys())
@pytest.mark.parametrize("mode", ["fix", "diff", "check"])
def test_unprocessable_file_is_reported_and_left_untouched(optfix, tmp_path, data, error, mode):
    write_tree(tmp_path, {**NEIGHBOURS, "bad.py": data})
    before = snapshot(tmp_path)["bad.py"]
    result = optfix(mode, cwd=tmp_path)
    assert result.returncode == 2
    assert snapshot(tmp_path)["bad.py"] == before
    assert [f["rule"] for f in findings_by_path(result)["bad.py"]] == [error]
    assert changed_paths(result.stdout) == ([] if mode == "check" else ["aaa_first.py", "zzz_last.py"])
    if mode == "fix":
        assert_neighbours_fixed(tmp_path)


@pytest.mark.parametrize("case", LOCATIONS)
def test_unprocessable_file_is_reported_where_the_problem_is(optfix, tmp_path, case):
    data, error = REJECTED[case]
    line, col = LOCATIONS[case](data)
    write_tree(tmp_path, {"bad.py": data})
    result = optfix("check", cwd=tmp_path)
    [finding] = findings_by_path(result)["bad.py"]
    assert finding["rule"] == error
    reported = (int(finding["line"]), int(finding["col"]) if col is not None else None)
    assert reported == (line, col), finding.group(0)


@pytest.mark.parametrize("file_mode", [0o444, 0o400], ids=oct)
def test_read_only_file_is_a_write_error_under_fix(optfix, tmp_path, file_mode):
    # The tests may run as root, who may write anyway: optfix must go by the mode bits.
    data = b"import keras\n" + FIXABLE + b"\n"
    write_tree(tmp_path, {**NEIGHBOURS, "locked.py": data})
    os.chmod(tmp_path / "locked.py", file_mode)
    before = snapshot(tmp_path)["locked.py"]
    result = optfix("fix", cwd=tmp_path)
    assert result.returncode == 2
    assert snapshot(tmp_path)["locked.py"] == before
    assert [f["rule"] for f in findings_by_path(result)["locked.py"]] == ["write-error"]
    assert changed_paths(result.stdout) == ["aaa_first.py", "zzz_last.py"]  # only the diffs applied
    assert_neighbours_fixed(tmp_path)
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".optfix-tmp")]


def test_git_ignored_folder_is_not_touched_when_walking(optfix, tmp_path):
    write_tree(tmp_path, {**NEIGHBOURS, ".gitignore": b"generated/\n", "generated/model.py": FIXABLE + b"\n"})
    before = snapshot(tmp_path)["generated/model.py"]
    result = optfix("fix", cwd=tmp_path)
    assert result.returncode == 0
    assert snapshot(tmp_path)["generated/model.py"] == before
    assert "generated/model.py" not in result.stderr.decode() and b"generated" not in result.stdout
    assert_neighbours_fixed(tmp_path)


# --- all of it in one tree ----------------------------------------------------------------------

def mixed_tree() -> tuple[dict[str, bytes], set[str]]:
    """Every awkward file above, side by side; and the names of those that must be reported."""
    files = dict(NEIGHBOURS)
    brief_kept = ["latin-1-cookie", "crlf", "utf-8-bom", "tab-indented", "no-final-newline"]
    files.update({f"kept/{case}.py": KEPT[case][0] for case in brief_kept})
    files.update({"kept/empty.py": b""})
    files.update({f"rejected/{case}.py": data for case, (data, _) in REJECTED.items()})
    files.update({".gitignore": b"ignored/\n", "ignored/model.py": FIXABLE + b"\n"})
    files["locked/locked.py"] = b"import keras\n" + FIXABLE + b"\n"
    return files, {f"rejected/{case}.py" for case in REJECTED}


def make_mixed(root: Path) -> Path:
    files, _ = mixed_tree()
    write_tree(root, files)
    os.chmod(root / "locked/locked.py", 0o444)
    return root


def test_mixed_tree(optfix, tmp_path):
    files, rejected = mixed_tree()
    applied, by_fix = make_mixed(tmp_path / "applied"), make_mixed(tmp_path / "fixed")

    # diff: writes nothing, names every bad file, and its patch is clean.
    before = snapshot(applied)
    diff = optfix("diff", cwd=applied)
    assert diff.returncode == 2
    assert snapshot(applied) == before
    reported = findings_by_path(diff)
    assert set(reported) == rejected
    for case, (_, error) in REJECTED.items():
        assert [f["rule"] for f in reported[f"rejected/{case}.py"]] == [error]
    git_apply(diff.stdout, applied)

    # fix: the same bad files plus the read-only one, which it cannot write.
    fix = optfix("fix", cwd=by_fix)
    assert fix.returncode == 2
    reported = findings_by_path(fix)
    assert set(reported) == rejected | {"locked/locked.py"}
    assert [f["rule"] for f in reported["locked/locked.py"]] == ["write-error"]

    result = contents(by_fix)
    for name in rejected | {"locked/locked.py", "ignored/model.py", "kept/empty.py", ".gitignore"}:
        assert result[name] == files[name], f"{name} was written"
    for name in set(files) - rejected - {"locked/locked.py", "ignored/model.py", "kept/empty.py", ".gitignore"}:
        assert result[name] == fixed(files[name]), f"{name} was not fixed exactly"

    # The patch gives what fix wrote, except where fix could not write (diff cannot know that).
    assert {k: v for k, v in contents(applied).items() if k != "locked/locked.py"} == {
        k: v for k, v in result.items() if k != "locked/locked.py"
    }

    # A second fix changes nothing (the bad files are still reported).
    after_first = snapshot(by_fix)
    again = optfix("fix", cwd=by_fix)
    assert (again.returncode, again.stdout) == (2, b"")
    assert snapshot(by_fix) == after_first
    assert set(findings_by_path(again)) == rejected | {"locked/locked.py"}


def test_temporary_file_of_a_killed_run_is_reported_and_left(optfix, tmp_path):
    """A run killed between writing its temporary file and renaming it leaves `.<name>.<random>.optfix-tmp`:
    the next run names it (it may belong to a run still going on, so it is not deleted)."""
    leftover = "pkg/.model.py.a1b2c3.optfix-tmp"
    write_tree(tmp_path, {**NEIGHBOURS, "pkg/model.py": VALID + b"\n", leftover: b"import ker", "pkg/notes.optfix-tmp": b"x"})
    before = snapshot(tmp_path)
    result = optfix("fix", cwd=tmp_path)
    assert result.returncode == 1
    found = findings_by_path(result)
    assert [f["rule"] for f in found.pop(leftover)] == ["leftover-temporary-file"]
    assert "model.py" in result.stderr.decode()
    assert found == {}  # not `notes.optfix-tmp`, which no optfix run writes
    assert_neighbours_fixed(tmp_path)
    after = snapshot(tmp_path)
    assert after[leftover] == before[leftover] and after["pkg/notes.optfix-tmp"] == before["pkg/notes.optfix-tmp"]


def test_unreadable_file_is_a_read_error_and_the_others_are_fixed(tmp_path):
    """Mode 000. Root reads it anyway, so as root the run is started without the capabilities that
    let root ignore file modes (util-linux's setpriv)."""
    from conftest import OPTFIX

    data = b"import keras\n" + FIXABLE + b"\n"
    write_tree(tmp_path, {**NEIGHBOURS, "secret.py": data})
    os.chmod(tmp_path / "secret.py", 0o000)
    unprivileged = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
    result = subprocess.run([*unprivileged, str(OPTFIX), "fix", "--no-progress", "."], cwd=tmp_path, capture_output=True)
    assert result.returncode == 2, result.stderr.decode()
    found = findings_by_path(result)
    assert [f["rule"] for f in found["secret.py"]] == ["read-error"]
    assert "Permission denied" in found["secret.py"][0]["message"]
    assert_neighbours_fixed(tmp_path)
    os.chmod(tmp_path / "secret.py", 0o644)
    assert (tmp_path / "secret.py").read_bytes() == data


def test_a_fifo_in_the_tree_is_not_read(optfix, tmp_path):
    """Reading a FIFO named like a source file would wait forever for a writer."""
    write_tree(tmp_path, NEIGHBOURS)
    os.mkfifo(tmp_path / "pipe.py")
    result = optfix("fix", cwd=tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    assert_neighbours_fixed(tmp_path)
    assert stat.S_ISFIFO(os.stat(tmp_path / "pipe.py").st_mode)


# Another program writes raced.py after optfix has read it and before optfix writes it: the real
# command, run in one process (--jobs 1) with the file's processing wrapped to do that write.
RACING_RUN = """
import sys
from pathlib import Path

import optfix.engine.journey as journey

processed = journey.process_bytes


def racing(path, data, *args, **kwargs):
    result = processed(path, data, *args, **kwargs)
    if Path(path).name == "raced.py":
        Path(path).write_bytes(b"# the other writer's version\\n")
    return result


journey.process_bytes = racing
from optfix.cli import main

sys.argv = ["optfix", "fix", "--jobs", "1", "--no-progress", "."]
main()
"""


def test_a_file_changed_on_disk_meanwhile_is_left_as_the_other_writer_left_it(tmp_path):
    write_tree(tmp_path, {**NEIGHBOURS, "raced.py": b"import keras\n" + FIXABLE + b"\n"})
    result = subprocess.run([sys.executable, "-c", RACING_RUN], cwd=tmp_path, capture_output=True)
    assert result.returncode == 2, result.stderr
    assert (tmp_path / "raced.py").read_bytes() == b"# the other writer's version\n"
    [finding] = findings_by_path(result)["raced.py"]
    assert finding["rule"] == "write-error" and "changed on disk" in finding.group(0)
    assert_neighbours_fixed(tmp_path)
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".optfix-tmp")]
