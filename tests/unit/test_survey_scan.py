"""The survey's own finder of legacy optimizer code (benchmarks/survey_scan.py) and its join with
optfix's results: what it counts as a site, what it leaves out, and how a site is classified."""

from __future__ import annotations

import importlib.util
import sys
import textwrap

from conftest import REPO

_spec = importlib.util.spec_from_file_location("survey_scan", REPO / "benchmarks" / "survey_scan.py")
survey_scan = sys.modules.setdefault("survey_scan", importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(survey_scan)


def _kinds(source: str) -> dict[int, tuple[str, ...]]:
    return {site.line: site.kinds for site in survey_scan.scan(textwrap.dedent(source))}


def test_each_legacy_shape_is_a_site() -> None:
    kinds = _kinds("""\
        import tensorflow as tf
        from keras import optimizers, backend as K
        opt = optimizers.Adam(lr=0.01, decay=1e-4)
        tf1 = tf.compat.v1.train.MomentumOptimizer(0.1, 0.9)
        model.compile(optimizer='adadelta', loss='mse')
        model.compile(optimizer=optimizers.SGD, loss='mse')
        K.set_value(model.optimizer.lr, 0.1)
        wd = tfa.optimizers.AdamW(1e-4)
        model.compile(optimizer={'class_name': 'sgd', 'config': {'lr': 0.1}}, loss='mse')
        made = params['optimizer'](lr=0.1)
        """)
    assert kinds == {
        3: ("keras2-keyword",), 4: ("tf1-optimizer",), 5: ("string:adadelta",), 6: ("class-not-instance",),
        7: ("attribute:lr", "backend.set_value"), 8: ("tfa",), 9: ("config-dict",), 10: ("keras2-keyword",),
    }


def test_other_libraries_optimizers_are_not_sites() -> None:
    assert _kinds("""\
        import torch.optim as optim
        import gpflow
        from scipy import optimize as scipy_optimize
        sgd = optim.SGD(model.parameters(), lr=0.01)
        opt = gpflow.train.AdamOptimizer(0.01)
        opt.minimize(model)
        scipy_optimize.minimize(f, x0)
        model.compile(optimizer='adam', loss='mse')
        """) == {}


def test_an_optimizer_subclass_is_one_site_spanning_its_body() -> None:
    sites = survey_scan.scan(textwrap.dedent("""\
        import tensorflow as tf


        class Momentum(tf.keras.optimizers.Optimizer):
            def _create_slots(self, var_list):
                for var in var_list:
                    self.add_slot(var, "m")

            def _resource_apply_dense(self, grad, var):
                return var.assign_sub(self._decayed_lr(var.dtype) * self.get_slot(var, "m"))


        def factory(Base):
            class WithDecay(Base):
                def get_updates(self, loss, params):
                    return super(WithDecay, self).get_updates(loss, params)
            return WithDecay
        """))
    assert [(s.line, s.end_line, s.kinds) for s in sites] == [(4, 10, ("optimizer-subclass",)), (14, 16, ("optimizer-subclass",))]


def test_tf1_methods_count_outside_tf1_graph_code_only() -> None:
    eager = "import tensorflow as tf\nopt = tf.keras.optimizers.Adam()\nopt.minimize(loss, var_list)\n"
    assert _kinds(eager) == {3: ("tf1-method:minimize",)}
    assert _kinds(eager + "x = tf.placeholder(tf.float32)\n") == {}


def test_a_site_is_rewritten_reported_or_silent_by_the_lines_it_shares() -> None:
    site = survey_scan.Site(4, 6, ("optimizer-subclass",))
    change = {"line": 6, "end_line": 9, "kind": "change"}
    finding = {"line": 5, "end_line": 5, "kind": "review"}
    elsewhere = {"line": 7, "end_line": 7, "kind": "review"}
    assert survey_scan.classify(site, [finding, change]) == "rewritten"
    assert survey_scan.classify(site, [finding]) == "reported"
    assert survey_scan.classify(site, [elsewhere]) == "silent"


def test_defaults_that_changed_are_sites_where_the_call_leaves_them_implicit() -> None:
    assert _kinds("""\
        import keras
        import tensorflow as tf
        a = keras.optimizers.Adadelta()
        b = keras.optimizers.RMSprop(learning_rate=0.001)
        c = keras.optimizers.Adam()
        d = tf.keras.optimizers.Adagrad()
        """) == {3: ("era-defaults",)}


def test_a_read_of_a_plain_hyperparameter_is_a_site_through_standalone_keras_only() -> None:
    """tf.keras's backend (and one the file cannot tell, from a star import) still reads
    `opt.beta_1` in Keras 3; standalone Keras 3 has no backend.get_value."""
    read = "K.get_value(model.optimizer.beta_1)\nK.get_value(model.optimizer.lr)\n"
    assert _kinds("from keras import backend as K\n" + read) == {
        2: ("backend.get_value:plain",), 3: ("attribute:lr", "backend.get_value")}
    for imports in ("from tensorflow.keras import backend as K\n", "from .imports import *\n"):
        assert _kinds(imports + read) == {3: ("attribute:lr", "backend.get_value")}
