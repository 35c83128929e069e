"""The rules' pass over only the top-level statements a rule may act in (optfix.engine.statements):
which statements it visits, and that passing over the others changes no output and no finding
(nor do the engine's other shortcuts: see `_every_statement`)."""

from __future__ import annotations

import ast
from pathlib import Path

import libcst as cst
import pytest

import optfix.engine.transform as transform_module
from optfix.analysis.imports import ImportTable
from optfix.engine import import_edits
from optfix.analysis.ast_nodes import quiet_parse
from optfix.engine.registry import all_rules, rules_by_id
from optfix.engine.statements import statement_sources, statements_to_visit
from optfix.engine.transform import RuleError, transform
from optfix.rulekit.rule import FileContext, FixOptions, Rule

REPO = Path(__file__).resolve().parents[2]
FIXTURES = sorted(p for p in (REPO / "fixtures").rglob("*.py") if not p.name.endswith(".expected.py"))
# Code no rule acts in, put between a fixture's statements: what the pass over statements skips.
UNRELATED = '''
@decorate("keras.optimizers.Adam(lr=0.01)")  # the rules' names in strings and comments only
def unrelated(values, lr_text="tf.compat.v1.train.AdamOptimizer"):
    total = 0
    for value in values:
        total += value
    return total


class Unrelated:
    def method(self):
        return [item for item in range(3)]
'''


def _visited(text: str, rule_ids: list[str]) -> list[bool] | None:
    module = cst.parse_module(text)
    file = FileContext(module, text)
    rules = [rules_by_id()[rule_id](file) for rule_id in rule_ids]
    return statements_to_visit(module, text, lambda chains: transform_module._anchors(rules, chains))


def _every_statement(monkeypatch) -> None:
    """Every statement visited; and the engine's other passes over what cannot matter off too:
    the import removals' over statements that cannot spell the names, the safety net's parse of
    the new statements alone, the import table read from the `ast`."""
    monkeypatch.setattr(transform_module, "statements_to_visit", lambda module, text, anchors, carrying=None: None)
    monkeypatch.setattr(import_edits, "statement_sources", lambda module, text: {})
    monkeypatch.setattr(transform_module, "_reads", lambda text, parse: False)
    monkeypatch.setattr(ImportTable, "of", classmethod(
        lambda cls, module, text=None, path=None: cls.of_cst(module, module.code if text is None else text, path)))


def _padded(text: str) -> str:
    """`text` with unrelated code between its top-level statements."""
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    ends = {statement.end_lineno for statement in tree.body}
    padded = [UNRELATED]
    for number, line in enumerate(lines, 1):
        padded.append(line)
        if number in ends and not line.rstrip().endswith(("\\", ",")):
            padded.append(("\n" if not line.endswith("\n") else "") + UNRELATED)
    return "".join(padded)


def _run(text: str, rules: list[type[Rule]], path: Path, unsafe: bool):
    try:
        outcome = transform(text, rules, FixOptions(unsafe_fixes=unsafe), path)
    except Exception as error:  # the same error either way is the same result
        return type(error).__name__, str(error)
    return outcome.text, outcome.findings


@pytest.mark.parametrize("fixture", FIXTURES, ids=[str(p.relative_to(REPO / "fixtures")) for p in FIXTURES])
def test_passing_over_statements_changes_nothing(fixture, monkeypatch) -> None:
    """Each fixture, as it is and with unrelated code between its statements, with the rules that
    want it, safe and unsafe; where every statement is visited anyway there is nothing to compare."""
    text = fixture.read_text()
    try:
        texts = [text, _padded(text)]
    except SyntaxError:
        texts = [text]
    for source in texts:
        rules = [rule for rule in all_rules() if rule.wants(source.encode())]
        if not rules or _visited(source, [rule.id for rule in rules]) is None:
            continue
        for unsafe in (False, True):
            with monkeypatch.context() as patched:
                _every_statement(patched)
                expected = _run(source, rules, fixture, unsafe)
            assert _run(source, rules, fixture, unsafe) == expected


def test_the_padded_fixtures_are_passed_over_where_no_rule_acts() -> None:
    """The test above compares something: in the padded fixtures of the rules that name anchors,
    the unrelated code is passed over."""
    skipped = 0
    for fixture in FIXTURES:
        if fixture.parent.name not in ("keras2-optimizer", "tf1-optimizer", "optimizer-api", "optimizer-name"):
            continue
        try:
            visited = _visited(_padded(fixture.read_text()), [fixture.parent.name])
        except SyntaxError:
            continue
        assert visited is not None
        skipped += visited.count(False)
    assert skipped > 100


def test_names_in_strings_comments_and_imports_do_not_count() -> None:
    text = ('import tensorflow as tf\n'
            'x = "tf.compat.v1.train.AdamOptimizer"  # tf.compat.v1.train.AdamOptimizer\n'
            'def f():\n    from tensorflow.compat.v1.train import AdamOptimizer\n'
            'opt = tf.compat.v1.train.AdamOptimizer(0.1)\n')
    assert _visited(text, ["tf1-optimizer"]) == [False, False, False, True]


def test_the_names_a_visited_statement_reads_are_followed_once() -> None:
    """TF1 Momentum's learning rate: the statements that assign the name it reads are visited."""
    text = ('import tensorflow as tf\n'
            'rate = 0.1\n'
            'other = 2\n'
            'def schedule():\n    global rate\n    rate = 0.2\n'
            'opt = tf.compat.v1.train.MomentumOptimizer(rate, 0.9)\n')
    assert _visited(text, ["tf1-optimizer"]) == [False, True, False, [True, True], True]


def test_a_decorator_and_statements_after_semicolons_line_up() -> None:
    text = ('import keras\n'
            'a = 1; b = 2; keras.optimizers.Adam(lr=0.1)\n'
            '@keras.optimizers.SGD\ndef f():\n    pass\n'
            'c = 3\n')
    assert _visited(text, ["keras2-optimizer"]) == [False, True, True, False]


def test_a_class_or_function_is_visited_with_only_its_statements_that_hold_anchors() -> None:
    text = ('import keras\n'
            'class Trainer(Base):\n'
            '    rate = 0.1\n'
            '    def build(self):\n        self.x = 1\n        return keras.optimizers.Adam(lr=0.1)\n'
            '    def other(self):\n        return 2\n'
            'class Optimizer(keras.optimizers.Adam):\n    def other(self):\n        return 2\n')
    assert _visited(text, ["keras2-optimizer"]) == [False, [False, [False, True], False], True]


def test_an_alias_through_an_import_counts() -> None:
    text = ('from tensorflow.compat.v1.train import AdamOptimizer as Made\n'
            'def unrelated():\n    return 1\n'
            'opt = Made(0.1)\n')
    assert _visited(text, ["tf1-optimizer"]) == [False, False, True]


def test_a_rule_without_anchors_visits_every_statement() -> None:
    text = "import keras\nx = 1\nkeras.optimizers.Adam(lr=0.1)\n"
    assert _visited(text, ["keras2-optimizer", "optimizer-v2"]) is None


def test_optimizer_api_visits_its_methods_and_loss_scale_optimizers_by_any_name() -> None:
    """The methods and `weights` are anchors, and so is a LossScaleOptimizer imported under
    another name; the statements that bind the names a visited statement reads are visited too."""
    text = ('import tensorflow as tf\n'
            'from tensorflow.keras.mixed_precision import LossScaleOptimizer as Scaled\n'
            'opt = tf.keras.optimizers.SGD(0.1)\n'
            'unrelated = [1, 2]\n'
            'wrapped = Scaled(opt, dynamic=True)\n'
            'def step():\n    total = sum(unrelated)\n    opt.minimize(compute_loss, [w])\n'
            'saved = opt.weights\n')
    assert _visited(text, ["optimizer-api"]) == [False, False, True, False, True, [False, True], True]


def test_optimizer_name_visits_compile_and_optimizers_get_by_any_name() -> None:
    text = ('from keras.optimizers import get as find\n'
            'model = build()\n'
            'other = find("Adgrad")\n'
            'rate = 0.1\n'
            'model.compile(optimizer="adamm", loss="mse")\n')
    assert _visited(text, ["optimizer-name"]) == [False, True, True, False, True]


class _FailingAnchors(Rule):
    id = "test-failing-anchors"

    def anchors(self, chains):
        raise ValueError("broken")


def test_a_rule_whose_anchors_raise_is_named() -> None:
    with pytest.raises(RuleError, match="test-failing-anchors"):
        transform("x = 1\n", [_FailingAnchors])


def test_code_ast_cannot_read_visits_every_statement() -> None:
    quiet_parse.cache_clear()
    text = "x = 1\n"
    module = cst.parse_module(text)
    assert statements_to_visit(module, "x = (\n", lambda chains: set()) is None


@pytest.mark.parametrize("fixture", FIXTURES[::5], ids=[str(p.relative_to(REPO / "fixtures")) for p in FIXTURES[::5]])
def test_each_statement_s_source_holds_its_code(fixture) -> None:
    """What the import removals read of a statement they pass over (statement_sources): every line
    of its code but blank and comment lines (comments may go with the next statement)."""
    text = _padded(fixture.read_text())
    module = cst.parse_module(text)
    sources = statement_sources(module, text)
    assert len(sources) == len(module.body)
    for statement in module.body:
        code = module.code_for_node(statement).splitlines(keepends=True)
        assert all(line in sources[id(statement)] for line in code if line.strip() and not line.strip().startswith("#"))


def _visited_carrying(text: str, rule_ids: list[str]) -> list[bool] | None:
    module = cst.parse_module(text)
    file = FileContext(module, text)
    rules = [rules_by_id()[rule_id](file) for rule_id in rule_ids]
    return statements_to_visit(module, text, lambda chains: transform_module._anchors(rules, chains),
                               lambda tree: transform_module._carrying(rules, tree))


@pytest.mark.parametrize(("text", "rule_id", "expected", "without"), [
    # tf1-optimizer: the names given to a call through its anchors (a constructor's arguments)
    ('import tensorflow as tf\nsteps = 10\nmodel = make()\nprint(model)\ntf.print(model.weights, steps)\n'
     'tf.compat.v1.train.MomentumOptimizer(0.1, 0.9)\n', "tf1-optimizer",
     [False, True, False, False, True, True], [False, True, True, True, True, True]),
    # keras2-optimizer matches a build with Keras 2 keywords with the compile of its name
    ('import keras\nparams = load()\nmade = params["optimizer"](lr=0.01)\nmodel = build(params)\n'
     'model.compile(optimizer=made, loss=params["loss"])\n', "keras2-optimizer",
     [False, False, True, False, True], [False, True, True, True, True]),
])
def test_statements_reached_through_a_name_read_are_visited_where_they_spell_a_name_carrying_state(
        text, rule_id, expected, without, monkeypatch) -> None:
    """Of the statements spelling a name the visited ones read, those spelling a name that carries
    the rule's state are visited, the others passed over (`without`: the names read alone); the
    fix and findings are those of a pass over every statement."""
    assert _visited_carrying(text, [rule_id]) == expected
    assert _visited(text, [rule_id]) == without
    rules = [rules_by_id()[rule_id]]
    for unsafe in (False, True):
        with monkeypatch.context() as patched:
            _every_statement(patched)
            whole = _run(text, rules, Path("example.py"), unsafe)
        assert _run(text, rules, Path("example.py"), unsafe) == whole
