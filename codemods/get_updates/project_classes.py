"""Classes of the file that other modules of the project build on: a subclass there, or a class
factory there that is given them. Each module is rewritten on its own, so a class migrated here
would leave such a subclass, or the factory's class, a Keras 2 optimizer on a Keras 3 base class
(broken, or its get_updates silently never called): the class stays as it is, with a finding
that says where it is built on and what to do. (A base class and subclasses of several modules
that one run fixes together are migrated together: project_family.)"""

from __future__ import annotations

import ast
from pathlib import Path

from optfix.analysis.ast_nodes import every_node, quiet_parse
from optfix.analysis.chains import ast_chain
from optfix.analysis.project_imports import is_project_path, module_file
from optfix.analysis.project_users import Use, is_class_factory, shown_in_project, uses
from optfix.knowledge.namespaces import keras_member
from optfix.lazy import lazy_import
from optfix.lazy import libcst as cst

family_module = lazy_import("optfix.codemods.get_updates.family")
hierarchy = lazy_import("optfix.codemods.get_updates.hierarchy")

# Calls that are given a class and make nothing on it; modules whose functions make no class on one.
_CHECKS = ("isinstance", "issubclass", "assertIsInstance", "assertNotIsInstance")
_NOT_FACTORIES = {"keras", "tensorflow", "tf_keras", "functools", "copy", "pickle", "inspect", "typing", "builtins"}
_ONE_FILE = "optfix migrates the classes a Keras 2 optimizer is built of only when they are in one file"
_ONE_RUN = ("optfix migrates a base class with the classes of other modules that derive from it directly, together, only "
            "where one run fixes every module that holds them (none excluded, ignoring this rule or unreadable) and nothing else "
            "keeps one of them as it is")


class ProjectClasses:
    """A mixin of the rule, which supplies `_legacy_base(node)`."""

    def reported_project_users(self, node: cst.ClassDef) -> bool:
        """Whether other modules of the project keep `node`, a class this rule would migrate (with
        its family: its base class of this file and that one's subclasses), as it is: reported."""
        messages = self.project_blockers(node)
        for message in messages:
            self.report(node.name, f"{node.name.value} not migrated: {message}")
        return bool(messages)

    def project_blockers(self, node: cst.ClassDef) -> list[str]:
        found = self.__dict__.setdefault("_project_blockers", {})
        if node.name.value not in found:
            found[node.name.value] = self._blockers(node)
        return found[node.name.value]

    def _blockers(self, node: cst.ClassDef) -> list[str]:
        module, path = self.file.module, self.file.path
        parent = family_module.parent_of(module, node, lambda c: self._legacy_base(c) is not None)
        members = [parent, *hierarchy.subclasses(module, parent.name.value)] if parent is not None else [node]
        messages = []
        family = self.__dict__.get("_family_uses", set())  # the members of a family over modules (project_family)
        for member in members:
            name = member.name.value
            for use in uses(path, name) if path is not None else ():
                if use.kind == "subclass" and (use.path.resolve(), use.what) in family:
                    continue
                if use.kind == "subclass":
                    messages.append(f"{use.what} ({use.shown(path)}) derives from {name} of this file, and would stay a Keras 2 "
                                    f"optimizer on a Keras 3 class: {_ONE_RUN}; run optfix on both modules at once (or move "
                                    f"{use.what} into this file), or see the findings there")
                elif use.kind == "argument" and use.what.rsplit(".", 1)[-1] not in _CHECKS and use.what.split(".")[0] not in _NOT_FACTORIES:
                    messages.append(f"{use.shown(path)} gives {name} to {use.what}(), which may make a Keras 2 class on it (a "
                                    f"class factory: AdamW = extend_with_weight_decay(Adam)): {_ONE_FILE}; move the factory and "
                                    "its application into this file, where they are migrated together, and run optfix again")
            messages += self._factory_calls(name)
        return list(dict.fromkeys(messages))

    def _factory_calls(self, name: str) -> list[str]:
        """Why the calls of this file that give the class `name` to a class factory of another
        module keep it as it is: a factory of the project's, or a function optfix does not read
        whose result the call assigns (`AdamW = extend_with_weight_decay(Adam)`)."""
        imports, path = self.file.imports, self.file.path
        tree = self._syntax_tree()
        assigned = {id(node.value): node for node in every_node(tree) if isinstance(node, ast.Assign) and len(node.targets) == 1}
        messages = []
        for call in every_node(tree):
            if not (isinstance(call, ast.Call) and any(isinstance(arg, ast.Name) and arg.id == name for arg in call.args)):
                continue
            dotted = imports.resolved(ast_chain(call.func), follow_project_imports=False) or ""
            head, _, function = dotted.rpartition(".")
            if not head:
                continue  # a function of this file (its class factories are read there) or a built-in
            if path is not None and is_project_path(path, head):
                file = module_file(path, head)
                if file is not None and is_class_factory(file, function):
                    messages.append(f"line {call.lineno} gives {name} to {ast.unparse(call.func)}(), a class factory of "
                                    f"{shown_in_project(file, path)}, whose class would stay a Keras 2 optimizer on a Keras 3 class: "
                                    f"{_ONE_FILE}; move the factory into this file, where it is migrated with the classes it is "
                                    "given, and run optfix again")
            elif (id(call) in assigned and isinstance(call.args[0], ast.Name) and call.args[0].id == name
                  and head.split(".")[0] not in _NOT_FACTORIES and keras_member(dotted) is None):
                messages.append(f"line {call.lineno} makes {ast.unparse(assigned[id(call)].targets[0])} = {ast.unparse(call)} with "
                                f"a function of {head}, which optfix does not read: a class it makes on {name} (a class "
                                "factory) would stay a Keras 2 optimizer on a Keras 3 class, its get_updates never called; "
                                f"migrate that class and {name} together by hand, or use the Keras 3 optimizer's own options")
        return messages

    def _syntax_tree(self) -> ast.Module:
        if "_parsed_file" not in self.__dict__:
            self.__dict__["_parsed_file"] = quiet_parse(self.file.text or self.file.module.code)
        return self.__dict__["_parsed_file"]

    def applied_elsewhere(self, function: cst.FunctionDef) -> list[Use]:
        """The calls of the class factory `function` of this file in other modules of the project."""
        if self.file.path is None:
            return []
        return [use for use in uses(self.file.path, function.name.value) if use.kind == "call"]


def applied_in_other_modules(applications: list[Use], beside: Path | None) -> str:
    """What a class factory's finding adds where the factory is applied in other modules."""
    if not applications or beside is None:
        return ""
    where = ", ".join(f"{use.shown(beside)}: {use.what}" for use in applications)
    return (f"; it is applied in other modules of the project ({where}): optfix migrates a class factory's class only where "
            "the factory is applied in its own file, to Keras 2 optimizer classes of that file: move the factory (or a copy of "
            "it) into the module that applies it, or that application and the classes it is given into this file, and run "
            "optfix again")


def base_in_other_module(path: Path, qualified: str, node: cst.ClassDef) -> str:
    """Why a get_updates class whose base class is a class of another module of the project stays as it is."""
    file = module_file(path, qualified.rpartition(".")[0])
    where = f" ({shown_in_project(file, path)}, another module of the project)" if file is not None else ", a class of a module of the project"
    return (f"its base class {qualified}{where} is migrated, if it is a Keras 2 optimizer, only together with every subclass "
            f"(a Keras 3 class cannot derive from a Keras 2 one, nor the reverse): {_ONE_RUN}; run optfix on both modules at "
            f"once (or move {node.name.value} into the module of its base class), or see the findings there")


