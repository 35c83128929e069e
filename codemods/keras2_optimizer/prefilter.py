"""The files worth parsing for rule keras2-optimizer: the bytes stage (`wants`) and the `ast`
stage (`relevant`). Each must say yes wherever the rule would act."""

from __future__ import annotations

import ast
import re

from optfix.analysis.ast_nodes import every_node
from optfix.analysis.chains import ast_last_name
from optfix.analysis.dotted_names import PossibleNames
from optfix.codemods.keras2_optimizer.evidence import ERA_DEPENDENT_CLASSES
from optfix.codemods.keras2_optimizer.signatures import LEGACY_KEYWORDS
from optfix.codemods.keras2_optimizer.sites import LEFT_ALONE, site_for
from optfix.codemods.keras2_optimizer.subclasses import SUBCLASS_API, defines_get_updates, legacy_subclass_methods
from optfix.knowledge.keras import KERAS2_FACTORIES, KERAS2_SIGNATURES, KERAS3_OPTIMIZERS, KERAS3_SIGNATURES
from optfix.knowledge.namespaces import keras_member

_CLASSES = "|".join(KERAS3_SIGNATURES).encode()
_FACTORY_NAMES = "|".join(KERAS2_FACTORIES).encode()
_ARGUMENT = rb"(?:[^()=,]|\([^()]*\))*"  # one argument, nested parentheses one level deep
# After `optimizers`: not Keras's own sources, not tf_keras (left alone), not `my_optimizers`.
_OURS = rb"(?<!src\.optimizers)(?<!tf_keras\.optimizers)(?<!\woptimizers)"
_OPTIMIZER_NAMES = frozenset(KERAS3_OPTIMIZERS | set(KERAS3_SIGNATURES) | set(KERAS2_SIGNATURES) | set(KERAS2_FACTORIES))


class _Keyword:
    """One of `names` given as a keyword argument: after `(` or `,`, or after a comment line (one
    may end a line of arguments). Most `lr = 0.1` are assignments on a line of their own."""

    def __init__(self, names: bytes, value: bytes = rb"[^=]") -> None:
        self.pattern = re.compile(names + rb"\s*=" + value)  # led by a literal, which `re` finds fast

    def search(self, data: bytes) -> bool:
        for match in self.pattern.finditer(data):
            before = data[max(0, match.start() - 512):match.start()].rstrip(b" \t\f\r\n\\")
            if not before or before.endswith((b"(", b",")) or b"#" in before[before.rfind(b"\n") + 1:]:
                return True
        return False


class _AllOf:
    """Patterns that must all be found in a file."""

    def __init__(self, *patterns) -> None:
        self.patterns = patterns

    def search(self, data: bytes) -> bool:
        return all(pattern.search(data) for pattern in self.patterns)


class _OptimizerCalled:
    """A Keras optimizer class called, or imported under another name; not defined (`class Adam(`)."""

    pattern = re.compile(rb"\b(?:" + "|".join(sorted(_OPTIMIZER_NAMES)).encode() + rb")(?:\s+as\s|\s*\()")

    @classmethod
    def search(cls, data: bytes) -> bool:
        return any(not data.endswith(b"class ", 0, match.start()) for match in cls.pattern.finditer(data))


def _gate(names: set[str]) -> tuple[bytes, ...]:
    """Literals one of which each of `names` contains: a shared core where several have one (fewer
    substrings to look for in every file), else the name."""
    cores = ("slot", "_hyper", "_resource_apply")
    return tuple(sorted({next((core for core in cores if core in name), name).encode() for name in names}))


# Each pattern is searched only in files that hold one of its literals, which `in`
# finds many times faster than a regular expression could (one alternation of all the patterns
# would try each at every position of every file), and each pattern starts with a literal, which `re` also searches
# fast (a leading `\b` or lookbehind makes it try every position: boundaries are checked after).
# A Keras optimizer class or factory is reached through text that says `optimizers` (its import,
# or its attribute chain).
_TRIGGERS = (
    ((b"lr",), _Keyword(rb"lr")),
    ((b"decay",), _Keyword(rb"decay")),  # not weight_decay=, a Keras 3 argument
    ((b"schedule_decay",), _Keyword(rb"schedule_decay")),
    ((b"epsilon",), _Keyword(rb"epsilon", rb"\s*None\b")),
    ((b"legacy", b"experimental"), re.compile(
        rb"optimizers" + _OURS + rb"\s*\.\s*(?:legacy|experimental)\b"
        rb"|import\s[^\n]*optimizers" + _OURS + rb"\.(?:legacy|experimental)\b"
        rb"|optimizers" + _OURS + rb" import[^\n]*\b(?:legacy|experimental)\b")),
    # tensorflow.python.keras, where it reaches the optimizers
    ((b"python",), re.compile(
        rb"python\s*\.\s*keras(?:\s*\.\s*optimizers\b|\s+as\b|\s+import\b[^\n]*\boptimizers\b|\s+import\s*\([^)]*\boptimizers\b)"
        rb"|python import keras\b")),
    ((b"optimizers",), re.compile(
        rb"\b(?:" + _FACTORY_NAMES + rb")\s*\(|\boptimizers import\b[^\n]*\b(?:" + _FACTORY_NAMES + rb")\b"
        rb"|\b(?:" + _CLASSES + rb")\s*\(" + _ARGUMENT + rb"," + _ARGUMENT + rb",")),  # positional arguments
    # subclasses written against the tf.keras 2 optimizer APIs
    (_gate(SUBCLASS_API | {"update_step"}), re.compile(
        rb"def\s+(?:" + "|".join(sorted(SUBCLASS_API)).encode() + rb")\b"
        rb"|def\s+update_step\s*\([^(),]*,[^(),]*,[^(),]*\)"
        rb"|self\s*\.\s*(?:" + "|".join(sorted(SUBCLASS_API)).encode() + rb")\s*\(")),
    # a call whose defaults a source version decides (or that a run without one counts):
    # a class whose defaults differ between eras, or clipnorm given to an optimizer
    ((b"optimizers",), re.compile(rb"\b(?:" + "|".join(sorted(ERA_DEPENDENT_CLASSES)).encode() + rb")(?:\s*\(|\s+as\s)")),
    ((b"clipnorm",), _AllOf(_Keyword(rb"clipnorm"), _OptimizerCalled)),
    # a Keras 2.2 optimizer class, reported where rule get-updates does not run
    ((b"get_updates",), re.compile(rb"def\s+get_updates\b")),
)


def wants(data: bytes) -> bool:
    return any(any(literal in data for literal in literals) and pattern.search(data) for literals, pattern in _TRIGGERS)


def relevant(tree: ast.Module) -> bool:
    names = _OPTIMIZER_NAMES | _aliases(tree)
    built_at_sites: set[int] = set()  # calls given to compile() or get(): an optimizer of unknown class?
    bindings: PossibleNames | None = None  # read when a class needs them
    for node in every_node(tree):  # breadth first: a call before its arguments
        if isinstance(node, ast.Call):
            if ast_last_name(node.func) in ("compile", "get"):
                built_at_sites.update(id(value) for value in [*node.args, *(k.value for k in node.keywords)])
            legacy = any(k.arg in LEGACY_KEYWORDS or (k.arg == "epsilon" and _is_none(k.value)) for k in node.keywords)
            era_dependent = (ast_last_name(node.func) in ERA_DEPENDENT_CLASSES | names - _OPTIMIZER_NAMES
                             or "clipnorm" in {k.arg for k in node.keywords})
            if ast_last_name(node.func) in names and (legacy or era_dependent or len(node.args) >= 2):
                return True
            if legacy and id(node) in built_at_sites:
                return True
            # a class looked up at run time (`getattr(keras.optimizers, name)(lr=...)`,
            # `params['optimizer'](lr=...)`), or handed to a wrapper with the keywords
            if legacy and (not isinstance(node.func, (ast.Name, ast.Attribute)) or any(ast_last_name(arg) in names for arg in node.args)):
                return True
        if isinstance(node, ast.ClassDef) and defines_get_updates(node):
            return True
        if isinstance(node, ast.ClassDef) and legacy_subclass_methods(node):
            bindings = bindings or PossibleNames(tree)
            if any(_may_be_keras(name) for base in node.bases for name in bindings.of(base)):
                return True
    # a class or factory in a namespace Keras 3 removed, or a Keras 2 factory
    return any(getattr(site_for(name), "move", "") for name in (bindings or PossibleNames(tree)).everywhere())


def _aliases(tree: ast.Module) -> set[str]:
    """The names a file imports Keras optimizer classes as (`from keras.optimizers import Adam as A`)."""
    return {
        alias.asname
        for node in every_node(tree) if isinstance(node, ast.ImportFrom)
        for alias in node.names if alias.asname and alias.name in _OPTIMIZER_NAMES
    }


def _may_be_keras(qualified: str) -> bool:
    return keras_member(qualified) is not None and not qualified.startswith(LEFT_ALONE)


def _is_none(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is None
