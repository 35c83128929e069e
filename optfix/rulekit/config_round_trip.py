"""A migrated optimizer's get_config checked against its migrated __init__, since from_config is `cls(**config)`."""

from __future__ import annotations

from dataclasses import dataclass

from optfix.analysis.tree import code, descendants, walk
from optfix.rulekit.class_code import LEARNING_RATES, Problem, is_self_attribute, is_super_call, is_super_init, merges_base_config
from optfix.knowledge.keras import KERAS3_BASE_CONFIG, KERAS3_BASE_PARAMETERS
from optfix.lazy import libcst as cst

_ROUND_TRIP = "from_config(get_config()) would fail"


@dataclass
class _Init:
    """What the migrated __init__ accepts by keyword."""

    named: set[str]  # its own parameters
    popped: set[str]  # keys it takes out of **kwargs
    to_base: set[str]  # keys its **kwargs carry on to the Keras 3 base class
    forwarded: set[str]  # base-class keywords it passes from a parameter of the same name

    def accepts(self, key: str) -> bool:
        return key in self.named or key in self.popped or key in self.to_base


def config_problems(original: cst.ClassDef, migrated: cst.ClassDef) -> list[Problem]:
    """Where the round trip of the migrated class would fail, each at a node of the original
    class (its get_config, or its __init__ where the class has no get_config).

    Keras 3's `from_config(config)` is `cls(**config)` (after deserializing a learning-rate
    schedule), so every key the config holds must be one `__init__` accepts: a parameter of that
    name, a key it takes out of its `**kwargs`, or, where `**kwargs` reaches the base class, a
    keyword of Keras 3's `Optimizer.__init__` that the class does not pass itself. The config holds
    the keys the class writes and, where it merges `super().get_config()`, the base class's keys."""
    original_init, init = _method(original, "__init__"), _method(migrated, "__init__")
    if init is None or original_init is None:
        return []  # __init__ inherited from a base class of the file's own: checked with that class
    get_config = _method(original, "get_config")
    kept_attributes = {s.name.value for s in migrated.body.body if isinstance(s, cst.FunctionDef)} | {
        target.target.attr.value for assign in descendants(init, cst.Assign) for target in assign.targets
        if is_self_attribute(target.target)
    }
    accepted = _accepted(init)
    if get_config is None:
        return _base_problems(accepted, None, original_init.name, "the base class's get_config()")
    merged = merges_base_config(get_config)
    problems = []
    written: dict[str, cst.CSTNode] = {}
    for key, node in _written_keys(get_config):
        if merged and key in LEARNING_RATES:
            continue  # dropped by the migration: the base class's config holds the learning rate
        if key in written:
            problems.append(Problem(node, f"get_config writes {key!r} twice: the second one wins; write it once"))
        written[key] = node
        if not accepted.accepts(key):
            problems.append(Problem(node, f"get_config writes {key!r}, which the migrated __init__ does not accept "
                                          f"({_why_not(accepted, key)}): {_ROUND_TRIP}; rename the key or add the parameter"))
    dropped = {id(n) for key, entry in _written_keys(get_config) if merged and key in LEARNING_RATES
               for n in descendants(entry, cst.CSTNode)}
    for node in descendants(get_config, cst.Attribute):
        if id(node) not in dropped and is_self_attribute(node, LEARNING_RATES) and node.attr.value not in kept_attributes:
            problems.append(Problem(node, f"get_config reads {code(node)}, which the migrated class does not have (Keras 3's "
                                          f"base class holds the learning rate): {_ROUND_TRIP}; merge super().get_config(), "
                                          "which holds it as 'learning_rate', and drop this entry"))
    if merged:
        call = next(c for c in descendants(get_config, cst.Call) if is_super_call(c, "get_config"))
        problems += _base_problems(accepted, set(written), call, "super().get_config()")
    return problems


def _base_problems(accepted: _Init, written: set[str] | None, node: cst.CSTNode, where: str) -> list[Problem]:
    """`written`: the keys the class's get_config writes (None: it has none)."""
    problems = []
    for key in KERAS3_BASE_CONFIG:
        if written and key in written:
            continue
        if not accepted.accepts(key):
            problems.append(Problem(node, f"{where} holds {key!r}, which the migrated __init__ does not accept "
                                          f"({_why_not(accepted, key)}): {_ROUND_TRIP}"))
        elif key in accepted.named and key not in accepted.forwarded and key not in LEARNING_RATES:
            advice = f"write {key!r} in get_config" if written is not None else f"define get_config and write {key!r} in it"
            problems.append(Problem(node, f"{where} holds Keras 3's own {key!r}, which from_config gives to __init__'s "
                                          f"{key} parameter: the round trip changes it; {advice}"))
    return problems


def _why_not(accepted: _Init, key: str) -> str:
    if key in KERAS3_BASE_PARAMETERS and key not in accepted.to_base:
        return f"it passes {key} to the base class itself, and has no parameter of that name"
    return "no parameter of that name, and the Keras 3 base class takes only its own keywords"


def _accepted(init: cst.FunctionDef) -> _Init:
    params = init.params
    named = {p.name.value for p in (*params.params, *params.kwonly_params)} - {"self"}
    kwargs = params.star_kwarg.name.value if isinstance(params.star_kwarg, cst.Param) else None
    popped, to_base, forwarded = set(), set(), set()
    for call in descendants(init, cst.Call):
        func = call.func
        if (kwargs and isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == kwargs
                and func.attr.value in ("pop", "get", "setdefault") and call.args and isinstance(call.args[0].value, cst.SimpleString)):
            popped.add(call.args[0].value.evaluated_value)
        if is_super_init(call):
            keywords = {arg.keyword.value: arg.value for arg in call.args if arg.keyword}
            forwarded = {key for key, value in keywords.items() if isinstance(value, cst.Name) and value.value in named}
            if any(arg.star == "**" and isinstance(arg.value, cst.Name) and arg.value.value == kwargs for arg in call.args):
                to_base = set(KERAS3_BASE_PARAMETERS) - set(keywords)
    for subscript in descendants(init, cst.Subscript):
        if isinstance(subscript.value, cst.Name) and subscript.value.value == kwargs:
            popped |= {s.slice.value.evaluated_value for s in subscript.slice
                       if isinstance(s.slice, cst.Index) and isinstance(s.slice.value, cst.SimpleString)}
    return _Init(named, popped, to_base, forwarded)


def _written_keys(function: cst.FunctionDef) -> list[tuple[str, cst.CSTNode]]:
    """The string keys get_config writes, in the order of the code: the entries of its dict
    displays (not of dicts nested in their values), `config['key'] = ...`, and `key=` arguments
    of `dict(...)` and `.update(...)`."""
    found = []

    class _Collect(cst.CSTVisitor):
        def visit_Dict(self, node: cst.Dict) -> bool:
            for element in node.elements:
                if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString):
                    found.append((element.key.evaluated_value, element))
            return False

        def visit_Assign(self, node: cst.Assign) -> None:
            for target in node.targets:
                subscript = target.target
                if isinstance(subscript, cst.Subscript) and len(subscript.slice) == 1:
                    index = subscript.slice[0].slice
                    if isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString):
                        found.append((index.value.evaluated_value, node))

        def visit_Call(self, node: cst.Call) -> None:
            func = node.func
            if (isinstance(func, cst.Name) and func.value == "dict") or (isinstance(func, cst.Attribute) and func.attr.value == "update"):
                found.extend((arg.keyword.value, arg) for arg in node.args if arg.keyword)

    walk(function, _Collect())
    return found



def _method(node: cst.ClassDef, name: str) -> cst.FunctionDef | None:
    return next((s for s in node.body.body if isinstance(s, cst.FunctionDef) and s.name.value == name), None)
