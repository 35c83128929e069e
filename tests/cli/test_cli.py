"""The `optfix` console script end to end: diff/fix/check, exit codes, output streams, options, discovery."""

from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

GIT_ENV = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}

# One line per situation; the fixable ones name what the fix must produce.
CLEAN = "model.compile(optimizer='adam', loss='mse')\n"
FIXABLE = "model.compile(optimizer='Adgrad', loss='mse')\n"
FIXED = "model.compile(optimizer='adagrad', loss='mse')\n"
AMBIGUOUS = "model.compile(optimizer='adamx', loss='mse')\n"
UNPARSABLE = "model.compile(optimizer='sdg'\n"  # unclosed paren, but it contains the trigger
NO_TRIGGER = "x = 1\n"

FINDING = re.compile(r"^(?P<path>[^:\s]+):(?P<line>\d+):(?P<col>\d+): (?P<rule>[a-z][a-z-]*) (?P<message>\S.*)$")
DIFF_LINE = re.compile(rb"^(--- a/|\+\+\+ b/|@@ -\d+(,\d+)? \+\d+(,\d+)? @@|[ +\-]|\\ No newline at end of file$)")
ANSI = re.compile(rb"\x1b\[[0-9;]*m")


# --- helpers -------------------------------------------------------------------------------------

def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    return root


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under root (outside .git) with its bytes and modification time."""
    found = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != ".git"]
        for name in files:
            path = Path(folder, name)
            found[path.relative_to(root).as_posix()] = (path.read_bytes(), path.stat().st_mtime_ns)
    return found


def contents(root: Path) -> dict[str, bytes]:
    return {name: data for name, (data, _) in snapshot(root).items()}


def changed_paths(diff: bytes) -> list[str]:
    """The paths named by the `+++ b/...` headers of a diff, in order."""
    return [line[len(b"+++ b/"):].decode() for line in diff.splitlines() if line.startswith(b"+++ b/")]


def stderr_lines(result) -> list[str]:
    return result.stderr.decode().splitlines()


def findings(result) -> list[re.Match]:
    """The finding lines on stderr, all but the summary."""
    lines = stderr_lines(result)[:-1]
    matches = [FINDING.match(line) for line in lines]
    assert all(matches), f"not a finding: {lines}"
    return matches


def summary(result) -> str:
    return stderr_lines(result)[-1]


def git_apply(patch: bytes, tree: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tree)], check=True, env=GIT_ENV)
    applied = subprocess.run(["git", "apply", "-"], cwd=tree, input=patch, capture_output=True, env=GIT_ENV)
    assert applied.returncode == 0, applied.stderr.decode(errors="replace")


def copies(tmp_path: Path, files: dict[str, str | bytes], *names: str) -> list[Path]:
    return [write_tree(tmp_path / name, files) for name in names]


MIXED = {
    "train.py": "import os\n\n" + FIXABLE + "x = 1\n",
    "pkg/__init__.py": "",
    "pkg/compile_sgd.py": 'model.compile("sdg", loss="mse")\n',
    "pkg/getter.py": 'import tensorflow as tf\n\nopt = tf.keras.optimizers.get("Adem")\n',
    "pkg/clean.py": CLEAN,
    "pkg/plain.py": NO_TRIGGER,
}


# --- the rule through the CLI --------------------------------------------------------------------

@pytest.mark.parametrize(
    "before, after",
    [
        ("model.compile(optimizer='Adgrad', loss='mse')\n", "model.compile(optimizer='adagrad', loss='mse')\n"),
        ('model.compile("sdg")\n', 'model.compile("sgd")\n'),
        ('import tensorflow as tf\ntf.keras.optimizers.get("Adem")\n', 'import tensorflow as tf\ntf.keras.optimizers.get("adam")\n'),
    ],
    ids=["keyword", "positional", "optimizers.get"],
)
def test_fix_corrects_misspelled_name(optfix, tmp_path, before, after):
    write_tree(tmp_path, {"a.py": before})
    result = optfix("fix", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "a.py").read_text() == after
    [old_line] = [line for line in before.splitlines() if line not in after.splitlines()]
    [new_line] = [line for line in after.splitlines() if line not in before.splitlines()]
    assert result.stdout.startswith(b"--- a/a.py\n+++ b/a.py\n")
    assert f"-{old_line}\n+{new_line}\n".encode() in result.stdout


def test_ambiguous_name_is_a_finding_and_left_unchanged(optfix, tmp_path):
    source = "import keras\n\n" + AMBIGUOUS
    write_tree(tmp_path, {"a.py": source})
    before = snapshot(tmp_path)
    result = optfix("fix", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == b""
    assert snapshot(tmp_path) == before
    [finding] = findings(result)
    line_number = source.splitlines().index(AMBIGUOUS.rstrip("\n")) + 1
    column = AMBIGUOUS.index("'adamx'") + 1
    assert (finding["path"], int(finding["line"]), int(finding["col"]), finding["rule"]) == ("a.py", line_number, column, "optimizer-name")
    assert finding["message"].startswith("'adamx' is not a Keras optimizer name; did you mean")


# --- diff ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [(), (".",)], ids=["default-path", "dot"])
def test_diff_prints_diff_with_relative_headers_and_writes_nothing(optfix, tmp_path, args):
    write_tree(tmp_path, MIXED)
    before = snapshot(tmp_path)
    result = optfix("diff", *args, cwd=tmp_path)
    assert result.returncode == 1
    assert snapshot(tmp_path) == before
    assert changed_paths(result.stdout) == ["pkg/compile_sgd.py", "pkg/getter.py", "train.py"]
    assert b"--- a/train.py\n+++ b/train.py\n" in result.stdout
    assert ("-" + FIXABLE).encode() in result.stdout and ("+" + FIXED).encode() in result.stdout


def test_diff_headers_are_relative_to_cwd_whatever_path_is_given(optfix, tmp_path):
    write_tree(tmp_path, {"src/pkg/model.py": FIXABLE})
    absolute = optfix("diff", str(tmp_path / "src" / "pkg" / "model.py"), cwd=tmp_path)
    folder = optfix("diff", "src", cwd=tmp_path)
    from_inside = optfix("diff", "model.py", cwd=tmp_path / "src" / "pkg")
    assert changed_paths(absolute.stdout) == changed_paths(folder.stdout) == ["src/pkg/model.py"]
    assert absolute.stdout.startswith(b"--- a/src/pkg/model.py\n+++ b/src/pkg/model.py\n")
    assert from_inside.stdout.startswith(b"--- a/model.py\n+++ b/model.py\n")


def test_diff_patch_applied_with_git_reproduces_fix(optfix, tmp_path):
    applied, fixed = copies(tmp_path, MIXED, "applied", "fixed")
    diff = optfix("diff", cwd=applied)
    assert diff.returncode == 1
    git_apply(diff.stdout, applied)

    fix = optfix("fix", cwd=fixed)
    assert fix.returncode == 0, fix.stderr
    assert contents(fixed) != {k: v.encode() if isinstance(v, str) else v for k, v in MIXED.items()}
    assert contents(applied) == contents(fixed)
    assert fix.stdout == diff.stdout  # fix prints the diff it applied

    after_first = snapshot(fixed)
    again = optfix("fix", cwd=fixed)
    assert (again.returncode, again.stdout) == (0, b"")
    assert snapshot(fixed) == after_first
    # calls whose defaults differ between Keras versions may be counted after the sentence (no --source here)
    assert summary(again).startswith(f"Nothing to change in {len(after_first)} files.")


# --- fix and check -------------------------------------------------------------------------------

def test_fix_quiet_writes_but_prints_no_diff(optfix, tmp_path):
    write_tree(tmp_path, {"a.py": FIXABLE})
    result = optfix("fix", "--quiet", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, b"")
    assert (tmp_path / "a.py").read_text() == FIXED


def test_check_writes_nothing_and_prints_no_diff(optfix, tmp_path):
    write_tree(tmp_path, MIXED)
    before = snapshot(tmp_path)
    result = optfix("check", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (1, b"")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    "source, expected",
    [
        (CLEAN, {"diff": 0, "check": 0, "fix": 0}),
        (NO_TRIGGER, {"diff": 0, "check": 0, "fix": 0}),
        (FIXABLE, {"diff": 1, "check": 1, "fix": 0}),
        (AMBIGUOUS, {"diff": 1, "check": 1, "fix": 1}),
        (FIXABLE + AMBIGUOUS, {"diff": 1, "check": 1, "fix": 1}),
        (UNPARSABLE, {"diff": 2, "check": 2, "fix": 2}),
    ],
    ids=["clean", "no-trigger", "fixable", "ambiguous", "fixable-and-ambiguous", "unparsable"],
)
@pytest.mark.parametrize("mode", ["diff", "check", "fix"])
def test_exit_status(optfix, tmp_path, source, expected, mode):
    write_tree(tmp_path, {"a.py": source, "b.py": CLEAN})
    result = optfix(mode, cwd=tmp_path)
    assert result.returncode == expected[mode], result.stderr


def test_fix_with_findings_left_still_fixes_what_it_can(optfix, tmp_path):
    write_tree(tmp_path, {"a.py": FIXABLE + AMBIGUOUS})
    result = optfix("fix", cwd=tmp_path)
    assert result.returncode == 1
    assert (tmp_path / "a.py").read_text() == FIXED + AMBIGUOUS
    assert [f["line"] for f in findings(result)] == ["2"]


# --- output streams ------------------------------------------------------------------------------

def test_stdout_is_only_the_patch_and_stderr_only_findings_and_summary(optfix, tmp_path):
    write_tree(tmp_path, {**MIXED, "amb.py": AMBIGUOUS, "broken.py": UNPARSABLE})
    result = optfix("diff", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout and all(DIFF_LINE.match(line) for line in result.stdout.splitlines())
    found = findings(result)
    assert {(f["path"], f["rule"]) for f in found} == {("amb.py", "optimizer-name"), ("broken.py", "syntax-error")}
    assert b"+++" not in result.stderr and b"@@" not in result.stderr


def test_summary_when_nothing_to_change_counts_every_file(optfix, tmp_path):
    write_tree(tmp_path, {"a.py": CLEAN, "b.py": NO_TRIGGER, "sub/c.py": CLEAN})
    result = optfix("check", cwd=tmp_path)
    assert result.returncode == 0
    assert stderr_lines(result) == ["Nothing to change in 3 files."]


@pytest.mark.parametrize("mode, verb", [("diff", "would be changed"), ("check", "would be changed"), ("fix", "fixed")])
def test_summary_is_the_last_line_of_stderr(optfix, tmp_path, mode, verb):
    write_tree(tmp_path, {"a.py": FIXABLE, "b.py": CLEAN, "c.py": AMBIGUOUS})
    result = optfix(mode, cwd=tmp_path)
    lines = stderr_lines(result)
    if mode == "check":  # no diff shows the change: it is listed
        assert FINDING.match(lines.pop(0)).group("path") == "a.py"
    assert FINDING.match(lines[0]) and lines[0].startswith("c.py:")
    assert len(lines) == 2
    assert lines[-1].startswith(f"1 file {verb}")
    assert "1 finding" in lines[-1] and "3 files" in lines[-1]


# --- options -------------------------------------------------------------------------------------

def test_select_the_rule_is_the_same_as_the_default(optfix, tmp_path):
    write_tree(tmp_path, MIXED)
    default = optfix("diff", cwd=tmp_path)
    selected = optfix("diff", "--select", "optimizer-name", cwd=tmp_path)
    assert (selected.returncode, selected.stdout, selected.stderr) == (default.returncode, default.stdout, default.stderr)
    assert selected.stdout


@pytest.mark.parametrize("mode", ["diff", "fix", "check"])
def test_ignore_the_rule_changes_nothing(optfix, tmp_path, mode):
    write_tree(tmp_path, {**MIXED, "amb.py": AMBIGUOUS})
    before = snapshot(tmp_path)
    result = optfix(mode, "--ignore", "optimizer-name", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, b"")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    "args, mentioned",
    [
        (["--select", "no-such-rule"], "no-such-rule"),
        (["--ignore", "no-such-rule"], "no-such-rule"),
        (["--select", "optimizer-name", "--select", "optimiser-name"], "optimiser-name"),
        (["--color", "purple"], "--color"),
        (["--jobs", "0"], "--jobs"),
    ],
    ids=["select", "ignore", "select-one-bad", "color", "jobs"],
)
def test_usage_errors_exit_2_and_write_nothing(optfix, tmp_path, args, mentioned):
    write_tree(tmp_path, {"a.py": FIXABLE})
    before = snapshot(tmp_path)
    result = optfix("fix", *args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == b""
    assert mentioned in result.stderr.decode()
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    "patterns, skipped",
    [
        (["vendor/"], {"vendor/lib.py"}),
        (["gen_*.py"], {"gen_model.py", "pkg/gen_layer.py"}),
        (["/gen_model.py"], {"gen_model.py"}),  # anchored at the working directory
        (["pkg/"], {"pkg/gen_layer.py", "pkg/model.py"}),
        (["vendor/", "pkg/model.py"], {"vendor/lib.py", "pkg/model.py"}),
    ],
    ids=["folder", "glob-anywhere", "anchored", "subfolder", "repeated"],
)
def test_exclude_is_gitignore_style_relative_to_cwd(optfix, tmp_path, patterns, skipped):
    files = ["gen_model.py", "main.py", "pkg/gen_layer.py", "pkg/model.py", "vendor/lib.py"]
    write_tree(tmp_path, {name: FIXABLE for name in files})
    args = [arg for pattern in patterns for arg in ("--exclude", pattern)]
    result = optfix("diff", *args, cwd=tmp_path)
    assert changed_paths(result.stdout) == sorted(set(files) - skipped)


def test_exclude_is_relative_to_cwd_not_to_the_path_given(optfix, tmp_path):
    write_tree(tmp_path, {"project/pkg/model.py": FIXABLE, "project/model.py": FIXABLE})
    result = optfix("diff", "--exclude", "project/pkg/", "project", cwd=tmp_path)
    assert changed_paths(result.stdout) == ["project/model.py"]


def several_files() -> dict[str, str]:
    files = {}
    for i in range(14):
        files[f"f{i:02}.py"] = [FIXABLE, CLEAN, AMBIGUOUS + FIXABLE, NO_TRIGGER, UNPARSABLE][i % 5] * (1 + i % 3)
        files[f"sub{i % 3}/m{i:02}.py"] = [AMBIGUOUS, FIXABLE, CLEAN][i % 3]
    return files


@pytest.mark.parametrize("mode", ["diff", "check"])
def test_jobs_do_not_change_the_output(optfix, tmp_path, mode):
    files = several_files()
    write_tree(tmp_path, files)
    one = optfix(mode, "--jobs", "1", cwd=tmp_path)
    two = optfix(mode, "--jobs", "2", cwd=tmp_path)
    four = optfix(mode, "-j", "4", cwd=tmp_path)
    assert (one.returncode, one.stdout, one.stderr) == (two.returncode, two.stdout, two.stderr)
    assert (one.returncode, one.stdout, one.stderr) == (four.returncode, four.stdout, four.stderr)
    # ...and the order is the files' order, not the order the workers finish in.
    reported = [f["path"] for f in findings(one)]
    assert reported == sorted(reported, key=lambda p: Path(p).parts)
    if mode == "diff":
        changed = changed_paths(one.stdout)
        assert changed == sorted(name for name, text in files.items() if FIXABLE in text and UNPARSABLE not in text)


def test_jobs_fix_gives_the_same_files(optfix, tmp_path):
    one, two = copies(tmp_path, several_files(), "one", "two")
    first = optfix("fix", "--jobs", "1", cwd=one)
    second = optfix("fix", "--jobs", "2", cwd=two)
    assert (first.returncode, first.stdout, first.stderr) == (second.returncode, second.stdout, second.stderr)
    assert contents(one) == contents(two)


def test_color_always_colors_the_diff_and_never_does_not(optfix, tmp_path):
    write_tree(tmp_path, MIXED)
    always = optfix("diff", "--color", "always", cwd=tmp_path)  # even with NO_COLOR set: it was asked for
    never = optfix("diff", "--color", "never", cwd=tmp_path)
    auto = optfix("diff", cwd=tmp_path)  # not a terminal
    assert b"\x1b[" in always.stdout
    assert b"\x1b" not in never.stdout and b"\x1b" not in auto.stdout
    assert ANSI.sub(b"", always.stdout) == never.stdout == auto.stdout


def test_no_progress_is_accepted_and_changes_no_output(optfix, tmp_path):
    write_tree(tmp_path, {**MIXED, "amb.py": AMBIGUOUS})
    plain = optfix("diff", cwd=tmp_path)
    quiet_bar = optfix("diff", "--no-progress", cwd=tmp_path)
    assert quiet_bar.returncode == 1
    assert (plain.stdout, plain.stderr) == (quiet_bar.stdout, quiet_bar.stderr)


def test_rules_lists_each_documented_rule_with_a_summary(optfix, tmp_path):
    result = optfix("rules", cwd=tmp_path)
    assert result.returncode == 0
    listed = dict(re.match(r"^(\S+)\s+(\S.*)$", line).groups() for line in result.stdout.decode().splitlines())
    assert "optimizer-name" in listed
    assert "optimizer" in listed["optimizer-name"].lower()
    rules_section = (REPO / "README.md").read_text().split("\n## Rules\n", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\| `([a-z][a-z0-9-]*)` \|", rules_section, re.MULTILINE)
    assert "optimizer-name" in documented
    assert set(documented) <= set(listed)


@pytest.mark.parametrize("command", [[sys.executable, "-m", "optfix"], [str(Path(sys.executable).with_name("optfix"))]],
                         ids=["python-m", "script"])
def test_version(tmp_path, command):
    result = subprocess.run([*command, "--version"], cwd=tmp_path, capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert importlib.metadata.version("optfix") in result.stdout.decode().split()


# --- discovery -----------------------------------------------------------------------------------

def test_walk_honours_gitignore_nested_and_negated(optfix, tmp_path):
    write_tree(tmp_path, {
        ".gitignore": "ignored/\n*_generated.py\n",
        "main.py": FIXABLE,
        "model_generated.py": FIXABLE,
        "ignored/a.py": FIXABLE,
        "pkg/.gitignore": "*.py\n!keep.py\n!keep_generated.py\n",
        "pkg/keep.py": FIXABLE,
        "pkg/keep_generated.py": FIXABLE,  # ignored above, re-included by the nested file
        "pkg/drop.py": FIXABLE,
        "pkg/deeper/other.py": FIXABLE,
        "other/drop.py": FIXABLE,  # pkg/.gitignore does not reach here
        "other/drop_generated.py": FIXABLE,
    })
    expected = ["main.py", "other/drop.py", "pkg/keep.py", "pkg/keep_generated.py"]
    before = snapshot(tmp_path)
    result = optfix("diff", cwd=tmp_path)
    assert changed_paths(result.stdout) == expected
    assert snapshot(tmp_path) == before
    # ...which is what git itself makes of these .gitignore files.
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True, env=GIT_ENV)
    listed = subprocess.run(["git", "ls-files", "--others", "--exclude-standard", "*.py"],
                            cwd=tmp_path, capture_output=True, check=True, env=GIT_ENV).stdout.decode().split()
    assert sorted(listed) == expected


def test_walking_a_subfolder_honours_gitignore_files_above_it_in_the_repository(optfix, tmp_path):
    write_tree(tmp_path, {".gitignore": "pkg/generated/\n", "pkg/model.py": FIXABLE, "pkg/generated/g.py": FIXABLE})
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True, env=GIT_ENV)
    result = optfix("diff", "pkg", cwd=tmp_path)
    assert changed_paths(result.stdout) == ["pkg/model.py"]


@pytest.mark.parametrize("folder", [".venv", "venv", "__pycache__", "build", "lib/python3.12/site-packages", "env311"])
def test_walk_skips_environments_caches_and_build_output(optfix, tmp_path, folder):
    files = {"main.py": FIXABLE, f"{folder}/mod.py": FIXABLE, f"{folder}/nested/mod.py": FIXABLE}
    if folder == "env311":  # any folder holding a virtualenv, whatever its name
        files[f"{folder}/pyvenv.cfg"] = "home = /usr/bin\n"
    write_tree(tmp_path, files)
    before = snapshot(tmp_path)
    result = optfix("fix", cwd=tmp_path)
    assert changed_paths(result.stdout) == ["main.py"]
    assert {k: v for k, v in snapshot(tmp_path).items() if k.startswith(folder)} == {
        k: v for k, v in before.items() if k.startswith(folder)
    }


def test_a_file_named_explicitly_is_processed_even_if_gitignored(optfix, tmp_path):
    write_tree(tmp_path, {".gitignore": "ignored/\nskip.py\n", "ignored/a.py": FIXABLE, "skip.py": FIXABLE})
    walked = optfix("diff", cwd=tmp_path)
    assert changed_paths(walked.stdout) == []
    named = optfix("fix", "ignored/a.py", "skip.py", cwd=tmp_path)
    assert named.returncode == 0
    assert changed_paths(named.stdout) == ["ignored/a.py", "skip.py"]
    assert (tmp_path / "ignored/a.py").read_text() == (tmp_path / "skip.py").read_text() == FIXED


@pytest.mark.parametrize("missing", ["missing.py", "no/such/folder"])
def test_nonexistent_path_is_reported_and_the_rest_still_processed(optfix, tmp_path, missing):
    write_tree(tmp_path, {"a.py": FIXABLE, "z.py": FIXABLE})
    result = optfix("fix", "a.py", missing, "z.py", cwd=tmp_path)
    assert result.returncode == 2
    [finding] = findings(result)
    assert finding["path"] == missing and finding["rule"] == "read-error"
    assert changed_paths(result.stdout) == ["a.py", "z.py"]
    assert (tmp_path / "a.py").read_text() == (tmp_path / "z.py").read_text() == FIXED
    assert not (tmp_path / missing).exists()


def test_a_folder_named_explicitly_is_walked_even_if_gitignored_above(optfix, tmp_path):
    # e.g. `optfix check .venv/lib/python3.11/site-packages/somepackage` inside a repository.
    write_tree(tmp_path, {".gitignore": "vendored/\n", "vendored/pkg/a.py": FIXABLE, "vendored/pkg/.gitignore": "skip.py\n",
                          "vendored/pkg/skip.py": FIXABLE})
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True, env=GIT_ENV)
    result = optfix("diff", "vendored/pkg", cwd=tmp_path)
    assert changed_paths(result.stdout) == ["vendored/pkg/a.py"]  # .gitignore files inside still count
    assert changed_paths(optfix("diff", ".", cwd=tmp_path).stdout) == []


def test_symlinks_met_while_walking_are_not_followed(optfix, tmp_path):
    outside = write_tree(tmp_path / "outside", {"elsewhere.py": FIXABLE})
    tree = write_tree(tmp_path / "tree", {"real.py": FIXABLE})
    (tree / "linked_folder").symlink_to(outside, target_is_directory=True)
    (tree / "linked_file.py").symlink_to(outside / "elsewhere.py")
    result = optfix("fix", ".", cwd=tree)
    assert (tree / "real.py").read_text() == FIXED
    assert (outside / "elsewhere.py").read_text() == FIXABLE  # nothing outside the tree is written
    assert (tree / "linked_file.py").is_symlink() and (tree / "linked_folder").is_symlink()
    assert "1 file fixed" in summary(result)


def test_a_symlink_named_explicitly_is_written_through(optfix, tmp_path):
    outside = write_tree(tmp_path / "outside", {"elsewhere.py": FIXABLE})
    link = tmp_path / "link.py"
    link.symlink_to(outside / "elsewhere.py")
    optfix("fix", "link.py", cwd=tmp_path)
    assert link.is_symlink() and (outside / "elsewhere.py").read_text() == FIXED
