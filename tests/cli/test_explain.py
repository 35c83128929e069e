"""`optfix explain`: each rule's documentation, printed plain or rendered for a terminal."""

from __future__ import annotations

import re

import pytest

from optfix.engine.registry import all_rules

RULES = all_rules()
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
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
