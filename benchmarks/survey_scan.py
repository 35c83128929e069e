"""The survey's own finder of legacy optimizer code, and its join with optfix's results.

Written apart from the rules on purpose: it knows nothing of optfix's prefilters, bindings or
flow analysis, only what legacy code looks like on the page, so that what it finds and optfix
misses shows up as silent. Each site is a span of lines and the kinds of legacy code seen there.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

OPTIMIZER_CLASSES = {"SGD", "RMSprop", "Adagrad", "Adadelta", "Adam", "Adamax", "Nadam", "Ftrl", "AdamW"}
FACTORIES = {name.lower() for name in OPTIMIZER_CLASSES}  # Keras <= 2.3's lowercase aliases (`optimizers.adam`)
KERAS2_KEYWORDS = {"lr", "decay", "schedule_decay", "epsilon_decay"}
# Registry names whose defaults were different in standalone Keras 2 (learning rate, accumulator start,
# epsilon placement, momentum schedule); 'sgd' and 'adam' kept theirs.
ERA_STRINGS = {"rmsprop", "adagrad", "adadelta", "adamax", "nadam"}
ERA_CLASSES = {"RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam"}  # the classes of ERA_STRINGS
V2_INTERNALS = {"_set_hyper", "_get_hyper", "_resource_apply_dense", "_resource_apply_sparse", "_create_slots",
                "_prepare_local", "_decayed_lr", "_serialize_hyperparameter", "add_slot", "get_slot"}
TF1_METHODS = {"compute_gradients", "get_slot_names", "minimize"}
LOSS_SCALE_METHODS = {"get_scaled_loss", "get_unscaled_gradients"}
OPTIMIZER_METHODS = {"get_updates", "_resource_apply_dense", "_create_slots", "_apply_dense", "_decayed_lr"}
V2_ONLY_CALLS = {"_set_hyper", "_get_hyper", "_decayed_lr", "add_slot", "_serialize_hyperparameter"}
HYPER_ATTRIBUTES = {"lr", "learning_rate", "momentum", "beta_1", "beta_2", "rho", "decay", "iterations", "epsilon"}
PLAIN_ATTRIBUTES = {"momentum", "beta_1", "beta_2", "rho", "epsilon"}  # plain Python values in Keras 3
# Standalone Keras's backend in the file: its get_value is gone in Keras 3; tf.keras's still reads
# a plain value (`K.get_value(opt.beta_1)`), so there a read of one is no site.
STANDALONE_KERAS = re.compile(r"^\s*(import keras\b|from keras\b)", re.M)
TENSORFLOW_ALIAS = re.compile(r"(tf\w*|tensorflow\w*|keras\w*|K)$")  # tfv1, tf1, keras from a re-export module
TF1_OPTIMIZER = re.compile(r"^(tf\w*|tensorflow|v1)\.(compat\.v1\.)?(train|contrib\.\w+)\.\w*Optimizer$")
NOT_TENSORFLOW = re.compile(r"scipy|(^|_)optimize$")  # receivers of other libraries' minimize()
# A file that builds TensorFlow 1 graphs: Keras optimizers cannot run there, so the receivers of
# minimize() and the like are TF1 optimizers, whose construction is the site that matters.
TF1_GRAPH = re.compile(r"\b(placeholder|Session|MonitoredTrainingSession|get_variable|variable_scope|"
                       r"get_or_create_global_step|get_global_step|EstimatorSpec|get_default_graph|trainable_variables)\b")
# A file that can hold a TensorFlow or Keras optimizer: only there are minimize() and the like theirs
# (gpflow, keras-vis and tensorforce have optimizers of their own with the same method names).
TF_OPTIMIZERS_IN_FILE = re.compile(r"\b(tf|tensorflow|keras|tfv1|tf1|K)\b[\w.]*\.(train|optimizers)\b|optimizer_v2|import optimizers")


@dataclass(frozen=True)
class Site:
    line: int
    end_line: int
    kinds: tuple[str, ...] = field(default=())


def dotted(node: ast.AST) -> str:
    """`a.b.c` for a chain of names and attributes, '' for anything else."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    return ""


def _last(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def _optimizer_name(name: str) -> bool:
    return _last(name) in OPTIMIZER_CLASSES or name.endswith("Optimizer")


def _call_kinds(call: ast.Call) -> list[str]:
    name = dotted(call.func)
    last = _last(name)
    keywords = {k.arg: k.value for k in call.keywords if k.arg}
    kinds = []
    if (_optimizer_name(name) or isinstance(call.func, (ast.Subscript, ast.Call))) and KERAS2_KEYWORDS & keywords.keys() \
            and not name.startswith(("optim.", "torch.")):  # PyTorch's optimizers take lr= too
        kinds.append("keras2-keyword")
    if last in ERA_CLASSES and "tf" not in name.split(".")[:2] and "lr" not in keywords and "learning_rate" not in keywords \
            and not call.args:
        kinds.append("era-defaults")  # Keras 2's learning rate (and Adagrad's accumulator, RMSprop's epsilon) left implicit
    if "optimizers." in name and last in FACTORIES:
        kinds.append("lowercase-factory")
    if last in OPTIMIZER_CLASSES and "keras" in name and "clipnorm" in keywords:
        kinds.append("clipnorm")
    receiver = dotted(call.func.value) if isinstance(call.func, ast.Attribute) else ""
    if isinstance(call.func, ast.Attribute) and not NOT_TENSORFLOW.search(receiver):
        if last == "get_updates":
            kinds.append("get-updates")
        elif last in TF1_METHODS:
            kinds.append(f"tf1-method:{last}")
        elif last == "apply_gradients" and "global_step" in keywords:
            kinds.append("apply_gradients(global_step)")
        elif last in LOSS_SCALE_METHODS:
            kinds.append("loss-scale-v2")
        elif last in V2_INTERNALS:
            kinds.append(f"v2-internal:{last}")
        elif last in {"set_value", "get_value"} and call.args and _hyperparameter(call.args[0]):
            plain = last == "get_value" and call.args[0].attr in PLAIN_ATTRIBUTES
            kinds.append(f"backend.{last}{':plain' if plain else ''}")
    optimizer = keywords.get("optimizer")
    if isinstance(optimizer, ast.Constant) and isinstance(optimizer.value, str) and optimizer.value.lower() in ERA_STRINGS:
        kinds.append(f"string:{optimizer.value.lower()}")
    if optimizer is not None and _last(dotted(optimizer)) in OPTIMIZER_CLASSES:
        kinds.append("class-not-instance")
    if last in {"get", "deserialize"} and "optimizers" in name and call.args and _has_keras2_key(call.args[0]):
        kinds.append("config-dict")
    if optimizer is not None and _has_keras2_key(optimizer):
        kinds.append("config-dict")
    return kinds


def _hyperparameter(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr in HYPER_ATTRIBUTES and "optim" in dotted(node).lower()


def _has_keras2_key(node: ast.AST) -> bool:
    """A dict literal (a config, or one nested in it) with a Keras 2 key: {'config': {'lr': 0.1}}."""
    return isinstance(node, ast.Dict) and any(
        isinstance(key, ast.Constant) and key.value in KERAS2_KEYWORDS
        for inner in ast.walk(node) if isinstance(inner, ast.Dict) for key in inner.keys)


def _node_kinds(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Call):
        return _call_kinds(node)
    if isinstance(node, ast.Attribute):
        name = dotted(node)
        if node.attr == "lr" and "optim" in name.lower():
            return ["attribute:lr"]
        if name.startswith(("tfa.optimizers.", "tensorflow_addons.optimizers.")) and name.count(".") == 2:
            return ["tfa"]
        if ".optimizers.legacy." in f".{name}" or "optimizers.experimental." in name:
            return ["legacy-namespace"]
        if "mixed_precision.experimental" in name:
            return ["mixed-precision-experimental"]
        if TF1_OPTIMIZER.search(name) and not isinstance(getattr(node, "parent", None), ast.Attribute):
            return ["tf1-optimizer"]
    return []


def _optimizer_class(node: ast.ClassDef, tensorflow_names: set[str]) -> bool:
    """A subclass of a TensorFlow or Keras optimizer (a base of the project's own is not one), or
    a class that defines the optimizer API whatever its base (a class factory's parameter)."""
    if any(isinstance(f, ast.FunctionDef) and f.name in OPTIMIZER_METHODS for f in node.body) or any(
            isinstance(c, ast.Call) and isinstance(c.func, ast.Attribute) and c.func.attr in V2_ONLY_CALLS
            and dotted(c.func.value) == "self" for c in ast.walk(node)):
        return True
    for base in map(dotted, node.bases):
        root, last = base.split(".")[0], _last(base)
        if (_optimizer_name(last) or last.endswith("OptimizerV2")) and (root in tensorflow_names or TENSORFLOW_ALIAS.match(root)):
            return True
    return False


def _tensorflow_names(tree: ast.AST) -> set[str]:
    """Names bound by imports from TensorFlow or Keras (`import tensorflow as tf`, `from keras import optimizers`)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.asname or alias.name for alias in node.names if re.match(r"(tensorflow|keras|tf_keras)\b", alias.name)}
        elif isinstance(node, ast.ImportFrom) and re.match(r"(tensorflow|keras|tf_keras)\b|\w+\.backend$", node.module or ""):
            names |= {alias.asname or alias.name for alias in node.names}
    return names


def _inside(node: ast.AST, classes: list[ast.ClassDef]) -> bool:
    return any(c.body[0].lineno <= getattr(node, "lineno", 0) <= c.end_lineno for c in classes)


def _own_api(node: ast.AST, kinds: list[str]) -> bool:
    """The optimizer API called on `self` (or on an optimizer it wraps), inside an optimizer subclass."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and dotted(node.func.value).split(".")[0] == "self" \
        and all(kind.split(":")[0] in {"v2-internal", "tf1-method", "get-updates", "loss-scale-v2"} for kind in kinds)


def scan(source: str) -> list[Site]:
    """Every legacy optimizer site of a Python file, one per first line, with the kinds seen there.

    A subclass of an optimizer is one site, from its `class` line to its end: the optimizer API it
    defines or calls on `self` belongs to it, and stands or falls with it.
    """
    tree = ast.parse(source)
    for parent in ast.walk(tree):
        for child in ast.iter_child_nodes(parent):
            child.parent = parent
    tensorflow_names = _tensorflow_names(tree)
    classes = [node for node in ast.walk(tree) if isinstance(node, ast.ClassDef) and _optimizer_class(node, tensorflow_names)]
    method_calls_count = bool(TF_OPTIMIZERS_IN_FILE.search(source)) and not TF1_GRAPH.search(source)
    plain_reads_count = bool(STANDALONE_KERAS.search(source))
    # A rule may report a class at the statement it cannot migrate: the class's site spans its body.
    spans: dict[int, tuple[int, set[str]]] = {c.lineno: (c.end_lineno, {"optimizer-subclass"}) for c in classes}
    for node in ast.walk(tree):
        kinds = _node_kinds(node)
        if not method_calls_count:
            kinds = [kind for kind in kinds if not kind.startswith(("tf1-method", "apply_gradients", "v2-internal:get_slot"))]
        if not plain_reads_count:
            kinds = [kind for kind in kinds if kind != "backend.get_value:plain"]
        if not kinds or (_inside(node, classes) and _own_api(node, kinds)):
            continue
        old_end, old_kinds = spans.get(node.lineno, (node.end_lineno, set()))
        spans[node.lineno] = (max(old_end, node.end_lineno), old_kinds | set(kinds))
    return [Site(line, end, tuple(sorted(kinds))) for line, (end, kinds) in sorted(spans.items())]


def covered(site: Site, records: list[dict]) -> bool:
    """A record (a change or a finding, from optfix's JSON output) whose lines touch the site's."""
    return any(r["line"] <= site.end_line and site.line <= (r["end_line"] or r["line"]) for r in records)


def classify(site: Site, records: list[dict]) -> str:
    """'rewritten' if a change touches the site, else 'reported' if a finding does, else 'silent'."""
    changes = [r for r in records if r["kind"] == "change"]
    if covered(site, changes):
        return "rewritten"
    return "reported" if covered(site, [r for r in records if r["kind"] == "review"]) else "silent"
