"""The files worth parsing for rule learning-rate-api: the bytes stage (`wants`) and the `ast`
stage (`relevant`). Each must say yes wherever the rule would act."""

from __future__ import annotations

import ast
import re

from optfix.analysis.ast_nodes import every_node
from optfix.analysis.chains import ast_last_name
from optfix.codemods.learning_rate_api.watched import ATTRIBUTE_FUNCTIONS, RENAMED_OR_REMOVED, VALUE_WATCHED, VARIABLE_WATCHED
from optfix.knowledge.runtime import VALUE_FUNCTIONS
from optfix.rulekit.optimizer_sites import GAP

# Blanks, comments and line continuations may stand between tokens (and `)` before a dot:
# `(model.optimizer).lr`).
_GAP = rb"(?:" + GAP + rb"|\))*"
_CHAIN = re.compile(rb"optimizer" + _GAP + rb"\." + _GAP + rb"(?:lr|decay)\b")
_NAMED = re.compile(rb"\b(\w+)" + _GAP + rb"\." + _GAP + rb"(?:lr|decay)\b")
_ATTRIBUTE = re.compile(rb"\." + _GAP + rb"(?:lr|decay)\b")  # where _NAMED may match: searched first, it is fast
_VALUE_FUNCTIONS = tuple(name.encode() for name in VALUE_FUNCTIONS)
_VALUE_CALL = re.compile(rb"\b(?:get_value|set_value|eval)\b")
_VARIABLE = re.compile(rb"\." + _GAP + rb"(?:%s)\b" % "|".join(sorted({"lr", *VARIABLE_WATCHED})).encode())
_ATTRIBUTE_CALLS = tuple(name.encode() for name in sorted(ATTRIBUTE_FUNCTIONS))
_RESULT = re.compile(rb"\)" + _GAP + rb"\." + _GAP + rb"(?:lr|decay)\b")  # `self._optimizer().lr`
_KEY = re.compile(rb"""['"](?:lr|decay)['"]""")


def wants(data: bytes) -> bool:
    # Substrings first: `in` is many times faster than a pattern that cannot lead with a literal.
    if b"keras" in data and any(word in data for word in _VALUE_FUNCTIONS) and _VALUE_CALL.search(data) and _VARIABLE.search(data):
        return True  # K.set_value(x.lr, ...), a finding even where x is unknown
    if b"lr" not in data and b"decay" not in data:
        return False
    if b"optimizer" in data and (b"keras" in data or b"tensorflow" in data) and (_CHAIN.search(data) or _RESULT.search(data)):
        return True
    if b"optimizers" in data and _ATTRIBUTE.search(data):
        if any(_assigned(base, data) for base in {m.group(1) for m in _NAMED.finditer(data)}):
            return True
    if _KEY.search(data):
        return b"class_name" in data or b"from_config" in data or (b"optimizer" in data and any(f in data for f in _ATTRIBUTE_CALLS))
    return False


def relevant(tree: ast.Module) -> bool:
    """`.lr` or `.decay` of a `.optimizer` chain or of an assigned name, a backend value
    function given such an attribute, `hasattr`/`getattr`/`setattr` with 'lr' or 'decay', or a
    dict with such a key: what the rule may act on, whatever the names turn out to be."""
    assigned = {
        target.id
        for node in every_node(tree) if isinstance(node, (ast.Assign, ast.AnnAssign))
        for written in getattr(node, "targets", [getattr(node, "target", None)])
        for target in ast.walk(written) if isinstance(target, ast.Name)
    }

    def may_be_optimizer(node: ast.expr) -> bool:
        return (isinstance(node, ast.Attribute) and node.attr == "optimizer") or (isinstance(node, ast.Name) and node.id in assigned) \
            or isinstance(node, ast.Call)  # what a function of the file returns

    for node in every_node(tree):
        if isinstance(node, ast.Attribute) and node.attr in RENAMED_OR_REMOVED and may_be_optimizer(node.value):
            return True
        if isinstance(node, ast.Dict) and any(_is_string(key, RENAMED_OR_REMOVED) for key in node.keys):
            return True
        if isinstance(node, ast.Call):
            function = ast_last_name(node.func)
            if function in VALUE_FUNCTIONS and any(isinstance(arg, ast.Attribute) and arg.attr in VALUE_WATCHED for arg in node.args):
                return True
            if function in ATTRIBUTE_FUNCTIONS and len(node.args) > 1 and _is_string(node.args[1], RENAMED_OR_REMOVED):
                return may_be_optimizer(node.args[0])
    return False


def _is_string(node: ast.expr | None, values: frozenset[str]) -> bool:
    return isinstance(node, ast.Constant) and node.value in values


def _assigned(name: bytes, data: bytes) -> bool:
    """Whether `name` may be the target of an assignment (or an annotation). The pattern leads with
    the name, as `re` searches a literal prefix fast; the boundary before it is checked after."""
    return re.search(re.escape(name) + rb"(?<!\w" + re.escape(name) + rb")" + _GAP + rb"(?:=(?!=)|:)", data) is not None
