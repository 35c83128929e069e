"""tf1-optimizer passes over its flows (codemods/tf1_optimizer/flows.py) where every TF1 class
reference is a constructor standing alone with plain arguments and no graph API is reached
(codemods/tf1_optimizer/standalone.py): the output and the findings are those of the flows."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

import optfix.codemods.tf1_optimizer.rule as tf1_rule
from optfix.codemods.tf1_optimizer.standalone import standalone_constructors
from optfix.engine.registry import all_rules
from optfix.engine.transform import transform
from optfix.rulekit.rule import FileContext, FixOptions

REPO = Path(__file__).resolve().parents[2]
FIXTURES = sorted(p for p in (REPO / "fixtures").rglob("*.py") if not p.name.endswith(".expected.py"))
# What the migration benchmark appends to every file (benchmarks/run.py, MIGRATION_WITH_IMPORTS).
APPENDED = "\nimport tensorflow as _tf_legacy\n_tf_legacy.compat.v1.train.AdamOptimizer(0.01)\n"

# Each beside a standalone constructor, where the flows keep a constructor, report, or name graph
# code: the check must send every one of them to the flows.
FLOWS_MATTER = {
    "receiver of minimize()": "tf.compat.v1.train.AdamOptimizer(0.01).minimize(loss)\n",
    "a tensor argument": "tf.compat.v1.train.AdamOptimizer(tf.compat.v1.train.exponential_decay(0.1, step, 10, 0.9))\n",
    "a name holding a tensor": "rate = tf.Variable(0.1)\ntf.compat.v1.train.AdamOptimizer(rate)\n",
    "a starred argument": "rates = tf.unstack(tf.ones(1))\ntf.compat.v1.train.AdamOptimizer(*rates)\n",
    "assigned, then minimize()": "opt = tf.compat.v1.train.AdamOptimizer(0.1)\nopt.minimize(loss)\n",
    "wrapped": "tf.compat.v1.tpu.CrossShardOptimizer(tf.compat.v1.train.AdamOptimizer(0.1))\n",
    "a graph API as a statement": "tf.compat.v1.disable_eager_execution()\n",
    "a graph API assigned": "session = tf.compat.v1.Session()\n",
    "a graph-mode method": "class T(tf.test.TestCase):\n    def test(self):\n        with self.test_session():\n            pass\n",
    "the TF1 base class": "class Mine(tf.compat.v1.train.Optimizer):\n    pass\n",
    "a class used as a value where the file drives optimizers": "make(tf.compat.v1.train.AdamOptimizer)\nmodel.opt.minimize(loss)\n",
}
# Beside a standalone constructor, what the flows have nothing to say about.
FLOWS_IDLE = {
    "nothing else": "",
    "a Keras 2 call": "import keras\nkeras.optimizers.Adam(lr=0.01)\n",
    "TF1 use elsewhere": "model.opt.minimize(loss)\nmodel.opt.apply_gradients(pairs, global_step=step)\n",
    "TensorFlow calls": "x = tf.reduce_sum(tf.ones(3))\nprint(tf.compat.v1.train.get_global_step())\n",
    "plain arguments of every kind": "tf.compat.v1.train.MomentumOptimizer(-0.1, momentum=0.5 * 2, use_nesterov=True, name='m')\n",
    "the class names in strings": "'tf.compat.v1.train.AdamOptimizer'  # tf.compat.v1.Session()\n",
}


def _text(lines: str) -> str:
    return "import tensorflow as tf\n" + lines + "tf.compat.v1.train.AdamOptimizer(0.01)\n"


def _standalone(text: str) -> bool:
    return standalone_constructors(text, FileContext(cst.parse_module(text), text).imports)


def _run(text: str, path: Path | None, unsafe: bool, only_tf1: bool = False):
    rules = [rule for rule in all_rules() if rule.wants(text.encode()) and (rule.id == "tf1-optimizer" or not only_tf1)]
    try:
        outcome = transform(text, rules, FixOptions(unsafe_fixes=unsafe), path)
    except Exception as error:  # the same error either way is the same result
        return type(error).__name__, str(error)
    return outcome.text, outcome.findings


def _same_with_the_flows(text: str, path: Path | None, monkeypatch, modes=(False, True), only_tf1: bool = False) -> None:
    for unsafe in modes:
        with monkeypatch.context() as patched:
            patched.setattr(tf1_rule, "standalone_constructors", lambda text, imports: False)
            expected = _run(text, path, unsafe, only_tf1)
        assert _run(text, path, unsafe, only_tf1) == expected


@pytest.mark.parametrize("case", FLOWS_MATTER)
def test_what_the_flows_act_on_is_sent_to_them(case, monkeypatch) -> None:
    text = _text(FLOWS_MATTER[case])
    assert not _standalone(text)
    _same_with_the_flows(text, None, monkeypatch)


@pytest.mark.parametrize("case", FLOWS_IDLE)
def test_standalone_constructors_pass_over_the_flows(case, monkeypatch) -> None:
    text = _text(FLOWS_IDLE[case])
    assert _standalone(text)
    _same_with_the_flows(text, None, monkeypatch)


def test_the_checks_cases_change_the_output_when_the_flows_are_passed_over(monkeypatch) -> None:
    """The cases above compare something: passing over the flows in them would change the
    output or the findings."""
    changed = 0
    for lines in FLOWS_MATTER.values():
        text = _text(lines)
        expected = _run(text, None, False)
        with monkeypatch.context() as patched:
            patched.setattr(tf1_rule, "standalone_constructors", lambda text, imports: True)
            changed += _run(text, None, False) != expected
    assert changed == len(FLOWS_MATTER)


@pytest.mark.slow  # every fixture, twice
def test_fixtures_with_a_standalone_constructor_appended(monkeypatch) -> None:
    """Each fixture, as the migration benchmark extends a file: where the check passes over the
    flows, the same output and findings as with the flows walked (elsewhere both walk them)."""
    compared = 0
    for fixture in FIXTURES:
        text = fixture.read_text() + APPENDED
        if _standalone(text):
            _same_with_the_flows(text, fixture, monkeypatch, modes=(False,), only_tf1=True)
            compared += 1
    assert compared > 100


def test_where_ast_and_libcst_may_read_names_apart_the_flows_run() -> None:
    text = _text("ﬁle = 1\n")  # NFKC turns the ligature into 'fi'
    assert not _standalone(text)
    assert not _standalone("")
