"""Keras 2 keywords given to optimizers whose class is chosen at run time: a class looked up on a
Keras optimizers module (`getattr(keras.optimizers, name)(lr=0.01)`), one looked up elsewhere
(`params['optimizer'](lr=0.01)`) whose object reaches `compile`, and a class handed to a wrapper
that builds it with the keywords (`LearningRateMultiplier(SGD, lr=0.01)`)."""

from __future__ import annotations

import ast

from optfix.codemods.keras2_optimizer.signatures import LEGACY_KEYWORDS
from optfix.knowledge.keras import KERAS2_CLIPNORM, KERAS3_OPTIMIZERS
from optfix.knowledge.namespaces import keras_member
from optfix.lazy import libcst as cst
from optfix.rulekit.calls import constant, new_keyword, with_args


def looked_up_module(call: cst.Call, imports) -> cst.BaseExpression | None:
    """The Keras optimizers module of `getattr(<module>, name)(...)`, or None."""
    func = call.func
    if not (isinstance(func, cst.Call) and isinstance(func.func, cst.Name) and func.func.value == "getattr"):
        return None
    if imports.is_imported("getattr") or "getattr" in imports.rebound or len(func.args) != 2 or any(a.keyword or a.star for a in func.args):
        return None
    module = func.args[0].value
    return module if keras_member(imports.resolved_name(module)) == "optimizers" else None


def legacy_keywords(call: cst.Call) -> list[str]:
    return [arg.keyword.value for arg in call.args if arg.keyword is not None and arg.keyword.value in LEGACY_KEYWORDS]


def wrapped_class(call: cst.Call, imports) -> str | None:
    """The Keras optimizer class a call is given as a value, with Keras 2 keywords beside it
    (`LearningRateMultiplier(SGD, lr=0.01)`): the wrapper builds the class with them."""
    if not legacy_keywords(call):
        return None
    for arg in call.args:
        member = keras_member(imports.resolved_name(arg.value)) if isinstance(arg.value, (cst.Name, cst.Attribute)) else None
        if member and member.startswith("optimizers.") and member.rsplit(".", 1)[-1] in KERAS3_OPTIMIZERS:
            return member.rsplit(".", 1)[-1]
    return None


class BuildsReadByName:
    """The rule's Rule.names_carrying_state: the names assigned a call with Keras 2 keywords (a
    build `BuiltElsewhere` matches with the names later given to `compile`)."""

    def names_carrying_state(self, tree: ast.Module) -> frozenset[str]:
        return frozenset(target.id for node in ast.walk(tree) if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                         and any(keyword.arg in LEGACY_KEYWORDS for keyword in node.value.keywords)
                         for target in node.targets if isinstance(target, ast.Name))


class BuiltElsewhere:
    """`made = params['optimizer'](lr=0.01)` ... `compile(optimizer=made)`: the names assigned
    such a build, and the names given to compile, matched once the file is read."""

    def __init__(self) -> None:
        self.builds: dict[str, list[cst.Call]] = {}
        self.compiled: set[str] = set()

    def assigned(self, node: cst.Assign, imports) -> None:
        value = node.value
        if not isinstance(value, cst.Call) or not legacy_keywords(value) or imports.resolved_name(value.func) is not None:
            return
        if looked_up_module(value, imports) is not None:
            return  # rewritten where it is built
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                self.builds.setdefault(target.target.value, []).append(value)

    def reaching_compile(self) -> list[cst.Call]:
        return [call for name in sorted(self.compiled) for call in self.builds.get(name, ())]


def rewrite_looked_up(rule, original: cst.Call, updated: cst.Call, module: cst.BaseExpression) -> cst.BaseExpression:
    """`getattr(keras.optimizers, name)(lr=0.01, decay=1e-6)`: a Keras optimizer class, whichever
    `name` is, so its keywords are mapped as for any class (every Keras 3 class takes
    `learning_rate`, and time-based decay is the same schedule for all); what depends on the class
    is reported and the call left as written."""
    imports = rule.file.imports
    call = f"{_code(original.func)}(...)"
    given = {arg.keyword.value: arg for arg in original.args if arg.keyword is not None}
    if not legacy_keywords(original) and not ("epsilon" in given and constant(given["epsilon"].value) is None):
        return updated
    standalone = (imports.resolved_name(module) or "").split(".")[0] == "keras"
    why = ""
    if any(arg.keyword is None for arg in original.args):
        why = "positional arguments mean other parameters in each class; pass them by keyword"
    elif "schedule_decay" in given:
        why = "schedule_decay is Nadam's, with no Keras 3 counterpart (Keras 3 Nadam's momentum schedule differs)"
    elif "decay" in given and "lr" not in given and constant(given["decay"].value) not in (0, 0.0):
        why = "decay without lr: the learning rate to decay is each class's default, which Keras 3 changed for some"
    elif "lr" in given and "learning_rate" in given:
        why = "both lr and learning_rate are given; keep one"
    elif "clipnorm" in given and standalone:
        why = KERAS2_CLIPNORM
    if why:
        rule.report(original, f"{call} builds a Keras optimizer with Keras 2 keywords: {why}")
        return updated
    decay = given.get("decay")
    schedule, needs_keras = None, False
    if decay is not None and constant(decay.value) not in (0, 0.0):
        namespace = module.value if isinstance(module, cst.Attribute) else None
        reference, needs_keras = rule.file.keras_reference("optimizers.schedules.InverseTimeDecay", namespace)
        schedule = cst.Call(reference, [
            cst.Arg(updated_value(updated, "lr"), comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
            new_keyword("decay_steps", 1).with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
            new_keyword("decay_rate", 0).with_changes(value=updated_value(updated, "decay")),
        ])
    args = []
    for arg in updated.args:
        keyword = arg.keyword.value
        if keyword == "lr":
            args.append(arg.with_changes(keyword=cst.Name("learning_rate"), value=schedule or _float(arg.value)))
        elif keyword == "decay" or (keyword == "epsilon" and constant(arg.value) is None):
            continue
        else:
            args.append(arg)
    replacement = with_args(updated, args)
    message = f"{call} (a Keras optimizer class chosen at run time): lr -> learning_rate, decay -> InverseTimeDecay schedule, epsilon=None dropped, as for every class"
    result = rule.rewrite(original, updated, replacement, message)
    if result is replacement and needs_keras:
        rule.file.use_keras(True)
    return result


def updated_value(call: cst.Call, keyword: str) -> cst.BaseExpression:
    return next(arg.value for arg in call.args if arg.keyword is not None and arg.keyword.value == keyword)


def _float(value: cst.BaseExpression) -> cst.BaseExpression:
    """`1` -> `1.0`: Keras 3 rejects an int learning rate."""
    if isinstance(value, cst.Integer):
        return cst.Float(f"{constant(value)}.0", lpar=value.lpar, rpar=value.rpar)
    return value


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)
