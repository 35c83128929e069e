"""Keras 2 optimizer API used where no class is migrated: monkey-patched `get_gradients` /
`get_updates`, and calls of `get_updates()` outside an optimizer class. Keras 3 never calls the
one and has no other: each is reported, since neither fails until it runs (or never)."""

from __future__ import annotations

from optfix.analysis.tree import code
from optfix.lazy import libcst as cst

PATCHED = ("get_updates", "get_gradients")  # the Keras 2 methods Keras 3 never calls


class OutsideClasses:
    """Handlers of the rule for code outside the classes it migrates. The rule supplies
    `in_optimizer_class(node)`: whether a class is one the migration deals with."""

    def __init__(self, file) -> None:
        super().__init__(file)
        self.classes: list[cst.ClassDef] = []  # the classes the traversal is in

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.classes.append(node)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        target = node.target
        if isinstance(target, cst.Attribute) and target.attr.value in PATCHED:
            self._report_patch(node, target.attr.value)

    def visit_Call(self, node: cst.Call) -> None:
        args = node.args
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "get_updates" and not self._in_optimizer():
            self._report_get_updates_call(node)
        if isinstance(node.func, cst.Name) and node.func.value == "setattr" and len(args) == 3:
            name = args[1].value
            if isinstance(name, cst.SimpleString) and name.raw_value in PATCHED:  # raw: evaluating may warn on escapes
                self._report_patch(node, name.raw_value)

    def _report_patch(self, node: cst.CSTNode, method: str) -> None:
        """`opt.get_gradients = f`: in a file that imports Keras or TensorFlow, a Keras 2 optimizer
        patched; Keras 3 never calls the method, so the patch would do nothing, silently."""
        if self.file.suppressed(self.id, node) or not self._imports_keras():
            return
        self.report(node, f"{method} set on an object (monkey-patching): Keras 3 optimizers never call {method}(), so the "
                          "function set would never run, without an error; not rewritten: move its logic into a Keras 3 "
                          "optimizer's update_step() or apply()")

    def _report_get_updates_call(self, node: cst.Call) -> None:
        """`opt.get_updates(loss, params)` outside a class: a training loop built on the Keras 2
        optimizer API, which Keras 3 removed."""
        if not self._imports_keras() or self.file.suppressed(self.id, node):
            return
        positional = sum(arg.keyword is None and not arg.star for arg in node.args)
        keras1 = " (Keras 1's get_updates(params, constraints, loss))" if positional == 3 else ""
        self.report(node, f"{code(node.func)}(...){keras1}: Keras 3 optimizers have no get_updates() (AttributeError); compute "
                          "the gradients with a GradientTape (or keras.ops) and call optimizer.apply_gradients(zip(grads, "
                          "variables)), or train with model.fit")

    def _in_optimizer(self) -> bool:
        """Inside an optimizer class (its own get_updates, a base class's), which the migration handles."""
        return any(self.in_optimizer_class(node) for node in self.classes)

    def _imports_keras(self) -> bool:
        imports = self.file.imports
        return any(binding.split(".")[0] in ("keras", "tensorflow", "tf_keras") for binding in map(imports.binding, imports.origins))
