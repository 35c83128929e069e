"""The engine's contract with rules, exercised with small rules defined here."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from optfix.rulekit.rule import FixOptions
from optfix.engine.journey import process_bytes
from optfix.findings import Kind
from optfix.rulekit.rule import Rule
from optfix.engine.registry import rules_by_id
from optfix.engine.transform import UnparsableOutput, transform


class RenameCall(Rule):
    """Rewrite `tf.old()` to `keras.new()`, asking for the imports that needs."""

    id = "test-rename"

    def leave_Call(self, original, updated):
        if self.file.imports.qualified_name(original.func) != "tensorflow.old":
            return updated
        self.file.add_import("keras")
        self.file.remove_import_if_unused("tensorflow", None, "tf")
        replacement = updated.with_changes(func=cst.parse_expression("keras.new"))
        return self.rewrite(original, updated, replacement, "renamed")


class Unsafe(Rule):
    """Turn 1 into 2, a fix that changes behaviour."""

    id = "test-unsafe"

    def leave_Integer(self, original, updated):
        if original.value != "1":
            return updated
        return self.rewrite(original, updated, updated.with_changes(value="2"), "1 becomes 2", safe=False)


class Exploding(Rule):
    """Raise on every name."""

    id = "test-exploding"

    def visit_Name(self, node):
        raise ValueError("boom")


class Breaking(Rule):
    """Produce code that does not parse."""

    id = "test-breaking"

    def leave_Integer(self, original, updated):
        # libcst accepts this node, but it opens a triple-quoted string it never closes.
        return self.rewrite(original, updated, cst.SimpleString('"""a"'), "break")


class Suffix(Rule):
    """Append a suffix to every name; two instances show the order rules run in."""

    id = "test-suffix-a"
    suffix = "_a"

    def leave_Name(self, original, updated):
        return self.rewrite(original, updated, updated.with_changes(value=updated.value + self.suffix), "suffix")


class SuffixB(Suffix):
    id = "test-suffix-b"
    suffix = "_b"


def test_imports_are_added_and_unused_ones_removed() -> None:
    source = "import tensorflow as tf\n\n# keep me\nx = tf.old(1)\n"
    assert transform(source, [RenameCall]).text == "import keras\n\n# keep me\nx = keras.new(1)\n"


def test_imports_still_used_are_kept() -> None:
    source = "import tensorflow as tf\n\nx = tf.old(1)\ny = tf.constant(2)\n"
    assert transform(source, [RenameCall]).text == "import tensorflow as tf\nimport keras\n\nx = keras.new(1)\ny = tf.constant(2)\n"


def test_applied_fix_is_recorded_as_a_change_at_its_position() -> None:
    outcome = transform("import tensorflow as tf\nx = tf.old()\n", [RenameCall])
    [finding] = outcome.findings
    assert (finding.kind, finding.rule, finding.line, finding.col) == (Kind.CHANGE, "test-rename", 2, 5)
    assert (finding.end_line, finding.end_col) == (2, 13)


def test_unsafe_fix_is_reported_not_applied_by_default() -> None:
    outcome = transform("x = 1\n", [Unsafe])
    assert outcome.text == "x = 1\n"
    [finding] = outcome.findings
    assert finding.kind is Kind.REVIEW and finding.unsafe_fix and finding.message == "1 becomes 2"


def test_unsafe_fix_is_applied_when_asked() -> None:
    outcome = transform("x = 1\n", [Unsafe], FixOptions(unsafe_fixes=True))
    assert outcome.text == "x = 2\n"
    assert [f.kind for f in outcome.findings] == [Kind.CHANGE]


def test_rules_run_in_one_traversal_in_the_given_order() -> None:
    assert transform("x\n", [Suffix, SuffixB]).text == "x_a_b\n"
    assert transform("x\n", [SuffixB, Suffix]).text == "x_b_a\n"


@pytest.mark.parametrize("rule, words", [(Exploding, ["test-exploding", "ValueError", "boom"]), (Breaking, ["would not parse"])])
def test_a_failing_rule_leaves_the_file_and_is_named(rule, words) -> None:
    result = process_bytes(Path("f.py"), b"x = 1\n", [rule])
    assert not result.changed and result.failed
    [finding] = result.findings
    assert finding.rule == "internal-error"
    for word in words:
        assert word in finding.message


def test_output_that_does_not_parse_is_refused_with_its_place_in_the_whole_file() -> None:
    # Only the changed statement's code is parsed first; the error names the output's line.
    text = "a = 'x'\n\n\ndef f():\n    return 'y'\n\n\nc = [\n    1,\n]\nd = 'z'\n"
    with pytest.raises(UnparsableOutput, match=r"^line 9: "):
        transform(text, [Breaking])


def test_encoding_that_cannot_hold_the_rewrite_is_an_error() -> None:
    class ToEuro(Rule):
        """Write a character latin-1 lacks."""

        id = "test-euro"

        def leave_SimpleString(self, original, updated):
            return self.rewrite(original, updated, updated.with_changes(value="'\u20ac'"), "euro")

    data = b"# -*- coding: latin-1 -*-\nx = 'a'\n"
    result = process_bytes(Path("f.py"), data, [ToEuro])
    assert result.failed and not result.changed
    [finding] = result.findings  # the change that could not be written is not reported as made
    assert finding.kind is Kind.ERROR and "iso-8859-1" in finding.message


def test_a_tree_changed_without_rewrite_is_not_written() -> None:
    class Sneaky(Rule):
        """Changes the tree behind the engine's back."""

        id = "test-sneaky"

        def leave_Name(self, original, updated):
            return updated.with_changes(value="y")

    assert transform("x\n", [Sneaky]).text == "x\n"


@pytest.mark.parametrize("rule", sorted(rules_by_id().values(), key=lambda rule: rule.id), ids=lambda rule: rule.id)
def test_every_rule_defines_its_prefilter(rule) -> None:
    assert rule.wants.__func__ is not Rule.wants.__func__
    assert rule.wants(b"") is False  # an empty file has no work for any rule


def test_a_rule_without_a_prefilter_says_so() -> None:
    with pytest.raises(NotImplementedError, match="RenameCall must define wants"):
        RenameCall.wants(b"tf.old()")


PRECISION = [  # (rule, source, whether both prefilter stages let it through)
    ("optimizer-name", "import keras.optimizers\nrate = config.get('lr')\n", False),
    ("optimizer-name", "from keras.optimizers import get\nget('adma')\n", True),
    ("optimizer-name", "from keras import optimizers as o\nlookup = o.get\nlookup('adma')\n", True),
    ("optimizer-instance", "import keras.optimizers\nmodel.compile(optimizer=optimizer)\n", False),
    ("optimizer-instance", "import keras\nmodel.compile(optimizer=keras.optimizers.Adam())\n", False),
    ("optimizer-instance", "from keras.optimizers import Adam as A\nmodel.compile(optimizer=A)\n", True),
    ("optimizer-instance", "import keras\nOpt = keras.optimizers.Adam\nmodel.compile(optimizer=Opt)\n", True),
    ("optimizer-instance", "import keras.optimizers\ndef build(model, optimizer):\n    model.compile(optimizer=optimizer)\n", False),
    ("optimizer-instance", "import keras\nclass Mine(keras.optimizers.Adam):\n    pass\nmodel.compile(optimizer=Mine)\n", True),
    ("optimizer-instance", "import tensorflow as tf\nmodel.compile(optimizer=tf.compat.v1.train.AdamOptimizer)\n", True),
    ("optimizer-instance", "import keras\nOpt: type = keras.optimizers.SGD if fast else keras.optimizers.Adam\nmodel.compile(Opt)\n", False),
    ("optimizer-instance", "import keras\nmodel.compile(optimizer=keras.optimizers.get('adam'))\n", False),
    ("keras2-optimizer", "from tf_keras.src.optimizers.legacy import adam\n", False),
    ("keras2-optimizer", "import keras.optimizers\nlr = 0.1\ngen_training_ops.apply_adam(var, lr=lr)\n", False),
    ("keras2-optimizer", "from keras.optimizers import Adam as A\nA(lr=0.1)\n", True),
    ("keras2-optimizer", "model.compile(optimizer=params['optimizer'](lr=0.1))\n", True),
    ("keras2-optimizer", "from tensorflow.python.keras.layers import Dense\n", False),
    ("keras2-optimizer", "from tensorflow.python.keras import optimizers\n", False),
    ("keras2-optimizer", "import keras\nopt = keras.optimizers.AdamW(weight_decay=0.1)\n", False),
    ("keras2-optimizer", "import keras\nopt = keras.optimizers.Nadam(schedule_decay=0.004)\n", True),
    ("keras2-optimizer", "import keras\nopt = keras.optimizers.SGD(decay=0.01)\n", True),
    ("keras2-optimizer", "from tensorflow.python.keras import optimizers\nopt = optimizers.Adam\n", True),
    ("keras2-optimizer", "import tensorflow.python.keras as k\nopt = k.optimizers.Adam(0.1)\n", True),
    ("keras2-optimizer", "from keras import optimizers\nopt = optimizers.adam(0.1)\n", True),
    ("keras2-optimizer", "adam = make()\nadam(0.1)\n", False),
    ("keras2-optimizer", "from tensorflow.python.training import optimizer\n\nclass A(optimizer.Optimizer):\n"
                         "    def _resource_apply_dense(self, grad, var):\n        pass\n", False),
    ("keras2-optimizer", "from tensorflow.python.keras.optimizer_v2 import optimizer_v2 as o\n\nclass A(o.OptimizerV2):\n"
                         "    def _resource_apply_dense(self, grad, var):\n        pass\n", True),
    ("tf1-optimizer", "from keras.src.optimizers import optimizer\n\nclass Adam(optimizer.Optimizer):\n    pass\n", False),
    ("tf1-optimizer", "from tensorflow.python.training import optimizer\n\nclass A(optimizer.Optimizer):\n    pass\n", True),
    ("tf1-optimizer", "import tensorflow as tf\nv1 = tf.compat.v1\nopt = v1.train.AdamOptimizer(0.1)\n", True),
    ("tf1-optimizer", "import tensorflow as tf\n# tf.compat.v1.train.AdamOptimizer\nopt = tf.keras.optimizers.Adam()\n", False),
    ("learning-rate-api", "import keras\nnames = ['lr', 'decay']\nself.optimizer = keras.optimizers.Adam()\n", False),
    ("learning-rate-api", "import keras\nprint(model.optimizer.lr)\n", True),
    ("learning-rate-api", "import keras\nopt = keras.optimizers.Adam()\nopt.lr = 0.1\n", True),
    ("learning-rate-api", "import keras\ndef f(opt):\n    return opt.lr\n", False),
    ("learning-rate-api", "import keras\nkeras.optimizers.get({'class_name': 'adam', 'config': {'lr': 0.1}})\n", True),
    ("learning-rate-api", "from keras import backend as K\nK.set_value(thing.lr, 0.1)\n", True),
]


@pytest.mark.parametrize("rule_id, source, expected", PRECISION)
def test_the_prefilter_lets_through_what_may_have_work_and_not_its_look_alikes(rule_id, source, expected) -> None:
    import ast

    rule = rules_by_id()[rule_id]
    data = source.encode()
    assert (rule.wants(data) and rule.relevant(ast.parse(source))) is expected


BYTE_STAGE = [  # (rule, source, whether the byte stage alone lets it through)
    ("keras2-optimizer", "import keras\nlr = 0.1\nopt = keras.optimizers.Adam(learning_rate=lr)\n", False),
    ("keras2-optimizer", "import keras\nopt = keras.optimizers.Adam(  # Keras 2\n    lr=0.1)\n", True),
    ("keras2-optimizer", "import keras\nopt = keras.optimizers.Adam(0.1, \\\n  decay=0.1)\n", True),
    ("keras2-optimizer", "from keras.src import optimizers\n\nclass Adam(optimizers.Optimizer):\n"
                         "    def __init__(self, clipnorm=None, clipvalue=None):\n"
                         "        super().__init__(clipnorm=clipnorm, clipvalue=clipvalue)\n", False),
    ("keras2-optimizer", "from keras.optimizers import Adam as A\nA(clipnorm=1.0, clipvalue=0.5)\n", True),
    ("keras2-optimizer", "import keras\nopt = keras.optimizers.SGD(clipvalue=0.5,\n    clipnorm=1.0)\n", True),
    ("keras2-optimizer", "import keras\nweight_decay = 0.1\nself.decay = 0.1\n", False),
]


@pytest.mark.parametrize("rule_id, source, expected", BYTE_STAGE)
def test_the_byte_stage_tells_keyword_arguments_from_assignments_and_definitions(rule_id, source, expected) -> None:
    assert rules_by_id()[rule_id].wants(source.encode()) is expected
