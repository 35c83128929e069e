"""The rules' documentation: every section present, each Example true and the fixture it names, and
each shown in README.md's rule table (`optfix explain` and scripts/generate_readme.py, which print
it, are run in tests/cli/)."""

from __future__ import annotations

import re

import pytest

from conftest import REPO
from optfix.engine.journey import process_bytes
from optfix.rulekit.docstrings import SECTIONS, first_sentences
from optfix.rulekit.rule import Rule
from optfix.engine.registry import all_rules

RULES = all_rules()
CODE_BLOCK = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)
NAMED_FIXTURE = re.compile(r"`fixtures/([\w-]+)/([\w-]+)\.py`")


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


def test_readme_shows_each_rules_example_fixture():
    readme = (REPO / "README.md").read_text()
    table = readme[readme.index("<!-- rules-table:start -->"):readme.index("<!-- rules-table:end -->")]
    for rule in RULES:
        before, after = _example(rule)
        assert f"| `{rule.id}` | {rule.summary()} |" in table
        assert f"```python\n{before}```\n\nbecomes\n\n```python\n{after}```" in table


def test_first_sentences_keep_abbreviations_and_code_together():
    assert first_sentences("One (a.py). Two `x`. Three.\n\nOther.") == "One (a.py). Two `x`."
