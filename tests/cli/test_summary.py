"""`--summary FILE.md`: the Markdown pull-request description, read back and checked against the
JSON report of the same run, the rules' documentation and the files; its command reproduces the run."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from collections import Counter
from pathlib import Path

import fixture_tree
from optfix.rulekit.docstrings import first_sentences
from optfix.engine.registry import rules_by_id

LINK = re.compile(r"\[(?P<text>[^\]]+)\]\((?P<target>[^)#]+)#L(?P<line>\d+)\)")


def sections(markdown: str) -> dict[str, str]:
    """The `## ` sections of the summary by title."""
    parts = re.split(r"^## (.+)$", markdown, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2]))


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def run_with_summary(optfix, root: Path, *args: str):
    result = optfix(*args, "--output-format", "json", "--summary", "summary.md", cwd=root)
    return result, json.loads(result.stdout), (root / "summary.md").read_text()


def test_summary_lists_changes_findings_proof_and_command(optfix, tmp_path):
    files = fixture_tree.build(tmp_path)
    result, document, markdown = run_with_summary(optfix, tmp_path, "fix", "--select", "keras2-optimizer", ".")
    parts = sections(markdown)

    changes = [r for r in document["results"] if r["kind"] == "change"]
    table = dict(re.findall(r"^\| `([a-z0-9-]+)` \| (\d+) \| \d+ \|$", parts["What changed"], flags=re.MULTILINE))
    assert {rule: int(count) for rule, count in table.items()} == Counter(c["rule"] for c in changes)
    listed = [(m["target"], int(m["line"])) for m in LINK.finditer(parts["What changed"])]
    assert listed == [(c["path"], c["line"]) for c in changes]

    needs_person = [r for r in document["results"] if r["kind"] != "change"]
    groups = re.split(r"^### `([a-z0-9-]+)` \((\d+)\)$", parts["Needs a person"], flags=re.MULTILINE)
    by_rule = {rule: (int(count), body) for rule, count, body in zip(groups[1::3], groups[2::3], groups[3::3])}
    assert {rule: count for rule, (count, _) in by_rule.items()} == Counter(r["rule"] for r in needs_person)
    for rule, (_, body) in by_rule.items():
        items = [line for line in body.splitlines() if line.startswith("- ")]
        expected = [r for r in needs_person if r["rule"] == rule]
        assert len(items) == len(expected)
        for item, record in zip(items, expected):
            link = LINK.search(item)
            assert unescape(link["text"]) == f"{record['path']}:{record['line']}"
            assert (tmp_path / link["target"].replace("%20", " ").replace("%2C", ",").replace("%3A", ":")).is_file()
            assert record["message"] in unescape(item)

    assert first_sentences(rules_by_id()["keras2-optimizer"].section("Fix safety")) in parts["What was proven"]

    [command] = re.findall(r"```sh\n(.+)\n```", parts["Reproduce"])
    assert shlex.split(command) == ["optfix", "fix", "--select", "keras2-optimizer", "."]
    assert result.returncode == document["summary"]["exit_code"] == 2
    assert not list(tmp_path.glob(".summary.md.*"))  # the atomic write left no temporary file

    # The command, run on a fresh copy of the project, gives the same files.
    again = tmp_path / "again"
    fixture_tree.build(again)
    optfix(*shlex.split(command)[1:], cwd=again)
    assert fixture_tree.on_disk(again, files) == fixture_tree.on_disk(tmp_path, files)


def test_summary_of_a_dry_run_says_would_and_writes_only_the_summary(optfix, tmp_path):
    files = fixture_tree.build(tmp_path)
    (tmp_path / "summary.md").write_text("an older summary\n")
    result, document, markdown = run_with_summary(optfix, tmp_path, "diff", "--exclude", "pkg/")
    assert "What would change" in sections(markdown)
    assert "an older summary" not in markdown
    assert "pkg/unsafe.py" not in markdown and all(not r["path"].startswith("pkg/") for r in document["results"])
    assert fixture_tree.on_disk(tmp_path, files) == {path: e.original for path, e in files.items()}
    [command] = re.findall(r"```sh\n(.+)\n```", sections(markdown)["Reproduce"])
    assert shlex.split(command) == ["optfix", "diff", "--exclude", "pkg/", "."]


def test_summary_of_a_clean_run_has_nothing_to_review(optfix, tmp_path):
    shutil.copy(fixture_tree.KERAS2 / "left_alone.py", tmp_path)
    result = optfix("check", "--summary", "summary.md", cwd=tmp_path)
    assert result.returncode == 0
    markdown = (tmp_path / "summary.md").read_text()
    assert "Nothing to change in 1 file." in markdown
    assert set(sections(markdown)) == {"Reproduce"}


def test_summary_into_a_missing_folder_is_a_usage_error_before_anything_is_written(optfix, tmp_path):
    files = fixture_tree.build(tmp_path)
    result = optfix("fix", "--summary", "no/such/folder/summary.md", cwd=tmp_path)
    assert result.returncode == 2
    assert "no/such/folder/summary.md" in result.stderr.decode()
    assert fixture_tree.on_disk(tmp_path, files) == {path: e.original for path, e in files.items()}


def test_summary_that_cannot_be_written_exits_2_and_the_fixes_stand(optfix, tmp_path):
    files = fixture_tree.build(tmp_path)
    (tmp_path / "summary.md").symlink_to("gone/summary.md")  # written through, into a missing folder
    result = optfix("fix", "--summary", "summary.md", cwd=tmp_path)
    assert result.returncode == 2
    assert "summary.md" in result.stderr.decode().splitlines()[-1]
    assert fixture_tree.on_disk(tmp_path, files) == {path: e.fixed for path, e in files.items()}

