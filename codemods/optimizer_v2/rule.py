"""Rule `optimizer-v2`: custom tf.keras 2 optimizers (the OptimizerV2 API) to the Keras 3 optimizer API."""

from __future__ import annotations

import ast
import re

from optfix.analysis.ast_nodes import every_node
from optfix.analysis.tree import code, descendants, reads
from optfix.knowledge import optimizer_v2 as api
from optfix.knowledge.keras import KERAS3_OPTIMIZERS, OPTIMIZER_V2_API, TF_KERAS_SIGNATURES
from optfix.knowledge.namespaces import keras_member
from optfix.lazy import lazy_import
from optfix.lazy import libcst as cst
from optfix.rulekit.rule import Rule

# The migration, loaded with libcst when a file needs it: not when optfix starts.
v2 = lazy_import("optfix.codemods.optimizer_v2.migration")
round_trip = lazy_import("optfix.rulekit.config_round_trip")

_LEFT_ALONE = ("keras.src", "tf_keras")  # Keras 3's own sources; tf_keras, kept on purpose
_BUILT_INS = frozenset(KERAS3_OPTIMIZERS | set(TF_KERAS_SIGNATURES))
_API = "|".join(sorted(OPTIMIZER_V2_API))


class OptimizerV2Rule(Rule):
    """Migrate custom tf.keras 2 optimizers (OptimizerV2: _resource_apply_dense, _create_slots, _set_hyper) to Keras 3's build and update_step.

    What it does
    ------------
    Documented below.

    Why
    ---
    Documented below.

    Example
    -------
    Documented below.

    Fix safety
    ----------
    Documented below.

    Known problems
    --------------
    Documented below.
    """

    id = "optimizer-v2"
    trigger = re.compile(rb"(?:def\s+|self\s*\.\s*)(?:" + _API.encode() + rb")\b")

    @classmethod
    def wants(cls, data: bytes) -> bool:
        return any(part in data for part in (b"_resource_apply", b"slot", b"_hyper", b"_decayed_lr", b"_prepare_local")) \
            and cls.trigger.search(data) is not None

    @classmethod
    def relevant(cls, tree: ast.Module) -> bool:
        return any(isinstance(node, ast.ClassDef) and _uses_the_api(node) for node in every_node(tree))

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        methods = {s.name.value for s in original.body.body if isinstance(s, cst.FunctionDef)}
        if not _api_used(original) or methods & {"get_updates", "update_step"}:
            return updated  # Keras 2.2's API (rule get-updates), or Keras 3's / tf.keras 2.11's (rule keras2-optimizer)
        base = self._base(original)
        if base is None:
            self._report_unresolved(original)
            return updated
        member = keras_member(self.file.imports.resolved_name(base.value)) or ""
        if member not in api.BASE_CLASSES:
            self.report(base, f"{original.name.value} not migrated to Keras 3: it extends the built-in {code(base.value)} through the tf.keras 2 "
                              "optimizer API, which Keras 3's class neither has nor calls: subclass keras.optimizers."
                              f"{member.rsplit('.', 1)[-1]} and override its update_step(gradient, variable, learning_rate) instead")
            return updated
        names = self._names()
        migration = v2.Migration(self.file, original, names)
        migrated = migration.run()
        if migrated is None:
            problems = migration.located_problems()
            reasons = "; also: ".join(p.message for p in problems)
            self.report(problems[0].node, f"{original.name.value} not migrated to Keras 3: {reasons}")
            return updated
        migrated = self._declaration(migrated, base, names)
        message = f"{original.name.value}: the tf.keras 2 optimizer API -> build + update_step (the Keras 3 optimizer API)"
        result = self.rewrite(original, updated, migrated, message)
        if result is migrated:
            self._reconcile_imports(names, migration, dropped=_read(original) - _read(migrated))
            for review in [*migration.reviews, *round_trip.config_problems(original, migrated)]:
                self.report(review.node, f"{original.name.value}: {review.message}")
        return result

    def _base(self, node: cst.ClassDef) -> cst.Arg | None:
        """The base class that is a Keras optimizer class (not tf_keras's, kept on purpose)."""
        for arg in node.bases:
            qualified = self.file.imports.resolved_name(arg.value) or ""
            member = keras_member(qualified) or ""
            if qualified.startswith(_LEFT_ALONE) or not member.startswith("optimizer"):
                continue
            if member in api.BASE_CLASSES or member.rsplit(".", 1)[-1] in _BUILT_INS or member.endswith(("Optimizer", "OptimizerV2")):
                return arg
        return None

    def _report_unresolved(self, node: cst.ClassDef) -> None:
        """A class that reads as an OptimizerV2 optimizer whose base class optfix cannot resolve
        (an alias chosen at import time, a class factory's parameter): reported, not guessed at."""
        methods = {s.name.value for s in node.body.body if isinstance(s, cst.FunctionDef)}
        sets_hypers = any(isinstance(c.func, cst.Attribute) and c.func.attr.value == "_set_hyper" for c in descendants(node, cst.Call))
        if api.DENSE not in methods or not (api.SLOTS in methods or sets_hypers) or not node.bases:
            return
        if any((self.file.imports.resolved_name(arg.value) or "").startswith(_LEFT_ALONE) for arg in node.bases):
            return
        bases = ", ".join(code(arg.value) for arg in node.bases)
        self.report(node.name, f"{node.name.value} is written against the tf.keras 2 optimizer API (_resource_apply_dense), but optfix "
                               f"cannot resolve its base class ({bases}) to tf.keras's Optimizer through the imports: not migrated to Keras 3; "
                               "name tf.keras.optimizers.legacy.Optimizer as its base and run optfix again")

    def _names(self):
        imports = self.file.imports
        keras = imports.name_for("keras", "tensorflow.keras") or self.file.keras_name
        ops = imports.name_for("keras.ops", "tensorflow.keras.ops")
        if ops is None:
            ops = f"{keras}.ops" if "ops" in imports.bindings or "ops" in imports.rebound else "ops"
        return v2.Names(ops=ops, keras=keras)

    def _declaration(self, node: cst.ClassDef, base: cst.Arg, names) -> cst.ClassDef:
        bases = [arg.with_changes(value=cst.parse_expression(f"{names.keras}.optimizers.Optimizer")) if arg is base else arg
                 for arg in node.bases]
        decorators = list(node.decorators)
        if not any("register_keras_serializable" in code(d.decorator) for d in decorators):
            decorators.append(cst.Decorator(cst.parse_expression(f"{names.keras}.saving.register_keras_serializable()")))
        return node.with_changes(bases=bases, decorators=decorators)

    def _reconcile_imports(self, names, migration, dropped: set[str]) -> None:
        imports = self.file.imports
        if migration.imports_tensorflow:
            self.file.add_import("tensorflow", None, "tf")
        if migration.uses_ops and names.ops == "ops" and imports.name_for("keras.ops", "tensorflow.keras.ops") is None:
            self.file.add_import("keras", "ops")
        if imports.name_for("keras", "tensorflow.keras") is None:
            self.file.add_keras_import(names.keras)
        for name in dropped:
            if name in imports.origins:
                self.file.remove_import_if_unused(*imports.origins[name])


def _api_used(node: cst.ClassDef) -> set[str]:
    """The OptimizerV2 methods a class defines or calls on self."""
    defined = {s.name.value for s in node.body.body if isinstance(s, cst.FunctionDef)}
    called = {c.func.attr.value for c in descendants(node, cst.Call)
              if isinstance(c.func, cst.Attribute) and isinstance(c.func.value, cst.Name) and c.func.value.value == "self"}
    return (defined | called) & OPTIMIZER_V2_API


def _uses_the_api(node: ast.ClassDef) -> bool:
    """`_api_used`, as the `ast` reads it."""
    return any(isinstance(item, ast.FunctionDef) and item.name in OPTIMIZER_V2_API for item in node.body) or any(
        isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr in OPTIMIZER_V2_API
        and isinstance(call.func.value, ast.Name) and call.func.value.id == "self"
        for call in ast.walk(node)
    )


def _read(node: cst.CSTNode) -> set[str]:
    return {name.value for name in reads(node, heads=True)} | {name.value for name in reads(node)}
