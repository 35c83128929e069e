"""Classes written against the tf.keras 2 optimizer APIs, which Keras 3's optimizers neither have
nor call."""

from __future__ import annotations

import ast
from collections.abc import Callable

from optfix.analysis.chains import ast_chain
from optfix.analysis.tree import descendants
from optfix.knowledge.keras import OPTIMIZER_V2_API, TF_KERAS_NEW_API
from optfix.lazy import libcst as cst
from optfix.rulekit.class_code import get_updates_family, is_self_attribute, keras2_api_class, unmigrated_get_updates_class
from optfix.rulekit.rule import FileContext

SUBCLASS_API = OPTIMIZER_V2_API | TF_KERAS_NEW_API


class ClassesReadByName:
    """The rule's Rule.reads_beyond_visits: `subclass_finding` reads whole the top-level classes
    that define get_updates (`get_updates_family`, `keras2_api_class`) or are named as a base
    (`derives_from`), wherever they are, and the methods of a class it visits whose bases may be
    a Keras optimizer's (those that hold an anchor, or are not a name or attribute chain)."""

    def reads_beyond_visits(self, tree: ast.Module) -> frozenset[str]:
        classes = [statement for statement in tree.body if isinstance(statement, ast.ClassDef)]
        bases = {base.id for node in classes for base in node.bases if isinstance(base, ast.Name)}
        chains = {node.name: [tuple(ast_chain(base)) for base in node.bases] for node in classes}
        anchors = self.anchors([chain for found in chains.values() for chain in found if chain])
        optimizer_bases = {name for name, found in chains.items() if any(not chain or chain[0] in anchors for chain in found)}
        return frozenset(bases | optimizer_bases | {node.name for node in classes if any(
            isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name == "get_updates" for item in node.body)})


def subclass_finding(file: FileContext, node: cst.ClassDef, is_optimizer_class: Callable[[cst.BaseExpression], bool]) -> tuple[bool, str | None]:
    """Whether the Keras optimizer base classes of a class of the file stay as they are (its
    overrides are of an API Keras 3 does not call), and the finding this rule reports for it:
    none where another rule that runs on the file migrates it or says why it cannot."""
    family = get_updates_family(file.module, node)
    if family:
        if "get-updates" in file.rules or not (derives_from(file.module, node, is_optimizer_class) or _reads_keras2_state(node)):
            return False, None
        return True, unmigrated_get_updates_class(node, family)
    used = legacy_subclass_api(node, file.module)
    if not used or not any(is_optimizer_class(arg.value) for arg in node.bases):
        return False, None
    keras3_step = any(isinstance(s, cst.FunctionDef) and s.name.value == "update_step" for s in node.body.body)
    if set(used) <= OPTIMIZER_V2_API and "optimizer-v2" in file.rules and not keras3_step:
        return True, None  # rule optimizer-v2 migrates such a class, or says why it cannot
    return True, (f"{node.name.value} is written against the tf.keras 2 optimizer API ({', '.join(used)}), which Keras 3's "
                  "optimizers neither have nor call: port it to build(var_list) and update_step(gradient, variable, "
                  "learning_rate); its base class is left as it is, as moving it to Keras 3 would turn the overrides into dead code")


def _reads_keras2_state(node: cst.ClassDef) -> bool:
    """A class with base classes that reads what only a Keras 2 optimizer has (`self.get_gradients`,
    `self.updates`): one whose base class the imports do not resolve (an alias chosen at import time)."""
    return bool(node.bases) and any(is_self_attribute(a, ("get_gradients", "updates")) for a in descendants(node, cst.Attribute))


def legacy_subclass_api(node: cst.ClassDef, module: cst.Module) -> list[str]:
    """What a class of `module` defines or calls of the tf.keras 2 optimizer APIs that Keras 3
    removed, in order."""
    if keras2_api_class(module, node):
        return []  # Keras 2.2's API (get_updates, itself or in a subclass): rule get-updates migrates it
    used = []
    for statement in node.body.body:
        if not isinstance(statement, cst.FunctionDef):
            continue
        name = statement.name.value
        if name in SUBCLASS_API or (name == "update_step" and len(statement.params.params) == 3):
            used.append("update_step(gradient, variable)" if name == "update_step" else name)
    called = {
        call.func.attr.value
        for call in descendants(node, cst.Call)
        if isinstance(call.func, cst.Attribute) and isinstance(call.func.value, cst.Name) and call.func.value.value == "self"
    }
    used += sorted((called & SUBCLASS_API) - set(used))
    return used


def legacy_subclass_methods(node: ast.ClassDef) -> bool:
    """Whether a class defines or calls a method of the tf.keras 2 optimizer APIs (the `ast` view
    of `legacy_subclass_api`)."""
    defined = any(
        isinstance(item, ast.FunctionDef) and (item.name in SUBCLASS_API or item.name == "update_step" and len(item.args.args) == 3)
        for item in node.body
    )
    return defined or any(
        isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr in SUBCLASS_API
        and isinstance(call.func.value, ast.Name) and call.func.value.id == "self"
        for call in ast.walk(node)
    )


def derives_from(module: cst.Module, node: cst.ClassDef, is_base: Callable[[cst.BaseExpression], bool]) -> bool:
    """Whether a base class of `node`, or of its base classes of the module (by name), `is_base`."""
    classes = {s.name.value: s for s in module.body if isinstance(s, cst.ClassDef)}
    seen: set[str] = set()
    pending = [node]
    while pending:
        for arg in pending.pop().bases:
            if is_base(arg.value):
                return True
            name = arg.value.value if isinstance(arg.value, cst.Name) else None
            if name in classes and name not in seen:
                seen.add(name)
                pending.append(classes[name])
    return False


def defines_get_updates(node: ast.ClassDef) -> bool:
    """Whether a class defines Keras 2.2's get_updates and not Keras 3's update_step (the `ast` view)."""
    methods = {item.name for item in node.body if isinstance(item, ast.FunctionDef)}
    return "get_updates" in methods and "update_step" not in methods
