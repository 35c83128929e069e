"""Parsing with libcst only the statements the rules need (optfix.engine.partial): the
placeholders generate their statements' bytes on the same lines, the output and the findings are
those of the whole parse, and the whole parse is used wherever a blocker applies."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import libcst as cst
import pytest

from optfix.analysis.positions import positions
from optfix.analysis.tree import descendants
from optfix.engine import partial
from optfix.engine import transform as transform_module
from optfix.engine.registry import rules_by_id
from optfix.engine.transform import transform
from optfix.rulekit.rule import FileContext, Rule

REPO = Path(__file__).resolve().parents[2]
FIXTURES = sorted(p for p in (REPO / "fixtures" / "keras2-optimizer").rglob("*.py") if not p.name.endswith(".expected.py"))


class RenamesOld(Rule):
    """Renames calls of `old` to `new` (a rule for these tests)."""

    id = "renames-old"

    @classmethod
    def wants(cls, data: bytes) -> bool:
        return b"old" in data

    def anchors(self, chains):
        return frozenset({"old"})

    def reads_beyond_visits(self, tree: ast.Module) -> frozenset[str]:
        return frozenset()

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if isinstance(original.func, cst.Name) and original.func.value == "old":
            return self.rewrite(original, updated, updated.with_changes(func=cst.Name("new")), "old is new")
        return updated


class ReadsEverything(RenamesOld):
    """The same rule, without an answer to Rule.reads_beyond_visits."""

    id = "reads-everything"
    reads_beyond_visits = Rule.reads_beyond_visits


CODE = '''"""A module."""
import os  # a comment

if os.sep:  # the first indented block: libcst reads the default indent from it
    SEP = os.sep

@decorated(  # a decorator of two lines
    1)
def unrelated(values):
    total = 0
    for value in values:
        total += value
    return total
# a comment after the function


class Mixed:
    """Visited in part."""

    def skipped(self):
        return os.path.join("a",
                            "b")

    def visited(self):
        return old(1)
x = 1; y = old(2)
last = [
    1, 2]'''  # no line break at the end


def _parsed(text: str, rules: list[type[Rule]]) -> partial.Parsed:
    file = FileContext(None, text)
    active = [rule(file) for rule in rules]
    return partial.parse(text, active, lambda chains: transform_module._anchors(active, chains))


def _whole(monkeypatch) -> None:
    monkeypatch.setattr(partial, "blocker", lambda text, rules: "parsed whole by the test")


def _transformed(text: str, rules: list[type[Rule]], path: Path | None = None) -> tuple[str, list] | str:
    try:
        outcome = transform(text, rules, path=path)
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    return outcome.text, outcome.findings


def test_placeholders_generate_their_statements_on_the_same_lines():
    parsed = _parsed(CODE, [RenamesOld])
    assert parsed.module.code == CODE
    left = {placeholder.code.splitlines()[0] for placeholder in descendants(parsed.module, partial.Verbatim)}
    assert left == {"@decorated(  # a decorator of two lines", '"""Visited in part."""', "def skipped(self):", "last = ["}
    whole = cst.parse_module(CODE)
    calls = [call for call in descendants(whole, cst.Call) if call.func.value == "old"]
    real = [call for call in descendants(parsed.module, cst.Call) if call.func.value == "old"]
    assert [(r.start, r.end) for r in positions(parsed.module, real).values()] == \
           [(r.start, r.end) for r in positions(whole, calls).values()]


@pytest.mark.parametrize("indent", ["    ", "\t", "  "])
def test_the_default_indent_is_read_where_the_whole_parse_reads_it(indent):
    text = (f"import os\n\n\nclass Passed:\n{indent}def f(self):\n{indent}{indent}return 1\n\n"
            f"{indent}def g(self):\n{indent}{indent}return 2\n\n\nold(1)\n")
    parsed = _parsed(text, [RenamesOld])
    assert [placeholder.code for placeholder in descendants(parsed.module, partial.Verbatim)] == [
        f"def f(self):\n{indent}{indent}return 1", f"def g(self):\n{indent}{indent}return 2"]
    assert parsed.module.code == text
    assert parsed.module.default_indent == cst.parse_module(text).default_indent == indent


def test_the_output_and_findings_are_the_whole_parses(monkeypatch):
    before = Counter(partial.fallbacks)
    found = _transformed(CODE, [RenamesOld])
    assert partial.fallbacks["in part"] == before["in part"] + 1
    assert "new(1)" in found[0] and "y = new(2)" in found[0]
    _whole(monkeypatch)
    assert _transformed(CODE, [RenamesOld]) == found


@pytest.mark.parametrize("text, rules, why", [
    (CODE.replace("\n", "\r\n"), [RenamesOld], "\r"),
    (CODE + "\nold(3)  # optfix: ignore[renames-old]\n", [RenamesOld], "suppression"),
    (CODE, [RenamesOld, ReadsEverything], "a rule without an answer"),
    (CODE, [], "no rule"),
])
def test_no_partial_parse_where_the_cheap_tests_say_no(text, rules, why, monkeypatch):
    assert partial.blocker(text, rules), why
    before = Counter(partial.fallbacks)
    found = _transformed(text, rules)
    assert partial.fallbacks["in part"] == before["in part"]
    _whole(monkeypatch)
    assert _transformed(text, rules) == found


def test_a_rule_that_reads_the_whole_module_makes_the_parse_whole():
    tf1 = rules_by_id()["tf1-optimizer"]
    flows = "import tensorflow as tf\n\ndef f():\n    return 1\n\nopt = tf.compat.v1.train.AdamOptimizer(0.1)\nopt.minimize(loss)\n"
    with pytest.raises(partial.Whole, match="reads the whole module"):
        _parsed(flows, [tf1])
    standalone = "import tensorflow as tf\n\nif tf:\n    pass\n\ndef f():\n    return 1\n\ntf.compat.v1.train.AdamOptimizer(0.1)\n"
    assert descendants(_parsed(standalone, [tf1]).module, partial.Verbatim)


def test_classes_a_rule_reads_by_name_stay_real():
    keras2 = rules_by_id()["keras2-optimizer"]
    text = ("import keras\n\nif keras:\n    pass\n\n\nclass Base:\n    def get_updates(self):\n        return []\n\n\n"
            "class Child(Base):\n    pass\n\n\ndef f():\n    return 1\n\nkeras.optimizers.Adam(lr=0.1)\n")
    left = [placeholder.code for placeholder in descendants(_parsed(text, [keras2]).module, partial.Verbatim)]
    assert left == ["class Child(Base):\n    pass", "def f():\n    return 1"]  # Base: named as a base, defines get_updates


def test_an_import_removal_about_a_name_a_placeholder_spells_parses_whole(monkeypatch):
    tf1 = rules_by_id()["tf1-optimizer"]
    text = ('"""A module."""\nimport tensorflow as _tf_legacy\n\n__all__ = ["_tf_legacy"]\n\n\n'
            "def f():\n    return 1\n\n\n_tf_legacy.compat.v1.train.AdamOptimizer(0.01)\n")
    before = Counter(partial.fallbacks)
    found = _transformed(text, [tf1])
    assert Counter(partial.fallbacks) - before == Counter({"an import removal or drop about a name a placeholder spells": 1})
    assert "import tensorflow as _tf_legacy" in found[0] and "keras.optimizers.Adam" in found[0]
    _whole(monkeypatch)
    assert _transformed(text, [tf1]) == found


def test_a_syntax_error_in_a_statement_passed_over_is_reported(monkeypatch):
    text = CODE.replace("total += value", "total += value +")
    found = _transformed(text, [RenamesOld])
    assert found.startswith("ParserSyntaxError")
    _whole(monkeypatch)
    assert _transformed(text, [RenamesOld]) == found


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: str(p.relative_to(REPO / "fixtures")))
def test_fixtures_with_unrelated_code_come_out_as_parsed_whole(fixture, monkeypatch):
    text = fixture.read_text() + "\n\ndef unrelated(values):\n    return [value for value in values]\n"
    rules = [rules_by_id()["keras2-optimizer"], rules_by_id()["tf1-optimizer"]]
    found = _transformed(text, rules, fixture)
    _whole(monkeypatch)
    assert _transformed(text, rules, fixture) == found
