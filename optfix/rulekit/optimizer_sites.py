"""Where Keras takes an optimizer, and which names in a file stand for optimizer classes.

Shared by the rules that fix what code gives Keras there: `optimizer-name` (strings) and
`optimizer-instance` (classes). The sites are `compile(optimizer=...)`, the first positional
argument of a `compile` method, and `keras.optimizers.get(...)` under any import alias.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from optfix.analysis.chains import ast_chain, cst_dotted, cst_last_name
from optfix.knowledge.keras import KERAS3_OPTIMIZERS
from optfix.knowledge.namespaces import keras_member
from optfix.lazy import libcst as cst

# -- the prefilter's view: the same sites, in the file's bytes ------------------------------------

# One blank, comment or line continuation. A comment runs to the end of its line, no shorter:
# were it free to stop early (at a `#`, a blank), n comments could be split 2**n ways while
# backtracking, and the search would never end.
GAP = rb"\s|#[^\n]*(?![^\n])|\\\r?\n"
SPACE = rb"(?:" + GAP + rb")*"  # blanks, comments and line continuations
# `optimizers` under any name (`import keras.optimizers as opts`), and `get` imported from it under
# any name, on one line or in parentheses over several.
_MODULE_ALIAS = re.compile(rb"\boptimizers\s+as\s+(\w+)")
_FROM_OPTIMIZERS = re.compile(rb"\boptimizers\s+import\s+(\([^)]*\)|[^\n]*)")
_GET_NAME = re.compile(rb"\bget\b(?:\s+as\s+(\w+))?")
_ASSIGNMENT = re.compile(rb"([\w\x80-\xff]+)\s*=\s*\(?\s*((?:[\w\x80-\xff]+\s*\.\s*)*[\w\x80-\xff]+)")
_REGEX_MODULES = ("re", "regex")  # their compile() takes a pattern first, imported or not
_NOT_KERAS_COMPILE = tuple(f"{module}.".encode() for module in _REGEX_MODULES)


def site_matches(data: bytes, argument: bytes) -> list[re.Match]:
    """Where the bytes may give an optimizer site an argument that starts like `argument` (a
    pattern that follows any opening parentheses): a superset of the sites the rules act on."""
    found = []
    if b"optimizer" in data:
        found += re.finditer(rb"optimizer" + SPACE + rb"=" + argument, data)
    if b"compile" in data:
        site = re.compile(rb"compile" + SPACE + rb"(?:\)" + SPACE + rb")*\(" + argument)  # `(model.compile)(...)` too
        found += (m for m in site.finditer(data) if not data.endswith(_NOT_KERAS_COMPILE, 0, m.start()))  # no copy of the prefix
    if b"optimizers" in data:
        found += _get_sites(data, argument)
    return found


def bound_to(data: bytes, names: set[bytes], follows=lambda parts, names: parts[-1] in names) -> set[bytes]:
    """`names` and the names assigned from them, through any chain (`opts = keras.optimizers`,
    `get_optimizer = opts.get`): `follows(parts, names)` says whether a value of dotted `parts`
    stands for one of them. Only the lines that mention a name are read, with the two above them
    (`x = (` or a line continuation): `re` finds a name fast, but an assignment anywhere slowly."""
    names, new, read = set(names), set(names), set()
    while new:
        assignments = []
        for name in new:
            for match in re.finditer(re.escape(name), data):
                line = data.rfind(b"\n", 0, match.start()) + 1
                if line in read:
                    continue
                read.add(line)
                start = line
                for _ in range(2):
                    start = data.rfind(b"\n", 0, start - 1) + 1 if start > 0 else 0
                end = data.find(b"\n", match.end())
                assignments += _ASSIGNMENT.findall(data, start, len(data) if end < 0 else end)
        new = {target for target, value in assignments
               if target not in names and follows(re.sub(rb"\s", b"", value).split(b"."), names)}
        names |= new
    return names


def _get_sites(data: bytes, argument: bytes) -> list[re.Match]:
    """Arguments given to `optimizers.get` under whatever names the file binds it or its module to."""
    site = re.compile(_getters(data) + SPACE + rb"\(" + SPACE + rb"(?:identifier" + SPACE + rb"=)?" + argument)
    return list(site.finditer(data))


@lru_cache(maxsize=2)  # the prefilters of two rules read the same file's bytes in turn
def _getters(data: bytes) -> bytes:
    """A pattern of the names the file calls `optimizers.get` by."""
    modules = {b"optimizers", *_MODULE_ALIAS.findall(data)}
    getters = {alias or b"get" for names in _FROM_OPTIMIZERS.findall(data) for alias in _GET_NAME.findall(names)}
    # Aliases assigned in code, through any chain: `opts = keras.optimizers`, `get_optimizer = opts.get`.
    modules = bound_to(data, modules)
    getters = bound_to(data, getters | modules, lambda parts, names: parts[-1] in names - modules or len(parts) > 1
                       and parts[-1] == b"get" and parts[-2] in modules) - modules
    callers = [re.escape(module) + SPACE + rb"\." + SPACE + rb"get" for module in sorted(modules)]
    callers += [rb"(?<![\w.])" + re.escape(getter) for getter in sorted(getters)]  # `get(...)`, not `config.get(...)`
    return rb"(?:" + b"|".join(callers) + rb")"


# -- the sites in the tree ------------------------------------------------------------------------

def optimizer_argument(call: cst.Call, imports) -> int | None:
    """The index of the argument of `call` that holds an optimizer identifier, if it takes one."""
    func = call.func
    if keras_member(imports.resolved_name(func, follow_project_imports=False)) == "optimizers.get":
        return _argument(call, "identifier", position=0)
    if cst_last_name(func) != "compile":
        return None
    index = _argument(call, "optimizer")
    # Positionally only on a method of an object (`model.compile('adam')`), never on a
    # module's function (`re.compile`) or the builtin `compile(source, ...)`.
    if (index is None and isinstance(func, cst.Attribute) and imports.qualified_name(func.value) is None
            and cst_dotted(func.value) not in _REGEX_MODULES):
        index = _argument(call, None, position=0)
    return index


def _argument(call: cst.Call, keyword: str | None, position: int | None = None) -> int | None:
    for index, arg in enumerate(call.args):
        if arg.keyword is not None and arg.keyword.value == keyword:
            return index
    if position is not None and len(call.args) > position:
        arg = call.args[position]
        if arg.keyword is None and not arg.star and all(not a.star for a in call.args[:position]):
            return position
    return None


# -- optimizer classes ----------------------------------------------------------------------------

# Modules under a Keras root that hold optimizer classes (Keras 2.11-2.15 kept old and new apart).
OPTIMIZER_MODULES = frozenset({"optimizers", "optimizers.legacy", "optimizers.experimental"})
BASE_CLASS = "Optimizer"
# Class decorators known to return the class they are given.
_TRANSPARENT_DECORATORS = frozenset({"saving.register_keras_serializable", "utils.register_keras_serializable"})


def keras_optimizer_class(qualified: str | None) -> str | None:
    """`tensorflow.keras.optimizers.legacy.Adam` -> `Adam`: the Keras optimizer class a qualified
    name stands for, the abstract base `Optimizer` included; None for anything else."""
    module, _, name = (keras_member(qualified) or "").rpartition(".")
    if module in OPTIMIZER_MODULES and (name in KERAS3_OPTIMIZERS or name == BASE_CLASS):
        return name
    return None


@dataclass(frozen=True)
class LocalClass:
    """An optimizer class the file defines."""

    name: str
    # The parameters `name()` lacks: () if it can be called without arguments, None if unknown.
    required: tuple[str, ...] | None


@dataclass
class FileNames:
    """What the `ast` of a file tells about its names beyond ImportTable's account."""

    # Optimizer classes defined in the file whose name nothing else binds.
    classes: dict[str, LocalClass] = field(default_factory=dict)
    readable: bool = True  # False where ast cannot read what libcst could: trust nothing

    @classmethod
    def of(cls, text: str, imports) -> FileNames:
        from optfix.analysis.ast_nodes import quiet_parse

        try:
            tree = quiet_parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):  # syntax newer than this Python's
            return cls(readable=False)
        names = cls()
        counts: Counter[str] = Counter()
        definitions: dict[str, ast.ClassDef] = {}
        for node in ast.walk(tree):
            counts.update(_bound_names(node))
            if isinstance(node, ast.ClassDef):
                definitions[node.name] = node
        unique = {name: node for name, node in definitions.items() if counts[name] == 1}
        for name in unique:
            local = _optimizer_class(name, unique, imports, frozenset())
            if local is not None:
                names.classes[name] = local
        return names

    def trusts(self, node) -> bool:
        """Whether a reference may be read: a Name or Attribute chain, in a file `ast` could read
        (names bound inside expressions are ImportTable's to distrust)."""
        return self.readable and cst_dotted(node) is not None


def _bound_names(node: ast.AST) -> list[str]:
    """The names `node` itself binds."""
    if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
        return [node.id]
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, ast.arg):
        return [node.arg]
    if isinstance(node, ast.alias):
        return [(node.asname or node.name).split(".")[0]]
    if isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and node.name:
        return [node.name]
    if isinstance(node, ast.MatchMapping) and node.rest:
        return [node.rest]
    if isinstance(node, (ast.Global, ast.Nonlocal)):
        return list(node.names)
    if type(node).__name__ in {"TypeVar", "ParamSpec", "TypeVarTuple"}:  # type parameters, Python 3.12
        return [node.name]
    return []


def _optimizer_class(name: str, classes: dict[str, ast.ClassDef], imports, seen: frozenset[str]) -> LocalClass | None:
    """`name` as a LocalClass if it derives from a Keras optimizer class, directly or through
    other classes of the file (`classes`, the trusted ones), else None."""
    node = classes[name]
    decorators = (d.func if isinstance(d, ast.Call) else d for d in node.decorator_list)
    if name in seen or any(keras_member(imports.resolved(ast_chain(d), follow_project_imports=False)) not in _TRANSPARENT_DECORATORS for d in decorators):
        return None
    inherited: list[tuple[str, ...] | None] = []
    for base in node.bases:
        keras_class = keras_optimizer_class(imports.resolved(ast_chain(base), follow_project_imports=False))
        if keras_class is not None:
            # The abstract base's __init__ needs arguments, which differ between Keras versions.
            inherited.append(None if keras_class == BASE_CLASS else ())
        elif isinstance(base, ast.Name) and base.id in classes:
            local = _optimizer_class(base.id, classes, imports, seen | {name})
            if local is not None:
                inherited.append(local.required)
    if not inherited:
        return None
    return LocalClass(name, _required(node, inherited[0] if len(node.bases) == 1 else None))


def _required(node: ast.ClassDef, inherited: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """The parameters `__init__` requires after self: the class's own `__init__`, else the one it
    inherits (`inherited`, known only with a single base)."""
    bindings = [statement for statement in node.body if _binds_init(statement)]
    if not bindings:
        return inherited
    if len(bindings) > 1 or not isinstance(bindings[0], ast.FunctionDef):
        return None  # a conditional or assigned __init__: cannot tell
    args = bindings[0].args
    positional = [*args.posonlyargs, *args.args][1:]
    without_default = positional[: max(0, len(positional) - len(args.defaults))]
    keyword_only = [arg for arg, default in zip(args.kwonlyargs, args.kw_defaults) if default is None]
    return tuple(arg.arg for arg in [*without_default, *keyword_only])


def _binds_init(statement: ast.stmt) -> bool:
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return statement.name == "__init__"
    return any("__init__" in _bound_names(node) for node in ast.walk(statement))
