"""A class factory's class that patches `K.update` around its base class's `get_updates`, migrated
where the file applies the factory only to Keras 2 optimizer classes that are migrated with it.

    def extend_with_decay(Base):
        class Decayed(Base):
            def get_updates(self, loss, params):
                plain = K.update
                def decayed(x, new_x):
                    if any(x is p for p in params):
                        new_x = new_x - self.lr * self.rate * x
                    return plain(x, new_x)
                K.update = decayed
                updates = super(Decayed, self).get_updates(loss, params)
                K.update = plain
                return updates

becomes an update_step that patches `self.assign` around the base class's update_step: a migrated
class makes each `K.update` of its get_updates one `self.assign`, so the patch sees what it saw,
one parameter (`params`, `[variable]`) at a time."""

from __future__ import annotations

from optfix.analysis.tree import code, descendants, reads
from optfix.codemods.get_updates.backend_calls import BackendCalls
from optfix.codemods.get_updates.migration import Migration, Names
from optfix.codemods.get_updates.wrappers import factory_of
from optfix.knowledge.tf_math import COUNTERPARTS as TF_MATH
from optfix.lazy import libcst as cst
from optfix.rulekit.class_code import assignment_of, attributes_named, calls_in
from optfix.rulekit.migrated_optimizers import variable_name_review
from optfix.rulekit.rule import FileContext

_LEGACY_DECORATORS = ("symbolic", "legacy_get_updates_support")
_RATE = "base_rate"  # what the patch's reads of self.lr become


def applications(module: cst.Module, factory: cst.FunctionDef) -> list[cst.BaseExpression] | None:
    """What the file gives the factory, at each of its calls; None where the factory's name is
    used otherwise (passed on, so optfix cannot see every class it is given)."""
    given = []
    name = factory.name.value
    for use in reads(module):
        if use.value != name or use is factory.name:
            continue
        call = next((c for c in descendants(module, cst.Call) if c.func is use), None)
        if call is None or not call.args or call.args[0].keyword is not None or call.args[0].star:
            return None
        given.append(call.args[0].value)
    return given


def migrate_factory_class(file: FileContext, node: cst.ClassDef, names: Names, migrates) -> tuple[cst.ClassDef | None, Migration]:
    """The factory's class for Keras 3, or None (the Migration's problems say why). `migrates(expression)`:
    the class the file gives the factory there, where it is a Keras 2 optimizer migrated with this file."""
    migration = Migration(file, node, names)
    found = factory_of(file.module, node)
    expressions = applications(file.module, found[0]) if found else None
    given = [migrates(expression) for expression in expressions or ()]
    if not given or None in given:
        migration.problem(node.name, "its class factory is not applied, in this file, to Keras 2 optimizer classes only")
        return None, migration
    body = []
    for statement in node.body.body:
        if isinstance(statement, cst.FunctionDef) and statement.name.value == "get_updates":
            statement = _update_step(migration, statement)
            if statement is None:
                return None, migration
        elif isinstance(statement, cst.FunctionDef) and statement.name.value == "__init__" and statement.decorators:
            migration.problem(statement.decorators[0], "__init__ is decorated: Keras 3 optimizers refuse attributes set "
                                                       "before their __init__ has run, as a decorator may set them")
        elif any(migration.backend(n) is not None for n in descendants(statement, cst.Attribute)):
            migration.problem(statement, "the factory's class uses the Keras 2 backend outside get_updates")
        body.append(statement)
    if migration.problems:
        return None, migration
    migration.reviews += [variable_name_review(attribute) for attribute in attributes_named(node, "name")
                          if not (isinstance(attribute.value, cst.Name) and attribute.value.value == "self")]
    return node.with_changes(body=node.body.with_changes(body=body)), migration


def _update_step(migration: Migration, function: cst.FunctionDef) -> cst.FunctionDef | None:
    """get_updates as update_step, or None (with a problem) where it is not the patch around the
    base class's get_updates."""
    params = [p.name.value for p in function.params.params]
    if len(params) != 3 or function.params.star_arg not in (cst.MaybeSentinel.DEFAULT, None) or function.params.star_kwarg:
        migration.problem(function, "get_updates does not take (self, loss, params)")
        return None
    loss, param_list = params[1], params[2]
    statements, guarded = _without_try(list(function.body.body))
    patch = _patch(migration, statements, loss, param_list)
    if patch is None:
        return None
    translated = []
    for index, statement in enumerate(statements):
        if index == patch.saved:
            line = f"{patch.plain} = self.assign"
        elif index == patch.restored and guarded:
            continue  # in the try statement's finally, below
        elif index in (patch.patched, patch.restored):  # the patch may be a lambda: its backend calls too
            line = f"self.assign = {code(assignment_of(statement)[1].visit(_BackendCallsBut(migration, patch.plain)))}"
        elif index == patch.call:
            line = f"{code(patch.base_call.func.value)}.update_step(gradient, variable, learning_rate)"
            if guarded:
                indent = migration.file.module.default_indent
                restored = code(assignment_of(statements[patch.restored])[1])
                line = f"try:\n{indent}{line}\nfinally:\n{indent}self.assign = {restored}\n"
        elif index != patch.returned:
            translated.append(statement.visit(_BackendCallsBut(migration, patch.plain)))
            continue
        else:
            continue
        translated.append(cst.parse_statement(line).with_changes(leading_lines=statement.leading_lines))
    if migration.problems:
        return None
    translated = [s.visit(_ByIdentity(param_list)) for s in translated]
    read = {n.value for s in translated for n in reads(s)}
    opening = [f"{param_list} = [variable]"] if param_list in read else []
    if _RATE in {n.value for s in translated[:patch.call] for n in reads(s)}:
        keras, ops = migration.names.keras, migration.names.ops
        opening += [f"{_RATE} = learning_rate  # Keras 2's self.lr: the rate before the base class's time-based decay",
                    f"if isinstance(self._learning_rate, {keras}.optimizers.schedules.InverseTimeDecay):",
                    f"    {_RATE} = self._learning_rate.initial_learning_rate",
                    f"{_RATE} = {ops}.cast({_RATE}, variable.dtype)"]
    method = migration.method("update_step(self, gradient, variable, learning_rate)", opening or ["pass"], translated)
    if not opening:
        method = method.with_changes(body=method.body.with_changes(body=method.body.body[1:]))
    decorators = [d for d in function.decorators if not any(name in code(d.decorator) for name in _LEGACY_DECORATORS)]
    return method.with_changes(decorators=decorators, leading_lines=function.leading_lines)


class _ByIdentity(cst.CSTTransformer):
    """`x in params` as `any(x is p for p in params)`: Keras 2's graph variables compared by
    identity, Keras 3's compare element by element (a tensor Python cannot take as a bool)."""

    def __init__(self, param_list: str) -> None:
        super().__init__()
        self.param_list = param_list

    def leave_Comparison(self, original: cst.Comparison, updated: cst.Comparison) -> cst.BaseExpression:
        if len(updated.comparisons) != 1 or code(updated.comparisons[0].comparator) != self.param_list:
            return updated
        operator = updated.comparisons[0].operator
        if not isinstance(operator, (cst.In, cst.NotIn)):
            return updated
        negation = "not " if isinstance(operator, cst.NotIn) else ""
        found = cst.parse_expression(f"{negation}any(x is p for p in {self.param_list})")
        generator = found.expression.args[0].value if negation else found.args[0].value
        element = generator.with_changes(elt=generator.elt.with_changes(left=updated.left))
        if negation:
            return found.with_changes(expression=found.expression.with_changes(args=[cst.Arg(element)]))
        return found.with_changes(args=[cst.Arg(element)], lpar=updated.lpar, rpar=updated.rpar)


def _without_try(statements: list) -> tuple[list, bool]:
    """The statements with `try: <the base class's get_updates> finally: <K.update restored>` as its
    two statements, and whether there was one."""
    for index, statement in enumerate(statements):
        if (isinstance(statement, cst.Try) and not statement.handlers and statement.orelse is None
                and statement.finalbody is not None and len(statement.body.body) == 1 and len(statement.finalbody.body.body) == 1):
            inner = [statement.body.body[0], statement.finalbody.body.body[0]]
            return statements[:index] + inner + statements[index + 1:], True
    return statements, False


class _BackendCallsBut(BackendCalls):
    """The backend calls translated, but for those of the saved K.update (which stands for self.assign now)."""

    def __init__(self, migration: Migration, plain: str) -> None:
        super().__init__(migration, learning_rate=_RATE)
        self.plain = plain

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if isinstance(original.func, cst.Name) and original.func.value == self.plain:
            return updated
        if self.migration.backend(original.func) is not None:
            return super().leave_Call(original, updated)
        qualified = self.migration.file.imports.qualified_name(original.func) or ""
        row = TF_MATH.get(qualified)
        if row is not None:
            args = [arg for arg in updated.args if not (arg.keyword and arg.keyword.value == "name")]
            if (not any(arg.star for arg in args) and sum(arg.keyword is None for arg in args) <= row.positional
                    and all(arg.keyword.value in row.keywords for arg in args if arg.keyword is not None)):
                return updated.with_changes(func=cst.parse_expression(f"{self.migration.names.ops}.{row.ops}"), args=args)
        if qualified.split(".")[0] == "tensorflow":
            self.migration.problem(original, f"{code(original.func)}() is TensorFlow with no exact keras.ops counterpart optfix "
                                             "knows: Keras 3 on another backend could not run it")
            return updated
        return super().leave_Call(original, updated)


class _Patch:
    """Where get_updates saves K.update, patches it, calls the base class's get_updates, restores
    it and returns the updates (indexes of its statements)."""

    def __init__(self) -> None:
        self.saved = self.patched = self.call = self.restored = self.returned = -1
        self.plain = ""
        self.updates = ""
        self.base_call: cst.Call | None = None


def _patch(migration: Migration, statements: list, loss: str, param_list: str) -> _Patch | None:
    patch = _Patch()
    for index, statement in enumerate(statements):
        assignment = assignment_of(statement)
        target, value = assignment if assignment else (None, None)
        if isinstance(target, cst.Name) and value is not None and migration.backend(value) == "update":
            patch.saved, patch.plain = index, target.value
        elif target is not None and value is not None and migration.backend(target) == "update":
            if patch.patched < 0:
                patch.patched = index
            else:
                patch.restored = index
        elif isinstance(target, cst.Name) and _is_super_get_updates(value, loss, param_list):
            patch.call, patch.updates, patch.base_call = index, target.value, value
        elif isinstance(statement, cst.SimpleStatementLine) and isinstance(statement.body[0], cst.Return):
            returned = statement.body[0].value
            if not (isinstance(returned, cst.Name) and returned.value == patch.updates):
                migration.problem(statement, "get_updates returns more than the base class's updates")
                return None
            patch.returned = index
        elif patch.patched >= 0 or index > 0 and _reads_loss(statement, loss):
            migration.problem(statement, "a statement of the factory's get_updates that is not the patch of K.update around "
                                         "the base class's get_updates")
            return None
    order = (patch.saved, patch.patched, patch.call, patch.restored, patch.returned)
    if min(order) < 0 or list(order) != sorted(order) or patch.restored != patch.call + 1:
        migration.problem(statements[0] if statements else migration.node, "get_updates is not K.update patched around the "
                                                                             "base class's get_updates, and restored")
        return None
    if any(isinstance(n, cst.Name) and n.value == loss for s in statements for n in reads(s)) and not _only_in_call(statements, patch, loss):
        migration.problem(statements[patch.call], "get_updates reads the loss other than to pass it on")
        return None
    if any(migration.backend(c.func) in ("update", "update_add", "update_sub") for s in statements for c in calls_in(s)
           if not _inside_patch_function(s, statements, patch)):
        migration.problem(statements[patch.call], "get_updates updates variables of its own besides the patch")
        return None
    return patch


def _is_super_get_updates(value, loss: str, param_list: str) -> bool:
    if not (isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and value.func.attr.value == "get_updates"):
        return False
    head = value.func.value
    arguments = [code(arg.value) for arg in value.args]
    return (isinstance(head, cst.Call) and isinstance(head.func, cst.Name) and head.func.value == "super"
            and sorted(arguments) == sorted([loss, param_list]))


def _reads_loss(statement, loss: str) -> bool:
    return any(n.value == loss for n in reads(statement))


def _only_in_call(statements: list, patch: _Patch, loss: str) -> bool:
    return all(not _reads_loss(s, loss) for i, s in enumerate(statements) if i != patch.call)


def _inside_patch_function(statement, statements: list, patch: _Patch) -> bool:
    """The function (or lambda) that K.update is patched with: its K.update calls are the patch's own."""
    return isinstance(statement, cst.FunctionDef) or statements.index(statement) == patch.patched

