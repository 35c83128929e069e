"""The rules' documentation: every section present, each Example true, `optfix explain` prints it,
and README.md's rule table is what scripts/generate_readme.py makes of it."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conftest import REPO
from optfix.engine.journey import process_bytes
from optfix.rulekit.docstrings import SECTIONS
from optfix.rulekit.rule import Rule
from optfix.engine.registry import all_rules

RULES = all_rules()
GENERATOR = REPO / "scripts" / "generate_readme.py"
CODE_BLOCK = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)
NAMED_FIXTURE = re.compile(r"`fixtures/([\w-]+)/([\w-]+)\.py`")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _ids(rule: type[Rule]) -> str:
    return rule.id


class _Documented(Rule):
    """A summary.

    What it does
    ------------
    It does this.

    Example
    -------
    ```python
    x = 1
    ---
    ```

    Why
    ---
    Because.
    """


def test_section_is_the_text_under_its_title_up_to_the_next():
    assert _Documented.section("What it does") == "It does this."
    assert _Documented.section("Example") == "```python\nx = 1\n---\n```"
    assert _Documented.section("Why") == "Because."
    assert _Documented.section("Known problems") is None
    assert _Documented.section("A summary.") is None


@pytest.mark.parametrize("rule", RULES, ids=_ids)
def test_every_rule_documents_every_section(rule):
    documentation = rule.documentation()
    assert rule.summary() and rule.summary() not in SECTIONS
    missing = [title for title in SECTIONS if not rule.section(title)]
    assert not missing, f"{rule.id}: sections missing or empty: {missing}"
    titles = [line for line, below in zip(documentation.splitlines(), documentation.splitlines()[1:]) if below and below == "-" * len(line)]
    assert titles == list(SECTIONS), f"{rule.id}: sections out of order or unknown: {titles}"


def _example(rule: type[Rule]) -> tuple[str, str]:
    blocks = CODE_BLOCK.findall(rule.section("Example"))
    assert len(blocks) == 2, f"{rule.id}: its Example needs a before and an after python code block"
    return blocks[0], blocks[1]


@pytest.mark.parametrize("rule", RULES, ids=_ids)
def test_example_is_what_the_rule_does(rule, tmp_path):
    before, after = _example(rule)
    path = tmp_path / "example.py"
    result = process_bytes(path, before.encode(), [rule])
    assert not result.failed, [f.message for f in result.findings]
    assert result.changed, f"{rule.id}: the rule leaves its own example unchanged"
    assert result.updated.decode() == after


@pytest.mark.parametrize("rule", RULES, ids=_ids)
def test_example_is_the_fixture_it_names(rule):
    before, after = _example(rule)
    named = NAMED_FIXTURE.findall(rule.section("Example"))
    assert len(named) == 1 and named[0][0] == rule.id, f"{rule.id}: its Example must name one fixtures/{rule.id}/NAME.py"
    source = REPO / "fixtures" / rule.id / f"{named[0][1]}.py"
    assert source.read_text() == before
    assert source.with_name(f"{named[0][1]}.expected.py").read_text() == after


@pytest.mark.parametrize("rule", RULES, ids=_ids)
def test_explain_prints_the_documentation(optfix, tmp_path, rule):
    piped = optfix("explain", rule.id, cwd=tmp_path)
    never = optfix("explain", rule.id, "--color", "never", cwd=tmp_path)
    assert piped.returncode == never.returncode == 0, piped.stderr
    assert piped.stdout == never.stdout
    text = piped.stdout.decode()
    assert b"\x1b" not in piped.stdout
    assert text.splitlines()[0] == rule.id
    assert rule.documentation() in text


def test_explain_renders_markdown_for_a_terminal(optfix, tmp_path):
    rule = RULES[0]
    result = optfix("explain", rule.id, "--color", "always", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert b"\x1b[" in result.stdout
    lines = [line.strip() for line in ANSI.sub("", result.stdout.decode()).splitlines()]
    assert rule.id in lines and "What it does" in lines and "Known problems" in lines
    assert "```python" not in result.stdout.decode(), "code blocks are rendered, not shown as Markdown"
    assert not any(set(line) == {"-"} for line in lines if line), "titles are rendered, not underlined with dashes"


def test_explain_all_prints_every_rule_in_order(optfix, tmp_path):
    result = optfix("explain", "--all", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode()
    positions = [text.index(rule.documentation()) for rule in RULES]
    assert positions == sorted(positions)


@pytest.mark.parametrize("args", [["no-such-rule"], ["Get-Updates"]], ids=["unknown", "wrong case"])
def test_explain_unknown_rule_lists_the_known_ones(optfix, tmp_path, args):
    result = optfix("explain", *args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == b""
    message = result.stderr.decode()
    assert args[0] in message
    assert all(rule.id in message for rule in RULES)


@pytest.mark.parametrize("args", [[], ["get-updates", "--all"]], ids=["nothing", "both"])
def test_explain_needs_one_rule_or_all(optfix, tmp_path, args):
    result = optfix("explain", *args, cwd=tmp_path)
    assert result.returncode == 2
    assert b"--all" in result.stderr


def _generate(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(GENERATOR), *args], capture_output=True, text=True, timeout=120)


def test_readme_rule_table_is_up_to_date():
    result = _generate("--check")
    assert result.returncode == 0, result.stderr


def test_generator_finds_and_fixes_a_stale_readme(tmp_path):
    readme = tmp_path / "README.md"
    current = (REPO / "README.md").read_text()
    row = f"| `{RULES[0].id}` | {RULES[0].summary()} |"
    assert row in current
    readme.write_text(current.replace(row, f"| `{RULES[0].id}` | an old summary |"))
    stale = _generate("--check", "--readme", str(readme))
    assert stale.returncode == 1
    assert "python scripts/generate_readme.py" in stale.stderr
    assert _generate("--readme", str(readme)).returncode == 0
    assert readme.read_text() == current


def test_readme_shows_each_rules_example_fixture():
    readme = (REPO / "README.md").read_text()
    table = readme[readme.index("<!-- rules-table:start -->"):readme.index("<!-- rules-table:end -->")]
    for rule in RULES:
        before, after = _example(rule)
        assert f"| `{rule.id}` | {rule.summary()} |" in table
        assert f"```python\n{before}```\n\nbecomes\n\n```python\n{after}```" in table


def test_generator_refuses_a_readme_without_markers(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# optfix\n")
    result = _generate("--readme", str(readme))
    assert result.returncode != 0
    assert "rules-table:start" in result.stderr
    assert readme.read_text() == "# optfix\n"
