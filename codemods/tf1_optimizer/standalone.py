"""Whether the flows (flows.py) can tell the rule anything about a file, read from its `ast`
without walking the libcst tree.

The flows keep a TF1 constructor as it is only through what surrounds the constructor itself: the
statement or expression it is the value, argument, element or receiver of, and its own arguments
(a tensor learning rate). They report only at uses of such constructors, and name graph code only
where a graph API or the TF1 base class is reached. In a file where every reference to a TF1
optimizer class or the TF1 base class is a constructor called as a statement of its own
(`tf.compat.v1.train.AdamOptimizer(0.01)`) with no name, attribute or call among its arguments,
and where nothing reaches a graph API, the flows would block nothing, report nothing and find no
graph code; what else they find (how the file drives optimizers) the rule reads only for classes
used as values, which such a file has none of.
"""

from __future__ import annotations

import ast
import unicodedata
from typing import TYPE_CHECKING

from optfix.analysis.ast_nodes import every_node, quiet_parse
from optfix.analysis.chains import ast_chain
from optfix.knowledge.tf1 import TF1_BASE_CLASS, TF1_GRAPH_APIS, TF1_GRAPH_METHODS, TF1_OPTIMIZERS, tf1_class

if TYPE_CHECKING:  # the import table is libcst's: not imported where a run has nothing to parse
    from optfix.analysis.imports import ImportTable

# Arguments that hold no tensor and no optimizer: anything but these (a starred one holds a name).
_MAY_HOLD_A_VALUE = (ast.Name, ast.Attribute, ast.Call, ast.Starred)


def standalone_constructors(text: str, imports: ImportTable) -> bool:
    """Whether the file `text` (the code `imports` was read from) has nothing the flows act on:
    every TF1 optimizer or base class it reaches is a constructor called alone as a statement,
    with plain arguments, and it reaches no TF1 graph API or graph-mode method."""
    if not text or (not text.isascii() and unicodedata.normalize("NFKC", text) != text):
        return False  # `ast` reads identifiers normalized, libcst as written
    try:
        tree = quiet_parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    nodes = every_node(tree)
    alone = set()  # ids of the callees of calls that are statements with plain arguments
    for node in nodes:
        kind = type(node)
        if kind is ast.Expr and type(node.value) is ast.Call and _plain_arguments(node.value):
            alone.add(id(node.value.func))
        elif kind is ast.Attribute and node.attr in TF1_GRAPH_METHODS:
            return False
    reached: dict[tuple[str, ...], str | None] = {}  # chain -> what the flows act on there
    for node in nodes:
        kind = type(node)
        if kind is ast.Name:
            if node.id not in imports.bindings:
                continue
            chain = (node.id,)
        elif kind is ast.Attribute:
            chain = tuple(ast_chain(node))
            if not chain or chain[0] not in imports.bindings:
                continue
        else:
            continue
        if chain not in reached:
            reached[chain] = _acted_on(list(chain), imports)
        acted_on = reached[chain]
        if acted_on == "graph" or (acted_on and id(node) not in alone):
            return False
    return True


def _acted_on(chain: list[str], imports: ImportTable) -> str | None:
    """'class' for a chain the file binds whose dotted name is a TF1 optimizer class or the TF1
    base class, 'graph' for a TF1 graph API, else None (as the flows read a callee's name)."""
    if chain[0] not in imports.bindings:
        return None
    qualified = imports.resolved(chain)
    if qualified in TF1_GRAPH_APIS:
        return "graph"
    name = tf1_class(qualified)
    return "class" if name in TF1_OPTIMIZERS or name == TF1_BASE_CLASS else None


def _plain_arguments(call: ast.Call) -> bool:
    return not any(isinstance(arg, _MAY_HOLD_A_VALUE) for arg in call.args) and \
        not any(isinstance(keyword.value, _MAY_HOLD_A_VALUE) for keyword in call.keywords)
